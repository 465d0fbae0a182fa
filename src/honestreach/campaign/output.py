"""Per-message results streamed to a JSONL or CSV file (chosen by extension)."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

COLUMNS = ("id", "recipient", "sender", "respect", "relevance", "findings", "errors")


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
            self._csv.writerow([
                record["id"], record["recipient"] or "", record["sender"] or "",
                "" if record["respect"] is None else record["respect"],
                "" if record["relevance"] is None else record["relevance"],
                json.dumps(record["findings"], ensure_ascii=False),
                "; ".join(record["errors"])])
        else:
            self.stream.write(json.dumps(public(record), ensure_ascii=False) + "\n")
