"""Reading names from a claim's sentence: the shared vocabulary of the claim-kind modules.

Names are read as runs of capitalised words (with connectors such as "of", "the" and, in
titles, "in", "from", "a"), so "SaaStr Annual last week" gives "SaaStr Annual" and "Closing the
Books in Three Days" stays whole; months and weekdays end a name ("the Playbook in January").
In a shouted sentence (all capitals) names are given in title case (``shouted``,
``title_case``).
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import regex

from ..cachefiles import cache_folder, read_payload, write_payload
from ..timeexpr import MONTHS, WEEKDAYS

Specifics = tuple[tuple[str, str], ...]
IGNORECASE = regex.IGNORECASE
# What a claim-kind module's reader gives: (key, value) pairs, in the order found.
Found = list[tuple[str, str]]


# Every LazyPattern made (the claim modules make theirs when imported), and whether this
# process has looked for them in the cache folder.
_MADE: list[LazyPattern] = []
_looked = False


def _use_kept() -> None:
    """Give every LazyPattern made so far its compiled expression, kept in the user's cache
    folder by an earlier run: ``regex`` pickles a pattern with its compiled form, so the 70
    read back in 2 ms where compiling them takes a tenth of a second, which every process that
    reads a claim paid (each worker of an audit). When none is kept, all are compiled and
    kept; without a cache folder, each is compiled when first used, as before."""
    global _looked
    if _looked:
        return
    _looked = True
    path = _kept_path()
    if path is None:
        return
    payload = read_payload(path)
    kept: Any = None
    if payload is not None:
        try:
            kept = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - an unreadable file is made again, whatever broke
            kept = None
    if not isinstance(kept, dict):
        kept = {lazy.key: regex.compile(lazy.pattern, lazy._flags) for lazy in _MADE}
        write_payload(path, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
    for lazy in _MADE:
        compiled = kept.get(lazy.key)
        if isinstance(compiled, regex.Pattern) and compiled.pattern == lazy.pattern:
            lazy._compiled = compiled


def _kept_path() -> Path | None:
    """The file of the patterns made so far, named by what they are and what compiled them
    (the ``regex`` library, the Python)."""
    folder = cache_folder()
    if folder is None:
        return None
    digest = hashlib.sha256()
    for part in (sys.version, regex.__version__):
        digest.update(part.encode() + b"\0")
    for pattern, flags in sorted({lazy.key for lazy in _MADE}):
        digest.update(f"{flags}\0{pattern}\0".encode())
    return folder / f"claims-{digest.hexdigest()[:32]}.pickle"


class LazyPattern:
    """A ``regex`` expression compiled when first used. Claims are read only from messages
    that make one, and compiling all of these at import cost every run a tenth of a second.
    The first one a process uses brings all of them from the user's cache folder (see
    :func:`_use_kept`)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: regex.Pattern[str] | None = None
        _MADE.append(self)

    @property
    def key(self) -> tuple[str, int]:
        return self.pattern, self._flags

    @property
    def compiled(self) -> regex.Pattern[str]:
        if self._compiled is None:
            _use_kept()
        if self._compiled is None:
            self._compiled = regex.compile(self.pattern, self._flags)
        return self._compiled

    def search(self, text: str, *args: Any, **kwargs: Any) -> regex.Match[str] | None:
        return self.compiled.search(text, *args, **kwargs)

    def match(self, text: str, *args: Any, **kwargs: Any) -> regex.Match[str] | None:
        return self.compiled.match(text, *args, **kwargs)

    def fullmatch(self, text: str, *args: Any, **kwargs: Any) -> regex.Match[str] | None:
        return self.compiled.fullmatch(text, *args, **kwargs)

    def finditer(self, text: str, *args: Any, **kwargs: Any) -> Iterator[regex.Match[str]]:
        return self.compiled.finditer(text, *args, **kwargs)

    def findall(self, text: str, *args: Any, **kwargs: Any) -> list[Any]:
        return self.compiled.findall(text, *args, **kwargs)

    def split(self, text: str, *args: Any, **kwargs: Any) -> list[str]:
        return self.compiled.split(text, *args, **kwargs)

    def sub(self, replacement: Any, text: str, *args: Any, **kwargs: Any) -> str:
        return self.compiled.sub(replacement, text, *args, **kwargs)


