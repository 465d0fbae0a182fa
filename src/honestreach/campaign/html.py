"""The self-contained HTML report of an audit (``honestreach audit --html``): one offline file with
the summary, charts drawn as inline SVG here, and a filterable list of messages.

A campaign can have hundreds of thousands of rows, so the report keeps a bounded selection as
they stream by: every message while there are at most ``limit``, otherwise the ``limit``
lowest-scoring ones (and rows that could not be checked, within the same bound).

The listed messages travel as one compact JSON block (``data-messages``): a table of the
strings they use (rule ids, finding messages and suggestions repeat across thousands of rows)
and one array per message whose findings are arrays of indices into it. The page's script
shows one page of rows at a time and builds a message's text and findings only when it is
opened, so neither the file nor the page grows with the campaign beyond the bound.
"""

from __future__ import annotations

import heapq
import os
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from .._version import __version__
from ..model import SendRecord, SourceText
from ..report.json import finding_dict
from ..taxonomy import CATEGORIES

# Characters of a message's text kept for the report: enough for any real email, and a bound on
# what one odd row (a pasted log, a huge HTML part) can cost.
SOURCE_LIMIT = 20_000
# Rows of the sender/variant/suppression/campaign tables; the JSON summary has them all.
TABLE_ROWS = 50
# Campaign findings per rule shown in the report's collapsible groups, and message ids per
# finding; the JSON summary has them all.
CAMPAIGN_PER_RULE = 10
IDS_PER_FINDING = 12
SEVERITIES = ("error", "warning", "info")
# The order of a listed message's fields in ``data-messages`` (the script reads them by name).
MESSAGE_FIELDS = ("seq", "row", "id", "recipient", "sender", "subject", "variant", "sent_at",
                  "checked", "respect", "relevance", "finding_count", "errors", "source",
                  "trimmed", "findings", "campaign")
# The order of a finding's fields; strings are indices into the string table.
FINDING_FIELDS = ("rule", "category", "severity", "line", "column", "end_line", "end_column",
                  "field", "message", "text", "suggestion")
_FINDING_STRINGS = {"rule", "category", "severity", "field", "message", "text", "suggestion"}

_NO_SCORES: dict[str, Any] = {"count": 0, "mean": None, "min": None, "q1": None,
                              "median": None, "q3": None, "max": None, "histogram": [0] * 10}


