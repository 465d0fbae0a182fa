"""Parsing .eml files: structure, decoding, and positions that point at the encoded text."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from honestreach.message import ParseError
from honestreach.mime import parse_eml
from honestreach.model import Location, Message

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def load(name: str) -> Message:
    path = FIXTURES / name
    return parse_eml(str(path), path.read_bytes())


def parse_bytes(tmp_path: Path, data: bytes, name: str = "message.eml") -> Message:
    path = tmp_path / name
    path.write_bytes(data)
    return parse_eml(str(path), path.read_bytes())


def locate(message: Message, phrase: str, field: str = "body") -> Location:
    text_field = message.field_text(field)  # type: ignore[arg-type]
    assert text_field is not None
    start = text_field.text.index(phrase)
    return message.location(field, start, start + len(phrase))  # type: ignore[arg-type]


def at(message: Message, location: Location) -> str:
    """The file's text from a location to the end of its line."""
    return message.source.line(location.line)[location.column - 1:]


def spanned(message: Message, location: Location) -> str:
    """The file's text a one-line location covers."""
    assert location.line == location.end_line
    return message.source.line(location.line)[location.column - 1:location.end_column - 1]


def line_number(message: Message, prefix: str) -> int:
    """The number of the first line of the file that starts with ``prefix``."""
    text = message.source.text.replace("\r\n", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starts with {prefix!r}")


# -- multipart/alternative with a quoted-printable plain part ------------------------------------
def test_plain_part_of_alternative_is_the_body():
    message = load("alternative-qp.eml")
    assert not message.html
    assert message.body.text.startswith("Hi Renée,\n\nThanks for the call on Tuesday.")
    assert "we talked about — it takes ten minutes to set up.\n" in message.body.text
    assert "<p>" not in message.body.text


def test_position_after_a_soft_line_break():
    message = load("alternative-qp.eml")
    location = locate(message, "out — it takes")
    assert location.line == line_number(message, "out =E2=80=94 it takes")
    assert location.column == 1
    before = locate(message, "talked ab")
    assert before.line == location.line - 1
    assert at(message, before).startswith("talked ab=")


def test_position_of_and_after_an_encoded_sequence():
    message = load("alternative-qp.eml")
    dash = locate(message, "—")
    assert at(message, dash).startswith("=E2=80=94 it takes")
    after = locate(message, "it takes ten")
    assert (after.line, after.column) == (dash.line, dash.column + len("=E2=80=94 "))
    assert spanned(message, locate(message, "Renée,")) == "Ren=C3=A9e,"


def test_encoded_word_subject_folded_over_two_lines():
    message = load("alternative-qp.eml")
    assert message.subject is not None
    assert message.subject.text == "Café notes — your forecast rollups"
    assert message.headers["subject"] == message.subject.text
    first = locate(message, "Café", "subject")
    assert first.line == line_number(message, "Subject:")
    assert at(message, first).startswith("=?utf-8?q?Caf=C3=A9_notes")
    assert at(message, locate(message, "é", "subject")).startswith("=C3=A9_notes")
    assert at(message, locate(message, "your", "subject")) == "your"
    folded = locate(message, "forecast rollups", "subject")
    assert (folded.line, folded.column) == (first.line + 1, 2)
    assert spanned(message, folded) == "forecast rollups"


def test_headers_recipients_and_links():
    message = load("alternative-qp.eml")
    headers = message.headers
    assert headers["to"] == (
        'Renée Dubois <renee.dubois@corvid.example.com>, "Lee, Sam" <sam.lee@corvid.example.com>'
    )
    assert headers["message-id"] == "<qp-1@tallwater.example.com>"
    assert headers["in-reply-to"] == "<renee-0914@corvid.example.com>"
    assert headers["list-unsubscribe"].startswith("<mailto:unsubscribe@tallwater.example.com")
    assert message.recipients == (
        "renee.dubois@corvid.example.com", "sam.lee@corvid.example.com", "ops@corvid.example.com"
    )
    assert message.sender == "maya.okafor@tallwater.example.com"
    assert message.date is not None and message.date.isoformat() == "2026-09-16T10:14:00-07:00"
    # Links of the HTML part count even though the plain part is the one checked.
    assert message.links == (
        "https://tallwater.example.com/checklist",
        "mailto:unsubscribe@tallwater.example.com?subject=unsubscribe",
        "https://tallwater.example.com/unsubscribe?u=42",
    )


def test_quoted_reply_and_signature():
    message = load("alternative-qp.eml")
    text = message.body.text

    def quoted(phrase: str) -> bool:
        start = text.index(phrase)
        return message.in_quoted(start, start + len(phrase))

    assert quoted("On Mon, 14 Sep 2026 at 09:12, Renée Dubois wrote:")
    assert quoted("Could you send the checklist you mentioned?")
    assert not quoted("Thanks for the call on Tuesday.")
    assert message.signature_start == text.index("Best,\nMaya Okafor")


# -- base64, nested multiparts, attachments ---------------------------------------------------
def test_base64_body_in_nested_multipart_with_attachments():
    message = load("mixed-base64.eml")
    assert message.body.text.startswith("Hi Omar,\n\nFollowing up on our call last Thursday.")
    assert "second year — no deadline" in message.body.text
    assert "Only 3 spots left" not in message.body.text  # a text/plain attachment
    assert not message.html
    assert message.links == ("https://ledgerline.example.net/proposal",)


def test_base64_position_points_at_the_encoding_character():
    message = load("mixed-base64.eml")
    text = message.body.text
    phrase = "ten percent"
    byte_index = len(text[:text.index(phrase)].encode("utf-8"))
    # Independently: that byte's bits begin in base64 character (8 * index) // 6 of the part,
    # whose lines hold 76 characters each.
    char_index = (8 * byte_index) // 6
    first_line = line_number(message, "SGkgT21hciwK")
    location = locate(message, phrase)
    assert (location.line, location.column) == (first_line + char_index // 76,
                                                char_index % 76 + 1)
    group_start = location.column - 1 - (location.column - 1) % 4
    group = message.source.line(location.line)[group_start:group_start + 4]
    assert "ten"[0] in base64.b64decode(group).decode("utf-8", "replace")


@pytest.mark.parametrize("name", ["alternative-qp.eml", "mixed-base64.eml", "html-only.eml"])
def test_crlf_line_endings_give_the_same_text_and_positions(tmp_path, name):
    lf = load(name)
    crlf_bytes = (FIXTURES / name).read_bytes().replace(b"\n", b"\r\n")
    crlf = parse_bytes(tmp_path, crlf_bytes, name)
    assert crlf.body.text == lf.body.text
    assert "\r" not in crlf.body.text
    assert crlf.quoted == lf.quoted and crlf.links == lf.links

    def positions(message: Message) -> list[tuple[int, int]]:
        fields = [message.body] + ([message.subject] if message.subject else [])
        return [message.source.position(o) for f in fields for o in f.origins]

    assert positions(crlf) == positions(lf)


# -- charsets ---------------------------------------------------------------------------------
def test_iso_8859_1_body_and_subject():
    message = load("latin1.eml")
    assert message.subject is not None and message.subject.text == "Grüße aus München"
    assert "viele Grüße aus München: the café on Torstraße is booked" in message.body.text
    # The file's text is its bytes read as UTF-8: each Latin-1 letter shows as U+FFFD.
    assert spanned(message, locate(message, "München:")) == "M\ufffdnchen:"
    assert spanned(message, locate(message, "Torstraße is")) == "Torstra\ufffde is"
    assert at(message, locate(message, "ü", "subject")).startswith("=FC=DFe_aus")


def test_windows_1252_and_undeclared_8bit(tmp_path):
    declared = parse_bytes(tmp_path, textwrap.dedent("""\
        Subject: Access
        Content-Type: text/plain; charset=windows-1252
        Content-Transfer-Encoding: 8bit

        Your \x93early access\x94 costs \x8020.
        """).encode("latin-1"))
    assert declared.body.text == "Your “early access” costs €20.\n"
    assert spanned(declared, locate(declared, "“early access”")) == "\ufffdearly access\ufffd"

    undeclared = parse_bytes(tmp_path, "Subject: Hi\n\nCafé — déjà vu.\n".encode("utf-8"))
    assert undeclared.body.text == "Café — déjà vu.\n"
    assert spanned(undeclared, locate(undeclared, "déjà vu")) == "déjà vu"
    assert not declared.notes and not undeclared.notes


@pytest.mark.parametrize(
    ("encoding", "reading"), [("utf-8", "UTF-8"), ("cp1252", "Windows-1252")]
)
def test_8bit_text_declared_as_ascii_is_read_as_utf8_else_windows_1252(tmp_path, encoding,
                                                                        reading):
    message = parse_bytes(tmp_path, b"Subject: Hi\nContent-Type: text/plain; charset=us-ascii\n\n"
                                    + "See you at the café – Tuesday.\n".encode(encoding))
    assert message.body.text == "See you at the café – Tuesday.\n"
    assert [(n.message, n.line) for n in message.notes] == [
        (f"8-bit text declared as 'us-ascii' in the text/plain part: read as {reading}", 2)]


def test_shift_jis_body_keeps_positions_after_multibyte_text(tmp_path):
    body = "お世話になっております。Only today: 半額 offer.\n"
    message = parse_bytes(tmp_path, (
        b"Subject: =?shift_jis?b?" + base64.b64encode("ご案内".encode("shift_jis")) + b"?=\n"
        b"Content-Type: text/plain; charset=shift_jis\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + body.encode("shift_jis")
    ))
    assert message.body.text == body
    assert message.subject is not None and message.subject.text == "ご案内"
    assert at(message, locate(message, "Only today")).startswith("Only today: ")
    assert at(message, locate(message, "offer.")) == "offer."
    assert locate(message, "お世話").column == 1


def test_raw_utf8_subject_columns_count_characters(tmp_path):
    message = parse_bytes(tmp_path, "Subject: Café — last call\n\nHello.\n".encode("utf-8"))
    assert message.subject is not None and message.subject.text == "Café — last call"
    location = locate(message, "last call", "subject")
    assert (location.line, location.column) == (1, len("Subject: Café — ") + 1)


def test_character_split_across_adjacent_encoded_words(tmp_path):
    message = parse_bytes(tmp_path, (
        b"Subject: =?utf-8?q?Caf=C3?=\n =?utf-8?q?=A9_owners?= meet-up\n\nHello.\n"
    ))
    assert message.subject is not None and message.subject.text == "Café owners meet-up"
    assert at(message, locate(message, "owners", "subject")).startswith("owners?=")


def test_unknown_charset_in_an_encoded_word_is_read_with_a_note(tmp_path):
    message = parse_bytes(tmp_path,
                          b"To: a@example.com\nSubject: =?x-bogus?q?abc?= news\n\nHello.\n")
    assert message.subject is not None and message.subject.text == "abc news"
    (note,) = message.notes
    assert note.message == ("unknown charset 'x-bogus' in an encoded word of the Subject header: "
                            "read as ASCII")
    assert note.line == 2


def test_encoded_word_with_bad_base64_is_kept_as_written(tmp_path):
    message = parse_bytes(tmp_path, b"Subject: =?utf-8?b?*bad*?= news\n\nHello.\n")
    assert message.subject is not None and message.subject.text == "=?utf-8?b?*bad*?= news"


def test_format_flowed_lines_are_joined(tmp_path):
    message = parse_bytes(tmp_path, textwrap.dedent("""\
        Subject: Flowed
        Content-Type: text/plain; charset=utf-8; format=flowed

        We would love to show you the new \n\
        forecast view next week.

        > Can you send \n\
        > the deck?
        -- \n\
        Ana
        """).encode("utf-8"))
    assert message.body.text == (
        "We would love to show you the new forecast view next week.\n\n"
        "> Can you send the deck?\n-- \nAna\n"
    )
    location = locate(message, "forecast view")
    assert (location.line, location.column) == (5, 1)
    quote = message.body.text.index("> Can you send the deck?")
    assert message.in_quoted(quote, quote + len("> Can you send the deck?"))


# -- HTML-only ----------------------------------------------------------------------------------
def test_html_only_message_text():
    message = load("html-only.eml")
    assert message.html
    assert message.body.text.split("\n") == [
        "Hi Jenna,",
        "",
        "Here's the plan we sketched & the budget—no surprises, I promise.",
        "Read it here.",
        "",
        "Best,",
        "Sam",
        "",
        "Unsubscribe",
        "",
        "> On Mon, 7 Jul 2026, Jenna Park wrote:",
        ">> Can you send the plan? See our brief.",
        ">>",
        ">> Thanks!",
    ]
    assert message.links == (
        "https://quillmark.example.com/ideas/lisbon",
        "mailto:unsubscribe@quillmark.example.com",
    )


def test_html_positions_point_into_the_html_source():
    message = load("html-only.eml")
    assert at(message, locate(message, "'s the plan")).startswith("&#x27;s the plan")
    assert at(message, locate(message, "& the")).startswith("&amp; the")
    assert at(message, locate(message, "budget")).startswith("budget=E2=80=94no")
    assert at(message, locate(message, "—no")).startswith("=E2=80=94no")
    soft = locate(message, ", I promise.")
    assert (soft.line, soft.column) == (line_number(message, ", I promise.<br>"), 1)
    # A line break made by markup maps to the tag that made it.
    newline = message.body.text.index("\n")
    assert at(message, message.location("body", newline, newline + 1)).startswith("</p>")
    assert at(message, locate(message, "Read it here")).startswith("Read it <a href")


def test_html_quoted_reply_and_signature():
    message = load("html-only.eml")
    text = message.body.text

    def quoted(phrase: str) -> bool:
        start = text.index(phrase)
        return message.in_quoted(start, start + len(phrase))

    assert quoted("On Mon, 7 Jul 2026, Jenna Park wrote:")
    assert quoted("Can you send the plan?")
    assert quoted("Thanks!")
    assert not quoted("no surprises")
    assert message.signature_start == text.index("Best,\nSam")
    prefix = text.index(">> Can you")
    assert at(message, message.location("body", prefix, prefix + 1)).startswith("<blockquote")


def test_blank_plain_part_falls_back_to_html(tmp_path):
    message = parse_bytes(tmp_path, textwrap.dedent("""\
        Subject: Hi
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain

        \n\
        --b
        Content-Type: text/html

        <p>Seats are <b>limited</b>.</p>
        --b--
        """).encode())
    assert message.html and message.body.text == "Seats are limited."


# -- malformed input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "body", "words", "line"),
    [
        ("broken-boundary.eml", "--ABC\nContent-Type: text/plain\n\nOnly 3 spots left!\n",
         ['the boundary "XYZ" of the multipart/alternative never appears',
          "read as plain text"], 5),
        ("unclosed-boundary.eml", "The message was cut off in transit",
         ["multipart/alternative is not closed", '"--XYZ--"', "read to the end"], 5),
        ("bad-base64.eml", "Hello there, a fine m",
         ["the text/plain part has text after its base64 data"], 9),
        ("unknown-charset.eml", "Hello there.\n",
         ["unknown charset 'x-klingon-8' in the text/plain part: read as ASCII"], 5),
    ],
)
def test_malformed_messages_are_read_with_a_note(name, body, words, line):
    message = load(name)
    assert message.body.text == body
    (note,) = message.notes
    assert all(word in note.message for word in words), note.message
    assert "\n" not in note.message
    assert note.line == line


