"""How easy a text is to read: the Flesch reading ease, counted with pyphen's hyphenation.

Syllables are hyphenation points plus one, which is close to a dictionary count for a
readability signal and needs no data from the network.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import ahocorasick
import pyphen

from .cachefiles import cache_folder, read_payload, write_payload

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


@dataclass(frozen=True)
class Hyphenation:
    """pyphen's en_US hyphenation: how many letters its points keep from each end of a word,
    and its patterns in one Aho-Corasick automaton. Each pattern gives how far its points start
    before its last letter, how many points it has, and the points."""

    left: int
    right: int
    automaton: Any  # an ahocorasick.Automaton (no type hints)


@lru_cache(maxsize=1)
def _hyphenation() -> Hyphenation:
    """Read from the user's cache folder when a run has kept it there: pyphen's dictionary and
    the automaton made from it take a twentieth of a second, a fifteenth of a one-draft check;
    read back, they take a few milliseconds. The file is named by what its content depends on
    (this module, pyphen's and pyahocorasick's versions, the Python), and read as the rule
    cache reads its files (only the user's own, with a matching digest)."""
    path = _kept_path()
    payload = read_payload(path) if path is not None else None
    if payload is not None:
        try:
            kept = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - an unreadable file is made again, whatever broke
            kept = None
        if isinstance(kept, Hyphenation):
            return kept
    hyphenator = pyphen.Pyphen(lang="en_US")
    automaton = ahocorasick.Automaton()
    for pattern, (offset, points) in hyphenator.hd.patterns.items():
        automaton.add_word(pattern, (len(pattern) - 1 - offset, len(points), points))
    automaton.make_automaton()
    made = Hyphenation(hyphenator.left, hyphenator.right, automaton)
    if path is not None:
        write_payload(path, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
    return made


def _kept_path() -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    digest = hashlib.sha256()
    for part in (sys.version, _version("pyphen"), _version("pyahocorasick")):
        digest.update(part.encode() + b"\0")
    digest.update(Path(__file__).read_bytes())
    return folder / f"hyphenation-{digest.hexdigest()[:32]}.pickle"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def prepare() -> None:
    """Load the hyphenation now, not for the first message: a process that forks its workers
    (an audit) loads it once for all of them."""
    _hyphenation()


@lru_cache(maxsize=65536)
def _hyphenated_syllables(word: str) -> int:
    """pyphen's hyphenation points of ``word`` plus one. Its ``positions`` (Liang's
    algorithm) looks up every piece of the word up to the longest pattern's length; the
    automaton finds the pieces that are patterns in one pass in C, which a fresh process (an
    audit's worker) meeting thousands of new words pays a third of. The points are the same."""
    hyphenation = _hyphenation()
    word = word.lower()
    pointed_word = f".{word.lower()}."  # pyphen lowers the word it is given once more
    references = [0] * (len(pointed_word) + 1)
    for last_letter, (back, size, points) in hyphenation.automaton.iter(pointed_word):
        where = slice(last_letter - back, last_letter - back + size)
        references[where] = map(max, points, references[where])
    # pyphen's points: odd values, numbered from the dot before the word, at least ``left``
    # letters from its start and ``right`` from its end.
    last = len(word) - hyphenation.right
    return sum(1 for i, reference in enumerate(references)
               if reference % 2 and hyphenation.left <= i - 1 <= last) + 1


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
