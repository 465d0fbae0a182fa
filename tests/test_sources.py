"""Finding and reading inputs: files, folders, standard input, and every way they go wrong."""

from __future__ import annotations

import io
import os
import socket
import tracemalloc
from pathlib import Path

import pytest

from honestreach.message import ParseError
from honestreach.sources import (
    DEFAULT_MAX_BYTES,
    MESSAGE_SUFFIXES,
    InputFile,
    InputProblem,
    iter_inputs,
    parse_input,
)

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
DRAFT = "Subject: Hello\nTo: dana@example.com\n\nHi Dana, the offer ends tonight.\n"


def inputs(*paths: str | Path, stdin: bytes | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
    stream = io.BytesIO(stdin) if stdin is not None else None
    return list(iter_inputs([str(p) for p in paths], stdin=stream, max_bytes=max_bytes))


def only_problem(*paths: str | Path, **kwargs) -> InputProblem:
    (item,) = inputs(*paths, **kwargs)
    assert isinstance(item, InputProblem), item
    assert "\n" not in item.message
    return item


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# -- discovering ---------------------------------------------------------------------------------
def test_folders_are_read_recursively_sorted_without_hidden_or_cache_dirs(tmp_path):
    for name in ["b.txt", "a.eml", "sub/c.md", "sub/deeper/d.html", "z.htm", ".git/x.txt",
                 "__pycache__/y.txt", ".hidden.txt", "notes.csv", ".drafts/e.txt"]:
        write(tmp_path / name, DRAFT)
    items = inputs(tmp_path)
    assert [Path(i.path).relative_to(tmp_path).as_posix() for i in items] == [
        "a.eml", "b.txt", "sub/c.md", "sub/deeper/d.html", "z.htm"
    ]
    assert [i.kind for i in items] == ["eml", "draft", "draft", "html", "html"]
    assert all(isinstance(i, InputFile) and i.data == DRAFT.encode() for i in items)


def test_inputs_come_in_the_order_given_with_stdin_and_problems_in_place(tmp_path):
    first = write(tmp_path / "first.txt", DRAFT)
    folder = tmp_path / "folder"
    write(folder / "inner.md", DRAFT)
    items = inputs(first, tmp_path / "missing.eml", "-", folder, stdin=b"From stdin\n")
    assert [(type(i).__name__, Path(i.path).name) for i in items] == [
        ("InputFile", "first.txt"), ("InputProblem", "missing.eml"), ("InputFile", "-"),
        ("InputFile", "inner.md"),
    ]
    assert items[2] == InputFile("-", "stdin", b"From stdin\n")


def test_suffixes_are_a_table():
    assert MESSAGE_SUFFIXES == {
        ".eml": "eml", ".txt": "draft", ".md": "draft", ".html": "html", ".htm": "html",
        ".j2": "template", ".jinja": "template", ".jinja2": "template", ".liquid": "template",
        ".outreach": "template", ".salesloft": "template", ".hubl": "template",
        ".mailchimp": "template", ".sfmc": "template",
    }


# -- what goes wrong -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["campaign.jsonl", "export.CSV", "Sent.mbox", "rows.jsonl.gz"])
def test_a_campaign_file_points_to_audit(tmp_path, name):
    path = tmp_path / name
    path.write_text('{"to": "ana@example.com", "body": "Only 2 seats left!"}\n')
    assert only_problem(path).message == (
        "holds many messages (a campaign export or a mailbox): "
        f"`honestreach audit {path}` checks each one")


def test_missing_path(tmp_path):
    assert only_problem(tmp_path / "nope.eml").message == "no such file or directory"


def test_folder_without_messages(tmp_path):
    write(tmp_path / "data" / "notes.csv", "a,b\n")
    write(tmp_path / "data" / ".git" / "hidden.txt", DRAFT)
    problem = only_problem(tmp_path / "data")
    assert problem.path == str(tmp_path / "data")
    assert problem.message.startswith("no messages in this folder")
    assert ".eml" in problem.message


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b" \n\t\r\n", "empty file: only white space"),
     (b"\xef\xbb\xbf\n\n", "empty file: only white space")],
)
def test_empty_and_blank_files(tmp_path, content, message):
    assert only_problem(write(tmp_path / "blank.txt", content)).message == message


