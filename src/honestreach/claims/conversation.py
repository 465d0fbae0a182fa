"""``claim.conversation``: a call, meeting, exchange or promise ("as we discussed").

Specifics: ``kind``, the medium the sentence names as a CRM activity type (``call``,
``meeting``, ``demo``, ``email_received`` for "your email", ``email_sent`` for "my last
email"); ``topic``, what it was about ("driver recruiting", from "about ..."); ``event``, where
it was said, when named ("as I mentioned at SaaStr"). Supported by a ``call``, ``meeting``,
``demo`` or ``email_received`` in the time the sentence states.
"""

from __future__ import annotations

from ..crm import CRM
from ..model import Claim, Message, TimeWindow
from .consent import states_consent
from .kind import ClaimKind, Outcome, Recipient
from .reading import (
    IGNORECASE,
    PLACE_CUE,
    Found,
    LazyPattern,
    first_kind,
    read_event,
    read_topic,
)
from .records import activity_claim

ACTIVITY_TYPES = ("call", "meeting", "demo", "email_received")

_CONVERSATION_KINDS = [
    ("email_sent", (r"\b(?:my|our)[ \t]+(?:last|previous|earlier|recent)?[ \t]*(?:e-?mail|note|"
                   r"message)s?\b|\bI[ \t]+(?:e-?mailed|sent|wrote)\b")),
    ("email_received", (r"\b(?:your|you[ \t]+(?:e-?mailed|wrote|replied|sent))[ \t]*"
                       r"(?:last|previous|earlier|recent|quick)?[ \t]*(?:e-?mail|note|message|"
                       r"reply|response|inquiry|enquiry)?\b(?<=\b(?:e-?mail|note|message|reply|"
                       r"response|inquiry|enquiry|e-?mailed|wrote|replied|sent))")),
    ("demo", r"\b(?:demo|demonstration|product[ \t]+tour|trial[ \t]+kick-?off)\b"),
    ("call", (r"\b(?:call|phone|zoom|teams[ \t]+call|video[ \t]+call|dialled|dialed|rang|"
             r"voicemail)\b")),
    ("meeting", (r"\b(?:meeting|met|meet|onboarding|kick-?off|workshop|coffee|lunch|dinner|"
                r"breakfast|drinks|booth|in[ \t]+person|office[ \t]+visit|visit|"
                r"session|offsite|site[ \t]+visit)\b")),
]
_CONVERSATION_KINDS_RE = [(kind, LazyPattern(pattern, IGNORECASE))
                          for kind, pattern in _CONVERSATION_KINDS]
# Elsewhere in the sentence a medium counts only where it names an occasion: "on the call",
# "during Thursday's demo", "in the June demo", "your email" (not "a short walkthrough").
_OCCASION = LazyPattern(
    r"(?i)\b(?:the|our|your|my|that|this|yesterday['’]s|today['’]s|last[ \t]+week['’]s|"
    r"\w+day['’]s|during|on|in|at|from|after|over|by)[ \t]+(?:[\w-]+[ \t]+)?"
    r"(?=(?:call|phone|zoom|demo|meeting|onboarding|kick-?off|workshop|coffee|lunch|dinner|"
    r"booth|e-?mail|note|message|visit)\b)")
# "the deck we reviewed", "the reference call we talked about": the noun is what was discussed,
# not how.
_DISCUSSED_OBJECT = LazyPattern(r"(?i)^(?:the|that|those|this|these)\b.*\b(?:we|you)\b")


def read(sentence: str, start: int, end: int) -> Found:
    """The medium as an activity type, the topic and the place it was said."""
    found: Found = []
    matched = sentence[start:end]
    kind = None if _DISCUSSED_OBJECT.match(matched) else \
        first_kind(_CONVERSATION_KINDS_RE, matched)
    if kind is None:
        kind = _occasion_kind(sentence[:start] + " " * (end - start) + sentence[end:]
                              if _DISCUSSED_OBJECT.match(matched) else sentence)
    if kind:
        found.append(("kind", kind))
    topic = read_topic(sentence[start:]) or read_topic(sentence)
    if topic:
        found.append(("topic", topic))
    event = read_event(sentence[start:], cues=PLACE_CUE)
    if event:
        found.append(("event", event))
    return found


def _occasion_kind(sentence: str) -> str | None:
    for occasion in _OCCASION.finditer(sentence):
        kind = first_kind(_CONVERSATION_KINDS_RE, sentence[occasion.end():occasion.end() + 20])
        if kind:
            return kind
    return None


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """Any conversation with the recipient in the claim's time."""
    email = recipient.email or ""
    return activity_claim(crm.activities_for(email, ACTIVITY_TYPES), ACTIVITY_TYPES, None, time,
                          email)


# Rules whose claim is that the reader asked for the message ("as you requested").
_REQUEST_RULES = frozenset({"conversation-request"})


def settled(message: Message, claim: Claim) -> str | None:
    """A request the reader made to receive the mail, said in a consent statement ("as you
    requested, this digest is sent to you"), is why the list writes to them, not a claim."""
    if claim.rule in _REQUEST_RULES and states_consent(message, claim):
        return "it says why the reader receives this mail (a consent statement)"
    return None


KIND = ClaimKind("claim.conversation", "an earlier conversation", read, check, ACTIVITY_TYPES,
                 fixed_keys=("kind",), settled=settled)
