"""Emphasis checks: shouting in capitals, exclamation overload and alarm or hype emoji.

All three read the sender's prose only: the subject, and the body with quoted earlier text
blanked, links, e-mail addresses and merge tokens masked. Shouting and emoji also stop at the
sign-off (``message.signature_start``) and skip postal-address lines, where capitals ("USA",
"OR 97204") and contact emoji belong; exclamation marks are counted up to the end of the
sign-off line, so "Cheers!!" still counts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import regex

from ..model import Message
from .base import Hit
from .compliance import own_text_of, postal_line_spans
from .merge_fields import find_tokens

MASK = "\x00"  # stands in for masked text: neither a word nor a separator, so it ends a run
# The local part of an address is at most 64 characters (RFC 5321); bounding it keeps the
# search linear on a long run like "a.a.a.a...@" (unbounded, every piece started a scan to '@').
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b", re.IGNORECASE)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = MASK
    return "".join(chars)


def _masked(text: str, extra: Iterable[tuple[int, int]] = ()) -> str:
    spans = [m.span() for m in _URL.finditer(text)] if ("/" in text or "@" in text) else []
    spans.extend(find_tokens(text))
    spans.extend(extra)
    return _mask(text, spans) if spans else text


def body_prose(message: Message, include_signoff_line: bool = False) -> str:
    """The sender's prose in the body, masked, same length as the body text.

    Stops at the signature (or, with ``include_signoff_line``, at the end of the sign-off
    line) and masks postal-address lines.
    """
    return _body_prose(message.body.text, message.quoted, message.signature_start,
                       include_signoff_line)


@lru_cache(maxsize=32)
def _body_prose(
    body: str, quoted: tuple[tuple[int, int], ...], signature_start: int | None,
    include_signoff_line: bool,
) -> str:
    # Cached: the three emphasis checks each ask for the same message's prose.
    text = own_text_of(body, quoted)
    end = len(text)
    if signature_start is not None:
        end = signature_start
        if include_signoff_line:
            newline = text.find("\n", end)
            end = len(text) if newline == -1 else newline
    postal = [(start, min(stop, end)) for start, stop in postal_line_spans(text) if start < end]
    prose = _masked(text[:end], postal)
    return prose + _mask(text[end:], [(0, len(text) - end)])


def subject_prose(message: Message) -> str:
    """The subject, masked the same way ('' when there is none)."""
    return _masked(message.subject.text) if message.subject is not None else ""


# --- shouting --------------------------------------------------------------------------------

# Capitalised words that are names of things, not raised voices. Tokens of one or two letters
# and tokens with digits (Q3, B2C, 10X, EC2A) are never shouting on their own.
ACRONYMS = frozenset("""
    ROI CRM CFO CEO CTO COO CMO CRO CIO CISO CPO CHRO CCO VP SVP EVP GM AE SDR BDR CSM AM PM
    USA UAE NYC EMEA APAC LATAM DACH NAM ANZ EU UK US USD EUR GBP CAD AUD CHF JPY INR
    B2B B2C D2C DTC SAAS PAAS IAAS API SDK CLI SQL CSV PDF URL HTML CSS JSON XML YAML HTTP HTTPS
    EOD EOW EOM EOQ EOY COB ASAP FYI TBD TBA FAQ ETA RSVP PS PPS NB AKA DIY OOO WFH
    AP AR GL ERP CPQ CMS CDP ESP DMP ATS HRIS HR LMS POS WMS TMS EDI SSO SAML MFA VPN
    ESG KPI KPIS OKR OKRS ARR MRR ACV TCV LTV CAC NPS CSAT SLA SLAS SOC GDPR CCPA HIPAA PCI DSS
    ISO IFRS GAAP SOX FP&A P&L M&A IPO VC PE LLC LLP LTD INC PLC GMBH AG SA SAS BV NV AB OY
    AI ML LLM LLMS NLP GPT GPU CPU IOT AR VR XR UX UI QA RFP RFI RFQ POC PO NDA MSA SOW DPA
    SEO SEM PPC CPC CPM CTR ROAS GTM ICP ABM MQL MQLS SQL SQLS SAL PLG SMB SMBS SME SMES
    OK TV PC IT ID CC BCC RE FW FWD AM PM EST PST CST MST GMT UTC CET BST
    AWS GCP IBM SAP HSBC KPMG PWC EY DHL UPS USPS FEDEX NASA NATO NYSE NASDAQ FIFA UEFA NFL NBA
    MLB NHL ESPN CNN BBC HBO AMD ARM ASML ADP NVIDIA IKEA LEGO BMW ASICS GEICO UNESCO UNICEF
    AARP USAA CVS NCR MSCI FDA OSHA FTC SEC IRS HMRC CRA GST VAT EIN CORP INC LLC LTD PLC GMBH