# A word of a name: capitalised ("SaaStr", "Marc-André", "B2C", "Multi-Entity") or a number
# ("2026"); possessives are cut later.
_WORD = r"(?:\p{Lu}[\p{L}\p{M}\p{N}'’&+./\-]*|\p{N}[\p{L}\p{N}.+/\-]*)"
_CAP_WORD = r"\p{Lu}[\p{L}\p{M}\p{N}'’&+.\-]*"
_EVENT_CONNECTORS = r"of|&|and|the|for|on|de|du|la|le|des|am|im|x"
_TITLE_CONNECTORS = (_EVENT_CONNECTORS + r"|in|from|to|a|an|with|vs\.?|your|our|my|at|into|"
                     r"without|by|is|are|it|you|we|how|why|what|not|that|than|or|per")
EVENT_RUN = LazyPattern(
    rf"{_WORD}(?:[ \t]+(?:(?:{_EVENT_CONNECTORS})[ \t]+(?={_CAP_WORD}))?{_WORD})*")
TITLE_RUN = LazyPattern(
    rf"{_WORD}(?:[ \t]+(?:(?:{_TITLE_CONNECTORS})[ \t]+(?={_CAP_WORD}))*{_WORD})*")
_PARTICLE = r"(?:de|da|del|della|di|do|dos|das|du|van|von|der|den|ter|ten|le|la|bin|al|el|y)"
PERSON = (rf"(?:{_CAP_WORD})(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_CAP_WORD}){{0,3}}")

# Where an event is named: "at SaaStr Annual", "during Dreamforce", "over coffee at HITEC".
EVENT_CUE = LazyPattern(
    r"(?i:\b(?:at|during|from|after|around|since|following|post-?))[ \t]+(?:(?i:the)[ \t]+)?"
    r"(?=\p{Lu}|\p{N})")
# Where something was said: "as I mentioned at SaaStr", "during Dreamforce".
PLACE_CUE = LazyPattern(
    r"(?i:\b(?:at|during))[ \t]+(?:(?i:the)[ \t]+)?(?=\p{Lu}|\p{N})")
_NOT_EVENT_AFTER = LazyPattern(
    r"^(?:['’]s)?[ \t]+(?i:booth|stand|table|lounge|office|offices|hq|headquarters|suite|party|"
    r"store|site|team|house|plant|warehouse)\b")

ROUND = LazyPattern(
    r"(?i)\b(?P<round>series[ \t]+[a-h](?:[ \t]*(?:extension|\+|prime))?\b|pre-?seed\b|"
    r"seed(?:[ \t]+(?:round|extension))?\b|ipo\b|initial[ \t]+public[ \t]+offering)")
_TOPIC = LazyPattern(
    r"(?i)\b(?:about|regarding|re|concerning|on[ \t]+the[ \t]+(?:subject|topic)[ \t]+of)[ \t]+"
    r"(?:(?:the|your|our|my|a|an)[ \t]+)?(?P<topic>[\p{L}\p{N}'’&/\-]+(?:[ \t]+[\p{L}\p{N}'’&/\-]+)"
    r"{0,5})")
_TOPIC_STOP = frozenset(
    {"last", "yesterday", "today", "this", "that", "these", "earlier", "in", "on", "at", "back",
     "and", "but", "so", "with", "when", "which", "because", "since", "for", "from", "to", "as",
     "if", "or", "before", "after", "during", "ago", "recently", "the", "it", "you", "we", "i",
     "a", "an", "tomorrow", "next", "then", "here", "there", "is", "was", "were", "are", "by",
     "ever", "again", "too", "yet", "now", "once", "all", "both", "over", "via", "who", "where"})
# A "topic" that is only the conversation itself ("thinking about our call") is none.
_NOT_TOPICS = frozenset({"call", "conversation", "chat", "discussion", "meeting", "demo", "email",
                         "e-mail", "note", "message", "talk", "it", "this", "that", "them"})


TIME_WORDS = {name.capitalize() for name in list(MONTHS) + list(WEEKDAYS)} | {
    "Today", "Yesterday", "Tomorrow", "Tonight", "Last", "Next", "This", "Earlier", "Later",
    "Spring", "Summer", "Autumn", "Fall", "Winter", "Q1", "Q2", "Q3", "Q4"}
