"""Configuration files: discovery by walking up, validation with file/line/field, overrides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from honestreach.config import Config, ConfigError, find_config_file, load_config
from honestreach.pipeline import Linter

PUSHY = "Subject: Hi\n\nThis offer expires at midnight tonight. Only 3 spots left!\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def rules_of(path: Path, **overrides) -> set[str]:
    (result,) = Linter().run([str(path)])
    assert not result.errors, result.errors
    return {f.rule for f in result.findings}


def test_nearest_config_wins_walking_up(tmp_path):
    write(tmp_path / "pyproject.toml", """\
        [project]
        name = "outreach"

        [tool.honestreach]
        ignore = ["urgency"]
        """)
    write(tmp_path / "team" / ".honestreach.yaml", "ignore: [scarcity]\n")
    top = write(tmp_path / "a.txt", PUSHY)
    nested = write(tmp_path / "team" / "drafts" / "b.txt", PUSHY)
    assert find_config_file(nested) == tmp_path / "team" / ".honestreach.yaml"
    assert find_config_file(top) == tmp_path / "pyproject.toml"
    top_rules, nested_rules = rules_of(top), rules_of(nested)
    assert "same-day-deadline" not in top_rules
    assert "same-day-deadline" in nested_rules


def test_pyproject_without_tool_table_is_skipped(tmp_path):
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config_file(tmp_path / "x.txt") is None


def test_all_keys_are_read(tmp_path):
    (tmp_path / "extra").mkdir()
    config = load_config(write(tmp_path / ".honestreach.yaml", """\
        select: [urgency, pressure]
        ignore: [same-day-deadline]
        severity: {urgency: error}
        fail-on: warning
        min-respect: 60
        min-relevance: 40
        rules: [extra]
        max-file-size: 2048
        """))
    assert config == Config(
        path=str(tmp_path / ".honestreach.yaml"), select=("urgency", "pressure"),
        ignore=("same-day-deadline",), severity={"urgency": "error"}, fail_on="warning",
        min_respect=60, min_relevance=40, rule_dirs=((tmp_path / "extra").resolve(),),
        max_file_size=2048)


@pytest.mark.parametrize(("text", "line", "field", "fragment"), [
    ("select: [urgency]\nfail-on: loud\n", 2, "fail-on", "'loud' is not one of"),
    ("min-respect: 120\n", 1, "min-respect", "120 is greater than"),
    ("fail_on: error\n", 1, "fail_on", "did you mean 'fail-on'"),
    ("select: [urgency\n", 2, None, "invalid YAML"),
])
def test_invalid_yaml_config_names_file_line_and_field(tmp_path, text, line, field, fragment):
    path = write(tmp_path / ".honestreach.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value.error
    assert (error.path, error.field) == (str(path), field)
    assert error.line == line
    assert fragment in error.message


def test_invalid_pyproject_config_names_line(tmp_path):
    path = write(tmp_path / "pyproject.toml", """\
        [project]
        name = "x"

        [tool.honestreach]
        select = ["urgency"]
        min-relevance = "high"
        """)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.error.line == 6
    assert caught.value.error.field == "min-relevance"


def test_invalid_config_is_exit_2_and_files_still_listed(honestreach, tmp_path):
    write(tmp_path / ".honestreach.yaml", "fail-on: sometimes\n")
    draft = write(tmp_path / "a.txt", PUSHY)
    run = honestreach("check", "--format", "json", str(draft))
    assert run.code == 2
    assert run.json["files"][0]["errors"][0]["message"].startswith("not checked: invalid config")
    assert run.json["errors"][0]["field"] == "fail-on"
    assert run.json["errors"][0]["line"] == 1


def test_severity_override_and_fail_on_from_config(honestreach, tmp_path):
    write(tmp_path / ".honestreach.yaml", "severity: {same-day-deadline: error}\n")
    draft = write(tmp_path / "a.txt", PUSHY)
    run = honestreach("check", "--format", "json", str(draft))
    finding = next(f for f in run.json["files"][0]["findings"] if f["rule"] == "same-day-deadline")
    assert finding["severity"] == "error"
    assert run.code == 1


def test_user_rule_folder_adds_rules(honestreach, tmp_path):
    write(tmp_path / "team-rules" / "no-synergy.yaml", """\
        name: Buzzword
        category: disrespect
        severity: warning
        message: "Buzzword: '{text}'."
        rationale: Buzzwords tell the reader nothing.
        suggestion: Say what the product does.
        patterns:
          - phrases: [synergy, synergies]
        examples:
          bad: ["Let's unlock synergies.", "Synergy matters."]
          good: ["Let's talk about your stock counts.", "We integrate with your ERP."]
        """)
    config = write(tmp_path / ".honestreach.yaml", "rules: [team-rules]\n")
    draft = write(tmp_path / "a.txt", "Subject: Hi\n\nThink of the synergies!\n")
    run = honestreach("check", "--format", "json", str(draft))
    assert any(f["rule"] == "no-synergy" for f in run.json["files"][0]["findings"])
    listed = honestreach("rules", "--config", str(config))
    assert "no-synergy" in listed.stdout
