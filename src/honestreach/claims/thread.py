"""``claim.thread``: a "Re:"/"Fwd:" subject, "replying to your email", "as per my last email".

Specifics: ``kind``, ``reply`` (to the reader's email), ``forward`` or ``sent`` (the sender's
own earlier email: "as per my last email", "bumping this"); ``topic``, the subject after
"Re:"/"Fwd:", or "about ..." in the body. Supported by an ``email_received`` or ``email_sent``
about the subject; every such claim also by the message itself, with or without a CRM, when
it continues a real thread (In-Reply-To/References headers, or a quoted earlier message:
``message.in_real_thread``).
"""

from __future__ import annotations

import re

from ..crm import CRM
from ..message import in_real_thread
from ..model import Claim, Message, TimeWindow
from .kind import ClaimKind, Outcome, Recipient
from .reading import Found, read_topic
from .records import activity_claim, describe_closest, matches

ACTIVITY_TYPES = ("email_received", "email_sent")
# The records a claim in the body needs: "as per my last email" claims the sender wrote
# before; "thanks for your email", that the reader did; a forward, that some earlier email
# exists.
BODY_TYPES = {"reply": ("email_received",), "sent": ("email_sent",),
              "forward": ("email_received", "email_sent")}
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr)\s*:\s*)+", re.IGNORECASE)

_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw|vs|ref|réf|rif|odp|fwd?|fw|wg|tr|rv|enc|vb)\s*"
                     r"(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE)

# A forward: "Fwd:", "forwarding this", "see the thread below", "looping you in".
_FORWARD = re.compile(
    r"(?i)\b(?:fwd?|fw|wg|tr|rv|enc|vb)\s*(?:\[\d+\])?\s*:|forward|passing\s+(?:this|along|on)\b|"
    r"sending\s+(?:along|on)\b|\b(?:thread|chain|trail|message|e-?mail|note)\s+below|"
    r"\bloop(?:ing|ed)\s+you|\bcc['’]?ing\b|\b(?:copying|adding)\s+you")
# The sender's own earlier email: "as per my last email", "bumping this", "resending".
_SENT = re.compile(
    r"(?i)\b(?:my|our)\s+(?:\w+\s+){0,2}(?:e-?mails?|mail|messages?|notes?|msg|voicemail|letter|"
    r"outreach|ping|inmail)\b|\b(?:bump(?:ing|ed)?|re-?send(?:ing)?|resent|re-?shar(?:e|ing)|"
    r"re-?upping|upping|floating|resurfacing|re-?attaching)\b|top\s+of\s+your\s+inbox|"
    r"\b(?:circling|following|checking)\s+(?:back|up|in)\s+(?:on|re|about)\s+(?:this|my)\b")


def read(sentence: str, start: int, end: int) -> Found:
    """Whose earlier email the claim names, and its topic."""
    matched = sentence[start:end]
    kind = "forward" if _FORWARD.search(matched) else "sent" if _SENT.search(matched) \
        else "reply"
    found: Found = [("kind", kind)]
    if matched.rstrip().endswith(":") or _PREFIX.match(matched):
        topic = _PREFIX.sub("", sentence[start:]).strip(" \t-—–:")
    else:
        topic = read_topic(sentence[start:]) or ""
    if topic:
        found.append(("topic", topic))
    return found


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """A subject's claim: an earlier email about the subject. A claim in the body: an email
    of the kind it names, in its time."""
    email = recipient.email or ""
    if claim.field == "subject":
        rows = crm.activities_for(email, ACTIVITY_TYPES)
        topic = _SUBJECT_PREFIX.sub("", claim.sentence)
        if any(matches(topic, row) for row in rows) or (rows and not topic.strip()):
            return Outcome(True, "an earlier email with this subject")
        if rows:
            return Outcome(False, f"no earlier email with {email} about '{topic.strip()}'",
                           describe_closest(rows[-1], None))
        return Outcome(False, f"no email_received or email_sent for {email}")
    types = BODY_TYPES.get(claim.specific("kind") or "reply", ("email_received",))
    return activity_claim(crm.activities_for(email, types), types, None, time, email)


def settled(message: Message, claim: Claim) -> str | None:
    """A message in a real thread is not pretending to be one, whatever the CRM holds: its
    "Re:" subject, its "thanks for your reply" and its "as I said in my last email" point at
    the thread it continues."""
    if in_real_thread(message):
        return "the message is a reply in a real thread"
    return None


KIND = ClaimKind("claim.thread", "an earlier email thread", read, check, ACTIVITY_TYPES,
                 fixed_keys=("kind",), settled=settled)
