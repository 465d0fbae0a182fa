"""A scanner that finds in HTML what Python 3.11's ``html.parser`` finds, at offsets.

``html.parser`` tells where each piece starts as a line and column, kept up to date by counting
the newlines after every piece, and it reads every attribute of every start tag: most of the
time HTML mail takes to become text went there. This scanner takes the same steps with the same
expressions (those of ``html/parser.py`` and ``_markupbase.py`` in Python 3.11, read with
``convert_charrefs=False``), fed the whole document and then closed, but hands on offsets and
leaves a tag's attributes as matches, read only when asked. The same malformed HTML gives the
same text, the same references and the same errors; and since the expressions live here, the
text of HTML does not change with the Python that runs it.

Comments, declarations (``<!DOCTYPE>``, ``<![if ...]>``) and processing instructions are
skipped. Inside ``<script>`` and ``<style>`` everything up to the element's end tag is text.
"""

from __future__ import annotations

import html
import re

_INTERESTING = re.compile("[&<]")
_INCOMPLETE = re.compile("&[a-zA-Z#]")
_ENTITY = re.compile("&([a-zA-Z][-.a-zA-Z0-9]*)[^a-zA-Z0-9]")
_CHARACTER = re.compile("&#(?:[0-9]+|[xX][0-9a-fA-F]+)[^0-9a-fA-F]")
_START_TAG_OPEN = re.compile("<[a-zA-Z]")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*")
_ATTRIBUTE = re.compile(r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*"
                        r"('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*")
# A tag's name, then (group 2) as many attributes after each other as there are: what
# html.parser finds with a match per attribute, in one match.
_NAME_AND_ATTRIBUTES = re.compile(
    r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*"
    r"((?:(?<=['\"\s/])[^\s/>][^\s/=>]*(?:\s*=+\s*"
    r"(?:'[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*)*)")
