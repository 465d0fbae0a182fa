"""Reading a campaign source one send at a time: CSV, JSONL or an mbox file (each optionally
gzip-compressed), or a folder of ``.eml`` files. Nothing here loads the whole input.

This module tells the format, opens the file and checks its header before any row; the readers
are in ``tables.py`` (CSV, JSONL) and ``messages.py`` (mbox, a folder), what they give in
``rows.py``."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import IO

from ..filekinds import CSV_SUFFIXES, JSONL_SUFFIXES, MBOX_SUFFIXES
from .columns import COLUMN_FIELDS as FIELDS
from .encodings import Encoding
from .messages import folder_rows, mbox_rows
from .rows import CampaignSourceError, MissingColumns, ReadProgress, Row
from .tables import csv_rows, jsonl_rows


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
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(MBOX_SUFFIXES) or _starts_with_from(source):
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
        for row in folder_rows(source, progress, encoding):
            progress.rows += 1
            yield row
        return
    progress.total = os.path.getsize(source)
    raw, content = _open_binary(source)
    with raw, content:
        if kind == "mbox":
            rows = mbox_rows(content, encoding)
        elif kind == "jsonl":
            rows = jsonl_rows(content, columns, progress, encoding)
        else:
            tabs = source.lower().removesuffix(".gz").endswith(".tsv")
            rows = csv_rows(source, content, columns, progress, tabs=tabs, encoding=encoding)
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
