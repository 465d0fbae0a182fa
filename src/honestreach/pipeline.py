"""The one place that knows the order of the stages:
read input -> parse the message -> run rules -> verify claims -> finish (finish.py: policy, scores, gate).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date as date_type
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable, Iterator, Sequence

from .filekinds import DEFAULT_MAX_BYTES
from .locate import find_config_file
from .message import ParseError
from .model import FileResult, Finding, InputError, Message, Scores, first_line
from .sources import InputFile, InputProblem, iter_inputs, parse_input

if TYPE_CHECKING:  # imported in the methods that use them: a fully cached run needs none
    from .cache import ResultCache
    from .config import Config, ConfigError
    from .crm import CRM
    from .engine import Engine, EngineResult
    from .policy import Policy
    from .rules import Rule, RuleError, RuleSet
    from .templates.check import TemplateChecker
    from .verify import Verification

# How many parsed messages are handed to one engine together (Engine.check_many).
BATCH_SIZE = 64


def name_list(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Rule ids, categories or families for ``select``/``ignore``, from a list or from
    comma-separated text ("urgency, few-left"); None stays None (keep the configuration's)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    return tuple(name.strip() for name in value if name.strip())


@dataclass(frozen=True)
class Overrides:
    """Settings from the command line; None keeps the configuration file's value."""

    config_path: Path | None = None
    to: str | None = None
    date: date_type | None = None
    show_verified: bool = False
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: str | None = None
    min_respect: int | None = None
    min_relevance: int | None = None


