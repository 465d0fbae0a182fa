"""The cache folder: sealed entries written atomically, read safely, and pruned.

Layout: ``ROOT/vFORMAT/results/KEY.json`` (one checked file's result) and
``ROOT/vFORMAT/configs/KEY.json`` (what the cache keeps of one configuration file), with a
``CACHEDIR.TAG`` and a ``.gitignore`` in ROOT. Every entry carries a SHA-256 digest of its
content, key included; one that does not verify is ignored (and rebuilt by the caller).

Pruning: an entry's modification time is the last time a run used it (a run that reads an
entry touches it). At the end of a run that wrote entries, :meth:`EntryStore.prune` deletes the
entries no run has used for ``MAX_AGE_DAYS``, then, while the entries left still take more than
``MAX_BYTES``, the least recently used ones. The entries the current run read or wrote are
always kept, and only names the cache itself writes are deleted, never through a symbolic link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..regularfile import read_regular_bytes

DEFAULT_CACHE_DIR = ".honestreach_cache"
# Bump when the layout or the meaning of an entry changes.
FORMAT = 1
KINDS = ("results", "configs")
# The largest entry read back (one holds a file's text only when its bytes cannot give it back).
MAX_ENTRY_BYTES = 64 * 1024 * 1024
# Entries no run has used for this long are deleted (every edit of a file, every --date value
# makes a new entry: the old ones are never read again).
MAX_AGE_DAYS = 7
# The most the entries may take; beyond it the least recently used go first.
MAX_BYTES = 256 * 1024 * 1024
# Names the cache writes: entries, and temporary files a killed run may have left behind.
_ENTRY_NAME = re.compile(r"(?:[0-9a-f]{64}|\.tmp-\w+)\.json")


class EntryStore:
    """The entries of one cache folder; remembers the keys this run read or wrote."""

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_CACHE_DIR) -> None:
        self.root = Path(root)
        self.directory = self.root / f"v{FORMAT}"
        self.used: set[str] = set()
        self.written = 0
        self._warned = False

    def path(self, kind: str, key: str) -> Path:
        return self.directory / kind / f"{key}.json"

    def read(self, kind: str, key: str) -> Any:
        """The document stored under ``key`` once it verifies, else None; marks it used."""
        path = self.path(kind, key)
        document = read_entry(path)
        if document is not None:
            self.used.add(key)
            try:
                os.utime(path, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass  # a read-only cache still serves; the entry is kept for this run anyway
        return document

    def write(self, kind: str, key: str, document: dict[str, Any]) -> bool:
        """Write an entry, sealed with its digest, atomically (a temporary file in the same
        folder, then a rename, which replaces whatever was there, a link or a FIFO too)."""
        try:
            sealed = {**document, "digest": entry_digest(document)}
            data = json.dumps(sealed, ensure_ascii=False, separators=(",", ":")).encode()
            self._prepare_root()
            path = self.path(kind, key)
            path.parent.mkdir(parents=True, exist_ok=True)
            replace(path, data)
        except (OSError, TypeError, ValueError) as exc:
            if not self._warned:
                self._warned = True
                print(f"honestreach: cache not written ({self.root}): {exc}", file=sys.stderr)
            return False
        self.used.add(key)
        self.written += 1
        return True

    def prune(self, now: float | None = None, max_age_days: float = MAX_AGE_DAYS,
              max_bytes: int = MAX_BYTES) -> int:
        """Delete stale entries (see the module's docstring); the number deleted."""
        now = time.time() if now is None else now
        oldest = now - max_age_days * 86400
        kept: list[tuple[float, int, Path]] = []
        removed = 0
        for kind in KINDS:
            for entry in _entries(self.directory / kind):
                try:
                    stat = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.name[:-len(".json")] in self.used:
                    continue
                if stat.st_mtime < oldest:
                    removed += _unlink(entry.path)
                elif not entry.name.startswith(".tmp-"):  # one being written now stays
                    kept.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        total = sum(size for _, size, _ in kept)
        for _, size, path in sorted(kept, key=lambda item: item[0]):
            if total <= max_bytes:
                break
            removed += _unlink(path)
            total -= size
        return removed

    def _prepare_root(self) -> None:
        """A new cache folder is kept out of version control and of backups."""
        if (self.root / ".gitignore").is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        # Written as entries are: a link planted under either name is replaced, not followed.
        replace(self.root / "CACHEDIR.TAG",
                b"Signature: 8a477f597d28d172789f06886806bc55\n"
                b"# This file is a cache directory tag created by honestreach.\n")
        replace(self.root / ".gitignore", b"# Created by honestreach: the result cache.\n*\n")


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    """The files the cache wrote in one of its folders; none when the folder is a link (its
    target is not the cache's to clean)."""
    try:
        if folder.is_symlink() or folder.parent.is_symlink():
            return []
        with os.scandir(folder) as listing:
            return [entry for entry in listing if _ENTRY_NAME.fullmatch(entry.name)]
    except OSError:
        return []


def _unlink(path: str | Path) -> int:
    try:
        os.unlink(path)
        return 1
    except OSError:
        return 0  # gone already (another run pruned it) or not ours to delete


def replace(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` atomically: a temporary file in the same folder, renamed."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def entry_digest(document: dict[str, Any]) -> str:
    """The SHA-256 of an entry's content (its key, format and data), whatever its layout."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_entry(path: Path) -> Any:
    """An entry's document once its digest verifies; None when the file is missing, not a
    regular file (a FIFO, a symbolic link), too large, not JSON, or does not verify."""
    try:
        document = json.loads(read_regular_bytes(path, MAX_ENTRY_BYTES, follow_links=False))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    digest = document.pop("digest", None)
    if not isinstance(digest, str) or not hmac.compare_digest(digest, entry_digest(document)):
        return None
    return document
