"""Cell readers: a CRM cell's text in, a canonical value (or None for an empty cell) out;
ValueError, with what is wrong, when the text is not a value of its column's kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from .presets import BOOLEANS, VOCABULARIES, TableMapping

# How each canonical column's text is read; columns not listed are free text.
_KINDS = {
    "email": "email", "contact_email": "email", "company": "label", "industry": "label",
    "owner": "label", "title": "label", "subject": "label",
    "lifecycle_stage": "vocabulary", "consent": "vocabulary",
    "type": "vocabulary", "email_opt_out": "boolean", "do_not_contact": "boolean",
    "country": "country", "interests": "topics", "domain": "domain", "employees": "number",
    "date": "date",
}
_ISO_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII,
)
_ADDRESS = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
# Kinds whose values repeat across rows: each distinct cell is read once and its value shared.
_REPEATING = {"email", "label", "vocabulary", "boolean", "country", "date", "topics"}
# Past this many distinct cells a column is not repetitive after all: stop remembering.
_REMEMBER_LIMIT = 200_000
_UNSEEN = object()

_COUNTRIES = {
    "US": "United States;United States of America;USA;U.S.;U.S.A.",
    "GB": "United Kingdom;UK;U.K.;Great Britain;Britain;England;Scotland;Wales;Northern Ireland",
    "CA": "Canada", "AU": "Australia", "NZ": "New Zealand", "IE": "Ireland",
    "DE": "Germany;Deutschland", "FR": "France", "ES": "Spain;España", "IT": "Italy;Italia",
    "NL": "Netherlands;The Netherlands;Holland", "BE": "Belgium", "LU": "Luxembourg",
    "CH": "Switzerland", "AT": "Austria", "SE": "Sweden", "NO": "Norway", "DK": "Denmark",
    "FI": "Finland", "IS": "Iceland", "PL": "Poland", "CZ": "Czech Republic;Czechia",
    "PT": "Portugal", "GR": "Greece", "HU": "Hungary", "RO": "Romania", "BG": "Bulgaria",
    "HR": "Croatia", "SK": "Slovakia", "SI": "Slovenia", "EE": "Estonia", "LV": "Latvia",
    "LT": "Lithuania", "UA": "Ukraine", "TR": "Turkey;Türkiye", "IL": "Israel",
    "AE": "United Arab Emirates;UAE", "SA": "Saudi Arabia", "ZA": "South Africa",
    "NG": "Nigeria", "KE": "Kenya", "EG": "Egypt", "IN": "India", "CN": "China",
    "JP": "Japan", "KR": "South Korea;Republic of Korea", "SG": "Singapore",
    "HK": "Hong Kong", "TW": "Taiwan", "MY": "Malaysia", "ID": "Indonesia",
    "PH": "Philippines", "TH": "Thailand", "VN": "Vietnam;Viet Nam", "MX": "Mexico",
    "BR": "Brazil;Brasil", "AR": "Argentina", "CL": "Chile", "CO": "Colombia", "PE": "Peru",
}
_COUNTRY_CODES = {
    name.casefold(): code
    for code, names in _COUNTRIES.items() for name in (code, *names.split(";"))
}


def converter(column: str, mapping: TableMapping) -> Callable[[str], Any]:
    """The reader of one canonical column's cells, with the mapping's value map applied."""
    kind = _KINDS.get(column, "text")
    convert: Callable[[str], Any]
    if kind == "vocabulary":
        convert = _vocabulary_reader(column)
    elif kind == "date":
        convert = partial(_date, date_format=mapping.date_format)
    else:
        convert = {"email": _email, "label": _text, "boolean": _boolean, "country": _country,
                   "topics": _topics, "domain": _domain, "number": _number,
                   "text": _text}[kind]
    value_map = mapping.values.get(column)
    if value_map:
        unmapped = convert

        def convert(value: str) -> Any:
            # A value mapped to null means "unknown".
            return unmapped(value_map.get(value.strip().casefold(), value) or "")

    return _remembered(convert) if kind in _REPEATING else convert


def _remembered(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """``convert`` reading each distinct cell once, so repeated values also share one object."""
    seen: dict[str, Any] = {}

    def read(value: str) -> Any:
        result = seen.get(value, _UNSEEN)
        if result is _UNSEEN:
            result = convert(value)
            if len(seen) < _REMEMBER_LIMIT:
                seen[value] = result
        return result

    return read


def _text(value: str) -> str | None:
    return value.strip() or None


def _email(value: str) -> str | None:
    address = value.strip().lower()
    if not address:
        return None
    # Exports may write "Elena Vasquez <elena@example.com>" or "Elena (elena@example.com)".
    if "@" not in address or " " in address or "<" in address or "(" in address:
        found = _ADDRESS.search(address)
        if found is None:
            raise ValueError(f"'{value.strip()}' is not an email address")
        address = found.group()
    return address


def _vocabulary_reader(column: str) -> Callable[[str], str | None]:
    allowed = VOCABULARIES[column]
    known = {word: word for word in allowed}
    what = column.replace("_", " ")

    def read(value: str) -> str | None:
        word = value.strip().lower()
        if not word:
            return None
        found = known.get(word) or known.get(word.replace(" ", "_").replace("-", "_"))
        if found is None:
            raise ValueError(f"'{value.strip()}' is not a known {what} "
                             f"(allowed: {', '.join(allowed)})")
        return found

    return read


def _boolean(value: str) -> bool | None:
    word = value.strip().lower()
    if not word:
        return None
    if word not in BOOLEANS:
        raise ValueError(f"'{value.strip()}' is not a boolean (use true/false, yes/no or 1/0)")
    return BOOLEANS[word]


def _country(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    code = _COUNTRY_CODES.get(value.casefold())
    if code is None and len(value) == 2 and value.isascii() and value.isalpha():
        code = value.upper()
    if code is None:
        raise ValueError(f"'{value}' is neither an ISO 3166-1 alpha-2 code nor a common "
                         "country name (map it in a mapping file)")
    return code


def _topics(value: str) -> tuple[str, ...]:
    return tuple(topic for topic in (part.strip() for part in value.split(";")) if topic)


def _domain(value: str) -> str | None:
    # Exports often hold a website ("https://www.acme.com/about"), not a bare domain.
    text = value.strip().lower()
    text = text.partition("://")[2] or text
    text = text.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    return text.removeprefix("www.") or None


def _number(value: str) -> int | None:
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"'{value.strip()}' is not a whole number") from None


def _date(value: str, date_format: str | None) -> date | None:
    """An ISO 8601 date (a timestamp's date as written), else one in ``date_format``."""
    value = value.strip()
    if not value:
        return None
    match = _ISO_DATE.fullmatch(value)
    try:
        if match:
            return date.fromisoformat(match.group(1))
        if date_format:
            return datetime.strptime(value, date_format).date()
    except ValueError:
        pass
    also = f" or a date in the format '{date_format}'" if date_format else ""
    raise ValueError(f"'{value}' is not an ISO 8601 date{also}")
