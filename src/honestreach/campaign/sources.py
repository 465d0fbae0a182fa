"""Reading a campaign source one send at a time: CSV, JSONL (optionally gzip-compressed), an
mbox file or a folder of ``.eml`` files. Nothing here loads the whole input."""

from __future__ import annotations

import csv
import gzip
import io
import json
import mailbox
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# The canonical columns of a send; ``variant`` is optional (A/B template or variant name).
FIELDS = ("id", "to", "from", "subject", "body", "sent_at", "variant")


class CampaignSourceError(Exception):
    """A source that cannot be read at all (unknown format, missing file)."""


@dataclass(frozen=True)
class Row:
    """One send as read: its fields (CSV/JSONL), its raw bytes (mbox/eml) or why it is unreadable."""

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
    name = path.name.lower()
    name = name.removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    if name.endswith(".mbox") or (not source.lower().endswith(".gz") and _starts_with_from(path)):
        if source.lower().endswith(".gz"):
            raise CampaignSourceError(f"{source}: gzip-compressed mbox files are not supported")
        return "mbox"
    raise CampaignSourceError(
        f"{source}: unknown campaign format (use .csv, .jsonl, .mbox, their .gz, or a folder)")


def _starts_with_from(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(5) == b"From "


def _open_text(source: str) -> IO[str]:
    if source.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(source, "rb"), encoding="utf-8-sig", newline="")
    return open(source, encoding="utf-8-sig", newline="")


def iter_rows(source: str, columns: Mapping[str, str] | None = None) -> Iterator[Row]:
    """Every send of the source, in order; unreadable ones as rows with an error."""
    kind = source_format(source)
    columns = dict(columns or {})
    if kind == "jsonl":
        yield from _jsonl_rows(source, columns)
    elif kind == "csv":
        yield from _csv_rows(source, columns)
    elif kind == "mbox":
        yield from _mbox_rows(source)
    else:
        yield from _eml_rows(source)


def _mapped(record: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = record.get(columns.get(name, name))
        values[name] = None if value is None else str(value)
    return values


def _jsonl_rows(source: str, columns: Mapping[str, str]) -> Iterator[Row]:
    with _open_text(source) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield Row(number, f"line-{number}", error=f"line {number}: invalid JSON ({exc})")
                continue
            if not isinstance(record, dict):
                yield Row(number, f"line-{number}",
                          error=f"line {number}: expected a JSON object, got "
                                f"{type(record).__name__}")
                continue
            values = _mapped(record, columns)
            yield Row(number, values["id"] or f"line-{number}", values)


def _csv_rows(source: str, columns: Mapping[str, str]) -> Iterator[Row]:
    dialect = "excel-tab" if source.lower().removesuffix(".gz").endswith(".tsv") else "excel"
    with _open_text(source) as handle:
        reader = csv.reader(handle, dialect=dialect)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
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


def _mbox_rows(source: str) -> Iterator[Row]:
    box = mailbox.mbox(source, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            try:
                data = box.get_bytes(key)
            except Exception as exc:  # noqa: BLE001 - a broken entry is reported, not fatal
                yield Row(number, str(number), error=f"message {number}: unreadable ({exc})")
                continue
            yield Row(number, str(number), eml=data)
    finally:
        box.close()


def _eml_rows(source: str) -> Iterator[Row]:
    names = sorted(entry.name for entry in os.scandir(source)
                   if entry.is_file() and entry.name.lower().endswith(".eml"))
    for number, name in enumerate(names, start=1):
        try:
            data = Path(source, name).read_bytes()
        except OSError as exc:
            yield Row(number, name, error=f"{name}: unreadable ({exc.strerror})")
            continue
        yield Row(number, name, eml=data)
