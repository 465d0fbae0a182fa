"""Read a CRM (canonical folder, JSON or YAML file, SQL database) into the indexed model.

Every source is turned into tables of text cells, so one code path maps, validates and
converts them all; each problem is a CRMError naming the file (or table), the row and the column.
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import partial
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from ..csvformat import delimiter_of
from ..regularfile import open_regular, read_regular_text
from ..yamlsource import MAX_DEPTH, YamlLoadError, load_yaml_document
from .model import CRM, NO_EXTRA, TABLE_COLUMNS, Account, Activity, Contact, CRMError
from .presets import BOOLEANS, VOCABULARIES, CRMMapping, TableMapping, resolve_mapping

_RECORDS: dict[str, Callable[..., Any]] = {
    "contacts": Contact, "accounts": Account, "activities": Activity,
}
_REQUIRED = {"contacts": ("email",), "accounts": ("company",), "activities": ("type", "date")}
# How each canonical column's text is read; columns not listed are free text.
_KINDS = {
    "email": "email", "contact_email": "email", "company": "label", "industry": "label",
    "owner": "label", "title": "label", "subject": "label",
    "lifecycle_stage": "vocabulary", "consent": "vocabulary",
    "type": "vocabulary", "email_opt_out": "boolean", "do_not_contact": "boolean",
    "country": "country", "interests": "topics", "domain": "domain", "employees": "number",
    "date": "date",
}
_ISO_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII,
)
_ADDRESS = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
# Kinds whose values repeat across rows: each distinct cell is read once and its value shared.
_REPEATING = {"email", "label", "vocabulary", "boolean", "country", "date", "topics"}
# Past this many distinct cells a column is not repetitive after all: stop remembering.
_REMEMBER_LIMIT = 200_000
_UNSEEN = object()
_SQLITE_HEADER = b"SQLite format 3\x00"
_NULL_TAG = "tag:yaml.org,2002:null"
_COUNTRIES = {
    "US": "United States;United States of America;USA;U.S.;U.S.A.",
    "GB": "United Kingdom;UK;U.K.;Great Britain;Britain;England;Scotland;Wales;Northern Ireland",
    "CA": "Canada", "AU": "Australia", "NZ": "New Zealand", "IE": "Ireland",
    "DE": "Germany;Deutschland", "FR": "France", "ES": "Spain;España", "IT": "Italy;Italia",
    "NL": "Netherlands;The Netherlands;Holland", "BE": "Belgium", "LU": "Luxembourg",
    "CH": "Switzerland", "AT": "Austria", "SE": "Sweden", "NO": "Norway", "DK": "Denmark",
    "FI": "Finland", "IS": "Iceland", "PL": "Poland", "CZ": "Czech Republic;Czechia",
    "PT": "Portugal", "GR": "Greece", "HU": "Hungary", "RO": "Romania", "BG": "Bulgaria",
    "HR": "Croatia", "SK": "Slovakia", "SI": "Slovenia", "EE": "Estonia", "LV": "Latvia",
    "LT": "Lithuania", "UA": "Ukraine", "TR": "Turkey;Türkiye", "IL": "Israel",
    "AE": "United Arab Emirates;UAE", "SA": "Saudi Arabia", "ZA": "South Africa",
    "NG": "Nigeria", "KE": "Kenya", "EG": "Egypt", "IN": "India", "CN": "China",
    "JP": "Japan", "KR": "South Korea;Republic of Korea", "SG": "Singapore",
    "HK": "Hong Kong", "TW": "Taiwan", "MY": "Malaysia", "ID": "Indonesia",
    "PH": "Philippines", "TH": "Thailand", "VN": "Vietnam;Viet Nam", "MX": "Mexico",
    "BR": "Brazil;Brasil", "AR": "Argentina", "CL": "Chile", "CO": "Colombia", "PE": "Peru",
}
_COUNTRY_CODES = {
    name.casefold(): code
    for code, names in _COUNTRIES.items() for name in (code, *names.split(";"))
}


class _Table(NamedTuple):
    """One table of text cells, as read from any source."""

    path: str
    table: str | None  # set when rows are record numbers (JSON, SQL), not line numbers
    header: Sequence[str]
    rows: Iterable[tuple[int, list[str]]]


def load_crm(source: str | Path, preset: str | None = None,
             mapping: Path | None = None) -> CRM:
    """Read a CRM from a folder of CSVs, a .json/.yaml/.yml file or an SQLAlchemy URL."""
    crm_mapping = resolve_mapping(preset, mapping)
    # Millions of new records would set off the cyclic garbage collector again and again (it
    # scans every live object) although they form no cycles: that more than doubles the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(source, crm_mapping)
    finally:
        if collecting:
            gc.enable()


def _load(source: str | Path, mapping: CRMMapping) -> CRM:
    if isinstance(source, str) and "://" in source:
        shown, records = _read_database(source, mapping)
    else:
        path = Path(source)
        shown = str(path)
        suffix = path.suffix.lower()
        if path.is_dir():
            records = _read_folder(path, mapping)
        elif not path.exists():
            raise CRMError("no such file or folder", path=shown)
        elif suffix == ".json":
            records = _read_documents(path, mapping, _json_records)
        elif suffix in (".yaml", ".yml"):
            records = _read_documents(path, mapping, _yaml_records)
        else:
            raise CRMError("not a CRM: expected a folder of CSV files, a .json, .yaml or .yml "
                           "file, or a database URL such as sqlite:///crm.db", path=shown)
    return CRM(records["contacts"], records["accounts"], records["activities"], source=shown)


def _records(name: str, source: _Table, mapping: TableMapping) -> list[Any]:
    """The validated records of one canonical table."""
    columns = TABLE_COLUMNS[name]
    positions = _positions(name, source, mapping)
    width = len(source.header)
    labels = [source.header[p] if p is not None else c for c, p in zip(columns, positions)]
    # A missing column reads the empty cell appended to every row at index ``width``.
    pick = itemgetter(*(width if p is None else p for p in positions))
    converters = [_converter(column, mapping) for column in columns]
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


def _converter(column: str, mapping: TableMapping) -> Callable[[str], Any]:
    """The reader of one canonical column's cells, with the mapping's value map applied."""
    kind = _KINDS.get(column, "text")
    convert: Callable[[str], Any]
    if kind == "vocabulary":
        convert = _vocabulary_reader(column)
    elif kind == "date":
        convert = partial(_date, date_format=mapping.date_format)
    else:
        convert = {"email": _email, "label": _text, "boolean": _boolean, "country": _country,
                   "topics": _topics, "domain": _domain, "number": _number,
                   "text": _text}[kind]
    value_map = mapping.values.get(column)
    if value_map:
        unmapped = convert

        def convert(value: str) -> Any:
            # A value mapped to null means "unknown".
            return unmapped(value_map.get(value.strip().casefold(), value) or "")

    return _remembered(convert) if kind in _REPEATING else convert


def _remembered(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """``convert`` reading each distinct cell once, so repeated values also share one object."""
    seen: dict[str, Any] = {}

    def read(value: str) -> Any:
        result = seen.get(value, _UNSEEN)
        if result is _UNSEEN:
            result = convert(value)
            if len(seen) < _REMEMBER_LIMIT:
                seen[value] = result
        return result

    return read


def _positions(name: str, source: _Table, mapping: TableMapping) -> list[int | None]:
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


def _missing(source: _Table, column: str) -> CRMError:
    names = list(source.header)
    has = ", ".join(names[:15]) + (", ..." if len(names) > 15 else "") if names else "nothing"
    return CRMError(f"required column is missing (the header has: {has})",
                    path=source.path, column=column, table=source.table)


def _cell_error(source: _Table, row: int, labels: list[str],
                converters: list[Callable[[str], Any]], values: Sequence[str]) -> CRMError:
    """The error of the first cell of a row that does not convert."""
    for label, convert, value in zip(labels, converters, values):
        try:
            convert(value)
        except ValueError as exc:
            return CRMError(str(exc), path=source.path, row=row, column=label,
                            table=source.table)
    raise AssertionError("a row failed to convert but none of its cells does")


# Cell readers: text in, a canonical value (or None for an empty cell) out; ValueError if bad.

def _text(value: str) -> str | None:
    return value.strip() or None


def _email(value: str) -> str | None:
    address = value.strip().lower()
    if not address:
        return None
    # Exports may write "Elena Vasquez <elena@example.com>" or "Elena (elena@example.com)".
    if "@" not in address or " " in address or "<" in address or "(" in address:
        found = _ADDRESS.search(address)
        if found is None:
            raise ValueError(f"'{value.strip()}' is not an email address")
        address = found.group()
    return address


def _vocabulary_reader(column: str) -> Callable[[str], str | None]:
    allowed = VOCABULARIES[column]
    known = {word: word for word in allowed}
    what = column.replace("_", " ")

    def read(value: str) -> str | None:
        word = value.strip().lower()
        if not word:
            return None
        found = known.get(word) or known.get(word.replace(" ", "_").replace("-", "_"))
        if found is None:
            raise ValueError(f"'{value.strip()}' is not a known {what} "
                             f"(allowed: {', '.join(allowed)})")
        return found

    return read


def _boolean(value: str) -> bool | None:
    word = value.strip().lower()
    if not word:
        return None
    if word not in BOOLEANS:
        raise ValueError(f"'{value.strip()}' is not a boolean (use true/false, yes/no or 1/0)")
    return BOOLEANS[word]


def _country(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    code = _COUNTRY_CODES.get(value.casefold())
    if code is None and len(value) == 2 and value.isascii() and value.isalpha():
        code = value.upper()
    if code is None:
        raise ValueError(f"'{value}' is neither an ISO 3166-1 alpha-2 code nor a common "
                         "country name (map it in a mapping file)")
    return code


def _topics(value: str) -> tuple[str, ...]:
    return tuple(topic for topic in (part.strip() for part in value.split(";")) if topic)


def _domain(value: str) -> str | None:
    # Exports often hold a website ("https://www.acme.com/about"), not a bare domain.
    text = value.strip().lower()
    text = text.partition("://")[2] or text
    text = text.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    return text.removeprefix("www.") or None


def _number(value: str) -> int | None:
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"'{value.strip()}' is not a whole number") from None


def _date(value: str, date_format: str | None) -> date | None:
    """An ISO 8601 date (a timestamp's date as written), else one in ``date_format``."""
    value = value.strip()
    if not value:
        return None
    match = _ISO_DATE.fullmatch(value)
    try:
        if match:
            return date.fromisoformat(match.group(1))
        if date_format:
            return datetime.strptime(value, date_format).date()
    except ValueError:
        pass
    also = f" or a date in the format '{date_format}'" if date_format else ""
    raise ValueError(f"'{value}' is not an ISO 8601 date{also}")


# Sources.

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


def _read_folder(folder: Path, mapping: CRMMapping) -> dict[str, list[Any]]:
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
            return _records(name, _Table(shown, None, header, _csv_rows(reader)), mapping)
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


_Records = dict[str, list[tuple[int, dict[str, Any]]]]


def _read_documents(path: Path, mapping: CRMMapping,
                    parse: Callable[[Path], tuple[_Records, bool]]) -> dict[str, list[Any]]:
    """Records of a JSON or YAML file holding the three tables as lists of objects."""
    shown = str(path)
    tables, numbered = parse(path)
    records: dict[str, list[Any]] = {name: [] for name in TABLE_COLUMNS}
    for name, items in tables.items():
        if not items:
            continue
        table = name if numbered else None
        header = list(dict.fromkeys(key for _, item in items for key in item))
        rows = ((row, _cells([item.get(key) for key in header], header, shown, row, table))
                for row, item in items)
        records[name] = _records(name, _Table(shown, table, header, rows), mapping.table(name))
    return records


def _json_records(path: Path) -> tuple[_Records, bool]:
    shown = str(path)
    try:
        text = read_regular_text(path, encoding="utf-8-sig")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CRMError(f"invalid JSON: {exc.msg}", path=shown, row=exc.lineno) from exc
    except RecursionError:  # the decoder recurses once per level
        raise CRMError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels", path=shown,
                       row=_json_depth_line(text, MAX_DEPTH)) from None
    except UnicodeDecodeError as exc:
        raise CRMError("not UTF-8 text", path=shown) from exc
    except OSError as exc:
        raise CRMError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    if not isinstance(data, dict):
        raise CRMError("expected an object with contacts, accounts and activities", path=shown)
    tables: _Records = {}
    for name, items in data.items():
        _check_table_name(name, shown, None)
        if items is None:
            items = []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise CRMError(f"'{name}' must be a list of objects", path=shown)
        tables[name] = list(enumerate(items, 1))
    return tables, True


