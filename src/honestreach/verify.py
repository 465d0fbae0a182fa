"""Verify personal claims against the CRM: supported claims say nothing, the rest are findings.

- *Supported*: an activity of a fitting type exists for the recipient (or their account, for
  company events) whose subject or detail matches the claim's specifics (fuzzy, case- and
  year-tolerant) and whose date falls in the claim's time window (see timeexpr.py for the
  tolerances). Nothing is reported, or an ``info`` line with ``show_verified``.
- *Contradicted*: the CRM knows the recipient but holds no such record: one step above the
  claim rule's severity (an ``error`` for a ``warning`` rule), saying what was claimed, what the
  CRM holds and the closest record. The identity rules (stage ``crm``) only report
  contradictions, at their own severity.
- *Unverifiable*: the recipient is not in the CRM (or there is none to look up): the claim
  rule's own severity.
- *Unchecked*: no CRM was given: ``info``. The claim was detected; nothing could judge it.

Every finding is made from its rule (id, category, message, suggestion; stages.py), so the
configuration's select, ignore and severity apply to it like to any other.

The recipients' suppression status (opted out, do not contact, no consent where the law needs
it) is checked here too, and CRM-based relevance signals are computed for the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, Mapping, Sequence

from rapidfuzz import fuzz

from .crm import CRM, Account, Activity, Contact
from .message import in_real_thread
from .model import Claim, Finding, Location, Message, TimeWindow
from .rules import Rule
from .score import Signal
from .stages import rule_finding
from .timeexpr import find_time

MATCH_THRESHOLD = 80  # rapidfuzz partial ratio (0-100) for "the same company"

MEETING_TYPES = ("meeting", "event_attended", "demo")
CONVERSATION_TYPES = ("call", "meeting", "demo", "email_received")
CONTENT_TYPES = {
    "download": ("content_download",),
    "webinar": ("webinar_attended", "event_attended", "event_registered"),
    "event": ("event_attended", "event_registered", "webinar_attended"),
    "registration": ("event_registered", "webinar_attended", "event_attended", "form_submit"),
    "signup": ("form_submit", "event_registered", "content_download"),
}
ALL_CONTENT_TYPES = ("content_download", "webinar_attended", "event_attended",
                     "event_registered", "form_submit")
THREAD_TYPES = ("email_received", "email_sent")
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
NICKNAMES = {
    "robert": {"bob", "rob", "robbie", "bobby"}, "elizabeth": {"liz", "beth", "lizzie", "eliza"},
    "william": {"will", "bill", "billy", "liam"}, "richard": {"rick", "rich", "dick"},
    "james": {"jim", "jimmy", "jamie"}, "michael": {"mike", "mick", "mikey"},
    "katherine": {"kate", "kathy", "katie", "kat"}, "catherine": {"cathy", "cat", "kate"},
    "margaret": {"maggie", "meg", "peggy"}, "jennifer": {"jen", "jenny"},
    "alexander": {"alex", "sasha"}, "alexandra": {"alex", "sasha", "lexi"},
    "christopher": {"chris"}, "christine": {"chris", "chrissy"}, "daniel": {"dan", "danny"},
    "david": {"dave"}, "edward": {"ed", "eddie", "ted"}, "joseph": {"joe", "joey"},
    "jonathan": {"jon", "jonny"}, "matthew": {"matt"}, "nicholas": {"nick", "nico"},
    "patricia": {"pat", "patty", "trish"}, "rebecca": {"becky", "becca"},
    "samuel": {"sam"}, "samantha": {"sam"}, "stephen": {"steve"}, "steven": {"steve"},
    "thomas": {"tom", "tommy"}, "victoria": {"vicky", "tori"}, "anthony": {"tony"},
    "benjamin": {"ben"}, "andrew": {"andy", "drew"}, "timothy": {"tim"},
    "abigail": {"abby"}, "deborah": {"deb", "debbie"}, "susan": {"sue", "suzy"},
    "oluwadamilare": {"dami"}, "oluwadamilola": {"dami"}, "gregory": {"greg"},
    "kenneth": {"ken", "kenny"}, "ronald": {"ron"}, "donald": {"don"}, "theodore": {"theo"},
    "frederick": {"fred", "freddie"}, "isabel": {"izzy", "bel"}, "isabella": {"bella", "izzy"},
}
# Countries whose law requires consent (express, or implied where the law allows it) before a
# commercial email: Canada (CASL), the EU/EEA (ePrivacy Directive and national law) and the UK
# (PECR). The US (CAN-SPAM) requires an opt-out, not consent. See docs/claims.md.
CONSENT_COUNTRIES = frozenset({
    "CA", "GB", "UK",
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",  # EU
    "IS", "LI", "NO",  # the rest of the EEA
})
VALID_CONSENT = frozenset({"express", "implied"})
# A claim the CRM contradicts is one step more severe than one it cannot settle.
CONTRADICTED_SEVERITY = {"info": "warning", "warning": "error", "error": "error"}
UNCHECKED = "unverified: pass --crm to check it"

# Identity claims this stage reads itself (the greeting's name, another CRM account named as
# theirs) are only worth a finding when the CRM contradicts them. Identity claims the rules find
# in prose ("As head of finance at X, you...") are reported like every other claim: unverified
# without a CRM, an error when the CRM contradicts them.
CRM_ONLY_IDENTITY_RULES = frozenset({"identity-greeting-name", "identity-company"})

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_NON_WORD = re.compile(r"[^\w&]+")


@dataclass(frozen=True)
class Recipient:
    """Who a message is for, as the CRM knows them."""

    email: str | None
    contact: Contact | None = None
    account: Account | None = None


@dataclass(frozen=True)
class Verdict:
    """What the CRM says of one claim, for one recipient."""

    claim: Claim
    outcome: Literal["supported", "contradicted", "unverifiable", "unchecked"]
    reason: str


@dataclass
class Verification:
    """The verify stage's output for one message: its findings (before the configuration
    applies) and the verdict on every claim, reported or not."""

    findings: list[Finding] = field(default_factory=list)
    # Claims the CRM supports, reported only with show_verified: shown, never scored.
    verified: list[Finding] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    recipient: Recipient | None = None
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass(frozen=True)
class _Outcome:
    supported: bool
    reason: str
    record: str = ""


def recipients_of(message: Message, crm: CRM | None, to: str | None = None) -> list[Recipient]:
    """The message's recipients (``to`` replaces the headers), looked up in the CRM."""
    addresses = [to.lower()] if to else list(message.recipients)
    if not addresses:
        return [Recipient(None)]
    if crm is None:
        return [Recipient(address) for address in addresses]
    return [Recipient(a, crm.contact(a), crm.account_for(a)) for a in addresses]


