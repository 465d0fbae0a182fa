"""``claim.meeting``: met or saw the recipient ("great meeting you at SaaStr Annual").

Specifics: ``event``, where they met ("SaaStr Annual", "HITEC", "Dreamforce 2026").
Supported by a ``meeting``, ``event_attended`` or ``demo`` whose subject or detail names the
event, in the time the sentence states.
"""

from __future__ import annotations

from ..crm import CRM
from ..model import Claim, Message, TimeWindow
from .kind import ClaimKind, Outcome, Recipient
from .reading import Found, read_event
from .records import activity_claim

ACTIVITY_TYPES = ("meeting", "event_attended", "demo")


def read(sentence: str, start: int, end: int) -> Found:
    """The event named from the match on ("at SaaStr" inside or after it), else before it."""
    event = read_event(sentence[start:]) or read_event(sentence[:start])
    return [("event", event)] if event else []


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """A meeting, an event attended or a demo naming the event, in the claim's time."""
    email = recipient.email or ""
    return activity_claim(crm.activities_for(email, ACTIVITY_TYPES), ACTIVITY_TYPES,
                          claim.specific("event"), time, email)


KIND = ClaimKind("claim.meeting", "a meeting", read, check, ACTIVITY_TYPES)
