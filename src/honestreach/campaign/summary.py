"""The audit summary: counts, score distributions, worst messages, senders and variants, built
from the streamed records with constant memory per sender/variant (scores are 0-100 integers,
so a histogram gives exact quartiles)."""

from __future__ import annotations

import heapq
from collections import Counter
from typing import TYPE_CHECKING, Any

from .gate import gate_line
from .privacy import distinct

if TYPE_CHECKING:
    from .sources import ReadProgress

WORST = 10


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

    def add(self, record: dict[str, Any]) -> None:
        if not record["checked"]:
            self.failed += 1
            return
        self.messages += 1
        self.findings += len(record["findings"])
        self.respect += record["respect"] or 0
        self.relevance += record["relevance"] or 0

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

    def add(self, record: dict[str, Any]) -> None:
        self.read += 1
        # A redacted record's sender and variant are masked: it is grouped by their
        # pseudonyms, so that two senders masked alike stay two rows.
        for groups, name, empty in ((self.senders, "sender", "(unknown)"),
                                    (self.variants, "variant", "(none)")):
            label = record.get(name) or empty
            key = record.get(f"_{name}_key") or label
            if key not in groups:
                groups[key] = _Group(label)
            groups[key].add(record)
        if not record["checked"]:
            self.failed += 1
            self.failed_by_reason[record.get("_reason") or "failed"] += 1
            return
        self.checked += 1
        for finding in record["findings"]:
            self.by_category[finding["category"]] += 1
            self.by_rule[finding["rule"]] += 1
        self.respect.add(record["respect"])
        self.relevance.add(record["relevance"])
        entry = (-(record["respect"] + record["relevance"]), -self.read, {
            "id": record["id"], "recipient": record["recipient"],
            "respect": record["respect"], "relevance": record["relevance"],
            "findings": len(record["findings"])})
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
                       "columns": dict(source.columns) if source is not None else {}},
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


def format_text(summary: dict[str, Any]) -> str:
    rows = summary["rows"]
    out = [f"Rows: {rows['read']} read, {rows['checked']} checked, {rows['failed']} failed"]
    for reason, count in summary.get("failed_by_reason", {}).items():
        out.append(f"  failed, {reason}: {count}")
    for note, count in summary.get("source", {}).get("notes", {}).items():
        out.append(f"  note, {note}: {count}")
    out.extend(_column_lines(summary.get("source", {}).get("columns", {})))
    for error in summary.get("errors", []):
        out.append(f"  error: {error}")
    if "gate" in summary:
        out.append(gate_line(summary["gate"]))
    out.append("\nCampaign findings:")
    for finding in summary["campaign_findings"] or []:
        ids = ", ".join(finding.get("ids", [])[:12])
        out.append(f"  {finding['rule']} ({finding['severity']}): {finding['message']} [{ids}]")
    if not summary["campaign_findings"]:
        out.append("  none")
    sup = summary["suppressed"]
    out.append(f"\nSuppressed recipients: {sup['recipients']} ({sup['sends']} sends)")
    for contact, ids in sup["list"].items():
        out.append(f"  {contact}: {', '.join(ids)}")
    out.append("\nFindings per category:")
    out.extend(f"  {name:<28} {count}" for name, count in summary["by_category"].items())
    out.append("\nFindings per rule:")
    out.extend(f"  {name:<36} {count}" for name, count in summary["by_rule"].items())
    out.append("\nScores:         mean   min    q1   med    q3   max")
    for name, dist in summary["scores"].items():
        cells = [dist["mean"], dist["min"], dist["q1"], dist["median"], dist["q3"], dist["max"]]
        out.append(f"  {name:<11}" + "".join(f"{'-' if c is None else c:>6}" for c in cells))
    out.append("\nWorst messages:")
    out.extend(f"  {w['id']:<14} {w['recipient'] or '-':<44} respect {w['respect']:>3}  "
               f"relevance {w['relevance']:>3}  findings {w['findings']}"
               for w in summary["worst"])
    for title, table in (("Senders", summary["senders"]), ("Variants", summary["variants"])):
        out.append(f"\n{title}:  messages failed findings/msg respect relevance")
        for name, g in table.items():
            out.append(f"  {name[:44]:<44} {g['messages']:>5} {g['failed']:>5} "
                       f"{g['findings_per_message'] if g['messages'] else '-':>8} "
                       f"{g['mean_respect'] if g['messages'] else '-':>7} "
                       f"{g['mean_relevance'] if g['messages'] else '-':>7}")
    return "\n".join(out) + "\n"
