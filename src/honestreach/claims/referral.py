"""``claim.referral``: "X suggested I reach out".

Specifics: ``person``, the referrer ("Tomás Herrera", "Marc-André Leblanc", "James").
Supported by a ``referral`` whose detail or subject names the person (accents aside, or
nearly), in the time the sentence states; settled when the person is the sender (the From
name), who then speaks of itself.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from rapidfuzz import fuzz

from ..crm import CRM
from ..model import Claim, Message, TimeWindow
from .kind import ClaimKind, Outcome, Recipient
from .reading import NOT_NAMES, PERSON, Found, LazyPattern, strip_possessive
from .records import describe_record, normal, strip_accents

ACTIVITY_TYPES = ("referral",)

_PERSON_RE = LazyPattern(PERSON)
_PERSON_AT_END = LazyPattern(rf"(?P<person>{PERSON})[ \t]*,?[ \t]*$")
_PERSON_AFTER_CUE = LazyPattern(
    rf"(?i:\b(?:via|by|from|through|courtesy[ \t]+of|thanks[ \t]+to|with))[ \t]+"
    rf"(?P<person>{PERSON})")
_PERSON_POSSESSIVE = LazyPattern(
    rf"(?P<person>{PERSON})['’]s?[ \t]+(?i:suggestion|recommendation|intro|introduction|"
    rf"referral|advice|nudge|idea|prompting)")
_AT_START = LazyPattern(r"^[ \t]*(?:[,:—–-][ \t]*)?")
_FIRST_WORD = LazyPattern(r"[^\s]+[ \t]*")
_APOSTROPHE = LazyPattern(r"['’]")


def read(sentence: str, start: int, end: int) -> Found:
    """The referrer's name."""
    person = _referrer(sentence, _referrer_start(sentence, start), end)
    return [("person", person)] if person else []


# Words before a company's name, not a person's: "Kevin *at* Brightside said".
_COMPANY_CUE = LazyPattern(r"(?i:\b(?:at|from|with|of|for|in|on|to))[ \t]*$")
# A match that ends where the referrer's name begins: "introduced to you by", "at the
# suggestion of", "intro via".
_NAME_FOLLOWS = LazyPattern(r"(?i:\b(?:via|by|from|through|of|courtesy[ \t]+of|thanks[ \t]+to))"
                              r"[ \t]*$")


def _referrer_start(sentence: str, start: int) -> int:
    """Where the referrer's name begins when a rule's match begins with the word before its
    verb: "Mehta told me" is said by "Rahul Mehta"; in "Kevin at Brightside said" the word is
    a company, which the match then leaves out."""
    if not sentence[start:start + 1].isupper():
        return start
    before = sentence[:start].rstrip(" \t")
    if _COMPANY_CUE.search(before):
        word = _FIRST_WORD.match(sentence[start:])
        return start + word.end() if word else start
    found = _PERSON_AT_END.search(before)
    return found.start("person") if found else start


def _referrer(sentence: str, start: int, end: int) -> str | None:
    matched = sentence[start:end]
    after = sentence[end:]
    if _NAME_FOLLOWS.search(matched):
        person = _name_at_start(after)
        if person:
            return person
    for pattern in (_PERSON_POSSESSIVE, _PERSON_AFTER_CUE):
        for found in pattern.finditer(matched):
            person = _clean_person(found.group("person"))
            if person:
                return person
    for found in reversed(list(_PERSON_RE.finditer(matched))):
        person = _clean_person(found.group(0))
        if person:
            return person
    before = sentence[:start]
    person = _person_before(before) or _name_at_start(after)
    if person:
        return person
    for found in _PERSON_AFTER_CUE.finditer(after[:60]):
        person = _clean_person(found.group("person"))
        if person:
            return person
    for found in _PERSON_POSSESSIVE.finditer(sentence):
        person = _clean_person(found.group("person"))
        if person:
            return person
    # "My friend Greg, who works with you, suggested...": the last name before the match.
    for found in reversed(list(_PERSON_RE.finditer(before))):
        if not _COMPANY_CUE.search(before[:found.start()]):
            person = _clean_person(found.group(0))
            if person:
                return person
    return None


