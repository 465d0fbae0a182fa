"""Findings that Python stages make rather than the engine, from the rule they report.

A rule with ``stage:`` (crm, template, campaign, suppression) is reported by that stage's
code: verify.py (and the claims package, for the identity claims it finds), templates/,
campaign/ and suppress.py. The rule file supplies everything its findings say (category,
severity, message, suggestion) and the configuration's select/ignore/severity apply to them as
to any other; the stage's code only decides where a rule fires and fills the placeholders of
its message. ``STAGE_RULES`` lists
the rules each stage reports: a stage rule whose id is not among its stage's would never fire,
so loading it is an error.
"""

from __future__ import annotations

from typing import Any, Mapping

from .model import Finding, Location, as_severity
from .rules import Rule
from .stagerules import STAGE_RULES  # noqa: F401 (where the stages look it up)


class _MessageValues(dict):
    """A rule message's placeholders; one that the producer did not fill stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rule_message(rule: Rule, values: Mapping[str, Any]) -> str:
    """The rule's message with its placeholders filled ("{contact} gets {count} messages")."""
    return rule.message.strip().format_map(_MessageValues(values))


def rule_finding(rule: Rule, location: Location, text: str, field: str,
                 values: Mapping[str, Any], severity: str | None = None) -> Finding:
    """A finding of ``rule`` at ``location``: its id, category, severity (unless a verdict
    decides it), message and suggestion."""
    return Finding(rule=rule.id, category=rule.category,
                   severity=as_severity(severity or rule.severity),
                   message=rule_message(rule, values), location=location, text=text,
                   suggestion=rule.suggestion, field=field)
