"""Respect and relevance: two 0-100 scores for one message, with the reasons that moved them.

**Respect** starts at 100. Each finding costs what it means to the reader: its category's
:class:`Cost` (``CATEGORY_COST``) at the finding's severity. A manipulative tactic or
disrespect costs the most among the message's own words; a personal claim costs little while
nothing could check it (no CRM: ``info``) and as much as a tactic once the CRM contradicts it;
writing to a recipient who opted out costs the most of all; missing compliance lines and
unfilled merge fields cost a few points. The second finding of the same rule costs
``REPEAT_DECAY`` times the first, the third ``REPEAT_DECAY``² and so on, so one habit repeated
weighs less than many different problems. Hard-to-read prose (Flesch reading ease below
``READABILITY_FLOOR``) and very long messages cost a little more, never as much as one tactic.

**Relevance** starts at ``RELEVANCE_BASE`` and reads the sender's own prose: it rises for a
greeting by name, for writing to the reader rather than about the sender, for concrete
specifics and for one clear question; it falls for stock blast phrases, for a greeting with
no name and for unsubstantiated claims (warnings and errors in ``CLAIM_CATEGORY_PREFIXES``).
Later stages (the CRM) add their own evidence through ``signals``: each :class:`Signal` adds
its points and reason.

Every weight is a named constant below; ``docs/scores.md`` explains them with a worked example.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable, Sequence

from .checks.compliance import has_opt_out_text, own_text, postal_line_spans
from .checks.emphasis import is_common_word
from .model import Finding, Message, Scores
from .readability import reading_ease
from .taxonomy import CATEGORIES

# --- respect ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cost:
    """Respect points the first finding of a rule costs, by the finding's severity."""

    error: float
    warning: float
    info: float

    def at(self, severity: str) -> float:
        """The cost at ``severity`` (nothing for a severity that is not one of the three)."""
        return {"error": self.error, "warning": self.warning, "info": self.info}.get(severity, 0.0)


#: A tactic aimed at the reader: manufactured urgency or scarcity, pressure, deception,
#: disclosed surveillance, disrespect. What respect measures first.
TACTIC_COST = Cost(error=35, warning=25, info=5)
#: A personal claim ("great meeting you", "as we discussed"), by what is known of it. An error
#: is a claim the CRM contradicts: a lie told to the reader, as costly as a tactic. A warning is
#: one the CRM could not look up (the recipient is not in it): a doubt. An info is one nothing
#: checked (no CRM): honest follow-ups are made of such sentences, so it costs very little.
CLAIM_COST = Cost(error=35, warning=8, info=2)
#: Writing to someone who opted out, is marked do-not-contact or never consented: the reader
#: already said no, which no wording can make respectful.
SUPPRESSED_COST = Cost(error=50, warning=40, info=10)
#: No way to opt out: a gap the law cares about; the reader can still reply to ask, and nothing
#: in the words mistreats them.
OPT_OUT_COST = Cost(error=5, warning=4, info=1)
#: No postal address: a legal gap the reader barely notices.
ADDRESS_COST = Cost(error=4, warning=3, info=1)
#: Careless rather than manipulative: an unfilled merge field ("Hi {{first_name}},") or the
#: same message sent twice.
CARELESS_COST = Cost(error=5, warning=4, info=1)
#: What each category costs. A claim fixed in a template (or sent to many recipients the CRM
#: cannot support) is told to everyone, true or not, and too many messages are nagging: both
#: are tactics. Findings outside the taxonomy (notes about the input itself) cost nothing.
CATEGORY_COST: dict[str, Cost] = {
    **dict.fromkeys(("urgency", "scarcity", "pressure", "deception", "surveillance",
                     "disrespect", "template.hardcoded_claim", "campaign.mass_claim",
                     "campaign.frequency"), TACTIC_COST),
    **dict.fromkeys((c for c in CATEGORIES if c.startswith("claim.")), CLAIM_COST),
    "compliance.suppressed": SUPPRESSED_COST,
    "compliance.unsubscribe": OPT_OUT_COST,
    "compliance.address": ADDRESS_COST,
    "merge_field": CARELESS_COST,
    "campaign.duplicate": CARELESS_COST,
}
#: Each further finding of the same rule costs this fraction of the one before.
REPEAT_DECAY = 0.7
#: Flesch reading ease below this costs points (60-70 is plain English; 30 is academic).
READABILITY_FLOOR = 40.0
#: Points per Flesch point below the floor, and the most readability can cost.
READABILITY_COST_PER_POINT = 0.4
READABILITY_MAX_COST = 8
#: Prose shorter than this is not scored for readability: Flesch is noise on a few lines.
READABILITY_MIN_WORDS = 30
#: Words of the sender's prose that cost nothing; each further started 100 costs
#: ``LENGTH_COST_PER_100``, up to ``LENGTH_MAX_COST``. Readability and length together cost at
#: most 14, less than one tactic warning.
LENGTH_FREE_WORDS = 250
LENGTH_COST_PER_100 = 2
LENGTH_MAX_COST = 6

