"""Load rule files (YAML under ``rules/`` and user rule folders) and their vocabularies.

A rule's id is its file name without ``.yaml``; its family folder is only for people. Rule
files are validated against RULE_SCHEMA (``ruleschema.py``) with jsonschema; every error names
the file, the line and the field. What a loaded rule is (``ruletypes.py``) is imported from
here too. Nothing here imports the engine: listing and explaining rules stays instant.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from .locate import builtin_rules_dir
from .ruleschema import CLASS_NAME, RULE_ID, RULE_SCHEMA, check_stage_and_options, \
    validate_rule_document
from .ruletypes import Example, ModelPattern, NearPattern, Pattern, RegexPattern, Rule, \
    RuleError, RuleLoadError, RuleSet, ThenPattern, WordPattern, describe_patterns, keyword_text
from .vocab import PatternError, Vocabulary
from .yamlsource import YamlDocument, YamlLoadError, load_yaml_document

__all__ = [
    "RULE_SCHEMA", "Example", "NearPattern", "RegexPattern", "Rule", "RuleError", "RuleSet",
    "ThenPattern", "WordPattern", "builtin_rules_dir", "builtin_vocabulary", "describe_patterns",
    "keyword_text", "load_rule_file", "load_rules", "rule_files",
]

VOCABULARY_FOLDER = "vocab"


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
        validate_rule_document(document, path)
    elif not isinstance(data, dict):
        raise RuleLoadError(RuleError(str(path), 1, None, "a rule file must be a mapping"))
    if "id" in data and data["id"] != rule_id:
        raise RuleLoadError(
            RuleError(str(path), document.line_of(["id"]), "id",
                      f"{data['id']!r} does not match the file name {rule_id!r}")
        )
    check_stage_and_options(document, path, rule_id, data)
    if "check" in data:
        from .checks import CHECKS  # every check (and regex): only when a rule file is read

        if data["check"] not in CHECKS:
            raise RuleLoadError(
                RuleError(str(path), document.line_of(["check"]), "check",
                          f"unknown check {data['check']!r}; known: {', '.join(sorted(CHECKS))}")
            )
    patterns = _patterns(document, path, data.get("patterns", []), vocabulary)
    unless = _unless(document, path, data.get("unless", []), vocabulary)
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
        skip_denied=context.get("denial", "keep") == "skip",
        skip_questions=context.get("question", "skip") == "skip",
        skip_quotations=context.get("quotation", "skip") == "skip",
        skip_signature=context.get("signature", "keep") == "skip",
        # "I might have seen you at SaaStr" claims nothing; other tactics stay tactics.
        skip_hedged=context.get(
            "hedge", "skip" if data["category"].startswith("claim.") else "keep") == "skip",
        skip_reasoned=context.get("reason", "keep") == "skip",
        skip_with_terms=context.get("terms", "keep") == "skip",
        skip_sourced=context.get("source", "keep") == "skip",
        skip_with_leeway=context.get("leeway", "keep") == "skip",
        # The step left to the reader's wish ("if you'd like a place, reply") counts as leeway
        # unless the rule says otherwise: beside a deadline it is the offer's condition, no time.
        skip_with_wish=context.get("wish", context.get("leeway", "keep")) == "skip",
        skip_released=context.get("release", "keep") == "skip",
        skip_disclosed=context.get("disclosure", "keep") == "skip",
        skip_transactional=context.get("transactional", "keep") == "skip",
        skip_among_acquaintances=context.get("acquaintance", "keep") == "skip",
        skip_in_last_note=context.get("last-note", "keep") == "skip",
        skip_without_offer=context.get("no-offer", "keep") == "skip",
        skip_thread_subject=context.get("thread", "keep") == "skip",
        skip_on_discussion_list=context.get("discussion", "keep") == "skip",
        skip_list_items=context.get("list-item", "keep") == "skip",
        # Honest mail states real counts and deadlines too; hurry or scarcity said once among
        # a long message's facts is worth a look, not a warning. Other tactics stay tactics.
        info_when_alone=context.get(
            "alone", "info" if data["category"] in ("scarcity", "urgency") else "keep") == "info",
        defers_to=tuple(data.get("defers-to", ())),
        unless=unless,
        bad_examples=tuple(_example(e) for e in examples["bad"]),
        good_examples=tuple(_example(e) for e in examples["good"]),
        path=str(path),
        builtin=builtin,
    )


def _pattern(document: YamlDocument, path: Path, index: int, data: dict[str, Any],
             vocabulary: Vocabulary) -> Pattern:
    kind = next(iter(data))
    where = ["patterns", index, kind]

    def compiled(source: str, position: int | str | None = None) -> WordPattern:
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
    if kind == "then":
        first, second = (compiled(part, i) for i, part in enumerate(data["then"]))
        return ThenPattern((first, second))
    if kind == "model":
        model = data["model"]
        with_words = model.get("with")
        return ModelPattern(float(model["score_above"]),
                            None if with_words is None else compiled(with_words, "with"))
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


def _unless(document: YamlDocument, path: Path, sources: list[str],
            vocabulary: Vocabulary) -> tuple[WordPattern, ...]:
    """The word patterns of a rule's ``unless:`` list, compiled."""
    patterns = []
    for position, source in enumerate(sources):
        try:
            patterns.append(WordPattern(source, vocabulary.compile(source)))
        except PatternError as exc:
            raise RuleLoadError(RuleError(str(path), document.line_of(["unless", position]),
                                          f"unless.{position}", str(exc))) from None
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
