"""Inline suppressions in HTML comments, Jinja comments and lines of their own."""

from __future__ import annotations

from pathlib import Path

from honestreach.pipeline import Linter

DEADLINE = "This offer expires at midnight tonight."


def rules_in(tmp_path: Path, text: str, name: str = "draft.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    (result,) = Linter().run([str(path)])
    return result


def deadline_lines(result) -> list[int]:
    return [f.location.line for f in result.findings if f.rule == "same-day-deadline"]


def test_disable_next_line_in_html_comment(tmp_path):
    result = rules_in(tmp_path, f"Subject: x\n\n<!-- honestreach: disable-next-line=same-day-deadline -->\n"
                                f"{DEADLINE}\n{DEADLINE}\n")
    assert deadline_lines(result) == [5]
    assert not result.errors


def test_disable_on_same_line_in_jinja_comment(tmp_path):
    result = rules_in(tmp_path, f"{DEADLINE} {{# honestreach: disable=urgency #}}\n{DEADLINE}\n")
    assert deadline_lines(result) == [2]


def test_disable_block_until_enable(tmp_path):
    result = rules_in(tmp_path, f"honestreach: disable=same-day-deadline\n{DEADLINE}\n{DEADLINE}\n"
                                f"honestreach: enable=same-day-deadline\n{DEADLINE}\n")
    assert deadline_lines(result) == [5]


def test_directive_text_is_not_checked_itself(tmp_path):
    result = rules_in(tmp_path, "<!-- honestreach: disable-next-line=urgency -->\nHello there.\n")
    # No rule reads it; that it suppressed nothing is said about it (unused-suppression).
    assert [f.rule for f in result.findings if f.location.line == 1] == ["unused-suppression"]


def test_malformed_or_unknown_directive_is_an_error_not_a_blanket_ignore(tmp_path):
    result = rules_in(tmp_path, f"honestreach: disable same-day-deadline\n{DEADLINE}\n"
                                f"honestreach: disable-line=no-such-rule\n")
    assert deadline_lines(result) == [2]
    messages = [e.message for e in result.errors]
    assert any("malformed suppression" in m for m in messages)
    assert any("no-such-rule" in m for m in messages)
