"""The policy step: what the configuration and the message's own suppression comments make of
the findings the stages produced (selection, severities, suppressions), and the gate.

Every kind of input goes through it (messages, template renderings, campaign rows), so a
change to how a setting applies is made once, here. Each step judges one finding at a time:
findings keep their order, rule and place.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from .config import Config, gate_failures, rule_enabled, severity_for
from .model import Finding, InputError, Scores, SourceText
from .suppress import Suppression, apply_suppressions, parse_suppressions


@dataclass(frozen=True)
class Policy:
    """One configuration, and the rule ids a suppression comment may name."""

    config: Config
    # Empty for findings no file's comment can suppress (the campaign rules').
    rule_ids: Collection[str] = ()

    def selects(self, rule_id: str, category: str) -> bool:
        """Whether the configuration's select and ignore keep a rule's findings."""
        return rule_enabled(rule_id, category, self.config)

    def severity(self, rule_id: str, category: str, default: str) -> str:
        """A rule's severity as the configuration sets it (``default``: the rule's own)."""
        return severity_for(rule_id, category, default, self.config)

    def suppressions(self, source: SourceText) -> tuple[list[Suppression], list[InputError]]:
        """The file's suppression comments, and errors for those that are malformed."""
        return parse_suppressions(source, self.rule_ids)

    def configured(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings the configuration selects, at the severity it gives them."""
        kept = []
        for finding in findings:
            if not self.selects(finding.rule, finding.category):
                continue
            severity = self.severity(finding.rule, finding.category, finding.severity)
            kept.append(finding if severity == finding.severity
                        else replace(finding, severity=severity))  # type: ignore[arg-type]
        return kept

    def apply(self, findings: Iterable[Finding],
              suppressions: list[Suppression]) -> list[Finding]:
        """Selection and severities, then the suppression comments."""
        return apply_suppressions(self.configured(findings), suppressions)

    def gate(self, findings: Iterable[Finding], scores: Scores) -> list[str]:
        """Why a message with these (kept) findings and scores fails the gate."""
        return gate_failures(self.config, findings, scores)
