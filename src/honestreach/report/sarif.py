"""SARIF 2.1.0 report, for code-scanning dashboards (GitHub, Azure DevOps, IDEs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping, Sequence, TextIO

from .._version import __version__
from ..baseline import artifact_uri, fingerprints
from ..model import FileResult, Finding, score_gate_failures
from .base import RunSummary

if TYPE_CHECKING:  # rules imports jsonschema, which a cached run never needs
    from ..rules import Rule, RuleError

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


class SarifReporter:
    """Collects results and writes one SARIF log at the end."""

    describes_rules = True

    def __init__(self, stream: TextIO, **_: object) -> None:
        self.stream = stream
        self.results: list[FileResult] = []

    def file(self, result: FileResult) -> None:
        self.results.append(result)

    def finish(self, summary: RunSummary, errors: Sequence[RuleError], exit_code: int) -> None:
        rules: dict[str, Rule | None] = dict(sorted(summary.rules.items()))
        for rule_id in sorted({f.rule for r in self.results for f in r.findings} - set(rules)):
            rules[rule_id] = None
        index = {rule_id: i for i, rule_id in enumerate(rules)}
        sarif_results = []
        for result in self.results:
            for finding, fingerprint in zip(result.findings, fingerprints(result)):
                sarif_results.append(self._result(result, finding, index, fingerprint))
        notifications = [
            _notification(error.message, result.path, error.line)
            for result in self.results for error in result.errors
        ] + [_notification(e.message, e.path, e.line) for e in errors] + [
            _notification(note.message, result.path, note.line, level="note")
            for result in self.results for note in result.notes
        ] + [
            # A gate on scores fails a run with no result to show for it: say why.
            _notification(f"fails the gate: {reason}", result.path, None)
            for result in self.results for reason in score_gate_failures(result.gate_failures)
        ]
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "honestreach",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": [_rule(rule_id, rule) for rule_id, rule in rules.items()],
                }},
                "invocations": [{
                    "executionSuccessful": exit_code != 2,
                    "exitCode": exit_code,
                    "toolExecutionNotifications": notifications,
                }],
                "artifacts": [_artifact(result) for result in self.results],
                "results": sarif_results,
                "columnKind": "unicodeCodePoints",
            }],
        }
        json.dump(log, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")

    def _result(self, result: FileResult, finding: Finding, index: Mapping[str, int],
                fingerprint: str) -> dict[str, Any]:
        loc = finding.location
        region: dict[str, Any] = {"startLine": loc.line, "startColumn": loc.column,
                                  "endLine": loc.end_line, "endColumn": loc.end_column}
        if finding.text:
            region["snippet"] = {"text": finding.text}
        # Stable across edits elsewhere in the file: rule, file and matched text, numbered
        # (the fingerprint a baseline keeps: baseline.py).
        sarif: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(result.path)},
                "region": region,
            }}],
            "partialFingerprints": {"honestreach/v1": fingerprint},
            "properties": {"category": finding.category, "field": finding.field},
        }
        if finding.suggestion:
            sarif["properties"]["suggestion"] = finding.suggestion
        return sarif


def _rule(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": rule_id}
    examples = "\n".join(f"- {_example_text(e)}" for e in rule.bad_examples)
    help_text = f"{rule.rationale}\n\nWrite instead: {rule.suggestion}\n\nReported:\n{examples}"
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": help_text,
                 "markdown": f"**{rule.name}** (`{rule.category}`)\n\n{rule.rationale}\n\n"
                             f"**Use instead:** {rule.suggestion}\n\n**Reported:**\n\n"
                             f"{examples}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"category": rule.category, "tags": [rule.category, "honestreach"]},
    }


def _example_text(example: object) -> str:
    subject = getattr(example, "subject", None)
    body = getattr(example, "body", None) or ""
    text = (f"Subject: {subject} " if subject else "") + body
    return " ".join(text.split())


def _artifact(result: FileResult) -> dict[str, Any]:
    artifact: dict[str, Any] = {"location": {"uri": artifact_uri(result.path)}}
    if result.scores is not None:
        artifact["properties"] = {"respect": result.scores.respect,
                                  "relevance": result.scores.relevance}
    return artifact


def _notification(message: str, path: str | None, line: int | None,
                  level: str = "error") -> dict[str, Any]:
    notification: dict[str, Any] = {"level": level, "message": {"text": message}}
    if path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
        if line:
            physical["region"] = {"startLine": line}
        notification["locations"] = [{"physicalLocation": physical}]
    return notification
