"""``audit``'s gate, as ``check``'s: --fail-on, --min-respect, --min-relevance and their
configuration keys; suppressed recipients and false personal claims fail; the summary says why;
exit codes 0, 1 and 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

import honestreach
from honestreach.cli import main

CRM = str(Path(__file__).parent / "fixtures" / "campaign" / "crm")
HEADER = ["id", "to", "from", "subject", "body", "sent_at"]
# A short note to a contact the CRM holds, who may be emailed: nothing to report.
CLEAN = ["n1", "ana@acme.example.com", "rep@seller.example.com", "Workshop notes",
         "Hi Ana,\n\nThe notes from Tuesday's workshop are attached.\n\nBest,\nRep",
         "2026-09-02T09:00:00Z"]
# Bo opted out (email_opt_out in the CRM): do not send.
OPTED_OUT = ["n2", "bo@acme.example.com", "rep@seller.example.com", "Workshop notes",
             "Hi Bo,\n\nThe notes from Tuesday's workshop are attached.\n\nBest,\nRep",
             "2026-09-02T09:00:00Z"]
# The CRM has a call with Ana on 1 September, no meeting at a trade show.
FALSE_CLAIM = ["n3", "ana@acme.example.com", "rep@seller.example.com", "Following up",
               "Hi Ana,\n\nGreat meeting you at the Lisbon retail expo last month.\n\nBest,\nRep",
               "2026-09-03T09:00:00Z"]


def _campaign(folder: Path, *rows: list[str], name: str = "sends.csv") -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _audit(source: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", str(source), "--crm", CRM, "--jobs", "1",
                                       *options])
    return result.exit_code, result.output


def _json(source: Path, *options: str) -> tuple[int, dict]:
    code, output = _audit(source, "--format", "json", *options)
    return code, json.loads(output)


def test_a_clean_campaign_passes(tmp_path: Path) -> None:
    code, summary = _json(_campaign(tmp_path, CLEAN))
    assert code == 0, summary["gate"]
    assert summary["gate"]["passed"] and summary["gate"]["reasons"] == []
    code, output = _audit(_campaign(tmp_path, CLEAN))
    assert code == 0 and "Gate (fail-on error): passed" in output


def test_a_suppressed_recipient_fails_the_campaign(tmp_path: Path) -> None:
    source = _campaign(tmp_path, CLEAN, OPTED_OUT)
    out = tmp_path / "out.jsonl"
    code, summary = _json(source, "--output", str(out))
    assert code == 1
    gate = summary["gate"]
    assert not gate["passed"] and gate["exit_code"] == 1
    assert gate["reasons"] == ["1 suppressed recipient (1 send): do not send"]
    assert gate["counts"]["suppressed_recipients"] == 1
    records = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert records["n1"]["gate_failures"] == []
    assert records["n2"]["gate_failures"] == ["1 finding(s) at or above error"]
    code, output = _audit(source)
    assert code == 1
    assert "Gate (fail-on error): failed: 1 suppressed recipient (1 send): do not send" in output


def test_a_configured_severity_lets_it_pass_as_in_check(tmp_path: Path) -> None:
    source = _campaign(tmp_path, CLEAN, OPTED_OUT)
    (tmp_path / ".honestreach.yaml").write_text("severity: {compliance.suppressed: warning}\n")
    code, summary = _json(source)
    assert code == 0, summary["gate"]
    # ... and fail-on warning (option or configuration) fails it again.
    assert _json(source, "--fail-on", "warning")[0] == 1
    (tmp_path / ".honestreach.yaml").write_text(
        "severity: {compliance.suppressed: warning}\nfail-on: warning\n")
    code, summary = _json(source)
    assert code == 1 and summary["gate"]["fail_on"] == "warning"
    check = CliRunner().invoke(main, ["check", "--crm", CRM, "--to", "bo@acme.example.com",
                                      "--no-cache", str(_draft(tmp_path))])
    assert check.exit_code == 1  # check agrees with the same configuration


def _draft(folder: Path) -> Path:
    path = folder / "draft.txt"
    path.write_text("Subject: Workshop notes\n\n" + OPTED_OUT[4] + "\n", encoding="utf-8")
    return path


def test_a_false_personal_claim_fails_at_its_severity(tmp_path: Path) -> None:
    source = _campaign(tmp_path, CLEAN, FALSE_CLAIM)
    code, summary = _json(source)
    assert code == 1
    (reason,) = summary["gate"]["reasons"]
    assert reason.startswith("1 message with personal claims at or above error")
    # A claim the CRM cannot verify (a contact it does not hold) stays a warning.
    unknown = [*FALSE_CLAIM[:1], "zed@elsewhere.example.com", *FALSE_CLAIM[2:]]
    code, summary = _json(_campaign(tmp_path, CLEAN, unknown, name="other.csv"))
    assert code == 0, summary["gate"]
    assert _json(_campaign(tmp_path, CLEAN, unknown, name="other.csv"),
                 "--fail-on", "warning")[0] == 1


def test_score_minimums_from_options_and_configuration(tmp_path: Path) -> None:
    source = _campaign(tmp_path, CLEAN, FALSE_CLAIM)
    code, summary = _json(source, "--min-respect", "100", "--min-relevance", "100",
                          "--select", "urgency")
    gate = summary["gate"]
    assert code == 1 and gate["min_respect"] == 100
    assert gate["counts"]["below_min_relevance"] >= 1
    assert any(r.endswith("below min-relevance 100") for r in gate["reasons"])
    code, output = _audit(source, "--min-relevance", "100", "--select", "urgency")
    assert code == 1 and "below min-relevance 100" in output
    assert _audit(source, "--min-respect", "101")[0] == 2  # out of range: a usage error
    (tmp_path / ".honestreach.yaml").write_text("min-relevance: 100\nselect: [urgency]\n")
    code, summary = _json(source)
    assert code == 1 and summary["gate"]["min_relevance"] == 100
    code, summary = _json(source, "--min-relevance", "0")  # the option wins
    assert code == 0, summary["gate"]


def test_campaign_findings_fail_at_or_above_fail_on(tmp_path: Path) -> None:
    again = ["n9", *CLEAN[1:]]
    source = _campaign(tmp_path, CLEAN, again)
    code, summary = _json(source)  # the same message twice: a duplicate, a warning
    assert [f["rule"] for f in summary["campaign_findings"]] == ["campaign-duplicate"]
    assert code == 0, summary["gate"]
    code, summary = _json(source, "--fail-on", "warning")
    assert code == 1
    assert summary["gate"]["reasons"] == [
        "1 campaign finding at or above warning (campaign-duplicate 1)"]


def test_rows_that_fail_are_errors_before_the_gate(tmp_path: Path) -> None:
    source = _campaign(tmp_path, CLEAN, OPTED_OUT, ["n4", "", "rep@seller.example.com", "Hi",
                                                    "Hi,\n\nNotes.", "2026-09-02T09:00:00Z"])
    code, summary = _json(source)
    assert code == 2
    assert summary["gate"]["errors"] == ["1 row could not be read or checked"]
    assert summary["gate"]["reasons"] == ["1 suppressed recipient (1 send): do not send"]


def test_the_python_api_has_the_gate(tmp_path: Path) -> None:
    source = _campaign(tmp_path, CLEAN, FALSE_CLAIM)
    result = honestreach.audit(source, crm=CRM, jobs=1)
    assert result.exit_code == 1 and not result.summary["gate"]["passed"]
    relaxed = honestreach.audit(source, crm=CRM, jobs=1, select="urgency", min_respect=10)
    assert relaxed.exit_code == 0 and relaxed.summary["gate"]["min_respect"] == 10
    redacted = honestreach.audit(_campaign(tmp_path, CLEAN, OPTED_OUT, name="r.csv"), crm=CRM,
                                 jobs=1, redact=True)
    assert redacted.summary["gate"]["counts"]["suppressed_recipients"] == 1
    assert "bo@" not in json.dumps(redacted.summary["gate"])
