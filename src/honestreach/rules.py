"""Load, validate and describe rule files (YAML under ``rules/`` and user rule folders).

A rule's id is its file name without ``.yaml``; its family folder is only for people. Rule
files are validated against RULE_SCHEMA with jsonschema; every error names the file, the line
and the field. Nothing here imports spaCy: listing and explaining rules stays instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from .locate import builtin_rules_dir
from .model import SEVERITIES
from .taxonomy import CATEGORIES
from .yamlsource import YamlDocument, YamlLoadError, load_yaml_document

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

_EXAMPLE = {
    "oneOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "body": {"type": "string"},
                "to": {"type": "string"},
            },
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}

_KEYWORDS: dict[str, Any] = {"type": "array", "minItems": 1,
                             "items": {"type": "string", "minLength": 1}}

RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "category", "severity", "message", "rationale", "suggestion", "examples"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string", "minLength": 1},
        "category": {"enum": sorted(CATEGORIES)},
        "severity": {"enum": list(SEVERITIES)},
        "message": {"type": "string", "minLength": 1},
        "rationale": {"type": "string", "minLength": 1},
        "suggestion": {"type": "string", "minLength": 1},
        "scope": {
            "type": "array",
            "items": {"enum": ["subject", "body"]},
            "minItems": 1,
            "uniqueItems": True,
        },
        "patterns": {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["tokens"],
                        "additionalProperties": False,
                        "properties": {
                            "tokens": {"type": "array", "minItems": 1, "items": {"type": "object"}}
                        },
                    },
                    {
                        "type": "object",
                        "required": ["phrases"],
                        "additionalProperties": False,
                        "properties": {
                            "phrases": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": "string", "minLength": 1},
                            },
                            "match": {"enum": ["lower", "lemma"]},
                        },
                    },
                    {
                        "type": "object",
                        "required": ["regex"],
                        "additionalProperties": False,
                        "properties": {
                            "regex": {"type": "string", "minLength": 1},
                            # One list: the regex runs where one of them occurs. A list of
                            # lists: where one keyword of every list occurs.
                            "keywords": {
                                "oneOf": [
                                    _KEYWORDS,
                                    {"type": "array", "minItems": 1, "items": _KEYWORDS},
                                ]
                            },
                        },
                    },
                ]
            },
        },
        "check": {"type": "string", "pattern": "^[a-z_]+$"},
        # Findings made by the CRM verification stage (verify.py) or the template linter
        # (templates/) rather than by the engine.
        "stage": {"enum": ["crm", "template", "campaign"]},
        "options": {"type": "object"},
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "negation": {"enum": ["skip", "keep"]},
                "question": {"enum": ["skip", "keep"]},
                "quotation": {"enum": ["skip", "keep"]},
                "signature": {"enum": ["skip", "keep"]},
                "hedge": {"enum": ["skip", "keep"]},
            },
        },
        "examples": {
            "type": "object",
            "required": ["bad", "good"],
            "additionalProperties": False,
            "properties": {
                "bad": {"type": "array", "minItems": 2, "items": _EXAMPLE},
                "good": {"type": "array", "minItems": 2, "items": _EXAMPLE},
            },
        },
    },
    "oneOf": [{"required": ["patterns"]}, {"required": ["check"]}, {"required": ["stage"]}],
}


@dataclass(frozen=True)
class RuleError:
    """A problem in a rule or configuration file, located for the person who wrote it."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"


@dataclass(frozen=True)
class Example:
    """A rule example: a body, a subject, or both (and a recipient, for CRM-stage rules)."""

    subject: str | None = None
    body: str | None = None
    to: str | None = None


@dataclass(frozen=True)
class TokenPattern:
    tokens: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PhrasePattern:
    phrases: tuple[str, ...]
    match: str = "lower"


def keyword_text(text: str) -> str:
    """The form keywords are looked for in: lower case, one space between words, straight
    apostrophes ("Now  that you’ve" -> "now that you've")."""
    return " ".join(text.lower().replace("’", "'").split())


@dataclass(frozen=True)
class RegexPattern:
    """A regular expression; when ``keywords`` are given (groups of them), it only runs on
    paragraphs that contain one keyword of every group (case-insensitively), which keeps many
    regex rules cheap."""

    regex: str
    keywords: tuple[tuple[str, ...], ...] = ()


Pattern = TokenPattern | PhrasePattern | RegexPattern


