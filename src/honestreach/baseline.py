"""Baselines: adopt honestreach in a repository with findings, and fail only on new ones.

``check --write-baseline FILE`` records a fingerprint of every finding; ``check --baseline
FILE`` leaves out the findings the baseline holds, and the gate is decided on the rest. A
fingerprint is the rule id, the file's path (relative to the working directory, as in SARIF)
and the finding's text with its white space normalised, numbered when the same text is found
again in the file: it survives lines moved, added or removed elsewhere, as SARIF's
``partialFingerprints`` (which carry the same value) do.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

from .model import FileResult, Finding, Scores

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read."""


def artifact_uri(path: str) -> str:
    """A relative POSIX URI for paths under the working directory, else the path as a URI."""
    if path == "-":
        return "stdin"
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return candidate.resolve().as_uri()


def fingerprints(result: FileResult) -> list[str]:
    """The fingerprint of each finding of ``result``, in order."""
    occurrences: Counter[str] = Counter()
    found = []
    uri = artifact_uri(result.path)
    for finding in result.findings:
        key = f"{finding.rule}|{uri}|{' '.join(finding.text.split())}"
        occurrences[key] += 1
        found.append(hashlib.sha256(f"{key}|{occurrences[key]}".encode()).hexdigest()[:32])
    return found


def write_baseline(path: Path, results: Iterable[FileResult]) -> int:
    """Write the fingerprints of every finding of ``results``; how many were written."""
    prints = sorted({p for result in results for p in fingerprints(result)})
    path.write_text(json.dumps({"version": BASELINE_VERSION, "tool": "honestreach",
                                "fingerprints": prints}, indent=1) + "\n", encoding="utf-8")
    return len(prints)


def read_baseline(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or \
            not isinstance(data.get("fingerprints"), list):
        raise BaselineError(f"{path} is not a honestreach baseline (write one with "
                            "'honestreach check --write-baseline FILE')")
    return frozenset(str(p) for p in data["fingerprints"])


def without_baselined(result: FileResult, baseline: frozenset[str],
                      gate: Callable[[str, list[Finding], Scores], list[str]]) -> FileResult:
    """``result`` without the findings ``baseline`` holds, its gate decided again by ``gate``
    (why a file's findings and scores fail its configuration's gate)."""
    if not result.findings:
        return result
    kept: list[Finding] = [finding for finding, fingerprint
                           in zip(result.findings, fingerprints(result))
                           if fingerprint not in baseline]
    if len(kept) == len(result.findings):
        return result
    failures = result.gate_failures
    if result.scores is not None:
        failures = tuple(gate(result.path, kept, result.scores))
    return replace(result, findings=tuple(kept), gate_failures=failures)
