"""Merge-tag dialects: the template syntax of the tools teams send with (docs/templates.md).

A file says its dialect by its suffix (``intro.txt.outreach``, ``promo.html.mailchimp``,
``nurture.liquid``) or by the configuration (``templates: [{files: GLOB, dialect: NAME}]``,
for files kept as ``.txt`` or ``.html``).

Each dialect is checked by one of two engines: Jinja2 (jinja2, and the tools whose tags are
rewritten into Jinja2: outreach, salesloft, hubspot, mailchimp, sfmc) or python-liquid
(liquid: Klaviyo, Customer.io, Braze). A *preset* maps each tool's tags to the CRM data model
(``*|FNAME|*`` and HubSpot's ``contact.firstname`` are ``contact.first_name``); the tool's
standard address tags render as the sender's postal address and its unsubscribe tags as an
unsubscribe link, since the tool fills them in on every send.

:func:`translate` rewrites a unit's text into its engine's syntax and says, for every character
of the result, which character of the unit it stands for: findings still point at the tag as
written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from ..filekinds import DIALECT_SUFFIXES, DIALECTS  # noqa: F401 (part of this API)
from .source import Unit

LIQUID_DIALECTS = frozenset({"liquid"})

# What the tool fills in on every send: an unsubscribe or preferences link, a web view.
UNSUBSCRIBE_URL = '"https://example.com/unsubscribe"'
PREFERENCES_URL = '"https://example.com/email-preferences"'
WEB_VIEW_URL = '"https://example.com/view-in-browser"'
ADDRESS = "sender.address"
STREET, CITY, STATE, POSTCODE, COUNTRY = ('"1 Example Street"', '"Springfield"', '"IL"',
                                          '"62701"', '"USA"')


@dataclass(frozen=True)
class Dialect:
    name: str
    engine: str  # "jinja2" or "liquid"
    # Tag names (a path inside Jinja tags, or a bare tool tag) -> a Jinja expression.
    preset: Mapping[str, str]


# -- presets: each tool's names -> the CRM data model ---------------------------------------------
_SALES_ENGAGEMENT = {  # Outreach and Salesloft: bare names of the prospect
    "first_name": "contact.first_name", "last_name": "contact.last_name",
    "email": "contact.email", "title": "contact.title", "company": "contact.company",
    "company_name": "contact.company", "industry": "contact.industry",
    "country": "contact.country", "account.name": "account.company",
    "account.domain": "account.domain", "account.industry": "account.industry",
    "account.company": "account.company",
    "sender.first_name": "sender.name", "sender.name": "sender.name",
    "sender.last_name": '""', "sender.title": "sender.title", "sender.email": "sender.email",
    "sender.phone": "sender.phone", "sender.phone_number": "sender.phone",
    "sender.company": "sender.company", "sender.address": ADDRESS,
    "sender.signature": "sender.name",
    "unsubscribe_link": UNSUBSCRIBE_URL, "opt_out_link": UNSUBSCRIBE_URL,
    "unsubscribe_url": UNSUBSCRIBE_URL,
}
_HUBSPOT = {
    "contact.firstname": "contact.first_name", "contact.lastname": "contact.last_name",
    "contact.email": "contact.email", "contact.company": "contact.company",
    "contact.jobtitle": "contact.title", "contact.industry": "contact.industry",
    "contact.country": "contact.country", "contact.lifecyclestage": "contact.lifecycle_stage",
    "company.name": "account.company", "company.domain": "account.domain",
    "company.industry": "account.industry", "company.numberofemployees": "account.employees",
    "owner.firstname": "sender.name", "owner.lastname": '""', "owner.email": "sender.email",
    "owner.phone": "sender.phone",
    "unsubscribe_link": UNSUBSCRIBE_URL, "unsubscribe_link_all": UNSUBSCRIBE_URL,
    "unsubscribe_section": UNSUBSCRIBE_URL, "email_preferences_link": PREFERENCES_URL,
    "view_as_page_url": WEB_VIEW_URL,
    "site_settings.company_name": "sender.company",
    "site_settings.company_street_address_1": STREET,
    "site_settings.company_street_address_2": '""',
    "site_settings.company_city": CITY, "site_settings.company_state": STATE,
    "site_settings.company_zip": POSTCODE, "site_settings.company_country": COUNTRY,
}
_MAILCHIMP = {  # tag names upper case, as Mailchimp writes them
    "FNAME": "contact.first_name", "LNAME": "contact.last_name", "EMAIL": "contact.email",
    "COMPANY": "contact.company", "TITLE": "contact.title", "JOBTITLE": "contact.title",
    "LIST:ADDRESSLINE": ADDRESS, "LIST:ADDRESS": ADDRESS, "LIST_ADDRESS": ADDRESS,
    "LIST:ADDRESS_HTML": ADDRESS, "HTML:LIST_ADDRESS_HTML": ADDRESS,
    "LIST:ADDRESS_VCARD": ADDRESS, "LIST:COMPANY": "sender.company",
    "LIST:NAME": "sender.company", "UNSUB": UNSUBSCRIBE_URL,
    "UPDATE_PROFILE": PREFERENCES_URL, "ARCHIVE": WEB_VIEW_URL,
}
_SFMC = {  # names lower case: Marketing Cloud ignores case
    "firstname": "contact.first_name", "first_name": "contact.first_name",
    "first name": "contact.first_name", "lastname": "contact.last_name",
    "last_name": "contact.last_name", "last name": "contact.last_name",
    "emailaddr": "contact.email", "email": "contact.email", "emailaddress": "contact.email",
    "company": "contact.company", "companyname": "contact.company", "title": "contact.title",
    "jobtitle": "contact.title", "industry": "contact.industry", "country": "contact.country",
    "member_busname": "sender.company", "member_addr": ADDRESS, "member_city": CITY,
    "member_state": STATE, "member_postalcode": POSTCODE, "member_country": COUNTRY,
    "unsub_center_url": UNSUBSCRIBE_URL, "subscription_center_url": PREFERENCES_URL,
    "profile_center_url": PREFERENCES_URL, "view_email_url": WEB_VIEW_URL,
}

DIALECT_BY_NAME: Mapping[str, Dialect] = {
    "jinja2": Dialect("jinja2", "jinja2", {}),
    "liquid": Dialect("liquid", "liquid", {}),
    "outreach": Dialect("outreach", "jinja2", _SALES_ENGAGEMENT),
    "salesloft": Dialect("salesloft", "jinja2", _SALES_ENGAGEMENT),
    "hubspot": Dialect("hubspot", "jinja2", _HUBSPOT),
    "mailchimp": Dialect("mailchimp", "jinja2", _MAILCHIMP),
    "sfmc": Dialect("sfmc", "jinja2", _SFMC),
}


# -- rewriting a unit into its engine's syntax ----------------------------------------------------
Replacer = Callable[[re.Match[str]], str | None]


def translate(unit: Unit, dialect: str) -> Unit:
    """``unit`` rewritten into its dialect's engine syntax (the unit itself when nothing
    changes); the origins of the result are file offsets, as a unit's are."""
    spec = DIALECT_BY_NAME[dialect]
    rewrites: list[tuple[re.Pattern[str], Replacer]]
    if dialect in ("outreach", "salesloft"):
        rewrites = [(_JINJA_TAG, _jinja_tag_rewriter(spec.preset, bare_field="contact"))]
    elif dialect == "hubspot":
        rewrites = [(_JINJA_TAG, _jinja_tag_rewriter(spec.preset, bare_field=None))]
    elif dialect == "mailchimp":
        rewrites = [(_MAILCHIMP_OR_OPENER, _mailchimp_tag)]
    elif dialect == "sfmc":
        rewrites = [(_SFMC_OR_OPENER, _sfmc_tag)]
    elif dialect == "liquid":
        rewrites = [(_LIQUID_SPECIAL, _liquid_special)]
    else:
        return unit
    text, origins = _rewrite(unit.text, rewrites)
    if text == unit.text:
        return unit
    return Unit(unit.field, text, tuple(unit.file_offset(o) for o in origins), unit.file_text)


