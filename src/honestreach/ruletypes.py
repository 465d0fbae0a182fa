"""What a loaded rule is: the rule, its patterns, the set of rules in force and the errors met
loading them. The rule cache pickles these classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .sentencemodel import ModelError, SentenceModel, load_model
from .vocab import CompiledPattern, Vocabulary
from .wordmatch import PatternIndex


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


def example_text(example: Example) -> str:
    """An example as one line: 'Subject: ...  body'."""
    subject = f"Subject: {example.subject}" if example.subject else ""
    body = " ".join((example.body or "").split())
    return (subject + ("  " if subject and body else "") + body) or ""


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


@dataclass(frozen=True)
class ThenPattern:
    """Two patterns in turn: the second matches after the first, in its sentence or the next
    ("Entry is FREE! A $20 booking fee applies to every ticket")."""

    parts: tuple[WordPattern, WordPattern]


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


@dataclass(frozen=True)
class ModelPattern:
    """A sentence that the sentence model (:mod:`honestreach.sentencemodel`) scores above
    ``score_above`` for the rule's category and, when ``with_words`` is given, in which those
    words occur too (a lower threshold for sentences that speak to the reader)."""

    score_above: float
    with_words: WordPattern | None = None


Pattern = WordPattern | NearPattern | ThenPattern | RegexPattern | ModelPattern


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
    skip_denied: bool = False
    skip_questions: bool = True
    skip_quotations: bool = True
    skip_signature: bool = False
    skip_hedged: bool = False
    skip_reasoned: bool = False
    skip_with_terms: bool = False
    skip_sourced: bool = False
    skip_with_leeway: bool = False
    skip_with_wish: bool = False
    skip_released: bool = False
    skip_disclosed: bool = False
    skip_transactional: bool = False
    skip_among_acquaintances: bool = False
    skip_in_last_note: bool = False
    skip_without_offer: bool = False
    skip_thread_subject: bool = False
    skip_on_discussion_list: bool = False
    skip_list_items: bool = False
    # Reported at info when its words are the only tactic in a long message (engine: see
    # LONE_TACTIC_MIN_SENTENCES): a count or a deadline stated once among plain facts.
    info_when_alone: bool = False
    # Rules, or categories of rules, whose finding, where it overlaps one of this rule, says
    # the same act more precisely: this rule's finding is dropped there ("since we haven't heard back, we've
    # gone ahead and added you" is silence taken as consent, not also an assumptive close).
    defers_to: tuple[str, ...] = ()
    # Word patterns that, found in the sentence of a match, cancel it: what the words around a
    # tactic's words say they are not ("the door codes change on Monday" is no price cliff).
    unless: tuple[WordPattern, ...] = ()
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
    # The sentence model its model rules score with, once kept (keep_sentence_model).
    sentence_model: SentenceModel | None = field(default=None, repr=False, compare=False)

    def pattern_index(self) -> PatternIndex:
        """The index of the rules' word patterns, in the order the engine runs them (built
        once; the rule cache keeps it with the rules)."""
        if self._pattern_index is None:
            self._pattern_index = PatternIndex(word_pattern_groups(self.rules))
        return self._pattern_index

    def keep_sentence_model(self) -> None:
        """Load the sentence model to keep with the set, when a rule scores sentences with
        it: the rule cache stores it with the rules, and reading it back costs half of
        loading it (a cold check's start-up). One that cannot be read is left to the engine,
        which reports it."""
        if self.sentence_model is None and any(isinstance(pattern, ModelPattern)
                                               for rule in self.rules
                                               for pattern in rule.patterns):
            try:
                self.sentence_model = load_model()
            except ModelError:
                pass

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    @property
    def ids(self) -> set[str]:
        return {rule.id for rule in self.rules}


def word_pattern_groups(rules: Iterable[Rule]) -> list[tuple[CompiledPattern, ...]]:
    """The compiled word patterns of ``rules`` in the order the engine runs them, rule by
    rule: each word pattern alone, the parts of a ``near`` pattern together, the parts of a
    ``then`` pattern each alone (each matches in its own sentence)."""
    found: list[tuple[CompiledPattern, ...]] = []
    for rule in rules:
        if rule.stage or rule.check:
            continue
        for pattern in rule.patterns:
            if isinstance(pattern, WordPattern):
                found.append((pattern.compiled,))
            elif isinstance(pattern, NearPattern):
                found.append(tuple(part.compiled for part in pattern.parts))
            elif isinstance(pattern, ThenPattern):
                found.extend((part.compiled,) for part in pattern.parts)
    return found


def word_patterns(rules: Iterable[Rule]) -> list[CompiledPattern]:
    """The compiled word patterns of ``rules`` in the order the engine runs them: rule by
    rule, each part of a ``near`` or ``then`` pattern on its own."""
    return [pattern for group in word_pattern_groups(rules) for pattern in group]


class RuleLoadError(Exception):
    """A rule file that cannot be used, with every problem found in it (``error`` is the
    first)."""

    def __init__(self, error: RuleError | list[RuleError]) -> None:
        errors = [error] if isinstance(error, RuleError) else error
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.error = errors[0]


def _model_table(category: str, count: int = 12) -> list[str]:
    """The words and word pairs that weigh most for and against ``category``."""
    try:
        weights = load_model().categories[category].weights
    except (ModelError, KeyError) as exc:
        return [f"(the sentence model cannot be read: {exc})"]
    ranked = sorted(weights.items(), key=lambda item: item[1])

    def shown(items: Iterable[tuple[str, float]]) -> str:
        return ", ".join(f"'{feature}' {weight:+.2f}" for feature, weight in items)

    return [f"  weighing most for it: {shown(reversed(ranked[-count:]))}",
            f"  weighing most against it: {shown(ranked[:count])}"]


def describe_patterns(rule: Rule) -> list[str]:
    """Human-readable lines describing what a rule matches (for ``honestreach explain``)."""
    lines = []
    table_shown = False
    for pattern in rule.patterns:
        if isinstance(pattern, WordPattern):
            lines.append(f"words: {pattern.source}")
        elif isinstance(pattern, NearPattern):
            lines.append("in one sentence: " + " + ".join(p.source for p in pattern.parts))
        elif isinstance(pattern, ThenPattern):
            lines.append("in turn, in one sentence or the next: "
                         + " -> ".join(p.source for p in pattern.parts))
        elif isinstance(pattern, ModelPattern):
            lines.append(f"a sentence the sentence model scores above {pattern.score_above:g} "
                         f"for {rule.category}" + ("" if pattern.with_words is None else
                                                   f", with: {pattern.with_words.source}"))
            if not table_shown:  # one table of weights, whatever the thresholds
                lines.extend(_model_table(rule.category))
                table_shown = True
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
