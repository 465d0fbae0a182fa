"""Reading the sends of a table, one record at a time: a JSONL export (an object a line) and a
CSV or TSV export, their columns resolved from the header (or the keys)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from .columns import COLUMN_FIELDS as FIELDS
from .columns import ColumnMap, resolve
from .csvrecords import UTF8, read_records
from .encodings import Encoding
from .rows import MAX_MESSAGE_BYTES, CampaignSourceError, ReadProgress, Row, stream_lines

def mapped_fields(record: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = record.get(columns.get(name, name))
        values[name] = None if value is None else str(value)
    return values


class KeyColumns:
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


def jsonl_rows(content: IO[bytes], columns: Mapping[str, str], progress: ReadProgress,
                encoding: Encoding | None = None) -> Iterator[Row]:
    columns_of = KeyColumns(columns, progress)
    if encoding is not None:
        content = encoding.stream(content)
    for number, data in enumerate(stream_lines(content, MAX_MESSAGE_BYTES), start=1):
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
        values = mapped_fields(record, columns_of(record))
        yield Row(number, values["id"] or f"line-{number}", values)


def csv_rows(source: str, content: IO[bytes], columns: Mapping[str, str],
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
        values = mapped_fields(dict(zip(header, cells)), columns)
        row_id = values["id"] or f"row-{number}"
        if len(cells) != len(header):
            read_as = (f" (read as {record.encoding}: not UTF-8)"
                       if record.encoding != expected else "")
            yield Row(number, row_id, values,
                      error=f"{where}: {len(cells)} fields, the header has {len(header)}"
                            f"{read_as}", reason="wrong number of fields")
            continue
        yield Row(number, row_id, values)