def _rewrite(text: str, rewrites: list[tuple[re.Pattern[str], Replacer]]) -> tuple[str, list[int]]:
    """Apply each rewrite in turn; every character of a replacement stands for the tag it
    replaced (its first character, then its last, so a finding on it spans the whole tag)."""
    origins = list(range(len(text)))
    for pattern, replacer in rewrites:
        parts: list[str] = []
        new_origins: list[int] = []
        last = 0
        for match in pattern.finditer(text):
            replacement = replacer(match)
            if replacement is None or replacement == match.group():
                continue
            start, end = match.span()
            parts.append(text[last:start])
            new_origins.extend(origins[last:start])
            parts.append(replacement)
            first, final = origins[start], origins[end - 1]
            new_origins.extend([first] + [final] * (len(replacement) - 1))
            last = end
        parts.append(text[last:])
        new_origins.extend(origins[last:])
        text, origins = "".join(parts), new_origins
    return text, origins


# Jinja-like dialects: every {{ }} and {% %} tag ({# #} comments are left alone).
_JINJA_TAG = re.compile(r"\{\{(?P<out>.*?)\}\}|\{%(?P<stmt>.*?)%\}|\{#.*?#\}", re.DOTALL)
_STRING_OR_PATH = re.compile(
    r"(?P<string>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"
    r"|(?<![\w.|])(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?!\s*\()")
