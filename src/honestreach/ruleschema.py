"""The rule file format: the JSON schema rule files are validated against, the form of rule
ids, and the checks jsonschema cannot express (a stage rule its stage reports, the options a
check takes)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import SEVERITIES
from .stagerules import STAGE_RULES
from .taxonomy import CATEGORIES
from .ruletypes import RuleError, RuleLoadError
from .schemacheck import schema_errors
from .yamlsource import YamlDocument

if TYPE_CHECKING:
    from jsonschema import ValidationError

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
CLASS_NAME = RULE_ID

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
                        # the first part, then the second after it in its sentence or the next
                        "type": "object",
                        "required": ["then"],
                        "additionalProperties": False,
                        "properties": {"then": {**_PATTERN_LIST, "minItems": 2, "maxItems": 2}},
                    },
                    {
                        # A sentence the sentence model scores above this for the rule's
                        # category (sentencemodel.py).
                        "type": "object",
                        "required": ["model"],
                        "additionalProperties": False,
                        "properties": {
                            "model": {
                                "type": "object",
                                "required": ["score_above"],
                                "additionalProperties": False,
                                "properties": {
                                    "score_above": {"type": "number"},
                                    # ...in a sentence where these words occur too
                                    "with": {"type": "string"},
                                },
                            },
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
        "stage": {"enum": ["crm", "template", "campaign", "suppression"]},
        "options": {"type": "object"},
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "negation": {"enum": ["skip", "keep"]},
                "denial": {"enum": ["skip", "keep"]},
                "question": {"enum": ["skip", "keep"]},
                "quotation": {"enum": ["skip", "keep"]},
                "signature": {"enum": ["skip", "keep"]},
                "hedge": {"enum": ["skip", "keep"]},
                "reason": {"enum": ["skip", "keep"]},
                "terms": {"enum": ["skip", "keep"]},
                "source": {"enum": ["skip", "keep"]},
                "leeway": {"enum": ["skip", "keep"]},
                "wish": {"enum": ["skip", "keep"]},
                "release": {"enum": ["skip", "keep"]},
                "disclosure": {"enum": ["skip", "keep"]},
                "transactional": {"enum": ["skip", "keep"]},
                "acquaintance": {"enum": ["skip", "keep"]},
                "last-note": {"enum": ["skip", "keep"]},
                "no-offer": {"enum": ["skip", "keep"]},
                "thread": {"enum": ["skip", "keep"]},
                "discussion": {"enum": ["skip", "keep"]},
                "list-item": {"enum": ["skip", "keep"]},
                "alone": {"enum": ["info", "keep"]},
            },
        },
        # Word patterns that cancel a match in their sentence (engine).
        "unless": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        # Rule ids, or categories, whose overlapping finding says the same act more precisely
        # (engine).
        "defers-to": {"type": "array", "minItems": 1, "uniqueItems": True,
                      "items": {"anyOf": [{"type": "string", "pattern": RULE_ID.pattern},
                                          {"enum": sorted(CATEGORIES)}]}},
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


def validate_rule_document(document: YamlDocument, path: Path) -> None:
    """Check a rule file against RULE_SCHEMA; every problem found is raised together."""
    if not isinstance(document.data, dict):
        raise RuleLoadError(RuleError(str(path), 1, None, "a rule file must be a mapping"))
    errors = sorted(schema_errors(RULE_SCHEMA, document.data),
                    key=lambda e: list(e.absolute_path))
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


# The context settings that depend on the whole message, not on where a match stands: the only
# ones a Python check's findings can honour.
MESSAGE_CONTEXTS = frozenset({"transactional", "acquaintance", "last-note", "no-offer",
                              "discussion"})


def check_stage_and_options(document: YamlDocument, path: Path, rule_id: str,
                             data: dict[str, Any]) -> None:
    """A stage rule must be one its stage reports, ``options`` may only hold what the rule's
    check takes (pattern and stage rules take none), and a check's ``context`` only what the
    whole message decides (a stage rule's none): any of these would otherwise be silently
    ignored."""
    # Imported here: the check registry loads every check (and regex), and only a rule file
    # being read needs it; rules from the rule cache do not.
    from .checks import CHECK_OPTIONS

    check, stage = data.get("check"), data.get("stage")
    if stage is not None and rule_id not in STAGE_RULES[stage]:
        raise RuleLoadError(
            RuleError(str(path), document.line_of(["stage"]), "stage",
                      f"the {stage} stage does not report {rule_id!r}; it reports "
                      f"{', '.join(sorted(STAGE_RULES[stage]))}"))
    if check is not None and check not in CHECK_OPTIONS:
        return  # load_rule_file reports the unknown check itself
    if check is not None or stage is not None:
        # A check finds spans in its own way; only what the whole message is can drop them.
        allowed = MESSAGE_CONTEXTS if check is not None else frozenset()
        for key in data.get("context", {}):
            if key not in allowed:
                owner = f"check {check!r}" if check is not None else "a stage rule"
                takes = f"takes {', '.join(sorted(allowed))}" if allowed else "takes none"
                raise RuleLoadError(
                    RuleError(str(path), document.line_of(["context", key]), f"context.{key}",
                              f"context {key!r} does not apply to {owner}: it {takes}"))
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
