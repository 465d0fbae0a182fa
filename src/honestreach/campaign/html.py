"""The self-contained HTML report of an audit (``honestreach audit --html``): one offline file with
the summary, charts drawn as inline SVG, and a filterable list of messages.

A campaign can have hundreds of thousands of rows, so the report keeps a bounded selection as
they stream by: every message while there are at most ``limit``, otherwise the ``limit``
lowest-scoring ones (and rows that could not be checked, within the same bound).

The charts' geometry is worked out in ``html_charts.py``, and what the other sections show (the
tables, the campaign findings, the listed messages) in ``html_sections.py``.
"""

from __future__ import annotations

import heapq
import os
import pickle
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

import jinja2
from markupsafe import Markup

from .._version import __version__
from ..model import SendRecord, SourceText
from ..report.json import finding_dict
from ..taxonomy import CATEGORIES
from .html_charts import category_chart, histogram_chart
from .html_sections import (
    campaign_findings,
    compact_messages,
    group_table,
    pack,
    reading_section,
    suppressed_section,
)

# Characters of a message's text kept for the report: enough for any real email, and a bound on
# what one odd row (a pasted log, a huge HTML part) can cost.
SOURCE_LIMIT = 20_000

_NO_SCORES: dict[str, Any] = {"count": 0, "mean": None, "min": None, "q1": None,
                              "median": None, "q3": None, "max": None, "histogram": [0] * 10}


def _trimmed(source: str, findings: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """The text cut to ``SOURCE_LIMIT`` and the findings whose span still lies inside it."""
    if len(source) <= SOURCE_LIMIT:
        return source, findings
    text = SourceText(source)
    kept = [f for f in findings if text.offset(f["end_line"], f["end_column"]) <= SOURCE_LIMIT]
    return source[:SOURCE_LIMIT], kept


_WINDOW_BITS = 11
# What a kept message holds as it is, apart from its text and findings (see _Kept).
_LIGHT_FIELDS = ("seq", "row", "id", "recipient", "sender", "subject", "variant", "sent_at",
                 "checked", "respect", "relevance", "finding_count", "errors", "trimmed")


@dataclass(frozen=True, slots=True)
class _Kept:
    """A listed message as the report holds it until it renders: its small fields in a tuple,
    its text and findings compressed (a report can list 200,000 messages)."""

    light: tuple[Any, ...]  # the values of _LIGHT_FIELDS
    rules: tuple[str, ...]  # the rules of its findings, for the report's table of rules
    packed: bytes  # a deflated pickle of (source, findings)

    @property
    def seq(self) -> int:
        return int(self.light[0])

    @property
    def id(self) -> str:
        return str(self.light[2])

    def entry(self) -> dict[str, Any]:
        source, findings = pickle.loads(zlib.decompress(self.packed, -_WINDOW_BITS))
        return {**dict(zip(_LIGHT_FIELDS, self.light)), "source": source, "findings": findings}


def _keep(entry: dict[str, Any]) -> _Kept:
    # The report's own data, made in this process: pickle is safe here, and fast. A raw deflate
    # stream with a 2 KB window and the smallest state: most of zlib.compress's time on a small
    # text is setting up its default 256 KB state.
    deflate = zlib.compressobj(1, zlib.DEFLATED, -_WINDOW_BITS, 1)
    data = pickle.dumps((entry["source"], entry["findings"]), protocol=5)
    packed = deflate.compress(data) + deflate.flush()
    return _Kept(tuple(entry[key] for key in _LIGHT_FIELDS),
                 tuple({f["rule"]: None for f in entry["findings"]}), packed)


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
        self._lowest: list[tuple[int, int, _Kept]] = []
        # Rows that could not be checked have no score to rank; the first ones are kept.
        self._failed: list[_Kept] = []

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
                self._failed.append(_keep(_entry(record, self.seen)))
            return
        self.checked += 1
        score = _score(record)
        if len(self._lowest) >= self.limit and score >= -self._lowest[0][0]:
            return  # would be dropped at once: skip building its entry
        item = (-score, -self.seen, _keep(_entry(record, self.seen)))
        if len(self._lowest) < self.limit:
            heapq.heappush(self._lowest, item)
        else:
            heapq.heappushpop(self._lowest, item)

    def listed(self) -> tuple[list[dict[str, Any]], int, int]:
        """The messages the report lists, in input order, and how many checked and failed rows
        are among them: at most ``limit`` in all, failed rows taking up to half when both
        kinds are more than fit."""
        kept, checked, failed = self._listed()
        return [item.entry() for item in kept], checked, failed

    def _listed(self) -> tuple[list[_Kept], int, int]:
        checked = min(len(self._lowest), max(self.limit - len(self._failed), self.limit // 2))
        failed = min(len(self._failed), self.limit - checked)
        lowest = heapq.nlargest(checked, self._lowest)
        kept = [item for _, _, item in lowest] + self._failed[:failed]
        kept.sort(key=lambda item: item.seq)
        return kept, checked, failed

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
        env = _environment()
        kept, checked, failed = self._listed()
        listed_ids = {item.id for item in kept}
        campaign = campaign_findings(summary.get("campaign_findings") or [], listed_ids,
                                      self.rules)
        given = summary.get("scores") or {}
        scores = {name: {**_NO_SCORES, **(given.get(name) or {})}
                  for name in ("respect", "relevance")}
        by_category = summary.get("by_category") or {}
        template = env.get_template("report.html.j2")
        # One message's text and findings at a time are unpacked.
        entries: Iterator[dict[str, Any]] = (item.entry() for item in kept)
        listing = compact_messages(entries, len(kept), campaign["by_message"])
        # The compressed blocks of a long listing, apart: the page reads them when a message
        # is opened, not with the list. The list of a long listing is compressed too.
        blocks = listing.pop("blocks")
        messages: dict[str, Any] | str = pack(listing) if blocks else listing
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
            senders=group_table(summary.get("senders") or {}),
            variants=group_table(summary.get("variants") or {}),
            suppressed=suppressed_section(summary.get("suppressed") or {}),
            reading=reading_section(summary),
            listing={"listed": len(kept), "statement": self.statement(checked, failed),
                     "bound": self.bound(checked, failed)},
            messages=messages,
            blocks=blocks,
            rules=self._rule_table(kept, summary),
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

    def _rule_table(self, kept: list[_Kept],
                    summary: dict[str, Any]) -> dict[str, list[str]]:
        """id -> [name, category, severity] of the known rules the report mentions."""
        mentioned = set(summary.get("by_rule") or {})
        mentioned.update(f.get("rule") for f in summary.get("campaign_findings") or ())
        for item in kept:
            mentioned.update(item.rules)
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
    env = jinja2.Environment(loader=jinja2.PackageLoader("honestreach.campaign", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    # The data blocks are written without the spaces json.dumps puts after separators.
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}
    env.filters["thousands"] = lambda n: "–" if n is None else f"{n:,}"
    env.filters["plural"] = lambda word, count: _plural(count, word)
    return env


def _asset(env: Any, name: str) -> str:
    """A stylesheet or script, verbatim: it is code, never parsed as a template."""
    source, _, _ = env.loader.get_source(env, name)
    return source
