"""Run rules over parsed messages and turn their matches into findings.

Pattern rules are compiled once into one spaCy ``Matcher`` (token patterns), two
``PhraseMatcher`` s (lower-case and lemma phrase lists) and guarded regular expressions. A match
is dropped when it lies in quoted earlier text, inside quotation marks, in a question, or right
after a negation, unless the rule's ``context`` keeps such matches.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from . import guarded_regex
from .checks import CHECKS
from .claims import claim_specifics
from .model import Claim, Finding, InputError, Message, first_line
from .nlp import DEFAULT_PIPELINE, get_nlp
from .rules import PhrasePattern, RegexPattern, Rule, RuleError, TokenPattern, keyword_text
from .suppress import blank_directives

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

NEGATION_CUES = frozenset(
    {"no", "not", "n't", "never", "without", "nothing", "none", "neither", "nor", "cannot",
     "isn't", "aren't", "don't", "doesn't", "won't", "wasn't", "nobody", "hardly"}
)
NEGATION_WINDOW = 3
HEDGE_CUES = frozenset(
    {"might", "may", "maybe", "perhaps", "possibly", "probably", "think", "believe", "guess",
     "if", "whether", "unsure", "sure", "remember", "recall", "could", "wonder", "wondering"}
)
_QUOTATION = re.compile(r'"[^"\n]{1,300}"|“[^”\n]{1,300}”|„[^“”\n]{1,300}[“”]|«[^»\n]{1,300}»')
_WHITESPACE = re.compile(r"\s+")
BATCH_SIZE = 64


@dataclass(frozen=True)
class _Candidate:
    rule: Rule
    field: str
    start: int
    end: int
    values: dict
    sentence: tuple[int, int] | None = None  # character span of the match's sentence


@dataclass(frozen=True)
class EngineResult:
    """What the rules found in one message: findings, personal claims to verify, problems."""

    findings: list[Finding]
    claims: list[Claim]
    errors: list[InputError]


class _FormatValues(dict):
    """Message placeholders: unknown names are left as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Engine:
    """Rules compiled for one spaCy pipeline; call :meth:`check` or :meth:`check_many`."""

    def __init__(
        self,
        rules: Sequence[Rule],
        pipeline: str = DEFAULT_PIPELINE,
        regex_timeout: float = guarded_regex.DEFAULT_TIMEOUT,
    ) -> None:
        self.pipeline = pipeline
        self.regex_timeout = regex_timeout
        self.errors: list[RuleError] = []
        self._rules = {rule.id: rule for rule in rules}
        self._compiled = False

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules.values())

    def _compile(self) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        nlp = get_nlp(self.pipeline)
        self._nlp = nlp
        # spaCy's Matcher walks every token in Python whether anything can match or not, so it
        # only runs on docs holding every word some pattern requires (None: always run).
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._matcher_needs: list[list[frozenset[int]]] | None = []
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._regexes: list[tuple[Rule, object, tuple[str, ...]]] = []
        self._checks: list[Rule] = []
        broken: list[str] = []
        for rule in self._rules.values():
            try:
                self._add(rule, nlp)
            except Exception as exc:  # a rule spaCy rejects is reported, the rest still run
                self.errors.append(RuleError(rule.path, None, "patterns", first_line(exc)))
                broken.append(rule.id)
        for rule_id in broken:
            self._rules.pop(rule_id)
            self._remove(rule_id)
        self._keywords = _KeywordIndex([keywords for _, _, keywords in self._regexes])
        self._compiled = True

    def _add(self, rule: Rule, nlp) -> None:  # type: ignore[no-untyped-def]
        if rule.stage:
            return  # made by a later stage
        if rule.check:
            self._checks.append(rule)
            return
        tokens = [expanded for p in rule.patterns if isinstance(p, TokenPattern)
                  for expanded in _split_first_set(list(p.tokens))]
        if tokens:
            self._matcher.add(rule.id, tokens)
            needs = _requirements(tokens, nlp.vocab.strings)
            if needs is None or self._matcher_needs is None:
                self._matcher_needs = None
            else:
                self._matcher_needs.extend(needs)
        for pattern in rule.patterns:
            if isinstance(pattern, PhrasePattern):
                if pattern.match == "lemma":
                    self._lemma.add(rule.id, list(nlp.pipe(pattern.phrases)))
                else:
                    self._lower.add(rule.id, [nlp.make_doc(p) for p in pattern.phrases])
            elif isinstance(pattern, RegexPattern):
                self._regexes.append(
                    (rule, guarded_regex.compile_guarded(pattern.regex), pattern.keywords))

    def _remove(self, rule_id: str) -> None:
        for matcher in (self._matcher, self._lower, self._lemma):
            if rule_id in matcher:
                matcher.remove(rule_id)
        self._regexes = [entry for entry in self._regexes if entry[0].id != rule_id]
        self._checks = [r for r in self._checks if r.id != rule_id]

    def check(self, message: Message) -> EngineResult:
        """Findings (in file order), claims and the problems met while checking one message."""
        (result,) = self.check_many([message])
        return result

    def check_many(
        self, messages: Iterable[Message], batch_size: int = BATCH_SIZE
    ) -> Iterator[EngineResult]:
        """Check messages in order, batching them through spaCy."""
        if not self._compiled:
            self._compile()
        iterator = iter(messages)
        while batch := list(islice(iterator, batch_size)):
            texts: list[str] = []
            for message in batch:
                texts.append(_for_spacy(message.subject.text) if message.subject else "")
                texts.append(_for_spacy(message.body.text))
            docs = list(self._nlp.pipe(texts))
            for index, message in enumerate(batch):
                yield self._check_docs(message, docs[2 * index], docs[2 * index + 1],
                                       texts[2 * index], texts[2 * index + 1])

    def _check_docs(self, message: Message, subject_doc: Doc, body_doc: Doc,
                    subject: str, body: str) -> EngineResult:
        errors: list[InputError] = []
        candidates: list[_Candidate] = []
        for field, doc, text in (("subject", subject_doc, subject), ("body", body_doc, body)):
            if field == "subject" and message.subject is None:
                continue
            candidates.extend(self._pattern_candidates(message, field, doc, text, errors))
        candidates.extend(self._check_candidates(message, errors))
        findings: list[Finding] = []
        claims: list[Claim] = []
        claimed: set[tuple[str, str, tuple[int, int] | None]] = set()
        for candidate in _deduplicate(candidates):
            if candidate.rule.finds_claims:
                # One claim per category per sentence: "as per your request, here is the deck
                # we reviewed" claims one conversation, not two.
                key = (candidate.rule.category, candidate.field, candidate.sentence)
                if key not in claimed:
                    claimed.add(key)
                    claims.append(self._claim(message, candidate))
            else:
                findings.append(self._finding(message, candidate))
        findings.sort(key=lambda f: (f.location.line, f.location.column, f.rule))
        claims.sort(key=lambda c: (c.field != "subject", c.start))
        return EngineResult(findings, claims, errors)

    def _pattern_candidates(
        self, message: Message, field: str, doc: Doc, text: str, errors: list[InputError]
    ) -> Iterator[_Candidate]:
        """Pattern matches in ``doc`` (whose text is ``text``: Doc.text is rebuilt per call)."""
        quotations = [m.span() for m in _QUOTATION.finditer(text)] if '"' in text or "“" in text \
            or "„" in text or "«" in text else []
        spans: list[tuple[Rule, int, int, Span | None]] = []
        vocab_strings = self._nlp.vocab.strings
        matchers = [self._lower, self._lemma]
        if len(self._matcher) and self._may_match(doc):
            matchers.append(self._matcher)
        for matcher in matchers:
            for match_id, start, end in matcher(doc):
                rule = self._rules[vocab_strings[match_id]]
                span = doc[start:end]
                spans.append((rule, span.start_char, span.end_char, span))
        for index, windows in self._keywords.windows(text).items():
            rule, compiled, _ = self._regexes[index]
            if field not in rule.scope:
                continue
            try:
                spans.extend((rule, start, end, None) for start, end in guarded_regex.spans(
                    compiled, text, windows, self.regex_timeout))
            except guarded_regex.RegexTimeout:
                errors.append(InputError(
                    f"rule {rule.id}: its regular expression ran longer than "
                    f"{self.regex_timeout:g}s on this message and was stopped"))
        sentences = _Sentences(doc) if spans else None
        for rule, start, end, span in spans:
            sentence_span = None
            if field not in rule.scope:
                continue
            if field == "body" and message.in_quoted(start, end):
                continue
            if rule.skip_signature and field == "body" and message.signature_start is not None \
                    and start >= message.signature_start:
                continue
            if rule.skip_quotations and any(q0 <= start and end <= q1 for q0, q1 in quotations):
                continue
            if span is None:
                span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                sentence = sentences.of(span.start)  # type: ignore[union-attr]
                sentence_text = text[sentence.start_char:sentence.end_char]
                if rule.skip_questions and sentence_text.rstrip().endswith("?"):
                    continue
                if rule.skip_negated and _preceded_by(span, sentence.start, NEGATION_CUES):
                    continue
                if rule.skip_hedged and _preceded_by(span, sentence.start, HEDGE_CUES,
                                                     window=8):
                    continue
                sentence_span = (sentence.start_char, sentence.end_char)
            yield _Candidate(rule, field, start, end, {}, sentence_span)

    def _may_match(self, doc: Doc) -> bool:
        """Whether some token pattern finds every word it requires in the doc."""
        if self._matcher_needs is None:
            return True
        from spacy.attrs import LEMMA, LOWER

        present = set(doc.to_array([LOWER, LEMMA]).ravel().tolist())
        return any(all(not need.isdisjoint(present) for need in needs)
                   for needs in self._matcher_needs)

    def _check_candidates(self, message: Message, errors: list[InputError]) -> Iterator[_Candidate]:
        for rule in self._checks:
            try:
                hits = list(CHECKS[rule.check](message, rule.options))  # type: ignore[index]
            except Exception as exc:  # one faulty check must not stop the batch
                errors.append(InputError(f"rule {rule.id}: check failed: {first_line(exc)}"))
                continue
            for hit in hits:
                if hit.field not in rule.scope:
                    continue
                if hit.field == "body" and message.in_quoted(hit.start, hit.end):
                    continue
                yield _Candidate(rule, hit.field, hit.start, hit.end, dict(hit.values))

    def _claim(self, message: Message, candidate: _Candidate) -> Claim:
        text_field = message.field_text(candidate.field)  # type: ignore[arg-type]
        text = text_field.text if text_field else ""
        first, last = candidate.sentence or (candidate.start, candidate.end)
        sentence = text[first:last]
        specifics = claim_specifics(candidate.rule.category, sentence,
                                    candidate.start - first, candidate.end - first)
        return Claim(
            category=candidate.rule.category,
            rule=candidate.rule.id,
            field=candidate.field,  # type: ignore[arg-type]
            start=candidate.start,
            end=candidate.end,
            text=text[candidate.start:candidate.end],
            sentence=" ".join(sentence.split()),
            specifics=specifics,
        )

    def _finding(self, message: Message, candidate: _Candidate) -> Finding:
        text_field = message.field_text(candidate.field)  # type: ignore[arg-type]
        matched = text_field.text[candidate.start:candidate.end] if text_field else ""
        shown = _WHITESPACE.sub(" ", matched).strip()
        if len(shown) > 80:
            shown = shown[:77] + "..."
        values = _FormatValues(candidate.values)
        values.setdefault("text", shown)
        rule = candidate.rule
        return Finding(
            rule=rule.id,
            category=rule.category,
            severity=rule.severity,  # type: ignore[arg-type]
            message=rule.message.format_map(values),
            location=message.location(candidate.field, candidate.start, candidate.end),  # type: ignore[arg-type]
            text=matched,
            suggestion=rule.suggestion,
            field=candidate.field,
        )


