"""Campaign audits: sources, per-message records in order, campaign rules, summary, CLI."""

from __future__ import annotations

import gzip
import json
import mailbox
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from honestreach.campaign import Cap, WorkerSettings, audit, iter_records, iter_rows, parse_cap
from honestreach.campaign.audit import audit_records
from honestreach.cli import main
from honestreach.model import SendRecord

FIXTURES = Path(__file__).parent / "fixtures" / "campaign"
CRM = str(FIXTURES / "crm")
CORPUS = Path(__file__).parent.parent.parent / "shared" / "corpus"


def _run(source: Path | str, jobs: int = 1, **kwargs):  # type: ignore[no-untyped-def]
    records: list[SendRecord] = []
    result = audit(WorkerSettings(str(source), crm_source=CRM), jobs=jobs,
                   on_record=records.append, **kwargs)
    return result, records


def _check_broken_rows(result, records, failed: int = 3) -> None:  # type: ignore[no-untyped-def]
    rows = result.summary["rows"]
    assert rows == {"read": 4 + failed, "checked": 4, "failed": failed}
    assert rows["read"] == rows["checked"] + rows["failed"] == len(records)
    errors = {r.id: r.errors for r in records if not r.checked}
    assert len(errors) == failed
    assert any("no recipient" in e[0] for e in errors.values())
    assert errors["s6"] == ("missing body",) or "fields" in errors["s6"][0]


def test_jsonl_with_broken_rows() -> None:
    result, records = _run(FIXTURES / "campaign.jsonl")
    _check_broken_rows(result, records)
    assert [r.id for r in records] == ["s1", "s2", "s3", "s4", "line-5", "s5", "s6"]
    assert "invalid JSON" in records[4].errors[0]
    assert records[0].path.endswith("campaign.jsonl#s1")
    # Positions are per row: the body starts after the row's own header lines.
    assert records[0].respect is not None


def test_csv_with_column_mapping() -> None:
    result, records = _run(FIXTURES / "campaign.csv",
                           columns={"id": "send_id", "to": "email"})
    _check_broken_rows(result, records, failed=2)  # a short row (s6), no recipient (s5)
    assert records[0].id == "s1"


def test_gzip_input(tmp_path: Path) -> None:
    target = tmp_path / "campaign.jsonl.gz"
    target.write_bytes(gzip.compress((FIXTURES / "campaign.jsonl").read_bytes()))
    result, records = _run(target)
    _check_broken_rows(result, records)


