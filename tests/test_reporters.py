"""SARIF (validated against the official 2.1.0 schema) and GitHub annotations, for real runs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from conftest import EXAMPLES, TESTS

SARIF_SCHEMA = json.loads((TESTS / "schemas" / "sarif-2.1.0.json").read_text())


def test_sarif_validates_and_carries_rules_locations_and_fingerprints(honestreach, tmp_path):
    broken = tmp_path / "empty.txt"
    broken.write_text("")
    run = honestreach("check", "--format", "sarif", str(EXAMPLES), str(broken))
    log = json.loads(run.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert "same-day-deadline" in ids and len(ids) >= 40
    deadline = rules[ids.index("same-day-deadline")]
    assert deadline["properties"]["category"] == "urgency"
    assert deadline["help"]["text"] and deadline["defaultConfiguration"]["level"] == "warning"
    result = next(r for r in sarif_run["results"] if r["ruleId"] == "same-day-deadline"
                  and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  .endswith("pushy-renewal.txt"))
    assert ids[result["ruleIndex"]] == "same-day-deadline"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["snippet"]["text"]
    fingerprints = [r["partialFingerprints"]["honestreach/v1"] for r in sarif_run["results"]]
    assert len(fingerprints) == len(set(fingerprints))
    notifications = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert any("empty" in n["message"]["text"] for n in notifications)
    assert sarif_run["invocations"][0]["executionSuccessful"] is False
    scored = [a for a in sarif_run["artifacts"] if "properties" in a]
    assert all(0 <= a["properties"]["respect"] <= 100 for a in scored)


def test_sarif_fingerprints_survive_edits_elsewhere(honestreach, tmp_path):
    path = tmp_path / "draft.txt"
    body = "Subject: Hi\n\nThis offer expires at midnight tonight.\n"
    path.write_text(body)
    first = json.loads(honestreach("check", "--format", "sarif", str(path)).stdout)
    path.write_text(body.replace("\n\n", "\n\nA new opening line.\n\n"))
    second = json.loads(honestreach("check", "--format", "sarif", str(path)).stdout)

    def prints(log):
        return {r["partialFingerprints"]["honestreach/v1"] for r in log["runs"][0]["results"]}

    assert prints(first) and prints(first) <= prints(second)


def test_github_annotations(honestreach, tmp_path):
    path = tmp_path / "draft, v2.txt"
    path.write_text("Subject: Hi\n\nThis offer expires at midnight tonight.\n")
    run = honestreach("check", "--format", "github", str(path))
    line = next(l for l in run.stdout.splitlines() if "same-day-deadline" in l)
    assert line.startswith("::warning file=")
    assert "draft%2C v2.txt" in line
    assert ",line=3,col=12,endLine=3,endColumn=31," in line
    assert "title=same-day-deadline [urgency]::Sets a deadline" in line
    assert "%0A" in line  # the suggestion on its own line
    assert Path(path).exists()


def test_text_shows_a_window_of_a_very_long_line(honestreach, tmp_path):
    # A generated line of thousands of characters is shown around the finding, not whole once
    # per finding; the caret still stands under the words found.
    filler = "word " * 1_000
    draft = tmp_path / "long.txt"
    draft.write_text("Subject: Notes\nTo: a@example.com\n\nHi Sam,\n\n"
                     f"{filler}Act now, this offer expires tonight. {filler}\n\nBest,\nLee\n")
    run = honestreach("check", "--no-color", "--no-cache", str(draft))
    shown = [line for line in run.stdout.splitlines() if line.startswith("  6 | ")]
    assert shown, run.stdout
    for line in shown:
        assert len(line) < 240 and line.count("…") == 2
        caret = run.stdout.splitlines()[run.stdout.splitlines().index(line) + 1]
        marked = line[caret.index("^"):caret.rindex("^") + 1]
        assert marked.strip() and marked in "Act now, this offer expires tonight."


def test_every_output_says_why_a_score_gate_failed(honestreach, tmp_path):
    # A run that fails only on a score gate has no error finding to show: each format says why.
    draft = tmp_path / "notes.txt"
    draft.write_text("Subject: Slides\nTo: a@example.com\n\nHi Ana,\n\n"
                     "The slides from this morning are attached.\n\nBest,\nLee\n")
    reason = "relevance"
    quiet = honestreach("check", "--no-cache", "-q", "--min-relevance", "99", str(draft))
    assert quiet.code == 1
    assert f"{draft}: gate: {reason}" in quiet.stdout and "below the minimum 99" in quiet.stdout
    text = honestreach("check", "--no-cache", "--no-color", "--min-relevance", "99", str(draft))
    assert "1 file failed the gate" in text.stdout.splitlines()[-1]
    github = honestreach("check", "--no-cache", "--format", "github", "--min-relevance", "99",
                         str(draft))
    assert f"::error file={draft},title=honestreach gate::{reason}" in github.stdout
    assert github.stdout.rstrip().endswith("1 file failed the gate")
    sarif = json.loads(honestreach("check", "--no-cache", "--format", "sarif", "--min-relevance",
                                   "99", str(draft)).stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any(n["message"]["text"].startswith(f"fails the gate: {reason}") for n in notes)
    passing = honestreach("check", "--no-cache", "-q", str(draft))
    assert passing.code == 0 and "gate" not in passing.stdout
