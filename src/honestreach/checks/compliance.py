"""Compliance checks: a way to opt out, and the sender's postal address.

Both look for something that is *missing*, so each reports one hit per message at a place the
sender can find: the opt-out check points at the last non-empty line of the sender's own text
(above any quoted earlier message), where a footer would go; the address check points at the
sign-off (``message.signature_start``) when there is one, since that is where an address
belongs, else at the same last line.

Only the sender's own words count: quoted earlier text is blanked before searching, so an
unsubscribe footer in the message being replied to does not make this one compliant.

Both apply to commercial messages only (option ``applies_to: commercial``, the default), as
the laws do: :func:`commercial_signals` reads the message with the vocabularies of
``commercial.yaml``, and a reply in a real thread, a personal note or a transactional notice
is left alone. ``applies_to: all`` (the configuration's ``compliance-applies-to: all``) asks
every message for both.

The helpers :func:`own_text`, :func:`last_line_span` and :func:`postal_line_spans` are shared
with the other checks (shouting must skip postal lines, for instance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..longtext import bounded
from ..message import in_real_thread
from ..model import Message
from .base import Hit, text_cache

# --- the sender's own text -------------------------------------------------------------------


def own_text(message: Message) -> str:
    """The body with quoted earlier text blanked out (same length, so offsets still hold); of a
    very long body, only the head and tail (see :mod:`honestreach.longtext`)."""
    return own_text_of(bounded(message.body.text), message.quoted)


def own_text_of(text: str, quoted: Iterable[tuple[int, int]]) -> str:
    """``text`` with the ``quoted`` ranges blanked out (newlines kept)."""
    if not quoted:
        return text
    parts: list[str] = []
    last = 0
    for start, end in sorted(quoted):
        start = max(start, last)
        if end <= start:
            continue
        parts.append(text[last:start])
        # Keep newlines so line-based logic sees the same lines.
        parts.append(re.sub(r"[^\n]", " ", text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def last_line_span(text: str, before: int | None = None) -> tuple[int, int]:
    """(start, end) of the last non-blank line of ``text[:before]``, stripped; (0, 0) if none."""
    end = len(text) if before is None else max(0, min(before, len(text)))
    while end > 0:
        line_start = text.rfind("\n", 0, end) + 1
        line = text[line_start:end]
        if line.strip():
            left = line_start + (len(line) - len(line.lstrip()))
            right = line_start + len(line.rstrip())
            return left, right
        end = line_start - 1
    return 0, 0


def line_span_at(text: str, offset: int) -> tuple[int, int]:
    """(start, end) of the line containing ``offset``, stripped of surrounding blanks."""
    offset = max(0, min(offset, len(text)))
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end == -1 else end
    line = text[start:end]
    if not line.strip():
        return last_line_span(text, offset)
    return start + (len(line) - len(line.lstrip())), start + len(line.rstrip())


# --- commercial or not ----------------------------------------------------------------------
# The vocabularies are data: commercial.yaml, which explains the test. Their phrases are found
# in one pass with an Aho-Corasick automaton (an alternation of hundreds of phrases costs the
# regex engine tens of milliseconds on a newsletter); their few patterns run only where one of
# their keywords occurs.

COMMERCIAL_VOCABULARIES = Path(__file__).with_name("commercial.yaml")


@dataclass(frozen=True)
class Vocabulary:
    """Words of one kind that make a message read as commercial (or, weighing less than
    nothing, as a transactional notice)."""

    name: str
    what: str  # how a finding names it: "a price"
    weight: int
    patterns: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]  # (expression, keywords)


@dataclass(frozen=True)
class CommercialTest:
    threshold: int
    long_message: int  # words
    long_message_density: float  # signals per 100 words
    vocabularies: tuple[Vocabulary, ...]
    # phrase -> (vocabulary index, length, whether it must end at a word boundary)
    phrases: Any


@lru_cache(maxsize=1)
def commercial_test() -> CommercialTest:
    """The test of commercial.yaml, compiled once."""
    import ahocorasick

    data = yaml.safe_load(COMMERCIAL_VOCABULARIES.read_text(encoding="utf-8"))
    vocabularies = []
    phrases = ahocorasick.Automaton()
    for index, (name, entry) in enumerate(data["vocabularies"].items()):
        patterns = tuple((re.compile(pattern["regex"]), tuple(pattern.get("keywords", ())))
                         for pattern in entry.get("patterns", ()))
        vocabularies.append(Vocabulary(name, entry["what"], int(entry["weight"]), patterns))
        for phrase in entry.get("phrases", ()):
            phrase = _plain(phrase)
            phrases.add_word(phrase, (index, len(phrase), _is_word_char(phrase[-1])))
    phrases.make_automaton()
    return CommercialTest(int(data["threshold"]), int(data["long-message"]),
                          float(data["long-message-density"]), tuple(vocabularies), phrases)


def _starts_word(text: str, start: int) -> bool:
    """Whether a match at ``start`` begins a word (or begins with punctuation: "$49")."""
    return start == 0 or not (_is_word_char(text[start]) and _is_word_char(text[start - 1]))


def _plain(text: str) -> str:
    """Lower case, single spaces, straight apostrophes: the form the vocabularies are in."""
    return " ".join(text.lower().replace("\u2019", "'").split())


def commercial_signals(message: Message) -> tuple[Vocabulary, ...]:
    """The vocabularies that occur in the subject and the sender's own text, in file order,
    when they make the message's primary purpose (see commercial.yaml); else none."""
    subject = bounded(message.subject.text) if message.subject else ""
    return _signals(_plain(subject + "\n" + own_text(message)))


