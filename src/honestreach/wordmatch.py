"""Match compiled word patterns (:mod:`honestreach.vocab`) against the tokens of one text.

Matching starts only where a pattern's first slot can match: the tokens whose norm it names,
or the numbers, found through an index of the text built once. From each start it walks the
slots, remembering what every class matched at every position, so a class that many patterns
share is matched once per position. A match stays inside one sentence; of the ways a pattern
can match from one start, the longest is kept, and matches of one pattern do not overlap.
"""

from __future__ import annotations

import re
from typing import Iterable

from .tokens import CLAUSE_BREAKS, Tokens
from .vocab import AnyWord, Either, Gap, Number, Optional, Seq, SentenceStart, Slot, Words


_CLOCK = re.compile(r"\d+(?::\d+)+")


class TextMatcher:
    """One text's tokens, indexed for matching patterns."""

    def __init__(self, tokens: Tokens) -> None:
        self.norms = tokens.norms
        self.size = len(tokens.norms)
        sentence_of = [0] * self.size
        starts = list(tokens.sentence_starts) + [self.size]
        for number, first in enumerate(starts[:-1]):
            for index in range(first, starts[number + 1]):
                sentence_of[index] = number
        self.sentence_of = sentence_of
        self.sentence_starts = frozenset(tokens.sentence_starts)
        self.positions: dict[str, list[int]] = {}
        for index, norm in enumerate(self.norms):
            self.positions.setdefault(norm, []).append(index)
        self.numbers = [i for i, norm in enumerate(self.norms) if norm[:1].isdigit()]
        self._memo: dict[tuple[int, int, int, int], frozenset[int]] = {}

    @property
    def words(self) -> Iterable[str]:
        """The distinct norms of the text."""
        return self.positions.keys()

    def find(self, seq: Seq, first: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Token spans (first, end-exclusive) where ``seq`` matches, leftmost first, longest
        from each start, not overlapping; only matches inside tokens [first, end)."""
        end = self.size if end is None else end
        found: list[tuple[int, int]] = []
        last = first
        for start in self._starts(seq, first, end):
            if start < last:
                continue
            ends = [e for e in self._ends(seq, 0, start, self.sentence_of[start]) if e <= end]
            if ends and max(ends) > start:
                last = max(ends)
                found.append((start, last))
        return found

    def occurs(self, seq: Seq, first: int, end: int) -> bool:
        """Whether ``seq`` matches somewhere inside tokens [first, end)."""
        return any(True for _ in self.find(seq, first, end))

    # -- walking ----------------------------------------------------------------------------
    def _starts(self, seq: Seq, first: int, end: int) -> list[int]:
        if seq.firsts is None:
            return list(range(first, end))
        starts: list[int] = []
        words = seq.firsts
        present = self.positions.keys()
        for norm in (words & present if len(words) > len(present) else
                     [w for w in words if w in self.positions]):
            starts.extend(self.positions[norm])
        if seq.starts_with_number:
            starts.extend(self.numbers)
        return sorted(i for i in set(starts) if first <= i < end)

    def _ends(self, seq: Seq, slot_index: int, position: int, sentence: int) -> frozenset[int]:
        """Where ``seq.slots[slot_index:]`` can end when it starts at ``position``."""
        key = (id(seq), slot_index, position, sentence)
        known = self._memo.get(key)
        if known is not None:
            return known
        if slot_index == len(seq.slots):
            result = frozenset((position,))
        else:
            ends: set[int] = set()
            for after in self._slot_ends(seq.slots[slot_index], position, sentence):
                ends |= self._ends(seq, slot_index + 1, after, sentence)
            result = frozenset(ends)
        self._memo[key] = result
        return result

    def _slot_ends(self, slot: Slot, position: int, sentence: int) -> Iterable[int]:
        in_sentence = position < self.size and self.sentence_of[position] == sentence
        if isinstance(slot, Words):
            return (position + 1,) if in_sentence and self.norms[position] in slot.forms else ()
        if isinstance(slot, Either):
            found: set[int] = set()
            for option in slot.options:
                found |= self._ends(option, 0, position, sentence)
            return found
        if isinstance(slot, Optional):
            return {position} | self._ends(slot.body, 0, position, sentence)
        if isinstance(slot, Number):
            norm = self.norms[position] if in_sentence else ""
            if norm[:1].isdigit() and (not slot.clock or _CLOCK.fullmatch(norm)):
                return (position + 1,)
            return ()
        if isinstance(slot, AnyWord):
            return (position + 1,) if in_sentence and \
                self.norms[position] not in CLAUSE_BREAKS else ()
        if isinstance(slot, Gap):
            ends = [position]
            index = position
            while index < self.size and index - position < slot.size and \
                    self.sentence_of[index] == sentence and self.norms[index] not in CLAUSE_BREAKS:
                index += 1
                ends.append(index)
            return ends
        assert isinstance(slot, SentenceStart)
        return (position,) if in_sentence and position in self.sentence_starts else ()