@dataclass(frozen=True)
class Rule:
    """One rule: what it looks for, and how to explain it to the sender."""

    id: str
    name: str
    category: str
    severity: str
    message: str
    rationale: str
    suggestion: str
    scope: tuple[str, ...] = ("subject", "body")
    patterns: tuple[Pattern, ...] = ()
    check: str | None = None
    stage: str | None = None
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    skip_negated: bool = True
    skip_questions: bool = True
    skip_quotations: bool = True
    skip_signature: bool = False
    skip_hedged: bool = False
    bad_examples: tuple[Example, ...] = ()
    good_examples: tuple[Example, ...] = ()
    path: str = ""
    builtin: bool = True

    @property
    def kind(self) -> str:
        """'python' (a Python check), 'crm' (the CRM verification stage), 'template' (the
        template linter) or 'patterns'."""
        if self.stage:
            return self.stage
        return "python" if self.check else "patterns"

    @property
    def finds_claims(self) -> bool:
        """Claim rules report personal claims, which the CRM stage then verifies."""
        return self.category.startswith("claim.")


@dataclass
class RuleSet:
    """The rules in force, in id order, with the problems met while loading them."""

    rules: list[Rule]
    errors: list[RuleError] = field(default_factory=list)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    @property
    def ids(self) -> set[str]:
        return {rule.id for rule in self.rules}


def load_rules(extra_dirs: Iterable[Path] = (), include_builtin: bool = True) -> RuleSet:
    """Load the built-in rules and those of ``extra_dirs``; bad files become errors, not crashes."""
    rules: dict[str, Rule] = {}
    errors: list[RuleError] = []
    sources: list[tuple[Path, bool]] = []
    if include_builtin:
        sources.append((builtin_rules_dir(), True))
    sources.extend((Path(d), False) for d in extra_dirs)
    for folder, builtin in sources:
        if not folder.is_dir():
            errors.append(RuleError(str(folder), None, None, "rule folder does not exist"))
            continue
        for path in sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml")):
            try:
                rule = load_rule_file(path, builtin=builtin)
            except RuleLoadError as exc:
                errors.append(exc.error)
                continue
            if rule.id in rules:
                errors.append(
                    RuleError(str(path), None, "id", f"duplicate rule id {rule.id!r}"
                              f" (also defined in {rules[rule.id].path})")
                )
                continue
            rules[rule.id] = rule
    return RuleSet(sorted(rules.values(), key=lambda r: (r.category, r.id)), errors)


class RuleLoadError(Exception):
    """A rule file that cannot be used."""

    def __init__(self, error: RuleError) -> None:
        super().__init__(str(error))
        self.error = error


def load_rule_file(path: Path, builtin: bool = False) -> Rule:
    """Read and validate one rule file."""
    rule_id = path.stem
    try:
        document = load_yaml_document(path)
    except YamlLoadError as exc:
        raise RuleLoadError(RuleError(str(path), exc.line, None, exc.message)) from exc
    data = document.data
    if not RULE_ID.match(rule_id):
        raise RuleLoadError(
            RuleError(str(path), 1, "id", f"file name {path.name!r} is not a valid rule id "
                      "(lowercase words joined by '-')")
        )
    _validate(document, path)
    if "id" in data and data["id"] != rule_id:
        raise RuleLoadError(
            RuleError(str(path), document.line_of(["id"]), "id",
                      f"{data['id']!r} does not match the file name {rule_id!r}")
        )
    _check_stage_and_options(document, path, rule_id, data)
    if "check" in data:
        from .checks import CHECKS  # the registry of Python checks imports no spaCy

        if data["check"] not in CHECKS:
            raise RuleLoadError(
                RuleError(str(path), document.line_of(["check"]), "check",
                          f"unknown check {data['check']!r}; known: {', '.join(sorted(CHECKS))}")
            )
    patterns = tuple(_pattern(document, path, i, p) for i, p in enumerate(data.get("patterns", [])))
    context = data.get("context", {})
    examples = data["examples"]
    return Rule(
        id=rule_id,
        name=data["name"],
        category=data["category"],
        severity=data["severity"],
        message=data["message"].strip(),
        rationale=" ".join(data["rationale"].split()),
        suggestion=" ".join(data["suggestion"].split()),
        scope=tuple(data.get("scope", ("subject", "body"))),
        patterns=patterns,
        check=data.get("check"),
        stage=data.get("stage"),
        options=dict(data.get("options", {})),
        skip_negated=context.get("negation", "skip") == "skip",
        skip_questions=context.get("question", "skip") == "skip",
        skip_quotations=context.get("quotation", "skip") == "skip",
        skip_signature=context.get("signature", "keep") == "skip",
        # "I might have seen you at SaaStr" claims nothing; other tactics stay tactics.
        skip_hedged=context.get(
            "hedge", "skip" if data["category"].startswith("claim.") else "keep") == "skip",
        bad_examples=tuple(_example(e) for e in examples["bad"]),
        good_examples=tuple(_example(e) for e in examples["good"]),
        path=str(path),
        builtin=builtin,
    )


