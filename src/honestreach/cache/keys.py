"""What a cache key is made of: digests of honestreach itself, of the rule files, and
fingerprints of the files and folders an option names."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from .._version import __version__
from ..locate import builtin_rules_dir
from ..regularfile import read_regular_bytes
from .store import DEFAULT_CACHE_DIR

TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")
# A template whose result depends on other files.
TEMPLATE_DEPENDENCY = re.compile(rb"\{%[-+]?\s*(?:include|import|extends|from)\b")
_IGNORED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", DEFAULT_CACHE_DIR})
# The largest rule, configuration or code file hashed for a key.
MAX_HASHED_BYTES = 64 * 1024 * 1024

_CODE_DIGEST: str | None = None


def code_digest() -> str:
    """honestreach's version and code, Python's version and the installed distributions."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        hasher = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
        package = Path(__file__).resolve().parents[1]
        for path in sorted(_files(package, skip={package / "rules"})):
            hasher.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
            hasher.update(read_bytes(path) or b"")
        for name in sorted(_distributions()):
            hasher.update(f"\0dist\0{name}".encode())
        _CODE_DIGEST = hasher.hexdigest()
    return _CODE_DIGEST


def rule_digest(rule_dirs: tuple[str, ...]) -> str:
    """A digest of the bytes of every rule file: built in, then the given folders'."""
    hasher = hashlib.sha256()
    for folder in (builtin_rules_dir(), *map(Path, rule_dirs)):
        hasher.update(f"\0dir\0{folder}\0".encode())
        if not folder.is_dir():
            hasher.update(b"missing")
            continue
        # The files rules.load_rules reads, in its order.
        for path in sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml")):
            hasher.update(f"\0file\0{path.relative_to(folder).as_posix()}\0".encode())
            hasher.update(read_bytes(path) or b"\0unreadable")
    return hasher.hexdigest()


def _files(folder: Path, skip: frozenset[Path] | set[Path] = frozenset()) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _IGNORED_DIRS and Path(root, d) not in skip]
        for name in names:
            if not name.endswith((".pyc", ".pyo")):
                yield Path(root, name)


def _distributions() -> set[str]:
    """Installed distributions with their versions, from the metadata folders' names in the
    site-packages folders on the path (not the script's or the current folder, which differ
    between ``honestreach`` and ``python -m honestreach``)."""
    names: set[str] = set()
    for entry in sys.path:
        if os.path.basename(entry.rstrip("/\\")) not in ("site-packages", "dist-packages"):
            continue
        try:
            listing = os.listdir(entry)
        except OSError:
            continue
        names.update(n for n in listing if n.endswith((".dist-info", ".egg-info")))
    return names


def digest(value: Any) -> str:
    """The SHA-256 of a JSON value (keys sorted)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def read_bytes(path: Path) -> bytes | None:
    """A rule, configuration or code file's bytes; None when it is not a regular file of a
    sane size (a FIFO named like a rule file must not hang the run here)."""
    try:
        return read_regular_bytes(path, MAX_HASHED_BYTES)
    except OSError:
        return None


def file_sha256(path: Path) -> str | None:
    data = read_bytes(path)
    return hashlib.sha256(data).hexdigest() if data is not None else None


def fingerprint(value: Any) -> Any:
    """An option's value for a key; a file or folder it names counts by size and mtime."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    if isinstance(value, os.PathLike):
        return ["path", *_path_state(Path(value))]
    if isinstance(value, str):
        if "://" in value:
            match = re.match(r"sqlite(?:\+\w+)?:///(.+)", value)
            return ["url", value, *(_path_state(Path(match.group(1))) if match else ())]
        if value and os.path.exists(value):
            return ["path", *_path_state(Path(value))]
        return value
    return repr(value)


def _path_state(path: Path) -> list[Any]:
    """A path, and the size and modification time of the file or of every file below it."""
    try:
        resolved = path.resolve()
        if resolved.is_dir():
            hasher = hashlib.sha256()
            for file in sorted(_files(resolved)):
                stat = file.stat()
                hasher.update(f"{file.relative_to(resolved).as_posix()}\0{stat.st_size}\0"
                              f"{stat.st_mtime_ns}\0".encode())
            return [str(resolved), "dir", hasher.hexdigest()]
        stat = resolved.stat()
        return [str(resolved), stat.st_size, stat.st_mtime_ns]
    except OSError:
        return [str(path), "missing"]