_BARE_PATH = re.compile(r"\s*(?P<path>[A-Za-z_]\w*)\s*(?P<rest>\|.*)?", re.DOTALL)
# Liquid-style filter arguments some tools accept: "| default: 'there'" -> "| default('there')"
_COLON_FILTER = re.compile(
    r"\|\s*(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<arg>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|[\w.]+)")
_PERSONALIZATION_TOKEN = re.compile(
    r"personalization_token\(\s*(?P<q>['\"])(?P<path>[\w.]+)(?P=q)\s*"
    r"(?:,\s*(?P<fallback>'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"))?\s*\)")
_KEYWORDS = frozenset({"if", "elif", "else", "endif", "for", "endfor", "in", "not", "and", "or",
                       "is", "true", "false", "none", "True", "False", "None", "set", "loop"})


def _jinja_tag_rewriter(preset: Mapping[str, str], bare_field: str | None) -> Replacer:
    def rewrite_expression(inner: str, bare: bool) -> str:
        inner = _PERSONALIZATION_TOKEN.sub(
            lambda m: f"({preset.get(m.group('path'), m.group('path'))} or "
                      f"{m.group('fallback') or chr(34) * 2})", inner)
        inner = _COLON_FILTER.sub(lambda m: f"| {m.group('name')}({m.group('arg')})", inner)
        if bare and bare_field is not None:
            match = _BARE_PATH.fullmatch(inner)
            if match and match.group("path") not in preset and \
                    match.group("path") not in _KEYWORDS and \
                    match.group("path") not in ("contact", "account", "sender", "activities"):
                # an Outreach/Salesloft field the preset does not know: the prospect's own
                return f" {bare_field}.{match.group('path')} {match.group('rest') or ''}"

        def rename(match: re.Match[str]) -> str:
            path = match.group("path")
            before = inner[:match.start()].rstrip()
            if path is None or before.endswith(("|", " is", " is not")):  # a filter or test
                return match.group()
            return preset.get(path, path)

        return _STRING_OR_PATH.sub(rename, inner)

    def replacer(match: re.Match[str]) -> str | None:
        if match.group("out") is not None:
            return "{{" + rewrite_expression(match.group("out"), bare=True) + "}}"
        if match.group("stmt") is not None:
            return "{%" + rewrite_expression(match.group("stmt"), bare=False) + "%}"
        return None

    return replacer


