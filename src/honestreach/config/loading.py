"""Reading a configuration file (``pyproject.toml`` or ``.honestreach.yaml``): validated, each
problem at its file and line; and the configuration that applies to a run."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from jsonschema import ValidationError

from ..charsets import codec_for
from ..regularfile import read_regular_text
from ..rules import RuleError, RuleSet
from ..schemacheck import schema_errors
from ..taxonomy import CATEGORIES
from ..yamlsource import MAX_DEPTH, YamlLoadError, parse_yaml_text
from .schema import CONFIG_SCHEMA, DEFAULT_MAX_BYTES
from .settings import Config, ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


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
    problems: list[RuleError] = []
    for error in sorted(schema_errors(CONFIG_SCHEMA, data), key=lambda e: list(e.absolute_path)):
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