def test_huge_file_is_refused_without_being_read(tmp_path):
    big = tmp_path / "big.eml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    tracemalloc.start()
    try:
        problem = only_problem(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem.message.startswith("too large: 50.0 MiB is larger than the 10.0 MiB limit")
    assert peak < 1024 * 1024


def test_max_bytes_is_configurable(tmp_path):
    path = write(tmp_path / "draft.txt", DRAFT)
    assert "larger than" in only_problem(path, max_bytes=10).message
    assert isinstance(inputs(path, max_bytes=len(DRAFT))[0], InputFile)


def test_too_much_standard_input():
    problem = only_problem("-", stdin=b"x" * 2048, max_bytes=1024)
    assert problem.path == "-"
    assert problem.message.startswith("too large: more than")


def test_empty_standard_input():
    assert only_problem("-", stdin=b"").message == "empty file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="file permissions do not stop root (or Windows) from reading")
def test_file_without_read_permission(tmp_path):
    path = write(tmp_path / "secret.txt", DRAFT)
    path.chmod(0)
    try:
        assert only_problem(path).message == "cannot read: permission denied"
    finally:
        path.chmod(0o600)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix domain sockets")
def test_file_that_cannot_be_opened(tmp_path, monkeypatch):
    # A socket is a file no one can open, root included.
    monkeypatch.chdir(tmp_path)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("inbox.eml")
        problem = only_problem("inbox.eml")
    assert problem.message.startswith("cannot read: ")


def test_one_problem_does_not_stop_the_rest(tmp_path):
    good = write(tmp_path / "good.txt", DRAFT)
    empty = write(tmp_path / "empty.txt", "")
    items = inputs(empty, tmp_path / "gone.md", good)
    assert [type(i) for i in items] == [InputProblem, InputProblem, InputFile]


# -- parsing by kind -----------------------------------------------------------------------------
def parse(tmp_path: Path, name: str, content: str | bytes):
    (item,) = inputs(write(tmp_path / name, content))
    assert isinstance(item, InputFile)
    return parse_input(item)


def test_draft_in_utf8_with_and_without_bom(tmp_path):
    plain = parse(tmp_path, "plain.txt", DRAFT)
    bom = parse(tmp_path, "bom.txt", b"\xef\xbb\xbf" + DRAFT.encode())
    for message in (plain, bom):
        assert message.subject is not None and message.subject.text == "Hello"
        assert message.location("subject", 0, 5).column == len("Subject: ") + 1
        assert message.recipients == ("dana@example.com",)
        assert message.body.text == "Hi Dana, the offer ends tonight.\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_draft_in_utf16_with_bom(tmp_path, encoding):
    data = DRAFT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    message = parse(tmp_path, "wide.md", data)
    assert message.subject is not None and message.subject.text == "Hello"
    assert message.body.text == "Hi Dana, the offer ends tonight.\n"


def test_draft_that_is_not_utf8_is_read_as_windows_1252_with_a_note(tmp_path):
    message = parse(tmp_path, "latin.txt", "Subject: Hi\n\nGrüße aus München – 5 €".encode("cp1252"))
    assert message.body.text == "Grüße aus München – 5 €"
    assert [(n.message, n.line) for n in message.notes] == [
        ("not UTF-8 text (byte 0xFC): read as Windows-1252; save it as UTF-8 to be sure", 3)]
    with_bom = parse(tmp_path, "bom.txt", b"\xef\xbb\xbfSubject: Hi\n\nCaf\xe9")
    assert with_bom.subject is not None and with_bom.subject.text == "Hi"
    assert with_bom.body.text == "Café"


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
     bytes(range(1, 9)) * 200 + b"some text"],
    ids=["nul-bytes", "control-characters"],
)
@pytest.mark.parametrize("name", ["image.txt", "image.eml", "image.html", "image"])
def test_binary_file(tmp_path, content, name):
    with pytest.raises(ParseError, match="^binary file, not a message$"):
        parse(tmp_path, name, content)


def test_html_draft_honours_meta_charset(tmp_path):
    html = '<html><head><meta charset="windows-1252"><title>Offer</title></head>' \
           "<body><p>\x93Early access\x94 for \x8020</p></body></html>"
    message = parse(tmp_path, "offer.html", html.encode("latin-1"))
    assert message.html
    assert message.subject is not None and message.subject.text == "Offer"
    assert message.body.text == "“Early access” for €20"
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    message = parse(tmp_path, "old.htm", f"{http_equiv}<p>Café</p>".encode("latin-1"))
    assert message.body.text == "Café"


