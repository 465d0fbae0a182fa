"""Mail a mail client can show is checked: flaws are repaired, with a note at info level.

Each input that used to stop the run (or every run after it) is read here in one run with a good
draft: the draft must still be checked. The fixtures in ``fixtures/repairable`` are small files
with one flaw each; the large cases (deep nesting, huge headers, long text) are generated.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from conftest import TESTS, validate_report
from honestreach.message import ParseError
from honestreach.mime import MAX_DEPTH, MAX_HEADER_CHARS, parse_eml
from honestreach.sources import InputFile, MESSAGE_SUFFIXES, parse_input

REPAIRABLE = TESTS / "fixtures" / "repairable"
GOOD = textwrap.dedent("""\
    Subject: Hello
    To: dana@example.com

    Hi Dana, this offer expires at midnight tonight.
    """)
SITE = "Hi Tom, the spring catalogue is on our site."
# Each fixture: the text it is read as, and its note (line, message).
READINGS = {
    "charset-undefined.eml": (SITE, 5, "unknown charset 'undefined' in the text/plain part: "
                                       "read as ASCII"),
    "charset-idna.eml": (SITE, 5, "unknown charset 'idna' in the text/plain part: read as ASCII"),
    "charset-punycode-8bit.eml": ("Hi Tom, grüße from the café.", 5,
                                  "unknown charset 'punycode' in the text/plain part: "
                                  "read as UTF-8"),
    "charset-default.eml": ("Hi Tom, greetings from the café – see you soon.", 5,
                            "unknown charset 'default_charset' in the text/plain part: "
                            "read as Windows-1252"),
    "charset-utf16-on-ascii.eml": (SITE, 5, "text that is not UTF-16 declared as 'utf-16' in "
                                            "the text/plain part: read as ASCII"),
    "charset-utf32-on-ascii.eml": (SITE, 5, "text that is not UTF-32 declared as 'utf-32' in "
                                            "the text/plain part: read as ASCII"),
    "subject-word-idna.eml": (SITE, 4, "unknown charset 'idna' in an encoded word of the "
                                       "Subject header: read as ASCII"),
    "subject-word-undefined.eml": (SITE, 4, "unknown charset 'undefined' in an encoded word of "
                                            "the Subject header: read as ASCII"),
    "unclosed-multipart.eml": (SITE, 5, 'multipart/mixed is not closed (the "--outer--" line '
                                        "is missing): its last part was read to the end of "
                                        "the file"),
    "base64-then-footer.eml": (SITE, 10, "the text/plain part has text after its base64 data: "
                                         "that text was not read"),
    "unknown-transfer-encoding.eml": (SITE, 6, "unknown Content-Transfer-Encoding 'x-token' in "
                                               "the text/plain part: read as it stands"),
    "meta-undefined.html": (SITE, 1, "unknown charset 'undefined' in <meta charset>: "
                                     "read as ASCII"),
    "meta-punycode.html": (SITE, 1, "unknown charset 'punycode' in <meta charset>: "
                                    "read as ASCII"),
}


def parse_file(path: Path):
    kind = MESSAGE_SUFFIXES.get(path.suffix, "auto")
    return parse_input(InputFile(str(path), kind, path.read_bytes()))


def check(honestreach, *paths: Path, extra: tuple[str, ...] = ()):
    return honestreach("check", "--no-cache", *extra, *map(str, paths))


def entry(report: dict, name: str) -> dict:
    return next(f for f in report["files"] if Path(f["path"]).name == name)


def assert_good_checked(report: dict) -> None:
    good = entry(report, "good.txt")
    assert good["checked"] and good["errors"] == []
    assert any(f["rule"] == "same-day-deadline" for f in good["findings"])


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


def test_the_fixtures_are_the_ones_listed():
    assert sorted(p.name for p in REPAIRABLE.iterdir()) == sorted(READINGS)


@pytest.mark.parametrize("name", sorted(READINGS))
def test_each_flaw_is_repaired_and_noted(name):
    text, line, note = READINGS[name]
    message = parse_file(REPAIRABLE / name)
    assert message.body.text.strip() == text
    assert [(n.line, n.message) for n in message.notes] == [(line, note)]


def test_a_run_over_every_flaw_checks_every_file_and_reports_the_notes(honestreach, good):
    run = check(honestreach, REPAIRABLE, good, extra=("--format", "json"))
    report = run.json
    assert run.code != 2
    assert_good_checked(report)
    for name, (_, line, note) in READINGS.items():
        result = entry(report, name)
        assert result["checked"] and result["errors"] == [], name
        assert result["notes"] == [{"message": note, "line": line}], name
    assert report["summary"]["files_with_errors"] == 0


def test_notes_in_the_text_report_and_quiet_leaves_them_out(honestreach, good):
    path = REPAIRABLE / "charset-default.eml"
    text = check(honestreach, path, good, extra=("--no-color",)).stdout
    assert f"{path}:5: info: {READINGS['charset-default.eml'][2]}" in text.splitlines()
    assert "could not be fully checked" not in text
    quiet = check(honestreach, path, good, extra=("--no-color", "--quiet")).stdout
    assert "info: unknown charset" not in quiet


def test_notes_in_github_and_sarif_reports(honestreach, good):
    path = REPAIRABLE / "unclosed-multipart.eml"
    github = check(honestreach, path, good, extra=("--format", "github")).stdout
    notice = next(line for line in github.splitlines() if line.startswith("::notice"))
    assert notice.startswith(f"::notice file={path},line=5,title=honestreach::multipart/mixed ")
    log = json.loads(check(honestreach, path, good, extra=("--format", "sarif")).stdout)
    (invocation,) = log["runs"][0]["invocations"]
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "note"
    assert notification["message"]["text"] == READINGS["unclosed-multipart.eml"][2]
    assert invocation["executionSuccessful"] is True


# -- generated cases -------------------------------------------------------------------------
def nested_multiparts(depth: int, text_at: int | None) -> bytes:
    """A message of ``depth`` nested multiparts: text at the deepest level, and at level
    ``text_at`` too when given."""
    lines = ["From: rosa@lindworks.example", "Subject: Layers", "MIME-Version: 1.0"]
    for level in range(depth):
        lines += [f'Content-Type: multipart/mixed; boundary="layer{level}"', "", f"--layer{level}"]
        if level == text_at:
            lines += ["Content-Type: text/plain", "", "The upper layer has the words.",
                      f"--layer{level}"]
    lines += ["Content-Type: text/plain", "", "The deepest layer has words too."]
    lines += [f"--layer{level}--\n" for level in reversed(range(depth))]
    return "\n".join(lines).encode()


def test_multiparts_nested_too_deep_are_cut_at_a_sane_depth(tmp_path):
    shallow = tmp_path / "shallow.eml"
    shallow.write_bytes(nested_multiparts(MAX_DEPTH, None))
    assert parse_file(shallow).body.text == "The deepest layer has words too."

    deep = tmp_path / "deep.eml"
    deep.write_bytes(nested_multiparts(980, 3))
    message = parse_file(deep)
    assert message.body.text == "The upper layer has the words."
    (note,) = message.notes
    assert note.message == (f"multiparts are nested more than {MAX_DEPTH} deep: the parts "
                            "deeper than that were not read")

    deep.write_bytes(nested_multiparts(980, None))
    with pytest.raises(ParseError) as caught:
        parse_file(deep)
    assert caught.value.message == (
        f"no text/plain or text/html part in the first {MAX_DEPTH} levels of nested multiparts "
        "(deeper parts are not read): nothing to check")
    assert caught.value.line == 4 + 3 * MAX_DEPTH  # the first multipart too deep to read


def assert_body_in_place(message, opening: str) -> None:
    """The body begins with ``opening``, and its characters point to where the file holds
    them (a quoted-printable "=C3=A9" is longer in the file than its "é")."""
    assert message.body.text.startswith(opening)
    first = min(message.body.origins)
    assert message.source.text[first:first + len(opening)] == opening
    assert max(message.body.origins) <= len(message.source.text)


def test_a_plain_text_body_that_holds_nesting_too_deep_keeps_its_place(tmp_path):
    """The nesting is cut in the text the email package reads; the body is still found where
    the file holds it, so every character points into the file."""
    path = tmp_path / "pasted.eml"
    layers = nested_multiparts(MAX_DEPTH + 5, None).split(b"\n", 3)[3]
    path.write_bytes(b"From: rosa@lindworks.example\nSubject: Pasted\nContent-Type: text/plain"
                     b"\n\nBelow is what the relay sent back.\n\n" + layers)
    assert_body_in_place(parse_file(path), "Below is what the relay sent back.")


def test_a_multipart_whose_lines_end_in_a_lone_cr_keeps_its_places(tmp_path):
    """Old Mac mail ends lines in a lone CR, which the delimiter search does not see: the
    text part is still found where the file holds it."""
    path = tmp_path / "old-mac.eml"
    lines = ["From: rosa@lindworks.example", "Subject: Menu", "MIME-Version: 1.0",
             'Content-Type: multipart/alternative; boundary="menu"', "", "--menu",
             "Content-Type: text/plain; charset=utf-8",
             "Content-Transfer-Encoding: quoted-printable", "",
             "Hi Tom,", "", "The caf=C3=A9 menu is attached.", "--menu",
             "Content-Type: text/html; charset=utf-8", "", "<p>Hi Tom,</p>", "--menu--", ""]
    path.write_bytes("\r".join(lines).encode())
    assert_body_in_place(parse_file(path), "Hi Tom,")


def test_a_nul_byte_in_a_charset_name_past_the_sniffed_start(tmp_path):
    path = tmp_path / "nul.eml"
    path.write_bytes(b"From: rosa@lindworks.example\nSubject: Padded\nX-Padding: "
                     + b"p" * 9000 + b'\nContent-Type: text/plain; charset="utf-8\x00"\n\n'
                     + b"Hi Tom, the catalogue is out.\n")
    message = parse_file(path)
    assert message.body.text == "Hi Tom, the catalogue is out.\n"
    assert [n.message for n in message.notes] == [
        "unknown charset 'utf-8\\x00' in the text/plain part: read as ASCII"]


def test_utf16_without_a_byte_order_mark_is_read_as_utf16(tmp_path):
    path = tmp_path / "wide.eml"
    path.write_bytes(b"Subject: Wide\nContent-Type: text/plain; charset=utf-16\n"
                     b"Content-Transfer-Encoding: base64\n\n"
                     + base64.b64encode("Hi Tom, the catalogue is out.\n".encode("utf-16-be")))
    message = parse_file(path)
    assert message.body.text == "Hi Tom, the catalogue is out.\n" and not message.notes


def encoded_word_subject(words: int) -> bytes:
    word = b"=?utf-8?b?4oCT?="  # an en dash
    return (b"From: rosa@lindworks.example\nTo: tom@harbourline.example\nSubject: "
            + b"\n ".join([word] * words) + b"\nMIME-Version: 1.0\n\n"
            + b"Hi Tom, the catalogue is out.\n")


def test_a_header_of_many_encoded_words_is_cut_with_a_note(tmp_path):
    path = tmp_path / "many-words.eml"
    path.write_bytes(encoded_word_subject(17_000))
    message = parse_file(path)
    assert message.subject is not None
    assert set(message.subject.text) <= {"–", " "} and len(message.subject.text) < 2000
    (note,) = message.notes
    assert note.line == 3 and note.message.startswith("the Subject header is ")
    assert note.message.endswith(f"only its first {MAX_HEADER_CHARS:,} were read")


def test_a_subject_folded_over_many_lines_is_read_in_bounded_memory() -> None:
    # The fuzzer's input 61327: a Subject of 380,000 folded encoded words. Finding the header
    # with one expression whose group repeats per continuation line took 230 MB.
    data = (b"Subject: " + b"=?x?q?a?=\n " * 200_000
            + b"=?x?q?a?=\nFrom: sam@example.com\n\nHello there.\n")
    tracemalloc.start()
    try:
        message = parse_eml("folded.eml", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.body.text == "Hello there.\n"
    assert message.subject is not None and set(message.subject.text) <= {"a", " "}
    assert message.notes[0].message.startswith("the Subject header is 2,200,010 characters")
    assert peak < 70 * 1024 * 1024, peak  # 41 MB, the email package's own reading included


# The address space a check may use: the email package's header parser needed 2.5 GB for
# 17,000 encoded words, and more than 6 GB for 32,000.
MEMORY_LIMIT = 1024 * 1024 * 1024
LIMITED = textwrap.dedent("""\
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from honestreach.cli import main
    sys.argv = ["honestreach", *sys.argv[1:]]
    main()
    """)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                    reason="RLIMIT_AS is enforced on Linux")
def test_memory_stays_bounded_on_headers_of_many_encoded_words(tmp_path, good):
    paths = []
    for words in (17_000, 32_000):
        path = tmp_path / f"words-{words}.eml"
        path.write_bytes(encoded_word_subject(words))
        paths.append(str(path))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    completed = subprocess.run(
        [sys.executable, "-c", LIMITED.format(limit=MEMORY_LIMIT), "check", "--no-cache",
         "--format", "json", *paths, str(good)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert "Traceback" not in completed.stderr and completed.returncode != 2, completed.stderr
    report = json.loads(completed.stdout)
    validate_report(report)
    assert_good_checked(report)
    for words in (17_000, 32_000):
        result = entry(report, f"words-{words}.eml")
        assert result["checked"] and result["notes"], words


def test_text_over_a_million_characters_does_not_stop_the_run(honestreach, tmp_path, good):
    long = tmp_path / "long.txt"
    # A tactic far down a long text is past what the phrase rules read; the note says so.
    long.write_text("Subject: Notes\n\n" + "All the notes from the fair are here. " * 28_000
                    + "Only 2 seats left!\n")
    run = check(honestreach, long, good, extra=("--format", "json"))
    report = run.json
    assert_good_checked(report)
    result = entry(report, "long.txt")
    assert result["checked"] and result["errors"] == []
    assert [note["message"] for note in result["notes"]] == [
        "the body is 1,064,019 characters long: the phrase rules read its first 100,000",
        "the body is 1,064,019 characters long: the compliance, emphasis and score checks read "
        "its first 100,000 and last 20,000"]
    assert not {f["category"] for f in result["findings"]} & {"scarcity", "urgency"}
