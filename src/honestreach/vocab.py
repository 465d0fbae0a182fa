"""Vocabularies and the pattern language rules are written in.

A vocabulary file (``rules/vocab/*.yaml``, and ``vocab/*.yaml`` in a user's rule folder) maps
class names to lists of phrases::

    deadline-verb: [expire, end, close, run out, =lapse]
    today: [today, tonight, this evening, end of (the) day, eod]

A user's file with a built-in class name adds to that class.

A *pattern* is a line of slots separated by spaces; a phrase of a vocabulary is a pattern too:

============  =====================================================================
``word``      the word in any inflection ("expire": expires, expired, expiring)
``=word``     exactly this form
``a|b|{c}``   one of these
``{class}``   any phrase of a vocabulary class
``{a b|c}``   one of these phrases, written in place like a class ("{get back|reply} to
              me"); the phrases may hold any slots, ``{class}`` too
``(...)``     optional slots ("end of (the) day")
``#``         a number written in digits ("3", "1,000", "10:30")
``#:#``       a time on a clock or a timer, digits with colons ("10:30", "02:14:33")
``*``         any one word
``...``       up to 4 words of anything in the same clause (``...2``: up to 2)
``^``         the start of a sentence
``!a|{c}``    the next word is none of these (it matches no word itself): ``met !with``
              is "met" not followed by "with"; ``!i|we *`` is any one word but "i" and "we"
              (``!|?`` is an exclamation or a question mark)
============  =====================================================================

Words are matched on their norms (see :mod:`honestreach.tokens`): "don't" reads as "do not",
so a pattern says ``do not``; "it's", "that's", "there's" read as ``it is`` (``it has``
before "been" or "got"), and a pattern's "it's" matches both. After a noun, a possessive or a
contracted "had" is its own token (``'s``, ``'d``: "Leah's idea" is ``leah 's idea``). Punctuation stands for itself (``%``, ``$``).

A choice is one slot: ``reply|get back`` is "reply back" or "get back", never "reply" alone.
Phrases of several words are a choice only inside braces: ``{reply|get back}``.

A pattern compiles to a tree of slots (:class:`Seq`, :mod:`honestreach.patternslots`), and
the tree to a regular expression over a text's tokens written one after another
(:func:`honestreach.tokenregex.token_regex`); a class is compiled once
and shared by every pattern that names it. :mod:`honestreach.wordmatch` runs the expression
only where the pattern's first word stands. Patterns have no unbounded repetition, so they
cannot run away; a match stays inside one sentence, and gaps never cross a clause mark (but
step over one short aside in brackets whole: "the rate (was £20) ends").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from .inflection import inflections
from .patternslots import AnyWord, CompiledPattern, Either, Gap, NotNext, Number, Optional, Seq, \
    SentenceStart, Slot, Words
from .tokens import tokenize

_Node = TypeVar("_Node")
_Item = TypeVar("_Item")

__all__ = ["CompiledPattern", "PatternError", "Seq", "Vocabulary", "inflections", "word_rank"]

DEFAULT_GAP = 4
# Endings the tokenizer keeps as tokens of their own ("Leah's" -> "leah", "'s").
_CLITICS = frozenset({"'s", "'d"})
MAX_GAP = 12
# The most words one pattern may spell out with its classes filled in (the largest built-in
# one spells out about 3,500).
MAX_PATTERN_SIZE = 50_000
# A slot: a parenthesis, or a run of anything but spaces and parentheses in which a brace
# group ("{get back|reply}", "{a {b}|c}") may hold both.
_BRACES = r"\{(?:[^{}]|\{[^{}]*\})*\}"
_SLOT = re.compile(rf"\(|\)|(?:{_BRACES}|[^\s(){{}}]|[{{}}])+")



class PatternError(ValueError):
    """A pattern or vocabulary that cannot be compiled; the message says why."""


class Vocabulary:
    """Named classes of phrases, compiled on demand."""

    def __init__(self, classes: dict[str, list[str]] | None = None) -> None:
        self.classes: dict[str, list[str]] = {}
        self.origins: dict[str, str] = {}
        self._compiled: dict[str, Either] = {}
        # Patterns compiled by compile_kept: one Seq each, whoever asks, kept (and pickled)
        # with the vocabulary.
        self._kept: dict[str, CompiledPattern] = {}
        for name, phrases in (classes or {}).items():
            self.add(name, phrases, "<vocabulary>")

    def add(self, name: str, phrases: Iterable[str], origin: str) -> None:
        self.classes.setdefault(name, []).extend(str(p) for p in phrases)
        self.origins.setdefault(name, origin)
        self._compiled = {}
        self._kept = {}

    def compile(self, pattern: str) -> CompiledPattern:
        """``pattern`` compiled; raises PatternError."""
        seq = self._sequence(pattern, ())
        if seq.optional:
            raise PatternError(f"pattern {pattern!r} can match no word at all")
        if _written_size(seq, {}) > MAX_PATTERN_SIZE:
            raise PatternError(f"pattern {pattern!r} spells out more than {MAX_PATTERN_SIZE:,} "
                               "words once its classes are filled in (a class that names "
                               "another several times, over many levels?)")
        return CompiledPattern(pattern, seq, seq.required)

    def compile_kept(self, pattern: str) -> CompiledPattern:
        """``pattern`` compiled once for this vocabulary: every caller gets the same Seq. A
        pattern's filter expression is kept by its Seq (:mod:`honestreach.rulecache_filters`),
        so the rule cache can keep the expressions of these patterns too (the context cues:
        a few large classes that each process compiled again, a tenth of a second each)."""
        compiled = self._kept.get(pattern)
        if compiled is None:
            compiled = self._kept[pattern] = self.compile(pattern)
        return compiled

    def kept_patterns(self) -> list[CompiledPattern]:
        """What :meth:`compile_kept` compiled, in the order it was asked for."""
        return list(self._kept.values())

    def words(self, name: str) -> list[str]:
        return self.classes.get(name, [])

    def _sequence(self, text: str, stack: tuple[str, ...]) -> Seq:
        slots = _SLOT.findall(text)
        parts, position = self._slots(slots, 0, stack, text)
        if position != len(slots):
            raise PatternError(f"unbalanced ')' in {text!r}")
        return _seq(parts)

    def _slots(self, slots: list[str], position: int, stack: tuple[str, ...],
               text: str) -> tuple[list[Slot], int]:
        parts: list[Slot] = []
        while position < len(slots):
            slot = slots[position]
            if slot == ")":
                return parts, position
            if slot == "(":
                inner, position = self._slots(slots, position + 1, stack, text)
                if position >= len(slots):
                    raise PatternError(f"unbalanced '(' in {text!r}")
                body = _seq(inner)
                parts.append(_node(("optional", id(body)), lambda: Optional(body)))
            elif slot == "^":
                parts.append(_node(("start",), SentenceStart))
            elif slot.startswith("!") and len(slot) > 1 and slot[1] != "|":  # "!|?": a mark
                ruled_out = self._alternatives(slot[1:], stack, text)
                parts.append(_node(("not", id(ruled_out)), lambda: NotNext(ruled_out)))
            elif re.fullmatch(r"\.\.\.(\d+)?", slot):
                size = int(slot[3:] or DEFAULT_GAP)
                if size > MAX_GAP:
                    raise PatternError(f"a gap of at most {MAX_GAP} words, not {size}")
                parts.append(_node(("gap", size), lambda: Gap(size)))
            else:
                parts.append(self._alternatives(slot, stack, text))
            position += 1
        return parts, position

    def _alternatives(self, slot: str, stack: tuple[str, ...], text: str) -> Slot:
        choices = _split_choices(slot)
        if not all(choices):
            raise PatternError(f"empty alternative in {slot!r} of {text!r}")
        options = [self._alternative(choice, stack, text) for choice in choices]
        if len(options) == 1:
            return options[0]
        words = [o for o in options if isinstance(o, Words)]
        others = [o for o in options if not isinstance(o, Words)]
        merged: list[Slot] = list(others)
        if words:  # one-word choices become one set
            merged = [_words(frozenset().union(*(w.forms for w in words))), *others]
        if len(merged) == 1:
            return merged[0]
        return _either([o if isinstance(o, Seq) else _seq([o]) for o in merged])

    def _alternative(self, choice: str, stack: tuple[str, ...], text: str) -> Slot:
        if choice.startswith("{") and choice.endswith("}"):
            inner = choice[1:-1]
            if re.search(r"[\s|(){}]", inner):  # phrases written in place
                phrases = _split_choices(inner)
                if not all(p.strip() for p in phrases):
                    raise PatternError(f"empty phrase in {choice!r} of {text!r}")
                options = [self._sequence(phrase, stack) for phrase in phrases]
                if any(option.optional for option in options):
                    raise PatternError(f"a phrase of {choice!r} in {text!r} can match no word")
                return _either(options)
            return self._class(inner, stack)
        if choice in ("#", "#:#"):
            clock = choice == "#:#"
            return _node(("number", clock), lambda: Number(clock=clock))
        if choice == "*":
            return _node(("any",), AnyWord)
        exact = choice.startswith("=") and len(choice) > 1
        word = choice[1:] if exact else choice
        if "{" in word or "}" in word:
            raise PatternError(f"malformed class reference {choice!r} in {text!r}")
        forms = _word_forms(word, exact)
        if not forms:
            raise PatternError(f"no word in {choice!r} of {text!r}")
        parts: list[Slot] = [_words(token_forms) for token_forms in forms]
        return parts[0] if len(parts) == 1 else _either([_seq(parts)])

    def _class(self, name: str, stack: tuple[str, ...]) -> Either:
        if name in stack:
            raise PatternError(f"vocabulary class {{{name}}} refers to itself "
                               f"({' -> '.join(stack + (name,))})")
        if name not in self.classes:
            raise PatternError(f"unknown vocabulary class {{{name}}}")
        if name not in self._compiled:
            options = []
            for phrase in self.classes[name]:
                try:
                    options.append(self._sequence(phrase, stack + (name,)))
                except PatternError as exc:
                    raise PatternError(f"in class {{{name}}}: {exc}") from None
            # One-word phrases of a class become one set: one lookup instead of many.
            single = [o.slots[0] for o in options
                      if len(o.slots) == 1 and isinstance(o.slots[0], Words)]
            rest = [o for o in options
                    if not (len(o.slots) == 1 and isinstance(o.slots[0], Words))]
            if single:
                rest.insert(0, _seq([_words(frozenset().union(*(w.forms for w in single)))]))
            self._compiled[name] = _either(rest, name)
        return self._compiled[name]


# Equal word sets, and one-word slots of equal forms, are made once: the vocabularies name the
# same words in thousands of places. The rule cache stores, and every process loads, one object
# where there were many (about 12,500 slots for 107,000, 20,500 sets for 91,000): a faster
# start and a smaller process. A slot is compared by identity and never changed, and a set is
# immutable, so sharing them changes no match. The same goes for every other slot and sequence
# (_node): made of the same parts, they are one object (the phrases "the {deadline}" of two
# patterns compile to one sequence; 61,000 sequences were 33,000 distinct ones). So do the
# tuples of options of a class's index by first word (Either.by_first): an option that begins
# with any form of a word ("expire", "expires", ...) gave each form its own equal tuple, and
# the index's 223,000 entries held 210,000 of the 330,000 tuples a process loaded; they share
# 23,000 now.
_SETS: dict[frozenset[str], frozenset[str]] = {}
_WORDS: dict[frozenset[str], Words] = {}
_TUPLES: dict[tuple[object, ...], tuple[object, ...]] = {}
# Every other node by its kind and parts (the parts by identity: they are made once too, and
# each node kept here keeps its parts alive, so an identity in a key is never reused).
_NODES: dict[tuple[object, ...], Any] = {}


def _node(key: tuple[object, ...], make: Callable[[], _Node]) -> _Node:
    """The one node of this kind and these parts, made by ``make`` the first time."""
    node = _NODES.get(key)
    if node is None:
        node = _NODES[key] = make()
    return node  # type: ignore[no-any-return]


def _interned(words: frozenset[str]) -> frozenset[str]:
    """The one set equal to ``words``."""
    return _SETS.setdefault(words, words)


def _shared(items: Iterable[_Item]) -> tuple[_Item, ...]:
    """The one tuple of these items (options, compared by identity; word sets)."""
    made = tuple(items)
    return _TUPLES.setdefault(made, made)  # type: ignore[return-value]


def _words(forms: frozenset[str]) -> Words:
    """The one slot of these forms."""
    forms = _interned(forms)
    slot = _WORDS.get(forms)
    if slot is None:
        slot = _WORDS[forms] = Words(forms)
    return slot


def _split_choices(slot: str) -> list[str]:
    """The choices of a slot, split at each "|" outside braces ("a|{b c|d}": "a", "{b c|d}")."""
    choices, depth, begin = [], 0, 0
    for index, char in enumerate(slot):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "|" and depth == 0:
            choices.append(slot[begin:index])
            begin = index + 1
    return [*choices, slot[begin:]]


@lru_cache(maxsize=None)
def _word_forms(word: str, exact: bool) -> tuple[frozenset[str], ...]:
    """The forms each token of a written word matches ("don't": do, not; "expire": expire,
    expires, expired, expiring). Vocabularies repeat their words: each is read once."""
    if word.replace("’", "'") in _CLITICS:  # "'s", "'d": a token of their own
        return (frozenset({word.replace("’", "'")}),)
    norms = tokenize(word).norms
    if not exact and len(norms) == 2 and norms[1] == "is" and word[-2:] in ("'s", "’s"):
        # "it's" in a text is "it is", or "it has" before "been": a pattern says either.
        return (frozenset(inflections(norms[0])), frozenset({"is", "has"}))
    return tuple(frozenset({norm} if exact or not norm.isalpha() else inflections(norm))
                 for norm in norms)


def _written_size(node: Seq | Slot, memo: dict[int, int]) -> int:
    """How many words a pattern spells out with its classes filled in (capped just above
    MAX_PATTERN_SIZE): what its regular expression would hold."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if isinstance(node, Seq):
        size = sum(_written_size(slot, memo) for slot in node.slots)
    elif isinstance(node, Either):
        size = sum(_written_size(option, memo) for option in node.options)
    elif isinstance(node, Optional):
        size = _written_size(node.body, memo)
    elif isinstance(node, NotNext):
        size = _written_size(node.ruled_out, memo)
    elif isinstance(node, Words):
        size = len(node.forms)
    else:
        size = 1
    size = min(size, MAX_PATTERN_SIZE + 1)
    memo[id(node)] = size
    return size


