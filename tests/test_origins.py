"""Where each checked character came from, stored compactly (model.Origins): the same answers as
a tuple with one offset per character, for every caller that maps text back to the file."""

from __future__ import annotations

import base64
import quopri

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honestreach import htmltext
from honestreach.htmltext import html_to_text, parse_html_file
from honestreach.mime import parse_eml
from honestreach.mime.file import EmlFile
from honestreach.model import Location, Message, Origins, TextField

# Offsets as producers give them: runs counting up (text as it stands), runs of one repeated
# offset (entities, decoded sequences, quote prefixes) and jumps.
_RUN = st.tuples(st.sampled_from(("up", "same", "jump", "down")), st.integers(1, 12),
                 st.integers(0, 5000))


def _offsets(runs: list[tuple[str, int, int]]) -> list[int]:
    offsets: list[int] = []
    at = 0
    for kind, length, jump in runs:
        if kind == "up":
            offsets.extend(range(at, at + length))
            at += length
        elif kind == "same":
            offsets.extend([at] * length)
        elif kind == "down":
            offsets.extend(range(at + length, at, -1))
        else:
            at = jump
            offsets.append(at)
    return offsets


@settings(max_examples=300, deadline=None)
@given(st.lists(_RUN, max_size=40), st.data())
def test_origins_read_like_the_tuple_of_offsets(runs, data):
    reference = tuple(_offsets(runs))
    origins = Origins.of(reference)
    assert len(origins) == len(reference)
    assert tuple(origins) == reference and origins == reference
    assert [origins[i] for i in range(-len(reference), len(reference))] == list(reference * 2)
    start = data.draw(st.integers(-5, len(reference) + 5))
    stop = data.draw(st.integers(-5, len(reference) + 5))
    assert tuple(origins[start:stop]) == reference[start:stop]
    assert tuple(origins[start:stop][1:-1]) == reference[start:stop][1:-1]
    assert tuple(origins[::2]) == reference[::2]


def test_origins_keep_a_range_as_a_range_and_anything_else_in_an_array():
    verbatim = Origins.of(range(7, 19))
    assert tuple(verbatim) == tuple(range(7, 19)) and isinstance(verbatim._values, range)
    assert isinstance(verbatim[2:5]._values, range) and tuple(verbatim[2:5]) == (9, 10, 11)
    assert tuple(Origins.of(range(3, 3))) == ()
    decoded = Origins.of(iter([5] * 1000 + list(range(100, 2_100))))
    assert decoded == [5] * 1000 + list(range(100, 2_100))
    assert decoded._values.itemsize == 8  # 8 bytes a character, no Python int objects


def _reference_location(message: Message, origins: tuple[int, ...], start: int,
                        end: int) -> Location:
    """Location as it was computed from a tuple with one offset per character."""
    text = message.body.text
    if not text:
        file_start = file_end = origins[0] if origins else 0
    else:
        start = max(0, min(start, len(text) - 1))
        end = max(start + 1, min(end, len(text)))
        file_start, file_end = origins[start], origins[end - 1] + 1
    line, column = message.source.position(file_start)
    end_line, end_column = message.source.position(max(file_start, file_end - 1))
    return Location(line, column, end_line, end_column + 1)


def _eml(content_type: str, encoding: str, body: str) -> bytes:
    raw = body.encode("utf-8")
    encoded = quopri.encodestring(raw) if encoding == "quoted-printable" \
        else base64.encodebytes(raw)
    head = ("From: Ana <ana@example.com>\nTo: bo@example.com\nSubject: Notes\n"
            f"MIME-Version: 1.0\nContent-Type: {content_type}; charset=utf-8\n"
            f"Content-Transfer-Encoding: {encoding}\n\n")
    return head.encode("ascii") + encoded


def _reference_origins(data: bytes, html: bool) -> tuple[int, ...]:
    """One offset per character, computed as before: a tuple of ints."""
    eml = EmlFile(data)
    leaf = eml.leaves(eml.parse())[0]
    text, origins = eml.text_of(leaf)
    if html:
        visible, html_origins, _ = html_to_text(text)
        origins = [origins[i] for i in html_origins]
    return tuple(eml.char_offset(o) for o in origins)


_WORDS = st.sampled_from(("Hello", "café", "naïve", "日本", "🙂", "a", "  ", "\n", "\t", "=",
                          "x" * 90, "déjà vu", "\r\n"))
