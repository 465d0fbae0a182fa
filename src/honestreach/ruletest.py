"""Run rules' own examples (``honestreach test-rules``): every 'bad' example must trigger its
rule and no 'good' one may.

Each rule is tried the way its findings are made: pattern and Python-check rules by the
engine, template-stage rules by the template linter on their example template, CRM-stage rules
by the CRM verification against a CRM (skipped without one), campaign rules by an audit of
their example campaign (the mass-claim one against the CRM too), the unused-suppression rule
after suppression.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from .campaign.audit import audit_records
from .config import Config
from .engine import Engine
from .message import message_from_text, parse_draft
from .policy import Policy
from .rules import Example, Rule, RuleSet
from .ruletypes import example_text
from .stages import STAGE_RULES
from .templates import template_checker
from .templates.check import TemplateChecker
from .verify import verify_message
from .yamlsource import YamlLoadError, load_yaml_document

if TYPE_CHECKING:
    from .crm import CRM


# Rules whose examples are verified against a CRM: the CRM stage's, and the campaign rule that
# counts how many recipients of a claim the CRM supports.
CRM_RULES = STAGE_RULES["crm"] | {"campaign-mass-claim"}
# Examples longer than this are cut in failure lines (a campaign example is a whole JSONL file).
SHOWN_EXAMPLE = 100


@dataclass(frozen=True)
class ExampleFailure:
    """A 'bad' example its rule does not report, or a 'good' one it does."""

    rule: str
    path: str
    line: int | None
    kind: str  # "bad" or "good"
    text: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = ("bad example did not match" if self.kind == "bad"
                else "good example matched")
        text = self.text if len(self.text) <= SHOWN_EXAMPLE else \
            self.text[:SHOWN_EXAMPLE - 1] + "…"
        return f"{where}: {self.rule}: {what}: {text!r}"


@dataclass(frozen=True)
class ExampleRun:
    """What running the examples of a set of rules found."""

    rules: int
    examples: int
    failures: tuple[ExampleFailure, ...]
    skipped: tuple[str, ...]  # rules whose examples need a CRM, when none was given


class ExampleRunner:
    """Tries examples against one rule set (its engine, template linter and CRM)."""

    def __init__(self, ruleset: RuleSet, crm: CRM | None = None) -> None:
        self.ruleset = ruleset
        self.crm = crm
        self.engine: Engine = Engine(ruleset.rules, ruleset.vocabulary,
                                     pattern_index=ruleset.pattern_index(),
                                     sentence_model=ruleset.sentence_model)
        self._by_id = {rule.id: rule for rule in ruleset.rules}
        self._templates: TemplateChecker | None = None

    def needs_crm(self, rule: Rule) -> bool:
        return rule.id in CRM_RULES and self.crm is None

    def fired(self, rule: Rule, example: Example) -> bool:
        """Whether ``rule`` reports ``example``."""
        if rule.stage == "campaign":
            audited = audit_records(example.body or "", self.crm)
            return any(f["rule"] == rule.id for f in audited.campaign_findings)
        if rule.stage == "template":
            source = (f"{{# Subject: {example.subject} #}}\n" if example.subject else "") + \
                (example.body or "")
            rendered = self._template_checker().check("example.txt.j2", source)
            return any(f.rule == rule.id for f in rendered.findings)
        if rule.stage == "crm":
            message = parse_draft("example.txt", f"Subject: {example.subject or 'Hello'}\n"
                                                 f"To: {example.to or ''}\n\n"
                                                 f"{example.body or ''}")
            claims = self.engine.check(message).claims
            verified = verify_message(message, claims, self.crm, rules=self._by_id)
            return any(f.rule == rule.id for f in verified.findings)
        message = message_from_text(example.body or "", example.subject)
        result = self.engine.check(message)
        if rule.stage == "suppression":
            policy = Policy(Config(), self._by_id)
            kept = policy.apply(result.findings,
                                policy.suppressions(message.source, message.path)[0],
                                message.source)
            return any(f.rule == rule.id for f in kept)
        return any(f.rule == rule.id for f in result.findings) or \
            any(c.rule == rule.id for c in result.claims)

    def _template_checker(self) -> TemplateChecker:
        if self._templates is None:
            self._templates = template_checker(self.ruleset, self.engine)
        return self._templates

    def run(self, rules: Iterable[Rule]) -> ExampleRun:
        failures: list[ExampleFailure] = []
        skipped: list[str] = []
        count = examples = 0
        for rule in rules:
            if self.needs_crm(rule):
                skipped.append(rule.id)
                continue
            count += 1
            for kind, items in (("bad", rule.bad_examples), ("good", rule.good_examples)):
                for index, example in enumerate(items):
                    examples += 1
                    if self.fired(rule, example) != (kind == "bad"):
                        failures.append(ExampleFailure(
                            rule.id, rule.path, _example_line(rule.path, kind, index), kind,
                            example_text(example)))
        return ExampleRun(count, examples, tuple(failures), tuple(skipped))


def _example_line(path: str, kind: str, index: int) -> int | None:
    """The line of a rule file's ``examples.<kind>[index]``."""
    try:
        return load_yaml_document(Path(path)).line_of(["examples", kind, index])
    except (OSError, YamlLoadError):
        return None


def rules_under(ruleset: RuleSet, paths: Iterable[Path]) -> Iterator[Rule]:
    """The rules whose files are ``paths`` or lie in the folders ``paths`` name."""
    wanted = [Path(p).resolve() for p in paths]
    for rule in ruleset.rules:
        where = Path(rule.path).resolve()
        if any(where == p or p in where.parents for p in wanted):
            yield rule
