"""Whether a message is commercial: the vocabularies of ``commercial.yaml`` that occur in its
subject and the sender's own text, weighed against the primary-purpose threshold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

from ..longtext import bounded
from ..message import in_real_thread
from ..model import Message
from ..yamlsource import load_yaml_document
from .base import is_word_char, text_cache
from .own_text import own_text

# The vocabularies are data: commercial.yaml, which explains the test. Their phrases are found
# in one pass with an Aho-Corasick automaton (an alternation of hundreds of phrases costs the
# regex engine tens of milliseconds on a newsletter); their few patterns run only where one of
# their keywords occurs.

COMMERCIAL_VOCABULARIES = Path(__file__).with_name("commercial.yaml")


@dataclass(frozen=True)
class Vocabulary:
    """Words of one kind that make a message read as commercial (or, weighing less than
    nothing, as a transactional notice)."""

    name: str
    what: str  # how a finding names it: "a price"
    weight: int
    patterns: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]  # (expression, keywords)


@dataclass(frozen=True)
class CommercialTest:
    threshold: int
    long_message: int  # words
    long_message_density: float  # signals per 100 words
    vocabularies: tuple[Vocabulary, ...]
    # phrase -> (vocabulary index, length, whether it must end at a word boundary)
    phrases: Any
    keywords: Any  # the patterns' keywords, each its own value


@lru_cache(maxsize=1)
def commercial_test() -> CommercialTest:
    """The test of commercial.yaml, compiled once."""
    data = load_yaml_document(COMMERCIAL_VOCABULARIES).data
    vocabularies = []
    phrases = ahocorasick.Automaton()
    keywords = ahocorasick.Automaton()
    for index, (name, entry) in enumerate(data["vocabularies"].items()):
        patterns = tuple((re.compile(pattern["regex"]), tuple(pattern.get("keywords", ())))
                         for pattern in entry.get("patterns", ()))
        vocabularies.append(Vocabulary(name, entry["what"], int(entry["weight"]), patterns))
        for _, pattern_keywords in patterns:
            for keyword in pattern_keywords:
                keywords.add_word(keyword, keyword)
        for phrase in entry.get("phrases", ()):
            phrase = _plain(phrase)
            phrases.add_word(phrase, (index, len(phrase), is_word_char(phrase[-1])))
    phrases.make_automaton()
    keywords.make_automaton()
    return CommercialTest(int(data["threshold"]), int(data["long-message"]),
                          float(data["long-message-density"]), tuple(vocabularies), phrases,
                          keywords)


def _starts_word(text: str, start: int) -> bool:
    """Whether a match at ``start`` begins a word (or begins with punctuation: "$49"). A word
    joined to the one before by a hyphen begins none: "step-free access" is no free access."""
    if start == 0 or not is_word_char(text[start]):
        return True
    before = text[start - 1]
    return not (is_word_char(before) or
                before == "-" and start >= 2 and is_word_char(text[start - 2]))


def _plain(text: str) -> str:
    """Lower case, single spaces, straight apostrophes: the form the vocabularies are in."""
    return " ".join(text.lower().replace("\u2019", "'").split())


def commercial_signals(message: Message) -> tuple[Vocabulary, ...]:
    """The vocabularies that occur in the subject and the sender's own text, in file order,
    when they make the message's primary purpose (see commercial.yaml); else none."""
    return _signals(_read_text(message))


def _read_text(message: Message) -> str:
    """What the test reads: the subject and the sender's own text, in plain form."""
    subject = bounded(message.subject.text) if message.subject else ""
    return _plain(subject + "\n" + own_text(message))


@text_cache(maxsize=64)
def _signals(text: str) -> tuple[Vocabulary, ...]:
    # Cached: both compliance checks ask about one message.
    test = commercial_test()
    counts = _counts(text)
    found = tuple(v for v, count in zip(test.vocabularies, counts) if count)
    words = text.count(" ") + 1
    if words > test.long_message:
        # What the rest of a long message is for (articles, a receipt) counts against it.
        signals = sum(count if v.weight > 0 else -count
                      for v, count in zip(test.vocabularies, counts))
        if signals * 100 < test.long_message_density * words:
            return ()
    return found


@text_cache(maxsize=64)
def _counts(text: str) -> tuple[int, ...]:
    """How often each vocabulary occurs in ``text``, in file order."""
    test = commercial_test()
    counts = [0] * len(test.vocabularies)
    for end, (index, length, word_end) in test.phrases.iter(text):
        if _starts_word(text, end - length + 1) and not (
                word_end and end + 1 < len(text) and is_word_char(text[end + 1])):
            counts[index] += 1
    # The keywords that occur, found in one pass (not each looked for through the whole text).
    present = {keyword for _, keyword in test.keywords.iter(text)}
    for index, vocabulary in enumerate(test.vocabularies):
        for pattern, keywords in vocabulary.patterns:
            if not present.isdisjoint(keywords):
                counts[index] += sum(1 for match in pattern.finditer(text)
                                     if _starts_word(text, match.start()))
    return tuple(counts)


def is_commercial(message: Message) -> bool:
    """The primary-purpose test: not a reply in a real thread, and the weights of the
    vocabularies that occur reach the threshold (see commercial.yaml)."""
    if in_real_thread(message):
        return False
    return sum(v.weight for v in commercial_signals(message)) >= commercial_test().threshold


def offers_anything(message: Message) -> bool:
    """Whether the subject or the sender's own text holds any sign of selling (a price, an
    offer, a pitch, a call to action), whatever the message's primary purpose: a note between
    people who know each other holds none, and a salesperson's "loads of love" beside a price
    is familiarity put on."""
    test = commercial_test()
    counts = _counts(_read_text(message))
    return any(count and v.weight > 0 for v, count in zip(test.vocabularies, counts))


def is_transactional(message: Message) -> bool:
    """A notice about the reader's own account or order (a receipt, a password reset, a
    shipping update) that is not commercial. Read from the sender's own text only: a subject
    is what a pitch disguised as a transaction fakes."""
    test = commercial_test()
    counts = _counts(_plain(own_text(message)))
    return any(count for v, count in zip(test.vocabularies, counts) if v.name == "transactional") \
        and not is_commercial(message)