# Mailchimp: *|TAG|*, and Jinja openers in the literal text (escaped: they are plain text there).
_MAILCHIMP_OR_OPENER = re.compile(r"\*\|(?P<tag>[^|*\n]{1,60})\|\*|(?P<opener>\{\{|\{%)")
_CONDITION = re.compile(r"(?P<name>[^=!<>]+?)\s*(?:(?P<op>!=|=|<=|>=|<|>)\s*(?P<value>.*))?")


def _mailchimp_tag(match: re.Match[str]) -> str:
    if match.group("opener"):
        return "{{ '" + match.group("opener") + "' }}"
    tag = match.group("tag").strip()
    keyword, _, argument = tag.partition(":")
    keyword = keyword.upper()
    if keyword in ("IF", "ELSEIF", "IFNOT") and argument:
        test = _mailchimp_condition(argument)
        if keyword == "IFNOT":
            return "{% if not (" + test + ") %}"
        return "{% " + ("if" if keyword == "IF" else "elif") + " " + test + " %}"
    if keyword == "ELSE":
        return "{% else %}"
    if keyword == "END" and argument.upper() == "IF":
        return "{% endif %}"
    return "{{ " + _mailchimp_value(tag) + " }}"


def _mailchimp_value(tag: str) -> str:
    known = _MAILCHIMP.get(tag.upper())
    if known is not None:
        return known
    if ":" in tag:  # the tool's own system tags (*|MC:SUBJECT|*, *|DATE:Y|*) fill themselves
        return '""'
    return _field_path(tag)


def _mailchimp_condition(argument: str) -> str:
    match = _CONDITION.fullmatch(argument.strip())
    if match is None:
        return "true"
    name = _mailchimp_value(match.group("name").strip())
    op = match.group("op")
    if not op:
        return name
    value = match.group("value").strip().strip("'\"")
    return f"{name} {'==' if op == '=' else op} {value!r}"


# Marketing Cloud: %%Attribute%%, AMPscript blocks %%[ ... ]%% and inline %%=...=%%.
_SFMC_OR_OPENER = re.compile(
    r"%%\[.*?\]%%|%%=.*?=%%|%%(?P<tag>[A-Za-z_][\w ]{0,60}?)%%|(?P<opener>\{\{|\{%)",
    re.DOTALL)


def _sfmc_tag(match: re.Match[str]) -> str:
    if match.group("opener"):
        return "{{ '" + match.group("opener") + "' }}"
    tag = match.group("tag")
    if tag is None:
        # AMPscript: a program, not a value of the data model; it is left out of the checks
        return "{# ampscript #}" if match.group().startswith("%%[") else '{{ "" }}'
    known = _SFMC.get(tag.strip().lower())
    return "{{ " + (known if known is not None else _field_path(tag)) + " }}"


def _field_path(tag: str) -> str:
    """A tool's field the preset does not know, as a field of the contact (so the data model
    can declare it): 'MMERGE5' -> contact.mmerge5."""
    name = re.sub(r"\W+", "_", tag.strip()).strip("_").lower() or "field"
    if name[0].isdigit():
        name = "field_" + name
    return f"contact.{name}"


# Liquid: Braze's ${attribute}, and the tags Klaviyo and Customer.io add for the unsubscribe
# and preferences links (python-liquid does not know them).
_LIQUID_SPECIAL = re.compile(
    r"\$\{(?P<braze>[\w.]+)\}"
    r"|\{%-?\s*(?P<tag>unsubscribe(?:_url|_link)?|manage_preferences|"
    r"preferences_url|web_view|view_in_browser)\b[^%]*?-?%\}")
_LIQUID_TAGS = {"unsubscribe": UNSUBSCRIBE_URL, "unsubscribe_url": UNSUBSCRIBE_URL,
                "unsubscribe_link": UNSUBSCRIBE_URL, "manage_preferences": PREFERENCES_URL,
                "preferences_url": PREFERENCES_URL, "web_view": WEB_VIEW_URL,
                "view_in_browser": WEB_VIEW_URL}


def _liquid_special(match: re.Match[str]) -> str:
    if match.group("braze"):
        return match.group("braze")
    return "{{ " + _LIQUID_TAGS[match.group("tag")] + " }}"
