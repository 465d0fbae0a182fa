"""JSON report: the fields of report.schema.json and more (scores' reasons, gate, summary)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Sequence, TextIO

from .._version import __version__
from ..model import FileResult, Finding
from .base import RunSummary

if TYPE_CHECKING:  # rules imports jsonschema, which a cached run never needs
    from ..rules import RuleError


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as JSON."""
    loc = finding.location
    return {
        "rule": finding.rule,
        "category": finding.category,
        "severity": finding.severity,
        "message": finding.message,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "field": finding.field,
        "text": finding.text,
        "suggestion": finding.suggestion,
    }


def file_dict(result: FileResult) -> dict[str, Any]:
    """One input's result as JSON (scores are zero when the file could not be checked)."""
    scores = result.scores
    return {
        "path": result.path,
        "recipient": result.recipient,
        "subject": result.subject,
        "checked": scores is not None,
        "scores": {
            "respect": scores.respect if scores else 0,
            "relevance": scores.relevance if scores else 0,
            "respect_reasons": list(scores.respect_reasons) if scores else [],
            "relevance_reasons": list(scores.relevance_reasons) if scores else [],
        },
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [
            {"message": e.message, **({"line": e.line} if e.line else {})} for e in result.errors
        ],
        # What was repaired to read the file (it was checked as read), at info level.
        "notes": [
            {"message": n.message, **({"line": n.line} if n.line else {})} for n in result.notes
        ],
        "gate_failures": list(result.gate_failures),
    }


def summary_dict(summary: RunSummary, exit_code: int) -> dict[str, Any]:
    return {
        "files": summary.files,
        "findings": summary.findings,
        "files_with_errors": summary.files_with_errors,
        "files_failing": summary.files_failing,
        "by_severity": dict(summary.by_severity),
        "by_category": dict(sorted(summary.by_category.items())),
        "by_rule": dict(sorted(summary.by_rule.items())),
        "mean_respect": RunSummary.mean(summary.respect),
        "mean_relevance": RunSummary.mean(summary.relevance),
        "exit_code": exit_code,
    }


class JsonReporter:
    """Collects every result and writes one JSON document at the end."""

    describes_rules = False

    def __init__(self, stream: TextIO, **_: object) -> None:
        self.stream = stream
        self.files: list[dict[str, Any]] = []

    def file(self, result: FileResult) -> None:
        self.files.append(file_dict(result))

    def finish(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int) -> None:
        document = {
            "version": __version__,
            "files": self.files,
            "summary": summary_dict(summary, exit_code),
            "errors": [
                {"path": e.path, "line": e.line, "field": e.field, "message": e.message}
                for e in errors
            ],
        }
        json.dump(document, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")
