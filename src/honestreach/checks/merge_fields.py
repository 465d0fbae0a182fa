"""Merge-field checks: placeholders that were never filled, and values a merge left empty.

``merge_fields`` reports each unfilled token once: mustache/Jinja/Liquid/HubSpot ``{{ x }}``,
``{first_name}`` (single braces only when a word of the name says what a merge fills in),
``${x}``, ``#{x}``, Salesforce ``{!Contact.FirstName}``, Mailchimp ``*|FNAME|*``,
Pardot ``%%first_name%%``, ActiveCampaign ``%FIRSTNAME%``, ``<<First Name>>``, Word's
``«FirstName»`` and bracketed placeholders such as ``[FIRST NAME]``, ``[Company]`` or
``[Insert case study]``.

Bracketed text is a placeholder only when the whole bracket is placeholder wording: "[1]"
(a footnote), "[link]" and "[image]" (what HTML-to-text converters leave behind) and subject
tags like "[Webinar]" or "[Product Update]" are not reported, nor are stage directions that
name a sound, a gesture or a pause ("[insert drum roll here]", "[pause for effect]").

In a template file (``options['template_suffixes']``, e.g. ``.j2``) the template language's
own ``{{ }}``, ``{% %}`` and ``{# #}`` are expected and skipped; every other form is still
reported, because the template engine will send it as typed.

``empty_merge_value`` reports where a merge dropped a value: "Hi ,", "Dear ,", "Hello !",
"Dear Mr. ,", a lone "Dear", a subject that starts with a comma (", quick question") and a
possessive with no owner ("a plan for 's team").
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from ..model import Message
from .base import Hit

DEFAULT_TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".liquid", ".hbs", ".mustache",
                             ".tmpl", ".tpl", ".outreach", ".salesloft", ".hubl", ".mailchimp",
                             ".sfmc")

# Template-language syntax: the only forms a template file may contain as typed.
_TEMPLATE_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TEMPLATE_CLOSE = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TEMPLATE_OPEN = re.compile(r"\{[{%#]")

_PLACEHOLDER_WORDS = (
    # "[First Name]", "[prospect's company name]", "[Your Company]", "[Insert link]", "[XX]".
    # Not "[x]" (a ticked box) nor "[...]" (an omission in a quotation).
    r"(?:insert\s+[^\]\n]{1,40}"
    r"|your\s+(?:(?:full|first|last|company|business)\s+)?(?:name|company|title|job\s+title|"
    r"role|signature|phone(?:\s+number)?|e-?mail|website|logo|city|address|calendar\s+link)"
    r"|(?:(?:recipient|prospect|contact|lead|client|customer|sender|company|account|"
    r"organi[sz]ation)(?:['’]s)?\s+)?"
    r"(?:first|last|full|given|family|sur|company|business|contact|prospect|recipient|"
    r"sender|account|org(?:ani[sz]ation)?|my|job|event|product|city|team)?"
    r"[\s_-]?(?:name|f?name|l?name|firstname|lastname|title|company)"
    r"|company|organi[sz]ation|title|job\s+title|role|position|city|location|industry|"
    r"date|day|time|meeting\s+(?:date|time|link)|xx|xxx|tbd|tk|pain\s+point|competitor|"
    r"phone(?:\s+number)?|e-?mail(?:\s+address)?|website|url|(?:calendar|booking|meeting|"
    r"calendly)\s+link|link\s+here|number|amount|price|percentage|\?\?\??)"
)
# Every form starts with one of the characters of the leading set, and checks behind it which
# it was: a search skips to those characters rather than trying every form at every position.
_TOKEN = re.compile(
    r"[{$#*%<«\[](?:"
    r"(?<=\{)\{\s*(?:[A-Za-z_][^{}\n]{0,78})?\}\}"  # {{first_name}}, {{ contact.firstname }}, {{}}
    r"|(?<=\{)%[^\n]{0,120}?%\}|(?<=\{)#[^\n]{0,120}?#\}"  # Jinja statements and comments
    r"|(?<=\{)![\w.]{1,60}\}"  # Salesforce {!Contact.FirstName}
    r"|(?<=[$#])\{[^{}\n]{1,60}\}"  # ${name}, #{name}
    # {name}, its "{" not after another "{" or a word character
    r"|(?<=\{)(?<![{\w].)\s*[A-Za-z_][\w.]{0,40}(?:\s[A-Za-z_][\w.]{0,20}){0,3}\s*\}(?!\})"
    r"|(?<=\*)\|[^|*\n]{1,40}\|\*"  # Mailchimp *|FNAME|*
    r"|(?<=%)%[^%\n]{1,40}%%"  # Pardot / Salesforce %%FNAME%%
    r"|(?<=%)(?<![\w%].)[A-Z][A-Z0-9_]{2,30}%(?![\w%])"  # ActiveCampaign %FIRSTNAME%
    r"|(?<=<)<\s*[A-Za-z_][\w .]{0,40}?\s*>>"  # <<First Name>>
    # Word mail merge «FirstName»; the name is bounded, or "«namenamename..." is quadratic
    r"|(?<=«)(?i:\s*[A-Za-z_]{0,40}(?:name|company|title|city|industry|address|e-?mail|phone)"
    r"[A-Za-z_]{0,40}\s*»)"
    r"|(?<=\[)(?i:\s*" + _PLACEHOLDER_WORDS + r"\s*\])"
    r")"
)


def template_tag_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each template tag in ``text``: what ``_TEMPLATE_SYNTAX.finditer`` finds.

    Found with ``str.find`` instead: the expression is quadratic when openers have no closer
    ("{{{{{{..."), as each one is followed to the end of the text. Once a kind of tag has no
    closer left, later openers of that kind are skipped.
    """
    closed_out: set[str] = set()
    pos = 0
    while True:
        match = _TEMPLATE_OPEN.search(text, pos)
        if match is None:
            return
        start = match.start()
        opener = match.group()
        if opener not in closed_out:
            end = text.find(_TEMPLATE_CLOSE[opener], start + 2)
            if end != -1:
                yield start, end + 2
                pos = end + 2
                continue
            closed_out.add(opener)
        pos = start + 1


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each (non-overlapping, ordered) span replaced by as many spaces."""
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(" " * (end - start))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def template_suffixes(options: dict[str, Any]) -> tuple[str, ...]:
    value = options.get("template_suffixes", DEFAULT_TEMPLATE_SUFFIXES)
    return tuple(str(s).lower() for s in value) if isinstance(value, (list, tuple)) else ()


def is_template(message: Message, options: dict[str, Any]) -> bool:
    """Whether the message is a template file, whose own template syntax is expected (by its
    suffix, or ``options['template']`` for a template known by its configured dialect)."""
    return bool(options.get("template")) or \
        message.path.lower().endswith(template_suffixes(options))


# Words a merge field in single braces is named with. Code and prose use single braces too
# ("{dest.dir}", "{Check your stocks}" as a link label), so "{x}" counts only when one of its
# words, split at '_', '.', blanks and camelCase, says what a merge fills in.
_MERGE_NAME_WORDS = frozenset("""
    name names fname lname firstname lastname fullname nickname first last full given surname
    company companyname organization organisation org account business employer brand
    title jobtitle role position department team city state country region location address
    industry sector email phone mobile website url domain linkedin date day time
    sender recipient contact prospect lead customer client rep owner product event meeting
    calendar link personalization personalisation custom pain competitor job greeting
