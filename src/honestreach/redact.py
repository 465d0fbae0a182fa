"""``--redact``: email addresses and people's names replaced in every output format.

Addresses are found by their grammar rather than by a loose pattern: an ``@`` (or ``%40``,
``&#64;``, ``&#x40;``, ``&commat;``, ``(at)``, ``[at]``) with a local part before it (a dot-atom
such as ``ingrid#vip`` or ``pieter/vandyke``, or a quoted string such as ``"maria delacruz"``)
and a domain after it (dotted, dotless such as ``localhost``, or an IP literal such as
``[192.0.2.7]``). The search starts from each ``@`` and looks a bounded way either side, so it
takes linear time whatever the text.

Names come from what the run knows to be people: the CRM's contacts, their owners and referrers,
the display names in the message's address headers, the name a greeting uses and the name that
signs the message off (a line of capitalised words after "Best," or "Thanks,", or alone at the
end after a blank line). They match
whatever their case and accents:

* a known name of several words (a full name, "de la Cruz", "Van Dyke") in any case;
* two or more known name words in a row ("jordan quayle", "QUAYLE JORDAN");
* one known name word written with a capital ("Ingrid", "INGRID", "Ms. Cruz"), or in lower case
  after a greeting or a title ("hi jordan", "mr. dyke") or with an accented letter ("maría");
* any of these in the possessive ("Van Dyke's", "Ingrid's").

Particles (de, la, van, ...) count only inside a name of several words, so "de" alone stays.
A name word in lower case on its own ("will", "grant") stays too: it is far more often a word.

Redaction happens on finished results, before any reporter sees them, so no format can leak
what another hides: the path, the recipient, the subject, the source text, every finding's
message, text and suggestion, the scores' reasons, errors, notes and gate failures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from email.utils import getaddresses

from .crm import CRM
from .model import FileResult, Finding, SourceText

EMAIL_MASK = "<email>"
NAME_MASK = "<name>"

# -- addresses -----------------------------------------------------------------------------------
# The "@" and the ways it is written to hide it from harvesters (and, here, from a redactor).
_AT = re.compile(r"@|%40|&#0*64;|&#[xX]0*40;|&commat;"
                 r"|(?P<word>[ \t]?[(\[][ \t]?at[ \t]?[)\]][ \t]?)", re.IGNORECASE)
# The characters a local part ends with (read backwards from the "@"): RFC 5322 atext (letters,
# digits and !#$%&'*+-/=?^_`{|}~) and the dot between atoms.
_LOCAL_REVERSED = re.compile(r"[\w!#$%&'*+/=?^`{|}~.-]*")
_DOMAIN = re.compile(r"\[[^\]\s]{1,64}\]|[\w-]+(?:\.[\w-]+)*")
_IP_LITERAL = re.compile(r"(?:@|%40|&#0*64;|&#[xX]0*40;|&commat;)\[(?:IPv6:)?([^\]\s]{3,64})\]",
                         re.IGNORECASE)
# RFC 5321 allows 64 octets; an address written out of spec is still an address.
_MAX_LOCAL = 256


def redact_addresses(text: str) -> str:
    """``text`` with every email address replaced by ``<email>``."""
    if not _AT.search(text):
        return text
    pieces: list[str] = []
    done = 0  # where the text not yet copied starts
    for at in _AT.finditer(text):
        if at.start() < done:
            continue
        start = _local_start(text, at.start(), done)
        if start is None:
            continue
        domain = _DOMAIN.match(text, at.end())
        if domain is None or (at.group("word") and "." not in domain.group()
                              and not domain.group().startswith("[")):
            continue
        pieces.append(text[done:start])
        pieces.append(EMAIL_MASK)
        done = domain.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _local_start(text: str, at: int, floor: int) -> int | None:
    """Where the local part before the "@" at ``at`` starts; None when there is none."""
    if at > floor and text[at - 1] == '"':  # a quoted local part: "maria delacruz"@...
        opening = text.rfind('"', max(floor, at - 1 - _MAX_LOCAL), at - 1)
        if opening >= 0 and "\n" not in text[opening:at]:
            return opening
        return None
    window = text[max(floor, at - _MAX_LOCAL):at][::-1]
    local = _LOCAL_REVERSED.match(window)  # it matches the empty string too: never None
    start = at - (local.end() if local else 0)
    # An address does not start with a dot, and a quote before it is the sentence's.
    while start < at and text[start] in ".'":
        start += 1
    return start if start < at else None


# -- names ---------------------------------------------------------------------------------------
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_PARTICLES = frozenset({
    "al", "am", "ap", "af", "av", "bin", "bint", "ibn", "da", "dal", "das", "de", "dei", "del",
    "della", "der", "des", "di", "do", "dos", "du", "el", "im", "la", "le", "lo", "mac", "mc",
    "op", "san", "st", "ten", "ter", "van", "vande", "vander", "von", "y", "zu",
})
# Words after which a lower-case name word is a name: greetings and titles.
_CUES = frozenset({
    "hi", "hello", "hey", "dear", "hallo", "bonjour", "hola", "ciao", "greetings", "thanks",
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "senor", "senora", "sr", "sra",
    "herr", "frau", "mme", "mlle",
})
_GAP = re.compile(r"[ \t\u00a0-]{1,3}|\n")  # between the words of one name
_CUE_GAP = re.compile(r"\.?[ \t\u00a0]{1,3}|\.?\n|,[ \t]?")
# (A title after the greeting is not the name: "Hi Mr. Dyke".)
_GREETING_NAME = re.compile(r"^\s*(?:hi|hello|hey|dear|hallo|bonjour|hola)\s+"
                            r"(?:(?:mr|mrs|ms|miss|mx|dr|prof)\.?\s+)?(\w[\w'’-]*)",
                            re.IGNORECASE | re.MULTILINE)
# Or the message's last line, after a blank line, with one to three capitalised words.
_LAST_LINE_NAME = re.compile(r"\n[ \t]*\r?\n[ \t]*((?:[^\W\d_][\w'’-]*[ \t]?){1,3})\s*\Z")
# Last lines that are not names.
_NOT_SIGNATURES = frozenset({"thanks", "thank you", "cheers", "best", "regards", "unsubscribe",
                             "thx", "ty", "sent from my iphone", "p s", "ps"})
# What follows a greeting without being a name.
_NOT_NAMES = frozenset({"there", "all", "team", "everyone", "everybody", "folks", "friend",
                        "friends", "again", "both", "you", "guys", "colleagues", "sir",
                        "madam"})
_HEADER = re.compile(r"^(?:to|from|cc|bcc|reply-to)\s*:(.*)$", re.IGNORECASE | re.MULTILINE)
# A sign-off: a closing on its own line, then a line of one to three capitalised words.
_SIGNATURE_NAME = re.compile(
    r"^[ \t]*(?:best|best regards|(?:kind |warm |warmest )?regards|thanks|thank you|many thanks|"
    r"cheers|sincerely|yours(?: sincerely| truly)?|all the best|talk soon|take care)[ \t]*[,.!]?"
    r"[ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*((?:[^\W\d_][\w'’-]*[ \t]?){1,3})[ \t]*$",
    re.IGNORECASE | re.MULTILINE)


def _key(word: str) -> str:
    """A word as names are compared: no accents, case folded, one kind of apostrophe."""
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class NameIndex:
    """Known names as words: names of several words, and the words that are names alone."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.phrases: set[tuple[str, ...]] = set()
        self.words: set[str] = set()
        self.longest = 1
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        if "@" in name:
            return  # an address (an owner given as one): not a name
        words = tuple(_key(w) for w in _WORD.findall(name) if not w.isdigit())
        if len(words) == 1:
            if len(words[0]) > 1:
                self.words.add(words[0])
            return
        if not words:
            return
        self.phrases.add(words)
        self.longest = max(self.longest, len(words))
        self.words.update(w for w in words if len(w) > 1 and w not in _PARTICLES)


