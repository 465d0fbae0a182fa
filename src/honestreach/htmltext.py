"""The visible text of HTML, with the offset in the HTML of every character it keeps.

Block elements become line breaks (paragraphs and headings a blank line), runs of white space
collapse to one space, and ``<script>``, ``<style>``, ``<head>`` and comments are dropped. An
entity (``&amp;``, ``&#x27;``) becomes its character, mapped to the entity's ``&``; a line break
or space that markup produced is mapped to the tag that produced it.

Quoted earlier messages (``<blockquote>``, and elements of class ``gmail_quote``,
``yahoo_quoted`` or ``protonmail_quote``) stay in the text, but each of their lines is prefixed
with ``>`` (one per level of quoting) and a space, mapped to the quoting element's start tag,
so :func:`honestreach.message.find_quoted` sees them as quoted, as it does in plain text. Links
inside quoted text are not the sender's and are left out of the link targets.
"""

from __future__ import annotations

import html
import re
from array import array
from dataclasses import dataclass
from typing import Sequence

from .htmlscan import HtmlScanner, ScanError, attributes
from .message import ParseError, build_message
from .model import InputNote, Message, SourceText, TextField

# Elements that end a paragraph (a blank line) or a line.
PARAGRAPH_ELEMENTS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "ul", "ol", "dl", "hr"}
)
LINE_ELEMENTS = frozenset(
    {"div", "li", "dt", "dd", "tr", "table", "thead", "tbody", "tfoot", "caption", "blockquote",
     "section", "article", "header", "footer", "nav", "aside", "main", "figure", "figcaption",
     "address", "form", "fieldset", "legend", "center", "body", "html", "details", "summary"}
)
CELL_ELEMENTS = frozenset({"td", "th"})
# Never shown: their text is code, styling or metadata.
HIDDEN_ELEMENTS = frozenset({"script", "style", "template", "title"})
# Elements that may stand in <head>; any other start tag ends an unclosed head.
HEAD_ELEMENTS = HIDDEN_ELEMENTS | {"head", "meta", "link", "base", "noscript"}
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)
# The elements whose tags put a break or a space in the text.
_BLOCK_ELEMENTS = PARAGRAPH_ELEMENTS | LINE_ELEMENTS | CELL_ELEMENTS | {"br"}
QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "protonmail_quote"})
LINK_ELEMENTS = frozenset({"a", "area"})
# Attribute names are read case-insensitively; a tag without this has no class.
_CLASS = re.compile("class", re.IGNORECASE)

# HTML white space, plus the no-break space: email markup pads with &nbsp; freely, and a
# checker should read "a&nbsp;&nbsp;b" as "a b".
_WHITESPACE = " \t\n\r\f\xa0"
_SPACES = re.compile(r"[ \t\n\r\f\xa0]+")
# In <pre>: a line break, or a run of characters between line breaks (a "\r" is dropped).
_PRE_LINE = re.compile(r"\n|[^\r\n]+")

# How far HTML may expand into text: visible text is shorter than its markup, except for the
# ">" prefixes of quoted lines, which grow with the quoting depth (a thousand nested
# blockquotes turn 500 KB of HTML into 8 million characters). Text stops at this many
# characters per character of HTML, or at TEXT_LIMIT_FLOOR if that is more, before it is built.
TEXT_LIMIT_RATIO = 2
TEXT_LIMIT_FLOOR = 1_000_000


def text_limit(html_length: int) -> int:
    """The most characters of text HTML of ``html_length`` characters may give."""
    return max(TEXT_LIMIT_FLOOR, TEXT_LIMIT_RATIO * html_length)


# Tags read in one HTML document. Mail has a few thousand; past this, scanning costs seconds
# (a 4 MB part of 1.4 million empty <b> tags) and the rest is not read.
TAG_LIMIT = 100_000


def _text_cut_reason(limit: int) -> str:
    return (f"the HTML expands to more than {limit:,} characters of text (nested quoting?): "
            "only the first are read")


TAG_CUT_REASON = (f"the HTML has more than {TAG_LIMIT:,} tags: only the text before tag "
                  f"{TAG_LIMIT + 1:,} is read")