_PUNCTUATION_RUN = re.compile(r"([^\w\s])\1{19,}")


def _for_spacy(text: str) -> str:
    """The text rules read: directives blanked, and runs of 20+ of one punctuation mark cut to
    three plus spaces (spaCy's tokenizer is quadratic on them; offsets stay as they are)."""
    text = blank_directives(text)
    if _PUNCTUATION_RUN.search(text) is None:
        return text
    return _PUNCTUATION_RUN.sub(lambda m: m.group(1) * 3 + " " * (len(m.group()) - 3), text)


def _deduplicate(candidates: list[_Candidate]) -> list[_Candidate]:
    """One finding per rule per stretch of text: overlapping matches of a rule are merged."""
    kept: list[_Candidate] = []
    by_rule: dict[tuple[str, str], list[_Candidate]] = {}
    for candidate in candidates:
        by_rule.setdefault((candidate.rule.id, candidate.field), []).append(candidate)
    for group in by_rule.values():
        group.sort(key=lambda c: (c.start, -(c.end - c.start)))
        last_end = -1
        for candidate in group:
            if candidate.start < last_end:
                continue
            kept.append(candidate)
            last_end = candidate.end
    return kept


def _split_first_set(pattern: list[dict]) -> list[list[dict]]:
    """``[{LOWER: {IN: [a, b]}}, ...]`` as ``[{LOWER: a}, ...]`` and ``[{LOWER: b}, ...]``.

    The Matcher tries every pattern's first token at every token of the doc; a set there is a
    Python call each time, a plain value is compared in C. Later tokens are only tried where a
    match has begun, so their sets may stay.
    """
    first = pattern[0] if pattern else {}
    attrs = set(first) - {"OP"}
    if "OP" in first or len(attrs) != 1:
        return [pattern]
    (attr,) = attrs
    value = first[attr]
    if not (isinstance(value, dict) and set(value) == {"IN"}):
        return [pattern]
    return [[{attr: item}, *pattern[1:]] for item in value["IN"]]


