"""``honestreach init``: a starter configuration that loads, and the CI snippets it prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from honestreach import __version__
from honestreach.cli import main
from honestreach.cli.init import (
    ACTIONS_SNIPPET,
    PRECOMMIT_SNIPPET,
    SARIF_SNIPPET,
    STARTER_CONFIG,
)
from honestreach.config import CONFIG_SCHEMA, load_config
from honestreach.pipeline import Linter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_init_writes_a_configuration_that_loads(runner, tmp_path):
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    written = tmp_path / ".honestreach.yaml"
    assert written.read_text(encoding="utf-8") == STARTER_CONFIG
    config = load_config(written)
    assert config.select == ("all",) and config.fail_on == "error"
    # The linter accepts it too (names in select/ignore/severity are checked against the rules).
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Dana,\n\nThe notes are attached.\n", encoding="utf-8")
    assert Linter().config_for(str(draft)).path == str(written)


def test_every_commented_example_is_a_valid_setting(tmp_path):
    """Uncommenting the examples gives a configuration that loads, with each key in it."""
    example = re.compile(r"^# ([a-z-]+): ")
    lines = [line[2:] if example.match(line) and example.match(line).group(1)
             in CONFIG_SCHEMA["properties"] else line for line in STARTER_CONFIG.splitlines()]
    uncommented = [m.group(1) for line in STARTER_CONFIG.splitlines()
                   if (m := example.match(line)) and m.group(1) in CONFIG_SCHEMA["properties"]]
    assert set(uncommented) >= {"ignore", "severity", "min-respect", "min-relevance", "rules",
                                "crm"}
    path = tmp_path / ".honestreach.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "team-rules").mkdir()
    config = load_config(path)
    assert config.ignore == ("emoji-overload",)
    assert config.severity == {"urgency": "error", "compliance.address": "info"}
    assert (config.min_respect, config.min_relevance) == (60, 40)
    assert config.rule_dirs == ((tmp_path / "team-rules").resolve(),)
    assert config.crm == str((tmp_path / "crm").resolve()) and config.crm_preset == "hubspot"
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Dana,\n\nThe notes are attached.\n", encoding="utf-8")
    assert Linter().config_for(str(draft)).min_respect == 60  # rule and category names exist


def test_init_refuses_to_overwrite_unless_forced(runner, tmp_path):
    existing = tmp_path / ".honestreach.yaml"
    existing.write_text("fail-on: warning\n", encoding="utf-8")
    refused = runner.invoke(main, ["init"])
    assert refused.exit_code == 2
    assert "already exists" in refused.output and "--force" in refused.output
    assert existing.read_text(encoding="utf-8") == "fail-on: warning\n"
    forced = runner.invoke(main, ["init", "--force"])
    assert forced.exit_code == 0, forced.output
    assert existing.read_text(encoding="utf-8") == STARTER_CONFIG


def test_init_prints_the_pre_commit_and_github_actions_snippets(runner):
    result = runner.invoke(main, ["init"])
    for snippet in (PRECOMMIT_SNIPPET, ACTIONS_SNIPPET, SARIF_SNIPPET):
        assert snippet in result.output


def test_pre_commit_snippet_names_this_hook_and_version():
    config = yaml.safe_load(PRECOMMIT_SNIPPET)
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert repo["repo"].startswith("https://")
    hook_ids = {hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert [hook["id"] for hook in repo["hooks"]] == ["honestreach"]
    assert "honestreach" in hook_ids
    assert repo["hooks"][0]["files"].startswith("^(")


def test_the_pre_commit_rev_is_a_tag_of_this_repository():
    """pre-commit clones the snippet's rev: it names this version, and the repository has that
    tag (when the checkout has tags at all: a CI checkout of one branch may have none)."""
    import shutil
    import subprocess

    from honestreach import __version__

    rev = yaml.safe_load(PRECOMMIT_SNIPPET)["repos"][0]["rev"]
    assert rev == f"v{__version__}"
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True,
                          text=True).stdout.split()
    if not tags:
        pytest.skip("a checkout without tags")
    assert rev in tags


def _steps(snippet: str) -> list[dict]:
    workflow = yaml.safe_load(snippet)
    assert set(workflow) >= {"name", "jobs"}
    assert True in workflow or "on" in workflow  # YAML 1.1 reads the key `on` as true
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    return job["steps"]


def test_github_actions_snippets_use_this_repositorys_action_at_a_tag():
    steps = _steps(ACTIONS_SNIPPET)
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["uses"] == f"honestreach/honestreach@v{__version__}"
    assert steps[1]["with"]["paths"] == "templates/ drafts/"
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert set(steps[1]["with"]) <= set(action["inputs"])
    assert "pip install honestreach" not in ACTIONS_SNIPPET + SARIF_SNIPPET  # not published

    sarif = _steps(SARIF_SNIPPET)
    assert sarif[1]["with"]["sarif-file"] == "honestreach.sarif"
    assert sarif[-1]["uses"].startswith("github/codeql-action/upload-sarif@")
    assert sarif[-1]["with"]["sarif_file"] == "honestreach.sarif"
    assert "cancelled()" in sarif[-1]["if"]
    assert yaml.safe_load(SARIF_SNIPPET)["jobs"]["honestreach"]["permissions"][
        "security-events"] == "write"


@pytest.mark.parametrize("document", ["README.md", "docs/ci.md"])
def test_documentation_shows_the_snippets_init_prints(document):
    text = (REPO / document).read_text(encoding="utf-8")
    assert PRECOMMIT_SNIPPET in text
    assert ACTIONS_SNIPPET in text
    if document == "docs/ci.md":
        assert SARIF_SNIPPET in text


def test_the_starters_are_package_data_in_the_wheel(tmp_path):
    """init reads its files with importlib.resources: they are in the built wheel, beside the
    command's modules (none of which is over 400 lines)."""
    import subprocess
    import sys
    import zipfile

    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(tmp_path), str(REPO)], capture_output=True, text=True,
                           timeout=300)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip()[-200:]}")
    (wheel,) = tmp_path.glob("honestreach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for starter in ("honestreach.yaml", "pre-commit-config.yaml", "github-actions.yml",
                    "github-sarif.yml"):
        assert f"honestreach/cli/starters/{starter}" in names
    modules = sorted((REPO / "src" / "honestreach" / "cli").glob("*.py"))
    assert len(modules) >= 6
    for module in modules:
        assert len(module.read_text(encoding="utf-8").splitlines()) <= 400, module.name
