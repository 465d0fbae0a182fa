"""Find and read the inputs: files, folders (recursively) and standard input.

Reading never stops a run: a path that cannot be read becomes an :class:`InputProblem` with
one clear line, and the other inputs are still read. :func:`parse_input` turns what was read
into a :class:`~honestreach.model.Message` by its kind (from the file's suffix, or sniffed).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from . import charsets
from .filekinds import CAMPAIGN_SUFFIXES, DEFAULT_MAX_BYTES
from .htmltext import parse_html_file
from .message import ParseError, parse_draft
from .mime import parse_eml
from .model import InputNote, Message
from .regularfile import NotRegularFileError, open_regular, resolves_inside

MESSAGE_SUFFIXES = {
    ".eml": "eml", ".txt": "draft", ".md": "draft", ".html": "html", ".htm": "html",
    # Templates (also *.txt.j2, *.html.j2, *.eml.j2): Jinja2, Liquid and the merge-tag
    # dialects of sending tools (templates/dialects.py), checked by honestreach.templates.
    ".j2": "template", ".jinja": "template", ".jinja2": "template", ".liquid": "template",
    ".outreach": "template", ".salesloft": "template", ".hubl": "template",
    ".mailchimp": "template", ".sfmc": "template",
}
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})
STDIN = "-"

# How much of the start of an input is looked at to tell binary from text.
_SNIFF_BYTES = 8192
_TEXT_CONTROLS = b"\t\n\r\f\v\x1b"
# Every byte but the control characters that text does not hold: deleted, what is left are those.
_NOT_BINARY_CONTROLS = bytes(byte for byte in range(256)
                             if byte >= 0x20 or byte in _TEXT_CONTROLS)
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
_MIME_HEADERS = frozenset({b"mime-version", b"content-type", b"received", b"message-id"})
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


@dataclass(frozen=True)
class InputFile:
    """An input read into memory.

    ``kind`` says how to parse it: a value of ``MESSAGE_SUFFIXES`` (``"template"`` is not
    parsed here but checked by :mod:`honestreach.templates`), or ``"stdin"`` (standard input)
    and ``"auto"`` (a named file with another suffix), whose content is sniffed.
    """

    path: str
    kind: str
    data: bytes


@dataclass(frozen=True)
class InputProblem:
    """An input that could not be read, with the reason in one line."""

    path: str
    message: str


def iter_inputs(
    paths: Sequence[str], stdin: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[InputFile | InputProblem]:
    """Every input in order: files, folders (recursively, sorted) and ``-`` for standard input."""
    for path in paths:
        if path == STDIN:
            yield _read_stdin(stdin if stdin is not None else sys.stdin.buffer, max_bytes)
        elif os.path.isdir(path):
            yield from _read_folder(path, max_bytes)
        elif _is_campaign_file(path) and os.path.lexists(path):
            yield InputProblem(path, "holds many messages (a campaign export or a mailbox): "
                                     f"`honestreach audit {path}` checks each one")
        elif os.path.lexists(path):
            yield _read_file(path, _kind_of(path), max_bytes)
        else:
            yield InputProblem(path, "no such file or directory")


def input_from_bytes(path: str, data: bytes,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> InputFile | InputProblem:
    """An input handed over in memory (by the page, the API or an editor), read as the file
    ``path`` would be: its suffix chooses the parser, any other suffix has its content sniffed."""
    return _checked(path, _kind_of(path), data, max_bytes)


def _is_campaign_file(path: str) -> bool:
    return Path(path).name.lower().removesuffix(".gz").endswith(CAMPAIGN_SUFFIXES)


def _kind_of(path: str) -> str:
    """The kind of a named file; one with another suffix is sniffed like standard input."""
    return MESSAGE_SUFFIXES.get(Path(path).suffix.lower(), "auto")


def _read_folder(folder: str, max_bytes: int) -> Iterator[InputFile | InputProblem]:
    """The messages of a folder. Only its own regular files are read: a symbolic link that
    leads out of the folder (a template folder in a pull request linking to a secret) or a
    named pipe found there (it would hang the run) is that file's error."""
    found = False
    for path in _message_files(folder):
        found = True
        if not resolves_inside(path, folder):
            yield InputProblem(path, "not read: a symbolic link that leads outside the folder")
            continue
        yield _read_file(path, MESSAGE_SUFFIXES[Path(path).suffix.lower()], max_bytes,
                         regular_only=True)
    if not found:
        suffixes = ", ".join(sorted(MESSAGE_SUFFIXES))
        yield InputProblem(folder, f"no messages in this folder (looked for {suffixes} files)")


def _message_files(folder: str) -> list[str]:
    """Files with a message suffix under ``folder``, hidden files and folders left out."""
    found: list[tuple[tuple[str, ...], str]] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in files:
            if not name.startswith(".") and Path(name).suffix.lower() in MESSAGE_SUFFIXES:
                path = os.path.join(root, name)
                found.append((Path(os.path.relpath(path, folder)).parts, path))
    return [path for _, path in sorted(found)]


