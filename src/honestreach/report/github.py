"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

GitHub shows at most 10 annotations of each level per step: when there are more, the last line
says so, and ``--summary $GITHUB_STEP_SUMMARY`` (or the action) lists every finding.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Sequence, TextIO

from ..model import FileResult, score_gate_failures
from .base import RunSummary, plural, write_line
from .markdown import ANNOTATION_LIMIT

if TYPE_CHECKING:  # rules imports jsonschema, which a cached run never needs
    from ..rules import RuleError

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """Writes ``::error file=...,line=...::message`` lines as results arrive."""

    describes_rules = False

    def __init__(self, stream: TextIO, **_: object) -> None:
        self.stream = stream
        self.annotations: Counter[str] = Counter()  # written, by level

    def _annotate(self, level: str, text: str) -> None:
        self.annotations[level] += 1
        write_line(self.stream, f"::{level} {text}")

    def file(self, result: FileResult) -> None:
        path = _property(result.path)
        for error in result.errors:
            line = f",line={error.line}" if error.line else ""
            self._annotate("error", f"file={path}{line},title=honestreach::"
                                    f"{_data(error.message)}")
        for note in result.notes:
            line = f",line={note.line}" if note.line else ""
            self._annotate("notice", f"file={path}{line},title=honestreach::"
                                     f"{_data(note.message)}")
        for finding in result.findings:
            loc = finding.location
            title = _property(f"{finding.rule} [{finding.category}]")
            text = finding.message + (f"\n{finding.suggestion}" if finding.suggestion else "")
            self._annotate(LEVELS[finding.severity],
                           f"file={path},line={loc.line},"
                           f"col={loc.column},endLine={loc.end_line},endColumn={loc.end_column},"
                           f"title={title}::{_data(text)}")
        scores = score_gate_failures(result.gate_failures)
        if scores:  # findings are annotations already; a gate on scores has none
            self._annotate("error", f"file={path},title=honestreach gate::"
                                    f"{_data('; '.join(scores))}")

    def finish(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int) -> None:
        for error in errors:
            line = f",line={error.line}" if error.line else ""
            self._annotate("error", f"file={_property(error.path)}{line},"
                                    f"title=honestreach::{_data(error.message)}")
        failing = (f", {plural(summary.files_failing, 'file')} failed the gate"
                   if summary.files_failing else "")
        write_line(self.stream, f"honestreach: {plural(summary.files, 'file')}, "
                                f"{plural(summary.findings, 'finding')}{failing}")
        hidden = ", ".join(plural(count - ANNOTATION_LIMIT, level)
                           for level, count in sorted(self.annotations.items())
                           if count > ANNOTATION_LIMIT)
        if hidden:
            write_line(self.stream, f"honestreach: GitHub shows {ANNOTATION_LIMIT} annotations "
                                    f"of each level per step, so {hidden} are not shown on the "
                                    "pull request; the job summary (--summary "
                                    "$GITHUB_STEP_SUMMARY) and --format sarif list them all")