def verify_message(
    message: Message,
    claims: Sequence[Claim],
    crm: CRM | None = None,
    today: date | None = None,
    to: str | None = None,
    show_verified: bool = False,
    *,
    rules: Mapping[str, Rule],
) -> Verification:
    """Findings for claims the CRM does not support, suppression findings and CRM signals.

    ``rules`` (by id) are the rules in force: every finding is made from the rule it reports
    (a claim whose rule is not among them is not reported)."""
    today = today or (message.date.date() if message.date else date.today())
    result = Verification()
    recipients = recipients_of(message, crm, to)
    result.recipient = recipients[0]
    several = len(recipients) > 1
    for recipient in recipients:
        suffix = f" (recipient {recipient.email})" if several else ""
        for claim in [*claims, *_not_said_twice(identity_claims_for(message, recipient, crm),
                                                claims)]:
            verdict = _verify_claim(message, claim, recipient, crm, today)
            if verdict is None:
                continue
            result.verdicts.append(verdict)
            finding = _claim_finding(message, verdict, rules.get(claim.rule), show_verified)
            if finding is not None:
                found = result.verified if verdict.outcome == "supported" else result.findings
                found.append(replace(finding, message=finding.message + suffix))
        suppression = rules.get("suppressed-recipient")
        if crm is not None and recipient.contact is not None and suppression is not None:
            result.findings.extend(_suppression(message, recipient.contact, suppression))
    if crm is not None:
        contradicted = sum(v.outcome == "contradicted" for v in result.verdicts)
        result.signals.extend(relevance_signals(message, recipients[0], contradicted))
    return result


