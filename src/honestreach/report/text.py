"""Text report in the form developers know from compilers:

    path:line:col: rule-id severity [category] message
      12 | the source line
         |     ^^^^^^^^^^
         = suggestion: what to write instead
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence, TextIO

import click

from ..model import FileResult, Finding
from .base import RunSummary, plural, write_line

if TYPE_CHECKING:  # rules imports jsonschema, which a cached run never needs
    from ..rules import RuleError

_SEVERITY_STYLE = {
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
    "info": {"fg": "blue", "bold": True},
}


class TextReporter:
    """Writes each file's findings as they arrive, then a closing summary."""

    describes_rules = False

    def __init__(self, stream: TextIO, color: bool = False, quiet: bool = False,
                 **_: object) -> None:
        self.stream = stream
        self.color = color
        self.quiet = quiet

    def _style(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.color else text

    def file(self, result: FileResult) -> None:
        for error in result.errors:
            where = f"{result.path}:{error.line}" if error.line else result.path
            write_line(self.stream, f"{self._style(where, bold=True)}: "
                                    f"{self._style('error', fg='red', bold=True)}: {error.message}")
        if not self.quiet:
            for note in result.notes:
                where = f"{result.path}:{note.line}" if note.line else result.path
                write_line(self.stream, f"{self._style(where, bold=True)}: "
                                        f"{self._style('info', **_SEVERITY_STYLE['info'])}: "
                                        f"{note.message}")
        for finding in result.findings:
            self._finding(result, finding)
        if self.quiet and result.gate_failures:
            # Quiet output keeps what fails the run: a gate on scores alone has no finding.
            write_line(self.stream, f"{self._style(result.path, bold=True)}: "
                                    f"{self._style('gate', fg='red', bold=True)}: "
                                    f"{'; '.join(result.gate_failures)}")
        if self.quiet or result.scores is None:
            return
        scores = result.scores
        gate = f" ({'; '.join(result.gate_failures)})" if result.gate_failures else ""
        write_line(self.stream, f"{self._style(result.path, bold=True)}: respect "
                                f"{scores.respect}/100, relevance {scores.relevance}/100{gate}")
        if result.findings or result.errors or result.notes:
            write_line(self.stream)

    def _finding(self, result: FileResult, finding: Finding) -> None:
        loc = finding.location
        head = (f"{self._style(f'{result.path}:{loc.line}:{loc.column}', bold=True)}: "
                f"{self._style(finding.rule, bold=True)} "
                f"{self._style(finding.severity, **_SEVERITY_STYLE[finding.severity])} "
                f"[{finding.category}] {finding.message}")
        write_line(self.stream, head)
        if self.quiet:
            return
        if result.source is not None:
            line = result.source.line(loc.line)
            gutter = str(loc.line)
            pad = " " * len(gutter)
            end = loc.end_column if loc.end_line == loc.line else len(line) + 1
            line, first, end = _clip(line, loc.column - 1, end - 1)
            prefix = "".join("\t" if c == "\t" else " " for c in line[:first])
            marker = "^" * max(1, end - first)
            write_line(self.stream, f"  {self._style(gutter, dim=True)} | {line}")
            write_line(self.stream, f"  {pad} | {prefix}"
                                    f"{self._style(marker, **_SEVERITY_STYLE[finding.severity])}")
            if finding.suggestion:
                write_line(self.stream, f"  {pad} = {self._style('suggestion', bold=True)}: "
                                        f"{finding.suggestion}")

    def finish(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int) -> None:
        for error in errors:
            write_line(self.stream, f"{self._style(str(error), fg='red')}")
        if self.quiet:
            return
        counts = ", ".join(plural(summary.by_severity[s], s) for s in ("error", "warning", "info")
                           if summary.by_severity[s])
        text = f"Checked {plural(summary.files, 'file')}: {plural(summary.findings, 'finding')}"
        if counts:
            text += f" ({counts})"
        if summary.files_with_errors:
            text += f"; {plural(summary.files_with_errors, 'file')} could not be fully checked"
        if summary.files_failing:
            text += f"; {plural(summary.files_failing, 'file')} failed the gate"
        if summary.respect:
            text += (f". Mean respect {RunSummary.mean(summary.respect)}, "
                     f"mean relevance {RunSummary.mean(summary.relevance)}")
        write_line(self.stream, self._style(text + ".", bold=True))


# A source line longer than this is shown as a window around the finding, as compilers do: a
# generated or pasted line of thousands of characters would otherwise fill the terminal once
# per finding on it.
SHOWN_LINE = 160
_CONTEXT = 40


def _clip(line: str, first: int, end: int) -> tuple[str, int, int]:
    """``line`` (or the part of it around columns ``first``..``end``, 0-based, with "…" where
    it was cut) and the span's columns in what is shown."""
    if len(line) <= SHOWN_LINE:
        return line, first, end
    start = max(0, first - _CONTEXT)
    stop = min(len(line), max(end, first + 1) + _CONTEXT, start + SHOWN_LINE)
    shown = ("…" if start else "") + line[start:stop] + ("…" if stop < len(line) else "")
    shift = start - (1 if start else 0)
    return shown, first - shift, min(end, stop) - shift

