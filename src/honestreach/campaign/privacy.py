"""``audit --redact``: the redaction of ``check --redact`` (redact.py) over an audit's records and
summary, with the campaign rules and the summary's tables unchanged.

Each record is redacted where it is made, in the worker that read the message (so the names the
message gives are known): every text it carries (id, path, recipient, sender, subject, variant,
findings, errors, the message text) is masked. What the campaign rules and the summary group by
(the recipient, the sender, the variant, the content hash, the claim keys) travels beside it as
pseudonyms: keyed hashes whose key is drawn afresh for each run, so sends to one contact still
count together, two senders stay two rows, and nothing written to disk (the campaign rules'
temporary database) holds an address, a name, or a hash of one that could be looked up.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from ..model import Pseudonyms, SendRecord
from ..redact import EMAIL_MASK, Redactor


class RecordRedactor:
    """Masks an audit's records and summary; ``key`` (secret, one per run) keys the
    pseudonyms."""

    def __init__(self, redactor: Redactor, key: bytes) -> None:
        self.redactor = redactor
        self.key = key

    def pseudonym(self, value: str) -> str:
        return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), key=self.key,
                               digest_size=12).hexdigest()

    def record(self, record: SendRecord, source: str = "") -> SendRecord:
        """``record`` masked; ``source``: the message's text, whose names are masked too."""
        clean = self.redactor.cleaner(source)

        def masked(text: str | None) -> str | None:
            return clean(text) if text is not None else None

        recipient, sender, variant = record.recipient, record.sender, record.variant
        return replace(
            record,
            id=clean(record.id), path=clean(record.path), recipient=masked(recipient),
            sender=masked(sender), subject=masked(record.subject), variant=masked(variant),
            sent_at=masked(record.sent_at), source=masked(record.source),
            reason=masked(record.reason),
            findings=tuple(replace(finding, message=clean(finding.message),
                                   text=clean(finding.text),
                                   suggestion=clean(finding.suggestion))
                           for finding in record.findings),
            errors=tuple(clean(str(error)) for error in record.errors),
            content_hash=self.pseudonym(record.content_hash) if record.content_hash else
            record.content_hash,
            claims=tuple(replace(claim, key=self.pseudonym(claim.key),
                                 sentence=clean(claim.sentence)) for claim in record.claims),
            # What the campaign rules and the summary group by, as pseudonyms.
            pseudonyms=Pseudonyms(
                recipient=self.pseudonym(recipient.lower()) if recipient else None,
                sender=self.pseudonym(sender) if sender else None,
                variant=self.pseudonym(variant) if variant else None),
        )

    def summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """The summary's texts that do not come from a redacted record masked: the reader's
        notes and errors, the failure reasons, the campaign findings (again, with the CRM's
        names) and the suppressed recipients (pseudonyms in, one mask each out)."""
        clean = self.redactor.cleaner()
        source = summary.get("source") or {}
        suppressed = summary["suppressed"]
        return {
            **summary,
            "failed_by_reason": _merged(summary.get("failed_by_reason") or {}, clean),
            "source": {**source, "notes": _merged(source.get("notes") or {}, clean),
                       **({"skipped": {**source["skipped"], "names": [
                           clean(name) for name in source["skipped"]["names"]]}}
                          if source.get("skipped") else {})},
            "errors": [clean(error) for error in summary.get("errors") or ()],
            "suppressed": {**suppressed, "list": dict(zip(
                distinct([EMAIL_MASK] * len(suppressed["list"])),
                ([clean(i) for i in ids] for ids in suppressed["list"].values())))},
            "campaign_findings": [_deep(finding, clean)
                                  for finding in summary["campaign_findings"]],
        }


def distinct(labels: Iterable[str]) -> list[str]:
    """Labels made distinct, in order: the second ``<email>`` is ``<email> (2)``, so that two
    rows of a table that redaction made alike stay two rows."""
    seen: Counter[str] = Counter()
    out = []
    for label in labels:
        seen[label] += 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _merged(counts: dict[str, int], clean: Callable[[str], str]) -> dict[str, int]:
    merged: Counter[str] = Counter()
    for name, count in counts.items():
        merged[clean(name)] += count
    return dict(merged.most_common())


def _deep(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {key: _deep(item, clean) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep(item, clean) for item in value]
    return value