def _verify_claim(message: Message, claim: Claim, recipient: Recipient, crm: CRM | None,
                  today: date) -> Verdict | None:
    """The CRM's verdict on a claim; None for an identity claim of the greeting or another
    company named as theirs that nothing can check (only worth a word when the CRM
    contradicts it)."""
    if claim.category == "claim.thread" and claim.field == "subject" and in_real_thread(message):
        return Verdict(claim, "supported", "the message is a reply in a real thread")
    time = find_time(claim.sentence, today) if claim.category != "claim.identity" else None
    only_if_contradicted = claim.rule in CRM_ONLY_IDENTITY_RULES
    if crm is None:
        return None if only_if_contradicted else Verdict(claim, "unchecked", UNCHECKED)
    if recipient.email is None:
        return None if only_if_contradicted else Verdict(
            claim, "unverifiable", "the message has no recipient to look up (use --to)")
    if recipient.contact is None and claim.category != "claim.company_event":
        return None if only_if_contradicted else Verdict(
            claim, "unverifiable", f"{recipient.email} is not in the CRM, so it cannot be "
                                   "verified")
    outcome = _check(message, claim, recipient, crm, time)
    if outcome is None:
        return Verdict(claim, "unverifiable", f"the CRM has no account for {recipient.email}, "
                                              "so it cannot be verified")
    if outcome.supported:
        return Verdict(claim, "supported", f"supported by the CRM: {outcome.reason}")
    reason = outcome.reason + (f"; closest: {outcome.record}" if outcome.record else "")
    return Verdict(claim, "contradicted", reason)


def _claim_finding(message: Message, verdict: Verdict, rule: Rule | None,
                   show_verified: bool) -> Finding | None:
    """The claim's rule, reported with the verdict: the rule's message, then the reason."""
    if rule is None or (verdict.outcome == "supported" and not show_verified):
        return None
    claim = verdict.claim
    if verdict.outcome in ("supported", "unchecked"):
        severity = "info"
    elif verdict.outcome == "unverifiable" or rule.stage == "crm":
        severity = rule.severity
    else:
        severity = CONTRADICTED_SEVERITY[rule.severity]
    values = {**dict(claim.specifics), "text": " ".join(claim.text.split())}
    finding = rule_finding(rule, message.location(claim.field, claim.start, claim.end),
                           claim.text, claim.field, values, severity)
    return replace(finding, message=f"{finding.message.rstrip('.')}; {verdict.reason}.")


def _check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
           time: TimeWindow | None) -> _Outcome | None:
    contact = recipient.contact
    email = recipient.email or ""
    category = claim.category
    if category == "claim.meeting":
        return _activity_claim(crm.activities_for(email, MEETING_TYPES), MEETING_TYPES,
                               claim.specific("event"), time, email)
    if category == "claim.conversation":
        return _activity_claim(crm.activities_for(email, CONVERSATION_TYPES), CONVERSATION_TYPES,
                               None, time, email)
    if category == "claim.referral":
        return _referral(crm.activities_for(email, ("referral",)), claim.specific("person"),
                         time, email)
    if category == "claim.content":
        types = CONTENT_TYPES.get(claim.specific("kind") or "", ALL_CONTENT_TYPES)
        return _activity_claim(crm.activities_for(email, types), types,
                               claim.specific("document") or claim.specific("event"), time,
                               email)
    if category == "claim.thread":
        return _thread(message, claim, crm, email, time)
    if category == "claim.relationship":
        return _relationship(claim, contact, crm, email)  # type: ignore[arg-type]
    if category == "claim.company_event":
        if recipient.account is None:
            return None
        return _company_event(claim, crm, recipient.account, time)
    if category == "claim.identity":
        return _identity(claim, contact, recipient.account)  # type: ignore[arg-type]
    return _Outcome(True, "not a claim the CRM can check")


def _activity_claim(rows: Sequence[Activity], types: Sequence[str], specific: str | None,
                    time: TimeWindow | None, email: str) -> _Outcome:
    kinds = " or ".join(types)
    named = [r for r in rows if specific is None or _matches(specific, r)]
    fitting = [r for r in named if time is None or time.contains(r.date)]
    if fitting:
        return _Outcome(True, _describe_record(fitting[-1]))
    what = f"no {kinds} for {email}"
    if specific:
        what += f" matching '{specific}'"
    if time is not None:
        what += f" around '{time.phrase}' ({time.start} to {time.end})"
    closest = _closest(named or rows, specific, time)
    return _Outcome(False, what, _describe_closest(closest, time) if closest else "")


