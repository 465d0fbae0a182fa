"""Visible text of HTML, with every character mapped back into the HTML."""

from __future__ import annotations

from pathlib import Path

from honestreach.htmltext import html_to_text, parse_html_file
from honestreach.message import find_quoted

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def assert_origins_point_at_their_source(html: str, text: str, origins: list[int]) -> None:
    """Each character maps to itself, to the entity that made it, or to a tag (for markup)."""
    assert len(origins) == len(text)
    for char, origin in zip(text, origins):
        source = html[origin]
        if source == "&":
            continue
        if source == "<":
            assert char in "\n >", (char, html[origin:origin + 20])
        elif char == " ":
            assert source.isspace() or source == "\xa0", repr(html[origin:origin + 20])
        else:
            assert source == char, (char, html[origin:origin + 20])


def test_entities_become_one_character_mapped_to_the_entity():
    html = "<p>It&#x27;s 5&nbsp;&amp;&#39;10 &mdash;&copy2 done</p>"
    text, origins, _ = html_to_text(html, base=100)
    assert text == "It's 5 &'10 —©2 done"
    assert origins[text.index("'")] == 100 + html.index("&#x27;")
    assert origins[text.index("&")] == 100 + html.index("&amp;")
    assert origins[text.index("—")] == 100 + html.index("&mdash;")
    assert origins[text.index("©2")] == origins[text.index("©2") + 1] == 100 + html.index("&copy2")
    assert origins[text.index("done")] == 100 + html.index("done")


def test_blocks_break_lines_and_whitespace_collapses():
    html = (
        "<html><body>\n<h1>Pipeline   Live</h1>\n<p>Hi  Dana,\n  thanks\tfor <b>coming</b>"
        "!</p><div>one</div><div><br></div><div>two</div>"
        "<ul><li>first</li><li>second</li></ul>"
        "<table><tr><td>Venue</td><td>Austin</td></tr><tr><td>Date</td></tr></table>"
        "<p>Best,<br>\nDana<br></p></body></html>"
    )
    text, origins, _ = html_to_text(html)
    assert text == (
        "Pipeline Live\n\nHi Dana, thanks for coming!\n\none\n\ntwo\n\nfirst\nsecond\n\n"
        "Venue Austin\nDate\n\nBest,\nDana"
    )
    assert_origins_point_at_their_source(html, text, origins)


def test_script_style_head_and_comments_are_dropped():
    html = (
        "<html><head><title>Title</title><style>p { color: red }</style>"
        "<script>var x = '<p>Only 2 left</p>';</script></head>"
        "<body><!-- hidden offer --><p>Visible</p><script>track()</script></body></html>"
    )
    assert html_to_text(html)[0] == "Visible"


def test_an_unclosed_head_ends_at_the_first_body_content():
    assert html_to_text("<head><meta charset=utf-8><p>Hello there</p>")[0] == "Hello there"
    assert html_to_text("<head><title>T</title>Hello there")[0] == "Hello there"


def test_pre_keeps_spaces_and_line_breaks():
    html = "<p>Code:</p><pre>a  b\n  c</pre><p>end</p>"
    text, origins, _ = html_to_text(html)
    assert text == "Code:\n\na  b\n  c\n\nend"
    assert origins[text.index("  c")] == html.index("  c")


def test_links_outside_quotes_in_order_without_repeats():
    html = (
        '<p><a href=" https://a.example/x?y=1&amp;z=2 ">a</a> <a href="mailto:no@a.example">'
        'opt out</a> <a href="https://a.example/x?y=1&z=2">again</a> <a>no href</a></p>'
        '<map><area href="https://a.example/area"></map>'
        '<blockquote><a href="https://them.example/">theirs</a></blockquote>'
    )
    assert html_to_text(html)[2] == (
        "https://a.example/x?y=1&z=2", "mailto:no@a.example", "https://a.example/area"
    )


def test_blockquote_lines_are_marked_as_quoted():
    html = (
        "<p>Thanks, will do.</p><p>On Tue, Ana wrote:</p>"
        "<blockquote type=\"cite\"><p>Can you send it?</p><p>Also the deck.</p>"
        "<blockquote>Older <i>text</i></blockquote>back</blockquote><p>PS: mine</p>"
    )
    text, origins, _ = html_to_text(html)
    assert text == (
        "Thanks, will do.\n\nOn Tue, Ana wrote:\n\n> Can you send it?\n>\n> Also the deck.\n"
        ">\n>> Older text\n> back\n\nPS: mine"
    )
    # The "> " prefix maps to the quoting element's start tag.
    assert origins[text.index("> Can")] == html.index("<blockquote")
    assert origins[text.index(">> Older")] == html.index("<blockquote>Older")
    quoted = find_quoted(text)
    first = text.index("> Can")
    assert any(start <= first and text.index("> back") < end for start, end in quoted)


def test_gmail_and_yahoo_quote_classes_are_quoted():
    html = (
        '<div dir="ltr">Sounds good!</div><br>'
        '<div class="gmail_quote"><div dir="ltr">Original <div>nested</div> words</div></div>'
        '<div>mine again</div>'
        '<div class="yahoo_quoted"><p>Yahoo words</p></div>'
    )
    text, _, _ = html_to_text(html)
    assert text == (
        "Sounds good!\n\n> Original\n> nested\n> words\nmine again\n\n> Yahoo words"
    )
    quoted = find_quoted(text)
    mine = text.index("mine again")
    yahoo = text.index("> Yahoo")
    assert not any(start <= mine < end for start, end in quoted)
    assert any(start <= yahoo < end for start, end in quoted)


def test_parse_html_file_uses_the_title_as_subject():
    path = FIXTURES / "invitation.html"
    source = path.read_text(encoding="utf-8")
    message = parse_html_file(str(path), source)
    assert message.html
    assert message.subject is not None
    assert message.subject.text == "Your seat at Pipeline Live – Austin"
    assert message.headers == {"subject": message.subject.text}
    start = message.subject.text.index("Austin")
    location = message.location("subject", start, start + len("Austin"))
    assert message.source.line(location.line)[location.column - 1:].startswith("Austin</title>")
    dash = message.subject.text.index("–")
    location = message.location("subject", dash, dash + 1)
    assert message.source.line(location.line)[location.column - 1:].startswith("&ndash;")
    assert "Only 2 seats left" not in message.body.text
    assert message.body.text.startswith("Pipeline Live Austin\n\nHi {{ first_name }},\n\n")
    assert "We’d love to see you on 23–24 September. Early-bird pricing ends 30 June." in (
        message.body.text
    )
    assert message.signature_start == message.body.text.index("Cheers,\nLukas")
    assert message.links == ("https://northpeak-events.example.org/unsubscribe",)
    assert_origins_point_at_their_source(source, message.body.text, list(message.body.origins))


def test_parse_html_file_without_title_has_no_subject():
    message = parse_html_file("x.html", "\ufeff<p>Hello <b>there</b></p>")
    assert message.subject is None
    assert message.body.text == "Hello there"
    assert message.location("body", 0, 5).column == 5  # after the BOM and "<p>"
