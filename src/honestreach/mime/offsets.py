"""Where each decoded byte and character of an ``.eml`` file came from: byte offsets in the file,
and the byte -> character offset map of the file's text."""

from __future__ import annotations

import bisect
import codecs
import re
from array import array
from collections.abc import Iterable

_NON_ASCII = re.compile(rb"[\x80-\xff]+")

# Offsets mapped through a table are looked up in one of at most this many entries (8 bytes
# each): a text whose bytes span more of the file is mapped one offset at a time.
MAX_TABLE_SPAN = 1 << 23

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
        for match in _NON_ASCII.finditer(data) if not data.isascii() else ():
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

    def map(self, offsets: Iterable[int]) -> Offsets | array[int] | Iterable[int]:
        """Each of ``offsets`` as a character offset, as ``map(self, offsets)`` gives them.

        A run of consecutive offsets is mapped a segment at a time (a range where the file is
        ASCII); other offsets are looked up in a table of the byte span they cover, so that no
        Python code runs per offset.
        """
        if self.identity:
            return offsets
        if isinstance(offsets, range) and offsets.step == 1:
            if not offsets or offsets.start < 0:
                return map(self, offsets)
            return self._span(offsets.start, offsets.stop)
        values = offsets if isinstance(offsets, (list, array)) else array("q", offsets)
        if not values:
            return values
        low, high = min(values), max(values)
        if low < 0 or high - low >= MAX_TABLE_SPAN:
            return map(self, values)
        table = self._span(low, high + 1)
        if isinstance(table, range):  # one ASCII stretch: a shift
            return array("q", map(table.start.__add__, map(low.__rsub__, values)))
        return array("q", map(table.__getitem__, map(low.__rsub__, values) if low else values))

    def _span(self, start: int, stop: int) -> range | array[int]:
        """The character offsets of byte offsets ``start`` to ``stop`` (excluded), ``start``
        not negative: a range when they lie in one ASCII stretch of the file."""
        index = bisect.bisect_right(self._starts, start) - 1
        last = len(self._starts) - 1
        end = self._starts[index + 1] if index < last else stop
        if self._tables[index] is None and stop <= end:
            base = self._chars[index] - self._starts[index]
            return range(start + base, stop + base)
        out = array("q")
        pos = start
        while pos < stop:
            end = min(stop, self._starts[index + 1]) if index < last else stop
            if pos < end:
                table = self._tables[index]
                chars = self._chars[index]
                inside = pos - self._starts[index]
                if table is None:
                    out.extend(range(chars + inside, chars + inside + end - pos))
                else:
                    out.extend(map(chars.__add__, table[inside:inside + end - pos]))
                pos = end
            index += 1
        return out


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
