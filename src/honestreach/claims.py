"""Personal claims: what a matched claim names, and when it says it happened.

Claim rules (category ``claim.*``, under ``rules/claims/``) find the claim itself with word
patterns; this module reads its specifics from the sentence around the match, which is what the
verify stage compares with the CRM. The time a claim states ("last week", "in March") is not a
specific: the verify stage reads it with ``timeexpr.find_time(claim.sentence, message_date)``.
The greeting's name needs no pattern and is read here too (``identity_claims``).

Specifics by category (``Claim.specifics`` keys; each appears at most once, and is absent when
the sentence does not say it):

===================== ========== ==========================================================
category              key        value
===================== ========== ==========================================================
claim.meeting         event      where they met: "SaaStr Annual", "HITEC", "Dreamforce 2026"
claim.conversation    kind       the medium the sentence names, as a CRM activity type:
                                 ``call``, ``meeting``, ``demo``, ``email_received`` ("your
                                 email"), ``email_sent`` ("my last email")
                      topic      what it was about: "driver recruiting" (from "about ...")
                      event      where it was said, when named: "as I mentioned at SaaStr"
claim.referral        person     the referrer: "Tomás Herrera", "Marc-André Leblanc", "James"
claim.relationship    stage      the lifecycle stage claimed: ``customer``, ``partner`` or
                                 ``former_customer``
                      product    the product or company named: "Tallwater" ("as a current
                                 Tallwater customer"), "Ledgerline" ("already using Ledgerline")
claim.content         kind       ``download``, ``webinar``, ``event``, ``registration`` or
                                 ``signup`` (CRM activity types content_download,
                                 webinar_attended, event_attended, event_registered,
                                 form_submit)
                      document   the title: "2026 B2C Content Benchmark Report",
                                 "Closing the Books in Three Days" (a quoted title wins)
                      event      for events attended or registered for, the same title:
                                 "Supply Chain Ops Forum Toronto 2026"
claim.company_event   round      a funding round: "Series B", "Seed", "Pre-Seed", "IPO"
                      event      what happened, when no round is named: ``acquisition``,
                                 ``merger``, ``ipo``, ``office``, ``opening``, ``launch``,
                                 ``expansion``, ``funding``, ``leadership``,
                                 ``partnership``, ``contract``, ``award``, ``hiring``,
                                 ``restructuring``, ``rebrand``, ``deal``, ``milestone``,
                                 ``incident``, ``switch``
                      acquirer   who buys: "Helvion Group" ("acquired by Helvion Group")
                      target     what is bought: "Tri-County Carriers" ("acquisition of ...")
                      location   where: "Austin" ("a new office in Austin", "the Austin office")
                      name       the property, product or counterparty: "Tidewell Lisbon
                                 Riverside" ("opening ..."), "Emberfall" ("the launch of ...")
claim.thread          kind       ``reply`` (to the reader's email), ``forward`` or ``sent``
                                 (the sender's own earlier email: "as per my last email",
                                 "bumping this")
                      topic      the subject after "Re:"/"Fwd:", or "about ..." in the body
claim.identity        title      the title the sentence gives the reader: "head of finance",
                                 "CFO", "VP of Engineering" ("As head of finance at X, you")
                      role       what it says they run, when no title is named: "talent
                                 team", "admissions" ("you lead the talent team")
                      company    where it places them: "Harrowgate" ("at Harrowgate",
                                 "Harrowgate's head of marketing", "CEO of Tallis Freight")
                      name       the greeting's name (``identity_claims``, CRM stage only)
===================== ========== ==========================================================

Names are read as runs of capitalised words (with connectors such as "of", "the" and, in
titles, "in", "from", "a"), so "SaaStr Annual last week" gives "SaaStr Annual" and "Closing the
Books in Three Days" stays whole; months and weekdays end a name ("the Playbook in January").
In a shouted sentence (all capitals) names are given in title case.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterator

import regex

from .model import Claim, Message
from .timeexpr import MONTHS, WEEKDAYS

Specifics = tuple[tuple[str, str], ...]


class LazyPattern:
    """A ``regex`` expression compiled when first used. Claims are read only from messages
    that make one, and compiling all of these at import cost every run a tenth of a second."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: regex.Pattern[str] | None = None

    @property
    def compiled(self) -> regex.Pattern[str]:
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
_EVENT_RUN = LazyPattern(
    rf"{_WORD}(?:[ \t]+(?:(?:{_EVENT_CONNECTORS})[ \t]+(?={_CAP_WORD}))?{_WORD})*")