# --- relevance -------------------------------------------------------------------------------

#: Where relevance starts before any evidence.
RELEVANCE_BASE = 50
#: A greeting that names the reader ("Hi Elena,") / a greeting without a name ("Hello,").
GREETING_NAME_POINTS = 8
NO_GREETING_NAME_POINTS = -8
#: Second person against first person: points = YOU_WEIGHT x (share of "you" - YOU_NEUTRAL),
#: capped at +-YOU_MAX_POINTS; needs at least YOU_MIN_PRONOUNS pronouns to count at all.
YOU_WEIGHT = 30.0
YOU_NEUTRAL = 0.4
YOU_MAX_POINTS = 10
YOU_MIN_PRONOUNS = 3
#: Concrete specifics (numbers, dates, proper nouns in mid-sentence), each distinct one.
SPECIFIC_POINTS = 2
SPECIFICS_MAX_POINTS = 14
#: Exactly one question gives the reader one clear thing to answer; many scatter it.
ONE_QUESTION_POINTS = 5
MANY_QUESTIONS = 4
MANY_QUESTIONS_POINTS = -5
#: Each distinct stock blast phrase ("I hope this email finds you well"), up to the maximum.
BLAST_PHRASE_POINTS = -10
BLAST_MAX_POINTS = -30
#: Unsubstantiated claims: each warning or error in these categories (same decay as respect).
#: An ``info`` claim is one nothing has checked (or the CRM supports): no evidence against it.
CLAIM_CATEGORY_PREFIXES = ("deception", "claim.")
CLAIM_POINTS = -8
CLAIM_MAX_POINTS = -24

