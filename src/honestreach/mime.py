"""Parse an RFC 5322 message (``.eml``), keeping each decoded character's place in the file.

The stdlib ``email`` package reads the structure: headers, boundaries, parts, defects. The
transfer encodings (quoted-printable, base64), the charsets and RFC 2047 encoded words are
decoded here, so that every character of the checked subject and body keeps the offset of the
bytes it came from. ``email`` is given the file decoded as Latin-1, where one character is one
byte: a part's raw payload is then a verbatim slice of that text, found with ``str.find``, and
its offsets are byte offsets. Those are turned into character offsets of the file's text (its
bytes decoded as UTF-8, errors replaced) at the end.

Mail is read as a mail client shows it: a multipart that is not closed, a charset that is
unknown or wrong, base64 with text after it, a header of hundreds of kilobytes are read as well
as they can be, and each repair is kept as an :class:`~honestreach.model.InputNote` on the
message. Only a message with nothing readable is a :class:`ParseError`.
"""

from __future__ import annotations

import binascii
import bisect
import codecs
import email
import re
from dataclasses import dataclass
from email import policy
from email.errors import MessageError
from email.message import Message as EmailMessage

from . import charsets
from .htmltext import MalformedHtml, html_to_text
from .message import ParseError, build_message, display_name
from .model import InputNote, Message, SourceText, TextField

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
# Codecs in which one byte is always one character: decoded in one go.
_SINGLE_BYTE = re.compile(r"^(?:iso8859-\d+|cp125\d)$")
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
_BLANK_LINE = re.compile(r"(?:^|\n)\r?\n")
_HEADER_FIELD = re.compile(
    r"^(?P<name>[!-9;-~]+)[ \t]*:(?P<value>[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.MULTILINE
)
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_BASE64_CHAR = re.compile(rb"[A-Za-z0-9+/]")
_BASE64_BAD = re.compile(rb"[^A-Za-z0-9+/=\s]")
_TRANSFER_ENCODINGS = {"quotedprintable": "quoted-printable", "base64": "base64", "7bit": "7bit",
                       "8bit": "8bit", "binary": "binary", "": "7bit"}