_TITLE_RUN = LazyPattern(
    rf"{_WORD}(?:[ \t]+(?:(?:{_TITLE_CONNECTORS})[ \t]+(?={_CAP_WORD}))*{_WORD})*")
_PARTICLE = r"(?:de|da|del|della|di|do|dos|das|du|van|von|der|den|ter|ten|le|la|bin|al|el|y)"
_PERSON = (rf"(?:{_CAP_WORD})(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_CAP_WORD}){{0,3}}")
_PERSON_RE = LazyPattern(_PERSON)
_PERSON_AT_END = LazyPattern(rf"(?P<person>{_PERSON})[ \t]*,?[ \t]*$")
_PERSON_AFTER_CUE = LazyPattern(
    rf"(?i:\b(?:via|by|from|through|courtesy[ \t]+of|thanks[ \t]+to|with))[ \t]+"
    rf"(?P<person>{_PERSON})")
_PERSON_POSSESSIVE = LazyPattern(
    rf"(?P<person>{_PERSON})['’]s?[ \t]+(?i:suggestion|recommendation|intro|introduction|"
    rf"referral|advice|nudge|idea|prompting)")
_AT_START = LazyPattern(r"^[ \t]*(?:[,:—–-][ \t]*)?")

# Where an event is named: "at SaaStr Annual", "during Dreamforce", "over coffee at HITEC".
_EVENT_CUE = LazyPattern(
    r"(?i:\b(?:at|during|from|after|around|since|following|post-?))[ \t]+(?:(?i:the)[ \t]+)?"
    r"(?=\p{Lu}|\p{N})")
# Where something was said: "as I mentioned at SaaStr", "during Dreamforce".
_PLACE_CUE = LazyPattern(
    r"(?i:\b(?:at|during))[ \t]+(?:(?i:the)[ \t]+)?(?=\p{Lu}|\p{N})")
_NOT_EVENT_AFTER = LazyPattern(
    r"^(?:['’]s)?[ \t]+(?i:booth|stand|table|lounge|office|offices|hq|headquarters|suite|party|"
    r"store|site|team|house|plant|warehouse)\b")
_QUOTED_TITLE = re.compile(r'["“„«]([^"”“»\n]{3,120})["”“»]')

_ROUND = LazyPattern(
    r"(?i)\b(?P<round>series[ \t]+[a-h](?:[ \t]*(?:extension|\+|prime))?\b|pre-?seed\b|"
    r"seed(?:[ \t]+(?:round|extension))?\b|ipo\b|initial[ \t]+public[ \t]+offering)")
# Company-event words in the order they win: "opening a new office" is an office.
_COMPANY_EVENTS = [(name, LazyPattern(pattern, regex.IGNORECASE)) for name, pattern in [
    ("acquisition", (r"\b(?:acqui\w+|bought[ \t]+by|buy(?:ing|out)|takeover|taken[ \t]+over|"
                    r"purchased[ \t]+by)\b")),
    ("merger", r"\bmerg\w+\b"),
    ("ipo", r"\b(?:ipo|went[ \t]+public|going[ \t]+public|listing|listed)\b"),
    ("office", (r"\b(?:(?:new|second|third|first)[ \t]+(?:\w+[ \t]+)?(?:office|hq|headquarters|"
               r"hub|site|location)|office|offices|hq|headquarters)\b")),
    ("opening", (r"\b(?:open\w*|new[ \t]+(?:[\w-]+[ \t]+){0,2}(?:property|propertie|hotel|store|"
                r"shop|restaurant|plant|factory|facilit(?:y|ie)|warehouse|clinic|branch|campus|"
                r"studio|cent(?:er|re)|lab|depot|showroom|wing|site|location|outlet)s?)\b")),
    ("launch", r"\b(?:launch\w*|(?<!press[ \t])release[sd]?|releasing|unveil\w*|debut\w*)\b"),
    ("expansion", r"\bexpan\w+\b"),
    ("funding", (r"\b(?:rais\w+|fund(?:ing|raise|raising)?|round|financing|investment|"
                r"capital)\b")),
    ("leadership", (r"\b(?:ceo|cfo|cto|coo|cmo|cro|chief|president|chair\w*|leadership|"
                   r"appoint\w*|changes?[ \t]+at[ \t]+the[ \t]+top|new[ \t]+(?:head|director|md|"
                   r"managing[ \t]+director|board|management))\b")),
    ("partnership", r"\bpartner\w*\b"),
    ("contract", r"\b(?:contracts?|tenders?|bids?)\b"),
    ("award", (r"\b(?:award\w*|won(?!['’]t)|winning|recogni[sz]ed|named[ \t]+(?:to|in|as|one[ \t]+of)|"
              r"ranked|certif\w*|accredit\w*|clearance|approval|b[ \t-]?corp)\b")),
    ("hiring", (r"\b(?:hiring|hires|headcount|recruit\w*|open[ \t]+roles|vacanc\w+|"
               r"(?:scal|grow)\w*[ \t]+(?:\w+[ \t]+){0,2}(?:team|headcount|workforce)|"
               r"job[ \t]+(?:ads?|adverts?|postings?|listings?|openings?))\b")),
    ("restructuring", (r"\b(?:layoffs?|lay[ \t-]offs?|laid[ \t]+off|redundanc\w+|restructur\w+|"
                      r"reorg\w*|downsiz\w+|job[ \t]+cuts|cutbacks)\b")),
    ("rebrand", r"\brebrand\w*\b"),
    ("deal", r"\bdeal\b"),
    ("milestone", (r"\b(?:anniversary|centenary|years[ \t]+in[ \t]+business|milestone|record|"
                  r"passed|crossed|reached|topped|surpassed)\b")),
    ("incident", (r"\b(?:recall|outage|breach|fire|flood|lawsuit|strike|incident|attack|hack|"
                 r"closures?|bankruptcy|insolvency)\b")),
    ("switch", r"\b(?:switch\w*|migrat\w*|implement\w*|adopt\w*|replac\w*|erp|crm)\b"),
]]
_CLAUSE_END = LazyPattern(r"[,;:!?.—–]|\b(?:so|but|which|because)\b")
_ACQUIRER = LazyPattern(
    rf"(?i:\b(?:acquired|bought|purchased|taken[ \t]+over)[ \t]+by|\bjoining|\bacquisition[ \t]+"
    rf"by)[ \t]+(?:(?i:the)[ \t]+)?(?P<name>{_PERSON})")
