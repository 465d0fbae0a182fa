"""Personal claims: what a matched claim names, and when it says it happened.

Claim rules (category ``claim.*``, under ``rules/claims/``) find the claim itself with spaCy
patterns; this module reads its specifics from the sentence around the match: the event
("at SaaStr Annual"), the referrer ("Priya Raman suggested"), the round ("Series B"), the
document ("the 2026 Salary Guide"), the relationship ("customer") and the time ("last week").
Identity claims (the greeting's name, a title) need no pattern and are read here too.
"""

from __future__ import annotations

import re
from datetime import date

from .model import Claim, Message
from .timeexpr import MONTHS, WEEKDAYS, find_time

_CAPITALISED = r"[A-Z0-9][\w'’&.+-]*"
_CONNECTOR = r"(?:of|&|and|the|for|on|de|du|la|le|des|am|im)"
_NAME_RUN = rf"{_CAPITALISED}(?:[ \t]+(?:{_CONNECTOR}[ \t]+)?{_CAPITALISED})*"
_EVENT_AFTER = re.compile(
    rf"\b(?:at|during|from|in|after|around)[ \t]+(?:the[ \t]+)?(?P<event>{_NAME_RUN})")
_PERSON_BEFORE = re.compile(r"(?P<person>[A-Z][\w'’.-]+(?:[ \t]+[A-Z][\w'’.-]+){0,2})[ \t]*,?$")
_PERSON_AFTER = re.compile(
    r"\b(?:by|via|from|through|with|thanks to)[ \t]+"
    r"(?P<person>[A-Z][\w'’.-]+(?:[ \t]+[A-Z][\w'’.-]+){0,2})")
_QUOTED_TITLE = re.compile(r'["“„«]([^"”“»\n]{3,120})["”“»]')
_DOCUMENT_AFTER = re.compile(
    rf"(?P<document>(?:\d{{4}}[ \t]+)?{_NAME_RUN})")
_ROUND = re.compile(
    r"\b(?P<round>series[ \t]+[a-h]\b|seed(?:[ \t]+round)?|pre-seed|ipo\b|"
    r"(?:growth|funding|investment)[ \t]+round)", re.IGNORECASE)
_COMPANY_EVENT = re.compile(
    r"\b(?P<event>acqui\w+|merg\w+|new[ \t]+(?:office|headquarters|hq|site|store|property|plant|"
    r"warehouse|location)|open\w*|launch\w*|expan\w+|rais\w+|fund\w+|ipo|listing|rebrand\w*|"
    r"partnership|award|hiring)\b", re.IGNORECASE)
_STAGE_WORDS = (("former", "former_customer"), ("ex-", "former_customer"),
                ("partner", "partner"), ("customer", "customer"), ("client", "customer"),
                ("renewal", "customer"), ("subscriber", "customer"), ("using", "customer"),
                ("member", "customer"))
_GREETING = re.compile(
    r"\A\s*(?:hi|hello|hey|dear|hallo|hola|bonjour|ciao|good (?:morning|afternoon|evening))"
    r"[ \t]+(?P<name>[A-Z][\w'’-]+)(?=[ \t]*[,!:.\n])", re.IGNORECASE)
_TITLE = re.compile(
    r"\b(?:as|in your role as|being)[ \t]+(?:(?:the|a|an)[ \t]+)?"
    r"(?:(?P<company>[A-Z][\w&.-]*(?:[ \t]+[A-Z][\w&.-]*)?)['’]s[ \t]+)?"
    r"(?P<title>(?:head|vp|vice president|director|chief|manager|lead|cfo|ceo|cto|cmo|coo|cro|"
    r"founder|co-founder|president|owner|partner|principal|svp|evp|avp)"
    r"(?:[ \t]+(?:of|for)[ \t]+[a-z][\w&-]*(?:[ \t]+[a-z][\w&-]*)?)?)\b")
