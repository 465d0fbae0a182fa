"""The shouting check: runs of ordinary words in capitals, in the subject and the sender's
prose."""

from __future__ import annotations

import re
from typing import Any, Iterable

import regex

from ...model import Message
from ..base import Hit
from ..layout import ADDRESSES_READER
from ..own_text import blank_spans
from .prose import MASK, QUOTED, body_prose, is_genuine_reply, subject_prose
from .words import ACRONYMS, is_common_word

_ROMAN = re.compile(r"^[IVXLCDM]{1,4}$")
# A word in capitals (hyphenated and contracted words are one word: RISK-FREE, DON'T). Parts
# of identifiers, file names and domains (SPAM_PHRASE, NEWS.COM, /USR/BIN) are not words.
_CAPS_WORD = regex.compile(
    r"(?<![\p{L}\p{N}_/\\@])(?<![\p{L}\p{N}]\.)[\p{Lu}\p{N}]+(?:['’&-][\p{Lu}\p{N}]+)*"
    r"(?![\p{L}\p{N}_/\\@]|\.[\p{L}\p{N}])"
)
# Blanks, at most one separator, blanks. Written so that a failing fullmatch over a long gap
# backtracks in linear time ("[ \t]*(?:sep)?[ \t]*" tried every split of the blanks: quadratic).
_GAP = re.compile(r"[ \t]*(?:(?:[,:;&/+–—-]|\.\.\.|…)[ \t]*)?")
_INSTRUCTION = re.compile(
    r"(?i:\b(reply|respond|text|type|write|send|answer)(?:\s+(?:with|back))?\s*[\"“'‘«]?\s*)$"
)
# Words that introduce a name: capitals after them title an event, a product or a book ("the
# summit is called FUTURE OF RETAIL LIVE").
_NAMING = re.compile(
    r"(?i:\b(?:called|named|titled|entitled|dubbed|branded|known\s+as)\s*[\"“'‘«]?\s*)$"
)
# Words of someone speaking or spoken to.
_PERSONS = frozenset("""I I'M I'LL I'VE I'D ME MY WE WE'RE WE'LL WE'VE US OUR YOU YOU'RE YOU'LL
    YOU'VE YOU'D YOUR YOURS""".split())
# Two-letter words that are ordinary words in a shouted phrase ("LISTEN UP", "CALL US NOW" has
# one: 'US' is also a country); other two-letter capitals are codes (AI, HR, UK).
_SHORT_WORDS = frozenset("UP IN ON AT TO OF IS BE BY DO GO NO SO WE MY ME IF AS AN OR".split())
# Before a label: the start of the line, list markers, bracketed tags and reply prefixes.
_LABEL_PREFIX = regex.compile(
    r"(?:[^\p{L}\n]|\[[^\]\n]*\]|\b(?:re|fwd?|aw|sv|tr|wg)[ \t]*:)*", regex.IGNORECASE)
_NUMBERED = re.compile(r"\d{1,3}[.)][ \t]*$")
# What opens the details of a heading on its own line: a dash, a bar or a bracket.
_DETAILS_AFTER = re.compile(r"[ \t]*(?:[-–—|][ \t]|\()")
# A run shouts with this many ordinary words in capitals; a subject needs more (a subject in
# capitals is often a label: "VOTE TODAY").
MIN_BODY_WORDS = 2
MIN_SUBJECT_WORDS = 3
# A few capitalised phrases in a long text (a newsletter's titles and slogans) are not the
# voice of the message: the body shouts when its runs hold at least this share of its words.
MIN_SHARE = 0.03
# Lone words in capitals are emphasis, as italics are; a short text that stresses word after
# word ("Don't MISS this. It's HUGE. Reply NOW.") raises its voice all the same: it shouts when
# at least this many lone words in capitals make at least this share of its words. A subject
# needs one more: a short title with two words in capitals is often a pun or a quotation.
MIN_LONE_WORDS = 2
MIN_SUBJECT_LONE_WORDS = 3
MIN_LONE_SHARE = 0.15
_WORD = regex.compile(r"[\p{L}][\p{L}'’-]*")


