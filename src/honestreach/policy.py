"""The policy step: what the configuration and the message's own suppression comments make of
the findings the stages produced (selection, severities, suppressions), and the gate.

Every kind of input goes through it (messages, template renderings, campaign rows), so a
change to how a setting applies is made once, here. Each step judges one finding at a time:
findings keep their order, rule and place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .config import Config, gate_failures, rule_enabled, severity_for
from .model import Finding, InputError, Scores, Severity, SourceText
from .suppress import Suppression, apply_suppressions, file_suppressions, suppress

if TYPE_CHECKING:
    from .rules import Rule


@dataclass(frozen=True)
class Policy:
    """One configuration, and the rules (by id) a suppression comment may name."""

    config: Config
    # Empty for findings no file's comment can suppress (the campaign rules').
    rules: Mapping[str, Rule] = field(default_factory=dict)

    def selects(self, rule_id: str, category: str) -> bool:
        """Whether the configuration's select and ignore keep a rule's findings."""
        return rule_enabled(rule_id, category, self.config)

    def severity(self, rule_id: str, category: str, default: str) -> Severity:
        """A rule's severity as the configuration sets it (``default``: the rule's own)."""
        return severity_for(rule_id, category, default, self.config)

    def suppressions(self, source: SourceText, path: str
                     ) -> tuple[list[Suppression], list[InputError]]:
        """What suppresses findings in the file: its directives and X-Honestreach headers,
        and the configuration's per-file ignores; and errors for malformed directives."""
        return file_suppressions(source, self.rules, self.config, path)

    def configured(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings the configuration selects, at the severity it gives them."""
        kept = []
        for finding in findings:
            if not self.selects(finding.rule, finding.category):
                continue
            severity = self.severity(finding.rule, finding.category, finding.severity)
            kept.append(finding if severity == finding.severity
                        else replace(finding, severity=severity))
        return kept

    def apply(self, findings: Iterable[Finding], suppressions: list[Suppression],
              source: SourceText) -> list[Finding]:
        """Selection and severities, then the suppressions, with an ``unused-suppression``
        finding for each name that suppressed nothing: the findings to report."""
        return suppress(self.configured(findings), suppressions, source, self.rules,
                        self.config)

    def counted(self, findings: Iterable[Finding],
                suppressions: list[Suppression]) -> list[Finding]:
        """Selection and severities, then the suppressions: findings to score only."""
        return apply_suppressions(self.configured(findings), suppressions)

    def gate(self, findings: Iterable[Finding], scores: Scores) -> list[str]:
        """Why a message with these (kept) findings and scores fails the gate."""
        return gate_failures(self.config, findings, scores)