class _Names:
    """The names of one result: the run's index and the message's own."""

    def __init__(self, *indexes: NameIndex) -> None:
        self.indexes = [index for index in indexes if index.words or index.phrases]
        self.longest = max((index.longest for index in self.indexes), default=1)

    def __bool__(self) -> bool:
        return bool(self.indexes)

    def is_word(self, key: str) -> bool:
        return any(key in index.words for index in self.indexes)

    def is_phrase(self, keys: tuple[str, ...]) -> bool:
        return any(keys in index.phrases for index in self.indexes)

    def _possessive(self, key: str) -> str:
        """A possessive ("Dyke's") as its name, when the name is known."""
        if key.endswith("'s") and not self.is_word(key) and self.is_word(key[:-2]):
            return key[:-2]
        return key

    def redact(self, text: str) -> str:
        words = list(_WORD.finditer(text))
        keys = [self._possessive(_key(w.group())) for w in words]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            length = self._phrase_at(text, words, keys, i)
            if length:
                spans.append((words[i].start(), words[i + length - 1].end()))
                i += length
                continue
            end = i
            while end < len(words) and self.is_word(keys[end]) and (
                    end == i or _joined(text, words[end - 1], words[end])):
                end += 1
            if end - i >= 2:
                spans.extend((w.start(), w.end()) for w in words[i:end])
                i = end
                continue
            if self.is_word(keys[i]) and (
                    any(c.isupper() for c in words[i].group())
                    # Accented letters: "maría", "zoë" are not English words.
                    or not words[i].group().isascii()
                    or i and keys[i - 1] in _CUES and _CUE_GAP.fullmatch(
                        text, words[i - 1].end(), words[i].start())):
                spans.append((words[i].start(), words[i].end()))
            i += 1
        if not spans:
            return text
        pieces, done = [], 0
        for start, end in spans:
            pieces += [text[done:start], NAME_MASK]
            done = end
        pieces.append(text[done:])
        return "".join(pieces)

    def _phrase_at(self, text: str, words: list[re.Match[str]], keys: list[str],
                   i: int) -> int:
        """The length of the longest known name of several words starting at word ``i``."""
        for length in range(min(self.longest, len(words) - i), 1, -1):
            if self.is_phrase(tuple(keys[i:i + length])) and all(
                    _joined(text, words[k - 1], words[k]) for k in range(i + 1, i + length)):
                return length
        return 0