def test_semicolon_separated_campaign(tmp_path: Path) -> None:
    import csv

    with (FIXTURES / "campaign.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    target = tmp_path / "campaign.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    result, records = _run(target, columns={"id": "send_id", "to": "email"})
    _check_broken_rows(result, records, failed=2)


def _eml(to: str, subject: str, body: str) -> bytes:
    return (f"From: rep@seller.example.com\nTo: {to}\nSubject: {subject}\n"
            f"Date: Tue, 01 Sep 2026 09:00:00 +0000\n\n{body}\n").encode()


def test_mbox_and_eml_folder(tmp_path: Path) -> None:
    box = mailbox.mbox(str(tmp_path / "sent.mbox"))
    box.add(_eml("ana@acme.example.com", "Hi", "Hi Ana, the notes."))
    box.add(_eml("bo@acme.example.com", "Hi", "Hi Bo, the notes."))
    box.close()
    result, records = _run(tmp_path / "sent.mbox")
    assert result.summary["rows"] == {"read": 2, "checked": 2, "failed": 0}
    assert [r.recipient for r in records] == ["ana@acme.example.com", "bo@acme.example.com"]
    folder = tmp_path / "emls"
    folder.mkdir()
    (folder / "a.eml").write_bytes(_eml("ana@acme.example.com", "Hi", "Hi Ana."))
    (folder / "b.eml").write_bytes(b"Subject: no recipient\n\nHello.\n")
    result, records = _run(folder)
    assert result.summary["rows"] == {"read": 2, "checked": 1, "failed": 1}
    assert [r.id for r in records] == ["a.eml", "b.eml"]


def test_two_jobs_give_the_same_records_in_order() -> None:
    rows = list(iter_rows(str(FIXTURES / "campaign.jsonl")))
    settings = WorkerSettings(str(FIXTURES / "campaign.jsonl"), crm_source=CRM)
    one = list(iter_records(settings, rows, jobs=1, chunk_size=2))
    two = list(iter_records(settings, rows, jobs=2, chunk_size=2))
    assert one == two
    assert [r.row for r in one] == sorted(r.row for r in one)


def test_fixture_campaign_rules_and_suppression() -> None:
    result, _ = _run(FIXTURES / "campaign.jsonl")
    rules = {(f["rule"], tuple(f["ids"])) for f in result.campaign_findings}
    # Ana gets 3 sends in 3 days: at the cap, not over it; s2 and s3 are the same message.
    assert rules == {("campaign-duplicate", ("s2", "s3"))}
    over, _ = _run(FIXTURES / "campaign.jsonl", cap=Cap(2, 7))
    assert ("campaign-frequency", ("s1", "s2", "s3")) in {
        (f["rule"], tuple(f["ids"])) for f in over.campaign_findings}
    suppressed = result.summary["suppressed"]
    assert suppressed["recipients"] == 1 and "bo@acme.example.com" in suppressed["list"]


def _rows(n: int, claim: str, supported: int = 0) -> str:
    return "\n".join(json.dumps({
        "id": f"m{i}", "to": f"p{i}@nowhere.example.com", "subject": "Hello",
        "body": f"Hi,\n\n{claim}\n\nThe checklist is attached.",
        "sent_at": f"2026-09-{i + 1:02d}T09:00:00Z"}) for i in range(n))


def test_mass_claim_threshold() -> None:
    from honestreach.crm import load_crm

    crm = load_crm(CRM)
    claim = "Great meeting you at Dreamforce 2026 last week."
    fired = audit_records(_rows(5, claim), crm)
    assert [f["rule"] for f in fired.campaign_findings] == ["campaign-mass-claim"]
    assert audit_records(_rows(4, claim), crm).campaign_findings == []
    # Without a CRM nothing can be supported, so the rule stays silent.
    assert audit_records(_rows(5, claim)).campaign_findings == []


def test_parse_cap() -> None:
    assert parse_cap("3/7d") == Cap(3, 7)
    with pytest.raises(ValueError):
        parse_cap("3 per week")


def test_summary_has_distributions_senders_and_variants() -> None:
    result, _ = _run(FIXTURES / "campaign.jsonl")
    summary = result.summary
    assert summary["scores"]["respect"]["count"] == 4
    assert set(summary["scores"]["respect"]) >= {"mean", "q1", "median", "q3"}
    assert summary["senders"]["rep@seller.example.com"]["messages"] == 3
    assert summary["variants"]["Agenda"]["messages"] == 2
    assert len(summary["worst"]) == 4


def test_cli_end_to_end(tmp_path: Path) -> None:
    source = tmp_path / "campaign.jsonl"
    shutil.copy(FIXTURES / "campaign.jsonl", source)
    runner = CliRunner()
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["audit", str(source), "--crm", CRM, "--jobs", "1",
                                  "--output", str(out), "--format", "json", "--cap", "2/7d"])
    assert result.exit_code == 2, result.output  # three rows could not be checked
    summary = json.loads(result.output)
    assert summary["rows"] == {"read": 7, "checked": 4, "failed": 3}
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 7 and not any(k.startswith("_") for k in lines[0])
    assert {f["rule"] for f in summary["campaign_findings"]} == {
        "campaign-duplicate", "campaign-frequency"}
    csv_out = tmp_path / "out.csv"
    text = runner.invoke(main, ["audit", str(source), "--crm", CRM, "--jobs", "1",
                                "--output", str(csv_out)])
    assert "Rows: 7 read, 4 checked, 3 failed" in text.output
    assert csv_out.read_text().splitlines()[0] == (
        "id,recipient,sender,respect,relevance,error_findings,warning_findings,info_findings,"
        "categories,first_finding,gate_failures,findings,errors")
    bad = runner.invoke(main, ["audit", str(source), "--cap", "often"])
    assert bad.exit_code == 2


@pytest.mark.skipif(not (CORPUS / "campaign.jsonl").exists(), reason="no shared corpus")
def test_corpus_campaign_labels() -> None:
    labels = yaml.safe_load((CORPUS / "campaign-labels.yaml").read_text())
    result = audit(WorkerSettings(str(CORPUS / "campaign.jsonl"),
                                  crm_source=str(CORPUS / "crm")), jobs=1,
                   cap=Cap(labels["cap"]["messages"], labels["cap"]["days"]))
    rows = result.summary["rows"]
    assert rows["read"] == rows["checked"] + rows["failed"]
    found = result.campaign_findings
    for entry in labels["expect"]:
        if "contact" in entry:
            assert any(f["category"] == entry["category"] and f.get("contact") == entry["contact"]
                       for f in found), entry
        else:
            assert any(f["category"] == entry["category"] and set(f["ids"]) == set(entry["ids"])
                       for f in found), entry
    assert len(found) == len(labels["expect"])  # and nothing else (the listed negatives)


