"""``claim.company_event``: "congrats on the Series B / the acquisition / the new office".

Specifics: ``round``, a funding round ("Series B", "Seed", "Pre-Seed", "IPO"); ``event``, what
happened when no round is named (``acquisition``, ``merger``, ``ipo``, ``office``,
``opening``, ``launch``, ``expansion``, ``funding``, ``leadership``, ``partnership``,
``contract``, ``award``, ``hiring``, ``restructuring``, ``rebrand``, ``deal``, ``milestone``,
``incident``, ``switch``); ``acquirer``, who buys ("Helvion Group" in "acquired by Helvion
Group"); ``target``, what is bought ("Tri-County Carriers" in "acquisition of ..."); ``location``,
where ("Austin" in "a new office in Austin", "the Austin office"); ``name``, the property,
product or counterparty ("Tidewell Lisbon Riverside" in "opening ...", "Emberfall" in "the
launch of ..."). Supported by an ``account_event`` of the recipient's account naming it, in the
time the sentence states; it needs the account, not the contact.
"""

from __future__ import annotations

from ..crm import CRM
from ..model import Claim, Message, TimeWindow
from .kind import ClaimKind, Outcome, Recipient
from .reading import IGNORECASE, PERSON, ROUND, TITLE_RUN, Found, LazyPattern, clean_name
from .records import describe_record

ACTIVITY_TYPES = ("account_event",)
# Company-event words and the words an account_event's subject uses for the same thing.
COMPANY_EVENT_WORDS = {
    "acqui": ("acqui", "merger", "bought"), "merg": ("merg", "acqui"),
    "office": ("office", "headquarters", "hq", "opening"), "open": ("open", "office", "launch"),
    "launch": ("launch", "release", "open"), "expan": ("expan", "office", "opening"),
    "rais": ("series", "seed", "round", "funding", "raise"),
    "fund": ("series", "seed", "round", "funding"), "ipo": ("ipo", "listing"),
    "hiring": ("hiring", "hire", "recruit", "headcount"), "partnership": ("partner",),
    "award": ("award", "certif", "accredit", "clearance", "approv", "recogni", "ranked", "named"),
    "rebrand": ("rebrand", "brand"), "contract": ("contract", "tender", "bid", "won"),
    "leadership": ("ceo", "cfo", "cto", "coo", "chief", "president", "chair", "appoint",
                   "leadership", "joins", "new head"),
    "restructuring": ("restructur", "layoff", "lay-off", "redundan", "reorg", "downsiz", "cuts"),
    "milestone": ("anniversary", "milestone", "record", "years"),
    "incident": ("recall", "outage", "breach", "fire", "flood", "lawsuit", "strike", "incident"),
    "switch": ("switch", "migrat", "implement", "go-live", "go live"),
}

_COMPANY_EVENTS = [(name, LazyPattern(pattern, IGNORECASE)) for name, pattern in [
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
    ("award", (r"\b(?:award\w*|won(?!['’]t)|winning|recogni[sz]ed|"
              r"named[ \t]+(?:to|in|as|one[ \t]+of)|ranked|certif\w*|accredit\w*|clearance|"
              r"approval|b[ \t-]?corp)\b")),
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
    rf"by)[ \t]+(?:(?i:the)[ \t]+)?(?P<name>{PERSON})")
_TARGET = LazyPattern(
    rf"(?i:\b(?:acquisition|purchase|takeover)[ \t]+of|\bacquir(?:ing|ed)|\bbuying|\bbought)"
    rf"[ \t]+(?:(?i:the)[ \t]+)?(?P<name>{PERSON})")
_LOCATION = LazyPattern(
    rf"(?i:\b(?:office|offices|hq|headquarters|hub|site|location|opening|expan\w+|presence|"
    rf"store|branch|plant|campus))[ \t]+(?i:in|into|to|at)[ \t]+(?P<name>{PERSON})"
    rf"|(?P<before>{PERSON})[ \t]+(?i:office|hq|headquarters|hub|expansion)\b"
    rf"|(?i:\bnew)[ \t]+(?P<new>{PERSON})[ \t]+(?:[\w-]+[ \t]+)?(?i:office|hq|headquarters|hub|"
    rf"cent(?:er|re)|warehouse|store|plant|facility|site|campus|depot|showroom|location)\b")
_EVENT_NAME = LazyPattern(
    rf"(?i:\b(?:opening|opened|launching|launched|launch[ \t]+of|opening[ \t]+of|release[ \t]+of|"
    rf"releasing|unveiling|unveiled))[ \t]+(?:(?i:the|your|a)[ \t]+)?(?P<name>{TITLE_RUN.pattern})"
    rf"|(?P<before>{PERSON})[ \t]+(?i:opening|launch|launching|going[ \t]+live|release)\b"
    rf"|(?i:\bthe)[ \t]+(?P<deal>{PERSON})[ \t]+(?i:deal|merger|acquisition|partnership)\b")


def read(sentence: str, start: int, end: int) -> Found:
    """The round or what happened, who bought whom, where, and the name of what opened or
    launched."""
    found: Found = []
    # Look at the match, then at the rest of its clause.
    scope = sentence[start:]
    round_match = ROUND.search(sentence[start:end]) or ROUND.search(scope)
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
            name = clean_name(match.group("name"))
            if name:
                found.append((key, name))
    location = _LOCATION.search(scope)
    if location:
        name = clean_name(location.group("name") or location.group("before")
                           or location.group("new"))
        if name and not ROUND.fullmatch(name):
            found.append(("location", name.split()[-1] if location.group("before") else name))
    event_name = _EVENT_NAME.search(sentence, max(0, start - 60))
    if event_name and dict(found).get("event", "") in ("opening", "launch", "deal", "merger",
                                                       "partnership", "acquisition", "expansion",
                                                       "award", ""):
        raw = event_name.group("name") or event_name.group("before") or event_name.group("deal")
        name = clean_name(raw)
        if name and not ROUND.fullmatch(name) and name != dict(found).get("location"):
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


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome | None:
    """An account event naming the round (or the same kind of event), in the claim's time;
    None when the recipient has no account."""
    account = recipient.account
    if account is None:
        return None
    rows = crm.account_activities(account.company, ACTIVITY_TYPES)
    round_name = claim.specific("round")
    event = claim.specific("event")
    for row in rows:
        text = f"{row.subject or ''} {row.detail or ''}".lower()
        if round_name and round_name.lower() not in text:
            continue
        if not round_name and event and not _event_words_match(event, text):
            continue
        if time is not None and not time.contains(row.date):
            continue
        return Outcome(True, describe_record(row))
    what = f"no account_event for {account.company}"
    if round_name or event:
        what += f" about '{round_name or event}'"
    closest = rows[-1] if rows else None
    return Outcome(False, what, describe_record(closest) if closest else "")


def _event_words_match(event: str, text: str) -> bool:
    for stem, words in COMPANY_EVENT_WORDS.items():
        if event.startswith(stem):
            return any(word in text for word in words)
    return event[:5] in text


KIND = ClaimKind("claim.company_event", "a company event", read, check, ACTIVITY_TYPES,
                 fixed_keys=("event", "round"), needs_contact=False)
