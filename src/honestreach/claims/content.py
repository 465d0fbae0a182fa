"""``claim.content``: "thanks for downloading / attending / signing up for X".

Specifics: ``kind``, ``download``, ``webinar``, ``event``, ``registration`` or ``signup``;
``document``, the title ("2026 B2C Content Benchmark Report", "Closing the Books in Three
Days"; a quoted title wins); ``event``, for events attended or registered for, the same title
("Supply Chain Ops Forum Toronto 2026"). Supported by an activity of the types ``TYPES`` gives
for the kind (``content_download``, ``webinar_attended``, ``event_attended``,
``event_registered``, ``form_submit``) naming the title, in the time the sentence states.
"""

from __future__ import annotations

import re

from ..crm import CRM
from ..model import Claim, Message, TimeWindow
from .consent import states_consent
from .kind import ClaimKind, Outcome, Recipient
from .reading import (
    EVENT_RUN,
    IGNORECASE,
    NOT_NAMES,
    TITLE_RUN,
    Found,
    LazyPattern,
    clean_name,
    first_kind,
)
from .records import activity_claim

TYPES = {
    "download": ("content_download",),
    "webinar": ("webinar_attended", "event_attended", "event_registered"),
    "event": ("event_attended", "event_registered", "webinar_attended"),
    "registration": ("event_registered", "webinar_attended", "event_attended", "form_submit"),
    "signup": ("form_submit", "event_registered", "content_download"),
}
ACTIVITY_TYPES = ("content_download", "webinar_attended", "event_attended",
                  "event_registered", "form_submit")

_QUOTED_TITLE = re.compile(r'["“„«]([^"”“»\n]{3,120})["”“»]')

_CONTENT_KINDS = [
    ("registration", (r"regist|wait[ \t-]?list|waiting[ \t]+list|rsvp|sav(?:e|ed|ing)[ \t]+"
                     r"(?:a|your)[ \t]+(?:seat|spot|place)|reserv|booked[ \t]+(?:a|your)[ \t]+"
                     r"(?:seat|spot|place|ticket)|ticket")),
    ("download", (r"download|grab|picked[ \t]+up|picking[ \t]+up|copy[ \t]+of|"
                  r"check(?:ing|ed)[ \t]+out|(?:guide|report|playbook|e-?book|whitepaper|checklist|"
                  r"template|toolkit|benchmark|study|teardown|survey|index)s?[ \t]+(?:that[ \t]+)?"
                  r"you[ \t]+(?:\w+[ \t]+)?requested|requested[ \t]+(?:a|the|our)[ \t]+"
                  r"(?:copy|guide|report|e-?book)|request(?:ing)?[ \t]+(?:a|the|our)[ \t]+"
                  r"(?:copy|guide|report|e-?book)|accessed|accessing|\bread(?:ing)?\b|"
                  # the material itself: "hope the workbook was useful"
                  r"\b(?:guide|report|playbook|e-?book|whitepaper|white[ \t]+paper|checklist|"
                  r"template|toolkit|kit|benchmark|study|teardown|index|calculator|workbook|"
                  r"worksheet|cheat[ \t-]?sheet|handbook|brochure|catalog(?:ue)?|infographic|"
                  r"datasheet|pdf|sample|swatch)e?s?\b")),
    ("signup", (r"sign(?:ing|ed)?[ \t]*up|subscri|opt(?:ing|ed)?[ \t]*in|interest|inquir|enquir|"
               r"request|fill|submit|joining[ \t]+(?:our|the)[ \t]+(?:list|newsletter|"
               r"community)|ask(?:ed|ing)?[ \t]+for|\bentr(?:y|ies|ered|ering)\b|enter(?:ed|ing)?|"
               r"shar(?:e|ed|ing)|repost|retweet|reshar|"
               # what a reader signs up to: "thanks for taking our survey"
               r"\b(?:survey|quiz|poll|questionnaire|newsletter|digest|beta|trial|draw|giveaway|"
               r"competition|contest|sweepstakes|raffle|course|lesson|module|programme|program|"
               r"community|early[ \t-]access|list|appeal|challenge)s?\b")),
    ("webinar", (r"webinar|web[ \t]+seminar|livestream|live[ \t]+stream|online|virtual|"
                r"sit(?:ting)?[ \t]+in|sat[ \t]+in|tun(?:e|ed|ing)[ \t]+in|watch|dial|"
                r"on[ \t]+demand|masterclass|recording")),
]
_CONTENT_KINDS_RE = [(kind, LazyPattern(pattern, IGNORECASE))
                     for kind, pattern in _CONTENT_KINDS]
