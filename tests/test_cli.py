"""The command line, run for real in a subprocess on real files."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import EXAMPLES

PUSHY = textwrap.dedent("""\
    Subject: Quick note
    To: dana@example.com

    Hi Dana,

    This offer expires at midnight tonight, so reply now.

    Best,
    Theo Brandt
    Bluefinch Software, 14 Canal Street, Manchester M1 3HE, United Kingdom
    Unsubscribe: https://bluefinch.example.com/unsubscribe
    """)

CLEAN = textwrap.dedent("""\
    Subject: A stock-count checklist
    To: dana@example.com

    Hi Dana,

    Here is a two-page stock-count checklist that distributors use at month end. No need to
    reply if it is not useful right now.

    Best,
    Theo Brandt
    Bluefinch Software, 14 Canal Street, Manchester M1 3HE, United Kingdom
    Unsubscribe: https://bluefinch.example.com/unsubscribe
    """)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_text_output_points_at_the_span_like_a_compiler(honestreach, tmp_path):
    draft = write(tmp_path, "pushy.txt", PUSHY)
    run = honestreach("check", "--no-color", "--fail-on", "warning", str(draft))
    assert run.code == 1
    line = next(l for l in run.stdout.splitlines() if "same-day-deadline" in l)
    assert line.startswith(f"{draft}:6:12: same-day-deadline warning [urgency] ")
    lines = run.stdout.splitlines()
    index = lines.index(line)
    assert lines[index + 1].endswith("| This offer expires at midnight tonight, so reply now.")
    marker = lines[index + 2]
    source_line = lines[index + 1]
    column = source_line.index("This") + len("This offer ")
    assert marker[column:column + len("expires at midnight")] == "^" * len("expires at midnight")
    assert "suggestion:" in lines[index + 3]
    assert f"{draft}: respect " in run.stdout
    assert "Checked 1 file: " in run.stdout
    assert "\x1b[" not in run.stdout  # no colour when not a terminal


def test_exit_codes_follow_fail_on(honestreach, tmp_path):
    draft = write(tmp_path, "pushy.txt", PUSHY)
    assert honestreach("check", str(draft)).code == 0  # a warning is below the default 'error'
    assert honestreach("check", "--fail-on", "warning", str(draft)).code == 1
    assert honestreach("check", "--fail-on", "info", str(write(tmp_path, "c.txt", CLEAN))).code \
        == 0


def test_min_respect_gates_the_run(honestreach, tmp_path):
    draft = write(tmp_path, "pushy.txt", PUSHY)
    run = honestreach("check", "--format", "json", "--min-respect", "100", str(draft))
    assert run.code == 1
    assert "below the minimum 100" in run.json["files"][0]["gate_failures"][0]
    assert honestreach("check", "--min-respect", "0", str(draft)).code == 0


def test_json_report_validates_and_carries_positions(honestreach, tmp_path):
    draft = write(tmp_path, "pushy.txt", PUSHY)
    report = honestreach("check", "--format", "json", str(draft)).json
    (entry,) = report["files"]
    assert entry["recipient"] == "dana@example.com"
    finding = next(f for f in entry["findings"] if f["rule"] == "same-day-deadline")
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == \
        (6, 12, 6, 31)
    assert finding["text"] == "expires at midnight"
    assert 0 <= entry["scores"]["respect"] <= 100 and 0 <= entry["scores"]["relevance"] <= 100
    assert report["summary"]["files"] == 1


def test_select_and_ignore(honestreach, tmp_path):
    draft = write(tmp_path, "pushy.txt", PUSHY)
    ignored = honestreach("check", "--format", "json", "--ignore", "urgency", str(draft)).json
    assert all(f["category"] != "urgency" for f in ignored["files"][0]["findings"])
    selected = honestreach("check", "--format", "json", "--select", "same-day-deadline",
                           str(draft)).json
    assert {f["rule"] for f in selected["files"][0]["findings"]} == {"same-day-deadline"}
    unknown = honestreach("check", "--select", "no-such-rule", str(draft))
    assert unknown.code == 2
    assert "unknown rule or category 'no-such-rule'" in unknown.stdout + unknown.stderr


def test_quiet_prints_only_findings(honestreach, tmp_path):
    draft = write(tmp_path, "pushy.txt", PUSHY)
    run = honestreach("check", "--quiet", str(draft))
    assert run.stdout.strip().splitlines() == [
        l for l in run.stdout.strip().splitlines() if l.startswith(str(draft) + ":")]
    assert "Checked" not in run.stdout


def test_standard_input(honestreach):
    run = honestreach("check", "--format", "json", "-", stdin=PUSHY.encode())
    (entry,) = run.json["files"]
    assert entry["path"] == "-"
    assert any(f["rule"] == "same-day-deadline" for f in entry["findings"])


def test_examples_folder_is_checked_recursively(honestreach):
    report = honestreach("check", "--format", "json", str(EXAMPLES)).json
    paths = {Path(f["path"]).name for f in report["files"]}
    assert {"respectful-follow-up.txt", "pushy-renewal.txt", "tracking-disclosure.md",
            "pilot-pressure.eml"} <= paths
    assert not any(f["errors"] for f in report["files"])
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert by_name["respectful-follow-up.txt"]["findings"] == []
    categories = {f["category"] for f in by_name["pushy-renewal.txt"]["findings"]}
    assert {"urgency", "scarcity", "pressure", "deception"} <= categories
    assert by_name["respectful-follow-up.txt"]["scores"]["respect"] > \
        by_name["pushy-renewal.txt"]["scores"]["respect"]


def test_rules_lists_every_rule(honestreach):
    run = honestreach("rules")
    assert run.code == 0
    assert "same-day-deadline" in run.stdout
    count = int(run.stdout.strip().splitlines()[-1].split()[0])
    assert count >= 40


def test_explain_shows_rationale_examples_and_suggestion(honestreach):
    run = honestreach("explain", "same-day-deadline")
    assert run.code == 0
    for heading in ("What it does", "Why is this bad?", "Example (reported)", "Use instead"):
        assert heading in run.stdout
    missing = honestreach("explain", "same-day-deadlin")
    assert missing.code == 2
    assert "Did you mean: same-day-deadline" in missing.stderr


def test_help_rules_and_explain_do_not_load_the_engine(honestreach, tmp_path):
    probe = write(tmp_path, "probe.py", textwrap.dedent("""\
        import sys
        from click.testing import CliRunner
        from honestreach.cli import main
        for args in (["--help"], ["rules"], ["explain", "same-day-deadline"]):
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 0, result.output
        assert "honestreach.engine" not in sys.modules, "the engine was imported"
        print("ok")
        """))
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True)
    assert completed.stdout.strip() == "ok", completed.stderr


def test_version(honestreach):
    run = honestreach("--version")
    assert run.code == 0 and "honestreach" in run.stdout
