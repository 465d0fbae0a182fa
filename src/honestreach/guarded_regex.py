"""Regular expressions from rule files, checked before they compile and run under a time limit.

Rules may come from users, so a pattern must not exhaust a run:

- compiling: the ``regex`` library writes a bounded repeat of a group out once per count, so
  nested counts multiply (``((a{1000}){1000}){1000}`` asks for gigabytes). A pattern is parsed
  with the library's own parser first and refused when it is too long, when its repeats would
  be written out more than ``MAX_EXPANSION`` times in all, or when it nests deeper than
  ``MAX_NESTING`` levels;
- searching: a pattern that backtracks catastrophically is aborted after ``timeout`` seconds,
  and the caller reports it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import regex

DEFAULT_TIMEOUT = 0.25
MAX_PATTERN_CHARS = 10_000
# Parts of the pattern once every repeat is written out; (?:ab){100} counts 300 (the group,
# then its two characters a hundred times). About 300 bytes each when compiled.
MAX_EXPANSION = 20_000
MAX_NESTING = 50  # groups, repeats and lookarounds inside one another


class RegexCompileError(ValueError):
    """A pattern that is not a valid regular expression, or too large to compile."""


class RegexTimeout(Exception):
    """A pattern that ran past its time limit on one text."""


@lru_cache(maxsize=4096)
def compile_guarded(pattern: str) -> regex.Pattern[str]:
    """Compile a pattern (``(?i)`` and other inline flags allowed), once per process."""
    check_size(pattern)
    try:
        return regex.compile(pattern, regex.VERSION0)
    except (regex.error, ValueError, OverflowError) as exc:  # ValueError: "(?V1)" clashes
        raise RegexCompileError(f"invalid regular expression: {exc}") from exc
    except RecursionError as exc:
        raise RegexCompileError(_too_deep()) from exc


def check_size(pattern: str) -> None:
    """Refuse a pattern too long, too deeply nested, or whose repeats expand too far."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RegexCompileError(f"the regular expression is {len(pattern):,} characters long, "
                                f"more than the {MAX_PATTERN_CHARS:,} allowed")
    try:
        tree = _parse(pattern)
    except regex.error:
        return  # compiling reports it, with the library's message
    except RecursionError as exc:
        raise RegexCompileError(_too_deep()) from exc
    if tree is None:
        expansion, nesting = _textual_bound(pattern), 0
    else:
        expansion, nesting = _expansion(tree)
    if nesting > MAX_NESTING:
        raise RegexCompileError(_too_deep())
    if expansion > MAX_EXPANSION:
        raise RegexCompileError(
            f"the regular expression's repeats expand to more than {MAX_EXPANSION:,} parts "
            "(counts of nested repeats multiply, as in (?:(?:ab){100}){100}); use smaller "
            "counts, or * and + for 'any number'")


def _too_deep() -> str:
    return f"the regular expression nests groups deeper than {MAX_NESTING} levels"


def _internals() -> Any:
    """The regex library's parser, which has no published interface (nor type hints): read
    only to measure a pattern before compiling it."""
    return importlib.import_module("regex._regex_core")


def _parse(pattern: str) -> Any:
    """The library's parse tree of the pattern as compile_guarded compiles it; None when the
    library's internals are not the ones this was written against."""
    try:
        core = _internals()
        flags = regex.VERSION0
        for _ in range(3):  # a global flag met in the middle restarts the parse, as compile does
            source = core.Source(pattern)
            info = core.Info(flags, source.char_type, {})
            source.ignore_space = bool(info.flags & regex.VERBOSE)
            try:
                return core._parse_pattern(source, info)
            except core._UnscopedFlagSet:
                flags = info.global_flags
    except (regex.error, RecursionError):
        raise
    except Exception:  # noqa: BLE001 - any other surprise of the internals: the bound below
        pass
    return None


def _expansion(tree: Any) -> tuple[int, int]:
    """(parts once every repeat is written out, deepest nesting), counting stops past the
    limits. A repeat multiplies its contents by its largest count (its least when unbounded,
    the least being written out too)."""
    regex_base = _internals().RegexBase
    parts = deepest = 0
    stack: list[tuple[Any, int, int]] = [(tree, 1, 0)]
    while stack:
        node, times, depth = stack.pop()
        parts += times
        if hasattr(node, "subpattern"):
            depth += 1
            deepest = max(deepest, depth)
        if parts > MAX_EXPANSION or deepest > MAX_NESTING:
            break
        if hasattr(node, "min_count"):
            count = node.max_count if node.max_count is not None else node.min_count
            times *= max(1, count)
        for value in getattr(node, "__dict__", {}).values():
            children = value if isinstance(value, (list, tuple)) else (value,)
            stack.extend((child, times, depth) for child in children
                         if isinstance(child, regex_base))
    return parts, deepest


def _textual_bound(pattern: str) -> int:
    """An upper bound without the parse tree: every count as if nested in every other."""
    bound = len(pattern)
    for low, high in regex.findall(r"\{(\d*)(?:,(\d*))?\}", pattern):
        digits = high or low or "1"
        bound *= max(1, int(digits)) if len(digits) < 10 else MAX_EXPANSION + 1
        if bound > MAX_EXPANSION:
            break
    return bound


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