_NOT_NAMES = {name.capitalize() for name in list(MONTHS) + list(WEEKDAYS)} | {
    "I", "We", "You", "The", "Our", "Your", "My", "It", "This", "That", "Thanks", "Thank",
    "Hi", "Hello", "Dear", "Great", "Good", "Lovely", "So", "And", "But", "Also", "Since", "As",
}


def claim_specifics(category: str, sentence: str, start: int, end: int) -> tuple[tuple[str, str],
                                                                                  ...]:
    """Specifics named by a claim whose match is sentence[start:end]."""
    before, after = sentence[:start], sentence[end:]
    found: list[tuple[str, str]] = []
    if category in ("claim.meeting", "claim.content", "claim.conversation"):
        event = _event(after) or _event(sentence[end - min(end, 80):end]) or _event(before)
        if event:
            found.append(("event", event))
    if category == "claim.referral":
        person = _person_before(before) or _person_after(after) or _person_after(sentence)
        if person:
            found.append(("person", person))
    if category == "claim.content":
        title = _QUOTED_TITLE.search(sentence)
        document = title.group(1).strip() if title else _document(after)
        if document:
            found.append(("document", document))
    if category == "claim.company_event":
        round_match = _ROUND.search(sentence)
        if round_match:
            found.append(("round", " ".join(round_match.group("round").split()).title()))
        event = _COMPANY_EVENT.search(sentence)
        if event:
            found.append(("event", event.group("event").lower()))
    if category == "claim.relationship":
        text = sentence[start:end].lower()
        stage = next((s for word, s in _STAGE_WORDS if word in text), "customer")
        found.append(("stage", stage))
    return tuple(found)


def _event(text: str) -> str | None:
    for match in _EVENT_AFTER.finditer(text):
        event = _trim(match.group("event"))
        if event and event.split()[0] not in _NOT_NAMES and not event.isdigit():
            return event
    return None


def _trim(name: str) -> str:
    words = name.split()
    while words and (words[-1].lower() in {"of", "and", "the", "for", "on", "&", "de", "du"}
                     or words[-1].capitalize() in _NOT_NAMES):
        words.pop()
    return " ".join(words).strip(".,;:")


def _person_before(text: str) -> str | None:
    match = _PERSON_BEFORE.search(text.rstrip())
    if not match:
        return None
    words = [w for w in match.group("person").split() if w not in _NOT_NAMES]
    return " ".join(words) or None


def _person_after(text: str) -> str | None:
    match = _PERSON_AFTER.search(text)
    if not match:
        return None
    words = [w for w in match.group("person").split() if w not in _NOT_NAMES]
    return " ".join(words) or None


def _document(text: str) -> str | None:
    match = re.search(r"\b(?:the|our|my|your|a)?[ \t]*(?P<rest>.*)", text)
    rest = match.group("rest") if match else text
    found = _DOCUMENT_AFTER.match(rest.lstrip())
    if not found:
        return None
    document = _trim(found.group("document"))
    return document if len(document) > 2 else None


def identity_claims(message: Message, today: date) -> list[Claim]:
    """The greeting's name and any title the message gives the recipient."""
    claims: list[Claim] = []
    body = message.body.text
    limit = message.signature_start if message.signature_start is not None else len(body)
    greeting = _GREETING.match(body[:limit])
    if greeting and greeting.group("name") not in _NOT_NAMES:
        name = greeting.group("name")
        claims.append(Claim("claim.identity", "identity-greeting-name", "body",
                            greeting.start("name"), greeting.end("name"), name,
                            greeting.group(0).strip(), (("name", name),)))
    for match in _TITLE.finditer(body[:limit]):
        specifics = [("title", match.group("title"))]
        if match.group("company"):
            specifics.append(("company", match.group("company")))
        claims.append(Claim("claim.identity", "identity-title", "body", match.start(),
                            match.end(), match.group(0), match.group(0), tuple(specifics)))
    return claims


def claim_time(sentence: str, today: date) -> object:
    """The time the claim's sentence states, resolved against the message's date."""
    return find_time(sentence, today)
