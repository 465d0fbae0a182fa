"""Reading a file that someone else may have put in place: only a regular file, never blocking,
and never more than a limit.

``open()`` on a FIFO waits for a writer (forever), and ``read()`` on ``/dev/zero`` or a link to
it never ends: a cache folder, a campaign folder or a configuration can hold either. Here the
file is opened without blocking (and, when asked, without following a symbolic link at the last
component), checked to be a regular file, and read up to a size limit. Standard library only:
the result cache imports this module.
"""

from __future__ import annotations

import os
import stat


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket, a folder (or a symbolic link, when refused)."""


class TooLarge(OSError):
    """The file is larger than the limit."""


def read_regular(path: str | os.PathLike[str], limit: int, follow_links: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Raises FileNotFoundError and the other OSErrors of opening, NotRegularFile for anything
    but a regular file (a symbolic link too, with ``follow_links=False``), TooLarge above the
    limit."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        if not hasattr(os, "O_NOFOLLOW") and os.path.islink(path):
            raise NotRegularFile(f"{os.fspath(path)}: a symbolic link")
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        # O_NOFOLLOW on a link fails with ELOOP (EMLINK on some BSDs).
        if not follow_links and os.path.islink(path):
            raise NotRegularFile(f"{os.fspath(path)}: a symbolic link") from exc
        raise
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(f"{os.fspath(path)}: not a regular file")
        if info.st_size > limit:
            raise TooLarge(f"{os.fspath(path)}: larger than {limit:,} bytes")
        # The file may grow between fstat and read: never read past the limit.
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{os.fspath(path)}: larger than {limit:,} bytes")
    return data
