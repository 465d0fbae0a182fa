"""CRM mappings: where an export keeps each canonical column, and how its values translate.

A mapping is a YAML file (``--crm-mapping``); the built-in presets (``--crm-preset``) are
mapping files of the same format shipped in ``presets/``. See docs/crm.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import yaml

from ..yamlsource import YamlDocument, YamlLoadError, load_yaml_document, parse_yaml_text
from .model import ACTIVITY_TYPES, CONSENT_LEVELS, LIFECYCLE_STAGES, TABLE_COLUMNS, CRMError

BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
# Columns with a fixed vocabulary: a value map must translate into it.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "lifecycle_stage": LIFECYCLE_STAGES,
    "consent": CONSENT_LEVELS,
    "type": ACTIVITY_TYPES,
    "email_opt_out": tuple(BOOLEANS),
    "do_not_contact": tuple(BOOLEANS),
}
_NULL_TAG = "tag:yaml.org,2002:null"
_SAMPLE_DATE = date(2026, 10, 14)


@dataclass(frozen=True)
class TableMapping:
    """How one table of an export maps onto a canonical table."""

    # canonical column -> the export's names for it; the first one the header has is used
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # canonical column -> case-folded export value -> canonical value (None: unknown)
    values: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    date_format: str | None = None
    file: str | None = None

    def sources(self, column: str) -> tuple[str, ...]:
        """The export's names for a canonical column (the canonical name when unmapped)."""
        return self.columns.get(column, (column,))


@dataclass(frozen=True)
class CRMMapping:
    """A mapping for each of the three tables; unmapped tables are canonical."""

    tables: Mapping[str, TableMapping] = field(default_factory=dict)

    def table(self, name: str) -> TableMapping:
        """The mapping of one table."""
        return self.tables.get(name) or TableMapping()

    def then(self, override: CRMMapping) -> CRMMapping:
        """This mapping with ``override``'s columns, values and settings laid over it."""
        tables = dict(self.tables)
        for name, top in override.tables.items():
            base = self.table(name)
            values = dict(base.values)
            for column, value_map in top.values.items():
                values[column] = {**base.values.get(column, {}), **value_map}
            tables[name] = TableMapping({**base.columns, **top.columns}, values,
                                        top.date_format or base.date_format, top.file or base.file)
        return CRMMapping(tables)


def preset_names() -> list[str]:
    """The names of the built-in presets."""
    return sorted(item.name[:-5] for item in _presets().iterdir() if item.name.endswith(".yaml"))


def load_preset(name: str) -> CRMMapping:
    """A built-in preset by name; an unknown name is a CRMError listing the known ones."""
    known = preset_names()
    if name not in known:
        raise CRMError(f"unknown CRM preset '{name}' (known: {', '.join(known)})")
    text = _presets().joinpath(f"{name}.yaml").read_text("utf-8")
    return _parse(parse_yaml_text(text), f"preset {name}")


def _presets() -> resources.abc.Traversable:
    return resources.files("honestreach.crm").joinpath("presets")


def load_mapping(path: Path) -> CRMMapping:
    """Read and validate a user's mapping file; every problem names the file and line."""
    try:
        document = load_yaml_document(Path(path))
    except YamlLoadError as exc:
        raise CRMError(exc.message, path=str(path), row=exc.line) from exc
    return _parse(document, str(path))


def resolve_mapping(preset: str | None, mapping: Path | None) -> CRMMapping:
    """The preset (if any) with the user's mapping file (if any) laid over it."""
    result = load_preset(preset) if preset else CRMMapping()
    return result.then(load_mapping(mapping)) if mapping else result


# The node tree, not the constructed data, is read: value-map keys such as Yes, No or 1 must
# stay the strings written, not become booleans and numbers.

