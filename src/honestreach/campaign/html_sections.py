"""What the HTML report's sections show, from the audit's summary: the sender, variant and
suppression tables, why rows failed, the campaign findings per rule, and the listed messages.

The listed messages travel as one compact JSON block (``data-messages``): a table of the
strings they use (rule ids, finding messages and suggestions, senders, subjects and variants
repeat across thousands of rows) and one array per message whose findings are arrays of
indices into it, with the kinds of its findings (category, severity, count) that the list and
its filters need. The page's script shows one page of rows at a time and builds a message's
text and findings only when it is opened.

A long listing (over ``PACK_ABOVE`` messages) is compressed: each message's text and findings
leave that block and go, ``BLOCK`` messages at a time, into blocks compressed with zlib and
written in base64 (``data-blocks``), which the page's script inflates (``DecompressionStream``)
when a message of the block is opened; the block of the list itself is compressed too (the
page inflates it once, on opening). A campaign's messages repeat their template's sentences and
their findings' strings, so the blocks shrink about ninefold: 200,000 listed messages of the
benchmark's campaign (1.3 KB, ten findings each) make a file of about 50 MB.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any, Iterable, Mapping

from ..model import SEVERITIES

# Rows of the sender/variant/suppression/campaign tables; the JSON summary has them all.
TABLE_ROWS = 50
# Campaign findings per rule shown in the report's collapsible groups, and message ids per
# finding; the JSON summary has them all.
CAMPAIGN_PER_RULE = 10
IDS_PER_FINDING = 12
# The order of a listed message's fields in ``data-messages`` (the script reads them by name).
MESSAGE_FIELDS = ("seq", "row", "id", "recipient", "sender", "subject", "variant", "sent_at",
                  "checked", "respect", "relevance", "finding_count", "errors", "source",
                  "trimmed", "findings", "campaign", "kinds", "block")
# Fields that are indices into the string table (they repeat across a campaign's rows).
_MESSAGE_STRINGS = {"sender", "subject", "variant"}
# The order of a finding's fields; strings are indices into the string table.
FINDING_FIELDS = ("rule", "category", "severity", "line", "column", "end_line", "end_column",
                  "field", "message", "text", "suggestion")
_FINDING_STRINGS = {"rule", "category", "severity", "field", "message", "text", "suggestion"}
# Listings longer than this keep texts and findings in compressed blocks of BLOCK messages.
PACK_ABOVE = 5000
BLOCK = 256


def group_table(groups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The busiest senders or variants; ``best`` names, per column, the one row that leads it
    (a lead shared by several rows singles nobody out, so none is marked)."""
    rows = sorted(groups.items(), key=lambda kv: (-kv[1].get("messages", 0), kv[0]))
    shown = [{"name": name, **values} for name, values in rows[:TABLE_ROWS]]
    compared = [row for row in shown if row.get("messages")]
    best: dict[str, str] = {}
    for column, pick in (("mean_respect", max), ("mean_relevance", max),
                         ("findings_per_message", min)):
        values = [row[column] for row in compared]
        if len(values) >= 2 and values.count(pick(values)) == 1:
            best[column] = next(row["name"] for row in compared if row[column] == pick(values))
    return {"rows": shown, "total": len(groups), "best": best}


