"""Parse an RFC 5322 message (``.eml``), keeping each decoded character's place in the file.

The stdlib ``email`` package reads the structure: headers, boundaries, parts, defects. The
transfer encodings (quoted-printable, base64), the charsets and RFC 2047 encoded words are
decoded here, so that every character of the checked subject and body keeps the offset of the
bytes it came from. ``email`` is given the file decoded as Latin-1, where one character is one
byte: a part's raw payload is then a verbatim slice of that text, found with ``str.find``, and
its offsets are byte offsets. Those are turned into character offsets of the file's text (its
bytes decoded as UTF-8, errors replaced) at the end.
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

from .htmltext import MalformedHtml, html_to_text
from .message import ParseError, build_message
from .model import Message, SourceText, TextField

# Defects of the email package that mean the parts cannot be trusted.
_BOUNDARY_DEFECTS = {
    "NoBoundaryInMultipartDefect": "{ctype} has no boundary parameter",
    "StartBoundaryNotFoundDefect": 'the boundary "{boundary}" of the {ctype} never appears '
    "in the message",
    "CloseBoundaryNotFoundDefect": '{ctype} is not closed: the "--{boundary}--" line is missing',
    "MultipartInvariantViolationDefect": "{ctype} has no parts",
}
# Charset labels seen in mail that Python knows under another name; None means "unlabelled".
_CHARSET_ALIASES: dict[str, str | None] = {
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "unknown-8bit": None,
    "x-unknown": None,
}
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
_BASE64_AFTER_PADDING = re.compile(rb"=\s*[A-Za-z0-9+/]")
_ENCODED_WORD = re.compile(
    rb"=\?(?P<charset>[^?\s*]+)(?:\*[^?\s]*)?\?(?P<encoding>[QqBb])\?(?P<text>[^?\s]*)\?="
)
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_ANGLE_URL = re.compile(r"<([^>]+)>")
_ADDRESS_HEADERS = {"to", "cc", "bcc"}


class _Bytes:
    """Decoded bytes, each with the file offset (in bytes) of the encoded form it came from."""

    __slots__ = ("data", "origins")

    def __init__(self, data: bytes | bytearray, origins: list[int]) -> None:
        self.data = bytes(data)
        self.origins = origins

    @classmethod
    def verbatim(cls, data: bytes, start: int) -> _Bytes:
        return cls(data, list(range(start, start + len(data))))


@dataclass(frozen=True)
class _Leaf:
    """One non-multipart part and where its headers and raw payload are in the file."""

    part: EmailMessage
    header_start: int
    payload_start: int
    payload: bytes

    @property
    def content_type(self) -> str:
        return self.part.get_content_type()


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
def _codec(charset: str | None) -> str | None:
    """The Python codec for a declared charset (None: unlabelled); LookupError if unknown."""
    if charset is None:
        return None
    label = charset.strip().strip("\"'").lower()
    if label in _CHARSET_ALIASES:
        alias = _CHARSET_ALIASES[label]
        if alias is None:
            return None
        label = alias
    b"A".decode(label, "replace")  # LookupError for unknown and bytes-to-bytes codecs
    name = codecs.lookup(label).name
    # Text declared as ASCII that has 8-bit bytes is, in practice, UTF-8.
    return "utf-8" if name == "ascii" else name


def _unlabelled_codec(data: bytes) -> str:
    """The codec for text with no declared charset: UTF-8 if it is valid, else Windows-1252."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decode_chars(raw: _Bytes, codec: str | None) -> tuple[str, list[int]]:
    """Characters of ``raw`` in a codec (None: undeclared), each with its byte's origin."""
    codec = codec or _unlabelled_codec(raw.data)
    if codec == "utf-8":
        try:
            text = raw.data.decode("utf-8")
        except UnicodeDecodeError:
            return _decode_incremental(raw, codec)
        # Each character starts at a byte that is not a continuation byte.
        origins = [o for byte, o in zip(raw.data, raw.origins) if not 0x80 <= byte < 0xC0]
        return text, origins
    if _SINGLE_BYTE.match(codec):
        return raw.data.decode(codec, "replace"), list(raw.origins)
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


