"""Match compiled word patterns (:mod:`honestreach.vocab`) against the tokens of one text.

A pattern is tried only at the tokens its first slot names (or at numbers), and only in the
sentences that hold a word of each set the pattern requires: the engine has them from its
pattern index (:meth:`PatternIndex.runnable`), and reads the few short ones token by token;
otherwise they are found through an index of the text's words, built once. From such a start
it is walked slot by slot, remembering what every slot matched at every position, so a class
that many patterns share is matched once per position; of the ways a pattern matches from one
start, the longest is kept. A match stays inside one sentence, and matches of one pattern do
not overlap.

Walking is Python; a pattern that runs often is also compiled to a regular expression over
the text's tokens (:func:`honestreach.tokenregex.token_regex`), which tells in C whether a
start can match at all, so only the starts that do are walked. The expression matches exactly
where the walk does, so the findings are the same either way; compiling costs more than a few
walks, which is why a one-off check of one short draft compiles nothing. The rule cache keeps
the compiled expressions (:mod:`honestreach.rulecache_filters`), which a later process rebuilds
in a tenth of a millisecond: once it keeps some, a pattern is filtered as soon as it has been
given a few places to start (:data:`REBUILD_AFTER_STARTS`).
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from functools import cached_property, reduce
from itertools import accumulate
from operator import or_
from typing import AbstractSet, Iterable, Sequence

from . import rulecache_filters
from .tokens import ASIDE_CLOSE, ASIDE_MAX_TOKENS, ASIDE_OPEN, BOUNDARY, CLAUSE_BREAKS, Tokens
from .patternslots import AnyWord, CompiledPattern, Either, Gap, NotNext, Number, Optional, Seq, \
    SentenceStart, Slot, Words
from .tokenregex import token_regex
from .vocab import word_rank

# A pattern is compiled to a regular expression once it has been tried on this many texts, or
# at once when one text gives it this many places to start (a long text).
COMPILE_AFTER = 16
COMPILE_FOR_STARTS = 64
# A pattern whose expression the rule cache keeps is filtered only once it has been given
# this many places to start in all (or runs often): rebuilding a kept expression costs about
# as much as walking a dozen starts, and most patterns a process meets are given only a few.
# On real mail, a worker rebuilt 1,354 expressions, 865 of them for patterns given fewer than
# nine starts in its whole share of the campaign; with this bound it rebuilds about a third as
# many, and a check of the mail runs 3% fewer instructions (4, 16 and 32 did no better).
REBUILD_AFTER_STARTS = 8
# Beyond this many places to start, the starts outside sentences that hold all the words a
# pattern requires are dropped first (cheaper than trying them).
SENTENCE_FILTER_STARTS = 8
# Sentences of up to this many tokens in all are read token by token for a pattern's starts;
# in longer ones, the starts are cut out of the text's (found through its index of words).
SCANNED_TOKENS = 200
# A pattern's pair need (:func:`_pair_need`) holds at most this many pairs of words: the
# pairs of two slots are the product of their words, and a class of many phrases the union of
# theirs. With 128, 3,900 of the 4,853 groups of the built-in rules have one, which a process
# holds in about 9 MB; 256 dropped 7% more of the searches on real mail in half as much again,
# 64 let 20% more through in two thirds of it.
PAIR_NEED_LIMIT = 128
_CLOCK = re.compile(r"\d+(?::\d+)+")
# For each byte value: 1 if it is not zero; the places of its bits that are set.
_NONZERO = bytes([0] + [1] * 255)
_BITS = [tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256)]
_USES: dict[Seq, int] = {}
_STARTS_GIVEN: dict[Seq, int] = {}
_COMPILED: dict[Seq, re.Pattern[str]] = {}
_AT_SENTENCE_START: dict[Seq, bool] = {}


def begins_sentence(seq: Seq) -> bool:
    """Whether every match of ``seq`` begins at a sentence's first token: its first slot is
    ``^`` (:class:`SentenceStart`), or a class whose every option begins so ("^ (still|so) *
    , are we ?"). Such a pattern has one place to start per sentence, where its first words
    (often none: any word) would give it every token."""
    known = _AT_SENTENCE_START.get(seq)
    if known is None:
        first = seq.slots[0] if seq.slots else None
        known = isinstance(first, SentenceStart) or (
            isinstance(first, Either) and bool(first.options)
            and all(begins_sentence(option) for option in first.options))
        _AT_SENTENCE_START[seq] = known
    return known


def _filter(seq: Seq, starts: int) -> re.Pattern[str] | None:
    """The compiled expression of a pattern that runs often, or of any pattern given a few
    places to start once the rule cache keeps the expressions of its rule set (None while it
    has not)."""
    pattern = _COMPILED.get(seq)
    if pattern is None:
        uses = _USES[seq] = _USES.get(seq, 0) + 1
        often = uses >= COMPILE_AFTER or starts >= COMPILE_FOR_STARTS
        kept = rulecache_filters.kept(seq)
        if kept is not None:
            given = _STARTS_GIVEN[seq] = _STARTS_GIVEN.get(seq, 0) + starts
            if often or given >= REBUILD_AFTER_STARTS:
                pattern = kept[0].pattern(kept[1], often)
        elif often:
            pattern = re.compile(token_regex(seq))
        if pattern is not None:
            _COMPILED[seq] = pattern
    return pattern


def encode(norms: Sequence[str], sentence_starts: Iterable[int]) -> tuple[str, list[int]]:
    """The text the expressions run on: `` norm`` for each token and a mark between
    sentences; and for each token, the offset of its space."""
    size = len(norms)
    bounds = sorted({start for start in sentence_starts if 0 < start < size})
    # Each token takes its space and its norm; a mark and its space go before a sentence.
    lengths = [len(norm) + 1 for norm in norms]
    for start in bounds:
        lengths[start - 1] += 2
    offsets = list(accumulate(lengths, initial=0))
    offsets.pop()
    cuts = [0, *bounds, size]
    encoded = (" " + BOUNDARY).join(" " + " ".join(norms[first:end])
                                    for first, end in zip(cuts, cuts[1:])) if size else ""
    return encoded, offsets


def _in_spans(starts: list[int], spans: Iterable[tuple[int, int]]) -> list[int]:
    """The starts (sorted) inside the spans (in order, not overlapping), each span's share cut
    out by bisection."""
    kept: list[int] = []
    for first, end in spans:
        kept.extend(starts[bisect_left(starts, first):bisect_left(starts, end)])
    return kept


class TextMatcher:
    """One text's tokens, indexed for matching patterns."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.norms = tokens.norms
        self.size = len(tokens.norms)
        sentence_of: list[int] = []
        bounds = self.bounds = list(tokens.sentence_starts) + [self.size]
        for number, first in enumerate(bounds[:-1]):
            sentence_of.extend([number] * (bounds[number + 1] - first))
        self.sentence_of = sentence_of
        self.sentence_starts = frozenset(tokens.sentence_starts)
        self._numbers: list[int] | None = None
        self._encoded: tuple[str, list[int]] | None = None
        self._memo: dict[tuple[int, int, int], frozenset[int]] = {}
        self._starts_by_firsts: dict[tuple[frozenset[str], bool], list[int]] = {}
        self._sentences_by_words: dict[frozenset[str], set[int]] = {}
        self._present_by_words: dict[frozenset[str], AbstractSet[str]] = {}

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        """Where each norm stands in the text (built when first needed: a pattern searched in a
        few short sentences reads their tokens instead)."""
        positions: dict[str, list[int]] = {}
        for index, norm in enumerate(self.norms):
            found = positions.get(norm)
            if found is None:
                positions[norm] = [index]
            else:
                found.append(index)
        return positions

    @property
    def words(self) -> Iterable[str]:
        """The distinct norms of the text."""
        return self.positions.keys()

    @property
    def numbers(self) -> list[int]:
        """The tokens written in digits (looked for when a pattern can begin with one)."""
        if self._numbers is None:
            self._numbers = [index for norm, found in self.positions.items()
                             if norm[:1].isdigit() for index in found]
        return self._numbers

    def find(self, seq: Seq, first: int = 0, end: int | None = None,
             within: Sequence[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
        """Token spans (first, end-exclusive) where ``seq`` matches inside tokens [first, end),
        leftmost first, longest from each start, not overlapping. ``within``: the sentences
        (token spans, in order) that hold a word of each set the pattern requires, when the
        caller knows them (:meth:`PatternIndex.runnable`); a match can lie in no other."""
        end = self.size if end is None else end
        if within is not None:
            starts = self._starts_within(seq, first, end, within)
        else:
            starts = self._starts(seq, first, end)
            if len(starts) > SENTENCE_FILTER_STARTS and seq.required:
                # A match stays in its sentence, so it can only start in a sentence that holds
                # a word of each required set: a set lookup per start instead of a regex match
                # (in a long text, a pattern that begins with a common word has hundreds of
                # starts).
                starts = self._in_sentences(starts, self._sentences_holding(seq.required))
        if not starts:
            return []
        expression = _filter(seq, len(starts))
        if expression is not None:
            encoded, offsets = self._encoding()
            stop = offsets[end] if end < self.size else len(encoded)
            starts = [s for s in starts if expression.match(encoded, offsets[s], stop)]
        found: list[tuple[int, int]] = []
        last = first
        for start in starts:
            if start < last:
                continue
            ends = [e for e in self._ends(seq, start, self.sentence_of[start]) if e <= end]
            if ends and max(ends) > start:
                last = max(ends)
                found.append((start, last))
        return found

    def occurs(self, seq: Seq, first: int, end: int) -> bool:
        """Whether ``seq`` matches somewhere inside tokens [first, end)."""
        return bool(self.find(seq, first, end))

    def _present(self, words: frozenset[str]) -> AbstractSet[str]:
        """The words of ``words`` that the text holds. Patterns share their word sets (a
        class's words, a first word), so each set is looked up once per text."""
        present = self._present_by_words.get(words)
        if present is None:
            positions = self.positions  # the intersection walks the smaller side, in C
            present = self._present_by_words[words] = words.intersection(positions) \
                if len(words) > len(positions) else positions.keys() & words
        return present

    def _in_sentences(self, starts: list[int], sentences: set[int]) -> list[int]:
        """The starts (sorted) that lie in the sentences."""
        if len(sentences) * 4 >= len(starts):
            sentence_of = self.sentence_of
            return [s for s in starts if sentence_of[s] in sentences]
        bounds = self.bounds
        return _in_spans(starts, [(bounds[s], bounds[s + 1]) for s in sorted(sentences)])

    def _starts_within(self, seq: Seq, first: int, end: int,
                       within: Sequence[tuple[int, int]]) -> list[int]:
        """The tokens of [first, end) inside the spans ``within`` where ``seq`` can begin: a few
        short sentences are read token by token, longer ones cut out of the text's starts."""
        if begins_sentence(seq):
            return self._sentence_firsts(seq, first, end, within)
        if sum(span_end - span_first for span_first, span_end in within) > SCANNED_TOKENS:
            return _in_spans(self._starts(seq, first, end), within)
        spans = [range(max(span_first, first), min(span_end, end))
                 for span_first, span_end in within]
        firsts = seq.firsts
        if firsts is None:
            return [i for span in spans for i in span]
        norms = self.norms
        if seq.starts_with_number:
            return [i for span in spans for i in span
                    if norms[i] in firsts or norms[i][:1].isdigit()]
        return [i for span in spans for i in span if norms[i] in firsts]

    def _sentences_holding(self, required: tuple[frozenset[str], ...]) -> set[int]:
        """The sentences that hold a word of each of the sets."""
        found: set[int] | None = None
        for words in required:
            holding = self._sentences_by_words.get(words)
            if holding is None:
                positions, sentence_of = self.positions, self.sentence_of
                holding = self._sentences_by_words[words] = {
                    sentence_of[i] for norm in self._present(words) for i in positions[norm]}
            found = holding if found is None else found & holding
            if not found:
                break
        return found or set()

    def _encoding(self) -> tuple[str, list[int]]:
        if self._encoded is None:
            self._encoded = encode(self.norms, self.tokens.sentence_starts)
        return self._encoded

    def _sentence_firsts(self, seq: Seq, first: int, end: int,
                         within: Sequence[tuple[int, int]] | None = None) -> list[int]:
        """For a pattern that begins a sentence (:func:`begins_sentence`): the first tokens of
        the sentences in [first, end) (and in the spans ``within``) where it can begin."""
        starts = self.bounds[:-1]
        if within is not None:
            starts = _in_spans(starts, within)
        firsts, norms = seq.firsts, self.norms
        return [i for i in starts if first <= i < end and (
            firsts is None or norms[i] in firsts
            or seq.starts_with_number and norms[i][:1].isdigit())]

    def _starts(self, seq: Seq, first: int, end: int) -> list[int]:
        """The tokens of [first, end) where ``seq`` can begin."""
        if begins_sentence(seq):
            return self._sentence_firsts(seq, first, end)
        if seq.firsts is None:
            return list(range(first, end))
        # Patterns of one family often begin with the same words: look each set up once.
        key = (seq.firsts, seq.starts_with_number)
        starts = self._starts_by_firsts.get(key)
        if starts is None:
            positions = self.positions
            found: set[int] = set()
            for norm in self._present(seq.firsts):
                found.update(positions[norm])
            if seq.starts_with_number:
                found.update(self.numbers)
            starts = self._starts_by_firsts[key] = sorted(found)
        if first == 0 and end >= self.size:
            return starts
        return [i for i in starts if first <= i < end]

    # -- walking ----------------------------------------------------------------------------
    def _ends(self, seq: Seq, position: int, sentence: int) -> frozenset[int]:
        """Where ``seq`` can end when it starts at ``position``."""
        key = (id(seq), position, sentence)
        known = self._memo.get(key)
        if known is not None:
            return known
        # Slot by slot, the positions the slots so far can end at: the ways that reach one
        # position go on as one, and a slot that reaches none ends the walk.
        current: set[int] = {position}
        for slot in seq.slots:
            reached: set[int] = set()
            for at in current:
                reached.update(self._slot_ends(slot, at, sentence))
            current = reached
            if not current:
                break
        result = frozenset(current)
        self._memo[key] = result
        return result

    def _slot_ends(self, slot: Slot, position: int, sentence: int) -> Iterable[int]:
        in_sentence = position < self.size and self.sentence_of[position] == sentence
        if isinstance(slot, Words):
            return (position + 1,) if in_sentence and self.norms[position] in slot.forms else ()
        if isinstance(slot, Either):
            if in_sentence:
                norm = self.norms[position]
                options = slot.by_first.get(norm, ()) + slot.anywhere
                if slot.by_number and norm[:1].isdigit():
                    options += slot.by_number
            else:
                options = slot.anywhere
            found: set[int] = set()
            for option in options:
                found |= self._ends(option, position, sentence)
            return found
        if isinstance(slot, Optional):
            return {position} | self._ends(slot.body, position, sentence)
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
            words = 0
            stepped = False  # over an aside: one per gap, and its words do not count
            while index < self.size and self.sentence_of[index] == sentence:
                norm = self.norms[index]
                if norm == ASIDE_OPEN and not stepped:
                    after = self._aside_end(index, sentence)
                    if after is None:
                        break
                    index = after
                    stepped = True
                    ends.append(index)
                    continue
                if words >= slot.size or norm in CLAUSE_BREAKS:
                    break
                index += 1
                words += 1
                ends.append(index)
            return ends
        if isinstance(slot, NotNext):
            ruled_out = self._slot_ends(slot.ruled_out, position, sentence)
            return () if any(True for _ in ruled_out) else (position,)
        assert isinstance(slot, SentenceStart)
        return (position,) if in_sentence and position in self.sentence_starts else ()

    def _aside_end(self, opening: int, sentence: int) -> int | None:
        """The position after the bracket that closes a short aside opened at ``opening``, in
        the same sentence and with no clause mark inside; None when there is no such aside."""
        index = opening + 1
        while index < self.size and index - opening <= ASIDE_MAX_TOKENS + 1 and \
                self.sentence_of[index] == sentence:
            norm = self.norms[index]
            if norm == ASIDE_CLOSE:
                return index + 1 if index > opening + 1 else None
            if norm in CLAUSE_BREAKS:
                return None
            index += 1
        return None


def _first_need(pattern: CompiledPattern) -> tuple[frozenset[str], ...]:
    """The words a match of ``pattern`` begins with, as one more set its sentence must hold,
    when none of its required sets implies it already.

    A match is walked only from a token of ``seq.firsts`` (:meth:`TextMatcher._starts`) and
    never leaves its sentence, so a sentence without such a word gives the pattern no place to
    start: on real mail a third of the searches of a sentence that held every required word
    found no start at all. (A pattern that can begin anywhere, or with a number, has no such
    set.)"""
    seq = pattern.seq
    if seq.firsts is None or seq.starts_with_number or \
            any(need <= seq.firsts for need in pattern.needs):
        return ()
    return (seq.firsts,)


# Slots that match no token: the tokens on either side of one are neighbours.
_ZERO_WIDTH = (NotNext, SentenceStart)
_Memo = dict[tuple[int, bool], "frozenset[str] | None"]


def _edge_words(node: Seq | Slot, last: bool, memo: _Memo) -> frozenset[str] | None:
    """The norms that the first token (``last``: the last token) of every match of ``node``
    is one of; None when a match can begin (end) with another token, or with none."""
    key = (id(node), last)
    if key in memo:
        return memo[key]
    found: frozenset[str] | None = None
    if isinstance(node, Words):
        found = node.forms
    elif isinstance(node, Either):
        edges = [_edge_words(option, last, memo) for option in node.options]
        if edges and all(edge is not None for edge in edges):
            found = frozenset().union(*edges)  # type: ignore[arg-type]
    elif isinstance(node, Seq):
        tokens = [slot for slot in node.slots if not isinstance(slot, _ZERO_WIDTH)]
        if tokens:
            found = _edge_words(tokens[-1] if last else tokens[0], last, memo)
    memo[key] = found
    return found


def _pair_need(seq: Seq, memo: _Memo, pairs_memo: dict[int, frozenset[str] | None]
               ) -> frozenset[str] | None:
    """Pairs of neighbouring norms ("act now"), written with a space between, one of which
    every match of ``seq`` holds; None when no such set of at most PAIR_NEED_LIMIT is known.

    Two slots that follow each other, each of which begins or ends with a token of known
    words, give the product of those words; a class whose every option has a pair need, the
    union of theirs. Of the candidates, the one whose most frequent pair is rarest is kept
    (a pair is as rare as its rarer word)."""
    if id(seq) in pairs_memo:
        return pairs_memo[id(seq)]
    candidates: list[frozenset[str]] = []
    tokens = [slot for slot in seq.slots if not isinstance(slot, _ZERO_WIDTH)]
    for before, after in zip(tokens, tokens[1:]):
        ends, begins = _edge_words(before, True, memo), _edge_words(after, False, memo)
        if ends is not None and begins is not None and \
                len(ends) * len(begins) <= PAIR_NEED_LIMIT:
            # One string for each pair, whichever needs hold it.
            candidates.append(frozenset(sys.intern(f"{end} {begin}")
                                        for end in ends for begin in begins))
    for slot in tokens:
        if isinstance(slot, Either) and slot.options:
            needs = [_pair_need(option, memo, pairs_memo) for option in slot.options]
            if all(need is not None for need in needs):
                union = frozenset().union(*needs)  # type: ignore[arg-type]
                if len(union) <= PAIR_NEED_LIMIT:
                    candidates.append(union)
    found = max(candidates, key=_pair_rarity) if candidates else None
    pairs_memo[id(seq)] = found
    return found


def _pair_rarity(pairs: frozenset[str]) -> tuple[int, int]:
    """Sorts pair needs from the most likely to be in a text to the least."""
    return min(max(map(word_rank, pair.split(" "))) for pair in pairs), -len(pairs)


class PatternIndex:
    """Which groups of patterns can match a text: a group of one pattern needs one word of
    each of its required slots in one sentence, and one of the words it can begin with; a
    group of several (the parts of a ``near`` pattern, which match together in one sentence)
    needs that for every part, in one sentence.

    Each group with required slots has a field of bits, one per slot, and a guard bit above
    them; each word, a mask of the slot bits it meets. A sentence's words, OR-ed together, fill
    the fields of the groups they meet; adding one at the bottom of every field carries into
    the guard bits of the full ones: an OR per word of the sentence and one addition, in C.

    The words of a sentence say nothing of their order, and on real mail 96 in 100 of the
    patterns searched in such sentences matched in none. So a group also has its patterns'
    pair needs (:func:`_pair_need`, two words that stand side by side in every match): a
    sentence it may match in must hold one pair of each, as neighbouring tokens. They are
    tried with a set operation per group and sentence, on the few that pass the words (as
    bits, the 50,000 pairs would take 70 MB). On real mail they drop over half the searches.

    Building it walks every word of every pattern, which costs a cold run a fifth of a second;
    a rule set keeps the one built for its patterns (and the rule cache keeps the rule set)."""

    def __init__(self, groups: Sequence[Sequence[CompiledPattern]]) -> None:
        self._seqs = [tuple(pattern.seq for pattern in group) for group in groups]
        # A need that several parts share is needed once.
        needs = [tuple(dict.fromkeys(need for pattern in group
                                     for need in (*pattern.needs, *_first_need(pattern))))
                 for group in groups]
        self._always = [i for i, slots in enumerate(needs) if not slots]
        # The pair needs of the groups that need words (every part of a near group matches in
        # the same sentence, so each part's pair need is one more of the group's).
        edges: _Memo = {}
        pairs_memo: dict[int, frozenset[str] | None] = {}
        self._pair_needs: dict[int, tuple[frozenset[str], ...]] = {}
        for index, group in enumerate(groups):
            if needs[index]:
                pair_needs = tuple(dict.fromkeys(
                    need for pattern in group
                    if (need := _pair_need(pattern.seq, edges, pairs_memo)) is not None))
                if pair_needs:
                    self._pair_needs[index] = pair_needs
        by_word: dict[str, int] = {}
        lowest = guards = 0
        group_at: dict[int, int] = {}  # a guard bit's place: its group's position
        place = 0
        for index, slots in enumerate(needs):
            if not slots:
                continue
            for number, words in enumerate(slots):
                bit = 1 << (place + number)
                for word in words:
                    by_word[word] = by_word.get(word, 0) | bit
            lowest |= 1 << place
            place += len(slots)
            guards |= 1 << place
            group_at[place] = index
            place += 1
        self._by_word = by_word
        self._lowest = lowest
        self._guards = guards
        self._group_at = group_at
        self._size = (place + 7) // 8  # bytes

    def built_from(self, groups: Sequence[Sequence[CompiledPattern]]) -> bool:
        """Whether this index was built for exactly these groups, in this order."""
        return len(groups) == len(self._seqs) and all(
            len(group) == len(seqs) and all(p.seq is seq for p, seq in zip(group, seqs))
            for group, seqs in zip(groups, self._seqs))

    def runnable(self, norms: Sequence[str], sentence_starts: Iterable[int] = ()
                 ) -> list[tuple[int, list[tuple[int, int]] | None]]:
        """The positions of the groups that can match a text of these norms, each with the
        sentences (token spans) it can match in, or None for anywhere: those with no required
        slot first, then the others in order.

        A match stays inside one sentence, so a pattern can run only where one sentence holds
        a word of each of its required slots: on ordinary mail that halves the patterns
        searched, against a text-wide test, since a pattern's words often meet only across
        sentences; and the pattern is then searched in those sentences alone."""
        bounds = sorted({0, *sentence_starts, len(norms)})
        by_word = self._by_word
        words = by_word.keys()
        lowest, guards, group_at, size = self._lowest, self._guards, self._group_at, self._size
        where: dict[int, list[tuple[int, int]]] = {}
        pair_needs = self._pair_needs
        for span in zip(bounds, bounds[1:]):
            first, end = span
            met = reduce(or_, map(by_word.__getitem__, words & norms[first:end]), 0)
            full = (met + lowest) & guards
            if not full:
                continue
            # The guard bits set: the bytes that hold one are found by bytes.find (in C).
            data = full.to_bytes(size, "little")
            marked = data.translate(_NONZERO)
            at = marked.find(1)
            # The sentence's neighbouring norms, written as the pair needs are (when needed).
            pairs: set[str] | None = None
            while at >= 0:
                for bit in _BITS[data[at]]:
                    group = group_at[8 * at + bit]
                    needed = pair_needs.get(group)
                    if needed is not None:
                        if pairs is None:
                            pairs = set(map(" ".join, zip(norms[first:end - 1],
                                                          norms[first + 1:end])))
                        if any(map(pairs.isdisjoint, needed)):
                            continue
                    where.setdefault(group, []).append(span)
                at = marked.find(1, at + 1)
        found: list[tuple[int, list[tuple[int, int]] | None]] = \
            [(index, None) for index in self._always]
        found.extend(sorted(where.items()))
        return found
