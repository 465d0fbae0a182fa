"""Safe fixes: edits that remove a finding without changing what the sender says.

Offered by the page, the API and the editor server, never applied silently:

- ``drop-thread-prefix``: a fake "Re:" or "Fwd:" dropped from a first email's subject;
- ``add-opt-out`` and ``add-postal-address``: the configured opt-out line or postal address
  (``opt-out-line``, ``postal-address`` in the configuration) added below the sender's text;
- ``replace-merge-token``: another tool's merge token (``*|FNAME|*``, ``[First Name]``) replaced
  with the recipient's value from the CRM, or in a template with the template's own variable.

Fixes are computed from the file's text and the findings alone, so one function serves a
draft, an ``.eml`` and a template. A fix is offered only where the finding's text stands in the
file as given: text that is encoded (quoted-printable, base64, an encoded header) is never
edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .crm import Contact
from .model import Finding, SourceText

# When no opt-out line is configured: an opt-out any sender can honour by hand.
DEFAULT_OPT_OUT = "Not interested? Reply \"unsubscribe\" and I won't email you again."

# The thread prefixes of rules/claims/thread-reply-subject.yaml and thread-forward-subject.yaml,
# repeated ("RE: RE: Fwd:"), with the blanks after them.
_THREAD_PREFIXES = re.compile(
    r"(?:(?:re|aw|sv|antw|vs|réf|rif|odp|fwd?|fw|wg|tr|rv|enc|vb|doorst)[ \t]*"
    r"(?:\[\d+\]|\(\d+\))?[ \t]*:[ \t]*)+", re.IGNORECASE)
THREAD_RULES = frozenset({"thread-reply-subject", "thread-forward-subject"})

# A merge token's name, by the CRM field it stands for ("FNAME", "First Name", "Contact.Company").
_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "first_name": ("fname", "firstname", "first", "givenname", "name", "forename"),
    "last_name": ("lname", "lastname", "last", "surname", "familyname"),
    "full_name": ("fullname",),
    "company": ("company", "companyname", "account", "accountname", "organization",
                "organisation", "org", "organizationname", "organisationname", "business",
                "businessname", "employer"),
    "title": ("title", "jobtitle", "position", "role"),
    "industry": ("industry",),
    "country": ("country",),
}
_FIELD_OF = {name: field for field, names in _FIELD_NAMES.items() for name in names}
_OWNER_WORDS = ("contact", "recipient", "prospect", "lead", "customer", "client", "your")
_TOKEN_WRAPPING = re.compile(r"^[\s{}\[\]<>«»*|%$#!]+|[\s{}\[\]<>«»*|%]+$")
# Template variables for a token's field; a name may be missing, so it gets a fallback.
_TEMPLATE_VARIABLE = {
    "first_name": '{{ contact.first_name | default("there") }}',
    "last_name": "{{ contact.last_name }}",
    "full_name": "{{ contact.first_name }} {{ contact.last_name }}",
    "company": "{{ contact.company }}",
    "title": "{{ contact.title }}",
    "industry": "{{ contact.industry }}",
    "country": "{{ contact.country }}",
}


@dataclass(frozen=True)
class Edit:
    """Replace the file's text from offset ``start`` to ``end`` (exclusive) with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """One safe fix for one finding: what it does, in words, and the edits that do it."""

    id: str
    rule: str
    title: str
    edits: tuple[Edit, ...]
    # The finding it fixes: its 1-based line and column in the file.
    line: int
    column: int

    def apply(self, text: str) -> str:
        """``text`` with this fix's edits made (they never overlap)."""
        for edit in sorted(self.edits, key=lambda e: e.start, reverse=True):
            text = text[:edit.start] + edit.text + text[edit.end:]
        return text


@dataclass(frozen=True)
class FixSettings:
    """What fixes may draw on: the configured lines, the recipient's CRM record, and whether
    the file is a template (whose own variables replace foreign merge tokens)."""

    opt_out_line: str | None = None
    postal_address: str | None = None
    contact: Contact | None = None
    template: bool = False
    # Only a draft's or a template's body is edited: a raw message's may be quoted-printable
    # and HTML markup may surround the line, so text added as typed could be misread.
    body_edits: bool = True


