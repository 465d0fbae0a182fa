"""The command line with a CRM: folder and real SQLite, recipients, dates, redaction, errors."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

CRM_DIR = Path(__file__).parent / "fixtures" / "verify-crm"


def sqlite_copy(folder: Path, target: Path) -> str:
    """The CSV folder as a real SQLite database with tables contacts, accounts, activities."""
    connection = sqlite3.connect(target)
    for table in ("contacts", "accounts", "activities"):
        with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header, data = rows[0], rows[1:]
        connection.execute(f"CREATE TABLE {table} ({', '.join(f'{c} TEXT' for c in header)})")
        connection.executemany(
            f"INSERT INTO {table} VALUES ({', '.join('?' for _ in header)})", data)
    connection.commit()
    connection.close()
    return f"sqlite:///{target}"


def draft(tmp_path: Path, text: str, name: str = "draft.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def categories(report: dict) -> list[str]:
    return [f["category"] for f in report["files"][0]["findings"]]


@pytest.fixture
def suppressed(tmp_path):
    return draft(tmp_path, "Subject: Hello\nTo: olga.ivers@sunmesa.example.com\n\nHi Olga,\n"
                           "A short note about invoice approvals.\n")


def test_folder_and_sqlite_crm_give_the_same_report(honestreach, tmp_path, suppressed):
    url = sqlite_copy(CRM_DIR, tmp_path / "crm.db")
    from_folder = honestreach("check", "--format", "json", "--crm", str(CRM_DIR), str(suppressed))
    from_sqlite = honestreach("check", "--format", "json", "--crm", url, str(suppressed))
    assert from_folder.code == from_sqlite.code == 1
    assert from_folder.json["files"] == from_sqlite.json["files"]
    assert "compliance.suppressed" in categories(from_sqlite.json)


def test_to_option_replaces_missing_recipient(honestreach, tmp_path):
    path = draft(tmp_path, "Subject: Hello\n\nHi Jessica,\nA short note.\n")
    without = honestreach("check", "--format", "json", "--crm", str(CRM_DIR), str(path)).json
    assert "claim.identity" not in categories(without)
    run = honestreach("check", "--format", "json", "--crm", str(CRM_DIR), "--to",
                      "robert.lang@harbourline.example.com", str(path))
    assert "claim.identity" in categories(run.json)
    assert run.json["files"][0]["recipient"] == "robert.lang@harbourline.example.com"


def test_redact_hides_addresses_and_names_in_text_and_json(honestreach, suppressed):
    for output in ("text", "json"):
        run = honestreach("check", "--format", output, "--no-color", "--redact", "--crm",
                          str(CRM_DIR), str(suppressed))
        assert "olga.ivers@" not in run.stdout and "Olga" not in run.stdout
        assert "<email>" in run.stdout


@pytest.mark.parametrize(("setup", "fragment"), [
    ("missing-column", "column 'email'"),
    ("bad-date", "'2026-13-40'"),
    ("duplicate", "duplicate"),
    ("not-sqlite", "not"),
    ("preset", "unknown crm preset"),
])
def test_crm_errors_are_one_line_and_exit_2(honestreach, tmp_path, suppressed, setup, fragment):
    crm = tmp_path / "crm"
    crm.mkdir()
    for name in ("contacts", "accounts", "activities"):
        (crm / f"{name}.csv").write_text((CRM_DIR / f"{name}.csv").read_text())
    args = ["--crm", str(crm)]
    if setup == "missing-column":
        text = (crm / "contacts.csv").read_text().replace("email,first_name", "mail,first_name")
        (crm / "contacts.csv").write_text(text)
    elif setup == "bad-date":
        with (crm / "activities.csv").open("a") as handle:
            handle.write("tim.ford@sunmesa.example.com,,call,2026-13-40,Call,,\n")
    elif setup == "duplicate":
        lines = (crm / "contacts.csv").read_text().splitlines()
        (crm / "contacts.csv").write_text("\n".join(lines + [lines[1]]) + "\n")
    elif setup == "not-sqlite":
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"this is not a database\n" * 20)
        args = ["--crm", f"sqlite:///{junk}"]
    elif setup == "preset":
        args += ["--crm-preset", "pipedrive"]
    run = honestreach("check", *args, str(suppressed))
    assert run.code == 2
    assert fragment in run.stderr.lower()
    assert len(run.stderr.strip().splitlines()) == 1


def test_crm_from_configuration(honestreach, tmp_path, suppressed):
    (tmp_path / ".honestreach.yaml").write_text(f"crm: {CRM_DIR}\n")
    run = honestreach("check", "--format", "json", str(suppressed))
    assert "compliance.suppressed" in categories(run.json)


def test_supported_claims_are_silent_unless_show_verified(honestreach, tmp_path):
    path = draft(tmp_path, "Subject: Route planning notes\nTo: robert.lang@harbourline.example.com\n"
                           "Date: Wed, 17 Jun 2026 10:00:00 +0000\n\nHi Robert,\n\n"
                           "Great meeting you at LogiTech Summit last month. Grace Okonkwo "
                           "suggested I send you our route planning notes.\n")
    quiet = honestreach("check", "--format", "json", "--crm", str(CRM_DIR), str(path)).json
    assert not [f for f in quiet["files"][0]["findings"] if f["category"].startswith("claim.")]
    shown = honestreach("check", "--format", "json", "--crm", str(CRM_DIR), "--show-verified",
                        str(path)).json
    verified = [f for f in shown["files"][0]["findings"] if f["category"].startswith("claim.")]
    assert {f["category"] for f in verified} == {"claim.meeting", "claim.referral", "claim.identity"}
    assert all(f["severity"] == "info" and "supported by the CRM" in f["message"]
               for f in verified)
    # Showing what the CRM supports is a display choice: the scores stay as they are.
    assert shown["files"][0]["scores"] == quiet["files"][0]["scores"]


def test_date_option_moves_the_time_window(honestreach, tmp_path):
    path = draft(tmp_path, "Subject: Notes\nTo: robert.lang@harbourline.example.com\n\n"
                           "Hi Robert,\n\nGreat meeting you at LogiTech Summit last week.\n")
    in_window = honestreach("check", "--format", "json", "--crm", str(CRM_DIR),
                            "--date", "2026-05-20", str(path)).json
    later = honestreach("check", "--format", "json", "--crm", str(CRM_DIR),
                        "--date", "2026-09-20", str(path)).json

    def meeting_errors(report):
        return [f for f in report["files"][0]["findings"]
                if f["category"] == "claim.meeting" and f["severity"] == "error"]

    assert meeting_errors(in_window) == []
    (error,) = meeting_errors(later)
    assert "months before 'last week'" in error["message"]
