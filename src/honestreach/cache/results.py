"""The result cache's lookups: the key of each input, its stored result, and what the cache
keeps of each configuration (see the package's docstring for what a key covers)."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from ..filekinds import DEFAULT_MAX_BYTES
from ..locate import find_config_file
from ..model import FileResult
from ..sources import InputFile
from .codec import decode_result, encode_result, model_matches_cache
from .configs import Settings, decode_settings, encode_settings, settings_of
from .keys import (TEMPLATE_DEPENDENCY, TEMPLATE_SUFFIXES, code_digest, digest, file_sha256,
                   fingerprint, rule_digest)
from .store import DEFAULT_CACHE_DIR, FORMAT, EntryStore


class ResultCache:
    """Looks results up before a file is checked and stores them after."""

    def __init__(self, directory: str | os.PathLike[str] = DEFAULT_CACHE_DIR,
                 options: Mapping[str, Any] | None = None, config_path: Path | None = None,
                 dated: bool = False) -> None:
        """``options``: the command line's options that can change a result (a value naming a
        file or folder counts by its content). ``config_path``: ``--config``. ``dated``: the
        sending date was given, so results do not depend on today's date."""
        self.entries = EntryStore(directory)
        self.root = self.entries.root
        self.directory = self.entries.directory
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
                crm = [fingerprint(source), preset, fingerprint(mapping)]
            uses_crm = crm is not None or any(
                "crm" in name and value not in (None, False, ()) for name, value in
                self.options.items())
            self._run_digest = digest({
                "format": FORMAT,
                "code": code_digest(),
                "options": {name: fingerprint(value) for name, value in
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
            return DEFAULT_MAX_BYTES
        return settings.max_file_size

    def remember(self, config_file: Path | None, config: Any) -> None:
        """Keep what the cache needs of a configuration the linter has loaded and validated."""
        if config_file is None or not self.enabled:
            return
        settings = settings_of(config)
        config_file = config_file.resolve()
        self._settings[str(config_file)] = settings
        key = self._config_digest(config_file)
        if key is not None:
            self.entries.write("configs", key, {"format": FORMAT, "key": key,
                                               "settings": encode_settings(settings)})

    def _read_settings(self, config_file: Path) -> Settings | None:
        key = self._config_digest(config_file)
        if key is None:
            return None
        document = self.entries.read("configs", key)
        try:
            if document["format"] != FORMAT or document["key"] != key:
                return None
            return decode_settings(document["settings"])
        except (KeyError, TypeError):
            return None

    def _config_hash(self, config_file: Path) -> str | None:
        """The SHA-256 of a configuration file's bytes (read once a run)."""
        key = str(config_file)
        if key not in self._config_hashes:
            self._config_hashes[key] = file_sha256(config_file)
        return self._config_hashes[key]

    def _config_digest(self, config_file: Path) -> str | None:
        content = self._config_hash(config_file)
        if content is None:
            return None
        # What a configuration holds depends on its bytes and on the code that reads them only.
        return digest({"format": FORMAT, "code": code_digest(),
                        "config": [str(config_file), content]})

    def dependency_state(self, settings: Settings) -> Any:
        """The state of the files a configuration names (and today's date, for a CRM)."""
        key = settings.dependencies
        if key not in self._dependency_states:
            state: list[Any] = [[name, fingerprint(value)] for name, value in key]
            if any("crm" in name for name, _ in key) and not self.dated:
                state.append(["today", date.today().isoformat()])
            self._dependency_states[key] = state
        return self._dependency_states[key]

    def rule_digest(self, rule_dirs: tuple[str, ...]) -> str:
        """A digest of the bytes of every rule file: built in, then the configuration's."""
        if rule_dirs not in self._rule_digests:
            self._rule_digests[rule_dirs] = rule_digest(rule_dirs)
        return self._rule_digests[rule_dirs]

    # -- entries -----------------------------------------------------------------------------
    def key(self, item: InputFile) -> str | None:
        """The entry key for an input; None when it cannot be cached (yet)."""
        if not self.enabled or item.path == "-" or item.kind == "stdin":
            return None
        name = Path(item.path).name
        template = item.kind == "template" or name.lower().endswith(TEMPLATE_SUFFIXES)
        if template and TEMPLATE_DEPENDENCY.search(item.data):
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
        return digest({
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
        entry = {"format": FORMAT, "key": key, "result": encode_result(result, item.data)}
        if self.entries.write("results", key, entry):
            self.stored += 1

    def prune(self) -> int:
        """At the end of a run: if it wrote entries, delete the stale ones (see
        :mod:`honestreach.cache.store`); the number deleted. The run's own entries stay."""
        if not self.enabled or self.entries.written == 0:
            return 0
        return self.entries.prune()

    def checked_paths(self) -> list[str]:
        """One input path per configuration whose results came from the cache."""
        return list(self._checked.values())

    def _load(self, key: str, item: InputFile) -> FileResult | None:
        document = self.entries.read("results", key)
        try:
            if document["format"] != FORMAT or document["key"] != key:
                return None
            return decode_result(document["result"], item)
        except (KeyError, TypeError, ValueError, IndexError, LookupError):
            return None
