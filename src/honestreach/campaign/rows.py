"""What every campaign reader gives and shares: ``Row``s, the ``ReadProgress`` it keeps, the
errors of a source that cannot be read, the size limit of one message, and lines of bounded
length."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from .columns import ColumnMap, missing_columns
from .csvrecords import MAX_RECORD_BYTES

# A message (an mbox message, an .eml file, a JSONL line) larger than this is not read: it is
# as large as a message `check` reads (filekinds.DEFAULT_MAX_BYTES).
MAX_MESSAGE_BYTES = MAX_RECORD_BYTES


class CampaignSourceError(Exception):
    """A source that cannot be read at all (unknown format, missing file)."""


class MissingColumns(CampaignSourceError):
    """The header (a CSV's first row, the first JSON object's keys) leaves a field that every
    send needs without a column: no row of it could be checked."""


# The skipped files a summary names (it counts them all).
SKIPPED_NAMED = 20


@dataclass
class ReadProgress:
    """How far the reader is through its input (bytes of the file as stored, or files of a
    folder), for a progress bar's percentage and ETA. ``total`` is None when unknown.

    ``rows`` counts the rows the reader has given out (None until it starts), so that the audit
    can tell that every row read came back checked or failed; ``notes`` counts what the reader
    had to repair to read them (rows read as Windows-1252, say). ``columns`` says which columns
    were recognised by their export names and, when a field a send needs has no column, the
    headers found and the mapping that would fix it (columns.missing_columns)."""

    total: int | None = None
    done: int = 0
    rows: int | None = None
    notes: Counter[str] = field(default_factory=Counter)
    columns: dict[str, Any] = field(default_factory=dict)
    # Entries of a folder that are not messages: how many, and the first few by name.
    skipped: int = 0
    skipped_names: list[str] = field(default_factory=list)

    def skip(self, name: str) -> None:
        self.skipped += 1
        if len(self.skipped_names) < SKIPPED_NAMED:
            self.skipped_names.append(name)

    def saw_columns(self, headers: Sequence[str], columns: ColumnMap) -> None:
        """Note what a header (or a JSON object's keys) mapped to: the columns recognised,
        and the first headers that leave a required field without a column."""
        for name, header in columns.recognised.items():
            self.columns.setdefault("recognised", {}).setdefault(name, header)
        if "missing" not in self.columns:
            missing = missing_columns(headers, columns)
            if missing is not None:
                self.columns["missing"] = missing

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None


@dataclass(frozen=True)
class Row:
    """One send as read: its fields (CSV/JSONL), its raw bytes (mbox/eml, a draft file) or why it is
    unreadable (``error``, and ``reason``: the same in a few words, for the summary's count of
    failed rows by reason)."""

    index: int  # 1-based position in the input (its line for JSONL, its record for the rest)
    id: str
    fields: Mapping[str, str | None] = field(default_factory=dict)
    eml: bytes | None = None
    # A draft file of a folder (.txt, .md, .html), read as check reads it.
    draft: bytes | None = None
    error: str | None = None
    reason: str | None = None

def stream_lines(content: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of a stream; None for one longer than ``limit`` (read past, never kept)."""
    while data := content.readline(limit + 1):
        if len(data) > limit and not data.endswith(b"\n"):
            while (rest := content.readline(limit + 1)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield data