def _read_file(path: str, kind: str, max_bytes: int,
               regular_only: bool = False) -> InputFile | InputProblem:
    """A named file (a pipe named on the command line is read, as ``<(...)`` gives one; with
    ``regular_only``, as in a folder, it is refused)."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:  # checked before reading: a huge file is never loaded
            return InputProblem(path, _too_large(size, max_bytes))
        with (open_regular(path) if regular_only else open(path, "rb")) as handle:
            data = handle.read(max_bytes + 1)
    except NotRegularFileError as exc:
        return InputProblem(path, f"cannot read: {exc.strerror}")
    except OSError as exc:
        return InputProblem(path, f"cannot read: {(exc.strerror or str(exc)).lower()}")
    return _checked(path, kind, data, max_bytes)


def _read_stdin(stream: BinaryIO, max_bytes: int) -> InputFile | InputProblem:
    try:
        data = stream.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        return InputProblem(STDIN, f"cannot read standard input: {exc}")
    return _checked(STDIN, "stdin", data, max_bytes)


def _checked(path: str, kind: str, data: bytes, max_bytes: int) -> InputFile | InputProblem:
    if len(data) > max_bytes:  # standard input, or a file that grew while being read
        return InputProblem(path, _too_large(len(data), max_bytes, at_least=True))
    if not data:
        return InputProblem(path, "empty file")
    if not data.removeprefix(_UTF8_BOM).strip():
        return InputProblem(path, "empty file: only white space")
    return InputFile(path, kind, data)


def _too_large(size: int, max_bytes: int, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return (
        f"too large: {more}{_mebibytes(size)} is larger than the {_mebibytes(max_bytes)} limit "
        "(max_file_size)"
    )


def _mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


# -- parsing -----------------------------------------------------------------------------------
def parse_input(item: InputFile) -> Message:
    """The message in an input, parsed by its kind; raises ParseError when it cannot be read."""
    if is_binary(item.data):
        raise ParseError("binary file, not a message")
    kind = _sniff(item.data) if item.kind in ("stdin", "auto") else item.kind
    return _PARSERS[kind](item.path, item.data)


def is_binary(data: bytes) -> bool:
    """NUL bytes, or control characters in over a third of the start (UTF-16 with a BOM is
    text)."""
    sample = data[:_SNIFF_BYTES]
    if sample.startswith(_UTF16_BOMS):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_BINARY_CONTROLS))
    return controls * 3 > len(sample)


def _sniff(data: bytes) -> str:
    """The kind of unnamed input: an RFC 5322 message, an HTML document, or else a draft."""
    if _looks_like_eml(data):
        return "eml"
    if _HTML_START.match(data.removeprefix(_UTF8_BOM)[:_SNIFF_BYTES]):
        return "html"
    return "draft"


def _looks_like_eml(data: bytes) -> bool:
    """A block of header lines at the top, naming at least one header only mail has."""
    names: set[bytes] = set()
    for number, line in enumerate(data[:_SNIFF_BYTES].splitlines()):
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and names:
            continue  # a folded header line
        if number == 0 and line.startswith(b"From "):
            continue  # an mbox envelope line
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(b":", 1)[0].strip().lower())
    return not names.isdisjoint(_MIME_HEADERS)


def _parse_draft(path: str, data: bytes) -> Message:
    text, notes = _lenient_text(data, "save it as UTF-8")
    message = parse_draft(path, text)
    return replace(message, notes=notes + message.notes) if notes else message


def _parse_html(path: str, data: bytes) -> Message:
    """An HTML draft, in the charset its ``<meta>`` declares (a charset that cannot be
    followed, or text that does not fit it, is noted, and the text read as UTF-8, else
    Windows-1252), else in UTF-8 (else Windows-1252, noted)."""
    declared = _META_CHARSET.search(data[:1024])
    if declared and not data.startswith((_UTF8_BOM, *_UTF16_BOMS)):
        charset = declared.group(1).decode("ascii")
        codec, problem = charsets.resolve(charset, data)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            # As a browser shows it: the bytes that do not fit the declared charset are
            # nearly always Windows-1252.
            line = data.count(b"\n", 0, exc.start) + 1
            note = InputNote(f"not {charsets.printable(charset)} text as its <meta charset> says "
                             f"(byte 0x{data[exc.start]:02X}): read as Windows-1252", line)
            return parse_html_file(path, data.decode("cp1252", errors="replace"), (note,))
        notes: tuple[InputNote, ...] = ()
        if problem:
            line = data.count(b"\n", 0, declared.start()) + 1
            notes = (InputNote(f"{problem} in <meta charset>: read as "
                               f"{charsets.reading(data, codec)}", line),)
        return parse_html_file(path, text, notes)
    text, notes = _lenient_text(data, 'save it as UTF-8 or declare <meta charset>')
    return parse_html_file(path, text, notes)


def _lenient_text(data: bytes, advice: str) -> tuple[str, tuple[InputNote, ...]]:
    """A draft's text as an editor shows it: UTF-8 (or UTF-16 with a BOM), else read as
    Windows-1252, the 8-bit encoding such files are nearly always in, with a note that says
    so and where the first byte that is not UTF-8 is."""
    if data.startswith(_UTF16_BOMS):
        return decode_text(data, f"(e.g. {advice})"), ()
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        note = InputNote(f"not UTF-8 text (byte 0x{data[exc.start]:02X}): read as "
                         f"Windows-1252; {advice} to be sure", line)
        return data.removeprefix(_UTF8_BOM).decode("cp1252", errors="replace"), (note,)


def decode_text(data: bytes, advice: str) -> str:
    """UTF-8 (a BOM is dropped) or UTF-16 with a BOM; anything else is a ParseError."""
    encoding = "utf-16" if data.startswith(_UTF16_BOMS) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise ParseError(
            f"not {name} text: declare the encoding {advice}; byte 0x{data[exc.start]:02X} on "
            f"line {line} is not valid {name}",
            line,
        ) from None


_PARSERS: dict[str, Callable[[str, bytes], Message]] = {
    "eml": parse_eml,
    "draft": _parse_draft,
    "html": _parse_html,
}
