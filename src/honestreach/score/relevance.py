"""Relevance: how much a message is written for its reader, from the sender's prose, the
claim findings and outside signals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..checks.base import word_start
from ..checks.emphasis import is_common_word
from ..model import Finding
from .points import clamp_score, decayed, round_half_up

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
         word_start(r"dear\s+valued\s+(?:customer|client|partner|member)")),
        ("To whom it may concern", ("whom",), word_start(r"to\s+whom\s+it\s+may\s+concern\b")),
        ("Dear Sir or Madam", ("madam",), word_start(r"dear\s+sir\s*(?:or|/)\s*madam\b")),
        ("Hi there", ("hi", "hello", "hey"),
         r"^[ \t]*(?:hi|hello|hey)\s+(?:there|all|everyone|team|folks)\b"),
        ("I hope this email finds you well", ("finds",),
         word_start(r"hope\s+(?:this|my)\s+(?:e-?mail|message|note)\s+finds\s+you\b")),
        ("I hope you're doing well", ("hope",),
         word_start(r"hope\s+(?:you(?:['’]re|\s+are)\s+(?:doing\s+)?well|all\s+is\s+well)\b")),
        ("I wanted to reach out", ("reach",),
         word_start(r"wanted\s+to\s+reach(?:ing)?\s+out\b", r"just\s+reach(?:ing)?\s+out\b",
                    r"am\s+reach(?:ing)?\s+out\b", r"I['’]m\s+reach(?:ing)?\s+out\b")),
        ("just checking in", ("just",),
         word_start(r"just\s+(?:checking\s+in|following\s+up|touching\s+base)\b")),
        ("touching base", ("base", "circl"),
         word_start(r"touch(?:ing)?\s+base\b", r"circl(?:e|ing)\s+back\b")),
        ("we are a leading provider", ("leading", "premier", "top ", "class", "edge", "stop",
                                       "level"),
         word_start(r"a\s+(?:leading|premier|top)\s+(?:provider|supplier|platform|vendor)\b",
                    r"the\s+(?:leading|premier|top)\s+(?:provider|supplier|platform|vendor)\b",
                    r"industry[\s-]leading\b", r"world[\s-]class\b", r"best[\s-]in[\s-]class\b",
                    r"cutting[\s-]edge\b", r"one[\s-]stop[\s-]shop\b", r"next\s+level\b")),
        ("You're receiving this because", ("receiving", "sent to"),
         word_start(r"you(?:['’]re|\s+are)\s+receiving\s+this\b",
                    r"this\s+(?:e-?mail|message)\s+was\s+sent\s+to\b")),
        ("I came across your profile", ("came across",),
         word_start(r"came\s+across\s+your\s+(?:profile|company|website|linkedin)\b")),
    )
)
_GENERIC_GREETINGS = frozenset(
    {"Dear valued customer", "To whom it may concern", "Dear Sir or Madam", "Hi there"})
_SECOND = re.compile(word_start("you", "your", "yours", "yourself", "yourselves",
                                "you['’](?:re|ve|d|ll)") + r"\b", re.IGNORECASE)
_FIRST = re.compile(word_start("I", "me", "my", "mine", "myself", "we", "us", "our", "ours",
                               "ourselves", "I['’](?:m|ve|d|ll)", "we['’](?:re|ve|d|ll)")
                    + r"\b", re.IGNORECASE)
# "(?<![\w.])[$€£]?\d...", written to start with the characters a number starts with, which a
# search skips to (an expression that starts with a look-behind is tried at every character).
_NUMBER = re.compile(r"[$€£\d](?<![\w.].)(?:(?<=[$€£])\d|(?<=\d))[\d,.:]*(?:%|\s?(?:am|pm))?(?![\w])",
                     re.IGNORECASE)
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
# Blanks after a letter or digit (checked behind the first blank, which a search skips to),
# then capitalised words.
_CAPITALISED = re.compile(
    r"[ \t](?<=[^\W_][ \t])[ \t]*([A-Z][\w'’&-]*(?:[ \t]+[A-Z][\w'’&-]*)*)")
_NOT_SPECIFIC = frozenset({"I", "I'm", "I've", "I'd", "I'll", "OK"})


@dataclass(frozen=True)
class Signal:
    """Outside evidence for relevance (e.g. from the CRM): points to add and why."""

    points: int
    reason: str


def score_relevance(
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
        points = round_half_up(YOU_WEIGHT * (share - YOU_NEUTRAL))
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
        points = max(CLAIM_MAX_POINTS, -round_half_up(decayed([-CLAIM_POINTS] * len(claims))))
        rules = sorted({f.rule for f in claims})
        add(points, f"unsubstantiated claims ({', '.join(rules)})")

    for signal in signals:
        add(signal.points, signal.reason)

    total = RELEVANCE_BASE + sum(points for points, _ in reasons)
    reasons.sort(key=lambda r: -abs(r[0]))
    return clamp_score(total), [r for _, r in reasons]


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
        phrase = match.group(1)
        if phrase.endswith(("'s", "’s")):
            phrase = phrase[:-2]
        if phrase in _NOT_SPECIFIC or phrase.isupper():
            continue
        found.setdefault(phrase, None)
    return list(found)