def _name_at_start(text: str) -> str | None:
    lead = _AT_START.match(text)
    found = _PERSON_RE.match(text, lead.end() if lead else 0)
    return _clean_person(found.group(0)) if found else None


def _person_before(before: str) -> str | None:
    text = before.rstrip()
    match = _PERSON_AT_END.search(text)
    if not match:
        return None
    preceding = text[:match.start()].rstrip().lower()
    if preceding.endswith((" at", " from", " with", " of", " for", " in", " to")):
        return None  # "your colleague at Vantablue suggested": a company, not a person
    return _clean_person(match.group("person"))


def _clean_person(text: str) -> str | None:
    words = text.split()
    # "I'm", "We've": a pronoun, whatever its ending.
    while words and (_APOSTROPHE.split(words[0].strip("'’"))[0] in NOT_NAMES
                     or _is_acronym(words[0])):
        words.pop(0)
    while words and (words[-1] in NOT_NAMES or _is_acronym(words[-1])):
        words.pop()
    words = [w for w in words if not any(ch.isdigit() for ch in w)]
    if not words:
        return None
    words[-1] = strip_possessive(words[-1])
    return " ".join(words).strip(".,;:'’") or None


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return 1 < len(letters) <= 4 and all(c.isupper() for c in letters)


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """A referral naming the referrer, in the claim's time."""
    email = recipient.email or ""
    rows = crm.activities_for(email, ACTIVITY_TYPES)
    person = claim.specific("person")
    for row in rows:
        if person is None or _same_person(person, f"{row.detail or ''} {row.subject or ''}"):
            if time is None or time.contains(row.date):
                return Outcome(True, describe_record(row))
    what = f"no referral for {email}" + (f" from '{person}'" if person else "")
    closest = rows[-1] if rows else None
    record = f"a referral from '{closest.detail or closest.subject}' on {closest.date}" \
        if closest else ""
    return Outcome(False, what, record)


def _same_person(person: str, text: str) -> bool:
    person_words = [w for w in normal(person).split() if len(w) > 1]
    text_norm = strip_accents(normal(text))
    if not person_words:
        return False
    return all(strip_accents(w) in text_norm for w in person_words) or \
        fuzz.partial_ratio(strip_accents(normal(person)), text_norm) >= 90


# The capitalised word a match follows: "MJ asked us to write" (initials are no name the
# reader could check, so the reading leaves them out of ``person``).
_WORD_BEFORE = LazyPattern(r"\b[A-Z][\w'’.-]*[ \t]*$")


def settled(message: Message, claim: Claim) -> str | None:
    """A referrer who is the sender ("Dana Reyes suggested we write" from Dana Reyes) refers
    the reader to no one: the sender speaks of itself. So does one who is the sender's firm,
    named in its address ("an introduction from Lumen Consulting" from rachel@lumenconsult.com)."""
    sender = message.sender_name.text if message.sender_name is not None else ""
    text_field = message.field_text(claim.field)
    if text_field is None:
        return None
    person = claim.specific("person")
    if person is None:
        before = _WORD_BEFORE.search(text_field.text[max(0, claim.start - 40):claim.start])
        person = before.group() if before else None
    if person and sender and _names_within(person, sender):
        return "the referrer named is the sender"
    if person and message.sender and _names_domain(person, message.sender):
        return "the referrer named is the sender's firm"
    return None


def _names_domain(person: str, address: str) -> bool:
    """Whether the first word of ``person`` (four letters or more) begins a part of the
    address's domain: "Lumen Consulting" and lumenconsult.co.uk, "Verbatim" and
    verbatim-legal.fr."""
    words = strip_accents(normal(person)).split()
    domain = parseaddr(address)[1].rpartition("@")[2].lower()
    if not words or len(words[0]) < 4 or not domain:
        return False
    return any(part.startswith(words[0]) for part in re.split(r"[.-]", domain))


def _names_within(person: str, name: str) -> bool:
    """Whether every word of ``person`` is a word of ``name`` (accents and case aside)."""
    person_words = strip_accents(normal(person)).split()
    return bool(person_words) and set(person_words) <= set(strip_accents(normal(name)).split())


KIND = ClaimKind("claim.referral", "a referral", read, check, ACTIVITY_TYPES, settled=settled)
