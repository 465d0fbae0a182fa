"""Regular expressions from rule files, compiled once and run under a time limit.

Rules may come from users, so a pattern that backtracks catastrophically must not hang a run:
the ``regex`` library aborts a search after ``timeout`` seconds, and the caller reports it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import regex

DEFAULT_TIMEOUT = 0.25


class RegexCompileError(ValueError):
    """A pattern that is not a valid regular expression."""


class RegexTimeout(Exception):
    """A pattern that ran past its time limit on one text."""


@lru_cache(maxsize=4096)
def compile_guarded(pattern: str) -> regex.Pattern[str]:
    """Compile a pattern (``(?i)`` and other inline flags allowed), once per process."""
    try:
        return regex.compile(pattern, regex.VERSION0)
    except regex.error as exc:
        raise RegexCompileError(f"invalid regular expression: {exc}") from exc


def finditer(
    compiled: regex.Pattern[str], text: str, timeout: float = DEFAULT_TIMEOUT,
    pos: int = 0, endpos: int | None = None,
) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each match in text[pos:endpos] (lookbehinds still see what comes
    before ``pos``); raise RegexTimeout when the limit is reached."""
    try:
        for match in compiled.finditer(text, pos, endpos, timeout=timeout):
            yield match.span()
    except TimeoutError as exc:
        raise RegexTimeout(str(exc)) from exc