@text_cache(maxsize=64)
def _signals(text: str) -> tuple[Vocabulary, ...]:
    # Cached: both compliance checks ask about one message.
    test = commercial_test()
    counts = [0] * len(test.vocabularies)
    for end, (index, length, word_end) in test.phrases.iter(text):
        if _starts_word(text, end - length + 1) and not (
                word_end and end + 1 < len(text) and _is_word_char(text[end + 1])):
            counts[index] += 1
    for index, vocabulary in enumerate(test.vocabularies):
        for pattern, keywords in vocabulary.patterns:
            if any(keyword in text for keyword in keywords):
                counts[index] += sum(1 for match in pattern.finditer(text)
                                     if _starts_word(text, match.start()))
    found = tuple(v for v, count in zip(test.vocabularies, counts) if count)
    words = text.count(" ") + 1
    if words > test.long_message:
        signals = sum(count for v, count in zip(test.vocabularies, counts) if v.weight > 0)
        if signals * 100 < test.long_message_density * words:
            return ()
    return found


def is_commercial(message: Message) -> bool:
    """The primary-purpose test: not a reply in a real thread, and the weights of the
    vocabularies that occur reach the threshold (see commercial.yaml)."""
    if in_real_thread(message):
        return False
    return sum(v.weight for v in commercial_signals(message)) >= commercial_test().threshold


def _applies(message: Message, options: dict[str, Any]) -> bool:
    """Whether a compliance check asks this message at all (option ``applies_to``)."""
    return options.get("applies_to", "commercial") == "all" or is_commercial(message)


def _why(message: Message) -> str:
    """For the finding's message: why this message is asked (what made it commercial)."""
    if not is_commercial(message):
        return "the configuration asks every message for one"
    signals = [v.what for v in commercial_signals(message) if v.weight > 0]
    return "it reads as commercial: " + ", ".join(signals)


# --- opt-out ---------------------------------------------------------------------------------