""".split())
# A lone capitalised word is shouting only when it is an ordinary English word ("NEEDS",
# "GUARANTEED"); a lone unknown one is far more often a name or an acronym we do not list
# ("HITEC", "SAASTR"). Ordinary = one of about 10,000 common English words (after stripping a
# common suffix) or in this list of words that sales copy shouts.
EMPHASIS_WORDS = frozenset("""
    guaranteed guarantee urgent urgently amazing exclusive exclusively limited deadline final
    critical crucial absolutely immediately instantly instant incredible massive insane
    revolutionary unbelievable mandatory important attention warning reminder expires expiring
    ending closing biggest proven definitely seriously literally totally completely everyone
    anything nothing everything huge hurry quickly fast act click claim grab secure reserve
    register respond reply call book opportunity chance offer special bonus discount savings
    winner winning congratulations congrats selected approved priority action required
    response overdue unlimited ultimate breaking announcement launch exciting excited
    awesome fantastic enormous powerful impossible obviously clearly
""".split())
_SUFFIXES = ("ies", "ing", "ed", "es", "s", "ly", "er", "est", "d")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """About 10,000 ordinary English words (see scripts/build_common_words.py)."""
    text = (Path(__file__).parents[1] / "data" / "common_words.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def is_common_word(word: str) -> bool:
    """Whether ``word`` (any case) is an ordinary English word rather than a name or acronym."""
    easy = common_words()
    lower = word.lower().replace("’", "'")
    if lower in EMPHASIS_WORDS or lower in easy:
        return True
    if "'" in lower:
        return True  # contractions: "DON'T", "LET'S", "YOU'RE"
    for suffix in _SUFFIXES:
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 3:
            stem = lower[: -len(suffix)]
            if (stem in easy or stem + "e" in easy
                    or (suffix == "ies" and stem + "y" in easy)
                    or (len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in easy)):
                return True
    return False


_ROMAN = re.compile(r"^[IVXLCDM]{1,4}$")
_CAPS_WORD = regex.compile(
    r"(?<![\p{L}\p{N}])[\p{Lu}\p{N}]+(?:['’&][\p{Lu}\p{N}]+)*(?![\p{L}\p{N}])"
)
# Blanks, at most one separator, blanks. Written so that a failing fullmatch over a long gap
# backtracks in linear time ("[ \t]*(?:sep)?[ \t]*" tried every split of the blanks: quadratic).
_GAP = re.compile(r"[ \t]*(?:(?:[,:;&/+–—-]|\.\.\.|…)[ \t]*)?")
_INSTRUCTION = re.compile(
    r"(?i:\b(?:reply|respond|text|type|write|send|answer)(?:\s+(?:with|back))?\s*[\"“'‘«]?\s*)$"
)


def _word_kind(text: str, word: str, start: int, end: int, allow: frozenset[str]) -> str:
    """'neutral' (may sit in a run of capitals) or 'loud'."""
    letters = sum(1 for ch in word if ch.isalpha())
    if letters == 0 or letters != len(word.replace("'", "").replace("’", "").replace("&", "")):
        return "neutral"  # numbers and codes with digits: 2026, Q3, 10X, EC2A
    upper = word.upper()
    if letters <= 2 or upper in ACRONYMS or upper in allow or _ROMAN.match(word):
        return "neutral"
    if _INSTRUCTION.search(text, max(0, start - 30), start):
        return "neutral"  # 'Reply STOP', 'reply "REMOVE"'
    before = text[start - 1:start] if start else ""
    after = text[end:end + 1]
    if before in "\"“'‘«" and before and after in "\"”'’»" and after:
        return "neutral"  # a single quoted keyword: '"YES"'
    return "loud"


def shouting_runs(text: str, options: dict[str, Any] | None = None) -> list[tuple[int, int]]:
    """(start, end) of each run of capitals in ``text`` that reads as shouting."""
    options = options or {}
    allow = frozenset(str(w).upper() for w in options.get("allow", ()))
    min_single = int(options.get("min_single_length", 5))
    runs: list[tuple[int, int]] = []
    run: list[tuple[int, int, str, str]] = []

    def close() -> None:
        loud = [(s, e, w) for s, e, w, k in run if k == "loud"]
        # Two or more loud words (one of them ordinary English: "ACME CORP" is a name), a
        # loud word with '!' after it ("FELIX!!!"), or one long ordinary word ("NEEDS").
        if loud and (
            (len(loud) >= 2 and any(is_common_word(w) for _, _, w in loud))
            or text[loud[0][1]:loud[0][1] + 1] == "!"
            or (len(loud[0][2]) >= min_single and is_common_word(loud[0][2]))
        ):
            runs.append((run[0][0], run[-1][1]))
        run.clear()

    # Only words without a lower-case letter are visited; a lower-case word between two of
    # them makes the gap fail, which ends the run.
    for match in _CAPS_WORD.finditer(text):
        start, end = match.span()
        if run and not _GAP.fullmatch(text, run[-1][1], start):
            close()
        run.append((start, end, match.group(), _word_kind(text, match.group(), start, end, allow)))
    if run:
        close()
    return runs


def shouting(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per run of capitals in the subject and the sender's prose."""
    hits = [Hit("subject", s, e) for s, e in shouting_runs(subject_prose(message), options)]
    hits.extend(Hit("body", s, e) for s, e in shouting_runs(body_prose(message), options))
    return hits


