"""Which lines of a text are a postal address: a street or PO box with a postcode or country
on the line or close by."""

from __future__ import annotations

import re
from bisect import bisect_left

from ..model import Message
from .base import is_word_char, text_cache, word_start
from .own_text import own_text

# Hand-written on purpose: pyap2 misses Canadian and German layouts and costs ~7 ms per country
# per message. Each line gets evidence flags; an address needs a street or PO-box line plus a
# postcode or country on that line or close by, so a phone number, a date or a price alone
# never counts.
#
# Every line with a digit is searched for a street, and an expression that starts with "\b" is
# tried at every position of it. So each expression starts with the characters its match can
# start with, which a search skips to, and checks the word boundary behind them: "\d(?<!\w\d)"
# is "\b\d", and word_start() writes "\b(?:Word|...)" that way. Only whether a line holds a
# match counts, so an expression of two such forms is split in two.

_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Way|Drive|Dr|Square|Sq|Court|Ct|"
    r"Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Plaza|Row|Crescent|Cres|Close|"
    r"Mews|Walk|Trail|Trl|Alley|Loop|Broadway|Gardens|Green|Hill|Park|Quay|Wharf|Yard|Grove|"
    r"Pike|Turnpike|Expressway|Freeway|Center|Centre|Commons|Esplanade|Embankment|Gate|Route|Rte"
)
# Street types in Title case or in capitals ("Street", "STREET"), never in lower case: "3 easy
# ways" or "2 green" must not read as a street.
_STREET_TYPES_CASED = "|".join(
    f"{t}|{t.upper()}" for t in _STREET_TYPES.split("|")
)
# The words of a street's name are capitalised, ordinals ("West 36th Street") or the small
# words of names taken from other languages ("Ponce de Leon Ave", "Van der Berg Road"), never a
# model number: "ATA/100 5400RPM IDE Hard Drive" is a disk.
_STREET_NAME_WORD = (
    r"(?:[A-Z][\w'’.-]*|\d{1,4}(?:st|nd|rd|th)\b\.?"
    r"|(?:de|del|della|la|las|le|les|los|du|des|da|di|dos|y|van|von|der|den|ten|of|the)"
    r"(?=\s+(?:[A-Z]|(?:la|las|le|les|los|der|den|the)\s)))\s+"
)
_STREET_EN = re.compile(
    r"\d(?<!\w\d)\d{0,4}[A-Za-z]?(?:[-–]\d{1,5})?,?\s+"
    r"(?:[NSEW]\.?\s+|North\s+|South\s+|East\s+|West\s+)?"
    r"(?:" + _STREET_NAME_WORD + r"){0,5}(?:" + _STREET_TYPES_CASED + r")\b\.?"
)
# A street named without a house number, as many British and Irish addresses are ("Corn
# Exchange, Call Lane, Leeds LS1 7BR"), counts only on a line that also holds a postcode of
# the strong kinds: a capitalised name and a street type, set off by commas.
_UNNUMBERED_STREET = re.compile(
    r"(?:^|,)\s*(?:[A-Z][\w'’.-]*\s+){1,3}(?:" + _STREET_TYPES_CASED + r")\b\.?\s*,"
)
_UNIT = re.compile(word_start("Suite", r"Ste\.?", "Unit", "Floor", r"Fl\.?", r"Apt\.?", "Building",
                              r"Bldg\.?") + r"\s+#?\d{1,5}\b")
_FLOOR = re.compile(r"\d(?<!\w\d)\d{0,2}(?:st|nd|rd|th)\s+Floor\b")
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
    word_start("Straße", "Strasse", r"Str\.", "Weg", "Allee", "Platz", "Gasse", "Ring", "Damm",
               "Ufer", "Chaussee", "Markt")
    + r"\s+\d{1,4}\s?[a-z]?\b"
)
_GERMANIC_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜÅØÆ")


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
        while i >= 0 and (line[i] == "-" or is_word_char(line[i])):
            if line[i] in _GERMANIC_CAPITALS and (i == 0 or not is_word_char(line[i - 1])):
                return True
            i -= 1
        match = _GERMANIC_SUFFIX_NUMBER.search(line, match.start() + 1)
    return False