def _referral(rows: Sequence[Activity], person: str | None, time: TimeWindow | None,
              email: str) -> _Outcome:
    for row in rows:
        if person is None or _same_person(person, f"{row.detail or ''} {row.subject or ''}"):
            if time is None or time.contains(row.date):
                return _Outcome(True, _describe_record(row))
    what = f"no referral for {email}" + (f" from '{person}'" if person else "")
    closest = rows[-1] if rows else None
    record = f"a referral from '{closest.detail or closest.subject}' on {closest.date}" \
        if closest else ""
    return _Outcome(False, what, record)


BODY_THREAD_TYPES = {"reply": ("email_received",), "sent": ("email_sent",),
                     "forward": ("email_received", "email_sent")}


def _thread(message: Message, claim: Claim, crm: CRM, email: str,
            time: TimeWindow | None) -> _Outcome:
    if claim.field == "subject":
        rows = crm.activities_for(email, THREAD_TYPES)
        topic = re.sub(r"^\s*(?:(?:re|fwd?|aw|wg|tr)\s*:\s*)+", "", claim.sentence,
                       flags=re.IGNORECASE)
        if any(_matches(topic, row) for row in rows) or (rows and not topic.strip()):
            return _Outcome(True, "an earlier email with this subject")
        if rows:
            return _Outcome(False, f"no earlier email with {email} about '{topic.strip()}'",
                            _describe_closest(rows[-1], None))
        return _Outcome(False, f"no email_received or email_sent for {email}")
    # "as per my last email" claims the sender wrote before; "thanks for your email", that the
    # reader did; a forward, that some earlier email exists.
    types = BODY_THREAD_TYPES.get(claim.specific("kind") or "reply", ("email_received",))
    rows = crm.activities_for(email, types)
    return _activity_claim(rows, types, None, time, email)


def _relationship(claim: Claim, contact: Contact, crm: CRM, email: str) -> _Outcome:
    stage = claim.specific("stage") or "customer"
    actual = contact.lifecycle_stage or "unknown"
    purchases = crm.activities_for(email, ("purchase",))
    if stage == "customer" and (actual == "customer" or (purchases and actual != "former_customer")):
        return _Outcome(True, f"lifecycle_stage {actual}")
    if stage == "former_customer" and actual in ("former_customer", "customer"):
        return _Outcome(True, f"lifecycle_stage {actual}")
    if stage == "partner" and (actual == "other" or "partner" in str(contact.extra).lower()):
        return _Outcome(True, f"lifecycle_stage {actual}")
    record = f"a purchase '{purchases[-1].subject}' on {purchases[-1].date}" if purchases else ""
    return _Outcome(False, f"{email} has lifecycle_stage {actual}, not {stage}", record)


def _company_event(claim: Claim, crm: CRM, account: Account,
                   time: TimeWindow | None) -> _Outcome:
    rows = crm.account_activities(account.company, ("account_event",))
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
        return _Outcome(True, _describe_record(row))
    what = f"no account_event for {account.company}"
    if round_name or event:
        what += f" about '{round_name or event}'"
    closest = rows[-1] if rows else None
    return _Outcome(False, what, _describe_record(closest) if closest else "")


def _event_words_match(event: str, text: str) -> bool:
    for stem, words in COMPANY_EVENT_WORDS.items():
        if event.startswith(stem):
            return any(word in text for word in words)
    return event[:5] in text


def _identity(claim: Claim, contact: Contact, account: Account | None) -> _Outcome:
    name = claim.specific("name")
    if name is not None:
        if not contact.first_name or _same_first_name(name, contact.first_name):
            return _Outcome(True, f"first_name {contact.first_name}")
        return _Outcome(False, f"the CRM's first_name for {contact.email} is "
                               f"'{contact.first_name}', not '{name}'")
    company = claim.specific("company")
    if company is not None:
        known = [n for n in (contact.company, account.company if account else None) if n]
        if known and not any(fuzz.partial_ratio(_normal(company), _normal(k)) >= MATCH_THRESHOLD
                             for k in known):
            return _Outcome(False, f"the CRM has {contact.email} at '{known[0]}', not "
                                   f"'{company}'")
    title = claim.specific("title") or claim.specific("role")
    if title is not None and contact.title:
        if not _titles_agree(title, contact.title):
            return _Outcome(False, f"the CRM's title for {contact.email} is '{contact.title}', "
                                   f"not '{title}'")
    return _Outcome(True, "matches the contact record")


