"""Load, validate and describe rule files (YAML under ``rules/`` and user rule folders).

A rule's id is its file name without ``.yaml``; its family folder is only for people. Rule
files are validated against RULE_SCHEMA with jsonschema; every error names the file, the line
and the field. Nothing here imports the engine: listing and explaining rules stays instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import yaml

from .locate import builtin_rules_dir
from .model import SEVERITIES
from .stagerules import STAGE_RULES
from .taxonomy import CATEGORIES
from .vocab import CompiledPattern, PatternError, Vocabulary
from .wordmatch import PatternIndex
from .yamlsource import YamlDocument, YamlLoadError, load_yaml_document

if TYPE_CHECKING:
    from jsonschema import ValidationError

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
CLASS_NAME = RULE_ID
VOCABULARY_FOLDER = "vocab"

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
_PATTERN_LIST: dict[str, Any] = {"type": "array", "minItems": 1,
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
            "items": {"enum": ["subject", "sender", "body"]},
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
                        "required": ["phrases"],
                        "additionalProperties": False,
                        "properties": {"phrases": _PATTERN_LIST},
                    },
                    {
                        "type": "object",
                        "required": ["sequence"],
                        "additionalProperties": False,
                        "properties": {"sequence": _PATTERN_LIST},
                    },
                    {
                        "type": "object",
                        "required": ["near"],
                        "additionalProperties": False,
                        "properties": {"near": {**_PATTERN_LIST, "minItems": 2}},
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
        "stage": {"enum": ["crm", "template", "campaign", "suppression"]},
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
                "reason": {"enum": ["skip", "keep"]},
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
class WordPattern:
    """A pattern of words and vocabulary classes (``phrases:`` gives one per phrase,
    ``sequence:`` one for its slots together); see :mod:`honestreach.vocab`."""

    source: str
    compiled: CompiledPattern


@dataclass(frozen=True)
class NearPattern:
    """Patterns that must all match in one sentence, in any order."""

    parts: tuple[WordPattern, ...]


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


Pattern = WordPattern | NearPattern | RegexPattern


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
    scope: tuple[str, ...] = ("subject", "sender", "body")
    patterns: tuple[Pattern, ...] = ()
    check: str | None = None
    stage: str | None = None
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    skip_negated: bool = True
    skip_questions: bool = True
    skip_quotations: bool = True
    skip_signature: bool = False
    skip_hedged: bool = False
    skip_reasoned: bool = False
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
    """The rules in force, in id order, with the vocabulary they are written in and the
    problems met while loading them."""

    rules: list[Rule]
    errors: list[RuleError] = field(default_factory=list)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    _pattern_index: PatternIndex | None = field(default=None, repr=False, compare=False)

    def pattern_index(self) -> PatternIndex:
        """The index of the rules' word patterns, in the order the engine runs them (built
        once; the rule cache keeps it with the rules)."""
        if self._pattern_index is None:
            self._pattern_index = PatternIndex(word_patterns(self.rules))
        return self._pattern_index

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    @property
    def ids(self) -> set[str]:
        return {rule.id for rule in self.rules}


def word_patterns(rules: Iterable[Rule]) -> list[CompiledPattern]:
    """The compiled word patterns of ``rules`` in the order the engine runs them: rule by
    rule, each part of a ``near`` pattern on its own."""
    found: list[CompiledPattern] = []
    for rule in rules:
        if rule.stage or rule.check:
            continue
        for pattern in rule.patterns:
            if isinstance(pattern, WordPattern):
                found.append(pattern.compiled)
            elif isinstance(pattern, NearPattern):
                found.extend(part.compiled for part in pattern.parts)
    return found


def load_rules(extra_dirs: Iterable[Path] = (), include_builtin: bool = True,
               validate_builtin: bool = False) -> RuleSet:
    """Load the built-in rules and those of ``extra_dirs``; bad files become errors, not crashes.

    Rule files are validated against RULE_SCHEMA; the built-in ones only with
    ``validate_builtin`` (the test suite does it, so that every run need not).

    Each folder's ``vocab/`` holds vocabulary files; a user's vocabulary adds to the built-in
    classes of the same name. Rule files are every other ``.yaml`` file of the folder."""
    rules: dict[str, Rule] = {}
    errors: list[RuleError] = []
    sources: list[tuple[Path, bool]] = []
    if include_builtin:
        sources.append((builtin_rules_dir(), True))
    sources.extend((Path(d), False) for d in extra_dirs)
    for folder, _ in sources:
        if not folder.is_dir():
            errors.append(RuleError(str(folder), None, None, "rule folder does not exist"))
    sources = [(folder, builtin) for folder, builtin in sources if folder.is_dir()]
    vocabulary = Vocabulary()
    for folder, _ in sources:
        for path in rule_files(folder, vocabulary=True):
            error = _load_vocabulary_file(path, vocabulary)
            if error is not None:
                errors.append(error)
    for folder, builtin in sources:
        for path in rule_files(folder):
            try:
                rule = load_rule_file(path, builtin=builtin, vocabulary=vocabulary,
                                      validate=validate_builtin or not builtin)
            except RuleLoadError as exc:
                errors.extend(exc.errors)
                continue
            if rule.id in rules:
                errors.append(
                    RuleError(str(path), None, "id", f"duplicate rule id {rule.id!r}"
                              f" (also defined in {rules[rule.id].path})")
                )
                continue
            rules[rule.id] = rule
    return RuleSet(sorted(rules.values(), key=lambda r: (r.category, r.id)), errors, vocabulary)


def rule_files(folder: Path, vocabulary: bool = False) -> list[Path]:
    """The rule files of a rule folder, or (``vocabulary``) its vocabulary files, in the
    order they are loaded."""
    found = sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml"))
    return [path for path in found
            if (VOCABULARY_FOLDER in path.relative_to(folder).parts[:-1]) == vocabulary]


def _load_vocabulary_file(path: Path, vocabulary: Vocabulary) -> RuleError | None:
    """Add a vocabulary file's classes. Phrases are read as written: YAML would turn a bare
    ``no``, ``off`` or ``yes`` into a boolean, which a vocabulary never means."""
    try:
        document = load_yaml_document(path)
    except YamlLoadError as exc:
        return RuleError(str(path), exc.line, None, exc.message)
    node = document.node
    if not isinstance(node, yaml.MappingNode):
        return RuleError(str(path), 1, None, "a vocabulary file maps class names to lists")
    for key_node, value_node in node.value:
        name, line = key_node.value, key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode) or not CLASS_NAME.match(name):
            return RuleError(str(path), line, str(name),
                             "a class name is lowercase words joined by '-'")
        phrases = [item.value.strip() for item in getattr(value_node, "value", ())
                   if isinstance(item, yaml.ScalarNode)]
        if not isinstance(value_node, yaml.SequenceNode) or not phrases or \
                len(phrases) != len(value_node.value) or not all(phrases):
            return RuleError(str(path), line, name, "a class is a non-empty list of phrases")
        vocabulary.add(name, phrases, f"{path}:{line}")
    return None


class RuleLoadError(Exception):
    """A rule file that cannot be used, with every problem found in it (``error`` is the
    first)."""

    def __init__(self, error: RuleError | list[RuleError]) -> None:
        errors = [error] if isinstance(error, RuleError) else error
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.error = errors[0]


def load_rule_file(path: Path, builtin: bool = False, vocabulary: Vocabulary | None = None,
                   validate: bool = True) -> Rule:
    """Read and validate one rule file; its patterns are compiled with ``vocabulary`` (the
    built-in one when None)."""
    vocabulary = vocabulary if vocabulary is not None else builtin_vocabulary()
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
    if validate:
        _validate(document, path)
    elif not isinstance(data, dict):
        raise RuleLoadError(RuleError(str(path), 1, None, "a rule file must be a mapping"))
    if "id" in data and data["id"] != rule_id:
        raise RuleLoadError(
            RuleError(str(path), document.line_of(["id"]), "id",
                      f"{data['id']!r} does not match the file name {rule_id!r}")
        )
    _check_stage_and_options(document, path, rule_id, data)
    if "check" in data:
        from .checks import CHECKS  # the registry of Python checks is light

        if data["check"] not in CHECKS:
            raise RuleLoadError(
                RuleError(str(path), document.line_of(["check"]), "check",
                          f"unknown check {data['check']!r}; known: {', '.join(sorted(CHECKS))}")
            )
    patterns = _patterns(document, path, data.get("patterns", []), vocabulary)
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
        scope=tuple(data.get("scope", ("subject", "sender", "body"))),
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
        skip_reasoned=context.get("reason", "keep") == "skip",
        bad_examples=tuple(_example(e) for e in examples["bad"]),
        good_examples=tuple(_example(e) for e in examples["good"]),
        path=str(path),
        builtin=builtin,
    )


def _validate(document: YamlDocument, path: Path) -> None:
    if not isinstance(document.data, dict):
        raise RuleLoadError(RuleError(str(path), 1, None, "a rule file must be a mapping"))
    import jsonschema  # only user rules are validated on a normal run

    validator = jsonschema.Draft202012Validator(RULE_SCHEMA)
    errors = sorted(validator.iter_errors(document.data), key=lambda e: list(e.absolute_path))
    if errors:
        problems = [_schema_problem(document, path, error) for error in errors]
        raise RuleLoadError(sorted(problems, key=lambda e: e.line or 0))


def _schema_problem(document: YamlDocument, path: Path, error: ValidationError) -> RuleError:
    """A schema error, worded for the person who wrote the rule, at its line."""
    error = _most_specific(error)
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
    return RuleError(str(path), document.line_of(list(error.absolute_path)), field_name, message)


def _check_stage_and_options(document: YamlDocument, path: Path, rule_id: str,
                             data: dict[str, Any]) -> None:
    """A stage rule must be one its stage reports, and ``options`` may only hold what the
    rule's check takes (pattern and stage rules take none): either would otherwise be silently
    ignored."""
    # The check registry does not import spaCy.
    from .checks import CHECK_OPTIONS

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


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf failures, prefer the deepest sub-error: it names the real field."""
    best = error
    for sub in error.context or ():
        candidate = _most_specific(sub)
        if len(candidate.absolute_path) > len(best.absolute_path):
            best = candidate
    return best