# A street whose name has no street word, known by the postcode that follows it on the line:
# "Wijnhaven 12, 3011 WS Rotterdam", "Boompjes 40, 3011 XB Rotterdam": a Dutch postcode (four
# digits and two capitals), then a capitalised place. Five digits alone ("Table 3, 12345 Rows")
# say too little.
_STREET_BEFORE_POSTCODE = re.compile(
    r"[A-ZÄÖÜÅØÆ](?<!\w.)[\wäöüßåøæ'’-]{2,40}\s+\d{1,4}\s?[a-zA-Z]?,\s*"
    r"\d{4}\s?[A-Z]{2}\s+[A-Z][a-z]"
)
_NUMBER_ROMANCE_STREET = re.compile(
    r"\d(?<!\w\d)\d{0,3}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|all[ée]e|"
    r"chemin|quai|impasse|route|cours|passage|chauss[ée]e)\b",
    re.IGNORECASE,
)
_ROMANCE_STREET_NUMBER = re.compile(
    word_start("Rue", "Avenue", "Boulevard", "Place", "Chauss[ée]e", "Quai", "Calle", "C/",
               "Avenida", r"Avda\.?", "Paseo", "Plaza", "Carrer", "Passeig", "Rua", "Via", "Viale",
               "Piazza", "Corso", "Largo", "Travessa", "Pra[çc]a", "Ronda", "Traves[ií]a",
               # Polish, Czech and Slovak: "ul. Głogowska 212", "al. Jerozolimskie 65"
               r"ul\.", r"al\.", "ulica", "aleja", "ulice")
    + r"\s+[^\n\d,]{2,40}?,?\s*(?:n[º°o]\.?\s*)?\d{1,4}\b"
)
_PO_BOX = re.compile(
    word_start(r"P\.?\s?O\.?\s?Box", r"Post\s+Office\s+Box", r"G\.?P\.?O\.?\s+Box", "Postfach",
               "Postbus", r"Apartado(?:\s+de\s+Correos)?", r"Bo[iî]te\s+postale", "Casilla",
               r"Caixa\s+Postal", r"Casella\s+postale")
    + r"\s*(?:No\.?\s*)?\d{1,6}\b",
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
    r"|\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[\dAC-FHKNPRTV-Y]{4}\b"  # Athlone N37 X2K8 (Eircode)
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
    r"|\b[A-Z][a-z]+(?:\s*-\s*|,?\s+)[1-8]\d{2}\s?\d{3}\b"  # Chennai 600113 (an Indian PIN)
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
# A house number and a street named without its kind, then a comma, on a line that ends in a
# postcode: "5 Highgate, Kendal LA9 4DA", "27 The Parade, Leamington Spa CV32 4AT".
_NUMBERED_NAME = re.compile(
    r"[ \t]*\d{1,4}[A-Za-z]?[ \t]+(?:[A-Z][\w'’.-]*[ \t]+){0,3}[A-Z][\w'’.-]*,")
# Places named with no street at all, as farms, estates, villages and business parks are
# ("Hartley Farm, Winsley, Bradford-on-Avon BA15 2JB"): three or more capitalised parts set off
# by commas, the last ending in one of the postcodes that pick out a few dozen doors (British,
# Irish, Canadian) or an Indian PIN, at the end of the line or before the country's name
# ("..., Kilkee, Co. Clare V15 K2P9, Ireland. Open all year.").
_NAMED_PLACE_POSTCODE = re.compile(
    r"(?:\s*[A-Z\d][^,\n]*,){2,}\s*[A-Z][^,\n]*?\b(?:(?:(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})"
    r"|(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[\dAC-FHKNPRTV-Y]{4}"
    r"|[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d)"
    r"(?:[\s,.]*$|,\s*(?:UK|United Kingdom|England|Scotland|Wales|Northern Ireland|Ireland|Canada)\b)"
    r"|[1-8]\d{2}\s?\d{3}(?:[\s,.]*$|,\s*India\b))")
# A street with no house number on a line of its own, above its postcode and town ("Route de
# la Plage" / "29160 Crozon", "Mill Lane" / "Ashby LE65 1AA"), as rural addresses are written.
_UNNUMBERED_STREET_LINE = re.compile(
    r"\s*(?:" + word_start("Rue", "Route", "Chemin", "Avenue", "All[ée]e", "Impasse", "Place",
                           "Calle", "Camino", "Carretera", "Via", "Strada", "Rua", "Estrada")
    + r"\s+[^\d\n,]{2,40}|(?:[A-Z][\w'’.-]*\s+){1,3}(?:" + _STREET_TYPES_CASED + r")\.?)\s*$")
_LINE = re.compile(r"[^\n]*")
_DIGIT = re.compile(r"\d")
_BLANK_DIGIT = re.compile(r"\s\d")  # "\s+\d" ends so
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
    # A street line holds a digit: only those lines are read, and the lines listed only when
    # one of them is a street.
    street_starts = []
    digit = _DIGIT.search(text)
    while digit is not None:
        start = text.rfind("\n", 0, digit.start()) + 1
        end = text.find("\n", digit.start())
        if end == -1:
            end = len(text)
        if _is_street(text[start:end]):
            street_starts.append(start)
        elif start > 1:
            above = text.rfind("\n", 0, start - 1) + 1
            if _UNNUMBERED_STREET_LINE.match(text, above, start - 1) and \
                    _is_place(text[start:end]):
                street_starts.append(above)
        digit = _DIGIT.search(text, end)
    if not street_starts:
        return ()
    lines = _lines(text)
    line_starts = [start for start, _ in lines]
    streets = [bisect_left(line_starts, start) for start in street_starts]
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
    if _DIGIT.search(line) is None:
        return False
    # An expression is not run on a line that lacks what every match of it holds: a comma
    # (_UNNUMBERED_STREET, _STREET_BEFORE_POSTCODE), "Floor", or a blank before a house number
    # (the Germanic forms). Most lines with a digit are dates, prices and times.
    comma = "," in line
    if comma and (_UNNUMBERED_STREET.search(line) or _NUMBERED_NAME.match(line)) \
            and _POSTCODE_STRONG.search(line):
        return True
    if line.count(",") >= 2 and _NAMED_PLACE_POSTCODE.match(line):
        return True
    return bool(
        _STREET_EN.search(line) or _UNIT.search(line) or ("Floor" in line and _FLOOR.search(line))
        or (_BLANK_DIGIT.search(line) and _is_germanic_street(line))
        or _NUMBER_ROMANCE_STREET.search(line)
        or _ROMANCE_STREET_NUMBER.search(line) or _PO_BOX.search(line)
        or (comma and _STREET_BEFORE_POSTCODE.search(line))
    )


def _is_place(line: str) -> bool:
    if _DIGIT.search(line) and (_POSTCODE_STRONG.search(line) or _POSTCODE_WEAK.search(line)):
        return True
    return _COUNTRIES.search(line) is not None


def has_postal_address(message: Message) -> bool:
    """Whether the sender's own text holds a postal address (street or PO box, and place)."""
    return bool(postal_line_spans(own_text(message)))
