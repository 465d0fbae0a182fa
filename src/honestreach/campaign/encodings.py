"""``--encoding``: a campaign read in the encoding its export was written in, instead of UTF-8
with a Windows-1252 fallback.

An encoding that writes ASCII as ASCII (Latin-1, Windows-1252, Shift_JIS, GBK, ...) is decoded
record by record, line by line or message by message: the bytes that end a line or a CSV field
are ASCII in it, so the file is cut where it would be in UTF-8 and a byte the encoding cannot
read fails its own row. Any other (UTF-16, UTF-32, EBCDIC, the stateful ISO-2022 family) is
transcoded to UTF-8 as a stream first, with every byte it cannot read turned into bytes that are
not UTF-8, so that the row holding it fails in the same way.
"""

from __future__ import annotations

import codecs
import functools
import io
from dataclasses import dataclass
from typing import IO

from .. import charsets

_READ_SIZE = 1 << 16
_ASCII = bytes(range(0x80))
# Names for the summary and errors; other codecs go by Python's name for them.
_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "iso8859-1": "Latin-1",
          "utf-16": "UTF-16", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE",
          "utf-32": "UTF-32", "ascii": "ASCII"}
_UNREADABLE = "honestreach-unreadable"
# A lone surrogate, written out by "surrogatepass" as three bytes that strict UTF-8 refuses.
_MARK = "\udcff"


def _mark(error: UnicodeError) -> tuple[str, int]:
    return _MARK, error.end  # type: ignore[attr-defined]


codecs.register_error(_UNREADABLE, _mark)


def campaign_codec(name: str) -> str:
    """The Python codec of an ``--encoding`` name; ValueError (one line) when there is none or
    it is not a text encoding (base64, idna, ...)."""
    try:
        codec = charsets.codec_for(name)
    except LookupError:
        codec = None
    if codec is None:
        raise ValueError(f"unknown encoding {charsets.printable(name)} (give a text encoding "
                         f"such as utf-8, cp1252, latin-1 or utf-16)")
    return codec


def display_name(codec: str) -> str:
    return _NAMES.get(codec, codec)


@functools.lru_cache(maxsize=None)
def ascii_compatible(codec: str) -> bool:
    """Whether the codec reads and writes every ASCII byte as that character, whatever came
    before (not so for the stateful ISO-2022 codecs, whose escapes turn ASCII bytes into
    halves of other characters)."""
    if codec.startswith("iso2022"):
        return False
    try:
        return _ASCII.decode(codec) == _ASCII.decode("ascii") and \
            _ASCII.decode("ascii").encode(codec) == _ASCII
    except (UnicodeError, LookupError):
        return False


class Utf8Stream(io.RawIOBase):
    """A byte stream in ``codec`` read as UTF-8, decoded as it is read (memory holds one
    chunk). Bytes the codec cannot read come out as bytes that are not UTF-8."""

    def __init__(self, content: IO[bytes], codec: str) -> None:
        super().__init__()
        self._content = content
        self._decoder = codecs.getincrementaldecoder(codec)(_UNREADABLE)
        self._buffer = memoryview(b"")
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._ended:
            chunk = self._content.read(_READ_SIZE)
            self._ended = not chunk
            text = self._decoder.decode(chunk, final=self._ended)
            self._buffer = memoryview(text.encode("utf-8", "surrogatepass"))
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def as_utf8(content: IO[bytes], codec: str) -> IO[bytes]:
    """``content`` (in ``codec``) as a buffered UTF-8 stream."""
    return io.BufferedReader(Utf8Stream(content, codec), _READ_SIZE)


@dataclass(frozen=True)
class Encoding:
    """The encoding a campaign file is read in (``--encoding``)."""

    codec: str

    @property
    def name(self) -> str:
        return display_name(self.codec)

    @property
    def _row_codec(self) -> str:
        return self.codec if ascii_compatible(self.codec) else "utf-8"

    def stream(self, content: IO[bytes]) -> IO[bytes]:
        """The file's bytes, to be cut into rows: as they are when the encoding writes ASCII
        as ASCII, else transcoded to UTF-8."""
        return content if ascii_compatible(self.codec) else as_utf8(content, self.codec)

    def decode(self, data: bytes, first: bool = False) -> str:
        """One row's bytes from ``stream`` (strict: UnicodeDecodeError when the encoding cannot
        read them); the first row of a file loses its byte order mark."""
        text = data.decode(self._row_codec)
        return text.removeprefix("\ufeff") if first else text


def encoding_for(name: str | None) -> Encoding | None:
    """The Encoding of an ``--encoding`` name (None: the default reading); ValueError when the
    name is not a text encoding."""
    return None if name is None else Encoding(campaign_codec(name))