def _parse(document: YamlDocument, where: str) -> CRMMapping:
    if document.node is None:
        raise CRMError("the mapping is empty; expected contacts, accounts or activities",
                       path=where)
    tables = {}
    for name, node, line in _items(document.node, where, "the mapping"):
        if name not in TABLE_COLUMNS:
            raise CRMError(f"unknown table '{name}' (expected: {', '.join(TABLE_COLUMNS)})",
                           path=where, row=line)
        tables[name] = _table(name, node, where)
    return CRMMapping(tables)


def _table(name: str, node: yaml.Node, where: str) -> TableMapping:
    columns: dict[str, tuple[str, ...]] = {}
    values: dict[str, dict[str, str | None]] = {}
    date_format = file = None
    for key, value, line in _items(node, where, name):
        if key == "columns":
            for column, sources, column_line in _items(value, where, f"{name}.columns"):
                _check_column(name, column, where, column_line)
                columns[column] = _names(sources, where, f"{name}.columns.{column}")
        elif key == "values":
            for column, value_map, column_line in _items(value, where, f"{name}.values"):
                _check_column(name, column, where, column_line)
                values[column] = _value_map(column, value_map, where, f"{name}.values.{column}")
        elif key == "date_format":
            date_format = _scalar(value, where, f"{name}.date_format")
            _check_date_format(date_format, where, line)
        elif key == "file":
            file = _scalar(value, where, f"{name}.file")
        else:
            raise CRMError(f"{name}: unknown key '{key}' (expected: columns, values, "
                           "date_format, file)", path=where, row=line)
    return TableMapping(columns, values, date_format, file)


def _items(node: yaml.Node, where: str, what: str) -> list[tuple[str, yaml.Node, int]]:
    """(key, value node, line) of a mapping node; anything else is an error."""
    if not isinstance(node, yaml.MappingNode):
        raise CRMError(f"{what}: expected a mapping", path=where, row=_line(node))
    seen: set[str] = set()
    items = []
    for key_node, value_node in node.value:
        key = _scalar(key_node, where, what)
        if key is None or key in seen:
            raise CRMError(f"{what}: {'duplicate' if key else 'empty'} key '{key or ''}'",
                           path=where, row=_line(key_node))
        seen.add(key)
        items.append((key, value_node, _line(key_node)))
    return items


def _scalar(node: yaml.Node, where: str, what: str) -> str | None:
    if not isinstance(node, yaml.ScalarNode):
        raise CRMError(f"{what}: expected a single value", path=where, row=_line(node))
    return None if node.tag == _NULL_TAG else node.value


def _names(node: yaml.Node, where: str, what: str) -> tuple[str, ...]:
    nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
    names = tuple(_scalar(item, where, what) or "" for item in nodes)
    if not names or not all(name.strip() for name in names):
        raise CRMError(f"{what}: expected a column name or a list of them",
                       path=where, row=_line(node))
    return names


def _value_map(column: str, node: yaml.Node, where: str, what: str) -> dict[str, str | None]:
    allowed = VOCABULARIES.get(column)
    value_map = {}
    for source, target_node, line in _items(node, where, what):
        target = _scalar(target_node, where, what)
        if allowed and target is not None and target.lower() not in allowed:
            raise CRMError(f"{what}: '{target}' is not one of: {', '.join(allowed)}",
                           path=where, row=line)
        value_map[source.strip().casefold()] = target
    return value_map


def _check_column(table: str, column: str, where: str, line: int) -> None:
    if column not in TABLE_COLUMNS[table]:
        raise CRMError(f"'{column}' is not a {table} column "
                       f"(expected: {', '.join(TABLE_COLUMNS[table])})", path=where, row=line)


def _check_date_format(fmt: str | None, where: str, line: int) -> None:
    # A usable format writes a date and reads the same date back.
    try:
        usable = fmt is not None and "%" in fmt and datetime.strptime(
            _SAMPLE_DATE.strftime(fmt), fmt).date() == _SAMPLE_DATE
    except ValueError:
        usable = False
    if not usable:
        raise CRMError(f"date_format '{fmt}' cannot read a whole date (e.g. '%m/%d/%Y')",
                       path=where, row=line)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1