def identity_claims_for(message: Message, recipient: Recipient, crm: CRM | None) -> list[Claim]:
    """Identity claims: the greeting's name, a title, and other CRM companies named as theirs."""
    from .claims import identity_claims

    if crm is None or recipient.contact is None:
        return []
    claims = identity_claims(message, date.today())
    own = {_normal(n) for n in (recipient.contact.company,
                                recipient.account.company if recipient.account else None) if n}
    claims.extend(_other_company_mentions(message, crm, own))
    return claims


def _not_said_twice(crm_claims: list[Claim], claims: Sequence[Claim]) -> list[Claim]:
    """The CRM stage's identity claims, less those inside an identity claim the rules found
    ("As VP Marketing at Kaltwerk, you": one claim, not two)."""
    found = [c for c in claims if c.category == "claim.identity"]
    return [c for c in crm_claims
            if not any(f.field == c.field and f.start <= c.start and c.end <= f.end
                       for f in found)]


_YOUR_CONTEXT = re.compile(
    r"\b(?:you|your|you're|you’re)\b|\ball is well at\b|\bhope .{0,30}\bat\b", re.IGNORECASE)


def _other_company_mentions(message: Message, crm: CRM, own: set[str]) -> list[Claim]:
    """Another CRM account named in a sentence about the reader ("Hope all is well at Corvid")."""
    body = message.body.text
    limit = message.signature_start if message.signature_start is not None else len(body)
    text = body[:limit]
    claims: list[Claim] = []
    claimed: set[tuple[int, str]] = set()
    for start, end, name, indexes in crm.account_mentions(text):
        for index in indexes:
            key = _normal(crm.accounts[index].company)
            if not key or key in own or any(key in o or o in key for o in own) or \
                    (index, name) in claimed:
                continue
            paragraph_start = text.rfind("\n\n", 0, start) + 1
            sentence_start = max(paragraph_start, max(text.rfind(". ", 0, start),
                                                      text.rfind("! ", 0, start)) + 1)
            end_candidates = [i for i in (text.find(". ", end), text.find("! ", end),
                                          text.find("\n\n", end)) if i != -1]
            sentence = text[sentence_start:min(end_candidates, default=len(text))]
            if not _YOUR_CONTEXT.search(sentence) and f"{name} is" not in sentence \
                    and f"{name}'s" not in sentence:
                continue
            claimed.add((index, name))
            claims.append(Claim("claim.identity", "identity-company", "body", start, end,
                                text[start:end], " ".join(sentence.split()),
                                (("company", name),)))
    return claims


def _same_first_name(said: str, recorded: str) -> bool:
    said, recorded = said.lower(), recorded.lower()
    if said == recorded or recorded.startswith(said) or said.startswith(recorded):
        return True
    if fuzz.ratio(_strip_accents(said), _strip_accents(recorded)) >= 90:
        return True
    return said in NICKNAMES.get(recorded, ()) or recorded in NICKNAMES.get(said, ())


