"""Which column of a campaign export holds which field of a send.

A column named as the field (``to``, ``body``) is used; else ``--columns``/``campaign-columns``
say which; else the names that CRM and sequencing tools give them in their exports (HubSpot,
Salesforce, Outreach, Salesloft, Mailchimp: ``Email Address``, ``Recipient Email``,
``Email Body``, ``html_body``, ``Sent At``...), compared case, spaces and punctuation aside,
are taken when exactly one column fits. ``html_body`` is the body as HTML: its text is read
through the converter ``.eml`` uses (htmltext.py).

When a field a send needs (``to``, ``body``) has no column, :func:`missing_columns` says which
headers were found and which ``--columns`` mapping would fix it, by name similarity.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..model import SEND_FIELDS

# The fields a column can be mapped to: a send's fields, and the body given as HTML.
COLUMN_FIELDS = (*SEND_FIELDS, "html_body")
# Without these a row cannot be checked (a body as text or as HTML).
REQUIRED = ("to", "body")

# Export names of each field, normalised (lower case, letters and digits only), in groups of
# preference: the first group with exactly one column present wins; two in one group are
# ambiguous and none is taken.
ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "id": (("id", "sendid", "messageid", "emailid", "mailingid", "activityid", "recordid"),),
    "to": (("to", "email", "emailaddress", "recipient", "recipientemail", "recipientaddress",
            "toemail", "toaddress", "contactemail", "prospectemail", "leademail"),),
    "from": (("from", "sender", "senderemail", "senderaddress", "fromemail", "fromaddress",
              "owneremail", "mailboxaddress"),),
    "subject": (("subject", "subjectline", "emailsubject", "messagesubject"),),
    "body": (("body", "textbody", "bodytext", "plaintext", "plaintextbody", "bodyplain",
              "plainbody", "emailbody", "messagebody", "content", "message", "text",
              "emailcontent", "emailtext", "bodyplaintext"),),
    "html_body": (("htmlbody", "bodyhtml", "html", "htmlcontent", "contenthtml", "emailhtml",
                   "htmlmessage", "messagehtml", "emailbodyhtml", "htmltext"),),
    "sent_at": (("sentat", "sent", "sentdate", "senttime", "datesent", "timesent", "senddate",
                 "sendtime", "sendat", "deliveredat", "deliverydate", "messagedate", "emaildate"),
                ("date", "timestamp", "datetime", "createdat")),
    "variant": (("variant", "abvariant", "variantname", "testvariant", "abtestvariant"),),
}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalised(name: str) -> str:
    return _NOT_WORD.sub("", name.lower())


@dataclass(frozen=True)
class ColumnMap:
    """Each field's column (``columns``), and which were recognised by name (``recognised``)."""

    columns: Mapping[str, str]
    recognised: Mapping[str, str] = field(default_factory=dict)
    headers: frozenset[str] = frozenset()

    def has(self, name: str) -> bool:
        return self.columns.get(name) in self.headers

    def missing(self) -> list[str]:
        """The fields a send needs that no column of the source holds."""
        return [name for name in REQUIRED if not (
            self.has(name) or (name == "body" and self.has("html_body")))]


def resolve(headers: Sequence[str], given: Mapping[str, str]) -> ColumnMap:
    """The columns of a source with ``headers`` (a CSV header, a JSON object's keys):
    ``given`` (``--columns``, the configuration) first, then the fields' own names, then the
    export names of ALIASES. A field given a column that is not there keeps it (its rows fail,
    and the summary says why); a body given as ``html_body`` takes no ``body`` column."""
    present = set(headers)
    columns: dict[str, str] = dict(given)
    recognised: dict[str, str] = {}
    taken = set(columns.values())
    by_name: dict[str, list[str]] = {}
    for header in headers:
        by_name.setdefault(normalised(header), []).append(header)
    for name in COLUMN_FIELDS:
        if name in columns or (name == "body" and "html_body" in given):
            continue
        if name in present:
            columns[name] = name
            continue
        for group in ALIASES[name]:
            found = [h for alias in group for h in by_name.get(alias, ()) if h not in taken]
            if len(found) == 1:
                columns[name] = recognised[name] = found[0]
                taken.add(found[0])
            if found:
                break
    return ColumnMap(columns, recognised, frozenset(present))


def suggestions(name: str, headers: Sequence[str], limit: int = 3) -> list[str]:
    """The headers most like the names of field ``name`` (for a hint)."""
    aliases = [alias for group in ALIASES[name] for alias in group]
    if name == "body":
        aliases += [alias for group in ALIASES["html_body"] for alias in group]
    scored = []
    for header in headers:
        key = normalised(header)
        if not key:
            continue
        score = max(difflib.SequenceMatcher(None, key, alias).ratio() for alias in aliases)
        if any(alias in key for alias in aliases if len(alias) >= 4):
            score = max(score, 0.8)
        if score >= 0.6:
            scored.append((-score, headers.index(header), header))
    return [header for _, _, header in sorted(scored)[:limit]]


def mapping_hint(missing: Sequence[str], headers: Sequence[str]) -> str | None:
    """The ``--columns`` option that would map the ``missing`` fields to the likeliest
    headers (a body that looks like HTML as ``html_body``), or None when nothing fits;
    ``headers`` are those no other field reads."""
    parts = []
    for name in missing:
        found = suggestions(name, headers)
        if not found:
            continue
        best = found[0]
        is_html = name == "body" and any(
            alias in normalised(best) for group in ALIASES["html_body"] for alias in group)
        parts.append(f"{'html_body' if is_html else name}={best}")
    if not parts:
        return None
    value = ",".join(parts)
    return f"--columns '{value}'" if re.search(r"[\s'\"$`\\]", value) else f"--columns {value}"


def missing_columns(headers: Sequence[str], columns: ColumnMap) -> dict[str, object] | None:
    """What the summary says of required fields without a column: the fields, the headers
    found, the likely headers for each, and the mapping that would fix it."""
    missing = columns.missing()
    if not missing:
        return None
    # A header another field reads (the recipient's address) is no body.
    taken = {column for name, column in columns.columns.items() if name not in missing}
    free = [header for header in headers if header not in taken]
    return {"fields": missing, "headers": list(headers),
            "suggestions": {name: suggestions(name, free) for name in missing},
            "hint": mapping_hint(missing, free)}