def reading_section(summary: dict[str, Any]) -> dict[str, Any]:
    """Why rows failed, what the reader repaired (rows read as Windows-1252, ...) and the
    summary's errors (rows lost or counted twice): for the section that explains the counts."""
    source = summary.get("source") or {}
    failed = sorted((summary.get("failed_by_reason") or {}).items(),
                    key=lambda kv: (-kv[1], kv[0]))
    notes = sorted((source.get("notes") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    errors = [str(error) for error in summary.get("errors") or ()]
    return {"failed_by_reason": failed[:TABLE_ROWS], "notes": notes[:TABLE_ROWS],
            "errors": errors[:TABLE_ROWS], "source_rows": source.get("rows"),
            "shown": bool(failed or notes or errors)}


def suppressed_section(suppressed: dict[str, Any]) -> dict[str, Any]:
    contacts = list((suppressed.get("list") or {}).items())
    return {"recipients": suppressed.get("recipients", len(contacts)),
            "sends": suppressed.get("sends", 0), "list": contacts[:TABLE_ROWS],
            "more": max(len(contacts) - TABLE_ROWS, 0)}


def campaign_findings(findings: list[dict[str, Any]], listed: set[str],
                       rules: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Campaign findings grouped per rule (count, the top contacts by sends, "and N more"),
    and for each listed message the campaign findings it is in (indices into ``table``)."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_rule.setdefault(str(finding.get("rule")), []).append(finding)
    groups: list[dict[str, Any]] = []
    for rule, group in by_rule.items():
        # Contacts with the most sends first; claims (no contact) in their order.
        ranked = sorted(group, key=lambda f: (not f.get("contact"),
                                              -len(set(f.get("ids") or ())) if f.get("contact")
                                              else 0))
        items = []
        for finding in ranked[:CAMPAIGN_PER_RULE]:
            ids = [str(i) for i in dict.fromkeys(finding.get("ids") or ())]
            items.append({"message": finding.get("message"),
                          "ids": [{"id": i, "listed": i in listed}
                                  for i in ids[:IDS_PER_FINDING]],
                          "more_ids": max(len(ids) - IDS_PER_FINDING, 0)})
        first = group[0]
        groups.append({"rule": rule, "name": (rules.get(rule) or {}).get("name"),
                       "category": first.get("category"), "severity": first.get("severity"),
                       "count": len(group), "shown": items,
                       "more": max(len(group) - CAMPAIGN_PER_RULE, 0)})
    groups.sort(key=lambda g: (SEVERITIES.index(g["severity"]) if g["severity"] in SEVERITIES
                               else len(SEVERITIES), -g["count"], g["rule"]))
    table: list[dict[str, Any]] = []
    by_message: dict[str, list[int]] = {}
    for finding in findings:
        touched = {str(i) for i in finding.get("ids") or ()} & listed
        if not touched:
            continue
        table.append({key: finding.get(key) for key in ("rule", "category", "severity",
                                                         "message")})
        for message_id in touched:
            by_message.setdefault(message_id, []).append(len(table) - 1)
    return {"groups": groups, "total": len(findings), "table": table,
            "by_message": by_message}


def compact_messages(entries: Iterable[dict[str, Any]], count: int,
                     campaign: Mapping[str, list[int]]) -> dict[str, Any]:
    """The ``count`` listed messages as the page's script reads them: ``strings`` (each distinct
    string of the findings, senders, subjects and variants once), ``messages`` (one array per
    message, in MESSAGE_FIELDS order, its findings arrays in FINDING_FIELDS order with strings
    as indices, its ``kinds`` a flat list of category, severity, count), and ``blocks``: when
    the listing is longer than PACK_ABOVE, each message's ``source`` and ``findings`` are
    ``null`` and its ``block`` is ``[block, position]`` in them (see ``pack``)."""
    strings: dict[str, int] = {}

    def index(value: Any) -> int | None:
        if value is None:
            return None
        return strings.setdefault(str(value), len(strings))

    packed = count > PACK_ABOVE
    category, severity = FINDING_FIELDS.index("category"), FINDING_FIELDS.index("severity")
    rows = []
    blocks: list[str] = []
    pending: list[list[Any]] = []
    for entry in entries:
        findings = [[index(f.get(key)) if key in _FINDING_STRINGS else f.get(key)
                     for key in FINDING_FIELDS] for f in entry["findings"]]
        kinds: dict[tuple[Any, Any], int] = {}
        for finding in findings:
            kind = (finding[category], finding[severity])
            kinds[kind] = kinds.get(kind, 0) + 1
        values = {**entry, **{key: index(entry[key]) for key in _MESSAGE_STRINGS},
                  "findings": findings, "campaign": campaign.get(entry["id"], []),
                  "kinds": [n for kind, count in kinds.items() for n in (*kind, count)],
                  "block": None}
        if packed:
            values["block"] = [len(blocks), len(pending)]
            pending.append([values["source"], findings])
            values["source"] = values["findings"] = None
            if len(pending) == BLOCK:
                blocks.append(pack(pending))
                pending = []
        rows.append([values[key] for key in MESSAGE_FIELDS])
    if pending:
        blocks.append(pack(pending))
    return {"fields": list(MESSAGE_FIELDS), "finding_fields": list(FINDING_FIELDS),
            "strings": list(strings), "messages": rows, "blocks": blocks}


def pack(items: Any) -> str:
    """``items`` (lists, dicts, strings, numbers) as compact JSON, compressed with zlib (what ``DecompressionStream("deflate")``
    reads), in base64."""
    data = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")