def test_html_draft_defaults_to_utf8(tmp_path):
    assert parse(tmp_path, "a.html", "<p>Café — ok</p>").body.text == "Café — ok"
    latin = parse(tmp_path, "b.html", "<p>Café</p>".encode("latin-1"))
    assert latin.body.text == "Café"
    assert [n.message for n in latin.notes] == [
        "not UTF-8 text (byte 0xE9): read as Windows-1252; save it as UTF-8 or declare "
        "<meta charset> to be sure"]
    wrong = parse(tmp_path, "c.html", '<meta charset="utf-8"><p>Café</p>'.encode("latin-1"))
    assert wrong.body.text == "Café"
    assert [n.message for n in wrong.notes] == [
        "not 'utf-8' text as its <meta charset> says (byte 0xE9): read as Windows-1252"]


@pytest.mark.parametrize(
    ("charset", "content", "text", "reading"),
    [("x-nonsense", "<p>Hello</p>".encode(), "Hello", "ASCII"),
     ("undefined", "<p>Café</p>".encode(), "Café", "UTF-8"),
     ("punycode", "<p>Café</p>".encode("cp1252"), "Café", "Windows-1252")],
)
def test_html_draft_with_unknown_meta_charset(tmp_path, charset, content, text, reading):
    message = parse(tmp_path, "c.html", f'\n<meta charset="{charset}">'.encode() + content)
    assert message.body.text == text
    assert [(n.message, n.line) for n in message.notes] == [
        (f"unknown charset '{charset}' in <meta charset>: read as {reading}", 2)]


def test_eml_file_goes_to_the_mime_parser(tmp_path):
    message = parse(tmp_path, "m.eml", (FIXTURES / "alternative-qp.eml").read_bytes())
    assert message.subject is not None
    assert message.subject.text == "Café notes — your forecast rollups"


def test_eml_parse_errors_and_notes_come_through(tmp_path):
    with pytest.raises(ParseError, match="no text/plain or text/html part"):
        parse(tmp_path, "n.eml", (FIXTURES / "no-text-part.eml").read_bytes())
    message = parse(tmp_path, "b.eml", (FIXTURES / "broken-boundary.eml").read_bytes())
    assert "never appears" in message.notes[0].message


# -- sniffing standard input ---------------------------------------------------------------------
def parse_stdin(data: bytes):
    (item,) = inputs("-", stdin=data)
    assert isinstance(item, InputFile) and item.kind == "stdin"
    return parse_input(item)


def test_stdin_with_mime_headers_is_an_eml():
    message = parse_stdin((FIXTURES / "alternative-qp.eml").read_bytes())
    assert message.path == "-"
    assert message.subject is not None
    assert message.subject.text == "Café notes — your forecast rollups"
    assert message.headers["message-id"] == "<qp-1@tallwater.example.com>"


@pytest.mark.parametrize("header", ["Received: from mx.example.com", "Message-ID: <a@b>",
                                    "MIME-Version: 1.0", "Content-Type: text/plain"])
def test_stdin_sniffing_looks_for_mail_only_headers(header):
    message = parse_stdin(f"From: a@example.com\n{header}\nSubject: Hi\n\nBody text\n".encode())
    # Read as an .eml (a draft's header block would stop at the unknown header).
    assert message.subject is not None and message.subject.text == "Hi"
    assert message.body.text.strip() == "Body text"
    assert message.sender == "a@example.com"


def test_stdin_mbox_style_message_is_an_eml():
    message = parse_stdin(b"From a@example.com Thu Jan  1 00:00:00 2026\n"
                          b"Message-ID: <x@example.com>\nSubject: Hi\n\nHello.\n")
    assert message.headers["message-id"] == "<x@example.com>"
    assert message.body.text == "Hello.\n"


def test_stdin_draft_with_simple_headers_is_a_draft():
    message = parse_stdin(DRAFT.encode())
    assert message.subject is not None and message.subject.text == "Hello"
    assert message.headers == {"subject": "Hello", "to": "dana@example.com"}
    assert not message.html