def _yaml_records(path: Path) -> tuple[_Records, bool]:
    # Read the node tree, not the constructed data: "country: NO" is Norway, not false.
    shown = str(path)
    try:
        root = load_yaml_document(path, construct=False).node
    except YamlLoadError as exc:
        raise CRMError(exc.message, path=shown, row=exc.line) from exc
    if not isinstance(root, yaml.MappingNode):
        raise CRMError("expected a mapping with contacts, accounts and activities", path=shown)
    tables: _Records = {}
    for key_node, items_node in root.value:
        name = str(key_node.value)
        _check_table_name(name, shown, key_node.start_mark.line + 1)
        if isinstance(items_node, yaml.SequenceNode):
            items = items_node.value
        elif items_node.tag == _NULL_TAG:
            items = []
        else:
            raise CRMError(f"'{name}' must be a list of mappings", path=shown,
                           row=items_node.start_mark.line + 1)
        rows = []
        for item in items:
            if not isinstance(item, yaml.MappingNode):
                raise CRMError(f"'{name}' must be a list of mappings", path=shown,
                               row=item.start_mark.line + 1)
            rows.append((item.start_mark.line + 1,
                         {str(key.value): _yaml_value(value) for key, value in item.value}))
        tables[name] = rows
    return tables, False


def _yaml_value(node: yaml.Node) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_yaml_value(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {}  # refused by _cells with the row and column
    return None if node.tag == _NULL_TAG else node.value


def _check_table_name(name: str, shown: str, line: int | None) -> None:
    if name not in TABLE_COLUMNS:
        raise CRMError(f"unknown table '{name}' (expected: {', '.join(TABLE_COLUMNS)})",
                       path=shown, row=line)


def _cells(values: Sequence[Any], header: Sequence[str], shown: str, row: int,
           table: str | None) -> list[str]:
    """A record's values (JSON, YAML or SQL types) as the text cells a CSV would hold."""
    cells: list[Any] = ["" if value is None else value if value.__class__ is str
                        else _as_text(value) for value in values]
    if None in cells:
        raise CRMError("expected a value or a list of values", path=shown, row=row,
                       column=header[cells.index(None)], table=table)
    return cells


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


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _json_depth_line(text: str, limit: int) -> int | None:
    """The line where JSON text first nests deeper than ``limit`` levels."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        char = match.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif char in "]}":
            depth -= 1
    return None


def _read_database(url_text: str, mapping: CRMMapping) -> tuple[str, dict[str, list[Any]]]:
    # Imported here: SQLAlchemy takes a noticeable time to import and most runs use files.
    from sqlalchemy import column, create_engine, inspect, select, table
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise CRMError(f"not a database URL ({exc})", path=url_text) from exc
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        _check_sqlite_file(Path(url.database), shown)
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError) as exc:
        raise CRMError(f"no database driver for '{url.drivername}' is installed ({exc}); "
                       "for PostgreSQL: pip install 'psycopg[binary]'", path=shown) from exc
    records: dict[str, list[Any]] = {}
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            present = set(inspector.get_table_names())
            for name in TABLE_COLUMNS:
                if name not in present:
                    if name == "contacts":
                        raise CRMError("the database has no 'contacts' table", path=shown)
                    records[name] = []
                    continue
                header = [info["name"] for info in inspector.get_columns(name)]
                # Untyped columns: values arrive as the driver gives them, so a malformed date
                # is reported with its row instead of failing inside SQLAlchemy.
                query = select(table(name, *(column(title) for title in header)))
                result = connection.execution_options(yield_per=10_000).execute(query)
                rows = ((number, _cells(values, header, shown, number, name))
                        for number, values in enumerate(result, 1))
                records[name] = _records(name, _Table(shown, name, header, rows),
                                         mapping.table(name))
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise CRMError(f"cannot read the database: {reason}", path=shown) from exc
    finally:
        engine.dispose()
    return shown, records


def _check_sqlite_file(path: Path, shown: str) -> None:
    # SQLite would silently create a missing file and fail late on a non-database one.
    try:
        with open_regular(path) as handle:  # a pipe or a device would hang SQLite
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError as exc:
        raise CRMError("no such database file", path=shown) from exc
    except OSError as exc:
        raise CRMError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    if header != _SQLITE_HEADER:
        raise CRMError("not an SQLite database (the file lacks the SQLite header)", path=shown)