def _either(options: list[Seq], name: str = "") -> Either:
    """One of ``options`` (the longest first, so an expression takes the fullest phrase),
    indexed by the words each can begin with."""
    ordered = sorted(options, key=lambda o: -len(o.slots))
    by_first: dict[str, list[Seq]] = {}
    by_number: list[Seq] = []
    anywhere: list[Seq] = []
    for option in ordered:
        if option.firsts is None or option.optional:
            anywhere.append(option)
            continue
        for norm in option.firsts:
            by_first.setdefault(norm, []).append(option)
        if option.starts_with_number:
            by_number.append(option)
    return _node(("either", name, *map(id, ordered)), lambda: Either(
        _shared(ordered), name, {k: _shared(v) for k, v in by_first.items()},
        _shared(by_number), _shared(anywhere)))


def _firsts(slot: Slot) -> tuple[frozenset[str] | None, bool, bool]:
    """(norms the slot can begin with or None for any, whether it can match nothing,
    whether it can begin with a number)."""
    if isinstance(slot, Words):
        return slot.forms, False, False
    if isinstance(slot, Number):
        return frozenset(), False, True
    if isinstance(slot, (AnyWord, Gap)):
        return None, isinstance(slot, Gap), False
    if isinstance(slot, (SentenceStart, NotNext)):
        return frozenset(), True, False
    if isinstance(slot, Optional):
        return slot.body.firsts, True, slot.body.starts_with_number
    options = slot.options
    if any(o.firsts is None for o in options):
        return None, any(o.optional for o in options), False
    return (frozenset().union(*(o.firsts or frozenset() for o in options)),
            any(o.optional for o in options), any(o.starts_with_number for o in options))


