"""Suppression that never reaches the recipient: per-file ignores in the configuration and the
X-Honestreach header; and directives that suppressed nothing reported as unused-suppression."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

COMMERCIAL = ("Hi Dana,\n\nOur analytics plan costs $40 a month and the first month is "
              "free: book a demo today.\nReply STOP and I will not write again.\n")
SCARCE = "Hi Dana,\n\nOnly 3 seats left at this price.\n"


def _rules(run) -> list[str]:
    return [f["rule"] for f in run.json["files"][0]["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".honestreach.yaml").write_text(dedent("""\
        per-file-ignores:
          "templates/legal/*.txt": [missing-postal-address]
          "drafts/": [scarcity]
        """), encoding="utf-8")
    for folder in ("templates/legal", "templates/sales", "drafts"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "templates/legal/notice.txt").write_text(COMMERCIAL, encoding="utf-8")
    (tmp_path / "templates/sales/offer.txt").write_text(COMMERCIAL, encoding="utf-8")
    (tmp_path / "drafts/seats.txt").write_text(SCARCE, encoding="utf-8")
    (tmp_path / "seats.txt").write_text(SCARCE, encoding="utf-8")
    return tmp_path


def test_per_file_ignores_apply_to_the_files_their_glob_names(honestreach, repo):
    legal = honestreach("check", "--no-cache", "--format", "json", "templates/legal/notice.txt",
                        cwd=repo)
    sales = honestreach("check", "--no-cache", "--format", "json", "templates/sales/offer.txt",
                        cwd=repo)
    assert "missing-postal-address" not in _rules(legal)
    assert "missing-postal-address" in _rules(sales)
    in_drafts = honestreach("check", "--no-cache", "--format", "json", "drafts/seats.txt",
                            cwd=repo)
    elsewhere = honestreach("check", "--no-cache", "--format", "json", "seats.txt", cwd=repo)
    assert "few-left" not in _rules(in_drafts)
    assert "few-left" in _rules(elsewhere)


def test_per_file_ignores_names_are_checked(honestreach, repo):
    (repo / ".honestreach.yaml").write_text(
        'per-file-ignores:\n  "drafts/": [scarcty]\n', encoding="utf-8")
    run = honestreach("check", "--no-cache", "seats.txt", cwd=repo)
    assert run.code == 2
    assert (f"{repo / '.honestreach.yaml'}:2: per-file-ignores.drafts/: unknown rule or "
            "category 'scarcty' (did you mean 'scarcity'?)") in run.stdout


EML = dedent("""\
    From: Maya Okafor <maya@example.com>
    To: Dana Reyes <dana@example.com>
    Subject: Workshop seats
    X-Honestreach: disable=few-left, compliance
    Content-Type: text/plain; charset=utf-8

    Hi Dana,

    Only 3 seats left at this price. Book today.
    """)


def test_an_x_honestreach_header_suppresses_in_an_eml(honestreach, tmp_path):
    (tmp_path / "seats.eml").write_text(EML, encoding="utf-8")
    run = honestreach("check", "--no-cache", "--format", "json", "seats.eml", cwd=tmp_path)
    assert run.code == 0, run.stdout
    assert _rules(run) == []
    plain = EML.replace("X-Honestreach: disable=few-left, compliance\n", "")
    (tmp_path / "plain.eml").write_text(plain, encoding="utf-8")
    unsuppressed = honestreach("check", "--no-cache", "--format", "json", "plain.eml",
                               cwd=tmp_path)
    assert {"few-left", "missing-unsubscribe"} <= set(_rules(unsuppressed))


def test_an_x_honestreach_header_in_a_draft_is_a_header_not_body_text(honestreach, tmp_path):
    draft = tmp_path / "seats.txt"
    draft.write_text("Subject: Workshop seats\nX-Honestreach: disable=scarcity,compliance\n\n"
                     + SCARCE, encoding="utf-8")
    run = honestreach("check", "--no-cache", "--format", "json", "seats.txt", cwd=tmp_path)
    assert _rules(run) == []
    # The header is not part of the body: no rule reads it, and a fix never quotes it.
    from honestreach.message import parse_draft

    message = parse_draft(str(draft), draft.read_text(encoding="utf-8"))
    assert "Honestreach" not in message.body.text
    assert message.headers["x-honestreach"] == "disable=scarcity,compliance"


def test_a_malformed_header_directive_is_an_error_at_its_line(honestreach, tmp_path):
    (tmp_path / "bad.eml").write_text(EML.replace("disable=few-left, compliance",
                                                  "disable=few-lefts"), encoding="utf-8")
    run = honestreach("check", "--no-cache", "bad.eml", cwd=tmp_path)
    assert run.code == 2
    assert ("bad.eml:4: error: X-Honestreach header: expected 'disable=ID[,ID]' with rule ids "
            "or categories, not 'few-lefts'") in run.stdout


def test_directives_that_suppress_nothing_are_reported_as_info(honestreach, tmp_path):
    (tmp_path / "stale.txt").write_text(dedent("""\
        Subject: Workshop
        X-Honestreach: disable=urgency,compliance

        Hi Dana,

        <!-- honestreach: disable-next-line=few-left -->
        The room holds everyone who signed up.
        <!-- honestreach: disable-next-line=few-left,shouting -->
        Only 3 seats left at this price.
        """), encoding="utf-8")
    run = honestreach("check", "--no-cache", "--format", "json", "stale.txt", cwd=tmp_path)
    assert run.code == 0  # info: it does not fail the run by default
    unused = [(f["line"], f["severity"], f["message"]) for f in run.json["files"][0]["findings"]
              if f["rule"] == "unused-suppression"]
    assert [(line, severity) for line, severity, _ in unused] == [(2, "info"), (6, "info"),
                                                                 (8, "info")]
    assert "(urgency)" in unused[0][2] and "(few-left)" in unused[1][2]
    assert "(shouting)" in unused[2][2]  # few-left was used on line 9, shouting was not
    assert "few-left" not in _rules(run)
    # It is a rule like any other: ignored, or made to fail the run.
    ignored = honestreach("check", "--no-cache", "--format", "json", "--ignore",
                          "unused-suppression", "stale.txt", cwd=tmp_path)
    assert "unused-suppression" not in _rules(ignored)
    assert honestreach("check", "--no-cache", "--fail-on", "info", "stale.txt",
                       cwd=tmp_path).code == 1
    # A directive for a rule the run does not select is not stale.
    selected = honestreach("check", "--no-cache", "--format", "json", "--select",
                           "scarcity,suppression",
                           "stale.txt", cwd=tmp_path)
    assert [f["line"] for f in selected.json["files"][0]["findings"]] == [6]


def test_templates_go_through_the_same_suppressions(honestreach, tmp_path):
    # A Jinja2 template is finished by the same policy step as a draft: per-file ignores
    # apply to it, and a directive in it that suppressed nothing is reported.
    (tmp_path / ".honestreach.yaml").write_text(
        'per-file-ignores:\n  "legal/*.j2": [missing-postal-address]\n', encoding="utf-8")
    (tmp_path / "legal").mkdir()
    (tmp_path / "sales").mkdir()
    body = COMMERCIAL.replace("Dana", "{{ contact.first_name }}")
    (tmp_path / "legal/notice.txt.j2").write_text(body, encoding="utf-8")
    (tmp_path / "sales/offer.txt.j2").write_text(
        "{# honestreach: disable=shouting #}\n" + body, encoding="utf-8")
    legal = honestreach("check", "--no-cache", "--format", "json", "legal/notice.txt.j2",
                        cwd=tmp_path)
    sales = honestreach("check", "--no-cache", "--format", "json", "sales/offer.txt.j2",
                        cwd=tmp_path)
    assert "missing-postal-address" not in _rules(legal)
    assert "missing-postal-address" in _rules(sales)
    assert "unused-suppression" in _rules(sales)