_EVENT_NOUN = LazyPattern(
    r"(?i)\b(?:summit|conference|forum|expo|fair|meetup|meet-up|dinner|breakfast|lunch|"
    r"roundtable|round-table|festival|show|event|gala|reception|happy[ \t]+hour|tour|retreat|"
    r"congress|convention|symposium|day)\b")
_WEBINAR_NOUN = LazyPattern(
    r"(?i)\b(?:webinar|web[ \t]+seminar|livestream|live[ \t]+stream|online|virtual|session|"
    r"masterclass|course|class|training|workshop|panel|talk|ama)\b")
# Words between the claim's verb and the title: "for our new webinar on <Title>".
_SENTENCE_END = LazyPattern(r"[.!?;]")
_NEXT_WORD = LazyPattern(r"[ \t]*(?P<w>[^\s]+)")
_THAT_AT_END = LazyPattern(r"(?i)[ \t]+(?:that|which)[ \t]*$")
_LEAD_IN = frozenset(
    {"the", "our", "my", "your", "a", "an", "this", "that", "for", "to", "on", "of", "in", "at",
     "into", "new", "free", "latest", "recent", "recently", "live", "virtual", "online", "annual",
     "webinar", "webinars", "session", "workshop", "guide", "report", "e-book", "ebook",
     "whitepaper", "white", "paper", "playbook", "checklist", "event", "waitlist", "wait",
     "list", "newsletter", "copy", "summit", "conference", "masterclass", "course", "template",
     "toolkit", "kit", "study", "case", "talk", "panel", "titled", "called", "entitled", "us",
     "again", "so", "much", "very", "just", "up", "with"})


def read(sentence: str, start: int, end: int) -> Found:
    """What the reader is said to have done, and the title of what they did it with."""
    matched = sentence[start:end]
    after = sentence[end:]
    kind = _content_kind(matched, after[:80])
    title = _content_title(sentence, start, end,
                           EVENT_RUN if kind in ("event", "registration") else TITLE_RUN)
    if kind in ("signup", "download") and title and _EVENT_NOUN.search(title) and \
            kind == "signup":
        kind = "registration"
    found: Found = [("kind", kind)]
    if title:
        found.append(("document", title))
        if kind in ("event", "registration"):
            found.append(("event", title))
    return found


def _content_kind(matched: str, after: str) -> str:
    kind = first_kind(_CONTENT_KINDS_RE, matched)
    following = _SENTENCE_END.split(after, maxsplit=1)[0]
    if kind == "signup" and (_EVENT_NOUN.search(following) or _WEBINAR_NOUN.search(following)):
        return "registration"  # signing up for an event or a webinar is registering for it
    if kind:
        return kind
    if _WEBINAR_NOUN.search(matched + " " + following):
        return "webinar"
    return "event"


def _content_title(sentence: str, start: int, end: int, run: LazyPattern) -> str | None:
    quoted = list(_QUOTED_TITLE.finditer(sentence))
    if quoted:
        best = min(quoted, key=lambda m: (m.start() < end, abs(m.start() - end)))
        return best.group(1).strip().strip(".,;:!?") or None
    # A title inside the match comes first: the rules' matches run on to the event's name
    # ("thanks for coming to the Forecasting Forum in Austin").
    return (_title_inside(sentence[start:end], run) or _title_after(sentence[end:], run)
            or _title_before(sentence[:start], run))