@lru_cache(maxsize=1)
def _word_ranks() -> dict[str, int]:
    """Each ordinary English word's place in data/common_words.txt (most frequent first)."""
    text = (Path(__file__).parent / "data" / "common_words.txt").read_text(encoding="utf-8")
    words = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {word: rank for rank, word in reversed(list(enumerate(words)))}


def word_rank(word: str) -> int:
    """How rare a norm is: its place among the frequent words (0 the most frequent). A word
    not in the list is rarer than all of them, but a mark, a clitic or ``<url>`` is as common
    as any. Only a prefilter's strength depends on it."""
    ranks = _word_ranks()
    return ranks.get(word, len(ranks) if word.isalpha() else 0)


def _selectivity(words: frozenset[str]) -> tuple[int, int]:
    """Sorts word sets from the least likely to be in a text to the most: by the most frequent
    word of each, then by size."""
    return -min(map(word_rank, words)), len(words)


def _required(slot: Slot) -> tuple[frozenset[str], ...]:
    """Word sets a slot cannot match without."""
    if isinstance(slot, Words):
        return (slot.forms,)
    if isinstance(slot, Either):
        if len(slot.options) == 1:
            return slot.options[0].required
        # Whichever option matches, a word of each of its required sets is in the text, so
        # the union of one set of each option is required. The options' first words are one
        # such union, but they are often common words ("you", "we"); the union of each
        # option's most selective set lets the prefilter skip far more patterns.
        if all(option.required for option in slot.options):
            return (_interned(frozenset().union(*(min(option.required, key=_selectivity)
                                                  for option in slot.options))),)
        firsts, empty, number = _firsts(slot)
        return (_interned(firsts),) if firsts and not empty and not number else ()
    return ()


def _seq(slots: list[Slot]) -> Seq:
    """Slots one after another, with their prefilter facts."""
    firsts: set[str] | None = set()
    number = False
    optional = True
    for slot in slots:
        slot_firsts, empty, slot_number = _firsts(slot)
        if slot_firsts is None:
            firsts = None
            optional = optional and empty
            if not empty:
                break
            continue
        if firsts is not None:
            firsts |= slot_firsts
        number = number or slot_number
        if not empty:
            optional = False
            break
    # Each set once: a class that names another twice ("{c} {c}") would otherwise double the
    # list at every level.
    required = _shared(dict.fromkeys(need for slot in slots for need in _required(slot)))
    return _node(("seq", *map(id, slots)), lambda: Seq(
        tuple(slots), None if firsts is None else _interned(frozenset(firsts)), required,
        optional=optional and all(_firsts(s)[1] for s in slots), starts_with_number=number))
