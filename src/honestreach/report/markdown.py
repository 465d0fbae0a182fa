"""A Markdown summary of a run, for a CI job summary (GitHub's ``$GITHUB_STEP_SUMMARY``).

GitHub shows at most 10 annotations of each level per step, so a run with more findings loses
some on the pull request: the summary lists every finding (up to ``MAX_ROWS``) and says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from ..model import FileResult
from .base import RunSummary, plural

if TYPE_CHECKING:
    from ..rules import RuleError

# GitHub Actions shows this many annotations of each level (error, warning, notice) per step.
ANNOTATION_LIMIT = 10
# Rows of the findings table at most: a job summary holds 1 MiB.
MAX_ROWS = 1000
TOP_RULES = 10
SEVERITIES = ("error", "warning", "info")


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, pipes escaped, no markup of its own."""
    text = " ".join(str(text).split())
    for char in "\\|`*_[]<>":
        text = text.replace(char, "\\" + char)
    return text


@dataclass
class MarkdownSummary:
    """Gathers what a summary lists as results stream past (``add``), then writes it."""

    rows: list[tuple[str, int | None, str, str, str]] = field(default_factory=list)
    gates: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)
    findings: int = 0

    def add(self, result: FileResult) -> None:
        for finding in result.findings:
            self.findings += 1
            self.categories[finding.rule] = finding.category
            if len(self.rows) < MAX_ROWS:
                self.rows.append((result.path, finding.location.line, finding.severity,
                                  finding.rule, finding.message))
        for error in result.errors:
            self.problems.append((result.path, error.line, error.message))
        if result.gate_failures:
            self.gates.append((result.path, "; ".join(result.gate_failures)))

    def text(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int,
             annotations: bool = False) -> str:
        """The summary; ``annotations``: the findings were also written as GitHub
        annotations, so say which of them GitHub does not show."""
        verdict = {0: "passed", 1: "failed the gate"}.get(exit_code, "could not check everything")
        lines = [f"## honestreach: {verdict}", ""]
        lines += ["| files | findings | error | warning | info | failing the gate | "
                  "not checked |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                  f"| {summary.files} | {summary.findings} | "
                  + " | ".join(str(summary.by_severity[s]) for s in SEVERITIES)
                  + f" | {summary.files_failing} | {summary.files_with_errors} |", ""]
        hidden = {s: summary.by_severity[s] - ANNOTATION_LIMIT for s in SEVERITIES
                  if summary.by_severity[s] > ANNOTATION_LIMIT}
        if annotations and hidden:
            counts = ", ".join(f"{plural(n, s)}" for s, n in hidden.items())
            lines += [f"> [!NOTE]\n> GitHub shows at most {ANNOTATION_LIMIT} annotations of "
                      f"each severity per step, so {counts} are not annotated on the pull "
                      "request. Every finding is listed below (and in `--format sarif`).", ""]
        if self.gates:
            lines += ["### Gate failures", "", "| file | why |", "| --- | --- |"]
            lines += [f"| {_cell(path)} | {_cell(why)} |" for path, why in self.gates]
            lines.append("")
        if errors or self.problems:
            lines += ["### Errors", "", "| where | error |", "| --- | --- |"]
            lines += [f"| {_cell(_where(e.path, e.line))} | {_cell(e.message)} |"
                      for e in errors]
            lines += [f"| {_cell(_where(path, line))} | {_cell(message)} |"
                      for path, line, message in self.problems]
            lines.append("")
        if summary.by_rule:
            lines += ["### Top rules", "", "| rule | category | findings |",
                      "| --- | --- | ---: |"]
            lines += [f"| `{rule}` | {_cell(self.categories.get(rule, ''))} | {count} |"
                      for rule, count in _top(summary.by_rule)]
            lines.append("")
        if self.rows:
            lines += ["<details><summary>All findings</summary>", "",
                      "| where | severity | rule | message |", "| --- | --- | --- | --- |"]
            lines += [f"| {_cell(_where(path, line))} | {severity} | `{rule}` | "
                      f"{_cell(message)} |" for path, line, severity, rule, message in self.rows]
            if self.findings > len(self.rows):
                lines.append(f"| ... | | | {self.findings - len(self.rows)} more: see "
                             "`--format json` or `--format sarif` |")
            lines += ["", "</details>", ""]
        return "\n".join(lines) + "\n"


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def _top(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_RULES]
