"""Which character separates a CSV export's fields. Spreadsheets set to a European locale save
"CSV" with semicolons (the comma is their decimal mark), and exports are often tab-separated;
the header row tells which, since column names hold none of these characters."""

from __future__ import annotations

DELIMITERS = (",", ";", "\t")


def delimiter_of(header_line: str, default: str = ",") -> str:
    """The delimiter the header row uses most (``default`` when it uses none)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default