def _validate(document: YamlDocument, path: Path) -> None:
    if not isinstance(document.data, dict):
        raise RuleLoadError(RuleError(str(path), 1, None, "a rule file must be a mapping"))
    validator = jsonschema.Draft202012Validator(RULE_SCHEMA)
    errors = sorted(validator.iter_errors(document.data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = _most_specific(errors[0])
    location = [str(p) for p in error.absolute_path]
    field_name = ".".join(location) or None
    if error.validator == "enum" and location == ["category"]:
        message = f"unknown category {error.instance!r}; see taxonomy.md for the categories"
    elif error.validator == "additionalProperties":
        message = error.message.replace("Additional properties are not allowed", "unknown key")
    elif error.validator == "oneOf" and not location:
        message = "a rule needs exactly one of 'patterns', 'check' or 'stage'"
    else:
        message = error.message
    raise RuleLoadError(
        RuleError(str(path), document.line_of(list(error.absolute_path)), field_name, message)
    )


def _check_stage_and_options(document: YamlDocument, path: Path, rule_id: str,
                             data: dict[str, Any]) -> None:
    """A stage rule must be one its stage reports, and ``options`` may only hold what the
    rule's check takes (pattern and stage rules take none): either would otherwise be silently
    ignored."""
    # Neither registry imports spaCy.
    from .checks import CHECK_OPTIONS
    from .stages import STAGE_RULES

    check, stage = data.get("check"), data.get("stage")
    if stage is not None and rule_id not in STAGE_RULES[stage]:
        raise RuleLoadError(
            RuleError(str(path), document.line_of(["stage"]), "stage",
                      f"the {stage} stage does not report {rule_id!r}; it reports "
                      f"{', '.join(sorted(STAGE_RULES[stage]))}"))
    if check is not None and check not in CHECK_OPTIONS:
        return  # load_rule_file reports the unknown check itself
    taken = CHECK_OPTIONS[check] if check is not None else frozenset()
    for key in data.get("options", {}):
        if key not in taken:
            takes = f"takes {', '.join(sorted(taken))}" if taken else "takes no options"
            owner = f"check {check!r}" if check is not None else "a rule without a check"
            raise RuleLoadError(
                RuleError(str(path), document.line_of(["options", key]), f"options.{key}",
                          f"unknown option {key!r}: {owner} {takes}"))


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For oneOf failures, prefer the deepest sub-error: it names the real field."""
    best = error
    for sub in error.context or ():
        candidate = _most_specific(sub)
        if len(candidate.absolute_path) > len(best.absolute_path):
            best = candidate
    return best


def _pattern(document: YamlDocument, path: Path, index: int, data: dict[str, Any]) -> Pattern:
    if "tokens" in data:
        for token in data["tokens"]:
            if "REGEX" in str(token):
                raise RuleLoadError(
                    RuleError(str(path), document.line_of(["patterns", index]),
                              f"patterns.{index}.tokens",
                              "REGEX is not allowed inside token patterns; use a 'regex' pattern, "
                              "which runs with a time limit")
                )
        return TokenPattern(tuple(data["tokens"]))
    if "phrases" in data:
        return PhrasePattern(tuple(data["phrases"]), data.get("match", "lower"))
    from .guarded_regex import compile_guarded, RegexCompileError

    try:
        compile_guarded(data["regex"])
    except RegexCompileError as exc:
        raise RuleLoadError(
            RuleError(str(path), document.line_of(["patterns", index, "regex"]),
                      f"patterns.{index}.regex", str(exc))
        ) from exc
    keywords = data.get("keywords", [])
    groups = keywords if keywords and isinstance(keywords[0], list) else [keywords] if keywords \
        else []
    return RegexPattern(data["regex"],
                        tuple(tuple(keyword_text(k) for k in group) for group in groups))


def _example(data: str | dict[str, str]) -> Example:
    if isinstance(data, str):
        return Example(body=data)
    return Example(subject=data.get("subject"), body=data.get("body"), to=data.get("to"))


def describe_patterns(rule: Rule) -> list[str]:
    """Human-readable lines describing what a rule matches (for ``honestreach explain``)."""
    lines = []
    for pattern in rule.patterns:
        if isinstance(pattern, PhrasePattern):
            lines.append(f"phrases ({pattern.match}): " + "; ".join(pattern.phrases))
        elif isinstance(pattern, RegexPattern):
            lines.append(f"regex: {' '.join(pattern.regex.split())}")
        else:
            lines.append("tokens: " + yaml.safe_dump(list(pattern.tokens), default_flow_style=True,
                                                     width=1000).strip())
    if rule.check:
        lines.append(f"python check: {rule.check}")
    if rule.stage == "crm":
        lines.append("reported by the CRM verification stage (--crm)")
    if rule.stage == "template":
        lines.append("reported by the template linter (.j2, .jinja, .jinja2 files)")
    if rule.stage == "campaign":
        lines.append("reported by campaign audits (honestreach audit), across a campaign's sends")
    return lines
