"""Matching a claim with the CRM's records: what every claim kind's check shares.

Names are matched case-, accent- and year-insensitively with a typo allowed per word, so
"SaaStr" matches "SaaStr Annual 2026" and "Tomas Herrera" matches "Tomás Herrera"; titles of
three words or more may miss one word in four.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

from ..crm import Activity
from ..model import TimeWindow
from .kind import Outcome

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_NON_WORD = re.compile(r"[^\w&]+")


def activity_claim(rows: Sequence[Activity], types: Sequence[str], specific: str | None,
                   time: TimeWindow | None, email: str) -> Outcome:
    """Supported by the latest of ``rows`` (activities of ``types``) that names ``specific``
    (when the claim names one) and falls in ``time`` (when it says when)."""
    kinds = " or ".join(types)
    named = [r for r in rows if specific is None or matches(specific, r)]
    fitting = [r for r in named if time is None or time.contains(r.date)]
    if fitting:
        return Outcome(True, describe_record(fitting[-1]))
    what = f"no {kinds} for {email}"
    if specific:
        what += f" matching '{specific}'"
    if time is not None:
        what += f" around '{time.phrase}' ({time.start} to {time.end})"
    nearest = closest(named or rows, specific, time)
    return Outcome(False, what, describe_closest(nearest, time) if nearest else "")


def strip_accents(text: str) -> str:
    """'Tomás' -> 'Tomas'."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normal(text: str | None) -> str:
    """Lower case, no years, no punctuation: 'SaaStr Annual 2026 —' -> 'saastr annual'."""
    return " ".join(_NON_WORD.sub(" ", _YEAR.sub(" ", (text or "").lower())).split())


STOP_WORDS = frozenset({"the", "our", "your", "a", "an", "of", "and", "for", "in", "on", "at",
                        "to", "with", "my", "from", "by", "&"})


def matches(specific: str, row: Activity) -> bool:
    """Whether the record names what the claim names: the claim's words (case, accents and
    years aside, and allowing a typo) appear in the subject or detail. Short names must match
    whole; longer titles may miss one word in four ("Pipeline Playbook 2026 edition")."""
    wanted = [w for w in strip_accents(normal(specific)).split() if w not in STOP_WORDS]
    if not wanted:
        return True
    needed = len(wanted) if len(wanted) <= 2 else -(-3 * len(wanted) // 4)
    for value in (row.subject, row.detail):
        words = strip_accents(normal(value)).split()
        if not words:
            continue
        found = sum(any(_same_word(w, r) for r in words) for w in wanted)
        if found >= needed:
            return True
    return False


def _same_word(wanted: str, word: str) -> bool:
    if wanted == word or (len(wanted) >= 5 and word.startswith(wanted[:5])
                          and abs(len(word) - len(wanted)) <= 3):
        return True
    return len(wanted) >= 5 and fuzz.ratio(wanted, word) >= 85


def closest(rows: Sequence[Activity], specific: str | None,
            time: TimeWindow | None) -> Activity | None:
    """The record most like the claim: by name first, then by time."""
    if not rows:
        return None

    def key(row: Activity) -> tuple[float, int]:
        similarity = fuzz.partial_ratio(normal(specific), normal(row.subject)) if specific else 0
        distance = time.distance(row.date) if time else 0
        return (-similarity, distance)

    return min(rows, key=key)


def describe_record(row: Activity) -> str:
    """"meeting 'SaaStr Annual' on 2026-05-12"."""
    return f"{row.type} '{row.subject or row.detail or ''}' on {row.date}"


def describe_closest(row: Activity, time: TimeWindow | None) -> str:
    """The closest record, and how far it is from the claim's time."""
    text = f"{row.type} '{row.subject or row.detail or ''}', {row.date}"
    if time is not None and not time.contains(row.date):
        days = time.distance(row.date)
        when = "before" if row.date < time.start else "after"
        amount = f"{round(days / 30)} months" if days >= 45 else f"{days} days"
        text += f", {amount} {when} '{time.phrase}'"
    return text