def _pattern(document: YamlDocument, path: Path, index: int, data: dict[str, Any],
             vocabulary: Vocabulary) -> Pattern:
    kind = next(iter(data))
    where = ["patterns", index, kind]

    def compiled(source: str, position: int | None = None) -> WordPattern:
        try:
            return WordPattern(source, vocabulary.compile(source))
        except PatternError as exc:
            at = where if position is None else where + [position]
            raise RuleLoadError(RuleError(str(path), document.line_of(at),
                                          ".".join(map(str, at)), str(exc))) from None

    if kind == "sequence":
        return compiled(" ".join(data["sequence"]))
    if kind == "near":
        return NearPattern(tuple(compiled(part, i) for i, part in enumerate(data["near"])))
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


def _patterns(document: YamlDocument, path: Path, data: list[dict[str, Any]],
              vocabulary: Vocabulary) -> tuple[Pattern, ...]:
    """The patterns of a rule file; a ``phrases:`` list gives one pattern per phrase."""
    patterns: list[Pattern] = []
    for index, item in enumerate(data):
        if "phrases" not in item:
            patterns.append(_pattern(document, path, index, item, vocabulary))
            continue
        for position, phrase in enumerate(item["phrases"]):
            try:
                patterns.append(WordPattern(phrase, vocabulary.compile(phrase)))
            except PatternError as exc:
                at: list[str | int] = ["patterns", index, "phrases", position]
                raise RuleLoadError(RuleError(str(path), document.line_of(at),
                                              ".".join(map(str, at)), str(exc))) from None
    return tuple(patterns)


