"""The audit summary: counts, score distributions, worst messages, senders and variants, built
from the streamed records with constant memory per sender/variant (scores are 0-100 integers,
so a histogram gives exact quartiles)."""

from __future__ import annotations

import heapq
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..model import SendRecord
from .gate import gate_line
from .privacy import distinct

if TYPE_CHECKING:
    from .sources import ReadProgress

WORST = 10
# Senders and variants counted apart; beyond, rows count under OTHERS. A variant defaults to
# the subject, and a campaign whose subjects are personalised has as many as it has rows: the
# bound keeps the summary's memory flat however long the campaign.
MAX_GROUPS = 10_000
OTHERS = "(others)"


class Distribution:
    def __init__(self) -> None:
        self.counts = [0] * 101
        self.n = 0
        self.total = 0

    def add(self, value: int) -> None:
        self.counts[max(0, min(100, value))] += 1
        self.n += 1
        self.total += value

    def _quantile(self, q: float) -> int | None:
        if not self.n:
            return None
        rank = max(1, -(-int(q * self.n * 1000) // 1000))  # ceil, lower quantile
        seen = 0
        for value, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                return value
        return 100

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.n, "mean": round(self.total / self.n, 1) if self.n else None,
                "min": self._quantile(0.0), "q1": self._quantile(0.25),
                "median": self._quantile(0.5), "q3": self._quantile(0.75),
                "max": self._quantile(1.0), "histogram": self.histogram()}

    def histogram(self) -> list[int]:
        """Counts in ten bins: 0-9, 10-19, ... 80-89 and 90-100."""
        bins = [sum(self.counts[start:start + 10]) for start in range(0, 90, 10)]
        return [*bins, sum(self.counts[90:])]


class _Group:
    def __init__(self, label: str) -> None:
        self.label = label  # the name the tables show (masked in a redacted audit)
        self.messages = 0
        self.failed = 0
        self.findings = 0
        self.respect = 0
        self.relevance = 0

    def add(self, record: SendRecord) -> None:
        if not record.checked:
            self.failed += 1
            return
        self.messages += 1
        self.findings += len(record.findings)
        self.respect += record.respect or 0
        self.relevance += record.relevance or 0

    def as_dict(self) -> dict[str, Any]:
        n = self.messages
        return {"messages": n, "failed": self.failed, "findings": self.findings,
                "findings_per_message": round(self.findings / n, 2) if n else None,
                "mean_respect": round(self.respect / n, 1) if n else None,
                "mean_relevance": round(self.relevance / n, 1) if n else None}


class Summary:
    def __init__(self) -> None:
        self.read = self.checked = self.failed = 0
        self.failed_by_reason: Counter[str] = Counter()
        self.by_category: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.respect = Distribution()
        self.relevance = Distribution()
        self._worst: list[tuple[int, int, dict[str, Any]]] = []
        self.senders: dict[str, _Group] = {}
        self.variants: dict[str, _Group] = {}

    def add(self, record: SendRecord) -> None:
        self.read += 1
        # A redacted record's sender and variant are masked: it is grouped by their
        # pseudonyms, so that two senders masked alike stay two rows.
        pseudonyms = record.pseudonyms
        for groups, label, key in (
                (self.senders, record.sender or "(unknown)",
                 pseudonyms.sender if pseudonyms else None),
                (self.variants, record.variant or "(none)",
                 pseudonyms.variant if pseudonyms else None)):
            key = key or label
            group = groups.get(key)
            if group is None:
                if len(groups) >= MAX_GROUPS:
                    key = label = OTHERS
                group = groups.get(key) or groups.setdefault(key, _Group(label))
            group.add(record)
        if not record.checked:
            self.failed += 1
            self.failed_by_reason[record.reason or "failed"] += 1
            return
        self.checked += 1
        for finding in record.findings:
            self.by_category[finding.category] += 1
            self.by_rule[finding.rule] += 1
        respect, relevance = record.respect or 0, record.relevance or 0
        self.respect.add(respect)
        self.relevance.add(relevance)
        entry = (-(respect + relevance), -self.read, {
            "id": record.id, "recipient": record.recipient,
            "respect": record.respect, "relevance": record.relevance,
            "findings": len(record.findings)})
        if len(self._worst) < WORST:
            heapq.heappush(self._worst, entry)
        else:
            heapq.heappushpop(self._worst, entry)

    def as_dict(self, campaign_findings: list[dict[str, Any]],
                suppressed: dict[str, list[str]],
                source: ReadProgress | None = None) -> dict[str, Any]:
        """The summary; ``source``: what the reader saw (rows given out, notes), checked
        against the records that came back (``errors`` says when they differ)."""
        by_category = Counter(self.by_category)
        by_rule = Counter(self.by_rule)
        for finding in campaign_findings:
            by_category[finding["category"]] += 1
            by_rule[finding["rule"]] += 1
        rows_in = source.rows if source is not None else None
        errors = []
        if rows_in is not None and rows_in != self.read:
            errors.append(f"the source gave {rows_in} rows but {self.read} came back "
                          f"checked or failed: rows were lost or counted twice")
        return {
            "rows": {"read": self.read, "checked": self.checked, "failed": self.failed},
            "failed_by_reason": dict(self.failed_by_reason.most_common()),
            "source": {"rows": rows_in,
                       "notes": dict(source.notes.most_common()) if source is not None else {},
                       "columns": dict(source.columns) if source is not None else {},
                       "skipped": {"count": source.skipped if source is not None else 0,
                                   "names": list(source.skipped_names)
                                   if source is not None else []}},
            "errors": errors,
            "by_category": dict(sorted(by_category.items())),
            "by_rule": dict(sorted(by_rule.items())),
            "scores": {"respect": self.respect.as_dict(), "relevance": self.relevance.as_dict()},
            "worst": [entry for _, _, entry in sorted(self._worst, reverse=True)],
            "senders": _table(self.senders),
            "variants": _table(self.variants),
            "suppressed": {"recipients": len(suppressed), "sends": sum(map(len, suppressed.values())),
                           "list": {k: v for k, v in sorted(suppressed.items())}},
            "campaign_findings": campaign_findings,
        }


def _table(groups: dict[str, _Group]) -> dict[str, dict[str, Any]]:
    """Groups by label; labels that redaction made alike are made distinct."""
    ordered = sorted(groups.values(), key=lambda group: group.label)
    return dict(zip(distinct(group.label for group in ordered),
                    (group.as_dict() for group in ordered)))


def _column_lines(columns: dict[str, Any]) -> list[str]:
    """The columns recognised by their export names, and those a send needs that are
    missing, with the headers found and the mapping that would fix it."""
    out = []
    recognised = columns.get("recognised") or {}
    if recognised:
        out.append("  columns recognised: " + ", ".join(
            f"{name}={header}" for name, header in recognised.items()))
    missing = columns.get("missing")
    if missing:
        out.append(f"  no column for {' and '.join(missing['fields'])}: the headers are "
                   + ", ".join(missing["headers"][:20])
                   + (f" and {len(missing['headers']) - 20} more"
                      if len(missing["headers"]) > 20 else ""))
        if missing.get("hint"):
            out.append(f"  to map them, add: {missing['hint']}")
    return out


# How many of each list the text summary shows; the JSON summary, --output and the HTML report
# hold them all.
TOP = 5
TOP_RULES = 10
TOP_CONTACTS = 3


def _more(shown: int, total: int, what: str = "more") -> str:
    return f" and {total - shown:,} {what}" if total > shown else ""


def _names(items: list[str], limit: int) -> str:
    """The first ``limit`` items (duplicates once), and how many more."""
    unique = list(dict.fromkeys(items))
    return ", ".join(unique[:limit]) + _more(min(limit, len(unique)), len(unique))


def _campaign_lines(findings: list[dict[str, Any]]) -> list[str]:
    """Campaign findings grouped per rule: count, severity, the top contacts (the most sends
    first) or, for claims, what was said and to how many."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_rule.setdefault(finding["rule"], []).append(finding)
    out = []
    for rule, group in by_rule.items():
        severity = group[0]["severity"]
        out.append(f"  {rule} ({severity}): {len(group):,}")
        contacts = sorted((f for f in group if f.get("contact")),
                          key=lambda f: -len(set(f.get("ids", []))))
        if contacts:
            shown = [f"{f['contact']} ({len(set(f.get('ids', [])))} sends)"
                     for f in contacts[:TOP_CONTACTS]]
            out.append("    " + ", ".join(shown) + _more(len(shown), len(contacts)))
        for finding in [f for f in group if not f.get("contact")][:TOP_CONTACTS]:
            out.append(f"    {finding['message']} [{_names(finding.get('ids', []), 6)}]")
        rest = len([f for f in group if not f.get("contact")]) - TOP_CONTACTS
        if rest > 0:
            out.append(f"    and {rest:,} more")
    return out or ["  none"]


def _table_lines(title: str, table: dict[str, dict[str, Any]]) -> list[str]:
    """The groups with the most messages (failed rows count too), at most TOP."""
    ranked = sorted(table.items(), key=lambda item: -(item[1]["messages"] + item[1]["failed"]))
    shown = ranked[:TOP]
    cut = f" (top {len(shown)} of {len(ranked):,})" if len(ranked) > len(shown) else ""
    out = [f"\n{title}{cut}:  messages failed findings/msg respect relevance"]
    for name, g in shown:
        out.append(f"  {name[:44]:<44} {g['messages']:>5} {g['failed']:>5} "
                   f"{g['findings_per_message'] if g['messages'] else '-':>8} "
                   f"{g['mean_respect'] if g['messages'] else '-':>7} "
                   f"{g['mean_relevance'] if g['messages'] else '-':>7}")
    return out


def format_text(summary: dict[str, Any]) -> str:
    """The summary for a terminal: totals, the gate, findings per category and the top rules,
    scores, then the top few of each list (campaign findings grouped per rule, suppressed
    recipients, worst messages, senders, variants), each saying when it is cut."""
    rows = summary["rows"]
    out = [f"Rows: {rows['read']:,} read, {rows['checked']:,} checked, {rows['failed']:,} failed"]
    for reason, count in summary.get("failed_by_reason", {}).items():
        out.append(f"  failed, {reason}: {count:,}")
    for note, count in summary.get("source", {}).get("notes", {}).items():
        out.append(f"  note, {note}: {count:,}")
    out.extend(_column_lines(summary.get("source", {}).get("columns", {})))
    skipped = summary.get("source", {}).get("skipped") or {}
    if skipped.get("count"):
        out.append(f"  skipped (not .eml, .txt, .md or .html): {skipped['count']:,}: "
                   f"{_names(skipped['names'], len(skipped['names']))}"
                   f"{_more(len(skipped['names']), skipped['count'])}")
    for error in summary.get("errors", []):
        out.append(f"  error: {error}")
    if "gate" in summary:
        out.append(gate_line(summary["gate"]))
    out.append("\nFindings per category:")
    out.extend(f"  {name:<28} {count:>7,}" for name, count in summary["by_category"].items())
    if not summary["by_category"]:
        out.append("  none")
    rules = sorted(summary["by_rule"].items(), key=lambda item: (-item[1], item[0]))
    if rules:
        cut = f" (top {TOP_RULES} of {len(rules)})" if len(rules) > TOP_RULES else ""
        out.append(f"\nFindings per rule{cut}:")
        out.extend(f"  {name:<36} {count:>7,}" for name, count in rules[:TOP_RULES])
    out.append("\nScores:         mean   min    q1   med    q3   max")
    for name, dist in summary["scores"].items():
        cells = [dist["mean"], dist["min"], dist["q1"], dist["median"], dist["q3"], dist["max"]]
        out.append(f"  {name:<11}" + "".join(f"{'-' if c is None else c:>6}" for c in cells))
    out.append(f"\nCampaign findings: {len(summary['campaign_findings'] or []):,}")
    out.extend(_campaign_lines(summary["campaign_findings"] or []))
    sup = summary["suppressed"]
    out.append(f"\nSuppressed recipients: {sup['recipients']:,} ({sup['sends']:,} sends)")
    if sup["list"]:
        contacts = list(sup["list"].items())
        shown = [f"{contact} ({_names(ids, 3)})" for contact, ids in contacts[:TOP]]
        out.append("  " + ", ".join(shown) + _more(len(shown), len(contacts)))
    worst = summary["worst"][:TOP]
    cut = f" ({len(worst)} of {len(summary['worst'])})" if len(summary["worst"]) > TOP else ""
    out.append(f"\nWorst messages{cut}:")
    out.extend(f"  {w['id']:<14} {w['recipient'] or '-':<44} respect {w['respect']:>3}  "
               f"relevance {w['relevance']:>3}  findings {w['findings']}" for w in worst)
    out.extend(_table_lines("Senders", summary["senders"]))
    out.extend(_table_lines("Variants", summary["variants"]))
    out.append("\nEvery list in full: --format json, --output FILE, --html FILE.")
    return "\n".join(out) + "\n"