_TARGET = LazyPattern(
    rf"(?i:\b(?:acquisition|purchase|takeover)[ \t]+of|\bacquir(?:ing|ed)|\bbuying|\bbought)"
    rf"[ \t]+(?:(?i:the)[ \t]+)?(?P<name>{_PERSON})")
_LOCATION = LazyPattern(
    rf"(?i:\b(?:office|offices|hq|headquarters|hub|site|location|opening|expan\w+|presence|"
    rf"store|branch|plant|campus))[ \t]+(?i:in|into|to|at)[ \t]+(?P<name>{_PERSON})"
    rf"|(?P<before>{_PERSON})[ \t]+(?i:office|hq|headquarters|hub|expansion)\b"
    rf"|(?i:\bnew)[ \t]+(?P<new>{_PERSON})[ \t]+(?:[\w-]+[ \t]+)?(?i:office|hq|headquarters|hub|"
    rf"cent(?:er|re)|warehouse|store|plant|facility|site|campus|depot|showroom|location)\b")
_EVENT_NAME = LazyPattern(
    rf"(?i:\b(?:opening|opened|launching|launched|launch[ \t]+of|opening[ \t]+of|release[ \t]+of|"
    rf"releasing|unveiling|unveiled))[ \t]+(?:(?i:the|your|a)[ \t]+)?(?P<name>{_TITLE_RUN.pattern})"
    rf"|(?P<before>{_PERSON})[ \t]+(?i:opening|launch|launching|going[ \t]+live|release)\b"
    rf"|(?i:\bthe)[ \t]+(?P<deal>{_PERSON})[ \t]+(?i:deal|merger|acquisition|partnership)\b")

_STAGE_WORDS = (
    ("former_customer", (r"\b(?:former|ex-|(?:past|previous)[ \t]+(?:[\w-]+[ \t]+)?(?:customer|"
                         r"client|member|user|subscriber|patron|donor)|lapsed|used[ \t]+to|ended|"
                         r"expired|cancel+ed|cancel+ing|churn\w*|left|welcome[ \t]+back|"
                         r"you[ \t]+back|missed|no[ \t]+longer|ran[ \t]+out|"
                         r"came[ \t]+to[ \t]+an[ \t]+end|renew(?:ed|al)?[ \t]+(?:fell|didn))")),
    ("partner", (r"\b(?:partner\w*|reseller\w*|affiliate\w*|alliance|stockists?|distributors?|"
                r"dealers?|franchisees?|suppliers?)\b")),
)
_PRODUCT_BEFORE = LazyPattern(
    rf"(?P<name>{_PERSON})[ \t]+(?i:customers?|clients?|users?|partners?|members?|subscribers?|"
    rf"contract|subscription|account|licen[cs]e|plan|renewal|agreement)\b")
