"""Campaign-level rules, computed from the per-message records as they stream past. Only small
per-recipient state is kept (send times, content hashes, claim keys), never the messages.

- ``campaign-frequency``: a contact gets more than ``cap.messages`` sends within any
  ``cap.days``-day window (exactly the cap is fine). Sends without a date are not counted.
- ``campaign-duplicate``: the same message (subject and body, case, punctuation and spacing
  aside) goes to the same contact more than once.
- ``campaign-mass-claim``: the same personal claim (the same claim rule with the same
  specifics, else the same sentence) goes to at least ``MASS_CLAIM_MIN_RECIPIENTS`` (5)
  recipients while the CRM supports it for fewer than ``MASS_CLAIM_MAX_SUPPORTED_SHARE`` (half)
  of them. Needs a CRM: without one nothing can be supported, so the rule stays silent.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

MASS_CLAIM_MIN_RECIPIENTS = 5
MASS_CLAIM_MAX_SUPPORTED_SHARE = 0.5
_CAP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*d\s*$")


@dataclass(frozen=True)
class Cap:
    messages: int = 3
    days: int = 7

    def __str__(self) -> str:
        return f"{self.messages}/{self.days}d"


def parse_cap(text: str) -> Cap:
    """``3/7d``: at most 3 messages to one contact in any 7 days."""
    match = _CAP.match(text)
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise ValueError(f"invalid cap {text!r} (expected N/Dd, e.g. 3/7d)")
    return Cap(int(match.group(1)), int(match.group(2)))


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class CampaignRules:
    """Feed it every checked record (``add``), then ask for the ``findings``."""

    def __init__(self, cap: Cap = Cap(), has_crm: bool = True) -> None:
        self.cap = cap
        self.has_crm = has_crm
        self._sends: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        self._hashes: dict[tuple[str, str], list[str]] = defaultdict(list)
        # claim key -> {recipient: supported}, plus the rule, category, sentence and ids.
        self._claims: dict[str, dict[str, Any]] = {}
        self.suppressed: dict[str, list[str]] = {}

    def add(self, record: dict[str, Any]) -> None:
        recipient = (record.get("recipient") or "").lower()
        if not record.get("checked") or not recipient:
            return
        row_id = record["id"]
        when = _when(record.get("sent_at"))
        if when is not None:
            self._sends[recipient].append((when, row_id))
        if record.get("_hash"):
            self._hashes[(recipient, record["_hash"])].append(row_id)
        for key, rule, category, sentence, supported in record.get("_claims", ()):
            entry = self._claims.setdefault(key, {
                "rule": rule, "category": category, "sentence": sentence,
                "recipients": {}, "ids": []})
            entry["recipients"][recipient] = entry["recipients"].get(recipient, False) or supported
            entry["ids"].append(row_id)
        if any(f["category"] == "compliance.suppressed" for f in record.get("findings", ())):
            self.suppressed.setdefault(recipient, []).append(row_id)

    def findings(self) -> list[dict[str, Any]]:
        return [*self._frequency(), *self._duplicates(), *self._mass_claims()]

    def _frequency(self) -> list[dict[str, Any]]:
        found = []
        window = timedelta(days=self.cap.days)
        for contact, sends in self._sends.items():
            if len(sends) <= self.cap.messages:
                continue
            sends = sorted(sends)
            over: list[str] = []
            most = 0
            start = 0
            for end in range(len(sends)):
                while sends[end][0] - sends[start][0] >= window:
                    start += 1
                count = end - start + 1
                most = max(most, count)
                if count > self.cap.messages:
                    over.extend(row_id for _, row_id in sends[start:end + 1] if row_id not in over)
            if over:
                found.append(_finding(
                    "campaign-frequency", "campaign.frequency", "error",
                    f"{contact} gets {most} messages within {self.cap.days} days "
                    f"(cap {self.cap}).", contact=contact, ids=over))
        return found

    def _duplicates(self) -> list[dict[str, Any]]:
        return [
            _finding("campaign-duplicate", "campaign.duplicate", "warning",
                     f"The same message goes to {contact} {len(ids)} times.",
                     contact=contact, ids=ids)
            for (contact, _), ids in self._hashes.items() if len(ids) > 1
        ]

    def _mass_claims(self) -> list[dict[str, Any]]:
        if not self.has_crm:
            return []
        found = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for entry in self._claims.values():
            recipients = entry["recipients"]
            supported = sum(1 for ok in recipients.values() if ok)
            if len(recipients) >= MASS_CLAIM_MIN_RECIPIENTS and \
                    supported < MASS_CLAIM_MAX_SUPPORTED_SHARE * len(recipients) and \
                    (entry["rule"], tuple(entry["ids"])) not in seen:
                # One finding per claim rule and set of sends (a subject and a body may say it).
                seen.add((entry["rule"], tuple(entry["ids"])))
                found.append(_finding(
                    "campaign-mass-claim", "campaign.mass_claim", "error",
                    f"The personal claim '{entry['sentence']}' ({entry['rule']}) goes to "
                    f"{len(recipients)} recipients; the CRM supports it for {supported}.",
                    ids=entry["ids"], claim_rule=entry["rule"],
                    recipients=len(recipients), supported=supported))
        return found


def _finding(rule: str, category: str, severity: str, message: str,
             **details: Any) -> dict[str, Any]:
    return {"rule": rule, "category": category, "severity": severity, "message": message,
            **details}