def _title_after(text: str, run: LazyPattern) -> str | None:
    position = 0
    for _ in range(8):
        word = _NEXT_WORD.match(text[position:])
        if not word:
            return None
        token = word.group("w")
        if token[:1].isupper() or token[:1].isdigit():
            found = run.match(text, position + word.start("w"))
            return clean_name(found.group(0)) if found else None
        if token.lower().strip(",") not in _LEAD_IN or token.endswith((",", ".", ";", ":")):
            return None
        position += word.end()
    return None


def _title_inside(text: str, run: LazyPattern) -> str | None:
    """A title inside the match: "the Checkout Conversion Teardown you downloaded"."""
    for found in run.finditer(text):
        if found.start() == 0:
            continue  # the sentence's first word ("Since", "Thanks")
        name = clean_name(found.group(0))
        if name and len(name) > 2 and not (" " not in name and name.isupper()):
            return name
    return None


def _title_before(text: str, run: LazyPattern) -> str | None:
    """A title just before the match: "the Checkout Conversion Teardown that you downloaded"."""
    trimmed = _THAT_AT_END.sub("", text.rstrip())
    for found in run.finditer(trimmed):
        if found.end() == len(trimmed) and found.start() > 0:
            name = clean_name(found.group(0))
            return name if name and name.split()[0] not in NOT_NAMES else None
    return None


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """An activity of the claim's kind naming its title, in its time."""
    email = recipient.email or ""
    types = TYPES.get(claim.specific("kind") or "", ACTIVITY_TYPES)
    return activity_claim(crm.activities_for(email, types), types,
                          claim.specific("document") or claim.specific("event"), time, email)


# A notice that confirms the very signup or registration it mentions, named so in its subject
# or its opening lines ("Subscription confirmed", "Confirming your registration", "You're signed
# up for the digest").
_CONFIRMATION = LazyPattern(
    r"(?i)\b(?:(?:subscription|registration|sign[ -]?up|enrol(?:l)?ment|rsvp|booking)s?\s+"
    r"(?:(?:is|has\s+been)\s+)?confirm(?:ed|ation)|confirm(?:ation\s+of|ing)\s+your\s+"
    r"(?:subscription|registration|sign[ -]?up|enrol(?:l)?ment|rsvp|booking)|"
    r"you(?:['’]re|\s+are)\s+(?:now\s+)?(?:signed\s+up|subscribed|registered|enrolled)\b)")
_OPENING = 300  # characters of the body where a confirmation notice says what it is
# A welcome notice's whole subject: the thanks for the signup or the news of it, naming nothing
# else ("Thanks for signing up!", "You're on the list"). A pitch that fakes a signup names what
# was signed up for, to make the pitch feel expected.
_WELCOME_SUBJECT = LazyPattern(
    r"(?i)^\W*(?:(?:thanks|thank\s+you)(?:\s+so\s+much)?\s+for\s+(?:signing\s+up|"
    r"subscribing|registering|joining(?:\s+us)?|your\s+(?:sign[ -]?up|subscription|"
    r"registration))|you(?:['’]re|\s+are)\s+(?:now\s+)?(?:on\s+the\s+list|in|signed\s+up|"
    r"subscribed|registered))[^\w]*$")


def settled(message: Message, claim: Claim) -> str | None:
    """A consent statement, or a notice confirming the signup it thanks the reader for, is
    not a claim made to the reader: it answers what they did or says why they get the mail."""
    if states_consent(message, claim):
        return "it says why the reader receives this mail (a consent statement)"
    subject = message.subject.text if message.subject else ""
    if _CONFIRMATION.search(subject) or _CONFIRMATION.search(message.body.text[:_OPENING]) \
            or _WELCOME_SUBJECT.match(subject):
        return "the message is a notice confirming the reader's own signup"
    return None


KIND = ClaimKind("claim.content", "a download, signup or attendance", read, check,
                 ACTIVITY_TYPES, fixed_keys=("kind",), settled=settled)
