"""Every rule's own examples, run: each 'bad' example must trigger the rule, no 'good' one may."""

from __future__ import annotations

import pytest

from pathlib import Path

from honestreach.crm import load_crm
from honestreach.engine import Engine
from honestreach.message import message_from_text, parse_draft
from honestreach.rules import Example, Rule, load_rules
from honestreach.verify import verify_message

RULESET = load_rules()
ENGINE = Engine(RULESET.rules)
# Rules of the CRM stage run their examples against the bundled example CRM.
EXAMPLE_CRM = load_crm(Path(__file__).parent.parent / "examples" / "crm")


def _cases(kind: str) -> list[tuple[Rule, Example]]:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{kind}{index}")
        for rule in RULESET.rules
        for index, example in enumerate(getattr(rule, f"{kind}_examples"))
    ]


def _fired(rule: Rule, example: Example) -> list[str]:
    if rule.stage == "crm":
        assert example.to, f"{rule.id}: examples of CRM-stage rules name a recipient ('to')"
        message = parse_draft("example.txt", f"Subject: {example.subject or 'Hello'}\n"
                                             f"To: {example.to}\n\n{example.body or ''}")
        result = ENGINE.check(message)
        verified = verify_message(message, result.claims, EXAMPLE_CRM)
        return [f.text for f in verified.findings if f.rule == rule.id]
    message = message_from_text(example.body or "", example.subject)
    result = ENGINE.check(message)
    assert not result.errors
    return [f.text for f in result.findings + result.claims if f.rule == rule.id]


def test_builtin_rules_load_cleanly() -> None:
    assert RULESET.errors == []
    assert not ENGINE.errors


@pytest.mark.parametrize(("rule", "example"), _cases("bad"))
def test_bad_example_triggers_rule(rule: Rule, example: Example) -> None:
    assert _fired(rule, example), f"{rule.id} did not fire on {example}"


@pytest.mark.parametrize(("rule", "example"), _cases("good"))
def test_good_example_is_clean(rule: Rule, example: Example) -> None:
    assert _fired(rule, example) == [], f"{rule.id} fired on {example}"