class Linter:
    """Checks inputs with the configuration that applies to each; reusable across runs."""

    def __init__(self, overrides: Overrides = Overrides(), crm: CRM | None = None,
                 cache: ResultCache | None = None, sample_crm: CRM | None = None) -> None:
        self.overrides = overrides
        self.crm = crm
        self.cache = cache
        # Templates render against this CRM's contacts (--sample-crm); see templates/.
        self.sample_crm = sample_crm
        # What the template stage builds once per linter (templates/): a checker per
        # configuration, and the sample CRMs that configurations name.
        self.template_checkers: dict[tuple[object, ...], TemplateChecker | InputError] = {}
        self.sample_crms: dict[str, CRM | InputError] = {}
        self.errors: list[RuleError] = []
        self._configs: dict[str, Config | ConfigError] = {}
        self._config_files: dict[str, Path | None] = {}
        self._rulesets: dict[tuple[Path, ...], RuleSet] = {}
        self._rule_tables: dict[tuple[Path, ...], dict[str, Rule]] = {}
        self._engines: dict[tuple[tuple[Path, ...], str | None], Engine] = {}

    # -- configuration -------------------------------------------------------------------
    def config_for(self, path: str) -> Config:
        """The configuration for one input path; raises ConfigError when it is invalid."""
        loaded = self.config_or_error(path)
        if isinstance(loaded, Exception):  # a ConfigError
            raise loaded
        return loaded

    def config_or_error(self, path: str) -> Config | ConfigError:
        """The configuration for ``path``, or the ConfigError (already among the run's
        errors) that makes it invalid."""
        if self.overrides.config_path is not None:
            config_file: Path | None = self.overrides.config_path
        else:
            # Files of one folder share their configuration file: look it up once per folder.
            if path == "-":
                folder = os.getcwd()
            else:
                folder = os.path.abspath(path)
                folder = folder if os.path.isdir(folder) else os.path.dirname(folder)
            if folder not in self._config_files:
                self._config_files[folder] = find_config_file(Path(folder))
            config_file = self._config_files[folder]
        key = str(config_file)
        if key not in self._configs:
            self._configs[key] = self._load_config(config_file)
        return self._configs[key]

    def _load_config(self, config_file: Path | None) -> Config | ConfigError:
        from .config import ConfigError, resolve_config  # loads the rules

        o = self.overrides
        try:
            config = resolve_config(config_file, self.ruleset, select=o.select, ignore=o.ignore,
                                    fail_on=o.fail_on, min_respect=o.min_respect,
                                    min_relevance=o.min_relevance)
        except ConfigError as exc:
            for error in exc.errors:  # every problem, once for the run
                self._record(error)
            return exc
        if self.cache is not None:
            self.cache.remember(config_file, config)
        return config

    def ruleset(self, config: Config) -> RuleSet:
        """The built-in rules plus the configuration's rule folders (loaded once)."""
        from .rulecache import cached_rules  # loads the rules

        if config.rule_dirs not in self._rulesets:
            ruleset = cached_rules(config.rule_dirs)
            for error in ruleset.errors:
                self._record(error)
            self._rulesets[config.rule_dirs] = ruleset
        return self._rulesets[config.rule_dirs]

    def rules_by_id(self) -> dict[str, Rule]:
        """Every rule of every rule set this linter loaded (or whose results came from the
        cache), by id."""
        for path in self.cache.checked_paths() if self.cache is not None else ():
            self.config_or_error(path)  # loads the configuration's rules
        return {rule.id: rule for ruleset in self._rulesets.values() for rule in ruleset.rules}

    def engine(self, config: Config) -> Engine:
        from .config import configured_rules
        from .engine import Engine

        key = self._engine_key(config)
        if key not in self._engines:
            ruleset = self.ruleset(config)
            self._engines[key] = Engine(configured_rules(ruleset.rules, config),
                                        ruleset.vocabulary,
                                        pattern_index=ruleset.pattern_index(),
                                        sentence_model=ruleset.sentence_model)
        return self._engines[key]

    def gate_failures(self, path: str, findings: list[Finding], scores: Scores) -> list[str]:
        """Why ``findings`` and ``scores`` of the file ``path`` fail its configuration's gate
        (the default configuration's when that is invalid)."""
        from .config import Config, gate_failures  # loads the rules

        config = self.config_or_error(path)
        return gate_failures(Config() if isinstance(config, Exception) else config, findings,
                             scores)

    def _record(self, error: RuleError) -> None:
        if error not in self.errors:
            self.errors.append(error)

    # -- checking ------------------------------------------------------------------------
    def run(self, paths: Sequence[str], stdin: BinaryIO | None = None) -> Iterator[FileResult]:
        """Check every input, in order; each appears once, with findings or with errors."""
        max_bytes = self.cache.max_file_size(paths[0] if paths else ".") if self.cache else None
        if max_bytes is None:
            config = self.config_or_error(paths[0] if paths else ".")
            max_bytes = DEFAULT_MAX_BYTES if isinstance(config, Exception) else \
                config.max_file_size
        for result in self._check_items(iter_inputs(paths, stdin=stdin, max_bytes=max_bytes)):
            if self.cache is not None:
                self.cache.store(result, clean_run=not self.errors)
            yield result
        if self.cache is not None:
            self.cache.prune()  # entries no run has used for a week, or beyond the size cap

    def _check_items(self, items: Iterable[InputFile | InputProblem]) -> Iterator[FileResult]:
        batch: list[tuple[Message, Config]] = []
        for item in items:
            result, parsed = self._prepare(item)
            if parsed is not None and batch and \
                    self._engine_key(parsed[1]) != self._engine_key(batch[0][1]):
                yield from self._check_batch(batch)
                batch = []
            if parsed is not None:
                batch.append(parsed)
                if len(batch) >= BATCH_SIZE:
                    yield from self._check_batch(batch)
                    batch = []
                continue
            yield from self._check_batch(batch)
            batch = []
            assert result is not None
            yield result
        yield from self._check_batch(batch)

    @staticmethod
    def _engine_key(config: Config) -> tuple[tuple[Path, ...], str | None]:
        return config.rule_dirs, config.compliance_applies_to

    def _prepare(
        self, item: InputFile | InputProblem
    ) -> tuple[FileResult | None, tuple[Message, Config] | None]:
        if isinstance(item, InputProblem):
            return FileResult(item.path, errors=(InputError(item.message),)), None
        cached = self.cache.lookup(item) if self.cache is not None else None
        if cached is not None:
            return cached, None
        config = self.config_or_error(item.path)
        if isinstance(config, Exception):
            return FileResult(item.path, errors=(InputError(
                f"not checked: invalid configuration {config.error.path}"),)), None
        # A bug met on one input must not stop the others: it becomes that input's error.
        if item.kind == "template" or (config.templates and item.kind != "stdin"
                                       and config.dialect_for(item.path) is not None):
            try:
                return self._check_template(item, config), None
            except Exception as exc:
                return _internal_error(item.path, "checking", exc), None
        try:
            message = parse_input(item)
        except ParseError as exc:
            return FileResult(item.path, errors=(InputError(exc.message, exc.line),)), None
        except Exception as exc:
            return _internal_error(item.path, "reading", exc), None
        return None, (message, config)

    def _check_template(self, item: InputFile, config: Config) -> FileResult:
        """A Jinja2 template: static checks, then every rule on its renderings (templates/)."""
        from .templates import check_template

        result = check_template(self, item, config)
        for error in self.engine(config).errors:
            self._record(error)
        return result

    def _check_batch(self, batch: list[tuple[Message, Config]]) -> Iterator[FileResult]:
        """Results of messages that share an engine, in order. An unexpected exception while
        checking one message becomes that message's error; the others are still checked."""
        if not batch:
            return
        from .finish import Outcome, finish

        engine = self.engine(batch[0][1])
        results: Iterator[EngineResult] | None = None
        for index, (message, config) in enumerate(batch):
            try:
                if results is None:
                    results = iter(engine.check_many(m for m, _ in batch))
                result = next(results)
            except Exception as exc:
                if len(batch) == 1:
                    yield _internal_error(message.path, "checking", exc)
                    return
                # The engine reads a batch as one stream, so one message can break the batch:
                # check the rest one at a time to tell which.
                for single in batch[index:]:
                    yield from self._check_batch([single])
                return
            for error in engine.errors:
                self._record(error)
            try:
                verification = self.verify(message, config, result)
                finished = finish(message, Outcome.of_message(message, result, verification),
                                  self.policy(config))
            except Exception as exc:
                finished = _internal_error(message.path, "checking", exc)
            yield finished

    def check_messages(
        self, messages: Iterable[Message], config: Config | None = None
    ) -> Iterator[FileResult]:
        """Check already-parsed messages (library use) with one configuration."""
        from .config import Config  # loads the rules

        config = config or Config()
        batch = [(message, config) for message in messages]
        for start in range(0, len(batch), BATCH_SIZE):
            yield from self._check_batch(batch[start:start + BATCH_SIZE])

    def verify(self, message: Message, config: Config, result: EngineResult) -> Verification:
        """The CRM stage: verdicts on the message's claims, and their findings."""
        from .verify import verify_message

        today = self.overrides.date
        if today is None and message.date is not None:
            today = message.date.date()
        return verify_message(message, result.claims, self.crm, today, self.overrides.to,
                              self.overrides.show_verified, rules=self._rules_by_id(config))

    def _rules_by_id(self, config: Config) -> dict[str, Rule]:
        """The rules of the configuration's rule set by id, built once per rule set rather
        than once per message."""
        if config.rule_dirs not in self._rule_tables:
            self._rule_tables[config.rule_dirs] = {
                rule.id: rule for rule in self.ruleset(config).rules}
        return self._rule_tables[config.rule_dirs]

    def policy(self, config: Config) -> Policy:
        """The policy step for ``config``: its selection, severities and gate, and the rule
        ids its inputs' suppression comments may name."""
        from .policy import Policy

        return Policy(config, self._rules_by_id(config))


def _internal_error(path: str, stage: str, exc: Exception) -> FileResult:
    """The result of an input that met a bug in honestreach: one line saying so, so that the
    run goes on (HONESTREACH_DEBUG=1 raises it instead, with its traceback)."""
    if os.environ.get("HONESTREACH_DEBUG"):
        raise exc
    return FileResult(path, errors=(InputError(
        f"internal error while {stage} this file: {type(exc).__name__}: {first_line(exc)}"),))


def exit_code(has_errors: bool, has_gate_failures: bool) -> int:
    """0 clean; 1 a file fails the gate; 2 configuration, rule or input errors."""
    if has_errors:
        return 2
    return 1 if has_gate_failures else 0
