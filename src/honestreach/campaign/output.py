"""Per-message results streamed to a JSONL or CSV file (chosen by extension).

A CSV file is opened in a spreadsheet, which runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)`` sends data away): such a cell, from a campaign's ids,
addresses or text, is written with a leading single quote, as OWASP advises against CSV
injection, so that the spreadsheet shows it as text.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any

COLUMNS = ("id", "recipient", "sender", "respect", "relevance", "findings", "errors")
# What makes a spreadsheet read a cell as a formula (OWASP: = + - @ tab and carriage return; the
# full-width forms too, which some spreadsheets take as the same), after any leading spaces or
# line feeds, which spreadsheets skip.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: object) -> object:
    """A cell value as text a spreadsheet will not run: a leading quote before a formula."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(_FORMULA_START):
        return "'" + value
    return value


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the keys only the campaign rules need."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


class RecordWriter:
    def __init__(self, stream: IO[str], fmt: str) -> None:
        self.stream = stream
        self.fmt = fmt
        self._csv = None
        if fmt == "csv":
            self._csv = csv.writer(stream)
            self._csv.writerow(COLUMNS)

    @staticmethod
    def format_for(path: str) -> str:
        name = path.lower()
        if name.endswith(".csv"):
            return "csv"
        if name.endswith((".jsonl", ".ndjson")):
            return "jsonl"
        raise ValueError(f"{path}: --output must end in .jsonl or .csv")

    def write(self, record: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow([spreadsheet_safe(cell) for cell in (
                record["id"], record["recipient"] or "", record["sender"] or "",
                "" if record["respect"] is None else record["respect"],
                "" if record["relevance"] is None else record["relevance"],
                json.dumps(record["findings"], ensure_ascii=False),
                "; ".join(record["errors"]))])
        else:
            self.stream.write(json.dumps(public(record), ensure_ascii=False) + "\n")
