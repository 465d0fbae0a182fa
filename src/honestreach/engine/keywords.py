"""Which regex patterns can match a text, and where: their keywords found in one pass."""

from __future__ import annotations

import re

import ahocorasick

from ..rules import keyword_text


class KeywordIndex:
    """Which regex patterns can match a text: one Aho-Corasick pass finds every keyword in it,
    instead of a substring search per keyword per pattern."""

    def __init__(self, keyword_groups: list[tuple[tuple[str, ...], ...]]) -> None:
        self._always = [i for i, groups in enumerate(keyword_groups) if not groups]
        # A pattern runs where one keyword of each of its groups occurs: a bit per group.
        self._needs = [(1 << len(groups)) - 1 for groups in keyword_groups]
        by_keyword: dict[str, list[tuple[int, int]]] = {}
        for index, groups in enumerate(keyword_groups):
            for group_number, group in enumerate(groups):
                for keyword in group:
                    by_keyword.setdefault(keyword, []).append((index, 1 << group_number))
        self._automaton = ahocorasick.Automaton()
        for keyword, entries in by_keyword.items():
            self._automaton.add_word(keyword, tuple(entries))
        if by_keyword:
            self._automaton.make_automaton()
        self._empty = not by_keyword

    def windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """For each pattern to run on ``text``, the stretches of it to search.

        A match holds one keyword of each of its pattern's keyword groups, and matches do not
        cross a blank line, so a pattern only searches the paragraphs where all its groups
        occur (patterns without keywords search everything). Searching one paragraph instead
        of the whole message is what keeps hundreds of patterns cheap."""
        windows: dict[int, list[tuple[int, int]]] = {i: [(0, len(text))] for i in self._always}
        if self._empty:
            return windows
        needs = self._needs
        for start, end in _paragraphs(text):
            found: dict[int, int] = {}
            for _, entries in self._automaton.iter(keyword_text(text[start:end])):
                for index, bit in entries:
                    found[index] = found.get(index, 0) | bit
            for index, bits in found.items():
                if bits != needs[index]:
                    continue
                spans = windows.setdefault(index, [])
                if spans and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], end)  # neighbouring paragraphs: one search
                else:
                    spans.append((start, end))
        return dict(sorted(windows.items()))


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, blank-line separators included in the one before."""
    spans = []
    start = 0
    for separator in _BLANK_LINE.finditer(text):
        spans.append((start, separator.end()))
        start = separator.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans
