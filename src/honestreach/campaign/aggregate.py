"""Campaign-level rules, computed from the per-message records as they stream past. Only what
the rules need of each send is kept (recipient, send time, content hash, claim keys), on disk,
never the messages.

- ``campaign-frequency``: a contact gets more than ``cap.messages`` sends within any
  ``cap.days``-day window (exactly the cap is fine). Sends without a date are not counted.
- ``campaign-duplicate``: the same message (subject and body, case, punctuation and spacing
  aside) goes to the same contact more than once.
- ``campaign-mass-claim``: the same personal claim (the same claim rule with the same
  specifics, else the same sentence) goes to at least ``MASS_CLAIM_MIN_RECIPIENTS`` (5)
  recipients while the CRM supports it for fewer than ``MASS_CLAIM_MAX_SUPPORTED_SHARE`` (half)
  of them. Claims that go out in exactly the same sends make one finding. Needs a CRM: without
  one nothing can be supported, so the rule stays silent.

Each finding is made from its rule file (category, severity, message, suggestion), and the
configuration's select, ignore and severity apply to it (the policy step, policy.py).
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from ..config import Config
from ..model import SendRecord
from ..policy import Policy
from ..redact import EMAIL_MASK
from ..rules import Rule
from ..stages import rule_message

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


_SCHEMA = """
CREATE TABLE sends (seq INTEGER, recipient TEXT, ts REAL, id TEXT);
CREATE TABLE hashes (seq INTEGER, recipient TEXT, hash TEXT, id TEXT);
CREATE TABLE claims (seq INTEGER, key TEXT, recipient TEXT, supported INTEGER, id TEXT);
CREATE TABLE claim_texts (key TEXT PRIMARY KEY, rule TEXT, sentence TEXT);
CREATE TABLE suppressed (seq INTEGER, recipient TEXT, id TEXT);
"""
_INDEXES = """
CREATE INDEX sends_recipient ON sends (recipient, ts, id);
CREATE INDEX hashes_pair ON hashes (recipient, hash, seq);
CREATE INDEX claims_key ON claims (key, seq);
"""
_BATCH = 2000


class CampaignRules:
    """Feed it every checked record (``add``), then ask for the ``findings`` (once).

    What the rules need of each send (recipient, time, content hash, claim keys) goes to a
    temporary SQLite database on disk, so the audit's memory does not grow with the campaign;
    the rules are queries over it at the end."""

    def __init__(self, rules: Iterable[Rule], config: Config, cap: Cap = Cap(),
                 has_crm: bool = True, redacted: bool = False) -> None:
        """``rules``: the rules in force (the campaign stage's are taken from them);
        ``config``: the configuration whose select, ignore and severity apply; ``redacted``:
        the records are redacted (privacy.py), their recipients pseudonyms that the findings
        show as ``<email>``."""
        self.policy = Policy(config)
        # Only the rules the configuration selects are computed.
        self.rules = {rule.id: rule for rule in rules if rule.stage == "campaign"
                      and self.policy.selects(rule.id, rule.category)}
        self.cap = cap
        self.has_crm = has_crm
        self.redacted = redacted
        self._folder = tempfile.TemporaryDirectory(prefix="honestreach-audit-")
        self._db = sqlite3.connect(Path(self._folder.name) / "campaign.db")
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                               "PRAGMA temp_store=FILE; PRAGMA cache_size=-2048;" + _SCHEMA)
        self._seq = 0
        self._pending: dict[str, list[tuple[Any, ...]]] = {
            "sends": [], "hashes": [], "claims": [], "claim_texts": [], "suppressed": []}
        self.suppressed: dict[str, list[str]] = {}

    def add(self, record: SendRecord) -> None:
        if self.redacted:
            recipient = record.pseudonyms.recipient if record.pseudonyms else None
        else:
            recipient = (record.recipient or "").lower()
        if not record.checked or not recipient:
            return
        self._seq += 1
        seq, row_id, pending = self._seq, record.id, self._pending
        when = _when(record.sent_at)
        if when is not None:
            pending["sends"].append((seq, recipient, when.timestamp(), row_id))
        if record.content_hash:
            pending["hashes"].append((seq, recipient, record.content_hash, row_id))
        for claim in record.claims:
            pending["claims"].append((seq, claim.key, recipient, int(claim.supported), row_id))
            pending["claim_texts"].append((claim.key, claim.rule, claim.sentence))
        if any(f.category == "compliance.suppressed" for f in record.findings):
            pending["suppressed"].append((seq, recipient, row_id))
        if len(pending["sends"]) + len(pending["hashes"]) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        for table, rows in self._pending.items():
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                verb = "INSERT OR IGNORE" if table == "claim_texts" else "INSERT"
                self._db.executemany(f"{verb} INTO {table} VALUES ({marks})", rows)
                rows.clear()

    def findings(self) -> list[dict[str, Any]]:
        self._flush()
        self._db.executescript(_INDEXES)
        try:
            self.suppressed = {}
            for recipient, row_id in self._db.execute(
                    "SELECT recipient, id FROM suppressed ORDER BY seq"):
                self.suppressed.setdefault(recipient, []).append(row_id)
            return [*self._frequency(), *self._duplicates(), *self._mass_claims()]
        finally:
            self._db.close()
            self._folder.cleanup()

    def _contact(self, recipient: str) -> str:
        return EMAIL_MASK if self.redacted else recipient

    def _finding(self, rule_id: str, values: dict[str, Any],
                 **details: Any) -> dict[str, Any]:
        rule = self.rules[rule_id]
        return {"rule": rule.id, "category": rule.category,
                "severity": self.policy.severity(rule.id, rule.category, rule.severity),
                "message": rule_message(rule, values), "suggestion": rule.suggestion,
                **details}

    def _frequency(self) -> list[dict[str, Any]]:
        if "campaign-frequency" not in self.rules:
            return []
        found = []
        window = self.cap.days * 86400
        over_cap = self._db.execute(
            "SELECT recipient FROM sends GROUP BY recipient HAVING count(*) > ? "
            "ORDER BY min(seq)", (self.cap.messages,)).fetchall()
        for (contact,) in over_cap:
            sends = self._db.execute("SELECT ts, id FROM sends WHERE recipient = ? "
                                     "ORDER BY ts, id", (contact,)).fetchall()
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
                shown = self._contact(contact)
                found.append(self._finding(
                    "campaign-frequency", {"contact": shown, "count": most,
                                           "days": self.cap.days, "cap": str(self.cap)},
                    contact=shown, ids=over))
        return found

    def _duplicates(self) -> list[dict[str, Any]]:
        if "campaign-duplicate" not in self.rules:
            return []
        found = []
        pairs = self._db.execute("SELECT recipient, hash FROM hashes GROUP BY recipient, hash "
                                 "HAVING count(*) > 1 ORDER BY min(seq)").fetchall()
        for contact, content in pairs:
            ids = [row_id for (row_id,) in self._db.execute(
                "SELECT id FROM hashes WHERE recipient = ? AND hash = ? ORDER BY seq",
                (contact, content))]
            shown = self._contact(contact)
            found.append(self._finding("campaign-duplicate",
                                       {"contact": shown, "count": len(ids)},
                                       contact=shown, ids=ids))
        return found

    def _mass_claims(self) -> list[dict[str, Any]]:
        if not self.has_crm or "campaign-mass-claim" not in self.rules:
            return []
        # Per claim: its recipients, and those the CRM supports it for (any of their sends).
        candidates = self._db.execute(
            "SELECT key, count(*), sum(supported) FROM "
            "(SELECT key, recipient, max(supported) AS supported, min(seq) AS first "
            " FROM claims GROUP BY key, recipient) "
            "GROUP BY key HAVING count(*) >= ? ORDER BY min(first)",
            (MASS_CLAIM_MIN_RECIPIENTS,)).fetchall()
        # Claims that go out in the same sends (a subject and a body saying it, or several
        # claims of one template) make one finding.
        by_sends: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key, recipients, supported in candidates:
            if supported >= MASS_CLAIM_MAX_SUPPORTED_SHARE * recipients:
                continue
            rule, sentence = self._db.execute(
                "SELECT rule, sentence FROM claim_texts WHERE key = ?", (key,)).fetchone()
            # A send that makes the claim twice (its subject and its body) is one send.
            ids = tuple(dict.fromkeys(row_id for (row_id,) in self._db.execute(
                "SELECT id FROM claims WHERE key = ? ORDER BY seq", (key,))))
            by_sends.setdefault(ids, []).append({
                "rule": rule, "sentence": sentence, "recipients": recipients,
                "supported": supported})
        found = []
        for ids, claims in by_sends.items():
            # Claims of the same sends tie on their first row; their keys are keyed hashes
            # (random per run when redacting), so order them by what they say.
            claims.sort(key=lambda claim: (claim["rule"], claim["sentence"]))
            most = max(claims, key=lambda claim: claim["recipients"])
            said = "; ".join(f"'{c['sentence']}' ({c['rule']}, supported for {c['supported']})"
                             for c in claims)
            if len(claims) > 1:
                said = f"{len(claims)} claims sent together: {said}"
            found.append(self._finding(
                "campaign-mass-claim", {"count": most["recipients"], "claims": said},
                ids=list(ids), claims=claims, recipients=most["recipients"],
                supported=min(c["supported"] for c in claims)))
        return found