def safe_fixes(source: SourceText, findings: Iterable[Finding],
               settings: FixSettings = FixSettings()) -> list[Fix]:
    """The safe fixes for these findings of the file whose text is ``source``."""
    fixes: list[Fix] = []
    for finding in findings:
        fix: Fix | None = None
        if finding.field != "subject" and not settings.body_edits:
            continue
        if finding.rule in THREAD_RULES and finding.field == "subject":
            fix = _drop_thread_prefix(source, finding)
        elif finding.rule == "missing-unsubscribe":
            fix = _add_line(source, finding, "add-opt-out",
                            settings.opt_out_line or DEFAULT_OPT_OUT,
                            "Add the opt-out line" if settings.opt_out_line
                            else "Add an opt-out line")
        elif finding.rule == "missing-postal-address" and settings.postal_address:
            fix = _add_line(source, finding, "add-postal-address", settings.postal_address,
                            "Add the postal address")
        elif finding.category == "merge_field" and finding.rule == "unfilled-merge-field":
            fix = _replace_token(source, finding, settings)
        if fix is not None:
            fixes.append(fix)
    return fixes


def _span(source: SourceText, finding: Finding) -> tuple[int, int] | None:
    """The finding's file offsets, when its text stands there as given (not encoded)."""
    loc = finding.location
    start = source.offset(loc.line, loc.column)
    end = source.offset(loc.end_line, loc.end_column)
    if not finding.text or source.text[start:end] != finding.text:
        return None
    return start, end


def _drop_thread_prefix(source: SourceText, finding: Finding) -> Fix | None:
    span = _span(source, finding)
    if span is None:
        return None
    prefixes = _THREAD_PREFIXES.match(source.text, span[0])
    if prefixes is None:
        return None
    word = finding.text.rstrip(": \t")
    return Fix("drop-thread-prefix", finding.rule, f"Drop the \"{word}:\" from the subject",
               (Edit(prefixes.start(), prefixes.end(), ""),), finding.location.line,
               finding.location.column)


def _add_line(source: SourceText, finding: Finding, fix_id: str, line: str,
              title: str) -> Fix | None:
    """Insert ``line`` as a paragraph after the line the finding points at (the last line of
    the sender's own text, where a footer goes)."""
    loc = finding.location
    if _span(source, finding) is None:
        return None  # the line is encoded in the file (base64, quoted-printable)
    last = source.line(loc.end_line)
    at = source.offset(loc.end_line, 1) + len(last)
    newline = "\r\n" if source.text[at:at + 2] == "\r\n" else "\n"
    return Fix(fix_id, finding.rule, f"{title}: {line}",
               (Edit(at, at, newline + newline + line),), loc.line, loc.column)


def token_field(token: str) -> str | None:
    """The CRM field a merge token stands for ("*|FNAME|*" -> first_name), or None."""
    name = _TOKEN_WRAPPING.sub("", token).rsplit(".", 1)[-1]
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)
    key = "".join(words).lower()
    for owner in _OWNER_WORDS:
        if key.startswith(owner) and key != owner and key[len(owner):] in _FIELD_OF:
            key = key[len(owner):]
    return _FIELD_OF.get(key)


def _contact_value(contact: Contact, field: str) -> str | None:
    if field == "full_name":
        parts = [p for p in (contact.first_name, contact.last_name) if p]
        return " ".join(parts) or None
    value = getattr(contact, field, None)
    return value if isinstance(value, str) and value.strip() else None


def _replace_token(source: SourceText, finding: Finding, settings: FixSettings) -> Fix | None:
    span = _span(source, finding)
    field = token_field(finding.text)
    if span is None or field is None:
        return None
    if settings.template:
        value = _TEMPLATE_VARIABLE[field]
        title = f"Replace {finding.text} with the template variable {value}"
    elif settings.contact is not None:
        found = _contact_value(settings.contact, field)
        if found is None:
            return None
        value = found
        title = f"Replace {finding.text} with the recipient's {field.replace('_', ' ')}: {value}"
    else:
        return None
    return Fix("replace-merge-token", finding.rule, title, (Edit(span[0], span[1], value),),
               finding.location.line, finding.location.column)


def fix_dict(fix: Fix, source: SourceText) -> dict[str, object]:
    """One fix as JSON: its edits with 1-based lines and columns (end exclusive) and offsets."""
    edits = []
    for edit in fix.edits:
        line, column = source.position(edit.start)
        end_line, end_column = source.position(edit.end)
        edits.append({"line": line, "column": column, "end_line": end_line,
                      "end_column": end_column, "start": edit.start, "end": edit.end,
                      "text": edit.text})
    return {"id": fix.id, "rule": fix.rule, "title": fix.title, "line": fix.line,
            "column": fix.column, "edits": edits}

