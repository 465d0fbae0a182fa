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

from ..longtext import bounded
from ..model import Message
from .base import Hit, text_cache
from .compliance import own_text_of, postal_line_spans
from .layout import layout_spans
from .merge_fields import find_tokens

MASK = "\x00"  # stands in for masked text: neither a word nor a separator, so it ends a run
# The local part of an address is at most 64 characters (RFC 5321); bounding it keeps the
# search linear on a long run like "a.a.a.a...@" (unbounded, every piece started a scan to '@').
_NOT_NEWLINE = re.compile(r"[^\n]")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b", re.IGNORECASE)


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    parts: list[str] = []
    last = 0
    for start, end in sorted(spans):
        start = max(start, last)
        if end <= start:
            continue
        parts.append(text[last:start])
        parts.append(_NOT_NEWLINE.sub(MASK, text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _masked(text: str, extra: Iterable[tuple[int, int]] = ()) -> str:
    spans = [m.span() for m in _URL.finditer(text)] if ("/" in text or "@" in text) else []
    spans.extend(find_tokens(text))
    spans.extend(extra)
    return _mask(text, spans) if spans else text


def body_prose(message: Message, include_signoff_line: bool = False) -> str:
    """The sender's prose in the body, masked, same length as the body text.

    Stops at the signature (or, with ``include_signoff_line``, at the end of the sign-off
    line) and masks postal-address lines and layout (code, tables, headings, footers: see
    :mod:`.layout`).
    """
    signature_start = message.signature_start
    # Without a signature both ask for the whole body: one cache entry serves the checks.
    return _body_prose(message.body.text, message.quoted, signature_start,
                       include_signoff_line and signature_start is not None)


@text_cache(maxsize=32)
def _body_prose(
    body: str, quoted: tuple[tuple[int, int], ...], signature_start: int | None,
    include_signoff_line: bool,
) -> str:
    # Cached: the three emphasis checks each ask for the same message's prose.
    text = own_text_of(bounded(body), quoted)
    end = len(text)
    if signature_start is not None:
        end = signature_start
        if include_signoff_line:
            newline = text.find("\n", end)
            end = len(text) if newline == -1 else newline
    postal = [(start, min(stop, end)) for start, stop in postal_line_spans(text) if start < end]
    prose = _masked(text[:end], postal + layout_spans(text[:end]))
    return prose + _mask(text[end:], [(0, len(text) - end)])


def subject_prose(message: Message) -> str:
    """The subject, masked the same way ('' when there is none)."""
    return _masked(bounded(message.subject.text)) if message.subject is not None else ""


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
    r"(?i:\b(?:reply|respond|text|type|write|send|answer)(?:\s+(?:with|back))?\s*[\"“'‘«]?\s*)$"
)
# Two-letter words that are ordinary words in a shouted phrase ("LISTEN UP", "CALL US NOW" has
# one: 'US' is also a country); other two-letter capitals are codes (AI, HR, UK).
# Words of someone speaking or spoken to.
_PERSONS = frozenset("""I I'M I'LL I'VE I'D ME MY WE WE'RE WE'LL WE'VE US OUR YOU YOU'RE YOU'LL
    YOU'VE YOU'D YOUR YOURS""".split())
_SHORT_WORDS = frozenset("UP IN ON AT TO OF IS BE BY DO GO NO SO WE MY ME IF AS AN OR".split())
# Text in quotation marks is someone else's words, a title or a keyword to type.
_QUOTED = re.compile(
    r'"[^"\n]{1,300}(?:\n[^"\n]{1,300}){0,2}"'  # may run over a line break or two
    r"|“[^”\n]{1,300}”"
    r"|(?<!\w)['‘][^'’\n]{1,80}['’](?!\w)"
)
# Before a label: the start of the line, list markers, bracketed tags and reply prefixes.
_LABEL_PREFIX = regex.compile(
    r"(?:[^\p{L}\n]|\[[^\]\n]*\]|\b(?:re|fwd?|aw|sv|tr|wg)[ \t]*:)*", regex.IGNORECASE)
_NUMBERED = re.compile(r"\d{1,3}[.)][ \t]*$")
# A run shouts with this many ordinary words in capitals; a subject needs more (a subject in
# capitals is often a label: "VOTE TODAY").
MIN_BODY_WORDS = 2
MIN_SUBJECT_WORDS = 3
# A few capitalised phrases in a long text (a newsletter's titles and slogans) are not the
# voice of the message: the body shouts when its runs hold at least this share of its words.
MIN_SHARE = 0.03
_WORD = regex.compile(r"[\p{L}][\p{L}'’-]*")


def _word_kind(text: str, word: str, start: int, end: int, allow: frozenset[str]) -> str:
    """'neutral' (may sit in a run of capitals), 'loud' or 'ordinary' (loud, and an ordinary
    English word: only those make a run shout)."""
    letters = sum(1 for ch in word if ch.isalpha())
    if letters == 0 or letters != len(re.sub(r"['’&-]", "", word)):
        return "neutral"  # numbers and codes with digits: 2026, Q3, 10X, EC2A
    upper = word.upper()
    if upper in ACRONYMS or upper in allow or _ROMAN.match(word):
        return "neutral"
    if letters <= 2:
        return "ordinary" if upper in _SHORT_WORDS else "neutral"
    if _INSTRUCTION.search(text, max(0, start - 30), start):
        return "neutral"  # 'Reply STOP', 'reply "REMOVE"'
    parts = [part for part in re.split(r"[-&]", word) if part]
    if all(is_common_word(part) for part in parts):
        return "ordinary"
    return "loud"


def _is_label(text: str, start: int, end: int) -> bool:
    """Whether capitals at [start, end) title what follows rather than shout it: a run that
    opens its line (or subject) and ends in ':' ("BREAKING:", "WORD WISE: ..."), a numbered
    run-in heading ("01. SECURE IE. For the ..."), or a tag in brackets ("[READ NOW]")."""
    line_start = text.rfind("\n", 0, start) + 1
    after = text[end:end + 3].lstrip(" \t")
    before = text[line_start:start].rstrip(" \t")
    if before.endswith(("[", "(")) and after[:1] in ("]", ")"):
        return True
    if after[:1] == ":" and _LABEL_PREFIX.fullmatch(text, line_start, start):
        return True
    return after[:1] == "." and bool(_NUMBERED.search(before + " "))


# Words of legal notices, which law and custom set in capitals to make them conspicuous
# (disclaimers, licences, official contest rules): the sender is not raising its voice.
_LEGAL_WORDS = frozenset("""TERMS CONDITIONS WARRANTY WARRANTIES LIABILITY LIABLE DISCLAIMER
    DISCLAIMS DISCLAIMED MERCHANTABILITY INDEMNIFY INDEMNITY VOID PROHIBITED NECESSARY ELIGIBLE
    ELIGIBILITY STATUTE STATUTORY CONFIDENTIAL PRIVILEGED INTENDED RECIPIENT""".split())


def _is_legal_notice(text: str, run: list[tuple[int, int, str]]) -> bool:
    return any(text[start:end].upper() in _LEGAL_WORDS for start, end, _ in run)


def _is_name(text: str, run: list[tuple[int, int, str]]) -> bool:
    """Whether a run names something rather than says something: it ends in a word we do not
    know (FORMULA ONE EUROPEAN GRAND PRIX, FREE COLOR PRINTERS FROM XEROX) and nobody in it
    speaks or is spoken to (GREAT MEETING YOU AT DREAMFORCE is said to someone)."""
    start, end, kind = run[-1]
    if kind != "loud":
        return False
    words = {text[s:e].upper() for s, e, _ in run}
    return not words & _PERSONS


def shouting_runs(text: str, options: dict[str, Any] | None = None,
                  min_words: int = MIN_BODY_WORDS) -> list[tuple[int, int]]:
    """(start, end) of each run of capitals in ``text`` that reads as shouting: at least
    ``min_words`` ordinary words in capitals, one after another (a lone word in capitals is
    emphasis, as italics are; names and acronyms never count)."""
    options = options or {}
    allow = frozenset(str(w).upper() for w in options.get("allow", ()))
    if "\"" in text or "“" in text or "'" in text or "‘" in text:
        text = _mask(text, [m.span() for m in _QUOTED.finditer(text)])
    runs: list[tuple[int, int]] = []
    run: list[tuple[int, int, str]] = []

    def close() -> None:
        ordinary = sum(1 for _, _, kind in run if kind == "ordinary")
        start, end = run[0][0], run[-1][1]
        if ordinary >= min_words and not _is_label(text, start, end) \
                and not _is_name(text, run) and not _is_legal_notice(text, run):
            runs.append((start, end))
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
    return runs


def _is_genuine_reply(message: Message) -> bool:
    """A reply in a real thread: its subject was written by someone else."""
    subject = message.subject.text if message.subject is not None else ""
    return bool(re.match(r"\s*(?:re|aw|sv)\s*:", subject, re.IGNORECASE)) and \
        bool(message.headers.get("in-reply-to") or message.headers.get("references"))


def shouting(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per run of capitals in the subject and the sender's prose."""
    hits = []
    if not _is_genuine_reply(message):
        hits = [Hit("subject", s, e) for s, e in
                shouting_runs(subject_prose(message), options, MIN_SUBJECT_WORDS)]
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


# --- exclamation marks -----------------------------------------------------------------------

# Runs of marks: "!!", "???", "?!", "! !"; Spanish '¡' opens a sentence and is not counted.
_MARKS = re.compile(r"[!?](?:[ \t]?[!?])*")
_SENTENCE = re.compile(r"[^\W\d_][^.!?\n]*")  # one match per segment holding a letter
_WORD_BEFORE = re.compile(r"[^\s!?]{1,30}$")
# A long newsletter may carry a few adverts that shout "FREE!!"; those are not the voice of
# the message (as with shouting's share of words): beyond ``max_runs``, one more run is
# allowed per this many sentences.
SENTENCES_PER_EXTRA_RUN = 40


def exclamation_overload(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per message: marks piled up more than once ("!!!" and "?!"), or too many '!'
    for its sentences. One doubled mark is a person's enthusiasm ("Congrats!!"); a message
    that keeps raising its voice is hype.

    Options: ``max_runs`` (how many runs of two or more marks with a '!' are allowed,
    default 1; a run of more than ``max_bangs`` '!', default 2, counts as two, except in a
    genuine reply, where only a run of more than 5 does; a long message is allowed one more run
    per ``SENTENCES_PER_EXTRA_RUN`` sentences), ``min_count``
    and ``max_ratio`` (overload when at least ``min_count`` exclamations, a run counting once,
    and more than ``max_ratio`` per sentence). Marks inside quotation marks are someone else's.
    """
    max_runs = int(options.get("max_runs", 1))
    # In a genuine reply, "!!!" is conversation between people who know each other.
    max_bangs = int(options.get("max_bangs", 2)) if not _is_genuine_reply(message) else 5
    min_count = int(options.get("min_count", 3))
    max_ratio = float(options.get("max_ratio", 0.4))
    fields = [("subject", subject_prose(message)),
              ("body", body_prose(message, include_signoff_line=True))]
    count = 0
    sentences = 0
    first: tuple[str, int, int] | None = None
    runs: list[tuple[str, int, int]] = []
    piled = 0
    for name, text in fields:
        sentences += len(_SENTENCE.findall(text))
        if "!" not in text:
            continue
        text = _mask(text, [m.span() for m in _QUOTED.finditer(text)])
        for match in _MARKS.finditer(text):
            marks = match.group()
            if "!" not in marks:
                continue  # "???" is puzzlement, not a raised voice
            count += 1
            if first is None:
                first = (name, match.start(), match.end())
            if len(marks.replace(" ", "").replace("\t", "")) > 1:
                runs.append((name, match.start(), match.end()))
                # "!!!!!!" is a shout of its own: it counts as two runs
                piled += 2 if marks.count("!") > max_bangs else 1
    sentences = max(sentences, 1)
    dense = count >= min_count and count / sentences > max_ratio
    allowed_runs = max_runs + sentences // SENTENCES_PER_EXTRA_RUN
    where = runs[0] if piled > allowed_runs else (first if dense else None)
    if where is None:
        return []
    name, start, end = where
    text = dict(fields)[name]
    word = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if word and MASK not in word.group():
        start = word.start()
    return [Hit(name, start, end, {"count": count, "sentences": sentences, "runs": len(runs)})]


# --- emoji -----------------------------------------------------------------------------------

_EMOJI = regex.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"  # flags
    r"|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|[‼⁉⚠])"
    r"(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic}\uFE0F?)*"
)
# Emoji that raise an alarm or hype rather than set a tone.
ALARM_EMOJI = frozenset(
    "🚨⏰⏳⌛⏱⏲🔥💥‼⁉❗❕⚠📢📣🆘🛑⛔💰💸🤑💯🔔⚡☢☣💣🧨❌🤯😱"
)


def _emoji_hit(name: str, text: str, max_count: int, max_alarm: int) -> Hit | None:
    if text.isascii():
        return None
    found = [m for m in _EMOJI.finditer(text)]
    alarms = [m for m in found if m.group()[0] in ALARM_EMOJI]
    if len(alarms) > max_alarm:
        match, kind = alarms[0], "alarm emoji"
    elif len(found) > max_count:
        match, kind = found[0], "a string of emoji"
    else:
        return None
    return Hit(name, match.start(), match.end(),
               {"count": len(found), "kind": kind, "where": name})


def emoji_overload(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """At most one hit per field: more alarm emoji, or more emoji, than the field allows.

    A pair of emoji framing a phrase ("📣 News 📣") decorates it; a row of sirens sounds an
    alarm. Options: ``max_alarm`` (default 2 per field), ``max_subject`` (default 3) and
    ``max_body`` (default 5) emoji in all.
    """
    max_alarm = int(options.get("max_alarm", 2))
    hits = []
    subject = _emoji_hit("subject", subject_prose(message), int(options.get("max_subject", 3)),
                         max_alarm)
    if subject:
        hits.append(subject)
    body = _emoji_hit("body", body_prose(message), int(options.get("max_body", 5)), max_alarm)
    if body:
        hits.append(body)
    return hits