# The areas job titles and roles name, each with the words (and acronyms) that name it: "CFO",
# "head of finance" and "Controller" are all finance.
TITLE_AREAS = {
    "finance": ("finance", "financial", "cfo", "accounting", "accountant", "controller",
                "comptroller", "treasury", "treasurer", "fpa", "bookkeeping", "bookkeeper", "tax",
                "audit", "payroll"),
    "people": ("people", "hr", "human", "talent", "recruiting", "recruitment", "recruiter",
               "hiring", "chro", "workforce", "personnel"),
    "sales": ("sales", "revenue", "commercial", "cro", "partnerships", "partnership", "alliances",
              "channel", "bizdev", "bd", "selling", "account"),
    "marketing": ("marketing", "cmo", "brand", "growth", "demand", "content", "communications",
                  "comms", "pr", "events", "event", "digital"),
    "operations": ("operations", "ops", "coo", "operating", "logistics", "fleet", "fulfilment",
                   "fulfillment", "warehouse", "warehousing", "supply", "transport",
                   "transportation", "revops"),
    "technology": ("technology", "technical", "engineering", "engineer", "cto", "cio", "it",
                   "software", "infrastructure", "devops", "platform", "developer",
                   "architecture"),
    "data": ("data", "analytics", "bi", "insights", "cdo"),
    "security": ("security", "ciso", "infosec", "cyber"),
    "product": ("product", "cpo", "ux", "design"),
    "procurement": ("procurement", "purchasing", "buying", "buyer", "sourcing", "vendor"),
    "facilities": ("facilities", "estates", "property", "workplace", "premises", "maintenance"),
    "legal": ("legal", "counsel", "attorney", "lawyer", "solicitor", "compliance", "risk", "gc"),
    "customer": ("customer", "success", "support", "service", "cx", "experience"),
    "medical": ("medical", "clinical", "nursing", "nurse", "physician", "doctor", "clinic"),
    "education": ("admissions", "enrolment", "enrollment", "academic", "curriculum", "student",
                  "dean", "registrar"),
    "executive": ("ceo", "president", "md", "gm", "executive", "managing"),
}
_AREA_OF_WORD = {word: area for area, words in TITLE_AREAS.items() for word in words}


def _title_areas(title: str) -> set[str]:
    areas = set()
    for word in _normal(title).replace("&", " ").split():
        area = _AREA_OF_WORD.get(word) or _AREA_OF_WORD.get(word.rstrip("s"))
        if area:
            areas.add(area)
    return areas


def _titles_agree(said: str, recorded: str) -> bool:
    """Titles (or a role: "the talent team") agree unless both name areas and share none: "head
    of marketing" and "VP Marketing" agree, "head of marketing" and "VP Sales" do not, and a
    founder or a "decision-maker" names no area to disagree with."""
    said_areas = _title_areas(said)
    recorded_areas = _title_areas(recorded)
    return not said_areas or not recorded_areas or bool(said_areas & recorded_areas)


def _same_person(person: str, text: str) -> bool:
    person_words = [w for w in _normal(person).split() if len(w) > 1]
    text_norm = _strip_accents(_normal(text))
    if not person_words:
        return False
    return all(_strip_accents(w) in text_norm for w in person_words) or \
        fuzz.partial_ratio(_strip_accents(_normal(person)), text_norm) >= 90


def _strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _normal(text: str | None) -> str:
    """Lower case, no years, no punctuation: 'SaaStr Annual 2026 —' -> 'saastr annual'."""
    return " ".join(_NON_WORD.sub(" ", _YEAR.sub(" ", (text or "").lower())).split())


STOP_WORDS = frozenset({"the", "our", "your", "a", "an", "of", "and", "for", "in", "on", "at",
                        "to", "with", "my", "from", "by", "&"})


