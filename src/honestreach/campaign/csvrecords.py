"""A CSV export cut into records before any record is parsed, so that one bad record fails
alone and the others are read as they are.

The csv module reads on from wherever it stops: after a field longer than its size limit, every
line that follows is parsed from the middle of that field (a campaign of 60 rows read as 5,980).
Here the bytes are first framed into records by the rules the csv module quotes by (a field that
starts with a quote runs to the closing quote, and ``""`` inside it is a quote; outside quotes
a line break ends the record), each record is decoded on its own (UTF-8, else Windows-1252; or
in the encoding given with ``--encoding``, see encodings), and only then is it parsed, on its
own. A record that is too long, is not text, or parses into other than one row fails alone,
and the next record starts where it should. Memory holds one record (at most ``limit`` bytes)
at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO

from ..csvformat import delimiter_of
from .encodings import Encoding

# As large as a message `check` reads (filekinds.DEFAULT_MAX_BYTES): a body that long is a real
# body, a record longer than that is a broken quote or not a campaign.
MAX_RECORD_BYTES = 10 * 1024 * 1024
_READ_SIZE = 1 << 16
_QUOTE = 0x22
_CR, _LF = 0x0D, 0x0A
# Bytes no text export holds: NUL and the C0 controls other than tab, line feed and carriage
# return (form feed and vertical tab aside, which some exports keep).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
UTF8, WINDOWS_1252, UTF16 = "UTF-8", "Windows-1252", "UTF-16"


@dataclass(frozen=True)
class CsvRecord:
    """One record of the file: its cells, or why it cannot be read (``error``, and ``reason``,
    the same in a few words for the summary's count of failed rows)."""

    line: int  # the 1-based line the record starts on
    cells: tuple[str, ...] | None = None
    error: str | None = None
    reason: str | None = None
    encoding: str = UTF8


def read_records(content: IO[bytes], default_delimiter: str = ",",
                 limit: int = MAX_RECORD_BYTES, given: Encoding | None = None
                 ) -> Iterator[CsvRecord]:
    """Every non-blank record of the file, the header first, in order; ``given``: the encoding
    to read it in (``--encoding``), instead of UTF-8 with a Windows-1252 fallback."""
    if given is not None:
        content = given.stream(content)
        chunks: Iterator[bytes] = iter(lambda: content.read(_READ_SIZE), b"")
        encoding: str | None = given.name
    else:
        chunks, encoding = _transcoded(iter(lambda: content.read(_READ_SIZE), b""))
    first = next(chunks, b"")
    delimiter = delimiter_of(_first_line(first), default_delimiter)
    # A field is at most a record: the csv module must accept any record the framing lets by.
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    for line, data, size, unclosed in _frames(chain([first], chunks), delimiter.encode(), limit):
        yield _record(line, data, size, unclosed, delimiter, encoding, first=line == 1,
                      given=given)


def _transcoded(chunks: Iterator[bytes]) -> tuple[Iterator[bytes], str | None]:
    """The chunks as they are; a UTF-16 file (Excel's "Unicode text") as UTF-8."""
    first = next(chunks, b"")
    if not first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return chain([first], chunks), None
    decoder = codecs.getincrementaldecoder("utf-16")("replace")

    def utf8() -> Iterator[bytes]:
        for chunk in chain([first], chunks):
            yield decoder.decode(chunk).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")

    return utf8(), UTF16


def _first_line(data: bytes) -> str:
    end = min((i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0), default=len(data))
    return data[:end].decode("utf-8", "replace")


def _frames(chunks: Iterable[bytes], delimiter: bytes, limit: int
            ) -> Iterator[tuple[int, bytes | None, int, bool]]:
    """(first line, bytes or None when longer than ``limit``, size in bytes, whether a quote
    was left open at the end of the file) of each record, without its line break."""
    stop = re.compile(b"[" + re.escape(delimiter) + b"\r\n]")
    delimiter_byte = delimiter[0]
    line, breaks = 1, 0  # where the record starts; line breaks inside its quoted fields
    parts: list[bytes] = []
    size = 0
    quoted = after_quote = skip_lf = split_crlf = False
    field_start = True
    for buf in chunks:
        n, i = len(buf), 0
        if not n:
            continue
        if skip_lf:  # a CR ended the last record at the end of a chunk: its LF is part of it
            skip_lf = False
            if buf[0] == _LF:
                i = 1
        elif split_crlf and buf[0] == _LF:  # a quoted CRLF across chunks is one line break
            breaks -= 1
        start = i
        while i < n:
            if after_quote:  # a quote inside a quoted field, the last byte of a chunk
                after_quote = False
                if buf[i] == _QUOTE:
                    i += 1
                    continue
                quoted = False
            if quoted:
                end = buf.find(b'"', i)
                if end < 0:
                    breaks += _line_breaks(buf, i, n)
                    i = n
                    break
                breaks += _line_breaks(buf, i, end)
                if end + 1 == n:
                    after_quote, i = True, n
                elif buf[end + 1] == _QUOTE:
                    i = end + 2
                else:
                    quoted, i = False, end + 1
                continue
            if field_start:
                field_start = False
                if buf[i] == _QUOTE:
                    quoted, i = True, i + 1
                    continue
            found = stop.search(buf, i)
            if found is None:
                i = n
                break
            at = found.start()
            if buf[at] == delimiter_byte:
                field_start, i = True, at + 1
                continue
            # A line break outside quotes: the record ends here.
            size += at - start
            if size <= limit:
                parts.append(buf[start:at])
            yield line, (b"".join(parts) if size <= limit else None), size, False
            line += breaks + 1
            breaks, parts, size, field_start = 0, [], 0, True
            i = at + 1
            if buf[at] == _CR:
                if i < n and buf[i] == _LF:
                    i += 1
                elif i == n:
                    skip_lf = True
            start = i
        size += n - start
        if size <= limit:
            parts.append(buf[start:n])
        else:
            parts = []
        split_crlf = quoted and buf[-1] == _CR
    if size:
        yield line, (b"".join(parts) if size <= limit else None), size, quoted and not after_quote


def _line_breaks(buf: bytes, start: int, end: int) -> int:
    """Line breaks in a slice: LF, CRLF and a lone CR each count once."""
    return buf.count(b"\n", start, end) + buf.count(b"\r", start, end) \
        - buf.count(b"\r\n", start, end)


def _record(line: int, data: bytes | None, size: int, unclosed: bool, delimiter: str,
            encoding: str | None, first: bool, given: Encoding | None = None) -> CsvRecord:
    if data is None:
        why = " (a quote that is never closed?)" if unclosed else ""
        return CsvRecord(line, error=f"longer than {size // 1_000_000 or 1} MB: larger than "
                                     f"any message{why}", reason="record too long")
    if unclosed:
        return CsvRecord(line, error="a quote that is never closed: the rest of the file is "
                                     "inside it", reason="unclosed quote")
    if given is not None:
        try:
            text, used = given.decode(data, first), given.name
        except UnicodeDecodeError:
            return CsvRecord(line, error=f"not {given.name}: bytes that {given.name} cannot "
                                         f"read (see --encoding)",
                             reason=f"not {given.name}", encoding=given.name)
    else:
        if first:
            data = data.removeprefix(codecs.BOM_UTF8)
        try:
            text, used = data.decode("utf-8"), encoding or UTF8
        except UnicodeDecodeError:
            try:
                text, used = data.decode("cp1252"), WINDOWS_1252
            except UnicodeDecodeError:
                return CsvRecord(line, error="not text: neither UTF-8 nor Windows-1252",
                                 reason="not text")
    if not text.strip():
        return CsvRecord(line, cells=(), encoding=used)
    if _BINARY.search(text):
        return CsvRecord(line, error="not text: control characters (binary data)",
                         reason="not text", encoding=used)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        return CsvRecord(line, error=f"unreadable CSV ({exc})", reason="unreadable CSV",
                         encoding=used)
    if len(rows) != 1:
        return CsvRecord(line, error=f"unreadable CSV (reads as {len(rows)} rows)",
                         reason="unreadable CSV", encoding=used)
    return CsvRecord(line, cells=tuple(rows[0]), encoding=used)