def _decode_base64(payload: bytes, start: int) -> _Bytes:
    """Base64, strictly: a stray character or data after the padding is an error."""
    bad = _BASE64_BAD.search(payload) or _BASE64_AFTER_PADDING.search(payload)
    if bad:
        char = chr(payload[bad.start()])
        problem = "data after the '=' padding" if char == "=" else f"unexpected {char!r}"
        raise _BadEncoding(f"invalid base64 ({problem})", start + bad.start())
    positions = [start + m.start() for m in _BASE64_CHAR.finditer(payload)]
    if len(positions) % 4 == 1:
        raise _BadEncoding("invalid base64 (truncated: a character is missing)", positions[-1])
    core = re.sub(rb"[^A-Za-z0-9+/]", b"", payload)
    data = binascii.a2b_base64(core + b"=" * (-len(core) % 4))
    # Byte j is made of bits 8j.. of the stream, which begin in character (8j) // 6.
    return _Bytes(data, [positions[(8 * j) // 6] for j in range(len(data))])


def _decode_transfer(leaf: _Leaf) -> _Bytes:
    encoding = str(leaf.part.get("content-transfer-encoding", "7bit")).strip().lower()
    if encoding == "quoted-printable":
        return _decode_quoted_printable(leaf.payload, leaf.payload_start)
    if encoding == "base64":
        return _decode_base64(leaf.payload, leaf.payload_start)
    if encoding in ("7bit", "8bit", "binary", ""):
        return _Bytes.verbatim(leaf.payload, leaf.payload_start)
    raise _BadEncoding(
        f"unsupported Content-Transfer-Encoding '{encoding}' in the {leaf.content_type} part",
        leaf.payload_start,
    )


# -- the file ---------------------------------------------------------------------------------
class _EmlFile:
    """One .eml file being parsed: its bytes, their Latin-1 view and its text."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.raw = data.decode("latin-1")
        self.source = SourceText(data.decode("utf-8", errors="replace"))
        self.char_offset = _CharOffsets(data)
        block = _BLANK_LINE.search(self.raw)
        self.headers_end = block.start() if block else len(self.raw)
        self.body_start = block.end() if block else len(self.raw)

    def line(self, byte_offset: int) -> int:
        return self.data.count(b"\n", 0, byte_offset) + 1

    def header_line(self, start: int, name: str) -> int:
        """The line of header ``name`` in the header block beginning at ``start``."""
        block = _BLANK_LINE.search(self.raw, start)
        end = block.start() if block else len(self.raw)
        for field in _HEADER_FIELD.finditer(self.raw, start, end):
            if field.group("name").lower() == name:
                return self.line(field.start())
        return self.line(start)

    def field(self, chars: str, origins: list[int]) -> TextField:
        if self.char_offset.identity:
            return TextField(chars, tuple(origins))
        return TextField(chars, tuple(map(self.char_offset, origins)))

    # -- structure ---------------------------------------------------------------------------
    def leaves(self, message: EmailMessage) -> list[_Leaf]:
        """The parts that may hold the text, in file order (attachments left out)."""
        found: list[_Leaf] = []
        self._walk(message, 0, self.body_start, found)
        return found

    def _walk(self, part: EmailMessage, header_start: int, cursor: int, found: list[_Leaf]) -> int:
        self._check_defects(part, header_start)
        if part.get_content_maintype() == "message" or _is_attachment(part):
            return cursor  # an attached message or file: not the sender's text
        if part.is_multipart():
            delimiter = re.compile(
                "^--" + re.escape(part.get_boundary() or "") + r"(?=--|[ \t]*\r?$)", re.MULTILINE
            )
            for child in part.get_payload():
                boundary = delimiter.search(self.raw, cursor)
                child_start = boundary.end() if boundary else cursor
                block = _BLANK_LINE.search(self.raw, child_start)
                cursor = self._walk(child, child_start, block.end() if block else cursor, found)
            return cursor
        payload = part.get_payload()
        start = self.raw.find(payload, cursor)
        if start < 0:  # the email package read a header line as the start of the body
            start = self.raw.find(payload, header_start)
        found.append(_Leaf(part, header_start, start, payload.encode("latin-1")))
        return start + len(payload)

    def _check_defects(self, part: EmailMessage, header_start: int) -> None:
        for defect in part.defects:
            template = _BOUNDARY_DEFECTS.get(type(defect).__name__)
            if template:
                message = template.format(
                    ctype=part.get_content_type(), boundary=part.get_boundary() or ""
                )
                raise ParseError(message, self.header_line(header_start, "content-type"))

    # -- text --------------------------------------------------------------------------------
    def text_of(self, leaf: _Leaf) -> tuple[str, list[int]]:
        """A part's text and each character's byte offset in the file."""
        charset = leaf.part.get_content_charset()
        try:
            codec = _codec(charset)
            raw = _decode_transfer(leaf)
        except LookupError:
            raise ParseError(
                f"unknown charset '{charset}' in the {leaf.content_type} part",
                self.header_line(leaf.header_start, "content-type"),
            ) from None
        except _BadEncoding as exc:
            raise ParseError(
                f"{exc.message} in the {leaf.content_type} part", self.line(exc.offset)
            ) from None
        text, origins = _normalize_newlines(*_decode_chars(raw, codec))
        if str(leaf.part.get_param("format", "")).lower() == "flowed":
            delsp = str(leaf.part.get_param("delsp", "")).lower() == "yes"
            return _unflow(text, origins, delsp)
        return text, origins

    def subject(self) -> TextField | None:
        """The Subject header, decoded, each character mapped into its header line."""
        for found in _HEADER_FIELD.finditer(self.raw, 0, self.headers_end):
            if found.group("name").lower() == "subject":
                value = found.group("value").encode("latin-1")
                chars, origins = _decode_header(value, found.start("value"))
                return _strip(self.field(chars, origins), found.end("value"), self.char_offset)
        return None


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
def _decode_header(value: bytes, start: int) -> tuple[str, list[int]]:
    """An unstructured header value: unfolded, RFC 2047 encoded words decoded.

    Encoded words next to each other (only white space between) are joined before their
    charset is decoded, as a character may be split across them. The first character of an
    encoded word maps to its ``=?``, the others to their own encoded form.
    """
    chars: list[str] = []
    origins: list[int] = []
    pending: list[tuple[str | None, _Bytes]] = []  # adjacent encoded words, still bytes
    pos = 0
    for word in _ENCODED_WORD.finditer(value):
        gap = value[pos:word.start()]
        decoded = _encoded_word(word, start)
        if decoded is None:
            continue  # unknown charset or bad base64: the word stays as it was written
        if not (pending and not gap.strip()):
            _flush_words(pending, chars, origins)
            _add_literal(value[pos:word.start()], start + pos, chars, origins)
        pending.append(decoded)
        pos = word.end()
    _flush_words(pending, chars, origins)
    _add_literal(value[pos:], start + pos, chars, origins)
    return "".join(chars), origins


def _encoded_word(word: re.Match[bytes], start: int) -> tuple[str | None, _Bytes] | None:
    charset = word.group("charset").decode("ascii", "replace")
    text_start = start + word.start("text")
    try:
        codec = _codec(charset)
        if word.group("encoding") in b"Bb":
            raw = _decode_base64(word.group("text"), text_start)
        else:
            out = bytearray()
            origins: list[int] = []
            _unescape(word.group("text"), text_start, out, origins, underscore=True)
            raw = _Bytes(out, origins)
    except (LookupError, _BadEncoding):
        return None
    if raw.origins:
        raw.origins[0] = start + word.start()
    return codec, raw


def _flush_words(
    pending: list[tuple[str | None, _Bytes]], chars: list[str], origins: list[int]
) -> None:
    """Decode runs of adjacent encoded words that share a charset."""
    while pending:
        codec = pending[0][0]
        run = []
        while pending and pending[0][0] == codec:
            run.append(pending.pop(0)[1])
        joined = _Bytes(b"".join(r.data for r in run), [o for r in run for o in r.origins])
        text, text_origins = _decode_chars(joined, codec)
        chars.append(text)
        origins.extend(text_origins)


def _add_literal(chunk: bytes, start: int, chars: list[str], origins: list[int]) -> None:
    """Header text outside encoded words: unfolded (line breaks dropped), 8-bit as UTF-8."""
    pos = 0
    for fold in _FOLD.finditer(chunk):
        _add_raw(chunk[pos:fold.start()], start + pos, chars, origins)
        pos = fold.end()
    _add_raw(chunk[pos:], start + pos, chars, origins)


def _add_raw(chunk: bytes, start: int, chars: list[str], origins: list[int]) -> None:
    text, text_origins = _decode_chars(_Bytes.verbatim(chunk, start), None)
    chars.append(text)
    origins.extend(text_origins)


_KEPT_HEADERS = frozenset({
    "subject", "from", "to", "cc", "bcc", "reply-to", "sender", "date", "message-id",
    "in-reply-to", "references", "list-unsubscribe", "list-unsubscribe-post", "list-id",
    "precedence", "auto-submitted", "content-type", "mime-version", "x-mailer",
})


def _header_values(message: EmailMessage) -> dict[str, str]:
    """Header values by lower-case name, decoded; address lists that repeat are joined."""
    headers: dict[str, str] = {}
    for name, raw in message.items():
        key = name.lower()
        if key not in _KEPT_HEADERS:
            continue  # decoding headers is slow, and routing/DKIM headers say nothing here
        value = _header_text(key, str(raw))
        if key in headers and key in _ADDRESS_HEADERS:
            headers[key] = f"{headers[key]}, {value}"
        elif key not in headers:
            headers[key] = value
    return headers


def _header_text(name: str, raw: str) -> str:
    """One header value as text: unfolded, 8-bit bytes read as UTF-8, encoded words decoded."""
    data = raw.encode("latin-1", "replace")
    text = data.decode(_unlabelled_codec(data), "replace")
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
    """An RFC 5322 message: its text/plain part (else its text/html part) is the body."""
    eml = _EmlFile(data)
    parsed = email.message_from_string(eml.raw, policy=policy.compat32)
    leaves = eml.leaves(parsed)
    plain = [leaf for leaf in leaves if leaf.content_type == "text/plain"]
    html_parts = [leaf for leaf in leaves if leaf.content_type == "text/html"]
    if not plain and not html_parts:
        raise ParseError("no text/plain or text/html part: nothing to check")

    links: list[str] = []
    html_bodies: list[TextField] = []
    for leaf in html_parts:
        text, origins = eml.text_of(leaf)
        try:
            visible, html_origins, hrefs = html_to_text(text)
        except MalformedHtml as exc:
            raise ParseError(
                f"{exc.message} in the text/html part", eml.line(origins[exc.offset])
            ) from None
        html_bodies.append(eml.field(visible, [origins[i] for i in html_origins]))
        links.extend(hrefs)
    headers = _header_values(parsed)
    links.extend(_unsubscribe_links(headers.get("list-unsubscribe")))

    body, from_html = _choose_body(eml, plain, html_bodies)
    subject = eml.subject()
    if subject is not None:
        headers["subject"] = subject.text
    return build_message(
        path, eml.source, subject, body, headers, html=from_html, links=tuple(dict.fromkeys(links))
    )


def _choose_body(
    eml: _EmlFile, plain: list[_Leaf], html_bodies: list[TextField]
) -> tuple[TextField, bool]:
    """The first text/plain part with text; else the first HTML part (text, from HTML?)."""
    blank: TextField | None = None
    for leaf in plain:
        text_field = eml.field(*eml.text_of(leaf))
        if text_field.text.strip():
            return text_field, False
        blank = blank or text_field
    if html_bodies or blank is None:
        return html_bodies[0], True
    return blank, False
