"""What a configuration does to the rules and findings: which rules run, at which severity,
and why a message fails the gate."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from ..model import (FINDINGS_GATE, SEVERITY_RANK, Finding, Scores, Severity, as_severity,
                     score_gate_reasons)
from ..rules import Rule
from .settings import Config


def rule_enabled(rule_id: str, category: str, config: Config) -> bool:
    """select/ignore by rule id, category ('urgency') or family ('claim', 'compliance')."""
    names = {rule_id, category, category.split(".")[0]}
    selected = "all" in config.select or bool(names & set(config.select))
    return selected and not (names & set(config.ignore))


def configured_rules(rules: Iterable[Rule], config: Config) -> list[Rule]:
    """The rules as the configuration sets them: ``compliance-applies-to`` becomes the
    ``applies_to`` option of the compliance checks (missing-unsubscribe, missing-postal-address)."""
    if config.compliance_applies_to is None:
        return list(rules)
    return [replace(rule, options={**rule.options, "applies_to": config.compliance_applies_to})
            if rule.check and "applies_to" in rule.options else rule for rule in rules]


def severity_for(rule_id: str, category: str, default: str, config: Config) -> Severity:
    """The severity after per-rule (most specific), per-category and per-family overrides."""
    for name in (rule_id, category, category.split(".")[0]):
        if name in config.severity:
            return as_severity(config.severity[name])
    return as_severity(default)


def gate_failures(config: Config, findings: Iterable[Finding], scores: Scores) -> list[str]:
    """Why a message fails the configured gate: findings at or above fail-on, low scores."""
    threshold = SEVERITY_RANK[config.fail_on]
    reasons = []
    failing = [f for f in findings if SEVERITY_RANK[f.severity] >= threshold]
    if failing:
        reasons.append(f"{len(failing)} {FINDINGS_GATE} {config.fail_on}")
    reasons.extend(reason for _, reason in score_gate_reasons(
        scores.respect, scores.relevance, config.min_respect, config.min_relevance))
    return reasons
