"""What ``audit`` shows people: a text summary that fits on a screen, a progress line that
counts right, folders of drafts read as ``check`` reads them (nothing skipped silently), and a
CSV output with readable columns."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from honestreach.campaign.progress import ProgressLine
from honestreach.campaign.sources import ReadProgress
from honestreach.cli import main

CRM = str(Path(__file__).parent / "fixtures" / "campaign" / "crm")


def _flooding_campaign(path: Path, contacts: int = 40) -> Path:
    """Each contact gets the same note five times in five days: over the 3/7d cap, and
    duplicates."""
    with path.open("w", encoding="utf-8") as handle:
        for contact in range(contacts):
            for day in range(5):
                handle.write(json.dumps({
                    "id": f"c{contact}-{day}", "to": f"person{contact}@example.com",
                    "from": f"rep{contact % 8}@seller.example.com",
                    "subject": f"Notes {contact % 7}",
                    "body": "Hi,\n\nThe notes from the workshop.\n\nBest,\nRep",
                    "sent_at": f"2026-09-0{day + 1}T09:00:00Z"}) + "\n")
    return path


def test_the_text_summary_fits_on_a_screen(tmp_path: Path) -> None:
    source = _flooding_campaign(tmp_path / "sends.jsonl")
    runner = CliRunner()
    text = runner.invoke(main, ["audit", str(source), "--jobs", "1"]).output
    lines = text.splitlines()
    assert len(lines) < 60, text
    assert "Rows: 200 read, 200 checked, 0 failed" in text
    assert "Campaign findings: 80" in text
    assert "  campaign-frequency (error): 40" in text
    assert "  campaign-duplicate (warning): 40" in text
    assert "and 37 more" in text  # three contacts shown of forty
    assert "Senders (top 5 of 8):" in text and "Variants (top 5 of 7):" in text
    assert "Worst messages (5 of 10):" in text
    assert "Every list in full: --format json" in text
    # The JSON summary keeps everything.
    summary = json.loads(runner.invoke(main, ["audit", str(source), "--jobs", "1",
                                              "--format", "json"]).output)
    assert len(summary["campaign_findings"]) == 80 and len(summary["senders"]) == 8


def test_campaign_finding_ids_are_never_repeated(tmp_path: Path) -> None:
    from honestreach.campaign.summary import format_text

    summary = {"rows": {"read": 3, "checked": 3, "failed": 0}, "by_category": {},
               "by_rule": {}, "scores": {}, "worst": [], "senders": {}, "variants": {},
               "suppressed": {"recipients": 0, "sends": 0, "list": {}},
               "campaign_findings": [{"rule": "campaign-mass-claim", "severity": "error",
                                      "message": "The same claim.",
                                      "ids": ["a", "a", "b", "c", "d", "e", "f", "g"]}]}
    text = format_text(summary)
    assert "[a, b, c, d, e, f and 1 more]" in text


def test_the_progress_line_counts_right() -> None:
    stream = io.StringIO()
    # The reader has read the whole file and given out 240 rows; one came back.
    line = ProgressLine(stream, ReadProgress(total=1000, done=1000, rows=240))
    line.update()
    line.close()
    shown = stream.getvalue().split("\r")[-1]
    assert "auditing: 1 message " in shown
    assert "100%" not in shown and "0%" in shown
    stream = io.StringIO()
    done = ProgressLine(stream, ReadProgress(total=1000, done=1000, rows=2))
    done.update()
    done.update()
    done.close()
    assert "auditing: 2 messages" in stream.getvalue() and "100%" in stream.getvalue()


def test_a_folder_of_drafts_and_emails(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "a.txt").write_text("To: ana@acme.example.com\nSubject: Notes\n\nHi Ana,\n\n"
                                  "The notes are attached.\n", encoding="utf-8")
    (folder / "b.md").write_text("To: bo@acme.example.com\nSubject: Hi\n\nHi Bo, the "
                                 "agenda.\n", encoding="utf-8")
    (folder / "c.html").write_text("<html><head><title>Agenda</title></head><body><p>Hi, "
                                   "the agenda.</p></body></html>", encoding="utf-8")
    (folder / "d.eml").write_bytes(b"From: rep@seller.example.com\nTo: ana@acme.example.com\n"
                                   b"Subject: Hi\n\nHi Ana.\n")
    (folder / "e.pdf").write_bytes(b"%PDF-1.4")
    (folder / "old").mkdir()
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(main, ["audit", str(folder), "--crm", CRM, "--jobs", "1",
                                  "--format", "json", "--output", str(out)])
    summary = json.loads(result.output)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a.txt", "b.md", "c.html", "d.eml"]
    assert [r["checked"] for r in records] == [True, True, False, True]
    assert records[2]["errors"] == ["no recipient (the draft has no To: line)"]
    assert summary["suppressed"]["recipients"] == 1  # Bo opted out
    assert summary["source"]["skipped"] == {"count": 2, "names": ["e.pdf", "old/"]}
    assert result.exit_code == 2
    text = runner.invoke(main, ["audit", str(folder), "--jobs", "1"]).output
    assert "skipped (not .eml, .txt, .md or .html): 2: e.pdf, old/" in text


def test_csv_output_has_readable_columns(tmp_path: Path) -> None:
    source = tmp_path / "sends.jsonl"
    source.write_text("\n".join(json.dumps(item) for item in [
        {"id": "=1+1", "to": "ana@acme.example.com", "subject": "Price list",
         "body": "Hi Ana,\n\nAct now: this offer expires at midnight tonight."},
        {"id": "ok", "to": "ana@acme.example.com", "subject": "Notes",
         "body": "Hi Ana,\n\nThe notes are attached."},
        {"id": "broken", "subject": "Notes", "body": "Hi."},
    ]) + "\n")
    out = tmp_path / "out.csv"
    CliRunner().invoke(main, ["audit", str(source), "--crm", CRM, "--jobs", "1",
                              "--output", str(out)])
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "id", "recipient", "sender", "respect", "relevance", "error_findings",
        "warning_findings", "info_findings", "categories", "first_finding", "gate_failures",
        "findings", "errors"]
    urgent, clean, broken = rows
    assert urgent["id"] == "'=1+1"  # a formula is still neutralised
    findings = json.loads(urgent["findings"])
    assert int(urgent["warning_findings"]) == sum(f["severity"] == "warning" for f in findings)
    assert int(urgent["error_findings"]) == sum(f["severity"] == "error" for f in findings)
    assert "urgency" in urgent["categories"].split(", ")
    assert urgent["first_finding"] == f"{findings[0]['rule']}: {findings[0]['message']}"
    assert clean["error_findings"] == "0" and clean["first_finding"] == ""
    assert broken["error_findings"] == "" and broken["errors"].startswith("no recipient")
