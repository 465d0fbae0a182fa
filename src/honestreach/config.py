"""Configuration: ``[tool.honestreach]`` in pyproject.toml or a ``.honestreach.yaml``.

The nearest configuration file above each checked file applies to it. Keys are validated
strictly (unknown keys are errors that name the file, line and field), so a typo never
silently turns a check off.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

if TYPE_CHECKING:
    from jsonschema import ValidationError

from .locate import CONFIG_NAMES, find_config_file  # noqa: F401 (part of this API)
from .model import (FINDINGS_GATE, SEND_FIELDS, SEVERITIES, SEVERITY_RANK, Finding, Scores,
                    score_gate_reasons)
from .regularfile import read_regular_text
from .filekinds import DIALECTS, dialect_for, matches_any
from .rules import Rule, RuleError, RuleSet
from .taxonomy import CATEGORIES
from .yamlsource import MAX_DEPTH, YamlLoadError, parse_yaml_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
COMPLIANCE_SCOPES = ("commercial", "all")
# The value types a data-model field may declare (see docs/templates.md).
DATA_MODEL_TYPES = ("string", "integer", "number", "boolean", "date", "list", "email", "url")

_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": _NAMES,
        "ignore": _NAMES,
        "severity": {"type": "object", "additionalProperties": {"enum": list(SEVERITIES)}},
        "fail-on": {"enum": list(SEVERITIES)},
        "min-respect": {"type": "integer", "minimum": 0, "maximum": 100},
        "min-relevance": {"type": "integer", "minimum": 0, "maximum": 100},
        "rules": _NAMES,
        "max-file-size": {"type": "integer", "minimum": 1},
        "crm": {"type": "string", "minLength": 1},
        "crm-preset": {"type": "string", "minLength": 1},
        "crm-mapping": {"type": "string", "minLength": 1},
        # Which messages must offer an opt-out and a postal address: commercial ones (the
        # laws' scope; checks/commercial.yaml decides) or every message.
        "compliance-applies-to": {"enum": list(COMPLIANCE_SCOPES)},
        # The sender's opt-out line and postal address, offered as safe fixes by the page, the
        # API and the editor server when a commercial message lacks them (fixes.py).
        "opt-out-line": {"type": "string", "minLength": 1},
        "postal-address": {"type": "string", "minLength": 1},
        # Templates (honestreach.templates): the variables a template may use, and the CRM whose
        # records templates are rendered against.
        "data-model": {"$ref": "#/$defs/data-model"},
        "sample-crm": {"type": "string", "minLength": 1},
        # Campaign audits: at most N messages to one contact in any D days ("3/7d").
        "campaign-cap": {"type": "string", "pattern": "^[1-9][0-9]*/[1-9][0-9]*d$"},
        # ... and the campaign export's column names for the canonical fields ({to: email};
        # html_body: the column holding the body as HTML).
        "campaign-columns": {
            "type": "object",
            "propertyNames": {"enum": [*SEND_FIELDS, "html_body"]},
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        # ... and the encoding its files are written in (default: UTF-8, else Windows-1252).
        "campaign-encoding": {"type": "string", "minLength": 1},
        # Templates kept under other suffixes, and the sending tool's merge-tag dialect they
        # are written in (templates/dialects.py): [{files: "sequences/**/*.txt", dialect: ...}]
        # Folders and files of plain drafts (.txt, .md, .html) that are outreach: the pre-commit
        # hook (check --outreach-only) checks them, and never a README or docs.
        "outreach-files": {"oneOf": [{"type": "string", "minLength": 1}, _NAMES]},
        # Rules, categories or families switched off in the files a glob (relative to the
        # configuration file) names, like flake8's per-file-ignores:
        # {"templates/legal/*.txt": [missing-postal-address]}
        "per-file-ignores": {"type": "object", "additionalProperties": _NAMES},
        "templates": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["files", "dialect"],
                "additionalProperties": False,
                "properties": {
                    "files": {"oneOf": [{"type": "string", "minLength": 1}, _NAMES]},
                    "dialect": {"enum": list(DIALECTS)},
                },
            },
        },
    },
    "$defs": {
        "field-type": {"enum": list(DATA_MODEL_TYPES)},
        "field": {
            "oneOf": [
                {"$ref": "#/$defs/field-type"},
                {
                    "type": "object",
                    "required": ["type"],
                    "additionalProperties": False,
                    "properties": {
                        "type": {"$ref": "#/$defs/field-type"},
                        "required": {"type": "boolean"},
                    },
                },
                {"type": "null"},  # removes a field of the default model
            ]
        },
        "data-model": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {
                "oneOf": [
                    # an object's fields: "contact: {met_at: date}"
                    {
                        "type": "object",
                        "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                        "additionalProperties": {"$ref": "#/$defs/field"},
                    },
                    {"type": "null"},  # removes an object of the default model
                ]
            },
        },
    },
}


class ConfigError(Exception):
    """A configuration file that cannot be used, with every problem found in it (``error`` is
    the first)."""

    def __init__(self, error: RuleError | Sequence[RuleError],
                 partial: Config | None = None) -> None:
        errors = (error,) if isinstance(error, RuleError) else tuple(error)
        super().__init__("; ".join(str(e) for e in errors))
        self.errors: tuple[RuleError, ...] = errors
        self.error = errors[0]
        # The settings of the keys that are valid, so the rest can still be checked (the rule
        # folders loaded, the rule names looked up) and reported at once.
        self.partial = partial


@dataclass(frozen=True)
class Config:
    """Settings for the files below one configuration file (or the defaults)."""

    path: str | None = None
    select: tuple[str, ...] = ("all",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict, hash=False)
    fail_on: str = "error"
    min_respect: int | None = None
    min_relevance: int | None = None
    rule_dirs: tuple[Path, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    # The CRM to verify claims against: a folder or file (relative to the config) or a URL.
    crm: str | None = None
    crm_preset: str | None = None
    crm_mapping: Path | None = None
    # Templates: the declared data model (merged over the default one) and the sample CRM.
    data_model: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    sample_crm: str | None = None
    campaign_cap: str | None = None
    campaign_columns: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    campaign_encoding: str | None = None
    # None keeps the compliance rules' own option (commercial messages only).
    compliance_applies_to: str | None = None
    opt_out_line: str | None = None
    postal_address: str | None = None
    # (glob relative to the configuration file, dialect), first match wins
    templates: tuple[tuple[str, str], ...] = ()
    outreach_files: tuple[str, ...] = ()  # globs relative to the configuration file
    # (glob relative to the configuration file, names switched off in the files it names)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def ignored_in(self, path: str) -> frozenset[str]:
        """The names ``per-file-ignores`` switches off in ``path``."""
        if not self.per_file_ignores:
            return frozenset()
        base = str(Path(self.path).parent) if self.path else None
        return frozenset(name for pattern, names in self.per_file_ignores
                         if matches_any(path, (pattern,), base) for name in names)

    def dialect_for(self, path: str) -> str | None:
        """The template dialect of ``path`` (by these globs, else by its suffix), or None
        when it is not a template."""
        base = str(Path(self.path).parent) if self.path else None
        return dialect_for(path, self.templates, base)

    def is_outreach_file(self, path: str) -> bool:
        """Whether ``path`` is an outreach file: a message (.eml), a template (by suffix or
        the ``templates`` globs) or a file the ``outreach-files`` globs name."""
        if path.lower().endswith(".eml") or self.dialect_for(path) is not None:
            return True
        base = str(Path(self.path).parent) if self.path else None
        return matches_any(path, self.outreach_files, base)

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the command line's values (None means 'keep')."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def load_config(path: Path) -> Config:
    """Read and validate one configuration file."""
    try:
        text = read_regular_text(path)  # a pipe or a device would hang the run
    except OSError as exc:
        raise ConfigError(RuleError(str(path), None, None,
                                    f"cannot read: {exc.strerror or exc}")) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(RuleError(str(path), None, None, f"cannot read: {exc}")) from exc
    line_of: Callable[[list[Any]], int | None]
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text).get("tool", {}).get("honestreach", {})
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None) or _toml_error_line(str(exc))
            raise ConfigError(RuleError(str(path), line, None, f"invalid TOML: {exc}")) from exc
        except RecursionError:  # tomllib recurses once per level of nested arrays
            data = None
        if data is None or _deeper_than(data, MAX_DEPTH):
            raise ConfigError(RuleError(str(path), None, None,
                                        f"invalid TOML: nested deeper than {MAX_DEPTH} levels"))

        def toml_line_of(location: list[Any]) -> int | None:
            return _toml_line(text, location)

        line_of = toml_line_of
    else:
        try:
            document = parse_yaml_text(text)
        except YamlLoadError as exc:
            raise ConfigError(RuleError(str(path), exc.line, None, exc.message)) from exc
        data = document.data if document.data is not None else {}
        line_of = document.line_of
    if not isinstance(data, dict):
        raise ConfigError(RuleError(str(path), 1, None, "configuration must be a mapping"))
    problems = _problems(data, path, line_of)
    if problems:
        # The configuration of the keys without a problem
        valid = {key: value for key, value in data.items()
                 if key not in {_top_key(problem) for problem in problems}}
        raise ConfigError(problems, partial=_config(valid, path))
    return _config(data, path)


def _top_key(problem: RuleError) -> str | None:
    return problem.field.split(".")[0] if problem.field else None


def _config(data: dict[str, Any], path: Path) -> Config:
    """The settings of a validated configuration file's data."""
    base = path.parent
    return Config(
        path=str(path),
        select=tuple(data.get("select", ("all",))),
        ignore=tuple(data.get("ignore", ())),
        severity=dict(data.get("severity", {})),
        fail_on=data.get("fail-on", "error"),
        min_respect=data.get("min-respect"),
        min_relevance=data.get("min-relevance"),
        rule_dirs=tuple((base / folder).resolve() for folder in data.get("rules", ())),
        max_file_size=data.get("max-file-size", DEFAULT_MAX_BYTES),
        crm=_crm_source(data.get("crm"), base),
        crm_preset=data.get("crm-preset"),
        crm_mapping=(base / data["crm-mapping"]).resolve() if "crm-mapping" in data else None,
        data_model=data.get("data-model"),
        sample_crm=_crm_source(data.get("sample-crm"), base),
        campaign_cap=data.get("campaign-cap"),
        campaign_columns=dict(data.get("campaign-columns", {})),
        campaign_encoding=data.get("campaign-encoding"),
        compliance_applies_to=data.get("compliance-applies-to"),
        opt_out_line=data.get("opt-out-line"),
        postal_address=data.get("postal-address"),
        templates=tuple((pattern, entry["dialect"]) for entry in data.get("templates", ())
                        for pattern in ([entry["files"]] if isinstance(entry["files"], str)
                                        else entry["files"])),
        outreach_files=_globs(data.get("outreach-files", ())),
        per_file_ignores=tuple((pattern, tuple(names)) for pattern, names
                               in data.get("per-file-ignores", {}).items()),
    )


