"""Time expressions in claims ("yesterday", "last week", "in March", "at SaaStr 2026"),
resolved to a window of dates relative to the message's date.

Each window is widened by a tolerance (documented in docs/claims.md) because people round:
"last week" is said of something eight or nine days ago, "in March" of the first days of April.
Libraries such as dateparser turn a phrase into one instant; a claim needs a range with a
tolerance, so the small table here is the clearer tool.

Claims speak of the past. An expression that points after the message's date ("next Tuesday",
"on 9 September" written in August, "this coming Friday") names something still to come (the
date of the event someone registered for), so it is passed over and the next expression in the
sentence, if any, gives the claim's time.

Kinds, tried in this order, with the tolerance added to each side:

- today, this morning, tonight; yesterday, last night: that day, 1 day
- "three weeks ago", "a few days back": centred on that many days back, half the span (at
  least half a unit, at least a day): "three weeks ago" is 11 to 31 days back
- this week (Monday to today) and last week (Monday to Sunday): 3 days; "this past week": the
  last seven days, 1 day; "the week before last": 3 days
- last weekend, over the weekend: the latest Saturday and Sunday begun, 1 day ("this weekend"
  said on a weekday is still to come)
- this month, this quarter (to today): 3 days; last month, last quarter: 7 days
- this year (to today), last year: 7 days
- seasons, northern and meteorological ("this summer" is June to August, "last winter" the
  December to February before the latest one begun): 7 days
- weekdays ("on Tuesday", "Tuesday's call"): the latest one before today, 1 day; "last
  Tuesday" also allows the one before
- exact dates ("14 October", "Oct 14, 2026", "2026-10-14", "on the 14th"): 1 day
- months ("in March", "back in January", "the June demo", "March's call"): the latest one not
  in the future, 7 days
- vague pasts ("recently", "the other day", "a while back"): the last 120 days
- bare years ("SaaStr 2026"): that year, 7 days
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
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a couple": 2,
           "couple of": 2, "a few": 3, "few": 3, "several": 4}
# Meteorological seasons of the northern hemisphere: (first month, number of months).
SEASONS = {"spring": (3, 3), "summer": (6, 3), "autumn": (9, 3), "fall": (9, 3),
           "winter": (12, 3)}

# Tolerances in days added to each side of a window.
DAY_TOLERANCE = 1
WEEK_TOLERANCE = 3
MONTH_TOLERANCE = 7
VAGUE_DAYS = 120  # "recently", "a while back", "the other day" stretched to its plausible past
# An exact day named without a year that falls up to this many days after the message's date is
# a date still to come ("the forum on 9 September", written in August), not last year's.
FUTURE_DAYS = 183

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_SEASON_NAMES = "|".join(SEASONS)
_AMOUNT = (r"(\d+|a\s+couple(?:\s+of)?|couple\s+of|a\s+few|few|several|an?|one|two|three|four|"
           r"five|six|seven|eight|nine|ten)")
_EVENT_NOUNS = (r"demo|call|meeting|webinar|event|session|chat|conversation|workshop|"
                r"kick-?off|onboarding|review|visit|coffee|lunch|dinner")
# Words that turn a day or a month into one still to come.
_FUTURE_BEFORE = re.compile(
    r"\b(?:next|this\s+coming|coming|upcoming|until|till|by|before|starting|ahead\s+of|"
    r"see\s+you(?:\s+\w+){0,3}?(?:\s+(?:on|in))?)\s*$", re.IGNORECASE)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(kind, re.compile(pattern, re.IGNORECASE)) for
                                                  kind, pattern in [
    ("today", r"\b(today|this (morning|afternoon|evening)|tonight|earlier today)\b"),
    ("yesterday", r"\b(yesterday|last night)\b"),
    ("ago", rf"\b{_AMOUNT}\s+(day|week|month|year)s?\s+(?:ago|back|before)\b"),
    ("this_week", r"\b(?:(?:earlier|later)\s+)?this\s+(?:past\s+)?week\b(?!end)"),
    ("last_week", r"\b(?:last|past|previous)\s+week\b(?!end)|\bthe\s+week\s+before\s+last\b"),
    ("weekend", r"\b(?:(last|this\s+past|this|over\s+the|on\s+the|the\s+past)\s+)weekend\b"),
    ("this_month", r"\b(?:(?:earlier|later)\s+)?this\s+month\b|\bearlier\s+in\s+the\s+month\b"),
    ("last_month", r"\b(?:last|past|previous)\s+month\b"),
    ("this_quarter", r"\b(?:(?:earlier|later)\s+)?this\s+quarter\b"),
    ("last_quarter", r"\b(?:last|past|previous)\s+quarter\b"),
    ("this_year", r"\b(?:earlier )?this year\b"),
    ("last_year", r"\b(?:last|past|previous) year\b"),
    ("season", (rf"\b(this\s+past|last|this|in\s+the|over\s+the|during\s+the|earlier\s+this|"
               rf"back\s+in\s+the)\s+({_SEASON_NAMES})(?:\s+(\d{{4}}))?\b")),
    ("weekday", (rf"\b(?:(last|this past|on|this|next|this coming|coming)\s+)?({_WEEKDAY_NAMES})"
                rf"(?:'s|’s)?\b")),
    ("day_month", (rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_NAMES})\.?"
                  rf"(?:,?\s+(\d{{4}}))?\b")),
    ("month_day", rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b"),
    ("iso", r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    ("ordinal_day", (r"\b(?:on|since)\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of|floor|"
                    r"time|anniversary|edition|annual|birthday|century))")),
    ("month", (rf"\b(?:in|during|back in|since|from|last|this past|early|late|mid-?|"
              rf"(?:the\s+)?(?:start|beginning|end|middle)\s+of)\s+"
              rf"({_MONTH_NAMES})(?:\s+(\d{{4}}))?\b")),
    ("month_adj", (rf"\b(?:the|your|our|that|my)\s+({_MONTH_NAMES})\s+(?:{_EVENT_NOUNS})\b"
                  rf"|\b({_MONTH_NAMES})['’]s\s+(?:{_EVENT_NOUNS})\b")),
    ("recently", (r"\b(recently|the other (?:day|week)|a while (back|ago)|not long ago|"
                 r"a little while (?:back|ago))\b")),
    ("year", r"\b(20\d{2})\b"),
]]


def find_time(text: str, today: date) -> TimeWindow | None:
    """The time expression of ``text``, resolved; the kinds are tried in the order of
    _PATTERNS, so "last week at SaaStr 2026" is read as last week, not as all of 2026.
    Expressions that point after ``today`` are passed over (see the module docstring)."""
    latest = today + timedelta(days=DAY_TOLERANCE)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if _future_words(text, match):
                continue
            window = _resolve(kind, match, today)
            if window is None or window.start > latest:
                continue
            # Claims speak of the past: nothing after the message's date can support them.
            return TimeWindow(window.phrase, window.start, min(window.end, latest))
    return None


def _future_words(text: str, match: re.Match[str]) -> bool:
    """Whether the words before a day or a month make it one still to come ("next Tuesday",
    "until 30 June", "ahead of Thursday's call")."""
    lowered = match.group(0).lower()
    if lowered.startswith(("next", "this coming", "coming")):
        return True
    return bool(_FUTURE_BEFORE.search(text[max(0, match.start() - 40):match.start()]))


def _widen(phrase: str, start: date, end: date, tolerance: int) -> TimeWindow:
    return TimeWindow(phrase, start - timedelta(days=tolerance), end + timedelta(days=tolerance))


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _month_window(phrase: str, month: int, year: int | None, today: date) -> TimeWindow:
    if year is None:
        # A month named without a year is the latest one not in the future.
        year = today.year if month <= today.month else today.year - 1
    return _widen(phrase, date(year, month, 1), _month_end(year, month), MONTH_TOLERANCE)


def _months_back(day: date, months: int) -> date:
    """The first of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _resolve(kind: str, match: re.Match[str], today: date) -> TimeWindow | None:
    phrase = " ".join(match.group(0).split())
    week_start = today - timedelta(days=today.weekday())
    if kind == "today":
        return _widen(phrase, today, today, DAY_TOLERANCE)
    if kind == "yesterday":
        day = today - timedelta(days=1)
        return _widen(phrase, day, day, DAY_TOLERANCE)
    if kind == "ago":
        amount_text = " ".join(match.group(1).lower().split())
        amount = NUMBERS.get(amount_text) or int(amount_text)
        unit = {"day": 1, "week": 7, "month": 30, "year": 365}[match.group(2).lower()]
        centre = today - timedelta(days=amount * unit)
        # People round: "three weeks ago" is said of anything from two to four weeks back.
        spread = max(DAY_TOLERANCE, unit // 2, amount * unit // 2)
        return TimeWindow(phrase, centre - timedelta(days=spread), centre + timedelta(days=spread))
    if kind == "this_week":
        if "past" in phrase.lower():  # "this past week": the last seven days
            return _widen(phrase, today - timedelta(days=7), today, DAY_TOLERANCE)
        return _widen(phrase, week_start, today, WEEK_TOLERANCE)
    if kind == "last_week":
        weeks = 2 if "before last" in phrase.lower() else 1
        start = week_start - timedelta(days=7 * weeks)
        return _widen(phrase, start, start + timedelta(days=6), WEEK_TOLERANCE)
    if kind == "weekend":
        # The most recent Saturday and Sunday that have begun (today itself on a weekend).
        modifier = " ".join((match.group(1) or "").lower().split())
        if modifier == "this" and today.weekday() < 5:
            return None  # "this weekend", said on a weekday, is the one to come
        saturday = week_start + timedelta(days=5)
        if saturday > today:
            saturday -= timedelta(days=7)
        if modifier == "last" and today.weekday() >= 5:
            saturday -= timedelta(days=7)
        return _widen(phrase, saturday, saturday + timedelta(days=1), DAY_TOLERANCE)
    if kind == "this_month":
        return _widen(phrase, today.replace(day=1), today, WEEK_TOLERANCE)
    if kind == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return _widen(phrase, end.replace(day=1), end, MONTH_TOLERANCE)
    if kind in ("this_quarter", "last_quarter"):
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        if kind == "this_quarter":
            return _widen(phrase, first, today, WEEK_TOLERANCE)
        start = _months_back(first, 3)
        return _widen(phrase, start, first - timedelta(days=1), MONTH_TOLERANCE)
    if kind == "this_year":
        return _widen(phrase, date(today.year, 1, 1), today, MONTH_TOLERANCE)
    if kind == "last_year":
        return _widen(phrase, date(today.year - 1, 1, 1), date(today.year - 1, 12, 31),
                      MONTH_TOLERANCE)
    if kind == "season":
        return _season(phrase, match, today)
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
    if kind == "ordinal_day":
        number = int(match.group(1))
        if not 1 <= number <= 31:
            return None
        # The most recent day of that number, this month or an earlier one.
        for months in range(4):
            first = _months_back(today, months)
            if number <= _month_end(first.year, first.month).day:
                day = first.replace(day=number)
                if day <= today:
                    return _widen(phrase, day, day, DAY_TOLERANCE)
        return None
    if kind == "month":
        year = int(match.group(2)) if match.group(2) else None
        return _month_window(phrase, MONTHS[match.group(1).lower()], year, today)
    if kind == "month_adj":
        month_text = match.group(1) or match.group(2)
        return _month_window(phrase, MONTHS[month_text.lower()], None, today)
    if kind == "recently":
        return TimeWindow(phrase, today - timedelta(days=VAGUE_DAYS), today)
    if kind == "year":
        year = int(match.group(1))
        if abs(year - today.year) > 5:
            return None
        return _widen(phrase, date(year, 1, 1), date(year, 12, 31), MONTH_TOLERANCE)
    return None


def _season(phrase: str, match: re.Match[str], today: date) -> TimeWindow | None:
    """"This summer" is the summer of this year (or the one under way), "last summer" the one
    before the most recent one begun; other wordings mean the latest one begun."""
    first_month, length = SEASONS[match.group(2).lower()]
    modifier = " ".join(match.group(1).lower().split())

    def start_of(year: int) -> date:
        return date(year, first_month, 1)

    if match.group(3):
        year = int(match.group(3))
        start = start_of(year)
    else:
        year = today.year
        # The latest season of that name that has begun.
        start = start_of(year)
        if start > today:
            start = start_of(year - 1)
        if modifier == "last":
            # Said during the season, "last summer" is the previous year's.
            end = _month_end(*_add_months(start, length - 1))
            if end >= today:
                start = start_of(start.year - 1)
    year_end, month_end = _add_months(start, length - 1)
    return _widen(phrase, start, _month_end(year_end, month_end), MONTH_TOLERANCE)


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _exact(phrase: str, year_text: str | None, month: int, day_number: int,
           today: date) -> TimeWindow | None:
    year = int(year_text) if year_text else today.year
    try:
        day = date(year, month, day_number)
    except ValueError:
        return None
    if not year_text and day > today + timedelta(days=DAY_TOLERANCE):
        if (day - today).days <= FUTURE_DAYS:
            return None  # a date still to come: not when the claim happened
        try:
            day = day.replace(year=year - 1)
        except ValueError:  # 29 February
            return None
    return _widen(phrase, day, day, DAY_TOLERANCE)
