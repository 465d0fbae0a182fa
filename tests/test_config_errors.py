"""Configuration and rule errors are reported once per run, all of them, each at file:line."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from honestreach.config import ConfigError, load_config


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    (tmp_path / ".honestreach.yaml").write_text(dedent("""\
        select: [all]
        ignore: [no-such-rule]
        severity: {urgncy: error}
        fail-on: warnin
        colour: always
        min-respect: 200
        rules: [team-rules]
        """), encoding="utf-8")
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "half-written.yaml").write_text(dedent("""\
        name: Half written
        category: urgncy
        severity: loud
        """), encoding="utf-8")
    for name in ("one.txt", "two.txt", "three.txt"):
        (tmp_path / name).write_text("Hi Dana,\n\nThe notes are attached.\n", encoding="utf-8")
    return tmp_path


def test_load_config_names_every_problem_of_the_file(broken):
    with pytest.raises(ConfigError) as caught:
        load_config(broken / ".honestreach.yaml")
    where = [(e.line, e.field) for e in caught.value.errors]
    assert where == [(4, "fail-on"), (5, "colour"), (6, "min-respect")]
    assert caught.value.error == caught.value.errors[0]


def test_check_reports_every_error_once_not_once_per_file(honestreach, broken):
    run = honestreach("check", "--no-cache", ".", cwd=broken)
    assert run.code == 2
    config = str(broken / ".honestreach.yaml")
    rule = str(broken / "team-rules" / "half-written.yaml")
    expected = [
        f"{config}:2: ignore: unknown rule or category 'no-such-rule'",
        f"{config}:3: severity: unknown rule or category 'urgncy' (did you mean 'urgency'?)",
        f"{config}:4: fail-on: 'warnin' is not one of ['error', 'warning', 'info']",
        f"{config}:5: colour: unknown key",
        f"{config}:6: min-respect: 200 is greater than the maximum of 100",
        f"{rule}:2: category: unknown category 'urgncy'; see taxonomy.md for the categories",
        f"{rule}:3: severity: 'loud' is not one of ['error', 'warning', 'info']",
        f"{rule}:1: 'message' is a required property",
    ]
    for line in expected:
        assert run.stdout.count(line) == 1, (line, run.stdout)
    # Each file says only that it was not checked, not the errors again.
    for name in ("one.txt", "two.txt", "three.txt"):
        assert f"./{name}: error: not checked: invalid configuration {config}\n" in run.stdout
    assert run.stdout.count("'warnin'") == 1


def test_json_report_lists_them_once_too(honestreach, broken):
    run = honestreach("check", "--no-cache", "--format", "json", ".", cwd=broken)
    assert run.code == 2
    messages = [e["message"] for e in run.json["errors"]]
    assert len(messages) == len(set(messages)) >= 8


def test_rules_command_reports_every_error_of_the_configuration(honestreach, broken):
    run = honestreach("rules", cwd=broken)
    assert run.code == 2
    assert "fail-on" in run.stderr and "colour: unknown key" in run.stderr
    assert "min-respect" in run.stderr
