"""Keep the compiled rule set between runs, so a check of one draft does not compile it again.

Compiling the vocabularies and patterns costs most of a cold run; the result depends only on
the rule and vocabulary files, honestreach's own code and the word tables it reads. The sentence
model is kept with the set too: unpickled, it loads in half the time its JSON file takes. Their
fingerprint names the cache file, so an edit to any of them is a new file, never a stale one.

The file sits in the user's cache folder (``$HONESTREACH_RULE_CACHE``, else
``$XDG_CACHE_HOME/honestreach``, else ``~/.cache/honestreach``); ``HONESTREACH_RULE_CACHE=off``
turns it off. Beside a set, the compiled programs of its patterns' filter expressions are kept
once a run has needed many of them (:mod:`.rulecache_filters`). Both are pickles, so a file is
read only when it is a regular file that belongs to the user, that nobody else may write, and
whose SHA-256 matches the one stored with it; any other file is ignored and the rules are
compiled (the expressions parsed) as if there were none.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Iterable

from ._version import __version__
from .regularfile import read_regular_bytes
from .rulecache_filters import FilterPrograms
from .rules import RuleSet, builtin_rules_dir, load_rules, rule_files
from .ruletypes import word_patterns

# The built-in rules compile to about 50 MB (most of it the pattern index's word masks) and a
# team's rule folders add to that; a file far larger than this is not one.
MAX_CACHE_BYTES = 256 * 1024 * 1024
# Compiled sets kept at most: each edit of a rule folder or upgrade makes a new one.
KEEP = 8
_DIGEST = hashlib.sha256().digest_size
_PACKAGE = Path(__file__).parent
# The sets this process loaded, by fingerprint, whether or not the cache folder is used: every
# Linter of one process (an audit's own and its workers' Checker, the rule examples' audits)
# shares one set instead of reading or compiling it again, which costs as much as a few dozen
# messages' checks. A set is not changed once compiled, so sharing it is safe.
_IN_MEMORY: dict[str, RuleSet] = {}


def cached_rules(extra_dirs: Iterable[Path] = ()) -> RuleSet:
    """``load_rules(extra_dirs)``, from the cache when an identical set was compiled before."""
    extra = tuple(Path(d) for d in extra_dirs)
    key = fingerprint(extra)
    ruleset = _IN_MEMORY.get(key)
    if ruleset is not None:
        return ruleset
    folder = cache_folder()
    path = folder / f"rules-{key}.pickle" if folder is not None else None
    ruleset = _read(path) if path is not None else None
    if ruleset is None:
        ruleset = load_rules(extra)
        if not ruleset.errors and path is not None:  # a broken set is reported every run
            ruleset.pattern_index()  # kept with it
            from .engine import context_cues

            context_cues(ruleset.vocabulary)  # compiled into the vocabulary, kept with it
            ruleset.keep_sentence_model()
            _write(path, ruleset)
    if not ruleset.errors:
        if len(_IN_MEMORY) >= KEEP:
            _IN_MEMORY.clear()
        _IN_MEMORY[key] = ruleset
        if folder is not None:
            # The word patterns' and the context cues' (compiled into the vocabulary before
            # the set was stored): the cues' expressions are long, and every process compiled
            # them again.
            seqs = [pattern.seq for pattern in
                    word_patterns(ruleset.rules) + ruleset.vocabulary.kept_patterns()]
            FilterPrograms(folder / f"filters-{key}.pickle", seqs, read_payload,
                           write_payload).keep()
    return ruleset


def cache_folder() -> Path | None:
    """Where compiled rule sets are kept; None when the cache is turned off."""
    setting = os.environ.get("HONESTREACH_RULE_CACHE", "")
    if setting.lower() in {"off", "0", "no", "false"}:
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "honestreach"


def fingerprint(extra_dirs: tuple[Path, ...]) -> str:
    """A digest of everything the compiled set depends on."""
    digest = hashlib.sha256()
    for part in (__version__, sys.version, _lookups_version()):
        digest.update(part.encode() + b"\0")
    # the code, and the data files it reads (the sentence model is kept with the set)
    data = [path for path in (_PACKAGE / "data").iterdir() if path.is_file()]
    for path in sorted([*_PACKAGE.rglob("*.py"), *data]):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    for folder in (builtin_rules_dir(), *extra_dirs):
        digest.update(str(folder.resolve()).encode() + b"\0")
        if not folder.is_dir():
            continue
        for path in rule_files(folder, vocabulary=True) + rule_files(folder):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            try:  # a named pipe would hang here; the loader reports what cannot be read
                digest.update(read_regular_bytes(path) + b"\0")
            except OSError as exc:
                digest.update(f"unreadable: {exc}".encode() + b"\0")
    return digest.hexdigest()[:32]


def _lookups_version() -> str:
    try:
        return metadata.version("spacy-lookups-data")
    except metadata.PackageNotFoundError:
        return ""


def _read(path: Path) -> RuleSet | None:
    payload = read_payload(path)
    if payload is None:
        return None
    # The set is a few hundred thousand small objects that live as long as the run: collecting
    # garbage while they are created would only walk them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        ruleset = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - an unreadable entry is compiled again, whatever broke
        return None
    finally:
        if collecting:
            # Nor after: the next full collection would walk them all once more (a quarter
            # of a second of a one-draft check). Frozen, collections pass over them; they are
            # still freed by their reference counts.
            gc.freeze()
            gc.enable()
    return ruleset if isinstance(ruleset, RuleSet) else None


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


def _write(path: Path, ruleset: RuleSet) -> None:
    """Store ``ruleset`` atomically; a cache that cannot be written is simply not kept."""
    try:
        payload = pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    write_payload(path, payload)


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
