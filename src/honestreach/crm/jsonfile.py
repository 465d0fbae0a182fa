"""A CRM as one JSON file: an object whose contacts, accounts and activities are lists of
objects."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..regularfile import read_regular_text
from ..yamlsource import MAX_DEPTH
from .model import CRMError
from .tables import Records, check_table_name

def json_records(path: Path) -> tuple[Records, bool]:
    """The tables of a JSON file, their rows numbered by record (the flag says so)."""
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
    tables: Records = {}
    for name, items in data.items():
        check_table_name(name, shown, None)
        if items is None:
            items = []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise CRMError(f"'{name}' must be a list of objects", path=shown)
        tables[name] = list(enumerate(items, 1))
    return tables, True


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
