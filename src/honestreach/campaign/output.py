"""Per-message results streamed to a JSONL or CSV file (chosen by extension).

A CSV row is read by people in a spreadsheet: beside the scores it has the count of findings
at each severity, their categories, the first finding's message and why the message fails the
gate; the findings in full stay in its ``findings`` cell (JSON) and in the JSONL output.

A CSV file is opened in a spreadsheet, which runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (``=HYPERLINK(...)`` sends data away): such a cell, from a campaign's ids,
addresses or text, is written with a leading single quote, as OWASP advises against CSV
injection, so that the spreadsheet shows it as text.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from typing import IO, Any

from ..model import SEVERITIES, SendRecord
from ..report.json import finding_dict

COLUMNS = ("id", "recipient", "sender", "respect", "relevance", "error_findings",
           "warning_findings", "info_findings", "categories", "first_finding", "gate_failures",
           "findings", "errors")
# What makes a spreadsheet read a cell as a formula (OWASP: = + - @ tab and carriage return; the
# full-width forms too, which some spreadsheets take as the same), after any leading spaces or
# line feeds, which spreadsheets skip.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: object) -> object:
    """A cell value as text a spreadsheet will not run: a leading quote before a formula."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(_FORMULA_START):
        return "'" + value
    return value


def _first_finding(record: SendRecord) -> str:
    """The first finding (in the message's order) as ``rule: message``."""
    if not record.findings:
        return ""
    first = record.findings[0]
    return f"{first.rule}: {first.message}"


def public(record: SendRecord) -> dict[str, Any]:
    """A record as JSON, without what only the campaign rules and the reports need."""
    return {
        "row": record.row,
        "id": record.id,
        "path": record.path,
        "recipient": record.recipient,
        "sender": record.sender,
        "subject": record.subject,
        "variant": record.variant,
        "sent_at": record.sent_at,
        "checked": record.checked,
        "respect": record.respect,
        "relevance": record.relevance,
        "findings": [finding_dict(finding) for finding in record.findings],
        "errors": list(record.errors),
        "gate_failures": list(record.gate_failures),
    }


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

    def write(self, record: SendRecord) -> None:
        if self._csv is not None:
            findings = record.findings
            severities = Counter(finding.severity for finding in findings)
            checked = record.checked
            self._csv.writerow([spreadsheet_safe(cell) for cell in (
                record.id, record.recipient or "", record.sender or "",
                "" if record.respect is None else record.respect,
                "" if record.relevance is None else record.relevance,
                *((severities[name] if checked else "") for name in SEVERITIES),
                ", ".join(sorted({finding.category for finding in findings})),
                _first_finding(record),
                "; ".join(record.gate_failures),
                json.dumps([finding_dict(finding) for finding in findings],
                           ensure_ascii=False),
                "; ".join(record.errors))])
        else:
            self.stream.write(json.dumps(public(record), ensure_ascii=False) + "\n")