_PRODUCT_AFTER = LazyPattern(
    rf"(?i:\b(?:using|use|uses|on|with|running|runs|rely[ \t]+on|relies[ \t]+on|of))[ \t]+"
    rf"(?P<name>{_PERSON})")

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
_CONVERSATION_KINDS_RE = [(kind, LazyPattern(pattern, regex.IGNORECASE))
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
_CONTENT_KINDS_RE = [(kind, LazyPattern(pattern, regex.IGNORECASE))
                     for kind, pattern in _CONTENT_KINDS]
_EVENT_NOUN = LazyPattern(
    r"(?i)\b(?:summit|conference|forum|expo|fair|meetup|meet-up|dinner|breakfast|lunch|"
    r"roundtable|round-table|festival|show|event|gala|reception|happy[ \t]+hour|tour|retreat|"
    r"congress|convention|symposium|day)\b")
_WEBINAR_NOUN = LazyPattern(
    r"(?i)\b(?:webinar|web[ \t]+seminar|livestream|live[ \t]+stream|online|virtual|session|"
    r"masterclass|course|class|training|workshop|panel|talk|ama)\b")
# Words between the claim's verb and the title: "for our new webinar on <Title>".
_LEAD_IN = frozenset(
    {"the", "our", "my", "your", "a", "an", "this", "that", "for", "to", "on", "of", "in", "at",
     "into", "new", "free", "latest", "recent", "recently", "live", "virtual", "online", "annual",
     "webinar", "webinars", "session", "workshop", "guide", "report", "e-book", "ebook",
     "whitepaper", "white", "paper", "playbook", "checklist", "event", "waitlist", "wait",
     "list", "newsletter", "copy", "summit", "conference", "masterclass", "course", "template",
     "toolkit", "kit", "study", "case", "talk", "panel", "titled", "called", "entitled", "us",
     "again", "so", "much", "very", "just", "up", "with"})

_TIME_WORDS = {name.capitalize() for name in list(MONTHS) + list(WEEKDAYS)} | {
    "Today", "Yesterday", "Tomorrow", "Tonight", "Last", "Next", "This", "Earlier", "Later",
    "Spring", "Summer", "Autumn", "Fall", "Winter", "Q1", "Q2", "Q3", "Q4"}
_GREETING = re.compile(
    r"\A\s*(?:hi|hello|hey|dear|hallo|hola|bonjour|ciao|good (?:morning|afternoon|evening))"
    r"[ \t]+(?P<name>[A-Z][\w'’-]+)(?=[ \t]*[,!:.\n])", re.IGNORECASE)
_NOT_NAMES = {name.capitalize() for name in list(MONTHS) + list(WEEKDAYS)} | {
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


def claim_specifics(category: str, sentence: str, start: int, end: int) -> Specifics:
    """Specifics named by a claim whose match is ``sentence[start:end]`` (see the module
    docstring for the keys of each category)."""
    reader = _READERS.get(category)
    if reader is None:
        return ()
    found = reader(sentence, start, end)
    if _shouted(sentence):
        # Names in a shouted sentence: "DREAMFORCE 2026" is given as "Dreamforce 2026".
        fixed = _FIXED_WORDS.get(category, ()) + ("kind", "stage")
        found = [(key, value if key in fixed else _title_case(value)) for key, value in found]
    return tuple((key, value) for key, value in found if value)


# --- meeting -------------------------------------------------------------------------------

def _meeting(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    event = _event_near(sentence, start, end)
    return [("event", event)] if event else []


def _event_near(sentence: str, start: int, end: int) -> str | None:
    """The event named from the match on ("at SaaStr" inside or after it), else before it."""
    return _event(sentence[start:]) or _event(sentence[:start])


def _event(text: str, cues: LazyPattern = _EVENT_CUE) -> str | None:
    for cue in cues.finditer(text):
        run = _EVENT_RUN.match(text, cue.end())
        if not run:
            continue
        if _NOT_EVENT_AFTER.match(text[run.end():]):
            continue
        name = _clean_name(run.group(0))
        if not name or _ROUND.fullmatch(name):
            continue
        words = name.split()
        if words[0][0].isdigit() and len(words) == 1:
            continue  # "at 10am", "at 2026"
        return name
    return None


# --- conversation --------------------------------------------------------------------------

def _conversation(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    matched = sentence[start:end]
    kind = None if _DISCUSSED_OBJECT.match(matched) else \
        _first_kind(_CONVERSATION_KINDS_RE, matched)
    if kind is None:
        kind = _occasion_kind(sentence[:start] + " " * (end - start) + sentence[end:]
                              if _DISCUSSED_OBJECT.match(matched) else sentence)
    if kind:
        found.append(("kind", kind))
    topic = _topic(sentence[start:]) or _topic(sentence)
    if topic:
        found.append(("topic", topic))
    event = _event(sentence[start:], cues=_PLACE_CUE)
    if event:
        found.append(("event", event))
    return found


def _occasion_kind(sentence: str) -> str | None:
    for occasion in _OCCASION.finditer(sentence):
        kind = _first_kind(_CONVERSATION_KINDS_RE, sentence[occasion.end():occasion.end() + 20])
        if kind:
            return kind
    return None


def _first_kind(kinds: list[tuple[str, LazyPattern]], text: str) -> str | None:
    """The kind whose words come first in ``text`` (ties go to the earlier kind)."""
    best: tuple[int, int, str] | None = None
    for order, (kind, pattern) in enumerate(kinds):
        match = pattern.search(text)
        if match and (best is None or (match.start(), order) < best[:2]):
            best = (match.start(), order, kind)
    return best[2] if best else None


def _topic(text: str) -> str | None:
    match = _TOPIC.search(text)
    if not match:
        return None
    words: list[str] = []
    for word in match.group("topic").split():
        if word.lower() in _TOPIC_STOP or word.capitalize() in _TIME_WORDS:
            break
        words.append(word)
    if not words or words[0].lower() in _NOT_TOPICS:
        return None
    return " ".join(words).strip("'’-/") or None


# --- referral ------------------------------------------------------------------------------

def _referral(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
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
        word = regex.match(r"[^\s]+[ \t]*", sentence[start:])
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
    while words and (regex.split(r"['’]", words[0].strip("'’"))[0] in _NOT_NAMES
                     or _is_acronym(words[0])):
        words.pop(0)
    while words and (words[-1] in _NOT_NAMES or _is_acronym(words[-1])):
        words.pop()
    words = [w for w in words if not any(ch.isdigit() for ch in w)]
    if not words:
        return None
    words[-1] = _strip_possessive(words[-1])
    return " ".join(words).strip(".,;:'’") or None


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return 1 < len(letters) <= 4 and all(c.isupper() for c in letters)


# --- relationship --------------------------------------------------------------------------

def _relationship(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    matched = sentence[start:end]
    stage = "customer"
    for name, pattern in _STAGE_WORDS:
        if regex.search(pattern, matched, regex.IGNORECASE):
            stage = name
            break
    found = [("stage", stage)]
    product = None
    for candidate in _PRODUCT_BEFORE.finditer(matched):
        product = _clean_name(candidate.group("name"))
        if product:
            product = product.split()[-1] if "'" in product or "’" in product else product
            break
    if not product:
        following = _PRODUCT_AFTER.match(sentence, max(start, end - 12)) or \
            _PRODUCT_AFTER.search(sentence[:end + 40], start)
        if following:
            product = _clean_name(following.group("name"))
    if product:
        found.append(("product", product))
    return found


# --- content -------------------------------------------------------------------------------

def _content(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    matched = sentence[start:end]
    after = sentence[end:]
    kind = _content_kind(matched, after[:80])
    title = _content_title(sentence, start, end,
                           _EVENT_RUN if kind in ("event", "registration") else _TITLE_RUN)
    if kind in ("signup", "download") and title and _EVENT_NOUN.search(title) and \
            kind == "signup":
        kind = "registration"
    found: list[tuple[str, str]] = [("kind", kind)]
    if title:
        found.append(("document", title))
        if kind in ("event", "registration"):
            found.append(("event", title))
    return found


def _content_kind(matched: str, after: str) -> str:
    kind = _first_kind(_CONTENT_KINDS_RE, matched)
    following = regex.split(r"[.!?;]", after, maxsplit=1)[0]
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
        word = regex.match(r"[ \t]*(?P<w>[^\s]+)", text[position:])
        if not word:
            return None
        token = word.group("w")
        if token[:1].isupper() or token[:1].isdigit():
            found = run.match(text, position + word.start("w"))
            return _clean_name(found.group(0)) if found else None
        if token.lower().strip(",") not in _LEAD_IN or token.endswith((",", ".", ";", ":")):
            return None
        position += word.end()
    return None


def _title_inside(text: str, run: LazyPattern) -> str | None:
    """A title inside the match: "the Checkout Conversion Teardown you downloaded"."""
    for found in run.finditer(text):
        if found.start() == 0:
            continue  # the sentence's first word ("Since", "Thanks")
        name = _clean_name(found.group(0))
        if name and len(name) > 2 and not (" " not in name and name.isupper()):
            return name
    return None


def _title_before(text: str, run: LazyPattern) -> str | None:
    """A title just before the match: "the Checkout Conversion Teardown that you downloaded"."""
    trimmed = regex.sub(r"(?i)[ \t]+(?:that|which)[ \t]*$", "", text.rstrip())
    for found in run.finditer(trimmed):
        if found.end() == len(trimmed) and found.start() > 0:
            name = _clean_name(found.group(0))
            return name if name and name.split()[0] not in _NOT_NAMES else None
    return None


# --- company events ------------------------------------------------------------------------

def _company_event(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    # Look at the match, then at the rest of its clause.
    scope = sentence[start:]
    round_match = _ROUND.search(sentence[start:end]) or _ROUND.search(scope)
    if round_match:
        found.append(("round", _round_name(round_match.group("round"))))
    else:
        # What happened is said in the match and the rest of its clause ("Saw the news about
        # Papercrane opening a new office"), not in a later clause ("..., so we won't wait").
        event = _company_event_word(
            sentence[start:end] + _CLAUSE_END.split(sentence[end:], maxsplit=1)[0])
        if event:
            found.append(("event", event))
    for key, pattern in (("acquirer", _ACQUIRER), ("target", _TARGET)):
        match = pattern.search(scope)
        if match:
            name = _clean_name(match.group("name"))
            if name:
                found.append((key, name))
    location = _LOCATION.search(scope)
    if location:
        name = _clean_name(location.group("name") or location.group("before")
                           or location.group("new"))
        if name and not _ROUND.fullmatch(name):
            found.append(("location", name.split()[-1] if location.group("before") else name))
    event_name = _EVENT_NAME.search(sentence, max(0, start - 60))
    if event_name and dict(found).get("event", "") in ("opening", "launch", "deal", "merger",
                                                       "partnership", "acquisition", "expansion",
                                                       "award", ""):
        raw = event_name.group("name") or event_name.group("before") or event_name.group("deal")
        name = _clean_name(raw)
        if name and not _ROUND.fullmatch(name) and name != dict(found).get("location"):
            found.append(("name", name))
    return found


def _company_event_word(text: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for order, (name, pattern) in enumerate(_COMPANY_EVENTS):
        match = pattern.search(text)
        if match:
            candidate = (order, match.start(), name)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None


def _round_name(text: str) -> str:
    words = text.split()
    lowered = " ".join(words).lower()
    if lowered in ("ipo", "initial public offering"):
        return "IPO"
    if lowered.startswith("series"):
        return " ".join(["Series", words[1].upper()] + [w.lower() for w in words[2:]])
    return " ".join(w.capitalize() if i == 0 else w.lower() for i, w in enumerate(words))


# --- thread --------------------------------------------------------------------------------

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


def _thread(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    matched = sentence[start:end]
    kind = "forward" if _FORWARD.search(matched) else "sent" if _SENT.search(matched) \
        else "reply"
    found: list[tuple[str, str]] = [("kind", kind)]
    if matched.rstrip().endswith(":") or _PREFIX.match(matched):
        topic = _PREFIX.sub("", sentence[start:]).strip(" \t-—–:")
    else:
        topic = _topic(sentence[start:]) or ""
    if topic:
        found.append(("topic", topic))
    return found


# --- identity ------------------------------------------------------------------------------

# Where a title starts: "as (the) CFO", "as Ironleaf's head of marketing", "your role as COO",
# "you're clearly the decision-maker".
_TITLE_CUE = LazyPattern(
    rf"(?i:\b(?:as|being|(?:role|position|capacity|job|title|remit|seat|post)[ \t]+as|"
    rf"you(?:['’]re|[ \t]+are)(?:[ \t]+(?:clearly|obviously|now|currently|evidently|surely|"
    rf"definitely|certainly|still|also|really))?))[ \t]+"
    rf"(?:(?i:the|an?|our|their)[ \t]+)?(?:(?P<owner>{_PERSON})['’]s?[ \t]+)?")
# Where a role starts: "you lead the talent team", "I know you oversee admissions", "the
# person who runs procurement".
_ROLE_VERBS = (
    r"leads?|led|heads?(?:[ \t]+up)?|headed(?:[ \t]+up)?|oversees?|oversaw|directs?|runs?|ran|"
    r"manages?|managed|handles?|supervises?|coordinates?|owns?|chairs?|steers?|spearheads?|"
    r"looks?[ \t]+after|takes?[ \t]+care[ \t]+of|works?[ \t]+(?:in|on|at|for)|sits?[ \t]+on|"
    r"signs?[ \t]+off(?:[ \t]+on)?")
_ROLE_BEING = (
    r"(?:in[ \t]+charge|responsible|accountable)[ \t]+(?:of|for)|(?:the[ \t]+)?(?:head|lead)"
    r"[ \t]+(?:of|on|for)|at[ \t]+the[ \t]+helm[ \t]+of|on|part[ \t]+of")
_ROLE_CUE = LazyPattern(
    rf"(?i)\b(?:you|who|that)(?:[ \t]+(?:currently|now|also|still))?"
    rf"(?:(?:[ \t]+are|['’]re)[ \t]+(?:{_ROLE_BEING})|[ \t]+(?:{_ROLE_VERBS}))[ \t]+")
# Words that end a title or a role: where it is held, the reader, the rest of the sentence.
_ROLE_END = frozenset(
    {"at", "with", "handling", "running", "leading", "managing", "overseeing", "responsible",
     "heading", "looking", "covering", "who", "that", "you", "your", "you're", "youre", "i",
     "we", "so", "and", "but", "which", "where", "from", "across", "over", "right", "then",
     "would", "could", "can", "will", "do", "might", "should", "may", "must", "is", "are",
     "here", "there", "now", "these", "this", "every", "each", "since", "because", "too"})
# Words after "of", "for" or "in" that keep a title going ("head of people ops") rather than
# name a company ("founder of Lumen Dental"). Case-insensitive.
_DEPARTMENT_WORDS = frozenset(
    {"engineering", "marketing", "sales", "finance", "financial", "operations", "ops", "product",
     "people", "hr", "human", "resources", "talent", "procurement", "purchasing", "facilities",
     "it", "security", "data", "analytics", "revenue", "growth", "partnerships", "admissions",
     "legal", "compliance", "risk", "supply", "chain", "logistics", "fleet", "events",
     "communications", "design", "content", "brand", "research", "training", "payroll",
     "treasury", "tax", "accounts", "billing", "customer", "success", "support", "service",
     "services", "quality", "production", "manufacturing", "maintenance", "estates",
     "property", "nursing", "clinical", "pharmacy", "learning", "development", "fundraising",
     "philanthropy", "merchandising", "buying", "digital", "infrastructure", "platform",
     "strategy", "investor", "relations", "community", "membership", "enrolment",
     "enrollment", "technology", "information", "business", "innovation", "transformation",
     "sustainability", "safety", "health", "medical", "student", "affairs", "curriculum",
     "academic", "experience", "demand", "generation", "channel", "alliances", "workplace",
     "recruiting", "recruitment", "acquisition", "accounting", "insights", "commercial",
     "global", "international", "regional", "north", "south", "east", "west", "emea", "apac",
     "americas", "europe", "and", "&", "the", "officer", "executive"})
_ROLE_DETERMINERS = frozenset({"the", "a", "an", "your", "their", "our", "whole", "entire",
                               "new", "current"})
# "As the person who runs procurement": the role is what the person does, not "person".
_PERSON_WORDS = frozenset({"person", "one", "someone", "somebody", "individual", "man", "woman",
                           "guy", "lady"})
_WORD_OR_MARK = LazyPattern(r"[\p{L}\p{N}][\p{L}\p{N}'’&+./\-]*|[,;:!?()—–]")
_COMPANY_AT = LazyPattern(rf"(?i:\b(?:at|of|with))[ \t]+(?:(?i:the)[ \t]+)?(?P<name>{_PERSON})")


def _identity(sentence: str, start: int, end: int) -> list[tuple[str, str]]:
    """The title ("head of finance", "CFO") or the role ("the talent team", "admissions")
    the sentence gives the reader, and the company it places them at ("Halden Foods")."""
    found: list[tuple[str, str]] = []
    matched = sentence[start:end]
    company = None
    title = None
    cue = _TITLE_CUE.search(sentence, start)
    if cue and cue.start() < end:
        title, company = _title_and_company(sentence[cue.end():])
        if title and title.split()[-1].lower() in _PERSON_WORDS:
            title = None
        if cue.group("owner"):
            owner = _clean_name(cue.group("owner"))
            company = owner if owner and owner.split()[0] not in _TIME_WORDS else company
    if title:
        found.append(("title", title))
    else:
        role_cue = _ROLE_CUE.search(matched)
        if role_cue:
            role, company = _title_and_company(sentence[start + role_cue.end():],
                                               keep_of=True)
            if role:
                found.append(("role", role))
    if company is None:
        after = _COMPANY_AT.search(sentence[start:end + 60].split(",")[0])
        if after:
            company = _company_name(after.group("name"))
    if company:
        found.append(("company", company))
    return found


def _title_and_company(text: str, keep_of: bool = False) -> tuple[str | None, str | None]:
    """A title read from the start of ``text`` up to where it is held ("of Riverside Health",
    "at Quillpay") or the end of its clause, and the company named there."""
    words: list[str] = []
    company = None
    tokens = _WORD_OR_MARK.findall(text)
    index = 0
    while index < len(tokens) and len(words) < 8:
        token = tokens[index]
        lower = token.lower().strip("'’")
        if not token[0].isalnum() or lower in _ROLE_END:
            if lower in ("at", "with") and index + 1 < len(tokens):
                company = _company_after(tokens[index + 1:])
            break
        if lower in ("of", "for", "in", "on") and words:
            following = [t for t in tokens[index + 1:index + 4] if t.lower() != "the"]
            if following and following[0][:1].isupper() and \
                    following[0].lower() not in _DEPARTMENT_WORDS:
                if lower == "of":
                    company = _company_after(tokens[index + 1:])
                break
            if (lower != "of" or not keep_of) and \
                    (not following or following[0].lower() not in _DEPARTMENT_WORDS):
                break
        words.append(token)
        index += 1
    while words and words[0].lower() in _ROLE_DETERMINERS:
        words.pop(0)
    while words and words[-1].lower() in ("of", "for", "in", "on", "the", "and", "&"):
        words.pop()
    title = " ".join(words).strip(".,;:'’") or None
    return title, company


def _company_after(tokens: list[str]) -> str | None:
    run = regex.match(_PERSON, " ".join(t for t in tokens[:6] if t.lower() != "the"))
    return _company_name(run.group(0)) if run else None


def _company_name(text: str) -> str | None:
    name = _clean_name(text)
    if not name or name.split()[0] in _TIME_WORDS or \
            all(word.lower() in _DEPARTMENT_WORDS for word in name.split()):
        return None
    return name


# Specifics that are words of a fixed vocabulary, not names (never title-cased).
_FIXED_WORDS: dict[str, tuple[str, ...]] = {"claim.company_event": ("event", "round")}

_READERS = {
    "claim.meeting": _meeting,
    "claim.conversation": _conversation,
    "claim.referral": _referral,
    "claim.relationship": _relationship,
    "claim.content": _content,
    "claim.company_event": _company_event,
    "claim.thread": _thread,
    "claim.identity": _identity,
}


# --- names ---------------------------------------------------------------------------------

def _clean_name(name: str) -> str | None:
    """A run of capitalised words, cut at the first month or weekday and trimmed of trailing
    connectors, sentence words and possessives."""
    words = name.split()
    for index, word in enumerate(words):
        if index and word.strip(".,;:'’").capitalize() in _TIME_WORDS:
            words = words[:index]
            break
    connectors = {"of", "and", "the", "for", "on", "&", "de", "du", "in", "from", "to", "a",
                  "an", "with", "at", "by", "your", "our", "my", "x", "vs", "vs.", "or"}
    while words and (words[-1].lower() in connectors or words[-1].strip(".,;:") in _NOT_NAMES):
        words.pop()
    while words and _strip_possessive(words[0].strip("'’")) in _NOT_NAMES:
        words.pop(0)
    if not words:
        return None
    words[-1] = _strip_possessive(words[-1].rstrip(".,;:"))
    result = " ".join(words).strip(".,;:-–—")
    return result if len(result) > 1 else None


def _strip_possessive(word: str) -> str:
    for suffix in ("'s", "’s", "'", "’"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)]
    return word


def _shouted(sentence: str) -> bool:
    letters = [c for c in sentence if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _title_case(value: str) -> str:
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in value.split())


def identity_claims(message: Message, today: date) -> list[Claim]:
    """The greeting's name (titles and roles in prose are found by the identity rules)."""
    claims: list[Claim] = []
    body = message.body.text
    limit = message.signature_start if message.signature_start is not None else len(body)
    greeting = _GREETING.match(body[:limit])
    if greeting and greeting.group("name") not in _NOT_NAMES:
        name = greeting.group("name")
        claims.append(Claim("claim.identity", "identity-greeting-name", "body",
                            greeting.start("name"), greeting.end("name"), name,
                            greeting.group(0).strip(), (("name", name),)))
    return claims