def _joined(text: str, before: re.Match[str], after: re.Match[str]) -> bool:
    """Whether two words are written as parts of one name (a space or a hyphen between)."""
    return _GAP.fullmatch(text, before.end(), after.start()) is not None


def names_in_message(text: str) -> NameIndex:
    """The names a message gives: its address headers' display names, its greeting's and its
    sign-off's."""
    index = NameIndex()
    head = text[:20000]
    for header in _HEADER.finditer(head):
        for display, _ in getaddresses([header.group(1)]):
            if display.strip():
                index.add(display)
    for greeting in _GREETING_NAME.finditer(head):
        name = greeting.group(1)
        if name[0].isupper() and _key(name) not in _NOT_NAMES:
            index.add(name)
    tail = text[-20000:]
    last = _LAST_LINE_NAME.search(tail)
    for signature in [*_SIGNATURE_NAME.finditer(tail), *([last] if last else [])]:
        name = signature.group(1).strip()
        if all(word[0].isupper() for word in name.split()) and \
                " ".join(map(_key, _WORD.findall(name))) not in _NOT_SIGNATURES:
            index.add(name)
    return index


def crm_names(crm: CRM) -> NameIndex:
    """Every person the CRM names: contacts (full names too), owners and referrers."""
    index = NameIndex()
    for contact in crm.contacts:
        parts = [n for n in (contact.first_name, contact.last_name) if n]
        for name in parts:
            index.add(name)
        if len(parts) == 2:
            index.add(" ".join(parts))
        if contact.owner:
            index.add(contact.owner)
    for activity in crm.activities:
        if activity.owner:
            index.add(activity.owner)
        if activity.type == "referral" and activity.detail:
            index.add(activity.detail)
    return index


class Redactor:
    """Replaces addresses and known names in every text of a result."""

    def __init__(self, crm: CRM | None = None) -> None:
        self._crm_names = crm_names(crm) if crm is not None else NameIndex()

    def text(self, text: str, names: _Names | None = None) -> str:
        """``text`` with addresses and the run's known names (and ``names``) masked."""
        names = names if names is not None else _Names(self._crm_names)
        text = redact_addresses(text)
        return names.redact(text) if names else text

    def cleaner(self, source: str = "") -> Callable[[str], str]:
        """What masks every text of one message: the run's known names, the names ``source``
        (the message's text) gives, and the hosts of its IP-literal addresses."""
        names = _Names(self._crm_names, names_in_message(source))
        # The host of an address written with an IP literal, wherever the result repeats it
        # on its own (the scores' reasons list numbers the message gives).
        hosts = sorted(set(_IP_LITERAL.findall(source)), key=len, reverse=True)

        def cleaned(text: str) -> str:
            text = self.text(text, names)
            for host in hosts:
                text = text.replace(host, EMAIL_MASK)
            return text

        return cleaned

    def result(self, result: FileResult) -> FileResult:
        """The result with every address and known name masked."""
        cleaned = self.cleaner(result.source.text if result.source else "")

        def clean(text: str | None) -> str | None:
            return None if text is None else cleaned(text)

        scores = result.scores
        if scores is not None:
            scores = replace(scores,
                             respect_reasons=tuple(map(cleaned, scores.respect_reasons)),
                             relevance_reasons=tuple(map(cleaned, scores.relevance_reasons)))
        return replace(
            result,
            path=cleaned(result.path),
            scores=scores,
            findings=tuple(_finding(f, cleaned) for f in result.findings),
            recipient=clean(result.recipient),
            subject=clean(result.subject),
            source=SourceText(cleaned(result.source.text)) if result.source else None,
            errors=tuple(replace(e, message=cleaned(e.message)) for e in result.errors),
            notes=tuple(replace(n, message=cleaned(n.message)) for n in result.notes),
            gate_failures=tuple(map(cleaned, result.gate_failures)),
        )


def _finding(finding: Finding, clean: Callable[[str], str]) -> Finding:
    return replace(finding, message=clean(finding.message), text=clean(finding.text),
                   suggestion=clean(finding.suggestion))