class MalformedHtml(ParseError):
    """HTML the parser gives up on; ``offset`` is where, as an origin (offset plus base)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass
class _Quote:
    """An open quoting element: its tag, where it starts, and same-name tags open inside it."""

    tag: str
    origin: int
    nested: int = 0


class _TextBuilder:
    """Visible text under construction: its pieces, their origins, pending breaks and spaces.

    Breaks and spaces wait until the next visible character, so text never starts or ends
    with them and a break swallows the spaces around it. Text is written a run at a time:
    the words of one piece of HTML text go in with a single append.
    """

    def __init__(self, limit: int) -> None:
        self.pieces: list[str] = []
        self.size = 0  # characters written
        self._last = ""  # the last character written
        # 8 bytes a character where a list of ints takes about 40: HTML may expand a lot
        self.origins = array("q")
        self.limit = limit  # the most characters the text may have
        self.cut_at: int | None = None  # the origin of the first text refused at the limit
        self._breaks = 0  # line breaks wanted before the next character
        self._break_origin = 0
        self._space: int | None = None  # origin of a pending space
        self._line_depth = 0  # quoting depth of the last line written

    @property
    def at_line_start(self) -> bool:
        return self._last in ("", "\n")

    def want_breaks(self, count: int, origin: int) -> None:
        """Make sure the next character comes after at least ``count`` line breaks."""
        if count > self._breaks:
            self._breaks = count
            self._break_origin = origin

    def hard_break(self, origin: int) -> None:
        """One more line break (``<br>``), even after an empty line."""
        self._breaks += 1
        self._break_origin = origin

    def space(self, origin: int) -> None:
        if self._space is None and self._last not in ("", "\n"):  # not at a line start
            self._space = origin

    def text(self, chars: str, origins: Sequence[int], quotes: Sequence[_Quote]) -> None:
        """Add visible characters (white space collapsed) with one origin each.

        Each run of white space becomes one space mapped to the run's first character. At
        the limit, text is cut before the first word or space that does not fit whole.
        """
        if self.cut_at is not None:
            return
        words = chars.strip(_WHITESPACE)
        if not words:
            if chars:
                self.space(origins[0])
            return
        start = len(chars) - len(chars.lstrip(_WHITESPACE))
        end = start + len(words)
        if start:
            self.space(origins[0])
        if self._breaks or self._space is not None or self._last in ("", "\n"):
            self._flush(quotes)  # (else it has nothing to write)
            if self.cut_at is not None:
                return
        collapsed = _SPACES.sub(" ", words)
        if len(collapsed) == len(words):  # every space a single character: origins as they are
            kept = origins[start:end]
        else:
            kept = array("q")
            piece = start
            for run in _SPACES.finditer(chars, start, end):
                kept.extend(origins[piece:run.start() + 1])
                piece = run.end()
            kept.extend(origins[piece:end])
        room = self.limit - self.size
        if len(collapsed) > room:
            # Keep whole words, and a space before a word that does not fit.
            if collapsed[room] != " " and (room == 0 or collapsed[room - 1] != " "):
                room = collapsed.rfind(" ", 0, room) + 1
            self.cut(kept[room])
            collapsed, kept = collapsed[:room], kept[:room]
            if not collapsed:
                return
        self._append(collapsed, kept)
        if end < len(chars) and self.cut_at is None:
            self.space(origins[end])

    def preformatted(self, chars: str, origins: Sequence[int], quotes: Sequence[_Quote]) -> None:
        """Add text from ``<pre>``: spaces kept, each newline a line break."""
        for line in _PRE_LINE.finditer(chars):
            if self.cut_at is not None:
                return
            if line.group() == "\n":
                self.hard_break(origins[line.start()])
                continue
            self._flush(quotes)
            if self.cut_at is not None:
                return
            run, kept = line.group(), origins[line.start():line.end()]
            room = self.limit - self.size
            if len(run) > room:
                self.cut(kept[room])
                run, kept = run[:room], kept[:room]
            if run:
                self._append(run, kept)

    def _flush(self, quotes: Sequence[_Quote]) -> None:
        """Write pending breaks (or the pending space), then a quote prefix at a line start."""
        depth = len(quotes)
        if self.size and self._breaks:
            for index in range(self._breaks):
                # A blank line between two quoted lines is quoted too, so ranges stay whole.
                blank_depth = min(depth, self._line_depth) if index else 0
                if blank_depth:
                    self._write(">" * blank_depth, quotes[blank_depth - 1].origin)
                self._write("\n", self._break_origin)
        elif self._space is not None and not self.at_line_start:
            self._write(" ", self._space)
        self._breaks = 0
        self._space = None
        if self.at_line_start:
            if depth:
                self._write(">" * depth + " ", quotes[-1].origin)
            self._line_depth = depth

    def _write(self, chars: str, origin: int) -> None:
        """Write markup's characters, all mapped to ``origin``, or cut if they do not fit."""
        if self.cut_at is not None or self.size + len(chars) > self.limit:
            self.cut(origin)
            return
        self._append(chars, [origin] * len(chars))

    def _append(self, chars: str, origins: Sequence[int]) -> None:
        self.pieces.append(chars)
        self.origins.extend(origins)
        self.size += len(chars)
        self._last = chars[-1]

    def cut(self, origin: int) -> None:
        """Refuse text from here on: it would pass the limit."""
        if self.cut_at is None:
            self.cut_at = origin

    def result(self) -> str:
        return "".join(self.pieces)


