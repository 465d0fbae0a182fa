"""Campaign columns that explain themselves, and HTML bodies in CSV/JSONL cells: export
header names recognised when unambiguous, a missing required column stopping the audit at once
with the headers found and the mapping that fixes it (and named in the summary when JSONL keys
change further on), and HTML read as ``.eml`` reads it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestreach import audit
from honestreach.campaign.columns import mapping_hint, resolve
from honestreach.campaign.sources import MissingColumns
from honestreach.cli import main

HTML = ("<html><head><style>p {color: red}</style></head><body>"
        "<p>Hi Ana,</p><p>The price list is attached. This offer <b>expires at midnight</b> "
        "tonight.</p><p>Best,<br>Rep</p></body></html>")


def _csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _audit(source: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", str(source), "--jobs", "1", *options])
    return result.exit_code, result.output


def _records(source: Path, *options: str) -> tuple[dict, list[dict]]:
    out = source.with_name("out.jsonl")
    code, output = _audit(source, "--format", "json", "--output", str(out), *options)
    return json.loads(output), [json.loads(line) for line in out.read_text().splitlines()]


def test_export_headers_are_recognised(tmp_path: Path) -> None:
    source = _csv(tmp_path / "hubspot.csv",
                  ["Send ID", "Recipient Email", "From Email", "Email Subject", "Email Body",
                   "Sent At"],
                  ["h1", "ana@acme.example.com", "rep@seller.example.com", "Notes",
                   "Hi Ana,\n\nThe notes.", "2026-09-02T09:00:00Z"])
    summary, (record,) = _records(source)
    assert summary["rows"] == {"read": 1, "checked": 1, "failed": 0}
    assert record["id"] == "h1" and record["recipient"] == "ana@acme.example.com"
    assert record["sent_at"].startswith("2026-09-02")
    assert summary["source"]["columns"]["recognised"] == {
        "id": "Send ID", "to": "Recipient Email", "from": "From Email",
        "subject": "Email Subject", "body": "Email Body", "sent_at": "Sent At"}
    code, output = _audit(source)
    assert "columns recognised: id=Send ID, to=Recipient Email" in output


@pytest.mark.parametrize("header", [
    # Salesforce (Email Message), Outreach, Salesloft, Mailchimp exports.
    ["Id", "ToAddress", "FromAddress", "Subject", "TextBody", "MessageDate"],
    ["Mailing ID", "Prospect Email", "Mailbox Address", "Subject Line", "Body Text", "Sent At"],
    ["Activity ID", "Recipient Address", "Sender Email", "Email Subject", "Content",
     "Delivered At"],
    ["Email ID", "Email Address", "From Email", "Subject", "Plain Text", "Send Time"],
])
def test_other_tools_export_headers_are_recognised(tmp_path: Path, header: list[str]) -> None:
    source = _csv(tmp_path / "export.csv", header,
                  ["e1", "ana@acme.example.com", "rep@seller.example.com", "Notes",
                   "Hi Ana,\n\nThe notes.", "2026-09-02T09:00:00Z"])
    summary, (record,) = _records(source)
    assert summary["rows"] == {"read": 1, "checked": 1, "failed": 0}
    assert (record["id"], record["recipient"], record["sender"], record["subject"]) == (
        "e1", "ana@acme.example.com", "rep@seller.example.com", "Notes")
    assert record["sent_at"].startswith("2026-09-02")


def test_ambiguous_headers_are_not_guessed() -> None:
    columns = resolve(["Email", "Email Address", "Body"], {})
    assert "to" not in columns.columns and columns.missing() == ["to"]
    # The field's own name, or the mapping given, comes first.
    assert resolve(["to", "Email"], {}).columns["to"] == "to"
    assert resolve(["Email", "work"], {"to": "work"}).columns["to"] == "work"


def test_a_missing_column_stops_the_audit_before_any_row(tmp_path: Path) -> None:
    header = ["send_id", "recipient_mail", "Subject", "Body HTML Version", "Notes"]
    rows = [[f"x{i}", f"p{i}@acme.example.com", "Hi", "<p>Hello.</p>", ""] for i in range(3)]
    # A column named nothing like an address: the hint maps the one that looks like a body.
    source = _csv(tmp_path / "export.csv", header, *rows)
    out = tmp_path / "out.jsonl"
    # It stops before the CRM is loaded (this one does not exist) or any row is checked.
    result = CliRunner().invoke(main, ["audit", str(source), "--jobs", "1", "--output",
                                       str(out), "--crm", str(tmp_path / "no-crm")])
    assert result.exit_code == 2
    assert result.stdout == "" and not out.exists()
    (line,) = result.stderr.splitlines()
    assert line == (f"honestreach: {source}: no column for to and body; the headers are "
                    "send_id, recipient_mail, Subject, Body HTML Version, Notes; to map them, "
                    "add --columns 'to=recipient_mail,html_body=Body HTML Version'")
    # The mapping it gives works.
    fixed, records = _records(source, "--columns", "to=recipient_mail,html_body=Body HTML Version")
    assert fixed["rows"]["checked"] == 3 and "missing" not in fixed["source"]["columns"]


def test_a_missing_jsonl_key_stops_the_audit(tmp_path: Path) -> None:
    source = tmp_path / "sends.jsonl"
    # A broken first line does not hide the keys of the first object.
    source.write_text("{not json\n" + "".join(json.dumps(
        {"id": f"j{n}", "email": f"p{n}@acme.example.com", "copy_text": "Hi."}) + "\n"
        for n in range(500)))
    code, output = _audit(source)
    assert code == 2
    assert output == (f"honestreach: {source}: no column for body; the keys are id, email, "
                      "copy_text; to map them, add --columns body=copy_text\n")
    with pytest.raises(MissingColumns, match="no column for body"):
        audit(source, jobs=1)


def test_a_mapping_to_a_header_that_is_not_there_stops_the_audit(tmp_path: Path) -> None:
    source = _csv(tmp_path / "sends.csv", ["id", "email", "body"],
                  ["a", "ana@acme.example.com", "Hi Ana, the notes."])
    code, output = _audit(source, "--map-to", "Email Address")
    assert code == 2
    assert output == (f"honestreach: {source}: no column for to ('Email Address' is not a "
                      "header); the headers are id, email, body; to map them, add "
                      "--columns to=email\n")
    # Nothing like a body: the line says how to name it.
    other = _csv(tmp_path / "other.csv", ["id", "email", "zzz"], ["a", "ana@acme.example.com",
                                                                  "Hi."])
    code, output = _audit(other)
    assert code == 2 and output.endswith(
        "to map them, name the columns with --columns body=COLUMN\n")


def test_jsonl_keys_are_recognised_and_explained(tmp_path: Path) -> None:
    source = tmp_path / "sends.jsonl"
    source.write_text("\n".join(json.dumps(item) for item in [
        {"message_id": "j1", "email": "ana@acme.example.com", "html": "<p>Hi Ana,</p><p>Notes."
                                                                       "</p>"},
        {"message_id": "j2", "email": "bo@acme.example.com", "copy": "Hi Bo."},
    ]) + "\n")
    summary, records = _records(source)
    assert [r["checked"] for r in records] == [True, False]
    columns = summary["source"]["columns"]
    assert columns["recognised"] == {"id": "message_id", "to": "email", "html_body": "html"}
    assert columns["missing"]["fields"] == ["body"]
    assert columns["missing"]["headers"] == ["message_id", "email", "copy"]


def test_html_cells_are_read_as_html(tmp_path: Path) -> None:
    source = _csv(tmp_path / "sends.csv", ["id", "to", "subject", "html_body"],
                  ["a", "ana@acme.example.com", "Price list", HTML])
    summary, (record,) = _records(source, "--select", "urgency")
    (finding,) = record["findings"]
    assert finding["rule"] == "same-day-deadline"
    assert finding["text"] == "expires at midnight"
    # The finding points into the cell as the draft lays it out (headers, blank line, body).
    line = f"Subject: Price list\nTo: ana@acme.example.com\n\n{HTML}".split("\n")[
        finding["line"] - 1]
    assert line[finding["column"] - 1:].startswith("expires at midnight</b>")
    # A body column holding HTML is detected, and reads the same.
    detected = _csv(tmp_path / "body.csv", ["id", "to", "subject", "body"],
                    ["a", "ana@acme.example.com", "Price list", HTML])
    _, (same,) = _records(detected, "--select", "urgency")
    assert same["findings"] == record["findings"]


def test_no_tag_reaches_a_finding_or_the_report(tmp_path: Path) -> None:
    body = ("<div>Hi Ana,</div><div>We are offering a discount to selected teams.</div>"
            "<div>Kind regards,<br>Rep</div>")
    source = _csv(tmp_path / "sends.csv", ["id", "to", "subject", "body"],
                  ["a", "ana@acme.example.com", "Price list", body])
    _, (record,) = _records(source, "--select", "compliance")
    assert record["findings"]
    for finding in record["findings"]:
        assert "<" not in finding["text"] and ">" not in finding["text"], finding


def test_text_that_mentions_tags_stays_text(tmp_path: Path) -> None:
    body = "Hi Ana,\n\nWrap the title in <b> and the rest in a paragraph.\n\nBest,\nRep"
    source = _csv(tmp_path / "sends.csv", ["id", "to", "body"],
                  ["a", "ana@acme.example.com", body])
    from honestreach.campaign.worker import looks_like_html, message_from_fields

    assert not looks_like_html(body) and looks_like_html(HTML)
    message = message_from_fields("x", {"to": "ana@acme.example.com", "body": body})
    assert not message.html and message.body.text == body
    summary, _ = _records(source)
    assert summary["rows"]["checked"] == 1


def test_an_html_body_with_no_text_fails_with_its_reason(tmp_path: Path) -> None:
    source = _csv(tmp_path / "sends.csv", ["id", "to", "html_body"],
                  ["a", "ana@acme.example.com", "<html><body><img src='x.png'></body></html>"])
    summary, (record,) = _records(source)
    assert record["errors"] == ["empty body (the HTML shows no text)"]
    assert summary["failed_by_reason"] == {"empty body": 1}
    # The text summary counts it by its reason too.
    assert "  failed, empty body: 1\n" in _audit(source)[1]


def test_hint_quotes_headers_with_spaces() -> None:
    assert mapping_hint(["to"], ["Email Address"]) == "--columns 'to=Email Address'"
    assert mapping_hint(["body"], ["zzz"]) is None