def _trimmed(source: str, findings: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The text cut to ``SOURCE_LIMIT`` and the findings whose span still lies inside it."""
    if len(source) <= SOURCE_LIMIT:
        return source, findings
    text = SourceText(source)
    kept = [f for f in findings if text.offset(f["end_line"], f["end_column"]) <= SOURCE_LIMIT]
    return source[:SOURCE_LIMIT], kept


def _entry(record: SendRecord, seq: int) -> dict[str, Any]:
    """What the report keeps of a record (never the record itself: it can be large)."""
    findings = [finding_dict(finding) for finding in record.findings]
    source = record.source
    total = len(findings)
    if source is not None:
        source, findings = _trimmed(source, findings)
    return {
        "seq": seq,
        "row": record.row,
        "id": str(record.id),
        "recipient": record.recipient,
        "sender": record.sender,
        "subject": record.subject,
        "variant": record.variant,
        "sent_at": record.sent_at,
        "checked": record.checked,
        "respect": record.respect,
        "relevance": record.relevance,
        "findings": findings,
        # The findings count is the message's, even when some fall past the trimmed text.
        "finding_count": total,
        "errors": list(record.errors),
        "source": source,
        "trimmed": record.source is not None and len(record.source) > SOURCE_LIMIT,
    }


def _score(record: SendRecord) -> int:
    return (record.respect or 0) + (record.relevance or 0)


class HtmlReport:
    """Collects the audit's records (bounded) and renders the report once the summary is known."""

    def __init__(self, limit: int = 2000, rules: Iterable[Any] = ()) -> None:
        """``rules`` (objects with ``id``, ``name``, ``category``, ``severity``: the loaded
        rules) name the rules the report mentions; a rule not among them shows its id."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.rules: dict[str, dict[str, Any]] = {}
        self.name_rules(rules)
        self.seen = 0
        self.checked = 0
        self.failed = 0
        # A max-heap on score by way of negated keys: its top is the highest-scoring message
        # kept, the first to go when a lower-scoring one arrives. Ties keep the earlier row.
        self._lowest: list[tuple[int, int, dict[str, Any]]] = []
        # Rows that could not be checked have no score to rank; the first ones are kept.
        self._failed: list[dict[str, Any]] = []

    def name_rules(self, rules: Iterable[Any]) -> None:
        """Name these rules too (a configuration's own rules, known once the audit ran)."""
        self.rules.update({rule.id: {"name": rule.name, "category": rule.category,
                                     "severity": rule.severity} for rule in rules})

    def add(self, record: SendRecord) -> None:
        """Take one audit record (as streamed, with its ``source`` when the audit kept it)."""
        self.seen += 1
        if not record.checked:
            self.failed += 1
            if len(self._failed) < self.limit:
                self._failed.append(_entry(record, self.seen))
            return
        self.checked += 1
        score = _score(record)
        if len(self._lowest) >= self.limit and score >= -self._lowest[0][0]:
            return  # would be dropped at once: skip building its entry
        item = (-score, -self.seen, _entry(record, self.seen))
        if len(self._lowest) < self.limit:
            heapq.heappush(self._lowest, item)
        else:
            heapq.heappushpop(self._lowest, item)

    def listed(self) -> tuple[list[dict[str, Any]], int, int]:
        """The messages the report lists, in input order, and how many checked and failed rows
        are among them: at most ``limit`` in all, failed rows taking up to half when both
        kinds are more than fit."""
        checked = min(len(self._lowest), max(self.limit - len(self._failed), self.limit // 2))
        failed = min(len(self._failed), self.limit - checked)
        lowest = heapq.nlargest(checked, self._lowest)
        entries = [entry for _, _, entry in lowest] + self._failed[:failed]
        entries.sort(key=lambda entry: entry["seq"])
        return entries, checked, failed

    def statement(self, checked: int, failed: int) -> str:
        """How many of how many messages the report lists, and why."""
        if checked + failed == self.seen:
            return f"All {self.seen:,} {_plural(self.seen, 'message')} are listed."
        if checked == self.checked:
            parts = [_every(checked, "checked message", "")]
        else:
            lowest = (f"the {checked:,} lowest-scoring of {self.checked:,} checked messages "
                      f"(by respect + relevance)")
            parts = [lowest]
        if failed == self.failed:
            if failed:
                parts.append(_every(failed, "row", " that could not be checked"))
        else:
            parts.append(f"the first {failed:,} of {self.failed:,} rows that could not be "
                         f"checked")
        return (f"Listing {checked + failed:,} of {self.seen:,} messages: {' and '.join(parts)}, "
                f"to keep this file small. The full results are in the audit's --output file.")

    def render(self, summary: dict[str, Any], title: str) -> str:
        """The report as one HTML document."""
        from markupsafe import Markup

        env = _environment()
        entries, checked, failed = self.listed()
        listed_ids = {entry["id"] for entry in entries}
        campaign = _campaign_findings(summary.get("campaign_findings") or [], listed_ids,
                                      self.rules)
        given = summary.get("scores") or {}
        scores = {name: {**_NO_SCORES, **(given.get(name) or {})}
                  for name in ("respect", "relevance")}
        by_category = summary.get("by_category") or {}
        template = env.get_template("report.html.j2")
        return template.render(
            title=title,
            generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
            rows=summary.get("rows") or {"read": self.seen, "checked": self.checked,
                                         "failed": self.failed},
            findings_total=sum(by_category.values()),
            scores=scores,
            respect_chart=histogram_chart("respect", "Respect", scores["respect"]["histogram"]),
            relevance_chart=histogram_chart("relevance", "Relevance",
                                            scores["relevance"]["histogram"]),
            category_chart=category_chart(by_category, self._severities(summary)),
            by_rule=[{"id": rule, "count": count, **self._rule(rule)} for rule, count in
                     sorted((summary.get("by_rule") or {}).items(),
                            key=lambda kv: (-kv[1], kv[0]))],
            campaign=campaign,
            senders=_group_table(summary.get("senders") or {}),
            variants=_group_table(summary.get("variants") or {}),
            suppressed=_suppressed(summary.get("suppressed") or {}),
            reading=_reading(summary),
            listing={"listed": len(entries), "statement": self.statement(checked, failed),
                     "bound": self.bound(checked, failed)},
            messages=compact_messages(entries, campaign["by_message"]),
            rules=self._rule_table(entries, summary),
            source_limit=SOURCE_LIMIT,
            categories=CATEGORIES,
            css=Markup(_asset(env, "report.css")),
            script=Markup(_asset(env, "report.js")),
        )

    def bound(self, checked: int, failed: int) -> str:
        """What the list leaves out, in a few words ("" when it lists every message): for the
        filter banner, after "Showing N of M listed messages"."""
        if checked + failed == self.seen:
            return ""
        if checked < self.checked:
            return (f"the report lists the {checked:,} lowest-scoring of {self.checked:,} "
                    f"checked messages")
        return f"the report lists {checked + failed:,} of {self.seen:,} messages"

    def _rule(self, rule_id: str) -> dict[str, Any]:
        known = self.rules.get(rule_id) or {}
        return {"name": known.get("name"), "severity": known.get("severity")}

    def _severities(self, summary: dict[str, Any]) -> dict[str, dict[str, int]]:
        """Findings per category and severity, from the per-rule counts and the rules'
        severities (a rule the report does not know counts under its category alone)."""
        out: dict[str, dict[str, int]] = {}
        for rule_id, count in (summary.get("by_rule") or {}).items():
            known = self.rules.get(rule_id)
            if known is not None:
                per = out.setdefault(known["category"], {})
                per[known["severity"]] = per.get(known["severity"], 0) + count
        return out

    def _rule_table(self, entries: list[dict[str, Any]],
                    summary: dict[str, Any]) -> dict[str, list[str]]:
        """id -> [name, category, severity] of the known rules the report mentions."""
        mentioned = set(summary.get("by_rule") or {})
        mentioned.update(f.get("rule") for f in summary.get("campaign_findings") or ())
        for entry in entries:
            mentioned.update(f["rule"] for f in entry["findings"])
        return {rule_id: [known["name"], known["category"], known["severity"]]
                for rule_id in sorted(r for r in mentioned if r)
                if (known := self.rules.get(rule_id)) is not None}

    def write(self, path: str | os.PathLike[str], summary: dict[str, Any], title: str) -> None:
        """Write the report to ``path`` (UTF-8)."""
        html = self.render(summary, title)
        with open(path, "w", encoding="utf-8") as out:
            out.write(html)


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _every(count: int, noun: str, rest: str) -> str:
    return f"the 1 {noun}{rest}" if count == 1 else f"all {count:,} {noun}s{rest}"


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("honestreach.campaign", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["thousands"] = lambda n: "–" if n is None else f"{n:,}"
    env.filters["plural"] = lambda word, count: _plural(count, word)
    return env


def _asset(env: Any, name: str) -> str:
    """A stylesheet or script, verbatim: it is code, never parsed as a template."""
    source, _, _ = env.loader.get_source(env, name)
    return source


# -- charts ---------------------------------------------------------------------------------

def _nice_max(value: int) -> int:
    """The smallest 1/2/5 × 10^n at least ``value`` (an axis that ends on a round number)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _band(low: int) -> str:
    return "low" if low < 40 else "mid" if low < 70 else "high"


def histogram_chart(key: str, label: str, bins: list[int] | None) -> dict[str, Any]:
    """Geometry of a 10-bin score histogram (0-9 ... 90-100) for the SVG template."""
    bins = list(bins or [0] * 10)
    width, height = 420, 230
    left, right, top, bottom = 44, 12, 18, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    total = sum(bins)
    peak = _nice_max(max(max(bins), 1))
    slot = plot_w / len(bins)
    bars = []
    for index, count in enumerate(bins):
        low = index * 10
        high = 100 if index == len(bins) - 1 else low + 9
        bar_h = plot_h * count / peak
        bars.append({"x": round(left + index * slot + 2, 1), "w": round(slot - 4, 1),
                     "y": round(top + plot_h - bar_h, 1), "h": round(bar_h, 1),
                     "count": count, "range": f"{low}–{high}", "band": _band(low),
                     "cx": round(left + (index + 0.5) * slot, 1)})
    ticks = [{"value": value, "y": round(top + plot_h - plot_h * value / peak, 1)}
             for value in sorted({0, peak // 2 if peak % 2 == 0 else peak, peak})]
    edges = [{"value": index * 10, "x": round(left + index * slot, 1)}
             for index in range(len(bins) + 1)]
    summary = ", ".join(f"{bar['range']}: {bar['count']}" for bar in bars)
    return {"key": key, "label": label, "width": width, "height": height, "left": left,
            "top": top, "plot_w": plot_w, "plot_h": plot_h, "bottom_y": top + plot_h,
            "bars": bars, "ticks": ticks, "edges": edges, "total": total,
            "description": f"{label} scores of {total:,} checked messages in ten bins: "
                           f"{summary}."}


def category_chart(by_category: dict[str, int],
                   severities: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Any]:
    """Geometry of the horizontal bar chart of findings per category; each bar is cut into
    its findings per severity (``severities``: category -> severity -> count), the rest (a
    rule the report does not know) in the neutral colour."""
    items = sorted(((name, count) for name, count in by_category.items() if count),
                   key=lambda item: (-item[1], item[0]))
    width, label_w, row_h, top = 640, 190, 26, 8
    plot_w = width - label_w - 56
    peak = max((count for _, count in items), default=1)
    bars = []
    for index, (name, count) in enumerate(items):
        w = max(round(plot_w * count / peak, 1), 2)
        split = dict((severities or {}).get(name) or {})
        parts, x, left = [], float(label_w), count
        for severity in (*SEVERITIES, "other"):
            part = min(split.get(severity, left if severity == "other" else 0), left)
            if part <= 0:
                continue
            left -= part
            part_w = round(w * part / count, 1)
            parts.append({"severity": severity, "x": round(x, 1), "w": part_w, "count": part})
            x += part_w
        bars.append({"name": name, "count": count, "y": top + index * row_h, "w": w,
                     "about": CATEGORIES.get(name, ""), "parts": parts})
    description = "; ".join(f"{name}: {count}" for name, count in items)
    return {"width": width, "height": top * 2 + row_h * len(items), "label_w": label_w,
            "row_h": row_h, "bars": bars,
            "description": f"Findings per category: {description or 'none'}."}


# -- tables ---------------------------------------------------------------------------------

def _group_table(groups: dict[str, dict[str, Any]]) -> dict[str, Any]:
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


def _reading(summary: dict[str, Any]) -> dict[str, Any]:
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


def _suppressed(suppressed: dict[str, Any]) -> dict[str, Any]:
    contacts = list((suppressed.get("list") or {}).items())
    return {"recipients": suppressed.get("recipients", len(contacts)),
            "sends": suppressed.get("sends", 0), "list": contacts[:TABLE_ROWS],
            "more": max(len(contacts) - TABLE_ROWS, 0)}


def _campaign_findings(findings: list[dict[str, Any]], listed: set[str],
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


def compact_messages(entries: list[dict[str, Any]],
                     campaign: Mapping[str, list[int]]) -> dict[str, Any]:
    """The listed messages as the page's script reads them: ``strings`` (each distinct
    string of the findings once), ``messages`` (one array per message, in MESSAGE_FIELDS
    order, its findings arrays in FINDING_FIELDS order with strings as indices)."""
    strings: dict[str, int] = {}

    def index(value: Any) -> int | None:
        if value is None:
            return None
        return strings.setdefault(str(value), len(strings))

    rows = []
    for entry in entries:
        findings = [[index(f.get(key)) if key in _FINDING_STRINGS else f.get(key)
                     for key in FINDING_FIELDS] for f in entry["findings"]]
        values = {**entry, "findings": findings, "campaign": campaign.get(entry["id"], [])}
        rows.append([values[key] for key in MESSAGE_FIELDS])
    return {"fields": list(MESSAGE_FIELDS), "finding_fields": list(FINDING_FIELDS),
            "strings": list(strings), "messages": rows}
