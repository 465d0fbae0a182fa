"""Where each decoded byte and character of an ``.eml`` file came from: byte offsets in the file,
and the byte -> character offset map of the file's text."""

from __future__ import annotations

import bisect
import codecs
import re

_NON_ASCII = re.compile(rb"[\x80-\xff]+")

# Each character's (or byte's) offset in the file. A range, not a list, for a run read as it
# stands: a list of a payload's offsets takes ~36 bytes per byte.
Offsets = list[int] | range


class OffsetBytes:
    """Decoded bytes, each with the file offset (in bytes) of the encoded form it came from."""

    __slots__ = ("data", "origins")

    def __init__(self, data: bytes | bytearray, origins: Offsets) -> None:
        self.data = bytes(data)
        self.origins = origins

    @classmethod
    def verbatim(cls, data: bytes, start: int) -> OffsetBytes:
        return cls(data, range(start, start + len(data)))


class CharOffsets:
    """Byte offset in the file -> character offset in its text (UTF-8 with errors replaced).

    ASCII runs map one to one. Each run of non-ASCII bytes is decoded on its own (an ASCII byte
    always ends a UTF-8 sequence, so this matches decoding the whole file) with a per-byte table.
    """

    def __init__(self, data: bytes) -> None:
        self._starts: list[int] = [0]
        self._chars: list[int] = [0]
        self._tables: list[list[int] | None] = [None]
        chars = 0
        pos = 0
        for match in _NON_ASCII.finditer(data):
            chars += match.start() - pos
            table, count = _utf8_table(match.group())
            self._starts.append(match.start())
            self._chars.append(chars)
            self._tables.append(table)
            chars += count
            pos = match.end()
            self._starts.append(pos)
            self._chars.append(chars)
            self._tables.append(None)

    @property
    def identity(self) -> bool:
        """Whether every byte offset is its character offset (an all-ASCII file)."""
        return len(self._starts) == 1

    def __call__(self, offset: int) -> int:
        index = bisect.bisect_right(self._starts, offset) - 1
        table = self._tables[index]
        inside = offset - self._starts[index]
        if table is None:
            return self._chars[index] + inside
        return self._chars[index] + table[min(inside, len(table) - 1)]


def _utf8_table(run: bytes) -> tuple[list[int], int]:
    """For a run of non-ASCII bytes: each byte's character index, and the character count."""
    try:
        run.decode("utf-8")
    except UnicodeDecodeError:
        return _incremental_table(run)
    table = []
    index = -1
    for byte in run:
        if not 0x80 <= byte < 0xC0:  # a lead byte starts a character
            index += 1
        table.append(index)
    return table, index + 1


def _incremental_table(run: bytes) -> tuple[list[int], int]:
    """Like :func:`_utf8_table` for invalid UTF-8: bytes map to the replacement they became."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    table: list[int] = []
    count = 0
    pending = 0
    for index in range(len(run)):
        produced = len(decoder.decode(run[index:index + 1]))
        pending += 1
        if produced:
            table.extend(count + min(i, produced - 1) for i in range(pending))
            count += produced
            pending = 0
    produced = len(decoder.decode(b"", final=True))
    if pending:
        table.extend(count + min(i, max(produced - 1, 0)) for i in range(pending))
        count += produced
    return table, count