def _globs(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and tables nest deeper than ``limit`` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((item, depth + 1)
                         for item in (value.values() if isinstance(value, dict) else value))
    return False


def _crm_source(value: str | None, base: Path) -> str | None:
    """A CRM path relative to the config file; URLs (scheme://) are kept as they are."""
    if value is None or "://" in value:
        return value
    return str((base / value).resolve())


def _problems(data: dict[str, Any], path: Path, line_of: Any) -> list[RuleError]:
    """Every problem of the file, each at its line, in line order."""
    import jsonschema  # a tenth of a second: paid only by runs that read a configuration file

    problems: list[RuleError] = []
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        location = list(error.absolute_path)
        if error.validator == "additionalProperties" and not location:
            for unknown in sorted(set(data) - set(CONFIG_SCHEMA["properties"])):
                close = difflib.get_close_matches(unknown, CONFIG_SCHEMA["properties"], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(RuleError(str(path), line_of([unknown]), unknown,
                                          f"unknown key{hint}"))
            continue
        error = _deepest(error)  # a nested oneOf (data-model) names its real field
        location = list(error.absolute_path)
        field_name = ".".join(str(p) for p in location) or None
        problems.append(RuleError(str(path), line_of(location), field_name, error.message))
    if isinstance(data.get("campaign-encoding"), str):
        from .charsets import codec_for

        try:
            known = codec_for(data["campaign-encoding"]) is not None
        except LookupError:
            known = False
        if not known:
            problems.append(RuleError(str(path), line_of(["campaign-encoding"]),
                                      "campaign-encoding", "unknown encoding (give a text "
                                      "encoding such as utf-8, cp1252, latin-1 or utf-16)"))
    return sorted(problems, key=lambda e: (e.line or 0, e.field or ""))


def _deepest(error: ValidationError) -> ValidationError:
    """For oneOf failures, the sub-error deepest in the document."""
    best = error
    for sub in error.context or ():
        candidate = _deepest(sub)
        deeper = len(candidate.absolute_path) > len(best.absolute_path)
        # a text that is not a type name: say which names are allowed
        plainer = len(candidate.absolute_path) == len(best.absolute_path) and \
            best.validator == "oneOf" and candidate.validator == "enum"
        if deeper or plainer:
            best = candidate
    return best


def resolve_config(config_file: Path | None, ruleset_for: Callable[[Config], RuleSet],
                   **overrides: Any) -> Config:
    """The configuration of ``config_file`` (the defaults when None) with the command line's
    ``overrides``, its names checked against the rules ``ruleset_for`` loads for it. Raises
    one ConfigError naming every problem: the file's, and its unknown rule names."""
    problems: list[RuleError] = []
    try:
        config = load_config(config_file) if config_file else Config()
    except ConfigError as exc:
        if exc.partial is None:  # unreadable, or not a mapping
            raise
        problems.extend(exc.errors)
        config = exc.partial
    config = config.with_overrides(**overrides)
    ruleset = ruleset_for(config)
    known = ruleset.ids | set(CATEGORIES) | {c.split(".")[0] for c in CATEGORIES}
    try:
        check_names(config, known)
    except ConfigError as exc:
        problems.extend(exc.errors)
    if problems:
        raise ConfigError(sorted(problems, key=lambda e: e.line or 0), partial=config)
    return config


def check_names(config: Config, known: set[str]) -> None:
    """Every name in select/ignore/severity must be a rule id, a category or a family; raise
    one ConfigError naming each that is not."""
    problems = []
    for key, names in (("select", config.select), ("ignore", config.ignore),
                       ("severity", tuple(config.severity)),
                       *((f"per-file-ignores.{pattern}", ignored)
                         for pattern, ignored in config.per_file_ignores)):
        for name in names:
            if name != "all" and name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                line = _line_in_file(config.path, name)
                problems.append(RuleError(config.path or "command line", line, key,
                                          f"unknown rule or category {name!r}{hint}"))
    if problems:
        raise ConfigError(problems)


def _line_in_file(path: str | None, needle: str) -> int | None:
    if not path:
        return None
    try:
        for number, line in enumerate(read_regular_text(path).splitlines(), 1):
            if needle in line:
                return number
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _toml_line(text: str, location: list[Any]) -> int | None:
    """Best-effort line of a key inside [tool.honestreach] (tomllib keeps no positions)."""
    lines = text.splitlines()
    section = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if re.match(r"^\[tool\.honestreach\]", stripped):
            section = number
            continue
        if section is None:
            continue
        if location and re.match(rf"^\[tool\.honestreach\.{re.escape(str(location[0]))}\]",
                                 stripped):
            return number
        if location and re.match(rf"^[\"']?{re.escape(str(location[0]))}[\"']?\s*=", stripped):
            return number
    return section


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def rule_enabled(rule_id: str, category: str, config: Config) -> bool:
    """select/ignore by rule id, category ('urgency') or family ('claim', 'compliance')."""
    names = {rule_id, category, category.split(".")[0]}
    selected = "all" in config.select or bool(names & set(config.select))
    return selected and not (names & set(config.ignore))


def configured_rules(rules: Iterable[Rule], config: Config) -> list[Rule]:
    """The rules as the configuration sets them: ``compliance-applies-to`` becomes the
    ``applies_to`` option of the compliance checks (missing-unsubscribe, missing-postal-address)."""
    if config.compliance_applies_to is None:
        return list(rules)
    return [replace(rule, options={**rule.options, "applies_to": config.compliance_applies_to})
            if rule.check and "applies_to" in rule.options else rule for rule in rules]


def severity_for(rule_id: str, category: str, default: str, config: Config) -> str:
    """The severity after per-rule (most specific), per-category and per-family overrides."""
    for name in (rule_id, category, category.split(".")[0]):
        if name in config.severity:
            return config.severity[name]
    return default


def gate_failures(config: Config, findings: Iterable[Finding], scores: Scores) -> list[str]:
    """Why a message fails the configured gate: findings at or above fail-on, low scores."""
    threshold = SEVERITY_RANK[config.fail_on]
    reasons = []
    failing = [f for f in findings if SEVERITY_RANK[f.severity] >= threshold]
    if failing:
        reasons.append(f"{len(failing)} {FINDINGS_GATE} {config.fail_on}")
    reasons.extend(reason for _, reason in score_gate_reasons(
        scores.respect, scores.relevance, config.min_respect, config.min_relevance))
    return reasons