def _word_kind(text: str, word: str, start: int, end: int, allow: frozenset[str]) -> str:
    """'neutral' (may sit in a run of capitals), 'loud' or 'ordinary' (loud, and an ordinary
    English word: only those make a run shout)."""
    letters = len(word) if word.isalpha() else sum(map(str.isalpha, word))
    if letters == 0 or letters != len(word) - sum(map(word.count, "'’&-")):
        return "neutral"  # numbers and codes with digits: 2026, Q3, 10X, EC2A
    upper = word.upper()
    if upper in ACRONYMS or upper in allow or _ROMAN.match(word):
        return "neutral"
    if letters <= 2:
        return "ordinary" if upper in _SHORT_WORDS else "neutral"
    instruction = _INSTRUCTION.search(text, max(0, start - 30), start)
    if instruction and not instruction.group(1).isupper():
        return "neutral"  # 'Reply STOP', 'reply "REMOVE"' (not a shouted 'REPLY PLEASE')
    parts = [part for part in re.split(r"[-&]", word) if part]
    if all(is_common_word(part) for part in parts):
        return "ordinary"
    return "loud"


def _is_label(text: str, start: int, end: int) -> bool:
    """Whether capitals at [start, end) title what follows rather than shout it: a run that
    opens its line (or subject) and ends in ':' ("BREAKING:", "WORD WISE: ..."), a numbered
    run-in heading ("01. SECURE IE. For the ..."), a tag in brackets ("[READ NOW]"), or a
    newsletter's heading with its details after a dash or a bracket on the same line ("SEED
    SWAP - Saturday 22 March, 11am-1pm", "FREE TAX HELP (volunteers from the tax office)"),
    unless it speaks to the reader or the line ends as a sentence."""
    line_start = text.rfind("\n", 0, start) + 1
    after = text[end:end + 3].lstrip(" \t")
    before = text[line_start:start].rstrip(" \t")
    if before.endswith(("[", "(")) and after[:1] in ("]", ")"):
        return True
    opens_line = bool(_LABEL_PREFIX.fullmatch(text, line_start, start))
    if after[:1] == ":" and opens_line:
        return True
    if opens_line and _DETAILS_AFTER.match(text, end) \
            and not ADDRESSES_READER.search(text, start, end):
        line_end = text.find("\n", end)
        line = text[end:line_end if line_end >= 0 else len(text)]
        return not line.rstrip().rstrip("\"'”’)]*").endswith((".", "!"))
    return after[:1] == "." and bool(_NUMBERED.search(before + " "))


# Words of legal notices, which law and custom set in capitals to make them conspicuous
# (disclaimers, licences, official contest rules): the sender is not raising its voice.
_LEGAL_WORDS = frozenset("""TERMS CONDITIONS WARRANTY WARRANTIES LIABILITY LIABLE DISCLAIMER
    DISCLAIMS DISCLAIMED MERCHANTABILITY INDEMNIFY INDEMNITY VOID PROHIBITED NECESSARY ELIGIBLE
    ELIGIBILITY STATUTE STATUTORY CONFIDENTIAL PRIVILEGED INTENDED RECIPIENT""".split())


def _is_legal_notice(text: str, run: list[tuple[int, int, str]]) -> bool:
    return any(text[start:end].upper() in _LEGAL_WORDS for start, end, _ in run) \
        or bool(_NO_REPLY.fullmatch(text, run[0][0], run[-1][1]))


# An unattended mailbox's notice, which mail systems print in capitals ("PLEASE DO NOT REPLY to
# this address"): a label of automated mail, not a raised voice.
_NO_REPLY = regex.compile(
    r"(?:PLEASE[ \t]+)?(?:DO[ \t]+NOT|DON['’]T)[ \t]+(?:REPLY|RESPOND)"
    r"(?:[ \t]+TO[ \t]+THIS(?:[ \t]+(?:E-?MAIL|MESSAGE|ADDRESS|MAILBOX))?)?")


# A currency code and an amount after capitals: a bank's or a shop's record of a payment, as its
# statement prints it ("card payment, RIVERSIDE WATER BOARD, GBP 61.20").
_CURRENCY_CODES = frozenset("USD EUR GBP CAD AUD NZD CHF JPY INR SGD HKD ZAR SEK NOK DKK".split())
_AMOUNT_AFTER = re.compile(r"[ \t]*\d")