def test_gzip_mbox_streams_and_unquotes_from_lines(tmp_path: Path) -> None:
    box = mailbox.mbox(str(tmp_path / "sent.mbox"))
    box.add(_eml("ana@acme.example.com", "Hi", "Hi Ana, the notes.\nFrom the team:\nthanks."))
    box.add(_eml("bo@acme.example.com", "Hi", "Hi Bo, the notes."))
    box.close()
    plain = (tmp_path / "sent.mbox").read_bytes()
    assert b"\n>From the team" in plain  # the mbox quoting the reader must undo
    target = tmp_path / "sent.mbox.gz"
    target.write_bytes(gzip.compress(plain))
    rows = list(iter_rows(str(target)))
    assert [row.index for row in rows] == [1, 2]
    assert b"\nFrom the team:" in rows[0].eml and b">From" not in rows[0].eml
    result, records = _run(target)
    assert result.summary["rows"] == {"read": 2, "checked": 2, "failed": 0}
    assert [r.recipient for r in records] == ["ana@acme.example.com", "bo@acme.example.com"]


def test_a_line_that_is_not_utf8_fails_alone(tmp_path: Path) -> None:
    lines = (FIXTURES / "campaign.jsonl").read_bytes().splitlines(keepends=True)
    target = tmp_path / "campaign.jsonl"
    target.write_bytes(lines[0] + b'{"id": "latin", "body": "caf\xe9"}\n' + lines[1])
    result, records = _run(target)
    assert [r.id for r in records] == ["s1", "line-2", "s2"]
    assert "not UTF-8" in records[1].errors[0]
    assert result.summary["rows"] == {"read": 3, "checked": 2, "failed": 1}


def test_read_progress_follows_the_file(tmp_path: Path) -> None:
    from honestreach.campaign.sources import ReadProgress

    progress = ReadProgress()
    source = FIXTURES / "campaign.jsonl"
    fractions = [progress.fraction for _ in iter_rows(str(source), progress=progress)]
    assert progress.total == source.stat().st_size
    assert fractions == sorted(fractions) and progress.fraction == 1.0


def test_progress_line_shows_rate_percentage_and_time_left() -> None:
    import io

    from honestreach.campaign.progress import ProgressLine
    from honestreach.campaign.sources import ReadProgress

    stream = io.StringIO()
    line = ProgressLine(stream, ReadProgress(total=1000, done=250))
    for _ in range(5):
        line.update()
    line.close()
    shown = stream.getvalue().split("\r")[-1]
    assert "auditing: 5 messages" in shown and "/s" in shown
    assert "25%" in shown and "left" in shown and shown.endswith("\n")


def test_cli_select_ignore_and_date(tmp_path: Path) -> None:
    source = tmp_path / "campaign.jsonl"
    source.write_text(json.dumps({
        "id": "d1", "to": "ana@acme.example.com", "subject": "Checklist",
        "body": "Hi Ana,\n\nThanks for the call yesterday. This offer expires at midnight "
                "tonight.\n\nBest,\nRep"}) + "\n")
    runner = CliRunner()

    def rules(*options: str) -> set[str]:
        out = tmp_path / "out.jsonl"
        result = runner.invoke(main, ["audit", str(source), "--crm", CRM, "--jobs", "1",
                                      "--output", str(out), *options])
        assert result.exit_code in (0, 1), result.output
        (record,) = [json.loads(line) for line in out.read_text().splitlines()]
        return {f["rule"] for f in record["findings"]}

    everything = rules()
    assert "same-day-deadline" in everything and any(r.startswith("conversation") for r in
                                                     everything)
    assert not any(r.startswith("conversation") for r in rules("--ignore", "claim"))
    assert rules("--select", "urgency") <= {"same-day-deadline", "countdown",
                                            "immediate-reply-demand", "expiring-offer"}
    # The send has no sent_at: --date says when it goes out. The CRM has a call with Ana on
    # 1 September, so "the call yesterday" holds on the 2nd and not a month later.
    assert not any(r.startswith("conversation") for r in rules("--date", "2026-09-02"))
    assert any(r.startswith("conversation") for r in rules("--date", "2026-10-02"))