""".split())
_SINGLE_BRACE = re.compile(r"\{\s*([A-Za-z_][\w. ]*?)\s*\}")
_NAME_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def _names_a_merge_field(token: str) -> bool:
    """Whether a single-brace token such as "{first_name}" or "{Company}" names a merge field."""
    match = _SINGLE_BRACE.fullmatch(token)
    if match is None:
        return True
    return any(part.lower() in _MERGE_NAME_WORDS for part in _NAME_PART.findall(match.group(1)))


# A bracketed stage direction is the writer's aside, not a blank to fill: "[insert drum roll
# here]", "[cue applause]", "[pause for effect]". It names a sound, a gesture or a pause.
_ASIDE = re.compile(
    r"(?i)\b(?:drum\s*-?\s*rolls?|rim\s*-?\s*shots?|fanfare|applause|clapping|cheers|cheering|"
    r"boos|booing|laugh(?:s|ter|ing)?|chuckles?|giggles?|snickers?|cackles?|grunts?|groans?|"
    r"sighs?|gasps?|screams?|shrieks?|shudders?|coughs?|winks?|shrugs?|eye\s*-?\s*rolls?|"
    r"face\s*-?\s*palms?|mic\s+drops?|sound\s+effects?|trumpets?|crickets|tumbleweeds?|"
    r"(?:dramatic|awkward|pregnant)\s+(?:pause|silence|music)|pause\s+for\s+effect|"
    r"ominous\s+music|theme\s+music|canned\s+laughter)\b")


def _is_aside(token: str) -> bool:
    """Whether a bracketed token is a stage direction ("[insert evil laugh here]")."""
    return token.startswith("[") and _ASIDE.search(token) is not None


def find_tokens(text: str, template: bool = False) -> Iterator[tuple[int, int]]:
    """(start, end) of each unfilled merge token in ``text``."""
    if not any(ch in text for ch in "{[%*<«"):
        return
    for match in _TOKEN.finditer(text):
        token = match.group()
        if template and _TEMPLATE_SYNTAX.fullmatch(token):
            continue
        if not _names_a_merge_field(token) or _is_aside(token):
            continue
        yield match.span()


def merge_fields(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per unfilled merge token in the subject and the body."""
    template = is_template(message, options)
    hits: list[Hit] = []
    if message.subject is not None:
        hits.extend(Hit("subject", s, e) for s, e in find_tokens(message.subject.text, template))
    if template:
        # A template's own tags may wrap placeholders ("{% if x %}[Company]{% endif %}"): blank
        # them first so the bracketed text inside is still seen.
        body = _blank(message.body.text, template_tag_spans(message.body.text))
    else:
        body = message.body.text
    hits.extend(Hit("body", s, e) for s, e in find_tokens(body, template))
    return hits