class _HtmlText(HtmlScanner):
    """Collects the visible text, the title and the link targets of one HTML document."""

    def __init__(self, source: str, base: int) -> None:
        super().__init__(source)
        self.base = base
        self.body = _TextBuilder(text_limit(len(source)))
        self.title: _TextBuilder | None = None
        self.links: list[str] = []
        self._hidden = 0
        self._in_head = False
        self._in_title = False
        self._pre = 0
        self._quotes: list[_Quote] = []
        self._tags = 0
        self._tag_cut = False  # the text stops at the tag limit, not the text limit

    @property
    def cut_reason(self) -> str:
        """Why the body's text stops short of the document's end (when it does)."""
        return TAG_CUT_REASON if self._tag_cut else _text_cut_reason(self.body.limit)

    def _stop_at(self, origin: int) -> None:
        """Stop reading at the tag past the limit (counted by the tag handlers)."""
        self._tag_cut = self.body.cut_at is None
        self.body.cut(origin)
        self.stopped = True

    def run(self) -> None:
        try:
            self.scan()
        except ScanError as exc:
            raise MalformedHtml(f"malformed HTML: {exc.message}", self.base + exc.offset) from None

    @property
    def _visible(self) -> bool:
        return not self._hidden and not self._in_head

    # -- tags ----------------------------------------------------------------------------
    def start_tag(self, tag: str, start: int, attrs: tuple[int, int], closed: bool) -> None:
        origin = self.base + start
        self._tags += 1
        if self._tags > TAG_LIMIT:
            self._stop_at(origin)
            return
        if tag == "head":
            self._in_head = True
        elif self._in_head and tag not in HEAD_ELEMENTS:
            self._in_head = False
        if tag == "title":
            self._in_title = True
            self.title = self.title or _TextBuilder(text_limit(len(self.source)))
        if tag in HIDDEN_ELEMENTS:
            self._hidden += 1
        else:
            self._open(tag, origin, attrs)
        if closed and tag not in VOID_ELEMENTS:
            self.end_tag(tag, start)

    def _open(self, tag: str, origin: int, attrs: tuple[int, int]) -> None:
        """A start tag of a shown element: quoting, blocks, links."""
        if (tag == "blockquote" or attrs[0] < attrs[1]) and self._is_quote(tag, attrs):
            self.body.want_breaks(1, origin)
            self._quotes.append(_Quote(tag, origin))
        elif self._quotes and self._quotes[-1].tag == tag and tag not in VOID_ELEMENTS:
            self._quotes[-1].nested += 1
        if tag == "pre":
            self._pre += 1
        self._block(tag, origin)
        if tag in LINK_ELEMENTS and self._visible and not self._quotes:
            self._add_link(dict(attributes(self.source, attrs)).get("href"))

    def end_tag(self, tag: str, start: int) -> None:
        origin = self.base + start
        self._tags += 1
        if self._tags > TAG_LIMIT:
            self._stop_at(origin)
            return
        if tag == "head":
            self._in_head = False
        if tag == "title":
            self._in_title = False
        if tag in HIDDEN_ELEMENTS:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        self._block(tag, origin)  # "</br>" too is a line break, as browsers read it
        if self._quotes and self._quotes[-1].tag == tag:
            quote = self._quotes[-1]
            if quote.nested:
                quote.nested -= 1
            else:
                self._quotes.pop()
                self.body.want_breaks(1, origin)

    def _block(self, tag: str, origin: int) -> None:
        """The break (or space) an element's start or end tag puts in the text."""
        if tag not in _BLOCK_ELEMENTS:
            return
        if tag == "br":
            self.body.hard_break(origin)
        elif tag in PARAGRAPH_ELEMENTS:
            self.body.want_breaks(2, origin)
        elif tag in LINE_ELEMENTS:
            self.body.want_breaks(1, origin)
        elif tag in CELL_ELEMENTS:
            self.body.space(origin)

    def _is_quote(self, tag: str, attrs: tuple[int, int]) -> bool:
        if tag == "blockquote":
            return True
        if not _CLASS.search(self.source, *attrs):
            return False
        classes = " ".join(value or "" for name, value in attributes(self.source, attrs)
                           if name == "class").split()
        return not QUOTE_CLASSES.isdisjoint(classes)

    def _add_link(self, href: str | None) -> None:
        target = (href or "").strip()
        if target and target not in self.links:
            self.links.append(target)

    # -- text ----------------------------------------------------------------------------
    def data(self, start: int, end: int) -> None:
        origin = self.base + start
        chars = self.source[start:end]
        if not (self._pre or self._in_title or chars.strip(_WHITESPACE)):
            # White space between tags, most of HTML's text: at most a space.
            if not (self._hidden or self._in_head or self.body.cut_at is not None):
                self.body.space(origin)
            return
        self._text(chars, range(origin, origin + end - start))

    def reference(self, start: int, end: int) -> None:
        """An entity or character reference: its characters all map to its ``&``."""
        chars = html.unescape(self.source[start:end])
        self._text(chars, [self.base + start] * len(chars))

    def _text(self, chars: str, origins: Sequence[int]) -> None:
        if self._in_head and not self._hidden and chars.strip(_WHITESPACE):
            self._in_head = False  # text cannot stand in <head>: the head was left unclosed
        if self._in_title and self.title is not None:
            self.title.text(chars, origins, ())
        elif self._hidden or self._in_head:  # not visible
            return
        elif self._pre:
            self.body.preformatted(chars, origins, self._quotes)
        else:
            self.body.text(chars, origins, self._quotes)


