"""Charsets: a part's or encoded word's bytes as characters, each keeping its byte's offset;
then newlines and RFC 3676 format=flowed."""

from __future__ import annotations

import codecs
import re
from itertools import compress

from .. import charsets
from .offsets import OffsetBytes, Offsets

_CARRIAGE_RETURN = re.compile(r"\r\n?")
# Codecs in which one byte is always one character: decoded in one go.
_SINGLE_BYTE = re.compile(r"^(?:iso8859-\d+|cp125\d)$")
# Each byte as 1 when it starts a UTF-8 character, 0 for a continuation byte (0x80-0xBF).
_STARTS_CHARACTER = bytes(0 if 0x80 <= byte < 0xC0 else 1 for byte in range(256))


def decode_declared(
    raw: OffsetBytes, charset: str | None
) -> tuple[str, Offsets, tuple[str, str] | None]:
    """Characters of ``raw`` declared as ``charset``, each with its byte's origin; and when the
    declaration was not followed, why and what the text was read as instead."""
    codec, problem = charsets.resolve(charset, raw.data)
    try:
        text, origins = decode_chars(raw, codec)
    except (UnicodeError, ValueError):  # a codec that fails even with errors replaced
        codec = charsets.guess(raw.data)
        problem = f"charset {charsets.printable(str(charset))} cannot read this text"
        text, origins = decode_chars(raw, codec)
    return text, origins, (problem, charsets.reading(raw.data, codec)) if problem else None


def decode_chars(raw: OffsetBytes, codec: str) -> tuple[str, Offsets]:
    """Characters of ``raw`` in a codec, each with its byte's origin."""
    if codec == "utf-8" and raw.data.isascii():
        return raw.data.decode("ascii"), raw.origins  # one character per byte
    if codec == "utf-8":
        try:
            text = raw.data.decode("utf-8")
        except UnicodeDecodeError:
            return _decode_incremental(raw, codec)
        # Each character starts at a byte that is not a continuation byte.
        return text, list(compress(raw.origins, raw.data.translate(_STARTS_CHARACTER)))
    if _SINGLE_BYTE.match(codec):
        return raw.data.decode(codec, "replace"), raw.origins
    return _decode_incremental(raw, codec)


def _decode_incremental(raw: OffsetBytes, codec: str) -> tuple[str, list[int]]:
    """Feed bytes one at a time; each character maps to the first byte of its sequence."""
    decoder = codecs.getincrementaldecoder(codec)("replace")
    chars: list[str] = []
    origins: list[int] = []
    sequence_start = 0
    for index in range(len(raw.data)):
        produced = decoder.decode(raw.data[index:index + 1])
        if produced:
            chars.append(produced)
            origins.extend([raw.origins[sequence_start]] * len(produced))
            sequence_start = index + 1
    produced = decoder.decode(b"", final=True)
    if produced:
        chars.append(produced)
        last = raw.origins[min(sequence_start, len(raw.origins) - 1)]
        origins.extend([last] * len(produced))
    return "".join(chars), origins


def normalize_newlines(text: str, origins: Offsets) -> tuple[str, Offsets]:
    """CRLF and lone CR become LF (a CRLF kept at the offset of its LF)."""
    if "\r" not in text:
        return text, origins
    chars: list[str] = []
    kept: list[int] = []
    pos = 0
    # By runs between line ends, not by character: a 4 MB part took seconds.
    for match in _CARRIAGE_RETURN.finditer(text):
        start, end = match.span()
        chars.append(text[pos:start])
        kept.extend(origins[pos:start])
        chars.append("\n")
        kept.append(origins[end - 1])
        pos = end
    chars.append(text[pos:])
    kept.extend(origins[pos:])
    return "".join(chars), kept


def unflow(text: str, origins: Offsets, delsp: bool) -> tuple[str, list[int]]:
    """RFC 3676 format=flowed: a line ending in a space continues on the next line (at the same
    quoting depth). Space-stuffing is dropped from unquoted lines; quoted lines keep their
    "> " so they read as quoted."""
    chars: list[str] = []
    kept: list[int] = []
    lines = text.split("\n")
    depths = [len(line) - len(line.lstrip(">")) for line in lines]
    pos = 0
    joined = False  # the previous line flows into this one
    for index, line in enumerate(lines):
        depth = depths[index]
        content = depth + 1 if line.startswith(" ", depth) else depth
        flowed = (
            line.endswith(" ") and line[content:] != "-- "
            and index + 1 < len(lines) and depths[index + 1] == depth
        )
        end = len(line) - 1 if flowed and delsp else len(line)
        if joined:  # a continuation: its quote marks and stuffing repeat the line it joins
            segments = [(content, end)]
        else:
            segments = [(0 if depth else content, end)]
        if not flowed and index + 1 < len(lines):
            segments.append((len(line), len(line) + 1))  # the line break itself
        for start, stop in segments:
            chars.append(text[pos + start:pos + stop])
            kept.extend(origins[pos + start:pos + stop])
        joined = flowed
        pos += len(line) + 1
    return "".join(chars), kept
