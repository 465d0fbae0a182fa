"""The result cache: a second run over unchanged files neither re-checks them nor loads the rule engine.

One entry per checked file, in ``.honestreach_cache/`` of the current directory (``--cache-dir``,
``--no-cache``). An entry's key is a SHA-256 over everything its result depends on:

* the file's bytes, its name and the kind it is read as;
* the rule set: the bytes of every rule file, built in and in the configuration's rule folders
  (read, never parsed);
* the effective configuration: the configuration file's path and bytes and the command line's
  options (a file an option names counts by its size and modification time);
* the CRM the run verifies claims against (a file or folder by size and modification time, a
  URL as written; and then today's date too, unless ``--date`` fixes it); for a template,
  today's date as well (its sample records are dated relative to it);
* honestreach itself: its version, the bytes of its code, the Python version and the names and
  versions of the installed distributions (so a new dependency invalidates every entry).

A run only knows a configuration's rule folders once it has loaded that configuration, and
loading one validates it and every rule file: so for each configuration file the cache also keeps
what it needs of it (rule folders, file size limit, CRM), written when the linter loads it. A
file whose configuration it has not seen yet is a miss. Standard input is never cached; neither
is a template that includes, imports or extends another file (its result depends on that file),
a result with an error from the checking stage (a rule's time limit, say), nor anything from a
run that met a configuration or rule error. A hit is the stored
:class:`~honestreach.model.FileResult`; its source text (for the text report's source lines) is
decoded again from the file's bytes. Entries are written to a temporary file and renamed into
place; one that cannot be read or does not have the expected shape is ignored and rebuilt.

An entry cannot lie: it carries a SHA-256 digest of its content, key included, and one that does
not verify (a flipped bit, an edit) is ignored and rebuilt. Only regular files are read from the
cache folder, never through a symbolic link, without blocking and up to a size limit: a FIFO or
a link to ``/dev/zero`` there is a miss, not a hang. Runs with ``--redact`` use no cache (the
command line turns it off), so no entry holds what a redacted run was asked to hide, and no
redacted run is served from an entry.

This module imports only the standard library and the model, so that a fully cached run imports
neither the rule engine nor jsonschema nor the rule loader.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from . import __version__
from .locate import CONFIG_NAMES, builtin_rules_dir, find_config_file  # noqa: F401 (shared)
from .model import (SEVERITIES, FileResult, Finding, InputError, InputNote, Location, Scores,
                    SourceText)
from .regularfile import read_regular_bytes

if TYPE_CHECKING:
    from .sources import InputFile

DEFAULT_CACHE_DIR = ".honestreach_cache"
# Bump when the layout or the meaning of an entry changes.
FORMAT = 1
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")
# A template whose result depends on other files.
_TEMPLATE_DEPENDENCY = re.compile(rb"\{%[-+]?\s*(?:include|import|extends|from)\b")
# How the parsers decode a file into its source text; an entry names the one that reproduces it.
_DECODINGS = (("utf-8-sig", "strict"), ("utf-16", "strict"), ("utf-8", "replace"))
_IGNORED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", DEFAULT_CACHE_DIR})
# The largest entry read back (one holds a file's text only when its bytes cannot give it back),
# and the largest rule, configuration or code file hashed for a key.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_HASHED_BYTES = 64 * 1024 * 1024

# The fields an entry stores: a field added to one of these classes must be added to the cache
# too (until then the cache turns itself off rather than return results without it).
_KNOWN_FIELDS = {
    FileResult: {"path", "findings", "scores", "errors", "recipient", "subject", "source",
                 "gate_failures", "notes"},
    Finding: {"rule", "category", "severity", "message", "location", "text", "suggestion",
              "field"},
    Location: {"line", "column", "end_line", "end_column"},
    Scores: {"respect", "relevance", "respect_reasons", "relevance_reasons"},
    InputError: {"message", "line"},
    InputNote: {"message", "line"},
}


def model_matches_cache() -> bool:
    """Whether the cache knows every field of the result classes it stores."""
    return all({f.name for f in fields(cls)} == names  # type: ignore[arg-type]
               for cls, names in _KNOWN_FIELDS.items())


@dataclass(frozen=True)
class Settings:
    """What the cache needs of one configuration before any rule is loaded."""

    rule_dirs: tuple[str, ...] = ()
    max_file_size: int | None = None
    crm: str | None = None
    crm_preset: str | None = None
    crm_mapping: str | None = None
    # The files and URLs the configuration names besides rule folders (a CRM, a sample CRM, a
    # mapping), by setting: their state is part of the key of every file below it.
    dependencies: tuple[tuple[str, str], ...] = ()


class ResultCache:
    """Looks results up before a file is checked and stores them after."""

    def __init__(self, directory: str | os.PathLike[str] = DEFAULT_CACHE_DIR,
                 options: Mapping[str, Any] | None = None, config_path: Path | None = None,
                 dated: bool = False) -> None:
        """``options``: the command line's options that can change a result (a value naming a
        file or folder counts by its content). ``config_path``: ``--config``. ``dated``: the
        sending date was given, so results do not depend on today's date."""
        self.root = Path(directory)
        self.directory = self.root / f"v{FORMAT}"
        self.options = dict(options or {})
        self.config_path = config_path
        self.dated = dated
        self.enabled = model_matches_cache()
        self.hits = 0
        self.misses = 0
        self.stored = 0
        self._crm: tuple[str | None, str | None, str | None] | None = None
        self._run_digest: str | None = None
        self._config_files: dict[str, Path | None] = {}
        self._settings: dict[str, Settings | None] = {}
        self._config_hashes: dict[str, str | None] = {}
        self._rule_digests: dict[tuple[str, ...], str] = {}
        self._dependency_states: dict[tuple[tuple[str, str], ...], Any] = {}
        self._pending: dict[str, InputFile] = {}
        self._checked: dict[str, str] = {}
        self._warned = False

    # -- what the run is ---------------------------------------------------------------------
    def use_crm(self, source: str | None, preset: str | None = None,
                mapping: str | os.PathLike[str] | None = None) -> None:
        """The CRM this run verifies claims against (part of every key)."""
        self._crm = (source, preset, str(mapping) if mapping is not None else None)
        self._run_digest = None

    def run_digest(self) -> str:
        """Everything the run's results depend on besides the file and its configuration."""
        if self._run_digest is None:
            crm = None
            if self._crm is not None and self._crm[0] is not None:
                source, preset, mapping = self._crm
                crm = [_fingerprint(source), preset, _fingerprint(mapping)]
            uses_crm = crm is not None or any(
                "crm" in name and value not in (None, False, ()) for name, value in
                self.options.items())
            self._run_digest = _digest({
                "format": FORMAT,
                "code": code_digest(),
                "options": {name: _fingerprint(value) for name, value in
                            sorted(self.options.items())},
                "crm": crm,
                # Claim time windows ("last week") are read against today without --date.
                "today": date.today().isoformat() if uses_crm and not self.dated else None,
            })
        return self._run_digest

    # -- configurations ----------------------------------------------------------------------
    def config_file_for(self, path: str) -> Path | None:
        """The configuration file for an input, found as config.find_config_file finds it."""
        if self.config_path is not None:
            return self.config_path.resolve()
        start = Path.cwd() if path == "-" else Path(path)
        folder = str(start if start.is_dir() else start.parent)
        if folder not in self._config_files:
            self._config_files[folder] = find_config_file(Path(folder))
        return self._config_files[folder]

    def settings(self, config_file: Path | None) -> Settings | None:
        """What a configuration file holds, as the linter last loaded it; None when unknown."""
        if config_file is None:
            return Settings()
        key = str(config_file)
        if key not in self._settings:
            self._settings[key] = self._read_settings(config_file)
        return self._settings[key]

    def settings_for(self, path: str) -> Settings | None:
        return self.settings(self.config_file_for(path))

    def max_file_size(self, path: str) -> int | None:
        """The file size limit of the configuration for ``path``; None when unknown."""
        settings = self.settings_for(path)
        if settings is None:
            return None
        if settings.max_file_size is None:
            from .sources import DEFAULT_MAX_BYTES

            return DEFAULT_MAX_BYTES
        return settings.max_file_size

    def remember(self, config_file: Path | None, config: Any) -> None:
        """Keep what the cache needs of a configuration the linter has loaded and validated."""
        if config_file is None or not self.enabled:
            return
        dependencies = []
        for setting in fields(config):
            value = getattr(config, setting.name)
            if setting.name not in ("path", "rule_dirs") and (
                    isinstance(value, os.PathLike) or isinstance(value, str) and (
                        "://" in value or os.path.exists(value))):
                dependencies.append((setting.name, str(value)))
        settings = Settings(
            rule_dirs=tuple(str(d) for d in config.rule_dirs),
            max_file_size=config.max_file_size,
            crm=config.crm,
            crm_preset=config.crm_preset,
            crm_mapping=str(config.crm_mapping) if config.crm_mapping is not None else None,
            dependencies=tuple(dependencies),
        )
        config_file = config_file.resolve()
        self._settings[str(config_file)] = settings
        digest = self._config_digest(config_file)
        if digest is not None:
            self._write(self.directory / "configs" / f"{digest}.json",
                        {"format": FORMAT, "key": digest, "settings": settings.__dict__})

    def _read_settings(self, config_file: Path) -> Settings | None:
        digest = self._config_digest(config_file)
        if digest is None:
            return None
        document = _read_entry(self.directory / "configs" / f"{digest}.json")
        try:
            if document["format"] != FORMAT or document["key"] != digest:
                return None
            data = document["settings"]
            if set(data) != {f.name for f in fields(Settings)}:
                return None
            max_size = data["max_file_size"]
            if max_size is not None and (type(max_size) is not int or max_size < 1):
                return None
            return Settings(
                rule_dirs=tuple(_str(d) for d in _list(data["rule_dirs"])),
                max_file_size=max_size,
                crm=_opt_str(data["crm"]),
                crm_preset=_opt_str(data["crm_preset"]),
                crm_mapping=_opt_str(data["crm_mapping"]),
                dependencies=tuple((_str(name), _str(value)) for name, value in
                                   (_list(pair) for pair in _list(data["dependencies"]))),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def _config_hash(self, config_file: Path) -> str | None:
        """The SHA-256 of a configuration file's bytes (read once a run)."""
        key = str(config_file)
        if key not in self._config_hashes:
            self._config_hashes[key] = _file_sha256(config_file)
        return self._config_hashes[key]

    def _config_digest(self, config_file: Path) -> str | None:
        content = self._config_hash(config_file)
        if content is None:
            return None
        # What a configuration holds depends on its bytes and on the code that reads them only.
        return _digest({"format": FORMAT, "code": code_digest(),
                        "config": [str(config_file), content]})

    def dependency_state(self, settings: Settings) -> Any:
        """The state of the files a configuration names (and today's date, for a CRM)."""
        key = settings.dependencies
        if key not in self._dependency_states:
            state: list[Any] = [[name, _fingerprint(value)] for name, value in key]
            if any("crm" in name for name, _ in key) and not self.dated:
                state.append(["today", date.today().isoformat()])
            self._dependency_states[key] = state
        return self._dependency_states[key]

    def rule_digest(self, rule_dirs: tuple[str, ...]) -> str:
        """A digest of the bytes of every rule file: built in, then the configuration's."""
        if rule_dirs not in self._rule_digests:
            hasher = hashlib.sha256()
            for folder in (builtin_rules_dir(), *map(Path, rule_dirs)):
                hasher.update(f"\0dir\0{folder}\0".encode())
                if not folder.is_dir():
                    hasher.update(b"missing")
                    continue
                # The files rules.load_rules reads, in its order.
                for path in sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml")):
                    hasher.update(f"\0file\0{path.relative_to(folder).as_posix()}\0".encode())
                    hasher.update(_read_bytes(path) or b"\0unreadable")
            self._rule_digests[rule_dirs] = hasher.hexdigest()
        return self._rule_digests[rule_dirs]

    # -- entries -----------------------------------------------------------------------------
    def key(self, item: InputFile) -> str | None:
        """The entry key for an input; None when it cannot be cached (yet)."""
        if not self.enabled or item.path == "-" or item.kind == "stdin":
            return None
        name = Path(item.path).name
        template = item.kind == "template" or name.lower().endswith(TEMPLATE_SUFFIXES)
        if template and _TEMPLATE_DEPENDENCY.search(item.data):
            return None
        config_file = self.config_file_for(item.path)
        settings = self.settings(config_file)
        if settings is None:
            return None
        config = None
        if config_file is not None:
            config = [str(config_file), self._config_hash(config_file)]
            if config[1] is None:
                return None
        return _digest({
            "run": self.run_digest(),
            "config": config,
            "rules": self.rule_digest(settings.rule_dirs),
            "dependencies": self.dependency_state(settings),
            "kind": item.kind,
            "name": name,
            "content": hashlib.sha256(item.data).hexdigest(),
            # Templates render sample records dated relative to today.
            "today": date.today().isoformat() if template and not self.dated else None,
        })

    def lookup(self, item: InputFile) -> FileResult | None:
        """The stored result for an input, or None (then :meth:`store` keeps its result)."""
        if not self.enabled or item.path == "-" or item.kind == "stdin":
            return None
        key = self.key(item)
        if key is not None:
            result = self._load(key, item)
            if result is not None:
                self.hits += 1
                self._checked.setdefault(str(self.config_file_for(item.path)), item.path)
                return result
        self.misses += 1
        self._pending[item.path] = item
        return None

    def store(self, result: FileResult, clean_run: bool = True) -> None:
        """Keep a result of an input that :meth:`lookup` missed (if it can be reused)."""
        item = self._pending.pop(result.path, None)
        if item is None or not clean_run or not self.enabled:
            return
        # An error from the checking stage (a rule's time limit) may not happen again; a file
        # that could not be parsed (no scores) will always fail the same way.
        if result.errors and result.scores is not None:
            return
        key = self.key(item)
        if key is None:
            return
        entry = {"format": FORMAT, "key": key, "result": _encode_result(result, item.data)}
        if self._write(self.directory / "results" / f"{key}.json", entry):
            self.stored += 1

    def checked_paths(self) -> list[str]:
        """One input path per configuration whose results came from the cache."""
        return list(self._checked.values())

    def _load(self, key: str, item: InputFile) -> FileResult | None:
        document = _read_entry(self.directory / "results" / f"{key}.json")
        try:
            if document["format"] != FORMAT or document["key"] != key:
                return None
            return _decode_result(document["result"], item)
        except (KeyError, TypeError, ValueError, IndexError, LookupError):
            return None

    def _write(self, path: Path, document: dict[str, Any]) -> bool:
        """Write an entry, sealed with its digest, atomically (a temporary file in the same
        folder, then a rename, which replaces whatever was there, a link or a FIFO too)."""
        try:
            sealed = {**document, "digest": _entry_digest(document)}
            data = json.dumps(sealed, ensure_ascii=False, separators=(",", ":")).encode()
            self._prepare_root()
            path.parent.mkdir(parents=True, exist_ok=True)
            _replace(path, data)
            return True
        except (OSError, TypeError, ValueError) as exc:
            if not self._warned:
                self._warned = True
                print(f"honestreach: cache not written ({self.root}): {exc}", file=sys.stderr)
            return False

    def _prepare_root(self) -> None:
        """A new cache folder is kept out of version control and of backups."""
        if (self.root / ".gitignore").is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        # Written as entries are: a link planted under either name is replaced, not followed.
        _replace(self.root / "CACHEDIR.TAG",
                 b"Signature: 8a477f597d28d172789f06886806bc55\n"
                 b"# This file is a cache directory tag created by honestreach.\n")
        _replace(self.root / ".gitignore", b"# Created by honestreach: the result cache.\n*\n")


def _replace(path: Path, data: bytes) -> None:
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


_CODE_DIGEST: str | None = None


def code_digest() -> str:
    """honestreach's version and code, Python's version and the installed distributions."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        hasher = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
        package = Path(__file__).resolve().parent
        for path in sorted(_files(package, skip={package / "rules"})):
            hasher.update(f"\0{path.relative_to(package).as_posix()}\0".encode())
            hasher.update(_read_bytes(path) or b"")
        for name in sorted(_distributions()):
            hasher.update(f"\0dist\0{name}".encode())
        _CODE_DIGEST = hasher.hexdigest()
    return _CODE_DIGEST


def _files(folder: Path, skip: set[Path] = set()) -> Iterator[Path]:  # noqa: B006 - read only
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


# -- fingerprints --------------------------------------------------------------------------------
def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _read_bytes(path: Path) -> bytes | None:
    """A rule, configuration or code file's bytes; None when it is not a regular file of a
    sane size (a FIFO named like a rule file must not hang the run here)."""
    try:
        return read_regular_bytes(path, MAX_HASHED_BYTES)
    except OSError:
        return None


def _file_sha256(path: Path) -> str | None:
    data = _read_bytes(path)
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _fingerprint(value: Any) -> Any:
    """An option's value for a key; a file or folder it names counts by size and mtime."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_fingerprint(v) for v in value]
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


# -- entries as JSON -----------------------------------------------------------------------------
def _encode_result(result: FileResult, data: bytes) -> dict[str, Any]:
    scores = result.scores
    return {
        "findings": [_encode_finding(f) for f in result.findings],
        "scores": None if scores is None else {
            "respect": scores.respect, "relevance": scores.relevance,
            "respect_reasons": list(scores.respect_reasons),
            "relevance_reasons": list(scores.relevance_reasons),
        },
        "errors": [{"message": e.message, "line": e.line} for e in result.errors],
        "recipient": result.recipient,
        "subject": result.subject,
        "source": _encode_source(result.source, data),
        "gate_failures": list(result.gate_failures),
        "notes": [{"message": n.message, "line": n.line} for n in result.notes],
    }


def _encode_finding(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {"rule": finding.rule, "category": finding.category, "severity": finding.severity,
            "message": finding.message,
            "location": [loc.line, loc.column, loc.end_line, loc.end_column],
            "text": finding.text, "suggestion": finding.suggestion, "field": finding.field}


def _encode_source(source: SourceText | None, data: bytes) -> dict[str, Any] | None:
    """How to get the source text back from the file's bytes (or the text itself)."""
    if source is None:
        return None
    for encoding, errors in _DECODINGS:
        try:
            if data.decode(encoding, errors) == source.text:
                return {"decode": [encoding, errors]}
        except UnicodeDecodeError:
            continue
    return {"text": source.text}


def _decode_result(data: Any, item: InputFile) -> FileResult:
    """The result an entry holds; TypeError or ValueError when it is not a valid entry."""
    if not isinstance(data, dict) or set(data) != {"findings", "scores", "errors", "recipient",
                                                   "subject", "source", "gate_failures",
                                                   "notes"}:
        raise ValueError("not a cached result")
    scores = data["scores"]
    return FileResult(
        path=item.path,
        findings=tuple(_decode_finding(f) for f in _list(data["findings"])),
        scores=None if scores is None else Scores(
            respect=_int(scores["respect"]), relevance=_int(scores["relevance"]),
            respect_reasons=tuple(_str(r) for r in _list(scores["respect_reasons"])),
            relevance_reasons=tuple(_str(r) for r in _list(scores["relevance_reasons"])),
        ),
        errors=tuple(InputError(_str(e["message"]),
                                None if e["line"] is None else _int(e["line"]))
                     for e in _list(data["errors"])),
        recipient=_opt_str(data["recipient"]),
        subject=_opt_str(data["subject"]),
        source=_decode_source(data["source"], item.data),
        gate_failures=tuple(_str(g) for g in _list(data["gate_failures"])),
        notes=tuple(InputNote(_str(n["message"]), None if n["line"] is None else _int(n["line"]))
                    for n in _list(data["notes"])),
    )


def _decode_finding(data: Any) -> Finding:
    if not isinstance(data, dict):
        raise TypeError("a finding must be an object")
    line, column, end_line, end_column = (_int(v) for v in _list(data["location"]))
    severity = _str(data["severity"])
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    return Finding(rule=_str(data["rule"]), category=_str(data["category"]),
                   severity=severity,  # type: ignore[arg-type]
                   message=_str(data["message"]),
                   location=Location(line, column, end_line, end_column),
                   text=_str(data["text"]), suggestion=_str(data["suggestion"]),
                   field=_str(data["field"]))


def _decode_source(data: Any, raw: bytes) -> SourceText | None:
    if data is None:
        return None
    if "text" in data:
        return SourceText(_str(data["text"]))
    encoding, errors = (_str(v) for v in _list(data["decode"]))
    if (encoding, errors) not in _DECODINGS:
        raise ValueError("unknown decoding")
    return SourceText(raw.decode(encoding, errors))


def _entry_digest(document: dict[str, Any]) -> str:
    """The SHA-256 of an entry's content (its key, format and data), whatever its layout."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _read_entry(path: Path) -> Any:
    """An entry's document once its digest verifies; None when the file is missing, not a
    regular file (a FIFO, a symbolic link), too large, not JSON, or does not verify."""
    try:
        document = json.loads(read_regular_bytes(path, MAX_ENTRY_BYTES, follow_links=False))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    digest = document.pop("digest", None)
    if not isinstance(digest, str) or not hmac.compare_digest(digest,
                                                              _entry_digest(document)):
        return None
    return document


def _check(kind: type, name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value
    return check


_str = _check(str, "a string")
_int = _check(int, "an integer")
_list = _check(list, "a list")


def _opt_str(value: Any) -> str | None:
    return None if value is None else _str(value)