_GREETING = re.compile(
    r"^[ \t]*(?:(?:hi|hey|hello|hiya|dear|greetings|good\s+(?:morning|afternoon|evening)|"
    r"hallo|hola|bonjour|salut|ciao|hej|moin|guten\s+tag|liebe[rs]?|sehr\s+geehrte[rs]?)"
    r"[ \t]+)?(?:(?:mr|mrs|ms|mx|miss|dr|prof|herr|frau|mme|m)\.?[ \t]+)?"
    r"(?P<name>[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*)?)[ \t]*[,!:.]*[ \t]*$",
    re.IGNORECASE,
)
# A greeting line is short: a longer line is not read as one.
_GREETING_LINE_CHARS = 200
_GREETING_WORD = re.compile(
    r"^[ \t]*(?:hi|hey|hello|hiya|dear|greetings|good\s+(?:morning|afternoon|evening)|hallo|"
    r"hola|bonjour|salut|ciao|hej|moin|guten\s+tag|liebe[rs]?|sehr\s+geehrte[rs]?)\b",
    re.IGNORECASE,
)
_NOT_A_NAME = frozenset(
    "there all team everyone everybody friend friends folks sir madam customer customers valued "
    "colleague colleagues partner partners guys user member members sir/madam you".split()
)
# Stock phrases of generic blasts: (label, cue words, pattern). A pattern runs only when one of
# its cue words occurs in the lower-cased text, which keeps the whole list cheap. Hype and
# relationship claims ("#1 in the world", "guaranteed to", "you've been selected", "as a valued
# customer") are left to the deception and claim rules, whose findings count below: listing
# them here too would count one sentence twice.
_BLAST_PHRASES: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (label, cues, re.compile(pattern, re.IGNORECASE | re.MULTILINE))
    for label, cues, pattern in (
        ("Dear valued customer", ("valued",),
         r"\bdear\s+valued\s+(?:customer|client|partner|member)"),
        ("To whom it may concern", ("whom",), r"\bto\s+whom\s+it\s+may\s+concern\b"),
        ("Dear Sir or Madam", ("madam",), r"\bdear\s+sir\s*(?:or|/)\s*madam\b"),
        ("Hi there", ("hi", "hello", "hey"),
         r"^[ \t]*(?:hi|hello|hey)\s+(?:there|all|everyone|team|folks)\b"),
        ("I hope this email finds you well", ("finds",),
         r"\bhope\s+(?:this|my)\s+(?:e-?mail|message|note)\s+finds\s+you\b"),
        ("I hope you're doing well", ("hope",),
         r"\bhope\s+(?:you(?:['’]re|\s+are)\s+(?:doing\s+)?well|all\s+is\s+well)\b"),
        ("I wanted to reach out", ("reach",),
         r"\b(?:wanted\s+to|just|am|I['’]m)\s+reach(?:ing)?\s+out\b"),
        ("just checking in", ("just",),
         r"\bjust\s+(?:checking\s+in|following\s+up|touching\s+base)\b"),
        ("touching base", ("base", "circl"), r"\btouch(?:ing)?\s+base\b|\bcircl(?:e|ing)\s+back\b"),
        ("we are a leading provider", ("leading", "premier", "top ", "class", "edge", "stop",
                                       "level"),
         r"\b(?:a|the)\s+(?:leading|premier|top)\s+(?:provider|supplier|platform|vendor)\b|"
         r"\bindustry[\s-]leading\b|\bworld[\s-]class\b|\bbest[\s-]in[\s-]class\b|"
         r"\bcutting[\s-]edge\b|\bone[\s-]stop[\s-]shop\b|\bnext\s+level\b"),
        ("You're receiving this because", ("receiving", "sent to"),
         r"\byou(?:['’]re|\s+are)\s+receiving\s+this\b|\bthis\s+(?:e-?mail|message)\s+was\s+"
         r"sent\s+to\b"),
        ("I came across your profile", ("came across",),
         r"\bcame\s+across\s+your\s+(?:profile|company|website|linkedin)\b"),
    )
)
_GENERIC_GREETINGS = frozenset(
    {"Dear valued customer", "To whom it may concern", "Dear Sir or Madam", "Hi there"})
_SECOND = re.compile(r"\b(?:you|your|yours|yourself|yourselves|you['’](?:re|ve|d|ll))\b",
                     re.IGNORECASE)
