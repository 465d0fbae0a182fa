"""Reading a campaign source one send at a time: CSV, JSONL or an mbox file (each optionally
gzip-compressed), or a folder of ``.eml`` files. Nothing here loads the whole input."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..csvformat import delimiter_of
from ..model import SEND_FIELDS as FIELDS


class CampaignSourceError(Exception):
    """A source that cannot be read at all (unknown format, missing file)."""


@dataclass
class ReadProgress:
    """How far the reader is through its input (bytes of the file as stored, or files of a
    folder), for a progress bar's percentage and ETA. ``total`` is None when unknown."""

    total: int | None = None
    done: int = 0

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


@dataclass(frozen=True)
class Row:
    """One send as read: its fields (CSV/JSONL), its raw bytes (mbox/eml) or why it is
    unreadable."""

    index: int  # 1-based position in the input (its line for JSONL, its record for the rest)
    id: str
    fields: Mapping[str, str | None] = field(default_factory=dict)
    eml: bytes | None = None
    error: str | None = None


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
    for name, column in single.items():
        if column:
            mapping[name] = column
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
              progress: ReadProgress | None = None) -> Iterator[Row]:
    """Every send of the source, in order; unreadable ones as rows with an error.
    ``progress``, when given, is kept up to date as the source is read."""
    kind = source_format(source)
    columns = dict(columns or {})
    progress = progress if progress is not None else ReadProgress()
    if kind == "eml-folder":
        yield from _eml_rows(source, progress)
        return
    progress.total = os.path.getsize(source)
    raw, content = _open_binary(source)
    with raw, content:
        if kind == "mbox":
            rows = _mbox_rows(content)
        elif kind == "jsonl":
            rows = _jsonl_rows(content, columns)
        else:
            text = io.TextIOWrapper(content, encoding="utf-8-sig", newline="")
            tabs = source.lower().removesuffix(".gz").endswith(".tsv")
            rows = _csv_rows(text, columns, tabs=tabs)
        for row in rows:
            progress.done = raw.tell()
            yield row
        progress.done = progress.total


def _mapped(record: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = record.get(columns.get(name, name))
        values[name] = None if value is None else str(value)
    return values


def _jsonl_rows(content: IO[bytes], columns: Mapping[str, str]) -> Iterator[Row]:
    for number, data in enumerate(content, start=1):
        if number == 1:
            data = data.removeprefix(b"\xef\xbb\xbf")  # a byte order mark
        if not data.strip():
            continue
        try:
            record = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield Row(number, f"line-{number}", error=f"line {number}: not UTF-8 ({exc.reason})")
            continue
        except json.JSONDecodeError as exc:
            yield Row(number, f"line-{number}", error=f"line {number}: invalid JSON ({exc})")
            continue
        if not isinstance(record, dict):
            yield Row(number, f"line-{number}",
                      error=f"line {number}: expected a JSON object, got {type(record).__name__}")
            continue
        values = _mapped(record, columns)
        yield Row(number, values["id"] or f"line-{number}", values)


def _csv_rows(handle: IO[str], columns: Mapping[str, str], tabs: bool) -> Iterator[Row]:
    # The gzip stream cannot go back to re-read the header line: it is read once, here.
    try:
        header_line = handle.readline()
    except UnicodeDecodeError:
        return
    delimiter = delimiter_of(header_line, "\t" if tabs else ",")
    reader = csv.reader(itertools.chain([header_line], handle), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error, UnicodeDecodeError):
        return
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Row(number, f"row-{number}", error=f"row {number}: unreadable CSV ({exc})")
            continue
        if not any(cell.strip() for cell in cells):
            number -= 1
            continue
        record = dict(zip(header, cells))
        values = _mapped(record, columns)
        row_id = values["id"] or f"row-{number}"
        if len(cells) != len(header):
            yield Row(number, row_id, error=f"row {number}: {len(cells)} fields, the header "
                                           f"has {len(header)}")
            continue
        yield Row(number, row_id, values)


# mboxrd quoting: a body line starting with "From " was written with one more ">".
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def _mbox_rows(content: IO[bytes]) -> Iterator[Row]:
    """Messages of an mbox stream: each starts at a line beginning with "From " (the envelope
    line, not part of the message), as Python's mailbox module reads them, but streamed, so a
    gzip-compressed mbox needs no seeking and memory holds one message at a time."""
    number = 0
    lines: list[bytes] | None = None
    for line in content:
        if line.startswith(b"From "):
            if lines is not None:
                number += 1
                yield _mbox_message(number, lines)
            lines = []
        elif lines is not None:
            lines.append(line)
    if lines is not None:
        yield _mbox_message(number + 1, lines)


def _mbox_message(number: int, lines: list[bytes]) -> Row:
    if lines and not lines[-1].strip():
        lines.pop()  # the blank line that separates it from the next envelope line
    data = _QUOTED_FROM.sub(rb"\1", b"".join(lines))
    if not data.strip():
        return Row(number, str(number), error=f"message {number}: empty")
    return Row(number, str(number), eml=data)


def _eml_rows(source: str, progress: ReadProgress) -> Iterator[Row]:
    names = sorted(entry.name for entry in os.scandir(source)
                   if entry.is_file() and entry.name.lower().endswith(".eml"))
    progress.total = len(names)
    for number, name in enumerate(names, start=1):
        progress.done = number
        try:
            data = Path(source, name).read_bytes()
        except OSError as exc:
            yield Row(number, name, error=f"{name}: unreadable ({exc.strerror})")
            continue
        yield Row(number, name, eml=data)
