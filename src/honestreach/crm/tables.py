"""Tables of text cells, from any source, turned into validated records: one code path maps,
validates and converts them all, and each problem is a CRMError naming the file (or table),
the row and the column."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from ..yamlsource import MAX_DEPTH
from .converters import converter
from .model import NO_EXTRA, TABLE_COLUMNS, Account, Activity, Contact, CRMError
from .presets import CRMMapping, TableMapping

_RECORDS: dict[str, Callable[..., Any]] = {
    "contacts": Contact, "accounts": Account, "activities": Activity,
}
_REQUIRED = {"contacts": ("email",), "accounts": ("company",), "activities": ("type", "date")}
_UNSEEN = object()


class Table(NamedTuple):
    """One table of text cells, as read from any source."""

    path: str
    table: str | None  # set when rows are record numbers (JSON, SQL), not line numbers
    header: Sequence[str]
    rows: Iterable[tuple[int, list[str]]]


def table_records(name: str, source: Table, mapping: TableMapping) -> list[Any]:
    """The validated records of one canonical table."""
    columns = TABLE_COLUMNS[name]
    positions = _positions(name, source, mapping)
    width = len(source.header)
    labels = [source.header[p] if p is not None else c for c, p in zip(columns, positions)]
    # A missing column reads the empty cell appended to every row at index ``width``.
    pick = itemgetter(*(width if p is None else p for p in positions))
    converters = [converter(column, mapping) for column in columns]
    used = set(positions)
    extras = [(i, title.strip()) for i, title in enumerate(source.header)
              if i not in used and title.strip()]
    required = [columns.index(column) for column in _REQUIRED[name]]
    make = _RECORDS[name]
    first_rows: dict[str, int] | None = {} if name == "contacts" else None
    records = []
    for row, cells in source.rows:
        if len(cells) != width:
            if not cells:  # a blank line
                continue
            raise CRMError(f"the row has {len(cells)} cells but the header has {width}",
                           path=source.path, row=row, table=source.table)
        cells.append("")
        values = pick(cells)
        try:
            fields = [convert(value) for convert, value in zip(converters, values)]
        except ValueError:
            raise _cell_error(source, row, labels, converters, values) from None
        for index in required:
            if fields[index] is None:
                raise CRMError("is empty (required)", path=source.path, row=row,
                               column=labels[index], table=source.table)
        # contact_email and company are an activity's first two columns.
        if name == "activities" and fields[0] is None and fields[1] is None:
            raise CRMError(f"the activity names neither a contact ('{labels[0]}') nor a "
                           f"company ('{labels[1]}')", path=source.path, row=row,
                           table=source.table)
        if first_rows is not None:
            first = first_rows.setdefault(fields[0], row)
            if first != row:
                raise CRMError(f"duplicate contact '{fields[0]}' (also at "
                               f"{'record' if source.table else 'row'} {first})",
                               path=source.path, row=row, column=labels[0],
                               table=source.table)
        extra = NO_EXTRA
        if extras:
            kept = {title: cells[i].strip() for i, title in extras if cells[i].strip()}
            extra = MappingProxyType(kept) if kept else NO_EXTRA
        records.append(make(*fields, extra))
    return records


def _positions(name: str, source: Table, mapping: TableMapping) -> list[int | None]:
    """Index in the header of each canonical column (None when absent); checks required ones."""
    lookup: dict[str, int] = {}
    for index, title in enumerate(source.header):
        key = title.strip().casefold()
        if key and key in lookup:
            raise CRMError("appears twice in the header", path=source.path, column=title,
                           table=source.table)
        lookup[key] = index
    positions = []
    for column in TABLE_COLUMNS[name]:
        sources = mapping.sources(column)
        keys = [source_name.strip().casefold() for source_name in sources]
        found = next((lookup[key] for key in keys if key in lookup), None)
        if found is None and column in _REQUIRED[name]:
            raise _missing(source, " or ".join(sources))
        positions.append(found)
    if name == "activities" and positions[0] is None and positions[1] is None:
        raise _missing(source, " or ".join(
            (*mapping.sources("contact_email"), *mapping.sources("company"))))
    return positions


def _missing(source: Table, column: str) -> CRMError:
    names = list(source.header)
    has = ", ".join(names[:15]) + (", ..." if len(names) > 15 else "") if names else "nothing"
    return CRMError(f"required column is missing (the header has: {has})",
                    path=source.path, column=column, table=source.table)


def _cell_error(source: Table, row: int, labels: list[str],
                converters: list[Callable[[str], Any]], values: Sequence[str]) -> CRMError:
    """The error of the first cell of a row that does not convert."""
    for label, convert, value in zip(labels, converters, values):
        try:
            convert(value)
        except ValueError as exc:
            return CRMError(str(exc), path=source.path, row=row, column=label,
                            table=source.table)
    raise AssertionError("a row failed to convert but none of its cells does")


# A JSON or YAML file's tables: (record number or line, the record's values) by table name.
Records = dict[str, list[tuple[int, dict[str, Any]]]]


def read_documents(path: Path, mapping: CRMMapping,
                   parse: Callable[[Path], tuple[Records, bool]]) -> dict[str, list[Any]]:
    """Records of a JSON or YAML file holding the three tables as lists of objects."""
    shown = str(path)
    tables, numbered = parse(path)
    records: dict[str, list[Any]] = {name: [] for name in TABLE_COLUMNS}
    for name, items in tables.items():
        if not items:
            continue
        table = name if numbered else None
        header = list(dict.fromkeys(key for _, item in items for key in item))
        rows = ((row, cells([item.get(key) for key in header], header, shown, row, table))
                for row, item in items)
        records[name] = table_records(name, Table(shown, table, header, rows),
                                      mapping.table(name))
    return records


def check_table_name(name: str, shown: str, line: int | None) -> None:
    """Refuse a table name the model does not have."""
    if name not in TABLE_COLUMNS:
        raise CRMError(f"unknown table '{name}' (expected: {', '.join(TABLE_COLUMNS)})",
                       path=shown, row=line)


def cells(values: Sequence[Any], header: Sequence[str], shown: str, row: int,
           table: str | None) -> list[str]:
    """A record's values (JSON, YAML or SQL types) as the text cells a CSV would hold."""
    texts: list[Any] = ["" if value is None else value if value.__class__ is str
                        else _as_text(value) for value in values]
    if None in texts:
        raise CRMError("expected a value or a list of values", path=shown, row=row,
                       column=header[texts.index(None)], table=table)
    return texts


def _as_text(value: Any) -> str | None:
    """A non-string value as CSV text; None for nested structures, which no column holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, list):
        return _list_text(value)
    if isinstance(value, dict):
        return None
    return str(value)


def _list_text(value: list[Any]) -> str | None:
    """A list as 'a;b;c', a list in it as one part of its own parts; None when it holds an
    object or lists nested deeper than MAX_DEPTH (walked without recursion: JSON may nest a
    thousand levels)."""
    stack: list[tuple[Iterator[Any], list[str]]] = [(iter(value), [])]
    while True:
        items, parts = stack[-1]
        part = next(items, _UNSEEN)
        if part is _UNSEEN:
            stack.pop()
            if not stack:
                return ";".join(parts)
            stack[-1][1].append(";".join(parts))
        elif isinstance(part, list):
            if len(stack) >= MAX_DEPTH:
                return None
            stack.append((iter(part), []))
        else:
            text = "" if part is None else part if part.__class__ is str else _as_text(part)
            if text is None:
                return None
            parts.append(text)
