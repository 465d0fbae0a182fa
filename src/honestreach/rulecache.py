"""Keep the compiled rule set between runs, so a check of one draft does not compile it again.

Compiling the vocabularies and patterns costs most of a cold run; the result depends only on
the rule and vocabulary files, honestreach's own code and the word tables it reads. The sentence
model is kept with the set too: unpickled, it loads in half the time its JSON file takes. Their
fingerprint names the cache file, so an edit to any of them is a new file, never a stale one.

The file sits in the user's cache folder (``$HONESTREACH_RULE_CACHE``, else
``$XDG_CACHE_HOME/honestreach``, else ``~/.cache/honestreach``); ``HONESTREACH_RULE_CACHE=off``
turns it off. Beside a set, the compiled programs of its patterns' filter expressions are kept
once a run has needed many of them (:mod:`.rulecache_filters`). Both are pickles, read and
written as :mod:`.cachefiles` reads and writes every kept file: a file that is not the user's
own, or whose digest does not match, is ignored and the rules are compiled (the expressions
parsed) as if there were none.
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable

from ._version import __version__
from .cachefiles import KEEP, cache_folder, read_payload, write_payload
from .regularfile import read_regular_bytes
from .rulecache_filters import FilterPrograms
from .rules import RuleSet, builtin_rules_dir, load_rules, rule_files
from .ruletypes import word_patterns

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


def _write(path: Path, ruleset: RuleSet) -> None:
    """Store ``ruleset`` atomically; a cache that cannot be written is simply not kept."""
    try:
        payload = pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    write_payload(path, payload)
