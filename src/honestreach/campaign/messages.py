"""Reading the sends that are whole messages: an mbox stream, and a folder of ``.eml`` files
and drafts."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..regularfile import read_regular_bytes
from .encodings import Encoding
from .rows import MAX_MESSAGE_BYTES, ReadProgress, Row, stream_lines

# mboxrd quoting: a body line starting with "From " was written with one more ">".
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def mbox_rows(content: IO[bytes], encoding: Encoding | None = None) -> Iterator[Row]:
    """Messages of an mbox stream: each starts at a line beginning with "From " (the envelope
    line, not part of the message), as Python's mailbox module reads them, but streamed, so a
    gzip-compressed mbox needs no seeking and memory holds one message at a time."""
    if encoding is not None:
        content = encoding.stream(content)
    number = 0
    lines: list[bytes] | None = None
    size = 0
    for line in stream_lines(content, MAX_MESSAGE_BYTES):
        if line is not None and line.startswith(b"From "):
            if lines is not None:
                number += 1
                yield _mbox_message(number, lines, size, encoding)
            lines, size = [], 0
        elif lines is not None:
            size += MAX_MESSAGE_BYTES + 1 if line is None else len(line)
            if size <= MAX_MESSAGE_BYTES:
                lines.append(line)  # type: ignore[arg-type]
    if lines is not None:
        yield _mbox_message(number + 1, lines, size, encoding)


def _mbox_message(number: int, lines: list[bytes], size: int,
                  encoding: Encoding | None = None) -> Row:
    if size > MAX_MESSAGE_BYTES:
        return Row(number, str(number), error=f"message {number}: larger than "
                                              f"{MAX_MESSAGE_BYTES // 1_000_000} MB",
                   reason="message too large")
    if lines and not lines[-1].strip():
        lines.pop()  # the blank line that separates it from the next envelope line
    data = _QUOTED_FROM.sub(rb"\1", b"".join(lines))
    if not data.strip():
        return Row(number, str(number), error=f"message {number}: empty", reason="empty message")
    return _message_row(number, str(number), f"message {number}", data, encoding)


# A charset declared anywhere in a message: a Content-Type parameter, an HTML <meta>.
_DECLARES_CHARSET = re.compile(rb"charset\s*=", re.IGNORECASE)


def _message_row(number: int, name: str, where: str, data: bytes,
                 encoding: Encoding | None) -> Row:
    """A message as a row. With ``encoding``, a message that declares no charset is read in
    it (passed on as UTF-8, which the MIME reader tries first); one that declares its charsets
    is read by them, as a mail client reads it."""
    if encoding is None or _DECLARES_CHARSET.search(data):
        return Row(number, name, eml=data)
    try:
        text = encoding.decode(data)
    except UnicodeDecodeError as exc:
        return Row(number, name, error=f"{where}: not {encoding.name} ({exc.reason} at byte "
                                       f"{exc.start})", reason=f"not {encoding.name}")
    return Row(number, name, eml=text.encode("utf-8"))


# What a folder's files are read as: a message (.eml), or a draft as check reads it.
FOLDER_SUFFIXES = (".eml", ".txt", ".md", ".html", ".htm")


def folder_rows(source: str, progress: ReadProgress,
                 encoding: Encoding | None = None) -> Iterator[Row]:
    """The messages of a folder, by name: ``.eml`` files and drafts (``.txt``, ``.md``,
    ``.html``, as ``check`` reads them). Every other entry (a subfolder, a file of another
    kind) is skipped and named in the summary. A FIFO or a device named as a message is a
    failed row, not a hang."""
    names = []
    for entry in sorted(os.scandir(source), key=lambda entry: entry.name):
        if not entry.is_dir() and entry.name.lower().endswith(FOLDER_SUFFIXES):
            names.append(entry.name)
        else:
            progress.skip(entry.name + ("/" if entry.is_dir() else ""))
    progress.total = len(names)
    for number, name in enumerate(names, start=1):
        progress.done = number
        try:
            data = read_regular_bytes(Path(source, name), MAX_MESSAGE_BYTES)
        except OSError as exc:
            yield Row(number, name, error=f"{name}: unreadable ({exc.strerror or exc})",
                      reason="unreadable file")
            continue
        if not name.lower().endswith(".eml"):
            yield _draft_row(number, name, data, encoding)
            continue
        if encoding is not None:
            data = encoding.stream(io.BytesIO(data)).read()
        yield _message_row(number, name, name, data, encoding)


def _draft_row(number: int, name: str, data: bytes, encoding: Encoding | None) -> Row:
    """A draft file as a row (its To: line names the recipient); with ``encoding``, read in
    it, else as check reads it (UTF-8, or UTF-16 with a byte order mark)."""
    if encoding is not None:
        try:
            data = encoding.decode(encoding.stream(io.BytesIO(data)).read(),
                                   first=True).encode("utf-8")
        except UnicodeDecodeError as exc:
            return Row(number, name, error=f"{name}: not {encoding.name} ({exc.reason})",
                       reason=f"not {encoding.name}")
    return Row(number, name, draft=data)
