"""The transfer encodings of a part (quoted-printable, base64), decoded with each byte's
offset in the file."""

from __future__ import annotations

import binascii
import re
from itertools import compress, cycle, islice
from dataclasses import dataclass

from .offsets import OffsetBytes

_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
# Each byte as 1 when it is a character of base64 data (not padding), else 0.
_IS_BASE64 = bytes(int(chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "+/"))
                   for byte in range(256))
_BASE64_BAD = re.compile(rb"[^A-Za-z0-9+/=\s]")
TRANSFER_ENCODINGS = {"quotedprintable": "quoted-printable", "base64": "base64", "7bit": "7bit",
                       "8bit": "8bit", "binary": "binary", "": "7bit"}


class BadEncoding(Exception):
    """An encoded payload that cannot be decoded; ``offset`` is a byte offset in the file."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def decode_quoted_printable(payload: bytes, start: int) -> OffsetBytes:
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
        unescape(content, line_start, out, origins, underscore=False)
        if len(body) < len(line) and not soft:
            out += b"\n"
            origins.append(line_start + len(body))
        line_start += len(line)
    return OffsetBytes(out, origins)


def unescape(
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
class Base64:
    """Base64 as read: the bytes, and what of the encoded text was left out (file offsets)."""

    data: OffsetBytes
    ignored_from: int | None = None  # where non-blank text after the data begins
    cut_short: bool = False  # the last character was left over (not a whole byte)


def decode_base64(payload: bytes, start: int) -> Base64:
    """Base64 as mail clients read it: the data is the first run of base64 lines, and ends at
    its '=' padding, at a blank line, or at a line with a character base64 does not use (a
    mailing list's footer after the part, say). BadEncoding when there is no data at all."""
    end = len(payload)
    started = False
    offset = 0
    for line in payload.splitlines(keepends=True):
        content = line.strip()
        bad = _BASE64_BAD.search(content)
        if (started and not content) or bad:
            if bad and not started:
                char = chr(content[bad.start()])
                raise BadEncoding(f"invalid base64 (unexpected {char!r})",
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
    positions = list(compress(range(start, start + end), payload[:end].translate(_IS_BASE64)))
    cut_short = len(positions) % 4 == 1
    if cut_short:
        positions.pop()
    core = re.sub(rb"[^A-Za-z0-9+/]", b"", payload[:end])[:len(positions)]
    data = binascii.a2b_base64(core + b"=" * (-len(core) % 4))
    # Byte j is made of bits 8j.. of the stream, which begin in character (8j) // 6: three
    # bytes begin in the first three characters of every four.
    origins = list(islice(compress(positions, cycle((1, 1, 1, 0))), len(data)))
    return Base64(OffsetBytes(data, origins), ignored_from, cut_short)
