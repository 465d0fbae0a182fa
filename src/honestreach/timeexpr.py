"""Time expressions in claims ("yesterday", "last week", "in March", "at SaaStr 2026"),
resolved to a window of dates relative to the message's date.

Each window is widened by a tolerance (documented in docs/claims.md) because people round:
"last week" is said of something eight or nine days ago, "in March" of the first days of April.
Libraries such as dateparser turn a phrase into one instant; a claim needs a range with a
tolerance, so the small table here is the clearer tool.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from .model import TimeWindow

MONTHS = {name: index for index, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for name in names}
# Full names only: "sat", "sun" and "wed" are ordinary words far more often than days.
WEEKDAYS = {name: index for index, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "a couple of": 2, "a few": 3, "several": 4}

# Tolerances in days added to each side of a window.
DAY_TOLERANCE = 1
WEEK_TOLERANCE = 3
MONTH_TOLERANCE = 7
VAGUE_DAYS = 120  # "recently", "a while back", "the other day" stretched to its plausible past

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_AMOUNT = r"(\d+|a couple of|a few|several|an?|one|two|three|four|five|six)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(kind, re.compile(pattern, re.IGNORECASE)) for
                                                  kind, pattern in [
    ("today", r"\b(today|this (morning|afternoon|evening)|tonight|earlier today)\b"),
    ("yesterday", r"\b(yesterday|last night)\b"),
    ("ago", rf"\b{_AMOUNT}\s+(day|week|month|year)s?\s+ago\b"),
    ("this_week", r"\b(earlier )?this week\b"),
    ("last_week", r"\b(last|past|previous) week\b"),
    ("this_month", r"\b(earlier )?this month\b"),
    ("last_month", r"\b(last|past|previous) month\b"),
    ("this_year", r"\b(earlier )?this year\b"),
    ("last_year", r"\b(last|past|previous) year\b"),
    ("weekday", rf"\b(?:(last|this past|on|this)\s+)?({_WEEKDAY_NAMES})(?:'s|’s)?\b"),
    ("day_month", rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_NAMES})\.?"
                  rf"(?:,?\s+(\d{{4}}))?\b"),
    ("month_day", rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b"),
    ("iso", r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    ("month", rf"\b(?:in|during|back in|since|from|last|this past|early|late|mid-?)\s+"
              rf"({_MONTH_NAMES})(?:\s+(\d{{4}}))?\b"),
    ("month_adj", rf"\b(?:the|your|our|that)\s+({_MONTH_NAMES})\s+"
                  rf"(?:demo|call|meeting|webinar|event|session|chat|conversation)\b"),
    ("recently", r"\b(recently|the other day|a while (back|ago)|not long ago)\b"),
    ("year", r"\b(20\d{2})\b"),
]]


def find_time(text: str, today: date) -> TimeWindow | None:
    """The time expression of ``text``, resolved; the kinds are tried in the order of
    _PATTERNS, so "last week at SaaStr 2026" is read as last week, not as all of 2026."""
    latest = today + timedelta(days=DAY_TOLERANCE)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            window = _resolve(kind, match, today)
            if window is not None:
                # Claims speak of the past: nothing after the message's date can support them.
                return TimeWindow(window.phrase, window.start, min(window.end, latest))
    return None


def _widen(phrase: str, start: date, end: date, tolerance: int) -> TimeWindow:
    return TimeWindow(phrase, start - timedelta(days=tolerance), end + timedelta(days=tolerance))


def _month_window(phrase: str, month: int, year: int | None, today: date) -> TimeWindow:
    if year is None:
        # A month named without a year is the latest one not in the future.
        year = today.year if month <= today.month else today.year - 1
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return _widen(phrase, start, end, MONTH_TOLERANCE)


def _resolve(kind: str, match: re.Match[str], today: date) -> TimeWindow | None:
    phrase = match.group(0)
    week_start = today - timedelta(days=today.weekday())
    if kind == "today":
        return _widen(phrase, today, today, DAY_TOLERANCE)
    if kind == "yesterday":
        day = today - timedelta(days=1)
        return _widen(phrase, day, day, DAY_TOLERANCE)
    if kind == "ago":
        amount = NUMBERS.get(match.group(1).lower()) or int(match.group(1))
        unit = {"day": 1, "week": 7, "month": 30, "year": 365}[match.group(2).lower()]
        centre = today - timedelta(days=amount * unit)
        spread = max(DAY_TOLERANCE, unit // 2)
        return TimeWindow(phrase, centre - timedelta(days=spread), centre + timedelta(days=spread))
    if kind == "this_week":
        return _widen(phrase, week_start, today, WEEK_TOLERANCE)
    if kind == "last_week":
        return _widen(phrase, week_start - timedelta(days=7), week_start - timedelta(days=1),
                      WEEK_TOLERANCE)
    if kind == "this_month":
        return _widen(phrase, today.replace(day=1), today, WEEK_TOLERANCE)
    if kind == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return _widen(phrase, end.replace(day=1), end, MONTH_TOLERANCE)
    if kind == "this_year":
        return _widen(phrase, date(today.year, 1, 1), today, MONTH_TOLERANCE)
    if kind == "last_year":
        return _widen(phrase, date(today.year - 1, 1, 1), date(today.year - 1, 12, 31),
                      MONTH_TOLERANCE)
    if kind == "weekday":
        weekday = WEEKDAYS[match.group(2).lower()]
        back = (today.weekday() - weekday) % 7 or 7
        day = today - timedelta(days=back)
        if (match.group(1) or "").lower() == "last":
            # "Last Tuesday" is the most recent Tuesday to some, the one before to others.
            return TimeWindow(phrase, day - timedelta(days=7 + DAY_TOLERANCE),
                              day + timedelta(days=DAY_TOLERANCE))
        return _widen(phrase, day, day, DAY_TOLERANCE)
    if kind in ("day_month", "month_day"):
        day_text, month_text = (match.group(1), match.group(2)) if kind == "day_month" else \
            (match.group(2), match.group(1))
        return _exact(phrase, match.group(3), MONTHS[month_text.lower()], int(day_text), today)
    if kind == "iso":
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
        return _widen(phrase, day, day, DAY_TOLERANCE)
    if kind in ("month", "month_adj"):
        year = int(match.group(2)) if kind == "month" and match.group(2) else None
        return _month_window(phrase, MONTHS[match.group(1).lower()], year, today)
    if kind == "recently":
        return TimeWindow(phrase, today - timedelta(days=VAGUE_DAYS), today)
    if kind == "year":
        year = int(match.group(1))
        if abs(year - today.year) > 5:
            return None
        return _widen(phrase, date(year, 1, 1), date(year, 12, 31), MONTH_TOLERANCE)
    return None


def _exact(phrase: str, year_text: str | None, month: int, day_number: int,
           today: date) -> TimeWindow | None:
    year = int(year_text) if year_text else today.year
    try:
        day = date(year, month, day_number)
    except ValueError:
        return None
    if not year_text and day > today + timedelta(days=DAY_TOLERANCE):
        day = day.replace(year=year - 1)
    return _widen(phrase, day, day, DAY_TOLERANCE)
