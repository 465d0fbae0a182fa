"""``claim.identity``: who the recipient is, as the message says it.

Found in prose by the identity rules ("As head of finance at Harrowgate, you...", "you lead
the data team", "given your role as COO"), and by the CRM stage itself (``crm_claims``): the
greeting's name, and another CRM company named as the reader's ("Hope all is well at Corvid").
The last two (rules ``identity-greeting-name``, ``identity-company``) are reported only when
the CRM contradicts them.

Specifics: ``title``, the title the sentence gives the reader ("head of finance", "CFO", "VP of
Engineering"); ``role``, what it says they run when no title is named ("talent team",
"admissions"); ``company``, where it places them ("Harrowgate" in "at Harrowgate",
"Harrowgate's head of marketing", "CEO of Tallis Freight"); ``name``, the greeting's name.
Verified against the contact record (no activity): ``first_name`` (nicknames tolerated),
``company`` or the account's, ``title`` (by the areas titles name, see ``people.py``).
"""

from __future__ import annotations

import re

from ..crm import CRM
from ..crm.companies import same_company
from ..model import Claim, Message, TimeWindow
from .kind import ClaimKind, Outcome, Recipient
from .people import same_first_name, titles_agree
from .reading import NOT_NAMES, PERSON, TIME_WORDS, Found, LazyPattern, clean_name
from .records import normal

CRM_ONLY_RULES = frozenset({"identity-greeting-name", "identity-company"})

_GREETING = re.compile(
    r"\A\s*(?:hi|hello|hey|dear|hallo|hola|bonjour|ciao|good (?:morning|afternoon|evening))"
    r"[ \t]+(?P<name>[A-Z][\w'’-]+)(?=[ \t]*[,!:.\n])", re.IGNORECASE)

# Where a title starts: "as (the) CFO", "as Ironleaf's head of marketing", "your role as COO",
# "you're clearly the decision-maker".
_TITLE_CUE = LazyPattern(
    rf"(?i:\b(?:as|being|(?:role|position|capacity|job|title|remit|seat|post)[ \t]+as|"
    rf"you(?:['’]re|[ \t]+are)(?:[ \t]+(?:clearly|obviously|now|currently|evidently|surely|"
    rf"definitely|certainly|still|also|really))?))[ \t]+"
    rf"(?:(?i:the|an?|our|their)[ \t]+)?(?:(?P<owner>{PERSON})['’]s?[ \t]+)?")
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
_PERSON_RUN = LazyPattern(PERSON)
_COMPANY_AT = LazyPattern(rf"(?i:\b(?:at|of|with))[ \t]+(?:(?i:the)[ \t]+)?(?P<name>{PERSON})")


def read(sentence: str, start: int, end: int) -> Found:
    """The title ("head of finance", "CFO") or the role ("the talent team", "admissions")
    the sentence gives the reader, and the company it places them at ("Halden Foods")."""
    found: Found = []
    matched = sentence[start:end]
    company = None
    title = None
    cue = _TITLE_CUE.search(sentence, start)
    if cue and cue.start() < end:
        title, company = _title_and_company(sentence[cue.end():])
        if title and title.split()[-1].lower() in _PERSON_WORDS:
            title = None
        if cue.group("owner"):
            owner = clean_name(cue.group("owner"))
            company = owner if owner and owner.split()[0] not in TIME_WORDS else company
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
    run = _PERSON_RUN.match(" ".join(t for t in tokens[:6] if t.lower() != "the"))
    return _company_name(run.group(0)) if run else None


def _company_name(text: str) -> str | None:
    name = clean_name(text)
    if not name or name.split()[0] in TIME_WORDS or \
            all(word.lower() in _DEPARTMENT_WORDS for word in name.split()):
        return None
    return name


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """The greeting's name against ``first_name``, a company against the contact's company or
    account, a title or role against ``title``."""
    contact = recipient.contact
    assert contact is not None  # the kind needs a known contact
    account = recipient.account
    name = claim.specific("name")
    if name is not None:
        if not contact.first_name or same_first_name(name, contact.first_name):
            return Outcome(True, f"first_name {contact.first_name}")
        return Outcome(False, f"the CRM's first_name for {contact.email} is "
                              f"'{contact.first_name}', not '{name}'")
    company = claim.specific("company")
    if company is not None:
        known = [n for n in (contact.company, account.company if account else None) if n]
        if known and not any(same_company(company, k) for k in known):
            return Outcome(False, f"the CRM has {contact.email} at '{known[0]}', not "
                                  f"'{company}'")
    title = claim.specific("title") or claim.specific("role")
    if title is not None and contact.title:
        if not titles_agree(title, contact.title):
            return Outcome(False, f"the CRM's title for {contact.email} is '{contact.title}', "
                                  f"not '{title}'")
    return Outcome(True, "matches the contact record")


def crm_claims(message: Message, recipient: Recipient, crm: CRM) -> list[Claim]:
    """The greeting's name, and other CRM companies named as theirs (titles and roles in prose
    are found by the identity rules)."""
    contact = recipient.contact
    assert contact is not None  # asked only for a known contact
    claims = _greeting_claims(message)
    own = [n for n in (contact.company,
                       recipient.account.company if recipient.account else None) if n]
    claims.extend(_other_company_mentions(message, crm, own))
    return claims


def _greeting_claims(message: Message) -> list[Claim]:
    claims: list[Claim] = []
    body = message.body.text
    limit = message.signature_start if message.signature_start is not None else len(body)
    greeting = _GREETING.match(body[:limit])
    if greeting and greeting.group("name") not in NOT_NAMES:
        name = greeting.group("name")
        claims.append(Claim("claim.identity", "identity-greeting-name", "body",
                            greeting.start("name"), greeting.end("name"), name,
                            greeting.group(0).strip(), (("name", name),)))
    return claims


_YOUR_CONTEXT = re.compile(
    r"\b(?:you|your|you're|you’re)\b|\ball is well at\b|\bhope .{0,30}\bat\b", re.IGNORECASE)


def _other_company_mentions(message: Message, crm: CRM, own: list[str]) -> list[Claim]:
    """Another CRM account (not the reader's own company, ``own``) named in a sentence about
    the reader ("Hope all is well at Corvid")."""
    body = message.body.text
    limit = message.signature_start if message.signature_start is not None else len(body)
    text = body[:limit]
    claims: list[Claim] = []
    claimed: set[tuple[int, str]] = set()
    for start, end, name, indexes in crm.account_mentions(text):
        for index in indexes:
            company = crm.accounts[index].company
            if not normal(company) or any(same_company(company, o) for o in own) or \
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


KIND = ClaimKind("claim.identity", "who the recipient is", read, check, (), timed=False,
                 crm_claims=crm_claims, crm_only_rules=CRM_ONLY_RULES)
