"""Files in the user's cache folder that a run keeps for the next one: the compiled rule set
(:mod:`.rulecache`), its filter expressions (:mod:`.rulecache_filters`), the hyphenation
(:mod:`.readability`) and the claim readers' expressions (:mod:`.claims.reading`).

Each file holds a pickle, so it is read only when it is a regular file that belongs to the
user, that nobody else may write, and whose CRC-32 matches the one stored with it; any other
file is ignored and its content made again. Files are written atomically, and the oldest
rule sets, hyphenations and claim expressions are pruned.

The ownership and permissions are what keep others' pickles out; the checksum only has to
catch a file damaged on disk or cut short, and CRC-32 reads the 50 MB of a rule set in 0.013 s
where SHA-256 takes 0.03-0.07 s, at every start.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: files are still replaced atomically
    fcntl = None  # type: ignore[assignment]

# The built-in rules compile to about 50 MB (most of it the pattern index's word masks) and a
# team's rule folders add to that; a file far larger than this is not one.
MAX_CACHE_BYTES = 256 * 1024 * 1024
# Compiled sets kept at most: each edit of a rule folder or upgrade makes a new one.
KEEP = 8
_DIGEST = 4  # bytes of the CRC-32 stored before the payload


def cache_folder() -> Path | None:
    """Where kept files go; None when the cache is turned off."""
    setting = os.environ.get("HONESTREACH_RULE_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "honestreach"


def read_payload(path: Path) -> bytes | None:
    """What ``path`` stores, when it is a regular file of the user's that nobody else may
    write and whose digest matches; None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES or \
                info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or \
                (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            # Read apart, so that the payload is not copied out of the whole file's bytes.
            stored = stream.read(_DIGEST)
            payload = stream.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(stored) != _DIGEST or _checksum(payload) != stored:
        return None
    return payload


def write_payload(path: Path, payload: bytes) -> None:
    """Store ``payload`` atomically with its digest; a file that cannot be written is simply
    not kept."""
    if len(payload) > MAX_CACHE_BYTES:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rules-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(_checksum(payload))
                stream.write(payload)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        if path.name.startswith(("rules-", "hyphenation-", "claims-")):
            _prune(path.parent)
    except OSError:
        return


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the cache folder's lock (where the system has one): for a file that processes
    read, add to and write back, so that two of them ending at once (an audit's workers) do
    not each write the file without what the other added."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                pass
        yield
    finally:
        os.close(fd)  # closing it lets the lock go


def _checksum(payload: bytes) -> bytes:
    return zlib.crc32(payload).to_bytes(_DIGEST, "big")


def _prune(folder: Path) -> None:
    """Remove all but the KEEP most recently written compiled sets (and kept hyphenations and
    claim expressions: one for each version of readability.py and pyphen, of the claim
    readers' expressions and ``regex``)."""
    for pattern in ("rules-*.pickle", "hyphenation-*.pickle", "claims-*.pickle"):
        entries = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    for programs in folder.glob("filters-*.pickle"):  # those of a set no longer kept
        if not (folder / programs.name.replace("filters-", "rules-", 1)).exists():
            programs.unlink(missing_ok=True)
