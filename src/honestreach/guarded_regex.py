"""Regular expressions from rule files, compiled once and run under a time limit.

Rules may come from users, so a pattern that backtracks catastrophically must not hang a run:
the ``regex`` library aborts a search after ``timeout`` seconds, and the caller reports it.
"""

from __future__ import annotations

from functools import lru_cache
from collections.abc import Iterable

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


def spans(
    compiled: regex.Pattern[str], text: str, windows: Iterable[tuple[int, int]],
    timeout: float = DEFAULT_TIMEOUT,
) -> list[tuple[int, int]]:
    """(start, end) of each non-empty match in each window ``text[start:end]`` (lookbehinds
    still see what comes before a window); raise RegexTimeout when a search reaches the limit.
    """
    found: list[tuple[int, int]] = []
    try:
        for window_start, window_end in windows:
            for match in compiled.finditer(text, window_start, window_end, timeout=timeout):
                start, end = match.span()
                if end > start:
                    found.append((start, end))
    except TimeoutError as exc:
        raise RegexTimeout(str(exc)) from exc
    return found
