"""One ``.eml`` file being read: the email package's structure (nesting capped), the parts
that may hold the text and where their payloads are, their text, the headers, and the notes
on what was repaired to read it."""

from __future__ import annotations

import email
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message as EmailMessage

from .. import charsets
from ..message import ParseError
from ..model import InputNote, Origins, SourceText, TextField
from .decoding import decode_declared, normalize_newlines, unflow
from .headers import KEPT_HEADERS, decode_header, header_text
from .offsets import CharOffsets, OffsetBytes, Offsets
from .transfer import TRANSFER_ENCODINGS, BadEncoding, decode_base64, decode_quoted_printable

# Multiparts nested deeper than this are not read (the email package recurses per level).
MAX_DEPTH = 50
# Longer header values are cut to this many characters before they are decoded: the email
# package's header parser takes quadratic time and memory in the number of encoded words.
MAX_HEADER_CHARS = 16 * 1024

# A multipart whose parts could not be found, and why: its body is read as plain text.
_UNSPLIT_MULTIPART = {
    "NoBoundaryInMultipartDefect": "{ctype} has no boundary parameter",
    "StartBoundaryNotFoundDefect": 'the boundary "{boundary}" of the {ctype} never appears '
    "in the message",
}
_UNCLOSED = "CloseBoundaryNotFoundDefect"
_BLANK_LINE = re.compile(r"(?:^|\n)\r?\n")
# A header field's name; its value runs to the first line break not followed by a space or a
# tab (see _header_fields).
_HEADER_NAME = re.compile(r"^(?P<name>[!-9;-~]+)[ \t]*:", re.MULTILINE)
_LINE_BREAK = re.compile(r"[\r\n]")
# A Content-Type header field or a boundary delimiter line, for measuring nesting depth.
_NESTING_EVENT = re.compile(
    r"^(?:content-type[ \t]*:(?P<value>[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)"
    r"|--(?P<delimiter>[^\r\n]*?))[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
# RFC 2046 boundaries are at most 70 characters; past this one is junk worth forgetting.
LONG_BOUNDARY = 200
_LONG_BOUNDARY = re.compile(r'boundary\s*=\s*"?[^";\r\n]{%d}' % LONG_BOUNDARY, re.IGNORECASE)
_BOUNDARY_PARAM = re.compile(r';\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))', re.IGNORECASE)
_ADDRESS_HEADERS = {"to", "cc", "bcc"}


@dataclass(frozen=True)
class Leaf:
    """One non-multipart part, where its headers and raw payload are in the file, and the
    content type it is read as (text/plain for a multipart whose parts cannot be found)."""

    part: EmailMessage
    header_start: int
    payload_start: int
    payload: bytes
    content_type: str


class EmlFile:
    """One .eml file being parsed: its bytes, their Latin-1 view, its text, and the notes on
    what was repaired to read it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.raw = data.decode("latin-1")
        self.source = SourceText(data.decode("utf-8", errors="replace"))
        self.char_offset = CharOffsets(data)
        block = _BLANK_LINE.search(self.raw)
        self.headers_end = block.start() if block else len(self.raw)
        self.body_start = block.end() if block else len(self.raw)
        self._notes: dict[InputNote, None] = {}  # in order, each once
        self.cut_deep = False  # multiparts nested too deep were left unread (the first note)
        # The text the email package read: the file's, or with multiparts nested too deep made
        # opaque (as long, so an offset in one is the same place in the other).
        self.parsed_text = self.raw

    @property
    def notes(self) -> tuple[InputNote, ...]:
        return tuple(self._notes)

    def note(self, message: str, byte_offset: int | None = None) -> None:
        """Note a repair, at the line of a byte offset in the file."""
        self.keep(InputNote(message, None if byte_offset is None else self.line(byte_offset)))

    def keep(self, note: InputNote) -> None:
        self._notes[note] = None

    def line(self, byte_offset: int) -> int:
        return self.data.count(b"\n", 0, byte_offset) + 1

    def header_offset(self, start: int, name: str) -> int:
        """Where header ``name`` begins in the header block beginning at ``start``."""
        block = _BLANK_LINE.search(self.raw, start)
        end = block.start() if block else len(self.raw)
        for field in _header_fields(self.raw, start, end):
            if field.name.lower() == name:
                return field.start
        return start

    def field(self, chars: str, origins: Iterable[int]) -> TextField:
        """``chars`` with the byte offsets they came from, as a field (character offsets)."""
        return TextField(chars, Origins.of(self.char_offset.map(origins)))

    # -- structure ---------------------------------------------------------------------------
    def parse(self) -> EmailMessage:
        """The email package's reading of the file, with multiparts nested too deep cut off."""
        text = self.parsed_text = self._cap_nesting()
        try:
            return email.message_from_string(text, policy=policy.compat32)
        except RecursionError:  # attached messages nested hundreds deep
            raise ParseError("parts nested too deep to read") from None

    def forget_long_boundaries(self) -> None:
        """Empty re's module cache if this message has a junk-long boundary.

        The email package, and ``_walk`` after it, compile a regex for each boundary through
        that cache, which keeps 512 of them: a long-running process (an audit worker, the
        server) would hold every junk message's megabyte-long boundary until 512 others came.
        """
        # Tried only where "boundary" stands, in any case. The text is Latin-1, where only A-Z
        # lower-case to ASCII letters: lower() finds what the expression, ignoring case, does.
        lowered = self.raw.lower()
        start = lowered.find("boundary")
        while start != -1:
            if _LONG_BOUNDARY.match(self.raw, start):
                re.purge()
                return
            start = lowered.find("boundary", start + 1)

    def _cap_nesting(self) -> str:
        """The file's text, each multipart deeper than MAX_DEPTH made an opaque part.

        The email package parses a level of nesting per stack frame. Its content type is
        overwritten in place ("multipart" becomes "x-toodeep", as long), so every offset
        stays as it is in the file.
        """
        raw = self.raw
        # "multipart/" in any case (the text is Latin-1: see forget_long_boundaries)
        if raw.lower().count("multipart/") <= MAX_DEPTH:
            return raw
        open_boundaries: list[str] = []
        cuts: list[int] = []
        for event in _NESTING_EVENT.finditer(raw):
            delimiter = event.group("delimiter")
            if delimiter is not None:
                closing = delimiter.endswith("--") and delimiter[:-2] in open_boundaries
                name = delimiter[:-2] if closing else delimiter
                if name in open_boundaries:  # closes the parts opened inside it
                    del open_boundaries[open_boundaries.index(name) + (not closing):]
                continue
            value = event.group("value")
            if not value.lstrip().lower().startswith("multipart/"):
                continue
            if len(open_boundaries) >= MAX_DEPTH:  # opaque up to its parent's next delimiter
                cuts.append(event.start("value") + value.lower().index("multipart/"))
                continue
            found = _BOUNDARY_PARAM.search(value)
            open_boundaries.append((found.group(1) or found.group(2)) if found else "")
        if not cuts:
            return raw
        self.cut_deep = True
        self.note(f"multiparts are nested more than {MAX_DEPTH} deep: the parts deeper than "
                  "that were not read", cuts[0])
        pieces = []
        pos = 0
        for cut in cuts:
            pieces += [raw[pos:cut], "x-toodeep"]
            pos = cut + len("multipart")
        return "".join(pieces) + raw[pos:]

    def leaves(self, message: EmailMessage) -> list[Leaf]:
        """The parts that may hold the text, in file order (attachments left out)."""
        found: list[Leaf] = []
        self._walk(message, 0, self.body_start, found)
        return found

    def _walk(self, part: EmailMessage, header_start: int, cursor: int, found: list[Leaf]) -> int:
        if part.get_content_maintype() == "message" or _is_attachment(part):
            return cursor  # an attached message or file: not the sender's text
        content_type = part.get_content_type()
        if part.is_multipart():
            if any(type(defect).__name__ == _UNCLOSED for defect in part.defects):
                self.note(f'{content_type} is not closed (the "--{part.get_boundary()}--" line '
                          "is missing): its last part was read to the end of the file",
                          self.header_offset(header_start, "content-type"))
            delimiter = re.compile(
                "^--" + re.escape(part.get_boundary() or "") + r"(?=--|[ \t]*\r?$)", re.MULTILINE
            )
            # Where a search found nothing, no later search can: it is not repeated, or a
            # message of many parts whose lines end in a lone CR (which email splits and "^"
            # does not) would be scanned to its end once per part, in quadratic time.
            no_delimiter_from = no_blank_line_from = len(self.raw) + 1
            for child in part.get_payload():
                if not isinstance(child, EmailMessage):
                    continue  # a multipart's payload is a list of parts
                boundary = None
                if cursor < no_delimiter_from:
                    boundary = delimiter.search(self.raw, cursor)
                    no_delimiter_from = cursor if boundary is None else no_delimiter_from
                child_start = boundary.end() if boundary else cursor
                block = None
                if child_start < no_blank_line_from:
                    block = _BLANK_LINE.search(self.raw, child_start)
                    no_blank_line_from = child_start if block is None else no_blank_line_from
                cursor = self._walk(child, child_start, block.end() if block else cursor, found)
            return cursor
        # Not a multipart: its payload is the part's body as the file holds it.
        payload = part.get_payload()
        if not isinstance(payload, str):
            payload = ""
        if part.get_content_maintype() == "multipart":  # its parts could not be found
            if not payload.strip():
                return cursor
            content_type = "text/plain"
            for defect in part.defects:
                template = _UNSPLIT_MULTIPART.get(type(defect).__name__)
                if template:
                    problem = template.format(ctype=part.get_content_type(),
                                              boundary=part.get_boundary() or "")
                    self.note(f"{problem}: its body was read as plain text",
                              self.header_offset(header_start, "content-type"))
        # Found in the text the package read: a payload that holds a part nested too deep
        # holds it made opaque, as the file does not.
        start = self.parsed_text.find(payload, cursor)
        if start < 0:  # the email package read a header line as the start of the body
            start = self.parsed_text.find(payload, header_start)
        if start < 0:  # lines that end in a lone CR, which the delimiter search does not see
            start = max(self.parsed_text.find(payload), 0)
        found.append(Leaf(part, header_start, start, payload.encode("latin-1"), content_type))
        return start + len(payload)

    # -- text --------------------------------------------------------------------------------
    def text_of(self, leaf: Leaf) -> tuple[str, Offsets]:
        """A part's text and each character's byte offset in the file; ParseError when it has
        nothing readable."""
        try:
            raw = self._payload_bytes(leaf)
        except BadEncoding as exc:
            raise ParseError(
                f"{exc.message} in the {leaf.content_type} part", self.line(exc.offset)
            ) from None
        text, origins, repair = decode_declared(raw, leaf.part.get_content_charset())
        if repair:
            self.note(f"{repair[0]} in the {leaf.content_type} part: read as {repair[1]}",
                      self.header_offset(leaf.header_start, "content-type"))
        text, origins = normalize_newlines(text, origins)
        if str(leaf.part.get_param("format", "")).lower() == "flowed":
            delsp = str(leaf.part.get_param("delsp", "")).lower() == "yes"
            return unflow(text, origins, delsp)
        return text, origins

    def _payload_bytes(self, leaf: Leaf) -> OffsetBytes:
        """A part's payload with its transfer encoding decoded (an unknown one: as it stands)."""
        declared = str(leaf.part.get("content-transfer-encoding", "")).strip().lower()
        encoding = TRANSFER_ENCODINGS.get(re.sub(r"[^a-z0-9]", "", declared))
        part = f"the {leaf.content_type} part"
        if encoding == "quoted-printable":
            return decode_quoted_printable(leaf.payload, leaf.payload_start)
        if encoding == "base64":
            decoded = decode_base64(leaf.payload, leaf.payload_start)
            if decoded.cut_short:
                self.note(f"the base64 data of {part} is cut short: its last character was "
                          "not read", leaf.payload_start)
            if decoded.ignored_from is not None:
                self.note(f"{part} has text after its base64 data: that text was not read",
                          decoded.ignored_from)
            return decoded.data
        if encoding is None:
            self.note(f"unknown Content-Transfer-Encoding {charsets.printable(declared)} in "
                      f"{part}: read as it stands",
                      self.header_offset(leaf.header_start, "content-transfer-encoding"))
        return OffsetBytes.verbatim(leaf.payload, leaf.payload_start)

    def subject(self) -> TextField | None:
        """The Subject header, decoded, each character mapped into its header line."""
        return self.unstructured("Subject")

    def unstructured(self, name: str) -> TextField | None:
        """The first ``name`` header (Subject, From), its encoded words decoded, each
        character mapped into its header line."""
        for found in _header_fields(self.raw, 0, self.headers_end):
            if found.name.lower() == name.lower():
                value = self.capped(self.raw[found.value_start:found.value_end], name, 0)
                chars, origins, repairs = decode_header(value.encode("latin-1"),
                                                         found.value_start)
                for problem, reading in repairs:
                    self.note(f"{problem} in an encoded word of the {name} header: read as "
                              f"{reading}", found.start)
                end = found.value_start + len(value)
                return _strip(self.field(chars, origins), end, self.char_offset)
        return None

    def capped(self, value: str, name: str, block_start: int) -> str:
        """A header value of the header block at ``block_start`` cut to MAX_HEADER_CHARS (at a
        space, when there is one near the end), with a note when it was longer."""
        if len(value) <= MAX_HEADER_CHARS:
            return value
        cut = value.rfind(" ", MAX_HEADER_CHARS // 2, MAX_HEADER_CHARS)
        self.note(f"the {name} header is {len(value):,} characters long: only its first "
                  f"{MAX_HEADER_CHARS:,} were read", self.header_offset(block_start, name.lower()))
        return value[:cut if cut > 0 else MAX_HEADER_CHARS]

    def header_values(self, message: EmailMessage) -> dict[str, str]:
        """Header values by lower-case name, decoded; address lists that repeat are joined.
        The subject is left out: :meth:`subject` decodes it."""
        headers: dict[str, str] = {}
        for name, raw in message.items():
            key = name.lower()
            if key not in KEPT_HEADERS:
                continue  # decoding headers is slow, and routing/DKIM headers say nothing here
            if key in headers and key not in _ADDRESS_HEADERS:
                continue
            value = header_text(key, self.capped(str(raw), name, 0))
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers


@dataclass(frozen=True)
class _HeaderField:
    name: str
    start: int  # of its name
    value_start: int
    value_end: int  # its continuation lines included


def _header_fields(raw: str, start: int, end: int) -> Iterator[_HeaderField]:
    """The header fields of ``raw[start:end]``, in order. Found line by line: one expression
    with a repeated group for the continuation lines took memory for each of them (230 MB for a
    Subject folded over 380,000 lines)."""
    pos = start
    while True:
        name = _HEADER_NAME.search(raw, pos, end)
        if name is None:
            return
        value_end = _value_end(raw, name.end(), end)
        yield _HeaderField(name.group("name"), name.start(), name.end(), value_end)
        pos = value_end


def _value_end(raw: str, pos: int, end: int) -> int:
    """Where a header value that begins at ``pos`` ends: at the first line break (CRLF or LF;
    a lone CR ends it too) that is not followed by a space or a tab."""
    while True:
        found = _LINE_BREAK.search(raw, pos, end)
        if found is None:
            return end
        brk = found.start()
        if raw.startswith("\r\n", brk, end):
            after = brk + 2
        elif raw[brk] == "\n":
            after = brk + 1
        else:
            return brk
        if after >= end or raw[after] not in " \t":
            return brk
        pos = after + 1


def _is_attachment(part: EmailMessage) -> bool:
    return str(part.get("content-disposition", "")).strip().lower().startswith("attachment")


def _strip(text_field: TextField, end: int, char_offset: CharOffsets) -> TextField:
    """A field without surrounding white space (empty: positioned at the end of its value)."""
    text = text_field.text
    start = len(text) - len(text.lstrip())
    stop = len(text.rstrip())
    if start >= stop:
        return TextField.verbatim("", char_offset(end))
    return TextField(text[start:stop], text_field.origins[start:stop])