_GREETING = (
    r"hi|hey|hello|hiya|dear|greetings|good\s+(?:morning|afternoon|evening)|hallo|hola|"
    r"ciao|hej|moin|guten\s+tag|liebe[rs]?|sehr\s+geehrte[rs]?|estimad[oa]s?|"
    r"querid[oa]s?|beste|geachte"
)
# French puts a space before '!' and ':' ("Bonjour !"), so only ' ,' and ' .' count there.
_GREETING_FR = r"bonjour|salut|coucou|cher|ch[èe]re"
_TITLE = r"(?:mr|mrs|ms|miss|mx|dr|prof|herr|frau|monsieur|madame|señora?|sr|sra)\.?"
_EMPTY_GREETING = re.compile(
    # 'Hi ,' 'Dear ,' 'Hello !' 'Dear Mr. ,' : the space before the mark is where a name was.
    r"^[ \t]*(?:" + _GREETING + r")(?:[ \t]+" + _TITLE + r")?[ \t]+[,!:;.]"
    r"|^[ \t]*(?:" + _GREETING_FR + r")(?:[ \t]+" + _TITLE + r")?[ \t]+[,.]"
    # 'Dear Mr.,' / 'Dear Ms,' : a title with no surname
    r"|^[ \t]*(?:" + _GREETING + "|" + _GREETING_FR + r")[ \t]+" + _TITLE
    + r"[ \t]*[,:](?=[ \t]*$)"
    # 'Dear' or 'Dear,' alone on its line. The look-ahead comes first: after the blanks it was
    # tried once per shorter run of blanks, which is quadratic on a long run ("Dear\t\t...x").
    r"|^[ \t]*(?:dear|liebe[rs]?|sehr\s+geehrte[rs]?|geachte|estimad[oa])(?=[ \t]*(?:[,:][ \t]*)?$)"
    r"[ \t]*[,:]?",
    re.IGNORECASE | re.MULTILINE,
)
# 'a plan for 's team': a possessive whose owner was dropped.
# (The mark comes first, so that a search skips to it; what stands before it is checked behind.)
_ORPHAN_POSSESSIVE = re.compile(r"['’](?<=[ \t(]['’])s\b(?=[ \t])")
# A subject that starts with the mark that followed a dropped name: ', quick question'.
_SUBJECT_LEAD = re.compile(r"^[ \t]*[,;:]")


def empty_merge_value(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """Hits where a merge left a value empty: greetings, subject openings, possessives."""
    hits: list[Hit] = []
    if message.subject is not None:
        subject = message.subject.text
        lead = _SUBJECT_LEAD.match(subject)
        if lead:
            hits.append(Hit("subject", lead.end() - 1, len(subject.rstrip())))
        hits.extend(Hit("subject", m.start(), m.end())
                    for m in _ORPHAN_POSSESSIVE.finditer(subject))
    body = message.body.text
    for match in _EMPTY_GREETING.finditer(body):
        start = match.start() + (len(match.group()) - len(match.group().lstrip()))
        hits.append(Hit("body", start, match.end()))
    hits.extend(Hit("body", m.start(), m.end()) for m in _ORPHAN_POSSESSIVE.finditer(body))
    return hits
