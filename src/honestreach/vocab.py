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
``(...)``     optional slots ("end of (the) day")
``#``         a number written in digits ("3", "1,000", "10:30")
``*``         any one word
``...``       up to 4 words of anything in the same clause (``...2``: up to 2)
``^``         the start of a sentence
``!a|{c}``    the next word is none of these (it matches no word itself): ``met !with``
              is "met" not followed by "with"; ``!i|we *`` is any one word but "i" and "we"
============  =====================================================================

Words are matched on their norms (see :mod:`honestreach.tokens`): "don't" reads as "do not",
so a pattern says ``do not``; a possessive or a contracted "had" is its own token (``'s``,
``'d``: "Leah's idea" is ``leah 's idea``). Punctuation stands for itself (``%``, ``$``, ``!``).

Each pattern compiles to one regular expression over the message's tokens, written one after
another with a space before each and a mark between sentences. Patterns have no nested
repetition, so they cannot run away; gaps never cross a sentence or a clause mark.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .tokens import BOUNDARY, CLAUSE_BREAKS, tokenize

DEFAULT_GAP = 4
MAX_GAP = 12
_ANY_TOKEN = r"(?: (?!(?:%s)(?= |$))[^ ]+)" % "|".join(re.escape(b) for b in sorted(CLAUSE_BREAKS))
_NUMBER = r" \d[\d.,:]*"
_SLOT = re.compile(r"\(|\)|[^\s()]+")


class PatternError(ValueError):
    """A pattern or vocabulary that cannot be compiled; the message says why."""


@dataclass(frozen=True)
class CompiledPattern:
    """A pattern as a regular expression over encoded tokens, and the words a text must hold
    for it to match: one set per required slot (it can only match where every set meets the
    text's words)."""

    source: str
    regex: str
    needs: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class _Part:
    regex: str
    firsts: frozenset[str] | None  # norms the part can begin with (None: any)
    required: tuple[frozenset[str], ...]  # word sets the part cannot match without
    optional: bool = False  # it may match no token at all
    anchor: bool = False  # it matches a position, not a token


class Vocabulary:
    """Named classes of phrases, compiled on demand."""

    def __init__(self, classes: dict[str, list[str]] | None = None) -> None:
        self.classes: dict[str, list[str]] = {}
        self.origins: dict[str, str] = {}
        for name, phrases in (classes or {}).items():
            self.add(name, phrases, "<vocabulary>")
        self._compiled: dict[str, _Part] = {}

    def add(self, name: str, phrases: Iterable[str], origin: str) -> None:
        self.classes.setdefault(name, []).extend(str(p) for p in phrases)
        self.origins.setdefault(name, origin)
        self._compiled = {}

    def compile(self, pattern: str) -> CompiledPattern:
        """``pattern`` as a regular expression; raises PatternError."""
        part = self._sequence(pattern, ())
        if part.optional:
            raise PatternError(f"pattern {pattern!r} can match no word at all")
        return CompiledPattern(pattern, part.regex + "(?= |$)", part.required)

    def words(self, name: str) -> list[str]:
        return self.classes.get(name, [])

    # -- compiling ----------------------------------------------------------------------------
    def _sequence(self, text: str, stack: tuple[str, ...]) -> _Part:
        slots = _SLOT.findall(text)
        parts, position = self._parts(slots, 0, stack, text)
        if position != len(slots):
            raise PatternError(f"unbalanced ')' in {text!r}")
        return _join(parts)

    def _parts(self, slots: list[str], position: int, stack: tuple[str, ...],
               text: str) -> tuple[list[_Part], int]:
        parts: list[_Part] = []
        while position < len(slots):
            slot = slots[position]
            if slot == ")":
                return parts, position
            if slot == "(":
                inner, position = self._parts(slots, position + 1, stack, text)
                if position >= len(slots):
                    raise PatternError(f"unbalanced '(' in {text!r}")
                group = _join(inner)
                parts.append(_Part(f"(?:{group.regex})?", group.firsts, (), optional=True))
            elif slot == "^":
                parts.append(_Part(f"(?:^|(?<={BOUNDARY}))", None, (), optional=True, anchor=True))
            elif slot.startswith("!") and len(slot) > 1:
                ruled_out = self._alternatives(slot[1:], stack, text)
                parts.append(_Part(f"(?!{ruled_out.regex}(?= |$))", None, (), optional=True,
                                   anchor=True))
            elif re.fullmatch(r"\.\.\.(\d+)?", slot):
                size = int(slot[3:] or DEFAULT_GAP)
                if size > MAX_GAP:
                    raise PatternError(f"a gap of at most {MAX_GAP} words, not {size}")
                parts.append(_Part(f"{_ANY_TOKEN}{{0,{size}}}?", None, (), optional=True))
            else:
                parts.append(self._alternatives(slot, stack, text))
            position += 1
        return parts, position

    def _alternatives(self, slot: str, stack: tuple[str, ...], text: str) -> _Part:
        choices = slot.split("|")
        if not all(choices):
            raise PatternError(f"empty alternative in {slot!r} of {text!r}")
        return _either([self._alternative(choice, stack, text) for choice in choices])

    def _alternative(self, choice: str, stack: tuple[str, ...], text: str) -> _Part:
        if choice.startswith("{") and choice.endswith("}"):
            return self._class(choice[1:-1], stack)
        if choice == "#":
            return _Part(_NUMBER, None, ())
        if choice == "*":
            return _Part(_ANY_TOKEN, None, ())
        exact = choice.startswith("=") and len(choice) > 1
        word = choice[1:] if exact else choice
        if "{" in word or "}" in word:
            raise PatternError(f"malformed class reference {choice!r} in {text!r}")
        # A contraction's ending on its own ("'s", "'d") is the token it makes after a word.
        norms = tokenize("x" + word).norms[1:] if word[0] in "'’" and len(word) > 1 \
            else tokenize(word).norms
        if not norms:
            raise PatternError(f"no word in {choice!r} of {text!r}")
        parts = []
        for norm in norms:
            forms = {norm} if exact or not norm.isalpha() else inflections(norm)
            alternation = "|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f)))
            parts.append(_Part(f" (?:{alternation})", frozenset(forms), (frozenset(forms),)))
        return _join(parts)

    def _class(self, name: str, stack: tuple[str, ...]) -> _Part:
        if name in stack:
            raise PatternError(f"vocabulary class {{{name}}} refers to itself "
                               f"({' -> '.join(stack + (name,))})")
        if name not in self.classes:
            raise PatternError(f"unknown vocabulary class {{{name}}}")
        if name not in self._compiled:
            phrases = self.classes[name]
            if not phrases:
                raise PatternError(f"vocabulary class {{{name}}} is empty")
            options = []
            for phrase in phrases:
                try:
                    options.append(self._sequence(phrase, stack + (name,)))
                except PatternError as exc:
                    raise PatternError(f"in class {{{name}}}: {exc}") from None
            self._compiled[name] = _either(options)
        return self._compiled[name]


def _join(parts: list[_Part]) -> _Part:
    """Parts one after another."""
    firsts: set[str] | None = set()
    for part in parts:
        if part.anchor:
            continue
        if part.firsts is None:
            firsts = None
            break
        firsts |= part.firsts
        if not part.optional:
            break
    required = tuple(need for part in parts if not part.optional for need in part.required)
    return _Part("".join(p.regex for p in parts), None if firsts is None else frozenset(firsts),
                 required, optional=all(p.optional for p in parts))


def _either(options: list[_Part]) -> _Part:
    """One of several parts (longest pattern first, so a match takes the fullest phrase)."""
    if len(options) == 1:
        return options[0]
    ordered = sorted(options, key=lambda p: -len(p.regex))
    firsts: set[str] | None = set()
    for option in options:
        if option.firsts is None or option.optional:
            firsts = None
            break
        firsts |= option.firsts
    required = (frozenset(firsts),) if firsts else ()
    return _Part("(?:" + "|".join(p.regex for p in ordered) + ")",
                 frozenset(firsts) if firsts is not None else None, required,
                 optional=any(p.optional for p in options))


@lru_cache(maxsize=1)
def _forms_by_lemma() -> dict[str, frozenset[str]]:
    """Every form the English lookup table knows for each lemma ("meet": met, meets, ...)."""
    table = _lemma_table()
    forms: dict[str, set[str]] = {}
    for form, lemma in table.items():
        if form.isalpha() and lemma.isalpha():
            forms.setdefault(lemma.lower(), set()).add(form.lower())
    return {lemma: frozenset(found) for lemma, found in forms.items()}


def _lemma_table() -> dict[str, str]:
    """spacy-lookups-data's English lemma table, read from the package's file (no spaCy)."""
    try:
        import spacy_lookups_data
    except ImportError:  # inflections then come only from the vocabulary itself
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


# Function words whose "forms" in the lemma table are other words ("a" -> "as", "can" ->
# "could", "will" -> "willing"): a pattern that names them means only them.
_UNINFLECTED = frozenset({"a", "can", "will", "this", "that", "you", "no", "not", "up", "out",
                          "just", "may", "might", "must", "shall", "should", "would", "could"})
# Lemmas whose forms begin with another letter ("go" -> "went", "be" -> "was").
_SUPPLETIVE = frozenset({"be", "go"})


def inflections(word: str) -> frozenset[str]:
    """``word`` and every inflected form of it, when ``word`` is a lemma. Comparatives that
    share a spelling with a verb ("close" -> "closer") are not forms a rule means."""
    if word in _UNINFLECTED:
        return frozenset({word})
    forms = {word}
    for form in _forms_by_lemma().get(word, ()):
        if word not in _SUPPLETIVE and (form[0] != word[0] or len(form) < 3):
            continue
        if form.endswith(("er", "est")) and not form.endswith(("ered", "ering")) \
                and not word.endswith(("er", "est")):
            continue
        forms.add(form)
    return frozenset(forms)


def encode(norms: Iterable[str], sentence_starts: Iterable[int]) -> tuple[str, list[int]]:
    """The text patterns search: `` norm`` for each token and a boundary mark between
    sentences; and for each character offset where a token's space begins, its index."""
    starts = set(sentence_starts)
    pieces: list[str] = []
    offsets: list[int] = []  # encoded offset of each token's leading space
    length = 0
    for index, norm in enumerate(norms):
        if index in starts and index:
            pieces.append(" " + BOUNDARY)
            length += 2
        offsets.append(length)
        pieces.append(" " + norm)
        length += 1 + len(norm)
    return "".join(pieces), offsets