def test_stdin_plain_text_is_a_draft():
    message = parse_stdin(b"Hi Dana,\n\nMessage-ID: is not a header here.\n")
    assert message.subject is None
    assert message.body.text.startswith("Hi Dana,")


def test_stdin_html_document_is_html():
    message = parse_stdin(b"<!-- draft -->\n<!DOCTYPE html><html><body><p>Hi <b>Dana</b></p>")
    assert message.html and message.body.text == "Hi Dana"


def test_named_file_with_another_suffix_is_sniffed(tmp_path):
    message = parse(tmp_path, "message", (FIXTURES / "mixed-base64.eml").read_bytes())
    assert message.subject is not None and message.subject.text == "Proposal as discussed"
    assert "ten percent off" in message.body.text


def test_fixture_folder_yields_every_message_with_its_kind():
    items = inputs(FIXTURES)
    kinds = {Path(i.path).name: i.kind for i in items if isinstance(i, InputFile)}
    assert kinds["plain-draft.txt"] == "draft"
    assert kinds["invitation.html"] == "html"
    assert kinds["alternative-qp.eml"] == "eml"
    assert [Path(i.path).name for i in items] == sorted(kinds)
    draft = parse_input(next(i for i in items if i.path.endswith("plain-draft.txt")))
    assert draft.subject is not None
    assert draft.subject.text == "Quick question about your hiring plans"
    assert draft.recipients == ("hannah.cole@fernhillgames.example.net",)
    assert draft.signature_start == draft.body.text.index("Best,\nPriya")


def test_the_sender_display_name_is_checked_like_the_subject(tmp_path) -> None:
    from honestreach.engine import Engine
    from honestreach.message import parse_draft
    from honestreach.rules import load_rules

    text = 'From: "Offer ends tonight" <deals@example.com>\nSubject: Spring plans\n\nHi Lee.\n'
    message = parse_draft("draft.txt", text)
    assert message.sender_name is not None and message.sender_name.text == "Offer ends tonight"
    found = Engine(load_rules().rules).check(message).findings
    sender = [f for f in found if f.field == "sender"]
    assert sender and sender[0].location.line == 1 and "ends tonight" in sender[0].text
    bare = parse_draft("draft.txt", "From: deals@example.com\n\nHi.\n")
    assert bare.sender_name is None


def test_an_alarm_in_the_sender_display_name_is_an_urgent_subject() -> None:
    from honestreach.engine import Engine
    from honestreach.message import parse_draft
    from honestreach.rules import load_rules

    engine = Engine(load_rules().rules)

    def alarms(sender: str) -> list[str]:
        message = parse_draft("draft.txt", f"From: {sender}\nSubject: Spring plans\n\nHi Lee.\n")
        return [f.text for f in engine.check(message).findings
                if f.rule == "urgent-subject" and f.field == "sender"]

    assert alarms('"Deadline Alert (Campaign HQ)" <team@example.org>') == ["Deadline Alert"]
    assert alarms('"[URGENT] Member Services" <team@example.org>') == ["[URGENT"]
    assert alarms('"Northside Urgent Care" <front.desk@example.org>') == []
    assert alarms('"Priya Raman, Fernhill" <priya@example.org>') == []
    # An alarm phrase that runs into an organisation word is the organisation's name.
    assert alarms('"Last Call Media" <hello@example.org>') == []
    assert alarms('"Dana at Last Chance Rescue" <dana@example.org>') == []
    assert alarms('"ASAP Couriers Ltd" <desk@example.org>') == []
    assert alarms('"Final Notice Team" <team@example.org>') == ["Final Notice"]
    assert alarms('"LAST CHANCE: Member Offers" <team@example.org>') == ["LAST CHANCE"]


def test_an_eml_sender_display_name_is_decoded_and_located(tmp_path) -> None:
    from honestreach.sources import InputFile, parse_input

    raw = (b"From: =?utf-8?q?Final_notice_=E2=80=93_expires_tonight?= <news@example.com>\r\n"
           b"To: lee@example.org\r\nSubject: Spring\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello Lee.\r\n")
    message = parse_input(InputFile("m.eml", "eml", raw))
    assert message.sender_name is not None
    assert message.sender_name.text == "Final notice – expires tonight"
    line, column = message.source.position(message.sender_name.origins[0])
    assert (line, column) == (1, 7)