_MARKUP = st.sampled_from(("<p>", "</p>", "<br>", "<blockquote>", "</blockquote>", "<pre>",
                           "</pre>", "&amp;", "&nbsp;", "&eacute;", "&#x1F642;", "<li>", "<td>",
                           "<a href='https://example.com'>", "</a>", "<b>", "</b>",
                           "<div class=gmail_quote>", "</div>", "<!-- c -->", "<script>x</script>"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(("quoted-printable", "base64")), st.booleans(),
       st.lists(st.one_of(_WORDS, _MARKUP), min_size=1, max_size=60), st.data())
def test_decoded_and_html_bodies_map_like_a_tuple_of_offsets(encoding, html, pieces, data):
    body = "".join(pieces) if html else "".join(p for p in pieces if not p.startswith(("<", "&")))
    if not body.strip():
        body += "Hello"
    eml = _eml("text/html" if html else "text/plain", encoding, body)
    message = parse_eml("draft.eml", eml)
    reference = _reference_origins(eml, html)
    assert isinstance(message.body.origins, Origins)
    assert tuple(message.body.origins) == reference
    size = len(message.body.text)
    for _ in range(5):
        start = data.draw(st.integers(0, size))
        end = data.draw(st.integers(start, size + 1))
        assert message.location("body", start, end) == \
            _reference_location(message, reference, start, end)


def test_a_text_field_keeps_any_sequence_as_origins():
    text_field = TextField("abc", (4, 4, 9))
    assert isinstance(text_field.origins, Origins)
    assert text_field.file_span(0, 3) == (4, 10)
    assert text_field == TextField("abc", [4, 4, 9])
    assert TextField.verbatim("abcd", 10).file_span(1, 3) == (11, 13)


# -- how far HTML may expand into text ------------------------------------------------------------
def _deep_quotes(depth: int, lines: int) -> str:
    """HTML whose quote prefixes ('>' per level, on every line) make its text far longer."""
    return "<html><body>" + "<blockquote>" * depth + "line<br>" * lines + "</body></html>"


def test_html_text_stops_at_its_limit_with_a_note(monkeypatch, tmp_path):
    monkeypatch.setattr(htmltext, "TEXT_LIMIT_FLOOR", 20_000)
    html = _deep_quotes(300, 200)  # about 60,000 characters of text from 5,200 of HTML
    limit = htmltext.text_limit(len(html))
    assert limit == 20_000 < 300 * 200

    message = parse_html_file("deep.html", html)
    assert limit - 400 < len(message.body.text) <= limit
    assert message.body.text.startswith(">" * 300 + " line")
    assert [n.message for n in message.notes] == [
        "the HTML expands to more than 20,000 characters of text (nested quoting?): only the "
        "first are read"]
    assert message.notes[0].line == 1

    eml = ("From: ana@example.com\nTo: bo@example.com\nSubject: Deep\nMIME-Version: 1.0\n"
           "Content-Type: text/html\n\n" + html).encode("ascii")
    parsed = parse_eml("deep.eml", eml)
    assert parsed.body.text == message.body.text
    assert [n.message for n in parsed.notes] == [n.message for n in message.notes]
    assert parsed.notes[0].line == 7  # the body starts after 5 headers and a blank line


def test_no_size_note_when_the_text_alternative_is_the_body_checked(monkeypatch):
    monkeypatch.setattr(htmltext, "TEXT_LIMIT_FLOOR", 20_000)
    html = _deep_quotes(300, 200)
    part = "--b\nContent-Type: text/{}\n\n{}\n"
    eml = ("From: ana@example.com\nTo: bo@example.com\nSubject: Deep\nMIME-Version: 1.0\n"
           "Content-Type: multipart/alternative; boundary=b\n\n"
           + part.format("plain", "The plain text, read whole.")
           + part.format("html", html) + "--b--\n").encode("ascii")
    parsed = parse_eml("alternative.eml", eml)
    assert parsed.body.text.strip() == "The plain text, read whole."
    assert parsed.notes == ()
    # Without its text/plain part the HTML is the body, cut short: the note stays.
    html_only = eml.replace(b"Content-Type: text/plain", b"Content-Type: image/png")
    assert [n.message for n in parse_eml("html-only.eml", html_only).notes] == [
        "the HTML expands to more than 20,000 characters of text (nested quoting?): only the "
        "first are read"]


def test_html_stops_at_its_tag_limit_with_a_note():
    # 1.4 million empty <b> tags in a 4 MB part took over 10 CPU s to read.
    pairs = htmltext.TAG_LIMIT // 2 - 1  # with the first <p></p>: the limit, exactly
    html = "<p>Seen first.</p>" + "<b></b>" * pairs + "<p>Never read.</p>"
    eml = ("From: ana@example.com\nTo: bo@example.com\nSubject: Tags\nMIME-Version: 1.0\n"
           "Content-Type: text/html\n\n" + html).encode("ascii")
    parsed = parse_eml("tags.eml", eml)
    assert parsed.body.text == "Seen first."
    assert [(n.message, n.line) for n in parsed.notes] == [
        ("the HTML has more than 100,000 tags: only the text before tag 100,001 is read", 7)]
    # Two tags fewer, all are read.
    whole = parse_eml("tags.eml", eml.replace(b"<b></b><p>Never", b"<p>Never"))
    assert whole.body.text == "Seen first.\n\nNever read." and whole.notes == ()


def test_html_within_its_limit_is_read_whole(monkeypatch):
    monkeypatch.setattr(htmltext, "TEXT_LIMIT_FLOOR", 5_000)
    html = _deep_quotes(3, 400)
    message = parse_html_file("quoted.html", html)
    assert message.body.text.count("line") == 400
    assert message.notes == ()
