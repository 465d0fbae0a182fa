"""The reporter interface and the run summary every format shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Protocol, Sequence, TextIO

from ..model import FileResult

if TYPE_CHECKING:  # rules imports jsonschema, which a cached run never needs
    from ..rules import Rule, RuleError


@dataclass
class RunSummary:
    """Totals over one run, gathered as results stream past."""

    files: int = 0
    files_with_errors: int = 0
    files_failing: int = 0
    findings: int = 0
    by_severity: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)
    respect: list[int] = field(default_factory=list)
    relevance: list[int] = field(default_factory=list)
    # The rules the run used, by id: given at the end, and only to reporters that describe
    # them (``describes_rules``), so that a run answered from the cache loads no rule file.
    rules: Mapping[str, Rule] = field(default_factory=dict)

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.files_with_errors += bool(result.errors)
        self.files_failing += bool(result.gate_failures)
        self.findings += len(result.findings)
        for finding in result.findings:
            self.by_severity[finding.severity] += 1
            self.by_category[finding.category] += 1
            self.by_rule[finding.rule] += 1
        if result.scores is not None:
            self.respect.append(result.scores.respect)
            self.relevance.append(result.scores.relevance)

    @staticmethod
    def mean(values: Sequence[int]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None


class Reporter(Protocol):
    """Receives results one at a time and the run's errors and summary at the end."""

    # Whether ``finish`` needs ``summary.rules`` (SARIF lists the rules it reports).
    describes_rules: bool

    def file(self, result: FileResult) -> None: ...

    def finish(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int) -> None: ...


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def write_line(stream: TextIO, text: str = "") -> None:
    stream.write(text + "\n")
