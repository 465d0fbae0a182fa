"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence, TextIO

from ..model import FileResult, score_gate_failures
from .base import RunSummary, plural, write_line

if TYPE_CHECKING:  # rules imports jsonschema, which a cached run never needs
    from ..rules import RuleError

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """Writes ``::error file=...,line=...::message`` lines as results arrive."""

    def __init__(self, stream: TextIO, **_: object) -> None:
        self.stream = stream

    def file(self, result: FileResult) -> None:
        path = _property(result.path)
        for error in result.errors:
            line = f",line={error.line}" if error.line else ""
            write_line(self.stream, f"::error file={path}{line},title=honestreach::"
                                    f"{_data(error.message)}")
        for note in result.notes:
            line = f",line={note.line}" if note.line else ""
            write_line(self.stream, f"::notice file={path}{line},title=honestreach::"
                                    f"{_data(note.message)}")
        for finding in result.findings:
            loc = finding.location
            title = _property(f"{finding.rule} [{finding.category}]")
            text = finding.message + (f"\n{finding.suggestion}" if finding.suggestion else "")
            write_line(self.stream,
                       f"::{LEVELS[finding.severity]} file={path},line={loc.line},"
                       f"col={loc.column},endLine={loc.end_line},endColumn={loc.end_column},"
                       f"title={title}::{_data(text)}")
        scores = score_gate_failures(result.gate_failures)
        if scores:  # findings are annotations already; a gate on scores has none
            write_line(self.stream, f"::error file={path},title=honestreach gate::"
                                    f"{_data('; '.join(scores))}")

    def finish(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int) -> None:
        for error in errors:
            line = f",line={error.line}" if error.line else ""
            write_line(self.stream, f"::error file={_property(error.path)}{line},"
                                    f"title=honestreach::{_data(error.message)}")
        failing = (f", {plural(summary.files_failing, 'file')} failed the gate"
                   if summary.files_failing else "")
        write_line(self.stream, f"honestreach: {plural(summary.files, 'file')}, "
                                f"{plural(summary.findings, 'finding')}{failing}")
