"""Open the files users name (configuration, rules, CRM, templates) only when they are regular.

A named pipe (FIFO) blocks a reader until something writes to it, a device such as
``/dev/zero`` never ends and a folder cannot be read: each would hang or exhaust the run. They
are refused before anything is read, with an :class:`OSError` whose ``strerror`` says what the
path is. The pipe is opened without blocking, and the opened file is checked again (the path
could have been replaced in between).
"""

from __future__ import annotations

import errno
import io
import os
import stat
from typing import BinaryIO

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFileError(OSError):
    """A path that names a folder, a pipe, a device or a socket rather than a file."""


class FileTooLargeError(OSError):
    """A file longer than the caller reads."""


def _refuse(mode: int, path: str | os.PathLike[str]) -> NotRegularFileError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return NotRegularFileError(errno.EINVAL, f"not a regular file: it is {kind}", os.fspath(path))


def check_regular(path: str | os.PathLike[str]) -> None:
    """Raise NotRegularFileError unless ``path`` (symbolic links followed) is a regular file;
    a missing path raises FileNotFoundError."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _refuse(mode, path)


def open_regular(path: str | os.PathLike[str], follow_links: bool = True) -> BinaryIO:
    """Open a regular file for reading in binary mode; anything else is refused unread (a
    symbolic link too, with ``follow_links=False``: a cache entry is never one)."""
    if not follow_links and os.path.islink(path):
        raise NotRegularFileError(errno.EINVAL, "not a regular file: it is a symbolic link",
                                  os.fspath(path))
    check_regular(path)  # a device is never opened
    flags = _OPEN_FLAGS if follow_links else _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(mode, path)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_bytes(path: str | os.PathLike[str], limit: int | None = None,
                       follow_links: bool = True) -> bytes:
    """The content of a regular file (see :func:`open_regular`); with ``limit``, at most that
    many bytes are read and a longer file raises :class:`FileTooLargeError`."""
    with open_regular(path, follow_links) as handle:
        if limit is None:
            return handle.read()
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(errno.EFBIG, f"larger than {limit:,} bytes", os.fspath(path))
    return data


def read_regular_text(path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
    """The text of a regular file, newlines translated as ``Path.read_text`` does;
    UnicodeDecodeError when it is not in ``encoding``."""
    with io.TextIOWrapper(open_regular(path), encoding=encoding) as text:
        return text.read()


def resolves_inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path``, symbolic links followed, lies in ``folder`` (itself resolved)."""
    root = os.path.realpath(folder)
    try:
        return os.path.commonpath([os.path.realpath(path), root]) == root
    except ValueError:  # another drive (Windows)
        return False
