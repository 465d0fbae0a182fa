"""Consent statements: why the reader gets this mail ("you are receiving this because you
subscribed", "as you requested, this digest is sent to you").

A consent statement discloses what the list holds (some laws ask for it); it is not a personal
claim made to win the reader over. Claim kinds whose wording a consent statement shares (a
signup thanked for, a request answered) take it as settled.
"""

from __future__ import annotations

from ..model import Claim, Message
from .reading import LazyPattern

# "you are receiving this because ...", "that is why this update reached you", "this digest
# was forwarded to you", "you asked to receive these alerts".
_CONSENT_STATEMENT = LazyPattern(
    r"(?i)\b(?:you(?:['’]re|\s+are)?\s+(?:now\s+)?(?:receiv(?:e|es|ed|ing)|getting)"
    r"\s+(?:this|these|our|the\s+\w+\s+(?:e-?mail|newsletter|update|digest|alert|bulletin)s?)|"
    r"(?:this|these)\s+(?:\w+\s+)?(?:e-?mails?|messages?|newsletters?|updates?|digests?|"
    r"alerts?|notes?|notices?|mailings?|bulletins?)\s+(?:(?:was|were|is|are|has\s+been|"
    r"have\s+been)\s+)?(?:sent|mailed|delivered|forwarded|coming)\s+to\s+you|"
    r"you\s+(?:have\s+|had\s+)?(?:asked|requested|signed\s+up|opted\s+in|chose|subscribed)\s+"
    r"to\s+(?:receive|get|be\s+sent)\s+(?:(?:this|these|our|the|such)\s+)?(?:\w+\s+)?"
    r"(?:e-?mails?|messages?|newsletters?|news|updates?|digests?|alerts?|notes?|notices?|"
    r"mailings?|bulletins?|offers?|them|it)\b|"
    r"why\s+(?:you(?:['’]re|\s+are)\s+(?:receiving|getting)|"
    r"this\s+(?:\w+\s+)?(?:reached|reaches|came\s+to)\s+you))")
_SENTENCE_BREAK = LazyPattern(r"[.!?](?:\s|$)")
_NEXT_SENTENCES = 400  # how far after the claim a consent statement is looked for


def states_consent(message: Message, claim: Claim) -> bool:
    """Whether the body claim's sentence or the next, in its paragraph, says why the reader
    receives this mail: "When you registered, the box was ticked. That is why you are
    receiving this." """
    if claim.field != "body":
        return False
    text = message.body.text
    paragraph = text.rfind("\n\n", 0, claim.start) + 1
    begin = max([m.end() for m in _SENTENCE_BREAK.finditer(text, paragraph, claim.start)]
                or [paragraph])
    breaks = list(_SENTENCE_BREAK.finditer(text, claim.end, claim.end + _NEXT_SENTENCES))
    end = breaks[1].end() if len(breaks) > 1 else claim.end + _NEXT_SENTENCES
    paragraph_end = text.find("\n\n", claim.end, end)  # both in one paragraph
    end = paragraph_end if paragraph_end >= 0 else end
    return bool(_CONSENT_STATEMENT.search(text, begin, end))
