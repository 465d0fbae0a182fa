"""A CRM as one YAML file: a mapping whose contacts, accounts and activities are lists of
mappings, read from the node tree so that every value stays the text it was written as."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..yamlsource import YamlLoadError, load_yaml_document
from .model import CRMError
from .tables import Records, check_table_name

_NULL_TAG = "tag:yaml.org,2002:null"


def yaml_records(path: Path) -> tuple[Records, bool]:
    """The tables of a YAML file, their rows numbered by line (the flag says so)."""
    # Read the node tree, not the constructed data: "country: NO" is Norway, not false.
    shown = str(path)
    try:
        root = load_yaml_document(path, construct=False).node
    except YamlLoadError as exc:
        raise CRMError(exc.message, path=shown, row=exc.line) from exc
    if not isinstance(root, yaml.MappingNode):
        raise CRMError("expected a mapping with contacts, accounts and activities", path=shown)
    tables: Records = {}
    for key_node, items_node in root.value:
        name = str(key_node.value)
        check_table_name(name, shown, key_node.start_mark.line + 1)
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
        return {}  # refused by tables.cells with the row and column
    return None if node.tag == _NULL_TAG else node.value