@lru_cache(maxsize=1)
def builtin_vocabulary() -> Vocabulary:
    """The vocabulary of the built-in rule folder alone."""
    vocabulary = Vocabulary()
    for path in rule_files(builtin_rules_dir(), vocabulary=True):
        error = _load_vocabulary_file(path, vocabulary)
        if error is not None:
            raise RuleLoadError(error)
    return vocabulary


def _example(data: str | dict[str, str]) -> Example:
    if isinstance(data, str):
        return Example(body=data)
    return Example(subject=data.get("subject"), body=data.get("body"), to=data.get("to"))


def describe_patterns(rule: Rule) -> list[str]:
    """Human-readable lines describing what a rule matches (for ``honestreach explain``)."""
    lines = []
    for pattern in rule.patterns:
        if isinstance(pattern, WordPattern):
            lines.append(f"words: {pattern.source}")
        elif isinstance(pattern, NearPattern):
            lines.append("in one sentence: " + " + ".join(p.source for p in pattern.parts))
        else:
            lines.append(f"regex: {' '.join(pattern.regex.split())}")
    if rule.check:
        lines.append(f"python check: {rule.check}")
    if rule.stage == "crm":
        lines.append("reported by the CRM verification stage (--crm)")
    if rule.stage == "template":
        lines.append("reported by the template linter (.j2, .jinja, .jinja2 files)")
    if rule.stage == "campaign":
        lines.append("reported by campaign audits (honestreach audit), across a campaign's sends")
    if rule.stage == "suppression":
        lines.append("reported where a directive or X-Honestreach header suppressed nothing")
    return lines
