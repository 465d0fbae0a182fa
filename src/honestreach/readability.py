"""How easy a text is to read: the Flesch reading ease, counted with pyphen's hyphenation.

Syllables are hyphenation points plus one, which is close to a dictionary count for a
readability signal and needs no data from the network.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import Any

import ahocorasick
import pyphen

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Matched only from the start of a run of marks: tried from inside a long run ("!!!...!x") it
# would scan the rest of the run again at every mark, in quadratic time. The first mark comes
# before the look-behind so that a search skips to it ("(?<![.!?])[.!?]+" was tried at every
# character of the text).
_SENTENCE_END = re.compile(r"[.!?](?<![.!?].)[.!?]*(?:\s|$)")
# Flesch is a ratio: the first few hundred words of a long message read like the rest of it.
SAMPLE_WORDS = 400
# Longer than any dictionary word: a run of letters from a token, a hash or junk. It is counted
# by its length rather than hyphenated, and not remembered, so junk text cannot fill the cache
# with megabytes of "words".
LONGEST_WORD = 45


@lru_cache(maxsize=1)
def _hyphenator() -> Any:  # a pyphen.Pyphen (pyphen ships no type hints)
    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=1)
def _pattern_automaton() -> Any:  # an ahocorasick.Automaton (no type hints either)
    """pyphen's hyphenation patterns in one Aho-Corasick automaton. Each pattern gives how far
    its points start before its last letter, how many points it has, and the points."""
    automaton = ahocorasick.Automaton()
    for pattern, (offset, points) in _hyphenator().hd.patterns.items():
        automaton.add_word(pattern, (len(pattern) - 1 - offset, len(points), points))
    automaton.make_automaton()
    return automaton


def prepare() -> None:
    """Load the hyphenation patterns now, not for the first message: pyphen's dictionary and
    the automaton take about a tenth of a second, which a process that forks its workers
    (an audit) pays once for all of them."""
    _pattern_automaton()


@lru_cache(maxsize=65536)
def _hyphenated_syllables(word: str) -> int:
    """pyphen's hyphenation points of ``word`` plus one. Its ``positions`` (Liang's
    algorithm) looks up every piece of the word up to the longest pattern's length; the
    automaton finds the pieces that are patterns in one pass in C, which a fresh process (an
    audit's worker) meeting thousands of new words pays a third of. The points are the same."""
    hyphenator = _hyphenator()
    word = word.lower()
    pointed_word = f".{word.lower()}."  # pyphen lowers the word it is given once more
    references = [0] * (len(pointed_word) + 1)
    for last_letter, (back, size, points) in _pattern_automaton().iter(pointed_word):
        where = slice(last_letter - back, last_letter - back + size)
        references[where] = map(max, points, references[where])
    # pyphen's points: odd values, numbered from the dot before the word, at least ``left``
    # letters from its start and ``right`` from its end.
    last = len(word) - hyphenator.right
    return sum(1 for i, reference in enumerate(references)
               if reference % 2 and hyphenator.left <= i - 1 <= last) + 1


def syllables(word: str) -> int:
    """Syllables in one word (outreach repeats its words, so counts are remembered: by the
    word in lower case, which the count reads, so "The" and "the" are counted once)."""
    if len(word) > LONGEST_WORD:
        return len(word) // 3
    return _hyphenated_syllables(word.lower())


def reading_ease(text: str) -> float:
    """Flesch reading ease of ``text`` (higher is easier; 60-70 is plain English)."""
    # Only the sample is read: the words of a text of megabytes are not all listed first.
    matches = list(itertools.islice(_WORD.finditer(text), SAMPLE_WORDS + 1))
    if not matches:
        return 100.0
    if len(matches) > SAMPLE_WORDS:
        matches = matches[:SAMPLE_WORDS]
        text = text[:matches[-1].end() + 1]
    words = [m.group() for m in matches]
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    # Most texts hold no word too long to hyphenate: their counts are then looked up in C.
    if max(map(len, words)) <= LONGEST_WORD:
        total = sum(map(_hyphenated_syllables, map(str.lower, words)))
    else:
        total = sum(map(syllables, words))
    return 206.835 - 1.015 * len(words) / sentences - 84.6 * total / len(words)