def _is_payment_record(text: str, run: list[tuple[int, int, str]]) -> bool:
    start, end, _ = run[-1]
    return text[start:end] in _CURRENCY_CODES and bool(_AMOUNT_AFTER.match(text, end))


# The endings of a registered company's name, which registers and statements print in
# capitals ("Merchant: ONLINE ELECTRONICS LTD").
_COMPANY_ENDINGS = frozenset("""LTD LIMITED LLC LLP INC INCORPORATED PLC GMBH CORP CORPORATION
    CO PTY AG SA SAS BV NV AB OY SRL SPA KK""".split())


def _is_name(text: str, run: list[tuple[int, int, str]]) -> bool:
    """Whether a run names something rather than says something: it ends in a word we do not
    know (FORMULA ONE EUROPEAN GRAND PRIX, FREE COLOR PRINTERS FROM XEROX) or in a company's
    legal ending (ONLINE ELECTRONICS LTD), and nobody in it speaks or is spoken to (GREAT
    MEETING YOU AT DREAMFORCE is said to someone)."""
    start, end, kind = run[-1]
    if kind != "loud" and text[start:end].rstrip(".") not in _COMPANY_ENDINGS:
        return False
    words = {text[s:e].upper() for s, e, _ in run}
    return not words & _PERSONS


def shouting_runs(text: str, options: dict[str, Any] | None = None,
                  min_words: int = MIN_BODY_WORDS,
                  min_lone: int = MIN_LONE_WORDS) -> list[tuple[int, int]]:
    """(start, end) of each run of capitals in ``text`` that reads as shouting: at least
    ``min_words`` ordinary words in capitals, one after another (a lone word in capitals is
    emphasis, as italics are, unless lone words stress a good share of a short text; names
    and acronyms never count)."""
    options = options or {}
    allow = frozenset(str(w).upper() for w in options.get("allow", ()))
    if "\"" in text or "“" in text or "'" in text or "‘" in text:
        text = blank_spans(text, [m.span() for m in QUOTED.finditer(text)], MASK)
    runs: list[tuple[int, int]] = []
    lone: list[tuple[int, int]] = []
    run: list[tuple[int, int, str]] = []

    def close() -> None:
        ordinary = sum(1 for _, _, kind in run if kind == "ordinary")
        start, end = run[0][0], run[-1][1]
        if not _is_label(text, start, end) and not _is_name(text, run) \
                and not _is_legal_notice(text, run) and not _is_payment_record(text, run) \
                and not _NAMING.search(text, max(0, start - 30), start):
            if ordinary >= min_words:
                runs.append((start, end))
            elif ordinary == 1:
                lone.extend((s, e) for s, e, kind in run if kind == "ordinary" and e - s > 2)
        run.clear()

    # Only words without a lower-case letter are visited; a lower-case word between two of
    # them makes the gap fail, which ends the run.
    for match in _CAPS_WORD.finditer(text):
        start, end = match.span()
        if run and (not _GAP.fullmatch(text, run[-1][1], start)
                    or (":" in text[run[-1][1]:start]
                        and _is_label(text, run[0][0], run[-1][1]))):
            close()  # a label ends at its colon: "BREAKING: BIG WINS" shouts after it
        run.append((start, end, _word_kind(text, match.group(), start, end, allow)))
    if run:
        close()
    if not runs and len(lone) >= min_lone and \
            len(lone) / max(len(_WORD.findall(text)), 1) >= MIN_LONE_SHARE:
        return lone
    return runs


def shouting(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per run of capitals in the subject and the sender's prose."""
    hits = []
    if not is_genuine_reply(message):
        hits = [Hit("subject", s, e) for s, e in
                shouting_runs(subject_prose(message), options, MIN_SUBJECT_WORDS,
                              MIN_SUBJECT_LONE_WORDS)]
    prose = body_prose(message)
    runs = shouting_runs(prose, options)
    if runs and _shouted_share(prose, runs) >= float(options.get("min_share", MIN_SHARE)):
        hits.extend(Hit("body", s, e) for s, e in runs)
    return hits


def _shouted_share(prose: str, runs: list[tuple[int, int]]) -> float:
    """The share of the prose's words that are in the runs."""
    words = len(_WORD.findall(prose))
    shouted = sum(len(_WORD.findall(prose, start, end)) for start, end in runs)
    return shouted / max(words, 1)
