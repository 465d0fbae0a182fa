"""The ``list-item`` context: a rule may leave alone what stands on a bulleted or numbered
line (a heading or a title, not words said to the reader)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from honestreach.engine import Engine
from honestreach.message import parse_draft
from honestreach.rules import RuleLoadError, load_rule_file, load_rules
from honestreach.tokens import in_list_item

RULE = dedent("""\
    name: Pet names
    category: disrespect
    severity: warning
    message: "Pet name: '{{text}}'."
    rationale: A stranger is no pet.
    suggestion: Use the reader's name.
    patterns:
      - phrases: ["sweetie pie"]
    context: {{list-item: {setting}}}
    examples:
      bad: ["Thanks, sweetie pie.", "Sweetie pie, a quick one."]
      good: ["Thanks, Ana.", "Ana, a quick one."]
    """)
BODY = ("Hi Ana,\n\nThis week's recipes:\n\n- Sweetie pie with pecans\n  * a sweetie pie tart\n"
        "3) Sweetie pie muffins\n\nThanks, sweetie pie.\n")


def _matches(tmp_path: Path, setting: str) -> list[int]:
    path = tmp_path / "pet-names.yaml"
    path.write_text(RULE.format(setting=setting), encoding="utf-8")
    rule = load_rule_file(path)
    message = parse_draft("draft.txt", BODY)
    return [f.location.line for f in Engine([rule]).check(message).findings]


def test_a_rule_can_skip_list_items(tmp_path: Path) -> None:
    assert _matches(tmp_path, "skip") == [9]
    assert _matches(tmp_path, "keep") == [5, 6, 7, 9]


def test_the_list_item_setting_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "pet-names.yaml"
    path.write_text(RULE.format(setting="sometimes"), encoding="utf-8")
    with pytest.raises(RuleLoadError):
        load_rule_file(path)


@pytest.mark.parametrize(("text", "item"), [
    ("- Hey champ, a title", True), ("  • Buddy deals", True), ("12. Pal picks", True),
    ("Hey champ - a note", False), ("Thanks, pal.", False), ("2026 was fine", False),
])
def test_in_list_item(text: str, item: bool) -> None:
    body = f"Intro line.\n{text}\n"
    assert in_list_item(body, body.index(text) + len(text) - 3) is item


def test_over_familiar_address_leaves_list_items_alone() -> None:
    rules = [r for r in load_rules().rules if r.id == "over-familiar-address"]
    listed = parse_draft("draft.txt", "Hi Ana,\n\nThe menu:\n\n- Hey handsome! (a rye ale)\n"
                                      "- Thanks hun - a cider\n")
    assert Engine(rules).check(listed).findings == []
    said = parse_draft("draft.txt", "Hey handsome! The menu is below.\n")
    assert [f.rule for f in Engine(rules).check(said).findings] == ["over-familiar-address"]
