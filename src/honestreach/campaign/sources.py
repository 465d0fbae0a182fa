"""Reading a campaign source one send at a time: CSV, JSONL or an mbox file (each optionally
gzip-compressed), or a folder of ``.eml`` files. Nothing here loads the whole input."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from ..regularfile import read_regular_bytes
from .columns import COLUMN_FIELDS as FIELDS
from .columns import ColumnMap, missing_columns, resolve
from .csvrecords import MAX_RECORD_BYTES, UTF8, read_records
from .encodings import Encoding

# A message (an mbox message, an .eml file, a JSONL line) larger than this is not read: it is
# as large as a message `check` reads (sources.DEFAULT_MAX_BYTES).
MAX_MESSAGE_BYTES = MAX_RECORD_BYTES


class CampaignSourceError(Exception):
    """A source that cannot be read at all (unknown format, missing file)."""


class MissingColumns(CampaignSourceError):
    """The header (a CSV's first row, the first JSON object's keys) leaves a field that every
    send needs without a column: no row of it could be checked."""


@dataclass
class ReadProgress:
    """How far the reader is through its input (bytes of the file as stored, or files of a
    folder), for a progress bar's percentage and ETA. ``total`` is None when unknown.

    ``rows`` counts the rows the reader has given out (None until it starts), so that the audit
    can tell that every row read came back checked or failed; ``notes`` counts what the reader
    had to repair to read them (rows read as Windows-1252, say). ``columns`` says which columns
    were recognised by their export names and, when a field a send needs has no column, the
    headers found and the mapping that would fix it (columns.missing_columns)."""

    total: int | None = None
    done: int = 0
    rows: int | None = None
    notes: Counter[str] = field(default_factory=Counter)
    columns: dict[str, Any] = field(default_factory=dict)
    # Entries of a folder that are not messages: how many, and the first few by name.
    skipped: int = 0
    skipped_names: list[str] = field(default_factory=list)

    def skip(self, name: str) -> None:
        self.skipped += 1
        if len(self.skipped_names) < SKIPPED_NAMED:
            self.skipped_names.append(name)

    def saw_columns(self, headers: Sequence[str], columns: ColumnMap) -> None:
        """Note what a header (or a JSON object's keys) mapped to: the columns recognised,
        and the first headers that leave a required field without a column."""
        for name, header in columns.recognised.items():
            self.columns.setdefault("recognised", {}).setdefault(name, header)
        if "missing" not in self.columns:
            missing = missing_columns(headers, columns)
            if missing is not None:
                self.columns["missing"] = missing

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


@dataclass(frozen=True)
class Row:
    """One send as read: its fields (CSV/JSONL), its raw bytes (mbox/eml, a draft file) or why it is
    unreadable (``error``, and ``reason``: the same in a few words, for the summary's count of
    failed rows by reason)."""

    index: int  # 1-based position in the input (its line for JSONL, its record for the rest)
    id: str
    fields: Mapping[str, str | None] = field(default_factory=dict)
    eml: bytes | None = None
    # A draft file of a folder (.txt, .md, .html), read as check reads it.
    draft: bytes | None = None
    error: str | None = None
    reason: str | None = None


def parse_columns(spec: str | None, **single: str | None) -> dict[str, str]:
    """The column mapping from ``--columns id=send_id,to=email`` and ``--map-id COL`` options
    (the single options win): canonical field -> the source's column name."""
    mapping: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, sep, column = part.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in FIELDS or not column.strip():
            raise ValueError(f"invalid column mapping {part.strip()!r} "
                             f"(expected FIELD=COLUMN with FIELD one of {', '.join(FIELDS)})")
        mapping[name] = column.strip()
    for name, chosen in single.items():
        if chosen:
            mapping[name] = chosen
    return mapping


def source_format(source: str) -> str:
    """'jsonl', 'csv', 'mbox' or 'eml-folder'."""
    path = Path(source)
    if path.is_dir():
        return "eml-folder"
    if not path.exists():
        raise CampaignSourceError(f"{source}: no such file or folder")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith(".mbox") or _starts_with_from(source):
        return "mbox"
    raise CampaignSourceError(
        f"{source}: unknown campaign format (use .csv, .jsonl, .mbox, their .gz, or a folder)")


def _starts_with_from(source: str) -> bool:
    try:
        with _open_binary(source)[1] as handle:
            return handle.read(5) == b"From "
    except (OSError, EOFError):
        return False


def _open_binary(source: str) -> tuple[IO[bytes], IO[bytes]]:
    """The file as stored (whose position tells progress) and its content (decompressed)."""
    raw = open(source, "rb")
    if source.lower().endswith(".gz"):
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw, raw


def iter_rows(source: str, columns: Mapping[str, str] | None = None,
              progress: ReadProgress | None = None,
              encoding: Encoding | None = None) -> Iterator[Row]:
    """Every send of the source, in order; unreadable ones as rows with an error.
    ``progress``, when given, is kept up to date as the source is read. ``encoding``
    (``--encoding``) is what the source is written in, instead of UTF-8 (with a Windows-1252
    fallback for CSV); for mail, what text that declares no charset is written in."""
    kind = source_format(source)
    columns = dict(columns or {})
    progress = progress if progress is not None else ReadProgress()
    progress.rows = 0
    if kind == "eml-folder":
        for row in _folder_rows(source, progress, encoding):
            progress.rows += 1
            yield row
        return
    progress.total = os.path.getsize(source)
    raw, content = _open_binary(source)
    with raw, content:
        if kind == "mbox":
            rows = _mbox_rows(content, encoding)
        elif kind == "jsonl":
            rows = _jsonl_rows(content, columns, progress, encoding)
        else:
            tabs = source.lower().removesuffix(".gz").endswith(".tsv")
            rows = _csv_rows(source, content, columns, progress, tabs=tabs, encoding=encoding)
        for row in rows:
            progress.done = raw.tell()
            progress.rows += 1
            yield row
        progress.done = progress.total


def check_columns(source: str, columns: Mapping[str, str] | None = None,
                  encoding: Encoding | None = None) -> None:
    """Raise MissingColumns, before any row is checked, when the header of a CSV or JSONL
    source (the first JSON object that reads) leaves a field a send needs without a column,
    with the headers found and the ``--columns`` mapping that would fix it, in one line.

    A JSONL line whose keys change further on fails alone, and the summary says why."""
    kind = source_format(source)
    if kind not in ("csv", "jsonl"):
        return
    progress = ReadProgress()
    for row in islice(iter_rows(source, columns, progress, encoding), _HEADER_ROWS):
        if row.error is None:
            break
    missing = progress.columns.get("missing")
    if missing is None:
        return
    given = dict(columns or {})
    fields = " and ".join(f"{name} ({given[name]!r} is not a header)" if name in given else name
                          for name in missing["fields"])
    headers = missing["headers"]
    shown = ", ".join(headers[:_HEADERS_SHOWN]) + (
        f" and {len(headers) - _HEADERS_SHOWN} more" if len(headers) > _HEADERS_SHOWN else "")
    fix = (f"add {missing['hint']}" if missing["hint"] else
           "name the columns with --columns " + ",".join(
               f"{name}=COLUMN" for name in missing["fields"]))
    raise MissingColumns(
        f"{source}: no column for {fields}; the {'headers' if kind == 'csv' else 'keys'} are "
        + f"{shown or 'none'}; to map them, {fix}")


# Lines a JSONL source may start with that are not objects (blank, broken) before its first
# object tells its keys; and how many headers a one-line error names.
_HEADER_ROWS = 100
_HEADERS_SHOWN = 20


def _mapped(record: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = record.get(columns.get(name, name))
        values[name] = None if value is None else str(value)
    return values


class _KeyColumns:
    """The columns of JSON objects, resolved once per set of keys (a campaign's lines share a
    few); at most ``limit`` sets are kept."""

    def __init__(self, given: Mapping[str, str], progress: ReadProgress,
                 limit: int = 256) -> None:
        self.given = given
        self.progress = progress
        self.limit = limit
        self._known: dict[tuple[str, ...], ColumnMap] = {}

    def __call__(self, record: Mapping[str, Any]) -> Mapping[str, str]:
        keys = tuple(record)
        columns = self._known.get(keys)
        if columns is None:
            columns = resolve(keys, self.given)
            self.progress.saw_columns(keys, columns)
            if len(self._known) < self.limit:
                self._known[keys] = columns
        return columns.columns


def _lines(content: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of a stream; None for one longer than ``limit`` (read past, never kept)."""
    while data := content.readline(limit + 1):
        if len(data) > limit and not data.endswith(b"\n"):
            while (rest := content.readline(limit + 1)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield data


def _jsonl_rows(content: IO[bytes], columns: Mapping[str, str], progress: ReadProgress,
                encoding: Encoding | None = None) -> Iterator[Row]:
    columns_of = _KeyColumns(columns, progress)
    if encoding is not None:
        content = encoding.stream(content)
    for number, data in enumerate(_lines(content, MAX_MESSAGE_BYTES), start=1):
        name = f"line-{number}"
        if data is None:
            yield Row(number, name, error=f"line {number}: longer than "
                                          f"{MAX_MESSAGE_BYTES // 1_000_000} MB",
                      reason="line too long")
            continue
        if number == 1 and encoding is None:
            data = data.removeprefix(b"\xef\xbb\xbf")  # a byte order mark
        if not data.strip():
            continue
        try:
            text = data.decode("utf-8") if encoding is None else \
                encoding.decode(data, first=number == 1)
            record = json.loads(text)
        except UnicodeDecodeError as exc:
            read_as = encoding.name if encoding is not None else UTF8
            yield Row(number, name, error=f"line {number}: not {read_as} ({exc.reason})",
                      reason=f"not {read_as}")
            continue
        except json.JSONDecodeError as exc:
            yield Row(number, name, error=f"line {number}: invalid JSON ({exc})",
                      reason="invalid JSON")
            continue
        except (ValueError, RecursionError) as exc:  # a number too long, nesting too deep
            yield Row(number, name, error=f"line {number}: unreadable JSON "
                                          f"({type(exc).__name__}: {str(exc)[:200]})",
                      reason="invalid JSON")
            continue
        if not isinstance(record, dict):
            yield Row(number, name,
                      error=f"line {number}: expected a JSON object, got {type(record).__name__}",
                      reason="not a JSON object")
            continue
        values = _mapped(record, columns_of(record))
        yield Row(number, values["id"] or f"line-{number}", values)


def _csv_rows(source: str, content: IO[bytes], columns: Mapping[str, str],
              progress: ReadProgress, tabs: bool,
              encoding: Encoding | None = None) -> Iterator[Row]:
    """The rows of a CSV export, each framed, decoded and parsed on its own (csvrecords): a
    record that cannot be read is a failed row with its line, and the rows after it are read.
    Rows read in another encoding than the one expected (UTF-8, or ``encoding``) are noted."""
    records = read_records(content, "\t" if tabs else ",", given=encoding)
    expected = encoding.name if encoding is not None else UTF8
    header_record = next(records, None)
    if header_record is None:
        return
    if header_record.cells is None:
        raise CampaignSourceError(f"{source}: the header row (line 1) cannot be read: "
                                  f"{header_record.error}")
    header = header_record.cells
    mapped = resolve(header, columns)
    progress.saw_columns(header, mapped)
    columns = mapped.columns
    if header_record.encoding != expected:
        progress.notes[f"header read as {header_record.encoding} (not UTF-8)"] += 1
    number = 0
    for record in records:
        if record.cells is not None and not any(cell.strip() for cell in record.cells):
            continue  # a blank line
        number += 1
        where = f"row {number} (line {record.line})"
        if record.encoding != expected:
            progress.notes[f"rows read as {record.encoding} (not UTF-8)"] += 1
        if record.cells is None:
            yield Row(number, f"row-{number}", error=f"{where}: {record.error}",
                      reason=record.reason)
            continue
        cells = record.cells
        values = _mapped(dict(zip(header, cells)), columns)
        row_id = values["id"] or f"row-{number}"
        if len(cells) != len(header):
            read_as = (f" (read as {record.encoding}: not UTF-8)"
                       if record.encoding != expected else "")
            yield Row(number, row_id, values,
                      error=f"{where}: {len(cells)} fields, the header has {len(header)}"
                            f"{read_as}", reason="wrong number of fields")
            continue
        yield Row(number, row_id, values)


# mboxrd quoting: a body line starting with "From " was written with one more ">".
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def _mbox_rows(content: IO[bytes], encoding: Encoding | None = None) -> Iterator[Row]:
    """Messages of an mbox stream: each starts at a line beginning with "From " (the envelope
    line, not part of the message), as Python's mailbox module reads them, but streamed, so a
    gzip-compressed mbox needs no seeking and memory holds one message at a time."""
    if encoding is not None:
        content = encoding.stream(content)
    number = 0
    lines: list[bytes] | None = None
    size = 0
    for line in _lines(content, MAX_MESSAGE_BYTES):
        if line is not None and line.startswith(b"From "):
            if lines is not None:
                number += 1
                yield _mbox_message(number, lines, size, encoding)
            lines, size = [], 0
        elif lines is not None:
            size += MAX_MESSAGE_BYTES + 1 if line is None else len(line)
            if size <= MAX_MESSAGE_BYTES:
                lines.append(line)  # type: ignore[arg-type]
    if lines is not None:
        yield _mbox_message(number + 1, lines, size, encoding)


def _mbox_message(number: int, lines: list[bytes], size: int,
                  encoding: Encoding | None = None) -> Row:
    if size > MAX_MESSAGE_BYTES:
        return Row(number, str(number), error=f"message {number}: larger than "
                                              f"{MAX_MESSAGE_BYTES // 1_000_000} MB",
                   reason="message too large")
    if lines and not lines[-1].strip():
        lines.pop()  # the blank line that separates it from the next envelope line
    data = _QUOTED_FROM.sub(rb"\1", b"".join(lines))
    if not data.strip():
        return Row(number, str(number), error=f"message {number}: empty", reason="empty message")
    return _message_row(number, str(number), f"message {number}", data, encoding)


# A charset declared anywhere in a message: a Content-Type parameter, an HTML <meta>.
_DECLARES_CHARSET = re.compile(rb"charset\s*=", re.IGNORECASE)


def _message_row(number: int, name: str, where: str, data: bytes,
                 encoding: Encoding | None) -> Row:
    """A message as a row. With ``encoding``, a message that declares no charset is read in
    it (passed on as UTF-8, which the MIME reader tries first); one that declares its charsets
    is read by them, as a mail client reads it."""
    if encoding is None or _DECLARES_CHARSET.search(data):
        return Row(number, name, eml=data)
    try:
        text = encoding.decode(data)
    except UnicodeDecodeError as exc:
        return Row(number, name, error=f"{where}: not {encoding.name} ({exc.reason} at byte "
                                       f"{exc.start})", reason=f"not {encoding.name}")
    return Row(number, name, eml=text.encode("utf-8"))


# What a folder's files are read as: a message (.eml), or a draft as check reads it.
FOLDER_SUFFIXES = (".eml", ".txt", ".md", ".html", ".htm")
# The skipped files a summary names (it counts them all).
SKIPPED_NAMED = 20


def _folder_rows(source: str, progress: ReadProgress,
                 encoding: Encoding | None = None) -> Iterator[Row]:
    """The messages of a folder, by name: ``.eml`` files and drafts (``.txt``, ``.md``,
    ``.html``, as ``check`` reads them). Every other entry (a subfolder, a file of another
    kind) is skipped and named in the summary. A FIFO or a device named as a message is a
    failed row, not a hang."""
    names = []
    for entry in sorted(os.scandir(source), key=lambda entry: entry.name):
        if not entry.is_dir() and entry.name.lower().endswith(FOLDER_SUFFIXES):
            names.append(entry.name)
        else:
            progress.skip(entry.name + ("/" if entry.is_dir() else ""))
    progress.total = len(names)
    for number, name in enumerate(names, start=1):
        progress.done = number
        try:
            data = read_regular_bytes(Path(source, name), MAX_MESSAGE_BYTES)
        except OSError as exc:
            yield Row(number, name, error=f"{name}: unreadable ({exc.strerror or exc})",
                      reason="unreadable file")
            continue
        if not name.lower().endswith(".eml"):
            yield _draft_row(number, name, data, encoding)
            continue
        if encoding is not None:
            data = encoding.stream(io.BytesIO(data)).read()
        yield _message_row(number, name, name, data, encoding)


def _draft_row(number: int, name: str, data: bytes, encoding: Encoding | None) -> Row:
    """A draft file as a row (its To: line names the recipient); with ``encoding``, read in
    it, else as check reads it (UTF-8, or UTF-16 with a byte order mark)."""
    if encoding is not None:
        try:
            data = encoding.decode(encoding.stream(io.BytesIO(data)).read(),
                                   first=True).encode("utf-8")
        except UnicodeDecodeError as exc:
            return Row(number, name, error=f"{name}: not {encoding.name} ({exc.reason})",
                       reason=f"not {encoding.name}")
    return Row(number, name, draft=data)