# --- exclamation marks -----------------------------------------------------------------------

# '!' runs; Spanish '¡' opens a sentence and is not counted ("¡Hola!" is one mark).
_BANGS = re.compile(r"!(?:[ \t]?!)*")
_SENTENCE = re.compile(r"[^\W\d_][^.!?\n]*")  # one match per segment holding a letter
_WORD_BEFORE = re.compile(r"[^\s!]{1,30}$")


def exclamation_overload(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per message: a run of '!!' or more, or too many '!' for its sentences.

    Options: ``max_run`` (longest allowed run, default 1), ``min_count`` and ``max_ratio``
    (overload when at least ``min_count`` marks and more than ``max_ratio`` per sentence).
    """
    max_run = int(options.get("max_run", 1))
    min_count = int(options.get("min_count", 3))
    max_ratio = float(options.get("max_ratio", 0.4))
    fields = [("subject", subject_prose(message)),
              ("body", body_prose(message, include_signoff_line=True))]
    count = 0
    sentences = 0
    first: tuple[str, int, int] | None = None
    first_run: tuple[str, int, int] | None = None
    for name, text in fields:
        sentences += len(_SENTENCE.findall(text))
        if "!" not in text:
            continue
        for match in _BANGS.finditer(text):
            marks = match.group().count("!")
            count += marks
            if first is None:
                first = (name, match.start(), match.end())
            if marks > max_run and first_run is None:
                first_run = (name, match.start(), match.end())
    if first is None:
        return []
    sentences = max(sentences, 1)
    dense = count >= min_count and count / sentences > max_ratio
    where = first_run or (first if dense else None)
    if where is None:
        return []
    name, start, end = where
    text = dict(fields)[name]
    word = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if word and MASK not in word.group():
        start = word.start()
    return [Hit(name, start, end, {"count": count, "sentences": sentences})]


# --- emoji -----------------------------------------------------------------------------------

_EMOJI = regex.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"  # flags
    r"|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|[‼⁉⚠])"
    r"(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic}\uFE0F?)*"
)
# Emoji that raise an alarm or hype rather than set a tone: one is enough.
ALARM_EMOJI = frozenset(
    "🚨⏰⏳⌛⏱⏲🔥💥‼⁉❗❕⚠📢📣🆘🛑⛔💰💸🤑💯🔔⚡☢☣💣🧨❌🤯😱"
)


def _emoji_hit(name: str, text: str, max_count: int) -> Hit | None:
    if text.isascii():
        return None
    found = [m for m in _EMOJI.finditer(text)]
    if not found:
        return None
    alarm = next((m for m in found if m.group()[0] in ALARM_EMOJI), None)
    if alarm is None and len(found) <= max_count:
        return None
    match = alarm or found[0]
    kind = "an alarm emoji" if alarm else "many emoji"
    return Hit(name, match.start(), match.end(),
               {"count": len(found), "kind": kind, "where": name})


def emoji_overload(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """At most one hit per field: an alarm/hype emoji, or more emoji than the field allows.

    Options: ``max_subject`` (default 1) and ``max_body`` (default 2) emoji.
    """
    hits = []
    subject = _emoji_hit("subject", subject_prose(message), int(options.get("max_subject", 1)))
    if subject:
        hits.append(subject)
    body = _emoji_hit("body", body_prose(message), int(options.get("max_body", 2)))
    if body:
        hits.append(body)
    return hits