def _requirements(patterns: list[list[dict]], strings) -> list[list[frozenset[int]]] | None:  # type: ignore[no-untyped-def]
    """For each pattern, the word sets a doc must hold one of each for it to match: one set per
    required token that names its LOWER or LEMMA values (None when a pattern names none)."""
    found: list[list[frozenset[int]]] = []
    for pattern in patterns:
        needs = []
        for token in pattern:
            if token.get("OP", "1") not in ("1", "+"):
                continue
            for attr in ("LOWER", "LEMMA"):
                value = token.get(attr)
                values = value.get("IN") if isinstance(value, dict) else [value]
                if values and all(isinstance(v, str) for v in values) and (
                        attr == "LEMMA" or all(v == v.lower() for v in values)):
                    needs.append(frozenset(strings.add(v) for v in values))
                    break
        if not needs:
            return None
        found.append(needs)
    return found


class _KeywordIndex:
    """Which regex patterns can match a text: one Aho-Corasick pass finds every keyword in it,
    instead of a substring search per keyword per pattern."""

    def __init__(self, keyword_groups: list[tuple[tuple[str, ...], ...]]) -> None:
        import ahocorasick

        self._always = [i for i, groups in enumerate(keyword_groups) if not groups]
        # A pattern runs where one keyword of each of its groups occurs: a bit per group.
        self._needs = [(1 << len(groups)) - 1 for groups in keyword_groups]
        by_keyword: dict[str, list[tuple[int, int]]] = {}
        for index, groups in enumerate(keyword_groups):
            for group_number, group in enumerate(groups):
                for keyword in group:
                    by_keyword.setdefault(keyword, []).append((index, 1 << group_number))
        self._automaton = ahocorasick.Automaton()
        for keyword, entries in by_keyword.items():
            self._automaton.add_word(keyword, tuple(entries))
        if by_keyword:
            self._automaton.make_automaton()
        self._empty = not by_keyword

    def windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """For each pattern to run on ``text``, the stretches of it to search.

        A match holds one keyword of each of its pattern's keyword groups, and matches do not
        cross a blank line, so a pattern only searches the paragraphs where all its groups
        occur (patterns without keywords search everything). Searching one paragraph instead
        of the whole message is what keeps hundreds of patterns cheap."""
        windows: dict[int, list[tuple[int, int]]] = {i: [(0, len(text))] for i in self._always}
        if self._empty:
            return windows
        needs = self._needs
        for start, end in _paragraphs(text):
            found: dict[int, int] = {}
            for _, entries in self._automaton.iter(keyword_text(text[start:end])):
                for index, bit in entries:
                    found[index] = found.get(index, 0) | bit
            for index, bits in found.items():
                if bits != needs[index]:
                    continue
                spans = windows.setdefault(index, [])
                if spans and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], end)  # neighbouring paragraphs: one search
                else:
                    spans.append((start, end))
        return dict(sorted(windows.items()))


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, blank-line separators included in the one before."""
    spans = []
    start = 0
    for separator in _BLANK_LINE.finditer(text):
        spans.append((start, separator.end()))
        start = separator.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


class _Sentences:
    """The sentence boundaries of a doc, read once from its array, looked up by token index."""

    def __init__(self, doc: Doc) -> None:
        from spacy.attrs import SENT_START

        self._doc = doc
        starts = (doc.to_array([SENT_START]) == 1).nonzero()[0].tolist()
        self._starts = starts if starts and starts[0] == 0 else [0, *starts]

    def of(self, token_index: int) -> Span:
        position = bisect.bisect_right(self._starts, token_index) - 1
        start = self._starts[position]
        end = self._starts[position + 1] if position + 1 < len(self._starts) else len(self._doc)
        return self._doc[start:end]


def _preceded_by(span: Span, sentence_start: int, cues: frozenset[str],
                 window: int = NEGATION_WINDOW) -> bool:
    """Whether one of ``cues`` stands within ``window`` tokens before the span, in its sentence."""
    first = max(sentence_start, span.start - window)
    return any(token.lower_ in cues for token in span.doc[first:span.start])


