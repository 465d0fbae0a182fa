"""The GitHub Action (action.yml) run the way the runner runs a composite action's steps: its
inputs put into each step's environment, bash with -e and pipefail, and real files standing in
for GITHUB_STEP_SUMMARY and GITHUB_OUTPUT."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REPO, TESTS

ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
SEATS = "Subject: Workshop\n\nHi Dana,\n\nOnly 3 seats left at this price.\n"
CLEAN = "Subject: Notes\n\nHi Dana,\n\nThe notes from Tuesday are attached.\n\nMaya\n"


def _expand(text: str, inputs: dict[str, str]) -> str:
    """A step's ${{ inputs.NAME }} as the runner fills it in (other expressions are left)."""
    return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)


def _run_action(workspace: Path, **given: str) -> tuple[int, str, Path, Path]:
    inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    inputs.update(given)
    summary = workspace.parent / "step_summary.md"
    output = workspace.parent / "github_output"
    summary.write_text("# an earlier step's summary\n", encoding="utf-8")
    output.write_text("", encoding="utf-8")
    (check,) = [step for step in ACTION["runs"]["steps"] if step.get("id") == "check"]
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "GITHUB_ACTION_PATH": str(REPO), "GITHUB_ACTIONS": "true",
           # honestreach as the install step leaves it: on the PATH of the set-up Python
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           **{name: _expand(value, inputs) for name, value in check["env"].items()}}
    assert check["shell"] == "bash"
    completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                check["run"]], cwd=workspace, env=env, capture_output=True,
                               text=True, timeout=300)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.returncode, completed.stdout, summary, output


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "drafts").mkdir(parents=True)
    (root / "drafts" / "notes.txt").write_text(CLEAN, encoding="utf-8")
    return root


def test_the_action_is_a_composite_that_installs_from_its_own_checkout():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"paths", "args", "fail-on"}
    steps = ACTION["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install = next(step["run"] for step in steps if "pip install" in step.get("run", ""))
    assert '"$GITHUB_ACTION_PATH"' in install and "honestreach==" not in install
    # Inputs are passed as environment variables, never pasted into a script.
    for step in steps:
        assert "inputs." not in step.get("run", ""), step["run"]


def test_clean_files_pass_with_a_summary(workspace):
    code, stdout, summary, output = _run_action(workspace, paths="drafts/")
    assert code == 0, stdout
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# an earlier step's summary\n")  # appended, as GitHub expects
    assert "## honestreach: passed" in text
    assert "| 1 | 0 | 0 | 0 | 0 | 0 | 0 |" in text
    assert "exit-code=0" in output.read_text(encoding="utf-8")


def test_findings_beyond_the_annotation_limit_are_in_the_summary(workspace):
    for number in range(12):
        (workspace / "drafts" / f"seats-{number:02}.txt").write_text(SEATS, encoding="utf-8")
    sarif = workspace.parent / "honestreach.sarif"
    code, stdout, summary, output = _run_action(
        workspace, paths="drafts/", args="--no-color", **{"sarif-file": str(sarif)})
    assert code == 1
    assert "exit-code=1" in output.read_text(encoding="utf-8")
    annotations = [line for line in stdout.splitlines() if line.startswith("::")]
    assert sum(line.startswith("::warning ") for line in annotations) == 24
    assert "so 2 errors, 14 warnings are not shown on the pull request" in stdout
    text = summary.read_text(encoding="utf-8")
    assert "## honestreach: failed the gate" in text
    assert "| 13 | 36 | 12 | 24 | 0 | 12 | 0 |" in text
    assert "GitHub shows at most 10 annotations of each severity per step" in text
    assert "### Gate failures" in text and "drafts/seats-11.txt" in text
    assert "| `few-left` | scarcity | 12 |" in text  # top rules
    assert text.count("`few-left` |") == 13  # ... and every finding: 12 rows and the top rule
    schema = json.loads((TESTS / "schemas" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert len(log["runs"][0]["results"]) == 36


def test_fail_on_and_a_missing_path(workspace):
    (workspace / "drafts" / "seats.txt").write_text(SEATS.replace("Only 3 seats left at this "
                                                                  "price.", "SEATS ARE GOING "
                                                                  "FAST, ACT NOW!!!"),
                                                    encoding="utf-8")
    code, _, _, _ = _run_action(workspace, paths="drafts/", **{"fail-on": "info"})
    assert code == 1
    code, stdout, summary, _ = _run_action(workspace, paths="drafts/ no-such-folder/")
    assert code == 2
    assert "## honestreach: could not check everything" in summary.read_text(encoding="utf-8")