def test_cli_refuses_bad_options_and_leaves_no_output(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out.jsonl"
    source = str(FIXTURES / "campaign.jsonl")
    for options in (["--html", "report.txt"], ["--output", "out.parquet"],
                    ["--columns", "recipient=email"]):
        result = runner.invoke(main, ["audit", source, *options])
        assert result.exit_code == 2 and "Traceback" not in result.output
    result = runner.invoke(main, ["audit", str(tmp_path / "missing.jsonl"), "--output", str(out)])
    assert result.exit_code == 2 and "no such file" in result.output and not out.exists()
    result = runner.invoke(main, ["audit", source, "--crm", str(tmp_path / "nocrm"),
                                  "--output", str(out)])
    assert result.exit_code == 2 and "error:" in result.output and not out.exists()
    result = runner.invoke(main, ["audit", source, "--jobs", "1",
                                  "--output", str(tmp_path / "no" / "such" / "out.jsonl")])
    assert result.exit_code == 2 and "error:" in result.output


def test_bundled_example_campaign() -> None:
    root = Path(__file__).parent.parent / "examples"
    result = CliRunner().invoke(main, [
        "audit", str(root / "campaign" / "spring-pilot.jsonl"), "--crm", str(root / "crm"),
        "--jobs", "1", "--format", "json"])
    assert result.exit_code == 1, result.output  # campaign rules at error severity fire
    summary = json.loads(result.output)
    assert summary["rows"] == {"read": 14, "checked": 14, "failed": 0}
    rules = {f["rule"] for f in summary["campaign_findings"]}
    assert rules == {"campaign-frequency", "campaign-duplicate", "campaign-mass-claim"}
    (mass,) = [f for f in summary["campaign_findings"] if f["rule"] == "campaign-mass-claim"]
    assert len(mass["claims"]) >= 2 and mass["recipients"] == 6
    assert summary["suppressed"]["recipients"] == 2
    assert set(summary["variants"]) == {"A", "B"}


def test_columns_and_cap_from_the_configuration(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in (FIXTURES / "campaign.jsonl").read_text().splitlines()
             if line.startswith('{"id": "s') and '"to"' in line and '"body"' in line]
    renamed = [{("email" if k == "to" else "send" if k == "id" else k): v
                for k, v in row.items()} for row in lines]
    (tmp_path / "campaign.jsonl").write_text("\n".join(map(json.dumps, renamed)) + "\n")
    (tmp_path / ".honestreach.yaml").write_text(
        f"crm: {CRM}\ncampaign-cap: 2/7d\ncampaign-columns: {{to: email, id: send}}\n")
    runner = CliRunner()
    result = runner.invoke(main, ["audit", str(tmp_path / "campaign.jsonl"), "--jobs", "1",
                                  "--format", "json"])
    summary = json.loads(result.output)
    assert summary["rows"]["checked"] == 4
    assert any(f["rule"] == "campaign-frequency" and f["ids"][0] == "s1"
               for f in summary["campaign_findings"])
    # An option wins over the configuration, field by field (here, one that names no key:
    # the audit stops before any row).
    result = runner.invoke(main, ["audit", str(tmp_path / "campaign.jsonl"), "--jobs", "1",
                                  "--format", "json", "--map-to", "nowhere"])
    assert result.exit_code == 2
    assert "no column for to ('nowhere' is not a header)" in result.output
    (tmp_path / ".honestreach.yaml").write_text("campaign-columns: {recipient: email}\n")
    result = runner.invoke(main, ["audit", str(tmp_path / "campaign.jsonl"), "--jobs", "1"])
    assert result.exit_code == 2 and "campaign-columns" in result.output


def _audit_stderr(tmp_path: Path, terminal: bool) -> str:
    """What `honestreach audit` writes to standard error, a terminal (pty) or a pipe."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "honestreach", "audit", str(FIXTURES / "campaign.jsonl"),
               "--crm", CRM, "--jobs", "1", "--output", str(tmp_path / "out.jsonl")]
    if not terminal:
        return subprocess.run(command, capture_output=True, text=True, check=False).stderr
    import pty

    controller, child = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(controller, 4096)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(controller)
    return b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    shown = _audit_stderr(tmp_path, terminal=True)
    last = shown.replace("\r\n", "\n").split("\r")[-1]
    assert "auditing: 7 messages" in last and "100%" in last and "elapsed" in last
    assert _audit_stderr(tmp_path, terminal=False) == ""


def test_the_real_mail_benchmark_builds_campaigns_the_audit_reads(tmp_path: Path) -> None:
    """benchmarks/bench_realmail_audit.py, on the project's own .eml fixtures: the JSONL export
    (an HTML-only message as ``html_body``) and the mbox give one row per message, and the mbox
    reads each message as the folder of .eml files does."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    try:
        from bench_realmail_audit import build
    finally:
        sys.path.pop(0)
    folder = Path(__file__).parent / "fixtures" / "compliance"
    emls = sorted(folder.glob("*.eml"))
    jsonl, mbox, count = build([folder], tmp_path, copies=2)
    assert count == 2 * len(emls)
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len({row["id"] for row in rows}) == count
    html_only = rows[[e.name for e in emls].index("html-preferences-link.eml")]
    assert "body" not in html_only and "</a>" in html_only["html_body"]
    from_jsonl, _ = _run(jsonl)
    assert from_jsonl.summary["rows"]["read"] == count
    from_mbox, boxed = _run(mbox)
    from_folder, loose = _run(folder)
    assert from_mbox.summary["rows"]["read"] == count
    assert [(r.checked, r.findings) for r in boxed] == 2 * [
        (r.checked, r.findings) for r in loose if r.id.endswith(".eml")]