@dataclass(frozen=True)
class VisibleText:
    """The visible text of HTML, each character's origin, the link targets (``href`` values,
    ``mailto:`` included) outside quoted text, and where the text was cut at its limit."""

    text: str
    origins: array[int]
    links: tuple[str, ...]
    cut_at: int | None  # the origin of the first text left out, None when nothing was
    cut_reason: str  # why text was left out (at cut_at)


def visible_text(html: str, base: int = 0) -> VisibleText:
    """The visible text of ``html``, its characters' origins being offsets in it plus ``base``."""
    parser = _HtmlText(html, base)
    parser.run()
    return VisibleText(parser.body.result(), parser.body.origins, tuple(parser.links),
                       parser.body.cut_at, parser.cut_reason)


def html_to_text(html: str, base: int = 0) -> tuple[str, array[int], tuple[str, ...]]:
    """The visible text of ``html``, each character's offset in it plus ``base``, and the
    link targets (``href`` values, ``mailto:`` included) outside quoted text."""
    visible = visible_text(html, base)
    return visible.text, visible.origins, visible.links


def parse_html_file(path: str, text: str, notes: tuple[InputNote, ...] = ()) -> Message:
    """A standalone HTML draft; its ``<title>``, if any, is the subject. ``notes``: what was
    repaired to read the file."""
    start = 1 if text.startswith("\ufeff") else 0
    parser = _HtmlText(text[start:], start)
    source = SourceText(text)
    try:
        parser.run()
    except MalformedHtml as exc:
        raise ParseError(exc.message, source.position(exc.offset)[0]) from None
    headers: dict[str, str] = {}
    subject: TextField | None = None
    if parser.title is not None and parser.title.size:
        subject = TextField(parser.title.result(), parser.title.origins)
        headers["subject"] = subject.text
    body = TextField(parser.body.result(), parser.body.origins)
    if parser.body.cut_at is not None:
        notes += (InputNote(parser.cut_reason, source.position(parser.body.cut_at)[0]),)
    return build_message(
        path, source, subject, body, headers, html=True, links=tuple(parser.links), notes=notes
    )
