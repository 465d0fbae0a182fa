"""``--redact``: email addresses and people's names replaced in every output format.

Names come from what the run knows to be people: the CRM's contacts and referrers, the display
names in the message's address headers, and the name a greeting uses. Redaction happens on
finished results, before any reporter sees them, so no format can leak what another hides.
"""

from __future__ import annotations

import re
from dataclasses import replace
from email.utils import getaddresses
from typing import Iterable

from .crm import CRM
from .model import FileResult, Finding, SourceText

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_MASK = "<email>"
NAME_MASK = "<name>"
_GREETING_NAME = re.compile(r"^\s*(?:hi|hello|hey|dear|hallo|bonjour|hola)\s+([A-Z][\w'’-]+)",
                            re.IGNORECASE | re.MULTILINE)
_HEADER = re.compile(r"^(?:to|from|cc|bcc|reply-to)\s*:(.*)$", re.IGNORECASE | re.MULTILINE)


class Redactor:
    """Replaces addresses and known names in strings."""

    def __init__(self, crm: CRM | None = None) -> None:
        names: set[str] = set()
        if crm is not None:
            for contact in crm.contacts:
                names.update(n for n in (contact.first_name, contact.last_name) if n)
            for activity in crm.activities:
                if activity.type == "referral" and activity.detail:
                    names.update(activity.detail.split())
        self._crm_names = {n for n in names if len(n) > 1}

    def result(self, result: FileResult) -> FileResult:
        """The result with every address and known name masked."""
        names = set(self._crm_names)
        if result.source is not None:
            names |= _names_in(result.source.text)
        pattern = _names_pattern(names)

        def clean(text: str | None) -> str | None:
            if text is None:
                return None
            text = EMAIL.sub(EMAIL_MASK, text)
            return pattern.sub(NAME_MASK, text) if pattern else text

        findings = tuple(_finding(f, clean) for f in result.findings)
        source = SourceText(clean(result.source.text) or "") if result.source else None
        scores = result.scores
        if scores is not None:
            scores = replace(
                scores,
                respect_reasons=tuple(clean(r) or "" for r in scores.respect_reasons),
                relevance_reasons=tuple(clean(r) or "" for r in scores.relevance_reasons),
            )
        return replace(
            result,
            scores=scores,
            findings=findings,
            recipient=clean(result.recipient),
            subject=clean(result.subject),
            source=source,
            errors=tuple(replace(e, message=clean(e.message) or "") for e in result.errors),
        )


def _finding(finding: Finding, clean) -> Finding:  # type: ignore[no-untyped-def]
    return replace(finding, message=clean(finding.message), text=clean(finding.text),
                   suggestion=clean(finding.suggestion))


def _names_in(text: str) -> set[str]:
    names: set[str] = set()
    for header in _HEADER.finditer(text[:20000]):
        for display, _ in getaddresses([header.group(1)]):
            names.update(w.strip("\"'") for w in display.split() if len(w.strip("\"'")) > 1)
    for greeting in _GREETING_NAME.finditer(text[:20000]):
        names.add(greeting.group(1))
    return names


def _names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({n for n in names if n and n[0].isupper()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
