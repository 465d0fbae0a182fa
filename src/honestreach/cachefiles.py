"""Files in the user's cache folder that a run keeps for the next one: the compiled rule set
(:mod:`.rulecache`), its filter expressions (:mod:`.rulecache_filters`) and the hyphenation
(:mod:`.readability`).

Each file holds a pickle, so it is read only when it is a regular file that belongs to the
user, that nobody else may write, and whose SHA-256 matches the one stored with it; any other
file is ignored and its content made again. Files are written atomically, and the oldest
rule sets and hyphenations are pruned.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

# The built-in rules compile to about 50 MB (most of it the pattern index's word masks) and a
# team's rule folders add to that; a file far larger than this is not one.
MAX_CACHE_BYTES = 256 * 1024 * 1024
# Compiled sets kept at most: each edit of a rule folder or upgrade makes a new one.
KEEP = 8
_DIGEST = hashlib.sha256().digest_size


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
            data = stream.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    stored, payload = data[:_DIGEST], data[_DIGEST:]
    if len(stored) != _DIGEST or hashlib.sha256(payload).digest() != stored:
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
                stream.write(hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        if path.name.startswith(("rules-", "hyphenation-")):
            _prune(path.parent)
    except OSError:
        return


def _prune(folder: Path) -> None:
    """Remove all but the KEEP most recently written compiled sets (and kept hyphenations:
    readability.py keeps one for each version of itself and of pyphen)."""
    for pattern in ("rules-*.pickle", "hyphenation-*.pickle"):
        entries = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    for programs in folder.glob("filters-*.pickle"):  # those of a set no longer kept
        if not (folder / programs.name.replace("filters-", "rules-", 1)).exists():
            programs.unlink(missing_ok=True)