_START_TAG_END = re.compile(r"""
  <[a-zA-Z][^\t\n\r\f />\x00]*       # tag name
  (?:[\s/]*                          # optional whitespace before attribute name
    (?:(?<=['"\s/])[^\s/>][^\s/=>]*  # attribute name
      (?:\s*=+\s*                    # value indicator
        (?:'[^']*'                   # LITA-enclosed value
          |"[^"]*"                   # LIT-enclosed value
          |(?!['"])[^>\s]*           # bare value
         )
        \s*                          # possibly followed by a space
       )?(?:\s|/(?!>))*
     )*
   )?
  \s*                                # trailing whitespace
""", re.VERBOSE)
_END_TAG = re.compile(r"</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>")
# Most tags in mail are plain: an alphanumeric name, then attributes with a quoted value, a
# bare value or none, apart by white space, then ">" or "/>" ("<br>", "<td width=3>", "</td>").
# Such a tag is read by this one expression, as the expressions above read it (group 2: where
# its attributes stand; group 3: "/" when closed); anything else falls through to them.
_TAG_BLANK = r"[ \t\n\r\f]"
_PLAIN_ATTRIBUTE = (r"[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:" + _TAG_BLANK + r"*=" + _TAG_BLANK
                    + r"""*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_PLAIN_START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)(?=[ \t\n\r\f/>])" + _TAG_BLANK + r"*"
    r"((?:" + _PLAIN_ATTRIBUTE + r"(?:" + _TAG_BLANK + r"+" + _PLAIN_ATTRIBUTE + r")*"
    + _TAG_BLANK + r"*)?)(/?)>")
_PLAIN_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9]*)>")
_DECLARATION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
_MARKED_SECTION_CLOSE = re.compile(r"]\s*]\s*>")
_MS_MARKED_SECTION_CLOSE = re.compile(r"]\s*>")
_MARKED_SECTIONS = frozenset({"temp", "cdata", "ignore", "include", "rcdata"})
_MS_MARKED_SECTIONS = frozenset({"if", "else", "endif"})
# Where the text of a <script> or <style> element ends.
_RAW_TEXT_END = {tag: re.compile(rf"</\s*{tag}\s*>", re.IGNORECASE)
                 for tag in ("script", "style")}
_LETTERS_OR_SLASH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ=/")


class ScanError(Exception):
    """HTML the scanner gives up on (an unknown ``<![...]>`` form); ``offset``: where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def attributes(source: str, span: tuple[int, int]) -> list[tuple[str, str | None]]:
    """The attributes of a start tag, ``span`` being where they stand in ``source``, as
    (name, value) pairs: names lower-cased, values unquoted and their references replaced,
    None for a name without a value."""
    pairs: list[tuple[str, str | None]] = []
    k, end = span
    while k < end:
        match = _ATTRIBUTE.match(source, k)
        assert match is not None  # the span was matched attribute by attribute
        name, rest, value = match.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = html.unescape(value)
        pairs.append((name.lower(), value))
        k = match.end()
    return pairs


class HtmlScanner:
    """Reads ``source`` and calls the handlers below for what it finds, in order."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._raw_text_end: re.Pattern[str] | None = None  # inside <script> or <style>
        self.stopped = False  # a handler has had enough: the rest is not read

    # -- handlers -----------------------------------------------------------------------------
    def start_tag(self, tag: str, start: int, attributes: tuple[int, int],
                  closed: bool) -> None:
        """A start tag at ``start``, lower-cased; ``closed``: written ``<tag ... />``;
        ``attributes``: where its attributes stand (see :func:`attributes`)."""

    def end_tag(self, tag: str, start: int) -> None:
        """An end tag at ``start``, lower-cased."""

    def data(self, start: int, end: int) -> None:
        """Text: ``source[start:end]``, references left as they are."""

    def reference(self, start: int, end: int) -> None:
        """An entity or character reference: ``source[start:end]`` (with its ``;``, if any)."""

    # -- scanning -----------------------------------------------------------------------------
    def scan(self) -> None:
        """Read the whole source, as html.parser's ``feed()`` then ``close()`` would."""
        self._scan(self._scan(0, closing=False), closing=True)

    def _scan(self, i: int, closing: bool) -> int:
        """Read from ``i``; return where reading stopped. Before ``closing``, an unfinished
        construct stops it, to be read again when closing (html.parser's ``goahead``)."""
        source = self.source
        n = len(source)
        while i < n and not self.stopped:
            if self._raw_text_end is not None:
                match = self._raw_text_end.search(source, i)
                if match is None:
                    break
                j = match.start()
            else:
                match = _INTERESTING.search(source, i)
                j = match.start() if match else n
            if i < j:
                self.data(i, j)
            i = j
            if i == n:
                break
            if source.startswith("<", i):
                plain = _PLAIN_START_TAG.match(source, i)
                if plain is not None:
                    tag = plain.group(1).lower()
                    if plain.group(3):
                        self.start_tag(tag, i, plain.span(2), closed=True)
                    else:
                        self.start_tag(tag, i, plain.span(2), closed=False)
                        self._raw_text_end = _RAW_TEXT_END.get(tag)
                    i = plain.end()
                    continue
                plain = _PLAIN_END_TAG.match(source, i)
                if plain is not None:
                    self.end_tag(plain.group(1).lower(), i)
                    self._raw_text_end = None
                    i = plain.end()
                    continue
                if _START_TAG_OPEN.match(source, i):
                    k = self._start_tag(i)
                elif source.startswith("</", i):
                    k = self._end_tag(i)
                elif source.startswith("<!--", i):
                    k = self._comment(i)
                elif source.startswith("<?", i):
                    k = self._after(">", i + 2)
                elif source.startswith("<!", i):
                    k = self._declaration(i)
                elif i + 1 < n:
                    self.data(i, i + 1)
                    k = i + 1
                else:
                    break
                if k < 0:
                    if not closing:
                        break
                    # Unfinished: text up to the next ">" (or "<"), as html.parser reads it.
                    k = source.find(">", i + 1)
                    if k < 0:
                        k = source.find("<", i + 1)
                        if k < 0:
                            k = i + 1
                    else:
                        k += 1
                    self.data(i, k)
                i = k
            elif source.startswith("&#", i):
                match = _CHARACTER.match(source, i)
                if match:
                    i = self._reference(i, match.end())
                    continue
                # No reference: reading stops (and goes on when closing; but a second one
                # while closing leaves the rest of the document as text).
                if source.find(";", i) >= 0:
                    self.data(i, i + 2)
                    i += 2
                break
            else:  # "&"
                match = _ENTITY.match(source, i)
                if match:
                    i = self._reference(i, match.end())
                    continue
                if _INCOMPLETE.match(source, i):
                    # A name running to the end: it is text (a two-character "&x" loses its "&").
                    if closing and n - i == 2:
                        i += 1
                    break
                if i + 1 < n:
                    self.data(i, i + 1)
                    i += 1
                else:
                    break
        if closing and i < n and self._raw_text_end is None and not self.stopped:
            self.data(i, n)
            i = n
        return i

    def _reference(self, start: int, matched_end: int) -> int:
        """A reference matched up to ``matched_end``: its last character ends it only if it
        is a ``;``. Returns where it ends."""
        end = matched_end if self.source.startswith(";", matched_end - 1) else matched_end - 1
        self.reference(start, end)
        return end

    def _start_tag(self, i: int) -> int:
        """A start tag at ``i``: returns where it ends, -1 if unfinished."""
        source = self.source
        end = self._start_tag_end(i)
        if end < 0:
            return end
        match = _NAME_AND_ATTRIBUTES.match(source, i + 1)
        assert match is not None  # a letter follows the "<"
        tag = match.group(1).lower()
        attrs = match.span(2)
        # Past the attributes, only ">" or "/>" may be left; html.parser stops reading them at
        # the tag's end, so when they run past it, nothing is left: the tag is text.
        rest = source[match.end():end].strip()
        if rest not in (">", "/>"):
            self.data(i, end)
            return end
        if rest == "/>":
            self.start_tag(tag, i, attrs, closed=True)
        else:
            self.start_tag(tag, i, attrs, closed=False)
            self._raw_text_end = _RAW_TEXT_END.get(tag)
        return end

    def _start_tag_end(self, i: int) -> int:
        """Where the start tag at ``i`` ends, -1 if unfinished."""
        source = self.source
        match = _START_TAG_END.match(source, i)
        assert match is not None  # a letter follows the "<"
        j = match.end()
        after = source[j:j + 1]
        if after == ">":
            return j + 1
        if after == "/":
            return j + 2 if source.startswith("/>", j) else -1
        if after == "" or after in _LETTERS_OR_SLASH:
            return -1
        return j if j > i else i + 1

    def _end_tag(self, i: int) -> int:
        """An end tag (or what starts like one) at ``i``: returns where it ends."""
        source = self.source
        close = source.find(">", i + 1)
        if close < 0:
            return -1
        match = _END_TAG.match(source, i)
        if match:
            # Inside <script> or <style>, only the element's own end tag is looked for.
            self.end_tag(match.group(1).lower(), i)
            self._raw_text_end = None
            return close + 1
        name = _TAG_NAME.match(source, i + 2)
        if not name:
            return i + 3 if source.startswith("</>", i) else close + 1
        self.end_tag(name.group(1).lower(), i)
        return source.find(">", name.end()) + 1

    def _comment(self, i: int) -> int:
        match = _COMMENT_CLOSE.search(self.source, i + 4)
        return match.end() if match else -1

    def _after(self, char: str, i: int) -> int:
        """Where the first ``char`` from ``i`` on ends, -1 if there is none."""
        found = self.source.find(char, i)
        return found + 1 if found >= 0 else -1

    def _declaration(self, i: int) -> int:
        """``<!`` at ``i``: a marked section, a doctype or a bogus comment."""
        source = self.source
        if source.startswith("<![", i):
            return self._marked_section(i)
        if source[i:i + 9].lower() == "<!doctype":
            return self._after(">", i + 9)
        return self._after(">", i + 2)

    def _marked_section(self, i: int) -> int:
        """``<![`` at ``i`` (``<![CDATA[...]]>``, ``<![if ...]>``): where it ends."""
        source = self.source
        if i + 3 == len(source):
            return -1
        name = _DECLARATION_NAME.match(source, i + 3)
        if not name:
            raise ScanError(f"expected name token at {source[i:i + 20]!r}", i + 3)
        if name.end() == len(source):
            return -1
        keyword = name.group().strip().lower()
        if keyword in _MARKED_SECTIONS:
            close = _MARKED_SECTION_CLOSE.search(source, i + 3)
        elif keyword in _MS_MARKED_SECTIONS:
            close = _MS_MARKED_SECTION_CLOSE.search(source, i + 3)
        else:
            raise ScanError(
                f"unknown status keyword {source[i + 3:name.end()]!r} in marked section", i)
        return close.end() if close else -1