def _matches(specific: str, row: Activity) -> bool:
    """Whether the record names what the claim names: the claim's words (case, accents and
    years aside, and allowing a typo) appear in the subject or detail. Short names must match
    whole; longer titles may miss one word in four ("Pipeline Playbook 2026 edition")."""
    wanted = [w for w in _strip_accents(_normal(specific)).split() if w not in STOP_WORDS]
    if not wanted:
        return True
    needed = len(wanted) if len(wanted) <= 2 else -(-3 * len(wanted) // 4)
    for value in (row.subject, row.detail):
        words = _strip_accents(_normal(value)).split()
        if not words:
            continue
        found = sum(any(_same_word(w, r) for r in words) for w in wanted)
        if found >= needed:
            return True
    return False


def _same_word(wanted: str, word: str) -> bool:
    if wanted == word or (len(wanted) >= 5 and word.startswith(wanted[:5])
                          and abs(len(word) - len(wanted)) <= 3):
        return True
    return len(wanted) >= 5 and fuzz.ratio(wanted, word) >= 85


def _closest(rows: Sequence[Activity], specific: str | None,
             time: TimeWindow | None) -> Activity | None:
    if not rows:
        return None

    def key(row: Activity) -> tuple[float, int]:
        similarity = fuzz.partial_ratio(_normal(specific), _normal(row.subject)) if specific else 0
        distance = time.distance(row.date) if time else 0
        return (-similarity, distance)

    return min(rows, key=key)


def _describe_record(row: Activity) -> str:
    return f"{row.type} '{row.subject or row.detail or ''}' on {row.date}"


def _describe_closest(row: Activity, time: TimeWindow | None) -> str:
    text = f"{row.type} '{row.subject or row.detail or ''}', {row.date}"
    if time is not None and not time.contains(row.date):
        days = time.distance(row.date)
        when = "before" if row.date < time.start else "after"
        amount = f"{round(days / 30)} months" if days >= 45 else f"{days} days"
        text += f", {amount} {when} '{time.phrase}'"
    return text


def _suppression(message: Message, contact: Contact, rule: Rule) -> list[Finding]:
    reasons = []
    if contact.email_opt_out:
        reasons.append("has opted out of commercial email (email_opt_out)")
    if contact.do_not_contact:
        reasons.append("is marked do-not-contact")
    country = (contact.country or "").upper()
    if country in CONSENT_COUNTRIES and contact.consent is not None \
            and contact.consent not in VALID_CONSENT:
        reasons.append(f"is in {country}, where commercial email needs consent, and the CRM "
                       f"records consent '{contact.consent}'")
    if not reasons:
        return []
    # field "headers": the To: line
    return [rule_finding(rule, header_location(message, "to"), contact.email, "headers",
                         {"recipient": contact.email, "reasons": " and ".join(reasons)})]


def header_location(message: Message, name: str) -> Location:
    """Where header ``name`` stands in the file (line 1 when the file has none)."""
    match = re.search(rf"^{re.escape(name)}[ \t]*:", message.source.text,
                      re.IGNORECASE | re.MULTILINE)
    if match is None:
        return Location(1, 1, 1, 1)
    line, column = message.source.position(match.start())
    return Location(line, column, line, column + len(message.source.line(line)))


def relevance_signals(message: Message, recipient: Recipient,
                      contradicted: int) -> list[Signal]:
    """What the CRM says about relevance: the reader's interests, industry, role and company
    mentioned raise it; false personal claims cost heavily (worse than none)."""
    signals: list[Signal] = []
    contact = recipient.contact
    text = message.body.text.lower() + " " + (message.subject.text.lower() if message.subject
                                              else "")
    if contact is not None:
        hits = [i for i in contact.interests if i and _mentions(text, i)]
        if hits:
            signals.append(Signal(min(20, 10 * len(hits)),
                                  f"mentions their interests ({', '.join(hits)})"))
        elif contact.interests:
            signals.append(Signal(-10, "mentions none of their interests "
                                       f"({', '.join(contact.interests)})"))
        industry = contact.industry or (recipient.account.industry if recipient.account else None)
        if industry and _mentions(text, industry):
            signals.append(Signal(5, f"speaks to their industry ({industry})"))
        if contact.title and _titles_agree_text(contact.title, text):
            signals.append(Signal(5, f"speaks to their role ({contact.title})"))
    if contradicted:
        signals.append(Signal(-min(30, 15 * contradicted),
                              f"{contradicted} personal claim(s) the CRM contradicts"))
    return signals


def _mentions(text: str, phrase: str) -> bool:
    words = [w for w in _normal(phrase).split() if len(w) > 3]
    if not words:
        return False
    # Every content word of the phrase, by its first five letters ("forecasting" ~ "forecast").
    return all(re.search(rf"\b{re.escape(w[:5])}", text) for w in words)


def _titles_agree_text(title: str, text: str) -> bool:
    generic = {"head", "vp", "vice", "president", "director", "chief", "manager", "lead",
               "senior", "officer", "of", "and", "the"}
    words = [w for w in _normal(title).split() if w not in generic and len(w) > 3]
    return bool(words) and any(re.search(rf"\b{re.escape(w[:5])}", text) for w in words)


# What each kind of claim says, for messages that name the claim's kind (templates/).
CLAIM_WORDS = {
    "claim.meeting": "a meeting",
    "claim.conversation": "an earlier conversation",
    "claim.referral": "a referral",
    "claim.relationship": "a customer relationship",
    "claim.content": "a download, signup or attendance",
    "claim.company_event": "a company event",
    "claim.identity": "who the recipient is",
    "claim.thread": "an earlier email thread",
}