NOT_NAMES = {name.capitalize() for name in list(MONTHS) + list(WEEKDAYS)} | {
    "I", "We", "You", "The", "Our", "Your", "My", "It", "This", "That", "Thanks", "Thank",
    "Hi", "Hello", "Dear", "Great", "Good", "Lovely", "So", "And", "But", "Also", "Since", "As",
    "He", "She", "They", "Them", "His", "Her", "Their", "Its", "Someone", "Somebody", "Everyone",
    "Nobody", "Who", "Intro", "Introduction", "Re", "Fwd", "Fw", "Congrats", "Congratulations",
    "Just", "Quick", "Per", "Following", "Today", "Yesterday", "Tomorrow", "Tonight", "Last",
    "Next", "Earlier", "When", "After", "Before", "Loved", "Nice", "Mutual", "Friend", "Colleague",
    "Huge", "Big", "Saw", "Read", "Heard", "Noticed", "Let", "Let's", "Please", "Any", "All",
    "A", "An", "Of", "Q1", "Q2", "Q3", "Q4", "CEO", "CFO", "CTO", "COO", "CMO", "CRO", "VP",
    "At", "On", "In", "For", "From", "By", "With", "To", "Via", "Through", "Grateful", "Mr", "Mrs",
    "Ms", "Dr", "Mr.", "Mrs.", "Ms.", "Dr.", "Prof", "Prof.",
}


def read_event(text: str, cues: LazyPattern = EVENT_CUE) -> str | None:
    """The first event named after one of ``cues`` ("at SaaStr Annual"), else None."""
    for cue in cues.finditer(text):
        run = EVENT_RUN.match(text, cue.end())
        if not run:
            continue
        if _NOT_EVENT_AFTER.match(text[run.end():]):
            continue
        name = clean_name(run.group(0))
        if not name or ROUND.fullmatch(name):
            continue
        words = name.split()
        if words[0][0].isdigit() and len(words) == 1:
            continue  # "at 10am", "at 2026"
        return name
    return None


def first_kind(kinds: list[tuple[str, LazyPattern]], text: str) -> str | None:
    """The kind whose words come first in ``text`` (ties go to the earlier kind)."""
    best: tuple[int, int, str] | None = None
    for order, (kind, pattern) in enumerate(kinds):
        match = pattern.search(text)
        if match and (best is None or (match.start(), order) < best[:2]):
            best = (match.start(), order, kind)
    return best[2] if best else None


def read_topic(text: str) -> str | None:
    """What a conversation or an email was about: "driver recruiting" (from "about ...")."""
    match = _TOPIC.search(text)
    if not match:
        return None
    words: list[str] = []
    for word in match.group("topic").split():
        if word.lower() in _TOPIC_STOP or word.capitalize() in TIME_WORDS:
            break
        words.append(word)
    if not words or words[0].lower() in _NOT_TOPICS:
        return None
    return " ".join(words).strip("'’-/") or None


def clean_name(name: str) -> str | None:
    """A run of capitalised words, cut at the first month or weekday and trimmed of trailing
    connectors, sentence words and possessives."""
    words = name.split()
    for index, word in enumerate(words):
        if index and word.strip(".,;:'’").capitalize() in TIME_WORDS:
            words = words[:index]
            break
    connectors = {"of", "and", "the", "for", "on", "&", "de", "du", "in", "from", "to", "a",
                  "an", "with", "at", "by", "your", "our", "my", "x", "vs", "vs.", "or"}
    while words and (words[-1].lower() in connectors or words[-1].strip(".,;:") in NOT_NAMES):
        words.pop()
    while words and strip_possessive(words[0].strip("'’")) in NOT_NAMES:
        words.pop(0)
    if not words:
        return None
    words[-1] = strip_possessive(words[-1].rstrip(".,;:"))
    result = " ".join(words).strip(".,;:-–—")
    return result if len(result) > 1 else None


def strip_possessive(word: str) -> str:
    """"Acme's" -> "Acme"."""
    for suffix in ("'s", "’s", "'", "’"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)]
    return word


def shouted(sentence: str) -> bool:
    """Whether the sentence is written in capitals."""
    letters = [c for c in sentence if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def title_case(value: str) -> str:
    """"DREAMFORCE 2026" -> "Dreamforce 2026"."""
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in value.split())