# Ways of offering to stop, in any wording: a footer ("Unsubscribe: ..."), a request ("reply
# STOP", "send 'remove' as the subject"), a promise ("I won't write again"), a setting ("switch
# these off under Settings"), a question ("rather not hear from me?"), in several languages.
_OPT_OUT_TEXT = re.compile(
    r"""
      \bunsubscrib\w* | \bunsub\b
    | \bopt(?:ing)?[\s_-]?out\b | \boptout\b
    # 'Reply STOP', 'reply with "remove"', 'Just reply "stop".'
    | \b(?:reply|respond|text|write\ back|send|e-?mail)\b[^\n]{0,20}?
        (?:\b(?:stop|remove|cancel|unsubscribe)\b | ["“'‘«]\s*no\s*["”'’»])
    # '"REMOVE" in the subject', 'subject: unsubscribe'
    | \b(?:stop|remove|unsubscribe)\W{0,3}\s+(?:as|in)\s+(?:the\s+)?subject\b
    | \bsubject(?:\s+line)?\s*[:=]\s*\W{0,2}(?:stop|remove|unsubscribe)\b
    | \b(?:manage|update|change|edit|adjust|set)\s+(?:your\s+|my\s+)?
        (?:e-?mail\s+|mailing\s+|subscription\s+|communications?\s+|notification\s+|contact\s+)?
        (?:preferences|subscriptions?|settings)\b
    | \b(?:e-?mail|subscription|communication)\s+preferences\b | \bpreference\s+cent(?:er|re)\b
    | \bdon['’]?t\s+want\s+(?:to\s+(?:receive|get|hear)\s+)?
        (?:these|this|our|any\s+more|more|further|future)\b[^\n]{0,30}?
        \b(?:e-?mails?|messages?|updates|newsletters?|mailings?)\b
    | \bstop\s+(?:receiving|hearing\s+from|these\s+e-?mails|(?:all\s+)?e-?mails\s+from)
    | \b(?:no\s+longer|do\s+not|don['’]?t)\s+(?:wish|want|like|care)\s+to\s+(?:receive|hear|get)\b
    | \b(?:prefer|rather|wish|want|like)\s+not\s+(?:to\s+)?(?:receive|hear|get)\b
    # 'I won't write again', 'we'll never email you again'
    | \b(?:won['’]?t|will\s+not|never)\s+(?:write|e-?mail|contact|message|bother)
        \s+(?:to\s+)?(?:you\s+)?again\b
    | \b(?:i|we)['’]?(?:ll|\s+will)\s+stop\s+(?:writing|emailing|e-mailing|sending)\b
    # 'switch these off under Settings', 'turn off product emails'
    | \b(?:switch|turn)\s+(?:these|them|those)\s+off\b
    | \b(?:switch|turn)\s+off\s+
        (?:these|those|our|all|(?:\w+\s+)?(?:e-?mails|notifications|newsletters))\b
    # 'to be removed from our list', 'wish to be excluded', 'remove yourself', 'get off our list'
    | \b(?:to|wish|like|want)\s+(?:to\s+)?(?:be|get)\s+
        (?:removed|deleted|excluded|eliminated|taken\s+off)\b
        (?=[^\n]{0,40}?(?:\b(?:list|mailings?|future|database|e-?mails?|messages?|notices
                              |contacts|click|call|send|go\ to|visit\w*|reply|please)\b
                            |@|https?:|www\.) | \s*[:\n])
    | \bfor\s+removal\b | \bhttps?://\S*remov
    | \b(?:no\s+longer|not)\s+interested\s*[?,.;:–—-][^\n]{0,30}?
        \b(?:reply|let\s+(?:me|us)\s+know|tell\s+(?:me|us)|click|unsubscribe)\b
    | \bremove\s+(?:me|yourself|your\s+(?:e-?mail\s+)?(?:address|name))\b
    | \b(?:remove|take)\s+(?:you|me)\s+(?:off|from)\s+(?:our|the|this|my)\s+(?:\w+\s+)?list\b
    | \b(?:leave|get\s+off|taken\s+off)\s+(?:of\s+)?(?:our|this|the|my)\s+(?:\w+\s+)?
        (?:list|mailings?)\b
    | \bremov(?:al|e)\s+(?:instructions|information|requests?)\b
    # German, French, Spanish, Dutch, Italian, Portuguese, Scandinavian, Polish
    | \babmelden\b | \babbestellen\b | \babmeldung\b | \bnewsletter\s+austragen\b
    | \b(?:se\s+)?d[ée]sabonner\b | \bd[ée]sabonnement\b | \bd[ée]sinscri(?:re|ption|vez)\b
    | \bdar(?:se|te|le)?\s+de\s+baja\b | \bcancelar\s+(?:la\s+|tu\s+|su\s+)?suscripci[oó]n\b
    | \bafmelden\b | \buitschrijven\b | \bdisiscri(?:viti|versi|zione)\b
    | \b(?:annulla|annullare|cancella|cancellare|cancellati)\s+
        (?:l['’]\s*|la\s+(?:tua\s+)?)?iscrizione\b
    | \bdescadastr\w* | \bcancelar\s+(?:a\s+)?(?:sua\s+)?inscri[çc][ãa]o\b
    | \bavregistrer\b | \bavsluta\s+prenumeration | \bafmeld\b | \bmeld\s+deg\s+av\b
    | \bwypisz\s+si[ęe]\b | \brezygnacja\s+z\s+subskrypcji\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_OPT_OUT_LINK = re.compile(
    r"unsub|opt[-_]?out|/prefs\b|preferences|email-?settings|subscription|remov|takemeoff|"
    r"abmelden|abbestell|d[ée]sabonn|d[ée]sinscri|baja|afmelden|uitschrijven|disiscri|"
    r"^mailto:.*\bsubject=\W{0,3}stop\b",
    re.IGNORECASE,
)


# Every way of opting out above holds one of these (lower-case) pieces. The big expression is
# slow to run over a whole body (~0.3 ms per KB), so it only runs on the few lines around a cue.
_OPT_OUT_CUES = (
    "unsub", "opt o", "opt-o", "opt_o", "opt\n", "optout", "opting", "opt me", "stop", "remov",
    "cancel", '"no', '" no', "“no", "“ no", "'no", "‘no", "«", "preference", "subscription",
    "settings", "want", "longer", "prefer", "rather", "wish", "like to", "care to", "again", "off",
    "interested", "leave", "subject",
    "delet", "exclu", "elimin", "abmeld", "abbestell", "austragen", "sabonn", "sinscri", "baja",
    "suscrip", "afmeld", "uitschrijv", "disiscri", "iscrizione", "descadastr", "inscri",
    "avregistr", "prenumeration", "meld deg", "wypisz", "subskrypcji",
)


def has_opt_out_text(text: str) -> bool:
    """Whether ``text`` offers a way to opt out in words ("Reply STOP", "Unsubscribe: ...")."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lower-cased
        return _OPT_OUT_TEXT.search(text) is not None
    searched: set[int] = set()
    for cue in _OPT_OUT_CUES:
        pos = lowered.find(cue)
        while pos != -1:
            # The cue's line with the lines either side: a phrase may be wrapped.
            line_start = lowered.rfind("\n", 0, pos)
            start = lowered.rfind("\n", 0, max(line_start, 0)) + 1 if line_start > 0 else 0
            end = lowered.find("\n", pos)
            end = len(text) if end == -1 else lowered.find("\n", end + 1)
            end = len(text) if end == -1 else end
            if start not in searched:
                searched.add(start)
                if _OPT_OUT_TEXT.search(text, start, end):
                    return True
            pos = lowered.find(cue, pos + len(cue))
    return False


def has_opt_out(message: Message) -> bool:
    """Whether the message offers a way to opt out: header, link or words of the sender."""
    if any(name.lower() == "list-unsubscribe" and value.strip()
           for name, value in message.headers.items()):
        return True
    if any(_OPT_OUT_LINK.search(link) for link in message.links):
        return True
    return has_opt_out_text(own_text(message))


def missing_unsubscribe(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit, at the last line of the sender's text, when a commercial message (or, with
    ``applies_to: all``, any message) offers no way to opt out."""
    if has_opt_out(message) or not _applies(message, options):
        return []
    start, end = last_line_span(own_text(message))
    return [Hit("body", start, end, {"why": _why(message)})]


# --- postal address --------------------------------------------------------------------------
# Hand-written on purpose: pyap2 misses Canadian and German layouts and costs ~7 ms per country
# per message. Each line gets evidence flags; an address needs a street or PO-box line plus a
# postcode or country on that line or close by, so a phone number, a date or a price alone
# never counts.

_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Way|Drive|Dr|Square|Sq|Court|Ct|"
    r"Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Plaza|Row|Crescent|Cres|Close|"
    r"Mews|Walk|Trail|Trl|Alley|Loop|Broadway|Gardens|Green|Hill|Park|Quay|Wharf|Yard|Grove|"
    r"Pike|Turnpike|Expressway|Freeway|Center|Centre|Commons|Esplanade|Embankment|Gate"
)
# Street types in Title case or in capitals ("Street", "STREET"), never in lower case: "3 easy
# ways" or "2 green" must not read as a street.
_STREET_TYPES_CASED = "|".join(
    f"{t}|{t.upper()}" for t in _STREET_TYPES.split("|")
)
# The words of a street's name are capitalised or ordinals ("West 36th Street"), never a
# model number: "ATA/100 5400RPM IDE Hard Drive" is a disk.
_STREET_EN = re.compile(
    r"\b\d{1,5}[A-Za-z]?(?:[-–]\d{1,5})?,?\s+(?:[NSEW]\.?\s+|North\s+|South\s+|East\s+|West\s+)?"
    r"(?:(?:[A-Z][\w'’.-]*|\d{1,4}(?:st|nd|rd|th)\b\.?)\s+){0,4}(?:" + _STREET_TYPES_CASED
    + r")\b\.?"
)
_UNIT = re.compile(r"\b(?:Suite|Ste\.?|Unit|Floor|Fl\.?|Apt\.?|Building|Bldg\.?)\s+#?\d{1,5}\b"
                   r"|\b\d{1,3}(?:st|nd|rd|th)\s+Floor\b")
# A Germanic street is a capitalised word ending in a street suffix, then a house number:
#   \b[A-ZÄÖÜÅØÆ][\wäöüßåøæ-]*(?:straße|...|tie)\s+\d{1,4}\s?[a-zA-Z]?\b
# Run as one expression, that is quadratic on a long hyphenated run ("A-A-A-...-A 1": every
# piece starts a new attempt that scans to the end of the run), so the suffix and number are
# found first and the capitalised start is looked for backwards (see _is_germanic_street);
# the result is the same.
_GERMANIC_SUFFIX_NUMBER = re.compile(
    r"(?:straße|strasse|str\.|gasse|weg|allee|platz|ring|damm|ufer|"
    r"steig|chaussee|markt|straat|laan|gracht|plein|kade|singel|dijk|gatan|vägen|gata|gade|vej|"
    r"veien|gate|katu|tie)\s+\d{1,4}\s?[a-zA-Z]?\b"
)
_GERMANIC_STREET_WORD = re.compile(
    r"\b(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer)\s+\d{1,4}\s?[a-z]?\b"
)
_GERMANIC_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜÅØÆ")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what \w matches in a str pattern


def _is_germanic_street(line: str) -> bool:
    """Whether ``line`` holds a Germanic street and number ("Hauptstraße 5", "Kerkstraat 12")."""
    if _GERMANIC_STREET_WORD.search(line):
        return True
    match = _GERMANIC_SUFFIX_NUMBER.search(line)
    while match:
        # The street word starts with a capital at a word start inside the run of word
        # characters and hyphens before the suffix: the start of the run or just after a
        # hyphen. A run ends at the space before a house number, so no two walks overlap and
        # the check stays linear.
        i = match.start() - 1
        while i >= 0 and (line[i] == "-" or _is_word_char(line[i])):
            if line[i] in _GERMANIC_CAPITALS and (i == 0 or not _is_word_char(line[i - 1])):
                return True
            i -= 1
        match = _GERMANIC_SUFFIX_NUMBER.search(line, match.start() + 1)
    return False


_STREET_ROMANCE = re.compile(
    r"(?i:\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|all[ée]e|chemin|"
    r"quai|impasse|route|cours|passage|chauss[ée]e)\b)"
    r"|\b(?:Rue|Avenue|Boulevard|Place|Chauss[ée]e|Quai|Calle|C/|Avenida|Avda\.?|Paseo|Plaza|"
    r"Carrer|Passeig|Rua|Via|Viale|Piazza|Corso|Largo|Travessa|Pra[çc]a|Ronda|Traves[ií]a)\s+"
    r"[^\n\d,]{2,40}?,?\s*(?:n[º°o]\.?\s*)?\d{1,4}\b"
)
_PO_BOX = re.compile(
    r"\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|G\.?P\.?O\.?\s+Box|Postfach|Postbus|"
    r"Apartado(?:\s+de\s+Correos)?|Bo[iî]te\s+postale|Casilla|Caixa\s+Postal|Casella\s+postale)"
    r"\s*(?:No\.?\s*)?\d{1,6}\b",
    re.IGNORECASE,
)
_US_STATES = (
    r"A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|P[AR]|RI|"
    r"S[CD]|T[NX]|UT|V[AIT]|W[AIVY]"
)
_POSTCODE_STRONG = re.compile(
    r"\b(?:" + _US_STATES + r")\.?,?\s+\d{5}(?:-\d{4})?\b"  # Portland, OR 97204
    r"|\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}\b"  # EC2A 1AG
    r"|\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b"  # M5K 1A1
    r"|\b(?:NSW|VIC|QLD|SA|WA|TAS|ACT|NT)\s+\d{4}\b"  # Sydney NSW 2000
    r"|〒\s?\d{3}-\d{4}"
)
_POSTCODE_WEAK = re.compile(
    # A 4-5 digit code (optionally with a country prefix) before a capitalised city name, and
    # the Dutch, Swedish, Polish and Portuguese layouts.
    r"\b(?:[A-Z]{1,3}-)?\d{4,5}\s+[A-ZÄÖÜÅØÆÉÈÎ][\wäöüßåøæéèàçñ'-]+"
    r"|\b\d{4}\s?[A-Z]{2}\s+[A-Z][a-z]"
    r"|\b\d{3}\s\d{2}\s+[A-ZÅÄÖ][a-zåäö]"
    r"|\b\d{2}-\d{3}\s+[A-ZŁŚŻ][\wąćęłńóśźż]+"
    r"|\b\d{4}-\d{3}\s+[A-Z][a-z]"
    r"|\b[A-Z][a-z]+,?\s+\d{5}(?:-\d{4})?\b"  # California 94105
)
_COUNTRIES = re.compile(
    r"\b(?:USA|U\.S\.A\.|United\s+States(?:\s+of\s+America)?|UK|U\.K\.|United\s+Kingdom|"
    r"England|Scotland|Wales|Northern\s+Ireland|Ireland|Canada|Germany|Deutschland|France|"
    r"Spain|Espa[ñn]a|Portugal|Italy|Italia|Netherlands|The\s+Netherlands|Nederland|Belgium|"
    r"Belgi[eë]|Belgique|Luxembourg|Switzerland|Schweiz|Suisse|Austria|[ÖO]sterreich|Denmark|"
    r"Danmark|Sweden|Sverige|Norway|Norge|Finland|Suomi|Iceland|Poland|Polska|Czechia|"
    r"Czech\s+Republic|Hungary|Romania|Greece|Estonia|Latvia|Lithuania|Slovenia|Croatia|"
    r"Australia|New\s+Zealand|Japan|Singapore|India|Israel|Mexico|M[ée]xico|Brazil|Brasil|"
    r"Argentina|Chile|Colombia|South\s+Africa|United\s+Arab\s+Emirates|UAE)\b"
)
_LINE = re.compile(r"[^\n]*")
_DIGIT = re.compile(r"\d")
# How far (in non-blank lines) a postcode or country may sit from a street or PO-box line.
ADDRESS_WINDOW_BEFORE = 1
ADDRESS_WINDOW_AFTER = 3


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _LINE.finditer(text) if text[m.start():m.end()].strip()]


def postal_line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` that belongs to a postal address.

    A line is part of an address when it holds a street or PO box and a postcode or country sits
    on it or on a nearby line (the postcode/country line then belongs to the address too).
    """
    return list(_postal_line_spans(text))


@text_cache(maxsize=64)
def _postal_line_spans(text: str) -> tuple[tuple[int, int], ...]:
    # Cached: the address check, the emphasis checks and the scores all ask about one body.
    if not _DIGIT.search(text):
        return ()
    lines = _lines(text)
    streets = [index for index, (start, end) in enumerate(lines) if _is_street(text[start:end])]
    if not streets:
        return ()
    place: dict[int, bool] = {}
    keep: set[int] = set()
    for index in streets:
        first = max(0, index - ADDRESS_WINDOW_BEFORE)
        last = min(len(lines) - 1, index + ADDRESS_WINDOW_AFTER)
        near = []
        for j in range(first, last + 1):
            if j not in place:
                place[j] = _is_place(text[lines[j][0]:lines[j][1]])
            if place[j]:
                near.append(j)
        if near:
            keep.add(index)
            keep.update(j for j in near if j >= index)
    return tuple(lines[i] for i in sorted(keep))


def _is_street(line: str) -> bool:
    return _DIGIT.search(line) is not None and bool(
        _STREET_EN.search(line) or _UNIT.search(line) or _is_germanic_street(line)
        or _STREET_ROMANCE.search(line) or _PO_BOX.search(line)
    )


def _is_place(line: str) -> bool:
    if _DIGIT.search(line) and (_POSTCODE_STRONG.search(line) or _POSTCODE_WEAK.search(line)):
        return True
    return _COUNTRIES.search(line) is not None


def has_postal_address(message: Message) -> bool:
    """Whether the sender's own text holds a postal address (street or PO box, and place)."""
    return bool(postal_line_spans(own_text(message)))


def missing_postal_address(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit, at the sign-off (else the last line), when a commercial message (or, with
    ``applies_to: all``, any message) gives no postal address."""
    text = own_text(message)
    if postal_line_spans(text) or not _applies(message, options):
        return []
    if message.signature_start is not None and text[message.signature_start:].strip():
        start, end = line_span_at(text, message.signature_start)
    else:
        start, end = last_line_span(text)
    return [Hit("body", start, end, {"why": _why(message)})]