def test_a_message_without_a_text_part_is_a_parse_error():
    with pytest.raises(ParseError) as caught:
        load("no-text-part.eml")
    assert caught.value.message == "no text/plain or text/html part: nothing to check"


def test_base64_with_no_data_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError) as caught:
        parse_bytes(tmp_path, b"Subject: x\nContent-Transfer-Encoding: base64\n\n"
                              b"SGVsbG8*gdGhlcmU\n")
    assert caught.value.message == "invalid base64 (unexpected '*') in the text/plain part"
    assert caught.value.line == 4


def test_an_unreadable_part_is_left_out_when_another_can_be_read(tmp_path):
    message = parse_bytes(tmp_path, textwrap.dedent("""\
        Subject: Two parts
        Content-Type: multipart/alternative; boundary="b"

        --b
        Content-Type: text/plain
        Content-Transfer-Encoding: base64

        !!not base64!!
        --b
        Content-Type: text/html

        <p>The shop opens on Monday.</p>
        --b--
        """).encode())
    assert message.html and message.body.text == "The shop opens on Monday."
    (note,) = message.notes
    assert note.message == ("invalid base64 (unexpected '!') in the text/plain part: the part "
                            "was not read")
    assert note.line == 8


def test_base64_cut_short_is_read_without_its_last_character(tmp_path):
    message = parse_bytes(tmp_path, b"Subject: x\nContent-Transfer-Encoding: base64\n\nSGVsbG8gd\n")
    assert message.body.text == "Hello "
    (note,) = message.notes
    assert note.message == ("the base64 data of the text/plain part is cut short: its last "
                            "character was not read")


