"""Bad input gets one clear line for that file; the other files are still checked; no traceback."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

GOOD = textwrap.dedent("""\
    Subject: Hello
    To: dana@example.com

    Hi Dana, this offer expires at midnight tonight.
    """)


def check_json(honestreach, *paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    run = honestreach("check", "--format", "json", *extra, *map(str, paths))
    return run.code, run.json


def errors_of(report: dict, name: str) -> list[str]:
    entry = next(f for f in report["files"] if Path(f["path"]).name == name)
    return [e["message"] for e in entry["errors"]]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


def assert_good_still_checked(report: dict) -> None:
    entry = next(f for f in report["files"] if Path(f["path"]).name == "good.txt")
    assert entry["errors"] == []
    assert any(f["rule"] == "same-day-deadline" for f in entry["findings"])


def test_missing_path(honestreach, tmp_path, good):
    code, report = check_json(honestreach, tmp_path / "nope.eml", good)
    assert code == 2
    assert "does not exist" in errors_of(report, "nope.eml")[0] or \
        "no such" in errors_of(report, "nope.eml")[0].lower()
    assert_good_still_checked(report)


def test_directory_with_no_messages(honestreach, tmp_path, good):
    empty = tmp_path / "empty-dir"
    empty.mkdir()
    (empty / "notes.csv").write_text("a,b\n")
    code, report = check_json(honestreach, empty, good)
    assert code == 2
    assert errors_of(report, "empty-dir")
    assert_good_still_checked(report)


def test_empty_file(honestreach, tmp_path, good):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    code, report = check_json(honestreach, empty, good)
    assert code == 2
    assert "empty" in errors_of(report, "empty.txt")[0].lower()
    assert_good_still_checked(report)


def test_binary_file(honestreach, tmp_path, good):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    code, report = check_json(honestreach, binary, good)
    assert code == 2
    assert "binary" in errors_of(report, "image.txt")[0].lower()
    assert_good_still_checked(report)


def test_undeclared_non_utf8_file_is_checked_as_windows_1252_with_a_note(honestreach, tmp_path,
                                                                           good):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Subject: Grüße\n\nHallo Jörg, this offer expires at midnight tonight."
                      .encode("latin-1"))
    code, report = check_json(honestreach, latin, good)
    assert code == 1  # the deadline found, not an input error
    entry = next(f for f in report["files"] if Path(f["path"]).name == "latin.txt")
    assert entry["errors"] == [] and entry["subject"] == "Grüße"
    assert entry["notes"] == [{"message": "not UTF-8 text (byte 0xFC): read as Windows-1252; "
                                          "save it as UTF-8 to be sure", "line": 1}]
    assert any(f["rule"] == "same-day-deadline" for f in entry["findings"])
    assert_good_still_checked(report)


def test_fifty_megabyte_file(honestreach, tmp_path, good):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.write(b"Hi there, nothing to see.\n" * (50 * 1024 * 1024 // 26 + 1))
    code, report = check_json(honestreach, big, good)
    assert code == 2
    assert "too large" in errors_of(report, "big.txt")[0].lower() or \
        "larger than" in errors_of(report, "big.txt")[0].lower()
    assert_good_still_checked(report)


def test_eml_with_a_broken_boundary_is_checked_with_a_note(honestreach, tmp_path, good):
    broken = tmp_path / "broken.eml"
    broken.write_text(textwrap.dedent("""\
        From: a@example.com
        To: b@example.com
        Subject: hi
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="XYZ"

        --ABC
        Content-Type: text/plain

        Only 3 spots left!
        """))
    code, report = check_json(honestreach, broken, good)
    assert code != 2  # read as a mail client shows it: checked, with a note
    entry = next(f for f in report["files"] if Path(f["path"]).name == "broken.eml")
    assert entry["checked"] and not entry["errors"]
    assert 'the boundary "XYZ"' in entry["notes"][0]["message"]
    assert any(f["category"] == "scarcity" for f in entry["findings"])
    assert_good_still_checked(report)


def test_malformed_eml_bad_base64(honestreach, tmp_path, good):
    encoded = base64.b64encode("Hello there, a fine message.".encode()).decode()
    bad = tmp_path / "bad64.eml"
    bad.write_text(textwrap.dedent(f"""\
        From: a@example.com
        To: b@example.com
        Subject: hi
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: base64

        {encoded[:-6]}*%$#!
        """))
    code, report = check_json(honestreach, bad, good)
    assert code == 2
    assert "base64" in errors_of(report, "bad64.eml")[0].lower()
    assert_good_still_checked(report)


def _config_with_rules(tmp_path: Path, rule_name: str, rule_text: str) -> Path:
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / rule_name).write_text(rule_text, encoding="utf-8")
    config = tmp_path / ".honestreach.yaml"
    config.write_text("rules: [team-rules]\n")
    return config


def test_rule_file_with_invalid_yaml(honestreach, tmp_path, good):
    _config_with_rules(tmp_path, "broken-rule.yaml", "name: [unclosed\ncategory: urgency\n")
    run = honestreach("check", "--format", "json", str(good))
    assert run.code == 2
    (error,) = run.json["errors"]
    assert error["path"].endswith("broken-rule.yaml") and error["line"]
    assert "invalid YAML" in error["message"]
    assert_good_still_checked(run.json)


RULE = textwrap.dedent("""\
    name: Team rule
    category: {category}
    severity: warning
    message: "Team rule: '{{text}}'."
    rationale: Because.
    suggestion: Say it plainly.
    patterns:
      - regex: '{regex}'
    examples:
      bad: ["aaa", "aaaa"]
      good: ["b", "c"]
    """)


def test_rule_file_with_unknown_category(honestreach, tmp_path, good):
    _config_with_rules(tmp_path, "team-rule.yaml", RULE.format(category="urgent", regex="x"))
    run = honestreach("check", "--format", "json", str(good))
    assert run.code == 2
    (error,) = run.json["errors"]
    assert error["line"] == 2 and error["field"] == "category"
    assert "unknown category 'urgent'" in error["message"]
    assert_good_still_checked(run.json)
    text = honestreach("check", "--no-color", str(good))
    assert "team-rule.yaml:2: category: unknown category 'urgent'" in text.stdout


def test_catastrophic_user_regex_does_not_hang(honestreach, tmp_path, good):
    _config_with_rules(tmp_path, "slow-rule.yaml",
                       RULE.format(category="urgency", regex=r"(\w+\s?)+$"))
    slow = tmp_path / "slow.txt"
    slow.write_text("Subject: hi\n\n" + "word " * 5000 + "!\n")
    code, report = check_json(honestreach, slow, good)
    assert code == 2
    message = errors_of(report, "slow.txt")[0]
    assert "slow-rule" in message and "stopped" in message
    entry = next(f for f in report["files"] if Path(f["path"]).name == "good.txt")
    assert any(f["rule"] == "same-day-deadline" for f in entry["findings"])


def test_a_long_run_of_punctuation_is_checked_like_any_text():
    from honestreach.message import message_from_text
    from honestreach.pipeline import Linter

    body = "Hi there" + "!" * 10000 + " Only 3 spots left!"
    (result,) = Linter().check_messages([message_from_text(body, subject="Hello")])
    rules = {f.rule for f in result.findings}
    assert {"exclamation-overload", "few-left"} <= rules
    spots = next(f for f in result.findings if f.rule == "few-left")
    assert spots.text == "Only 3 spots left" and spots.location.column == 10010


# -- a bug met on one input ----------------------------------------------------------------------
def _drafts(tmp_path: Path, count: int) -> list[str]:
    paths = []
    for index in range(count):
        path = tmp_path / f"draft-{index}.txt"
        path.write_text(GOOD.replace("Hello", f"Hello {index}"), encoding="utf-8")
        paths.append(str(path))
    return paths


def _by_name(results) -> dict:
    return {Path(r.path).name: r for r in results}


def test_an_exception_while_reading_one_input_is_that_inputs_error(tmp_path, monkeypatch):
    from honestreach import pipeline

    paths = _drafts(tmp_path, 3)
    real_parse = pipeline.parse_input

    def parse(item):
        if item.path.endswith("draft-1.txt"):
            raise RecursionError("maximum recursion depth exceeded\nwhile reading")
        return real_parse(item)

    monkeypatch.delenv("HONESTREACH_DEBUG", raising=False)
    monkeypatch.setattr(pipeline, "parse_input", parse)
    results = _by_name(pipeline.Linter().run(paths))
    assert [e.message for e in results["draft-1.txt"].errors] == [
        "internal error while reading this file: RecursionError: maximum recursion depth exceeded"]
    for name in ("draft-0.txt", "draft-2.txt"):
        assert results[name].scores is not None and not results[name].errors
        assert any(f.rule == "same-day-deadline" for f in results[name].findings)


def test_an_exception_while_checking_one_message_of_a_batch_spares_the_others(
        tmp_path, monkeypatch):
    from honestreach import pipeline

    paths = _drafts(tmp_path, 5)
    linter = pipeline.Linter()
    real_engine = linter.engine

    class BreaksOnOne:
        """The real engine, failing on every batch that holds draft 3 (as spaCy does when one
        text is too long)."""

        def __init__(self, engine) -> None:
            self.engine = engine
            self.errors = engine.errors

        def check_many(self, messages):
            messages = list(messages)
            if any("Hello 3" in m.subject.text for m in messages):
                raise ValueError("this text cannot be checked")
            return self.engine.check_many(messages)

    monkeypatch.delenv("HONESTREACH_DEBUG", raising=False)
    monkeypatch.setattr(linter, "engine", lambda config: BreaksOnOne(real_engine(config)))
    results = list(linter.run(paths))
    assert [Path(r.path).name for r in results] == [Path(p).name for p in paths]
    by_name = _by_name(results)
    assert [e.message for e in by_name["draft-3.txt"].errors] == [
        "internal error while checking this file: ValueError: this text cannot be checked"]
    for name in ("draft-0.txt", "draft-1.txt", "draft-2.txt", "draft-4.txt"):
        assert by_name[name].scores is not None and not by_name[name].errors, name


def test_an_exception_after_the_rules_spares_the_other_inputs(tmp_path, monkeypatch):
    from honestreach import finish as finish_module
    from honestreach import pipeline

    paths = _drafts(tmp_path, 3)
    real_finish = finish_module.finish

    def finish(message, outcome, policy):
        if message.path.endswith("draft-0.txt"):
            raise KeyError("respect")
        return real_finish(message, outcome, policy)

    monkeypatch.delenv("HONESTREACH_DEBUG", raising=False)
    monkeypatch.setattr(finish_module, "finish", finish)
    results = _by_name(pipeline.Linter().run(paths))
    assert [e.message for e in results["draft-0.txt"].errors] == [
        "internal error while checking this file: KeyError: 'respect'"]
    assert all(results[n].scores is not None for n in ("draft-1.txt", "draft-2.txt"))
