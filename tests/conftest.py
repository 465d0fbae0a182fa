"""Shared fixtures: run the real command line, validate every JSON report it produces."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

TESTS = Path(__file__).parent
REPO = TESTS.parent
EXAMPLES = REPO / "examples"
REPORT_SCHEMA = json.loads((TESTS / "schemas" / "report.schema.json").read_text())


def validate_report(document: dict) -> None:
    """Every JSON report the tests see must satisfy the published report schema."""
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        document = json.loads(self.stdout)
        validate_report(document)
        return document


@pytest.fixture
def honestreach():
    """Run ``python -m honestreach ARGS`` in a real subprocess (as a user would)."""

    def run(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> Run:
        completed = subprocess.run(
            [sys.executable, "-m", "honestreach", *args],
            cwd=cwd, input=stdin if stdin is not None else b"", capture_output=True,
            timeout=120,
        )
        run_result = Run(completed.returncode, completed.stdout.decode("utf-8", "replace"),
                         completed.stderr.decode("utf-8", "replace"))
        assert "Traceback" not in run_result.stderr, run_result.stderr
        assert "Traceback" not in run_result.stdout, run_result.stdout
        if "--format" in args and args[args.index("--format") + 1] == "json" and args[0] == "check":
            assert run_result.json["summary"]["files"] >= 0  # parses and validates
        return run_result

    return run