@pytest.mark.parametrize(
    ("text", "between"),
    [(b"See you at the fair soon.\n", b"\n"), (b"See you at the fair.\n", b"\n\n")],
    ids=["after-padding", "after-a-blank-line"],
)
def test_base64_ends_and_the_footer_after_it_is_noted(tmp_path, text, between):
    encoded = base64.b64encode(text)
    message = parse_bytes(tmp_path, b"Subject: x\nContent-Transfer-Encoding: base64\n\n"
                                    + encoded + between + b"Unsubscribe here\n")
    assert message.body.text == text.decode()
    (note,) = message.notes
    assert note.message == "the text/plain part has text after its base64 data: that text was " \
                           "not read"
    assert note.line == 4 + len(between)


def test_long_boundaries_are_not_kept_in_memory():
    # The email package compiles a regex for each boundary through re's module cache: a
    # worker that reads many junk messages with huge boundaries must not keep them all.
    import gc
    import re

    def junk(index: int) -> bytes:
        boundary = f"{index:06d}" + "b" * 20_000
        return (f"From: a@example.com\nSubject: s\nMIME-Version: 1.0\n"
                f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
                f"--{boundary}\nContent-Type: text/plain\n\nHello.\n--{boundary}--\n").encode()

    for index in range(5):
        assert "Hello." in parse_eml(f"{index}.eml", junk(index)).body.text
    gc.collect()
    kept = [o for o in gc.get_objects() if isinstance(o, re.Pattern)
            and isinstance(o.pattern, str) and "b" * 20_000 in o.pattern]
    assert kept == []
