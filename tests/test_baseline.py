"""Baselines, run for real: write one for a folder with findings, move lines, add a finding."""

from __future__ import annotations

import json

PUSHY = ("Subject: Our offer\n\nHi Dana,\n\nOnly 3 spots left, so act now!\n"
         "This offer expires tonight.\n\nSam\n")


def test_only_new_findings_fail_and_moved_lines_stay_baselined(tmp_path, honestreach):
    draft = tmp_path / "drafts" / "offer.txt"
    draft.parent.mkdir()
    draft.write_text(PUSHY)
    baseline = tmp_path / "honestreach-baseline.json"

    before = honestreach("check", "--format", "json", "drafts", cwd=tmp_path)
    assert before.code == 1 and before.json["summary"]["findings"] >= 2
    written = honestreach("check", "--write-baseline", str(baseline), "drafts", cwd=tmp_path)
    assert written.code == 0, written.stdout + written.stderr
    assert "fingerprint" in written.stderr
    prints = json.loads(baseline.read_text())["fingerprints"]
    assert len(prints) == before.json["summary"]["findings"]

    # Lines added above and between: the same findings at other lines are still baselined.
    draft.write_text(PUSHY.replace("Hi Dana,\n\n", "Hi Dana,\n\nA note first.\n\nThanks for "
                                   "reading.\n\n"))
    moved = honestreach("check", "--format", "json", "--baseline", str(baseline), "drafts",
                        cwd=tmp_path)
    assert moved.code == 0, moved.stdout
    assert moved.json["summary"]["findings"] == 0

    # A new pushy sentence fails, and only it is reported.
    draft.write_text(PUSHY + "Reply today or lose your discount forever!\n")
    new = honestreach("check", "--format", "json", "--baseline", str(baseline), "drafts",
                      cwd=tmp_path)
    assert new.code == 1
    lines = {f["line"] for file in new.json["files"] for f in file["findings"]}
    assert lines and all(line == PUSHY.count("\n") + 1 for line in lines), lines


def test_sarif_carries_the_baselines_fingerprints(tmp_path, honestreach):
    (tmp_path / "offer.txt").write_text(PUSHY)
    baseline = tmp_path / "b.json"
    honestreach("check", "--write-baseline", str(baseline), "offer.txt", cwd=tmp_path)
    sarif = json.loads(honestreach("check", "--format", "sarif", "offer.txt",
                                   cwd=tmp_path).stdout)
    partial = {r["partialFingerprints"]["honestreach/v1"] for r in sarif["runs"][0]["results"]}
    assert partial == set(json.loads(baseline.read_text())["fingerprints"])


def test_a_file_that_is_not_a_baseline_is_a_usage_error(tmp_path, honestreach):
    (tmp_path / "offer.txt").write_text(PUSHY)
    (tmp_path / "b.json").write_text("{}")
    run = honestreach("check", "--baseline", "b.json", "offer.txt", cwd=tmp_path)
    assert run.code == 2 and "not a honestreach baseline" in run.stderr