_FIRST = re.compile(r"\b(?:I|me|my|mine|myself|we|us|our|ours|ourselves|"
                    r"I['’](?:m|ve|d|ll)|we['’](?:re|ve|d|ll))\b", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b",
                  re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_NUMBER = re.compile(r"(?<![\w.])[$€£]?\d[\d,.:]*(?:%|\s?(?:am|pm))?(?![\w])", re.IGNORECASE)
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_CAPITALISED = re.compile(r"(?<=[^\W_])[ \t]+([A-Z][\w'’&-]*(?:[ \t]+[A-Z][\w'’&-]*)*)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BULLET = re.compile(r"^(?:[-*•–]|\d{1,2}[.)])[ \t]+")
_STRIP_POSSESSIVE = re.compile(r"['’]s$")
_NOT_SPECIFIC = frozenset({"I", "I'm", "I've", "I'd", "I'll", "OK"})


@dataclass(frozen=True)
class Signal:
    """Outside evidence for relevance (e.g. from the CRM): points to add and why."""

    points: int
    reason: str


def score_message(
    message: Message, findings: Sequence[Finding], signals: Iterable[Signal] = ()
) -> Scores:
    """Respect and relevance of ``message`` given its findings (and any outside signals)."""
    prose = sender_prose(message)
    respect, respect_reasons = _respect(prose, findings)
    relevance, relevance_reasons = _relevance(own_text(message), prose, findings, signals)
    return Scores(respect, relevance, tuple(respect_reasons), tuple(relevance_reasons))


def sender_prose(message: Message) -> str:
    """The sender's own prose: the body above the sign-off, without quoted text or links.

    When no sign-off was found, trailing paragraphs that hold a postal address or an opt-out
    line are taken for the signature and footer, and dropped too.
    """
    text = own_text(message)
    postal = sorted(s for s, _ in postal_line_spans(text))
    end = len(text) if message.signature_start is None else message.signature_start
    # Found once and walked back: found again for each dropped paragraph, a footer repeated
    # thousands of times took quadratic time.
    breaks = list(_PARAGRAPH_BREAK.finditer(text, 0, end))
    while True:
        # The last paragraph of text[:end]: drop it while it is blank, postal or an opt-out.
        start = breaks[-1].end() if breaks else 0
        paragraph = text[start:end]
        if start == 0 or not (
            not paragraph.strip()
            or bisect_left(postal, start) < bisect_left(postal, end)
            or has_opt_out_text(paragraph)
        ):
            break
        end = breaks.pop().start()
    return _URL.sub(" ", text[:end])


def readable_text(prose: str) -> str:
    """Prose laid out for Flesch: wrapped lines joined, and each paragraph, list item or
    greeting ending as a sentence (a bulleted list is not one long sentence)."""
    units: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(prose):
        current: list[str] = []
        for line in paragraph.splitlines():
            line = line.strip()
            if not line:
                continue
            if _BULLET.match(line):
                if current:
                    units.append(" ".join(current))
                current = [_BULLET.sub("", line)]
                units.append(current.pop())
                continue
            current.append(line)
        if current:
            units.append(" ".join(current))
    return " ".join(u if u[-1] in ".!?" else u.rstrip(",;:") + "." for u in units if u)


def _round(value: float) -> int:
    """Round half up (Python's round() goes to even, which is harder to check by hand)."""
    return math.floor(value + 0.5)


def _clamp(value: float) -> int:
    return int(max(0, min(100, _round(value))))


def _decayed(costs: list[float]) -> float:
    """The sum of costs, largest first, each further one weighted by REPEAT_DECAY^k."""
    return sum(c * REPEAT_DECAY**k for k, c in enumerate(sorted(costs, reverse=True)))


def _respect(prose: str, findings: Sequence[Finding]) -> tuple[int, list[str]]:
    reasons: list[tuple[int, str]] = []
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    total = 0
    for rule, group in by_rule.items():
        category_cost = CATEGORY_COST.get(group[0].category)
        if category_cost is None:
            continue
        costs = [category_cost.at(f.severity) for f in group]
        cost = _round(_decayed(costs))
        if cost <= 0:
            continue
        worst = group[costs.index(max(costs))].severity
        times = f" x{len(group)}" if len(group) > 1 else ""
        reasons.append((cost, f"-{cost} {group[0].category} {worst}{times} ({rule})"))
        total += cost
    words = len(_WORDS.findall(prose))
    if words >= READABILITY_MIN_WORDS:
        ease = reading_ease(readable_text(prose))
        if ease < READABILITY_FLOOR:
            cost = min(READABILITY_MAX_COST,
                       _round((READABILITY_FLOOR - ease) * READABILITY_COST_PER_POINT))
            if cost > 0:
                reasons.append((cost, f"-{cost} hard to read (Flesch {ease:.0f})"))
                total += cost
    if words > LENGTH_FREE_WORDS:
        cost = min(LENGTH_MAX_COST,
                   math.ceil((words - LENGTH_FREE_WORDS) / 100) * LENGTH_COST_PER_100)
        reasons.append((cost, f"-{cost} long ({words} words)"))
        total += cost
    reasons.sort(key=lambda r: -r[0])
    return _clamp(100 - total), [r for _, r in reasons]


def _relevance(
    own: str, prose: str, findings: Sequence[Finding], signals: Iterable[Signal]
) -> tuple[int, list[str]]:
    reasons: list[tuple[int, str]] = []

    def add(points: int, reason: str) -> None:
        if points:
            reasons.append((points, f"{points:+d} {reason}"))

    lines = [line for line in prose.splitlines() if line.strip()]
    greeting_line = lines[0] if lines else ""
    name = _greeting_name(greeting_line)
    body_lines = lines[1:] if name is not None or _GREETING_WORD.match(greeting_line) else lines
    body = "\n".join(body_lines)

    # Stock phrases count anywhere in the sender's text, footer included ("You're receiving
    # this because you signed up...").
    lowered = own.lower()
    blasts: list[tuple[str, str]] = []
    for label, cues, pattern in _BLAST_PHRASES:
        if any(cue in lowered for cue in cues):
            match = pattern.search(own)
            if match:
                blasts.append((label, " ".join(match.group().split())))
    if name:
        add(GREETING_NAME_POINTS, f"greets the reader by name ({name})")
    elif not any(label in _GENERIC_GREETINGS for label, _ in blasts):
        add(NO_GREETING_NAME_POINTS, "no name in the greeting")

    second = len(_SECOND.findall(prose))
    first = sum(1 for word in _FIRST.findall(prose) if word != "US")  # "US" is a country
    if second + first >= YOU_MIN_PRONOUNS:
        share = second / (second + first)
        points = _round(YOU_WEIGHT * (share - YOU_NEUTRAL))
        points = max(-YOU_MAX_POINTS, min(YOU_MAX_POINTS, points))
        if points > 0:
            add(points, f"written to the reader ('you' {second} vs 'I/we' {first})")
        elif points < 0:
            add(points, f"written about the sender ('I/we' {first} vs 'you' {second})")

    specifics = _specifics(body)
    if specifics:
        points = min(SPECIFICS_MAX_POINTS, SPECIFIC_POINTS * len(specifics))
        shown = ", ".join(specifics[:3]) + ("..." if len(specifics) > 3 else "")
        add(points, f"concrete specifics ({len(specifics)}: {shown})")

    questions = sum(1 for s in _SENTENCES.findall(body) if s.rstrip().endswith("?"))
    if questions == 1:
        add(ONE_QUESTION_POINTS, "asks one clear question")
    elif questions >= MANY_QUESTIONS:
        add(MANY_QUESTIONS_POINTS, f"asks {questions} questions")

    if blasts:
        points = max(BLAST_MAX_POINTS, BLAST_PHRASE_POINTS * len(blasts))
        add(points, "stock phrasing (" + "; ".join(f"'{text}'" for _, text in blasts) + ")")

    claims = [f for f in findings if f.category.startswith(CLAIM_CATEGORY_PREFIXES)
              and f.severity in ("warning", "error")]
    if claims:
        points = max(CLAIM_MAX_POINTS, -_round(_decayed([-CLAIM_POINTS] * len(claims))))
        rules = sorted({f.rule for f in claims})
        add(points, f"unsubstantiated claims ({', '.join(rules)})")

    for signal in signals:
        add(signal.points, signal.reason)

    total = RELEVANCE_BASE + sum(points for points, _ in reasons)
    reasons.sort(key=lambda r: -abs(r[0]))
    return _clamp(total), [r for _, r in reasons]


def _greeting_name(line: str) -> str | None:
    """The reader's name in a greeting line ("Hi Elena," / "Dear Daniel," / "Jake,")."""
    if len(line) > _GREETING_LINE_CHARS:
        return None  # not a greeting; and _GREETING backtracks in quadratic time on long runs
    match = _GREETING.match(line)
    if not match:
        return None
    name = match.group("name").rstrip(".")
    first = name.split()[0]
    if first.lower() in _NOT_A_NAME or not first[0].isupper() or _GREETING_WORD.match(first):
        return None
    if not _GREETING_WORD.match(line):
        # Without "Hi"/"Dear", a first line is a greeting only as a punctuated name ("Jake,"),
        # not an opening word ("Thanks," "Congrats!").
        if " " in name or not re.search(r"[,!:]\s*$", line) or is_common_word(name):
            return None
    return name


def _specifics(text: str) -> list[str]:
    """Distinct concrete details: numbers, and capitalised words that do not open a sentence."""
    found: dict[str, None] = {}
    for match in _NUMBER.finditer(text):
        found.setdefault(match.group().rstrip(".,:"), None)
    for match in _CAPITALISED.finditer(text):
        phrase = _STRIP_POSSESSIVE.sub("", match.group(1))
        if phrase in _NOT_SPECIFIC or phrase.isupper():
            continue
        found.setdefault(phrase, None)
    return list(found)