# A Content-Type header field or a boundary delimiter line, for measuring nesting depth.
_NESTING_EVENT = re.compile(
    r"^(?:content-type[ \t]*:(?P<value>[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)"
    r"|--(?P<delimiter>[^\r\n]*?))[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
_MULTIPART = re.compile("multipart/", re.IGNORECASE)
# RFC 2046 boundaries are at most 70 characters; past this one is junk worth forgetting.
LONG_BOUNDARY = 200
_LONG_BOUNDARY = re.compile(r'boundary\s*=\s*"?[^";\r\n]{%d}' % LONG_BOUNDARY, re.IGNORECASE)
_BOUNDARY_PARAM = re.compile(r';\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))', re.IGNORECASE)
_ENCODED_WORD = re.compile(
    rb"=\?(?P<charset>[^?\s*]+)(?:\*[^?\s]*)?\?(?P<encoding>[QqBb])\?(?P<text>[^?\s]*)\?="
)
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_ANGLE_URL = re.compile(r"<([^>]+)>")
_ADDRESS_HEADERS = {"to", "cc", "bcc"}


class _Bytes:
    """Decoded bytes, each with the file offset (in bytes) of the encoded form it came from."""

    __slots__ = ("data", "origins")

    def __init__(self, data: bytes | bytearray, origins: list[int] | range) -> None:
        self.data = bytes(data)
        self.origins = origins

    @classmethod
    def verbatim(cls, data: bytes, start: int) -> _Bytes:
        # A range, not a list: a list of a payload's offsets takes ~36 bytes per byte.
        return cls(data, range(start, start + len(data)))


@dataclass(frozen=True)
class _Leaf:
    """One non-multipart part, where its headers and raw payload are in the file, and the
    content type it is read as (text/plain for a multipart whose parts cannot be found)."""

    part: EmailMessage
    header_start: int
    payload_start: int
    payload: bytes
    content_type: str


class _CharOffsets:
    """Byte offset in the file -> character offset in its text (UTF-8 with errors replaced).

    ASCII runs map one to one. Each run of non-ASCII bytes is decoded on its own (an ASCII byte
    always ends a UTF-8 sequence, so this matches decoding the whole file) with a per-byte table.
    """

    def __init__(self, data: bytes) -> None:
        self._starts: list[int] = [0]
        self._chars: list[int] = [0]
        self._tables: list[list[int] | None] = [None]
        chars = 0
        pos = 0
        for match in _NON_ASCII.finditer(data):
            chars += match.start() - pos
            table, count = _utf8_table(match.group())
            self._starts.append(match.start())
            self._chars.append(chars)
            self._tables.append(table)
            chars += count
            pos = match.end()
            self._starts.append(pos)
            self._chars.append(chars)
            self._tables.append(None)

    @property
    def identity(self) -> bool:
        """Whether every byte offset is its character offset (an all-ASCII file)."""
        return len(self._starts) == 1

    def __call__(self, offset: int) -> int:
        index = bisect.bisect_right(self._starts, offset) - 1
        table = self._tables[index]
        inside = offset - self._starts[index]
        if table is None:
            return self._chars[index] + inside
        return self._chars[index] + table[min(inside, len(table) - 1)]


def _utf8_table(run: bytes) -> tuple[list[int], int]:
    """For a run of non-ASCII bytes: each byte's character index, and the character count."""
    try:
        run.decode("utf-8")
    except UnicodeDecodeError:
        return _incremental_table(run)
    table = []
    index = -1
    for byte in run:
        if not 0x80 <= byte < 0xC0:  # a lead byte starts a character
            index += 1
        table.append(index)
    return table, index + 1


def _incremental_table(run: bytes) -> tuple[list[int], int]:
    """Like :func:`_utf8_table` for invalid UTF-8: bytes map to the replacement they became."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    table: list[int] = []
    count = 0
    pending = 0
    for index in range(len(run)):
        produced = len(decoder.decode(run[index:index + 1]))
        pending += 1
        if produced:
            table.extend(count + min(i, produced - 1) for i in range(pending))
            count += produced
            pending = 0
    produced = len(decoder.decode(b"", final=True))
    if pending:
        table.extend(count + min(i, max(produced - 1, 0)) for i in range(pending))
        count += produced
    return table, count


# -- charsets ------------------------------------------------------------------------------
def _decode_declared(
    raw: _Bytes, charset: str | None
) -> tuple[str, list[int], tuple[str, str] | None]:
    """Characters of ``raw`` declared as ``charset``, each with its byte's origin; and when the
    declaration was not followed, why and what the text was read as instead."""
    codec, problem = charsets.resolve(charset, raw.data)
    try:
        text, origins = _decode_chars(raw, codec)
    except (UnicodeError, ValueError):  # a codec that fails even with errors replaced
        codec = charsets.guess(raw.data)
        problem = f"charset {charsets.printable(str(charset))} cannot read this text"
        text, origins = _decode_chars(raw, codec)
    return text, origins, problem and (problem, charsets.reading(raw.data, codec))


def _decode_chars(raw: _Bytes, codec: str) -> tuple[str, list[int] | range]:
    """Characters of ``raw`` in a codec, each with its byte's origin."""
    if codec == "utf-8" and raw.data.isascii():
        return raw.data.decode("ascii"), raw.origins  # one character per byte
    if codec == "utf-8":
        try:
            text = raw.data.decode("utf-8")
        except UnicodeDecodeError:
            return _decode_incremental(raw, codec)
        # Each character starts at a byte that is not a continuation byte.
        origins = [o for byte, o in zip(raw.data, raw.origins) if not 0x80 <= byte < 0xC0]
        return text, origins
    if _SINGLE_BYTE.match(codec):
        return raw.data.decode(codec, "replace"), raw.origins
    return _decode_incremental(raw, codec)


def _decode_incremental(raw: _Bytes, codec: str) -> tuple[str, list[int]]:
    """Feed bytes one at a time; each character maps to the first byte of its sequence."""
    decoder = codecs.getincrementaldecoder(codec)("replace")
    chars: list[str] = []
    origins: list[int] = []
    sequence_start = 0
    for index in range(len(raw.data)):
        produced = decoder.decode(raw.data[index:index + 1])
        if produced:
            chars.append(produced)
            origins.extend([raw.origins[sequence_start]] * len(produced))
            sequence_start = index + 1
    produced = decoder.decode(b"", final=True)
    if produced:
        chars.append(produced)
        last = raw.origins[min(sequence_start, len(raw.origins) - 1)]
        origins.extend([last] * len(produced))
    return "".join(chars), origins


def _normalize_newlines(text: str, origins: list[int]) -> tuple[str, list[int]]:
    """CRLF and lone CR become LF (each kept at the offset of its first character)."""
    if "\r" not in text:
        return text, origins
    chars: list[str] = []
    kept: list[int] = []
    for index, char in enumerate(text):
        if char == "\r":
            if text.startswith("\n", index + 1):
                continue  # the LF that follows stands for both
            char = "\n"
        chars.append(char)
        kept.append(origins[index])
    return "".join(chars), kept


def _unflow(text: str, origins: list[int], delsp: bool) -> tuple[str, list[int]]:
    """RFC 3676 format=flowed: a line ending in a space continues on the next line (at the same
    quoting depth). Space-stuffing is dropped from unquoted lines; quoted lines keep their
    "> " so they read as quoted."""
    chars: list[str] = []
    kept: list[int] = []
    lines = text.split("\n")
    depths = [len(line) - len(line.lstrip(">")) for line in lines]
    pos = 0
    joined = False  # the previous line flows into this one
    for index, line in enumerate(lines):
        depth = depths[index]
        content = depth + 1 if line.startswith(" ", depth) else depth
        flowed = (
            line.endswith(" ") and line[content:] != "-- "
            and index + 1 < len(lines) and depths[index + 1] == depth
        )
        end = len(line) - 1 if flowed and delsp else len(line)
        if joined:  # a continuation: its quote marks and stuffing repeat the line it joins
            segments = [(content, end)]
        else:
            segments = [(0 if depth else content, end)]
        if not flowed and index + 1 < len(lines):
            segments.append((len(line), len(line) + 1))  # the line break itself
        for start, stop in segments:
            chars.append(text[pos + start:pos + stop])
            kept.extend(origins[pos + start:pos + stop])
        joined = flowed
        pos += len(line) + 1
    return "".join(chars), kept


# -- transfer encodings ----------------------------------------------------------------------
class _BadEncoding(Exception):
    """An encoded payload that cannot be decoded; ``offset`` is a byte offset in the file."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _decode_quoted_printable(payload: bytes, start: int) -> _Bytes:
    """RFC 2045 quoted-printable: ``=XY`` escapes, soft line breaks, trailing space dropped."""
    out = bytearray()
    origins: list[int] = []
    line_start = start
    for line in payload.splitlines(keepends=True):
        body = line.rstrip(b"\r\n")
        content = body.rstrip(b" \t")  # added in transport, per RFC 2045 6.7 (3)
        soft = content.endswith(b"=")
        if soft:
            content = content[:-1]
        _unescape(content, line_start, out, origins, underscore=False)
        if len(body) < len(line) and not soft:
            out += b"\n"
            origins.append(line_start + len(body))
        line_start += len(line)
    return _Bytes(out, origins)


def _unescape(
    content: bytes, start: int, out: bytearray, origins: list[int], underscore: bool
) -> None:
    """Append ``content`` with ``=XY`` escapes decoded (and ``_`` as space in encoded words)."""
    pos = 0
    for match in _QP_ESCAPE.finditer(content):
        _literal(content[pos:match.start()], start + pos, out, origins, underscore)
        out.append(int(match.group(1), 16))
        origins.append(start + match.start())
        pos = match.end()
    _literal(content[pos:], start + pos, out, origins, underscore)


def _literal(
    chunk: bytes, start: int, out: bytearray, origins: list[int], underscore: bool
) -> None:
    out += chunk.replace(b"_", b" ") if underscore else chunk
    origins.extend(range(start, start + len(chunk)))


@dataclass(frozen=True)
class _Base64:
    """Base64 as read: the bytes, and what of the encoded text was left out (file offsets)."""

    data: _Bytes
    ignored_from: int | None = None  # where non-blank text after the data begins
    cut_short: bool = False  # the last character was left over (not a whole byte)


def _decode_base64(payload: bytes, start: int) -> _Base64:
    """Base64 as mail clients read it: the data is the first run of base64 lines, and ends at
    its '=' padding, at a blank line, or at a line with a character base64 does not use (a
    mailing list's footer after the part, say). _BadEncoding when there is no data at all."""
    end = len(payload)
    started = False
    offset = 0
    for line in payload.splitlines(keepends=True):
        content = line.strip()
        bad = _BASE64_BAD.search(content)
        if (started and not content) or bad:
            if bad and not started:
                char = chr(content[bad.start()])
                raise _BadEncoding(f"invalid base64 (unexpected {char!r})",
                                   start + offset + line.index(content) + bad.start())
            end = offset
            break
        if b"=" in content:
            padding = line.index(b"=")
            end = offset + padding + len(line[padding:]) - len(line[padding:].lstrip(b"="))
            break
        started = started or bool(content)
        offset += len(line)
    rest = payload[end:]
    ignored_from = start + end + len(rest) - len(rest.lstrip()) if rest.strip() else None
    positions = [start + m.start() for m in _BASE64_CHAR.finditer(payload, 0, end)]
    cut_short = len(positions) % 4 == 1
    if cut_short:
        positions.pop()
    core = re.sub(rb"[^A-Za-z0-9+/]", b"", payload[:end])[:len(positions)]
    data = binascii.a2b_base64(core + b"=" * (-len(core) % 4))
    # Byte j is made of bits 8j.. of the stream, which begin in character (8j) // 6.
    return _Base64(_Bytes(data, [positions[(8 * j) // 6] for j in range(len(data))]),
                   ignored_from, cut_short)


# -- the file ---------------------------------------------------------------------------------
class _EmlFile:
    """One .eml file being parsed: its bytes, their Latin-1 view, its text, and the notes on
    what was repaired to read it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.raw = data.decode("latin-1")
        self.source = SourceText(data.decode("utf-8", errors="replace"))
        self.char_offset = _CharOffsets(data)
        block = _BLANK_LINE.search(self.raw)
        self.headers_end = block.start() if block else len(self.raw)
        self.body_start = block.end() if block else len(self.raw)
        self._notes: dict[InputNote, None] = {}  # in order, each once
        self.cut_deep = False  # multiparts nested too deep were left unread (the first note)

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
        for field in _HEADER_FIELD.finditer(self.raw, start, end):
            if field.group("name").lower() == name:
                return field.start()
        return start

    def field(self, chars: str, origins: list[int] | range) -> TextField:
        if self.char_offset.identity:
            return TextField(chars, origins if isinstance(origins, range) else tuple(origins))
        return TextField(chars, tuple(map(self.char_offset, origins)))

    # -- structure ---------------------------------------------------------------------------
    def parse(self) -> EmailMessage:
        """The email package's reading of the file, with multiparts nested too deep cut off."""
        text = self._cap_nesting()
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
        if _LONG_BOUNDARY.search(self.raw):
            re.purge()

    def _cap_nesting(self) -> str:
        """The file's text, each multipart deeper than MAX_DEPTH made an opaque part.

        The email package parses a level of nesting per stack frame. Its content type is
        overwritten in place ("multipart" becomes "x-toodeep", as long), so every offset
        stays as it is in the file.
        """
        raw = self.raw
        if len(_MULTIPART.findall(raw)) <= MAX_DEPTH:
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

    def leaves(self, message: EmailMessage) -> list[_Leaf]:
        """The parts that may hold the text, in file order (attachments left out)."""
        found: list[_Leaf] = []
        self._walk(message, 0, self.body_start, found)
        return found

    def _walk(self, part: EmailMessage, header_start: int, cursor: int, found: list[_Leaf]) -> int:
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
        payload = part.get_payload()
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
        start = self.raw.find(payload, cursor)
        if start < 0:  # the email package read a header line as the start of the body
            start = self.raw.find(payload, header_start)
        found.append(_Leaf(part, header_start, start, payload.encode("latin-1"), content_type))
        return start + len(payload)

    # -- text --------------------------------------------------------------------------------
    def text_of(self, leaf: _Leaf) -> tuple[str, list[int]]:
        """A part's text and each character's byte offset in the file; ParseError when it has
        nothing readable."""
        try:
            raw = self._payload_bytes(leaf)
        except _BadEncoding as exc:
            raise ParseError(
                f"{exc.message} in the {leaf.content_type} part", self.line(exc.offset)
            ) from None
        text, origins, repair = _decode_declared(raw, leaf.part.get_content_charset())
        if repair:
            self.note(f"{repair[0]} in the {leaf.content_type} part: read as {repair[1]}",
                      self.header_offset(leaf.header_start, "content-type"))
        text, origins = _normalize_newlines(text, origins)
        if str(leaf.part.get_param("format", "")).lower() == "flowed":
            delsp = str(leaf.part.get_param("delsp", "")).lower() == "yes"
            return _unflow(text, origins, delsp)
        return text, origins

    def _payload_bytes(self, leaf: _Leaf) -> _Bytes:
        """A part's payload with its transfer encoding decoded (an unknown one: as it stands)."""
        declared = str(leaf.part.get("content-transfer-encoding", "")).strip().lower()
        encoding = _TRANSFER_ENCODINGS.get(re.sub(r"[^a-z0-9]", "", declared))
        part = f"the {leaf.content_type} part"
        if encoding == "quoted-printable":
            return _decode_quoted_printable(leaf.payload, leaf.payload_start)
        if encoding == "base64":
            decoded = _decode_base64(leaf.payload, leaf.payload_start)
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
        return _Bytes.verbatim(leaf.payload, leaf.payload_start)

    def subject(self) -> TextField | None:
        """The Subject header, decoded, each character mapped into its header line."""
        return self.unstructured("Subject")

    def unstructured(self, name: str) -> TextField | None:
        """The first ``name`` header (Subject, From), its encoded words decoded, each
        character mapped into its header line."""
        for found in _HEADER_FIELD.finditer(self.raw, 0, self.headers_end):
            if found.group("name").lower() == name.lower():
                value = self.capped(found.group("value"), name, 0)
                chars, origins, repairs = _decode_header(value.encode("latin-1"),
                                                         found.start("value"))
                for problem, reading in repairs:
                    self.note(f"{problem} in an encoded word of the {name} header: read as "
                              f"{reading}", found.start())
                end = found.start("value") + len(value)
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
            if key not in _KEPT_HEADERS:
                continue  # decoding headers is slow, and routing/DKIM headers say nothing here
            if key in headers and key not in _ADDRESS_HEADERS:
                continue
            value = _header_text(key, self.capped(str(raw), name, 0))
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers


def _is_attachment(part: EmailMessage) -> bool:
    return str(part.get("content-disposition", "")).strip().lower().startswith("attachment")


def _strip(text_field: TextField, end: int, char_offset: _CharOffsets) -> TextField:
    """A field without surrounding white space (empty: positioned at the end of its value)."""
    text = text_field.text
    start = len(text) - len(text.lstrip())
    stop = len(text.rstrip())
    if start >= stop:
        return TextField.verbatim("", char_offset(end))
    return TextField(text[start:stop], tuple(text_field.origins[start:stop]))


# -- headers ----------------------------------------------------------------------------------
def _decode_header(
    value: bytes, start: int
) -> tuple[str, list[int], list[tuple[str, str]]]:
    """An unstructured header value: unfolded, RFC 2047 encoded words decoded; and the
    charsets of encoded words that were not followed (see :func:`_decode_declared`).

    Encoded words next to each other (only white space between) are joined before their
    charset is decoded, as a character may be split across them. The first character of an
    encoded word maps to its ``=?``, the others to their own encoded form.
    """
    chars: list[str] = []
    origins: list[int] = []
    repairs: dict[tuple[str, str], None] = {}
    pending: list[tuple[str | None, _Bytes]] = []  # adjacent encoded words, still bytes
    pos = 0
    for word in _ENCODED_WORD.finditer(value):
        gap = value[pos:word.start()]
        decoded = _encoded_word(word, start)
        if decoded is None:
            continue  # bad base64: the word stays as it was written
        if not (pending and not gap.strip()):
            _flush_words(pending, chars, origins, repairs)
            _add_literal(value[pos:word.start()], start + pos, chars, origins)
        pending.append(decoded)
        pos = word.end()
    _flush_words(pending, chars, origins, repairs)
    _add_literal(value[pos:], start + pos, chars, origins)
    return "".join(chars), origins, list(repairs)


def _encoded_word(word: re.Match[bytes], start: int) -> tuple[str, _Bytes] | None:
    """An encoded word's declared charset and its bytes (None: nothing decodable)."""
    charset = word.group("charset").decode("ascii", "replace")
    text_start = start + word.start("text")
    if word.group("encoding") in b"Bb":
        try:
            raw = _decode_base64(word.group("text"), text_start).data
        except _BadEncoding:
            return None
    else:
        out = bytearray()
        origins: list[int] = []
        _unescape(word.group("text"), text_start, out, origins, underscore=True)
        raw = _Bytes(out, origins)
    if raw.origins:
        raw.origins[0] = start + word.start()
    return charset, raw


def _flush_words(
    pending: list[tuple[str, _Bytes]], chars: list[str], origins: list[int],
    repairs: dict[tuple[str, str], None],
) -> None:
    """Decode runs of adjacent encoded words that share a charset (and empty ``pending``)."""
    index = 0
    while index < len(pending):
        charset = pending[index][0]
        run = []
        while index < len(pending) and pending[index][0] == charset:
            run.append(pending[index][1])
            index += 1
        joined = _Bytes(b"".join(r.data for r in run), [o for r in run for o in r.origins])
        text, text_origins, repair = _decode_declared(joined, charset)
        if repair:
            repairs[repair] = None
        chars.append(text)
        origins.extend(text_origins)
    pending.clear()


def _add_literal(chunk: bytes, start: int, chars: list[str], origins: list[int]) -> None:
    """Header text outside encoded words: unfolded (line breaks dropped), 8-bit as UTF-8."""
    pos = 0
    for fold in _FOLD.finditer(chunk):
        _add_raw(chunk[pos:fold.start()], start + pos, chars, origins)
        pos = fold.end()
    _add_raw(chunk[pos:], start + pos, chars, origins)


def _add_raw(chunk: bytes, start: int, chars: list[str], origins: list[int]) -> None:
    text, text_origins = _decode_chars(_Bytes.verbatim(chunk, start), charsets.guess(chunk))
    chars.append(text)
    origins.extend(text_origins)


# Headers read into Message.headers (the subject is decoded on its own, see _EmlFile.subject).
_KEPT_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "reply-to", "sender", "date", "message-id",
    "in-reply-to", "references", "list-unsubscribe", "list-unsubscribe-post", "list-id",
    "precedence", "auto-submitted", "content-type", "mime-version", "x-mailer",
    "list-post", "x-beenthere", "x-mailing-list", "mailing-list",
})


def _header_text(name: str, raw: str) -> str:
    """One header value as text: unfolded, 8-bit bytes read as UTF-8, encoded words decoded."""
    data = raw.encode("latin-1", "replace")
    text = data.decode(charsets.guess(data), "replace")
    text = re.sub(r"\r?\n(?=[ \t])", "", text).strip()
    if text.isascii() and "=?" not in text:
        # Nothing to decode, and parsing a header is slow. Addresses and dates are read from
        # the text later (getaddresses, parsedate), as they are for drafts.
        return text
    try:
        return str(policy.default.header_factory(name, text))
    except (MessageError, ValueError, LookupError, IndexError, TypeError, AttributeError):
        return text  # the email package cannot read it: keep it as written


def _unsubscribe_links(value: str | None) -> list[str]:
    """The URLs of a List-Unsubscribe header: ``<mailto:...>, <https://...>``."""
    return [re.sub(r"\s+", "", url) for url in _ANGLE_URL.findall(value or "")]


# -- the message ------------------------------------------------------------------------------
def parse_eml(path: str, data: bytes) -> Message:
    """An RFC 5322 message: its text/plain part (else its text/html part) is the body.

    A text part that cannot be read (base64 with no data) is left out with a note; a message
    with no part that can be read is a ParseError.
    """
    eml = _EmlFile(data)
    try:
        parsed = eml.parse()
        leaves = eml.leaves(parsed)
    finally:
        eml.forget_long_boundaries()
    plain = [leaf for leaf in leaves if leaf.content_type == "text/plain"]
    html_parts = [leaf for leaf in leaves if leaf.content_type == "text/html"]
    if not plain and not html_parts:
        if eml.cut_deep:
            raise ParseError(f"no text/plain or text/html part in the first {MAX_DEPTH} levels "
                             "of nested multiparts (deeper parts are not read): nothing to check",
                             eml.notes[0].line)
        raise ParseError("no text/plain or text/html part: nothing to check")

    unreadable: list[ParseError] = []
    links: list[str] = []
    html_bodies: list[TextField] = []
    for leaf in html_parts:
        try:
            text, origins = eml.text_of(leaf)
            try:
                visible, html_origins, hrefs = html_to_text(text)
            except MalformedHtml as exc:
                raise ParseError(
                    f"{exc.message} in the text/html part", eml.line(origins[exc.offset])
                ) from None
        except ParseError as exc:
            unreadable.append(exc)
            continue
        html_bodies.append(eml.field(visible, [origins[i] for i in html_origins]))
        links.extend(hrefs)
    headers = eml.header_values(parsed)
    links.extend(_unsubscribe_links(headers.get("list-unsubscribe")))

    body, from_html = _choose_body(eml, plain, html_bodies, unreadable)
    subject = eml.subject()
    if subject is not None:
        headers["subject"] = subject.text
    sender = eml.unstructured("From")
    return build_message(
        path, eml.source, subject, body, headers, html=from_html,
        links=tuple(dict.fromkeys(links)), notes=eml.notes,
        sender_name=display_name(sender) if sender is not None else None,
    )


def _choose_body(
    eml: _EmlFile, plain: list[_Leaf], html_bodies: list[TextField],
    unreadable: list[ParseError],
) -> tuple[TextField, bool]:
    """The first text/plain part with text; else the first HTML part (text, from HTML?).

    ``unreadable``: the parts that could not be read so far; each becomes a note, unless no
    part could be read: then the first is raised.
    """
    blank: TextField | None = None
    chosen: tuple[TextField, bool] | None = None
    for leaf in plain:
        try:
            text_field = eml.field(*eml.text_of(leaf))
        except ParseError as exc:
            unreadable.append(exc)
            continue
        if text_field.text.strip():
            chosen = text_field, False
            break
        blank = blank or text_field
    if chosen is None and html_bodies:
        chosen = html_bodies[0], True
    elif chosen is None and blank is not None:
        chosen = blank, False
    if chosen is None:
        raise unreadable[0]
    for problem in unreadable:
        eml.keep(InputNote(f"{problem.message}: the part was not read", problem.line))
    return chosen
