"""CRM exports as a folder of CSV files (optionally gzip-compressed), one per table."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..csvformat import delimiter_of
from ..regularfile import open_regular
from .model import TABLE_COLUMNS, CRMError
from .presets import CRMMapping, TableMapping
from .tables import Table, table_records

# Words in the names CRMs give their export files ("hubspot-crm-exports-all-contacts-2026-11-
# 24.csv", "all-companies.csv", "Engagements.csv"), by table: a folder of exports is read as
# it was downloaded when each table's file is the only one whose name has one of its words.
EXPORT_NAME_WORDS = {
    "contacts": ("contact", "people", "person", "lead"),
    "accounts": ("compan", "account", "organi"),
    "activities": ("activit", "engagement"),
}


def _says(file_name: str, table: str) -> bool:
    return any(word in file_name.lower() for word in EXPORT_NAME_WORDS[table])


def _export_file(folder: Path, name: str) -> Path | None:
    """The folder's one CSV whose name says it holds table ``name``, and no other table (None
    when none does)."""
    candidates = sorted(
        path for path in folder.iterdir()
        if path.is_file() and path.name.lower().endswith((".csv", ".csv.gz"))
        and _says(path.name, name)
        and not any(_says(path.name, other) for other in EXPORT_NAME_WORDS if other != name))
    if len(candidates) > 1:
        shown = ", ".join(path.name for path in candidates)
        raise CRMError(f"several files could be the {name} table ({shown}): rename one to "
                       f"{name}.csv, or name it with 'file:' in a mapping file", path=str(folder))
    return candidates[0] if candidates else None


def read_folder(folder: Path, mapping: CRMMapping) -> dict[str, list[Any]]:
    """The records of each table's CSV file in ``folder`` (named by the mapping, the canonical
    name, or an export's name that says the table)."""
    records: dict[str, list[Any]] = {}
    for name in TABLE_COLUMNS:
        table_mapping = mapping.table(name)
        file_name = table_mapping.file or f"{name}.csv"
        path = next((p for p in (folder / file_name, folder / f"{file_name}.gz") if p.is_file()),
                    None)
        if path is None and table_mapping.file is None:
            path = _export_file(folder, name)
        if path is None:
            # Only contacts are indispensable: an export without activities is still a CRM.
            if name == "contacts":
                raise CRMError(f"no {file_name} (or {file_name}.gz, or one export file whose "
                               f"name says contacts) in the folder", path=str(folder))
            records[name] = []
            continue
        records[name] = _read_csv(path, name, table_mapping)
    return records


def _read_csv(path: Path, name: str, mapping: TableMapping) -> list[Any]:
    shown = str(path)
    try:
        with open_regular(path) as raw, (
                gzip.open(raw, "rt", encoding="utf-8-sig", newline="") if path.suffix == ".gz"
                else io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")) as handle:
            header_line = handle.readline()
            reader = csv.reader(itertools.chain([header_line], handle),
                                delimiter=delimiter_of(header_line))
            header = next(reader, [])
            return table_records(name, Table(shown, None, header, _csv_rows(reader)), mapping)
    except csv.Error as exc:
        raise CRMError(f"malformed CSV: {exc}", path=shown, row=reader.line_num) from exc
    except UnicodeDecodeError as exc:
        raise CRMError("not UTF-8 text (save the export as UTF-8)", path=shown) from exc
    except (OSError, EOFError) as exc:  # EOFError: a truncated .gz
        raise CRMError(f"cannot read: {getattr(exc, 'strerror', None) or exc}",
                       path=shown) from exc


def _csv_rows(reader: Any) -> Iterable[tuple[int, list[str]]]:
    """(line where the record starts, cells) of each record."""
    line = reader.line_num + 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1
