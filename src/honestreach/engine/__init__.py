"""Run rules over parsed messages and turn their matches into findings.

Word patterns (``phrases``, ``sequence``, ``near``, ``then``; see :mod:`honestreach.vocab`) are
matched against a message's tokens (:mod:`honestreach.wordmatch`). A pattern only runs on a
text that holds a word of each of its required slots: one pass over the text's distinct words,
through an index built from the patterns themselves, finds which patterns can match. ``regex``
patterns run on the raw text, in the paragraphs that hold their keywords (:mod:`.keywords`). A
match is then dropped when its context says it is not a tactic (:mod:`.context`): quoted
earlier text, quotation marks, a question, a negation or hedge just before it, or a stated
reason in its sentence or the next, as the rule's ``context`` asks.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from .. import guarded_regex
from ..checks import CHECKS
from ..claims import claim_specifics
from ..model import Claim, Finding, InputError, InputNote, Message, first_line
from ..rules import ModelPattern, NearPattern, RegexPattern, Rule, RuleError, ThenPattern, \
    WordPattern, builtin_vocabulary
from ..sentencemodel import ModelError, SentenceModel, load_model, sentence_features
from ..suppress import blank_directives
from ..taxonomy import TACTIC_CATEGORIES
from ..tokens import Tokens, tokenize
from ..vocab import CompiledPattern, Vocabulary
from ..wordmatch import PatternIndex, TextMatcher
from .context import CueMemory, MatchContext, MessageContext, context_cues
from .keywords import KeywordIndex

_WHITESPACE = re.compile(r"\s+")
# The phrase rules read this much of a field, as SpamAssassin scans only the start of a long
# body part: tactics stand in what a reader reads first, and a field of megabytes (a pasted log,
# a mail of repeated junk) would otherwise cost seconds and gigabytes. The Python checks read
# a head and a tail (see longtext.py): a footer stands at the end.
MAX_SCANNED_CHARS = 100_000
# Sentences whose word-pattern matches an engine remembers (each a few hundred bytes), and
# the longest one remembered, in tokens.
SENTENCE_CACHE_SIZE = 20_000
CACHED_SENTENCE_TOKENS = 200
# Sentences shorter than this (in tokens) are not scored by the sentence model: a greeting or
# a sign-off has too few words to weigh.
MODEL_MIN_TOKENS = 4
# A body of at least this many sentences above its sign-off is a message of many facts: there,
# a count or a deadline stated once, the only tactic in the message, is reported at info (rules
# with ``alone: info``, scarcity and urgency by default). Cold pitches run to four to eight
# sentences; the notices, newsletters and updates that state real figures run longer.
LONE_TACTIC_MIN_SENTENCES = 12
# A match in one sentence: (the pattern's place in the order patterns run, its rule, first
# token, end token), tokens counted from the sentence's first.
_SentenceHit = tuple[tuple[int, int], Rule, int, int]


@dataclass(frozen=True)
class _Candidate:
    rule: Rule
    field: str
    start: int
    end: int
    values: dict[str, Any]
    sentence: tuple[int, int] | None = None  # character span of the match's sentence


@dataclass(frozen=True)
class EngineResult:
    """What the rules found in one message: findings, personal claims to verify, problems."""

    findings: list[Finding]
    claims: list[Claim]
    errors: list[InputError]
    notes: list[InputNote] = field(default_factory=list)


class _FormatValues(dict):  # type: ignore[type-arg]
    """Message placeholders: unknown names are left as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class _WordGroup:
    """A word pattern, or the parts of a near pattern (which match together in one sentence)."""

    rule: Rule
    parts: tuple[CompiledPattern, ...]
    near: bool
    rank: tuple[int, int]  # where its matches come in the order patterns run


@dataclass(frozen=True)
class _InTurn:
    """A then pattern: the ranks its two parts' matches carry (each part is searched as a
    pattern of its own) and the rank of its own matches."""

    rule: Rule
    parts: tuple[tuple[int, int], tuple[int, int]]
    rank: tuple[int, int]


class Engine:
    """Rules compiled once; call :meth:`check` or :meth:`check_many`."""

    def __init__(
        self,
        rules: Sequence[Rule],
        vocabulary: Vocabulary | None = None,
        regex_timeout: float = guarded_regex.DEFAULT_TIMEOUT,
        pattern_index: PatternIndex | None = None,
        sentence_model: SentenceModel | None = None,
    ) -> None:
        """``pattern_index``: one built before from the same rules' word patterns (a rule set
        keeps one, see RuleSet.pattern_index), used when it is; built anew otherwise.
        ``sentence_model``: the one a rule set keeps (RuleSet.keep_sentence_model), else the
        package's is loaded."""
        self.regex_timeout = regex_timeout
        self._given_index = pattern_index
        self._given_model = sentence_model
        self.errors: list[RuleError] = []
        self._rules = {rule.id: rule for rule in rules}
        self._vocabulary = vocabulary if vocabulary is not None else builtin_vocabulary()
        self._compiled = False

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules.values())

    def _compile(self) -> None:
        # (rule, parts, near, the then pattern a part belongs to: its number and the part's)
        groups: list[tuple[Rule, tuple[CompiledPattern, ...], bool, tuple[int, int] | None]] = []
        then_rules: list[Rule] = []
        self._regexes: list[tuple[Rule, Any, tuple[tuple[str, ...], ...]]] = []
        self._checks: list[Rule] = []
        modelled: dict[str, tuple[Rule, list[ModelPattern]]] = {}
        for rule in self._rules.values():
            if rule.stage:
                continue  # made by a later stage
            if rule.check:
                self._checks.append(rule)
                continue
            for pattern in rule.patterns:
                if isinstance(pattern, WordPattern):
                    groups.append((rule, (pattern.compiled,), False, None))
                elif isinstance(pattern, NearPattern):
                    groups.append((rule, tuple(part.compiled for part in pattern.parts), True,
                                   None))
                elif isinstance(pattern, ThenPattern):
                    groups.extend((rule, (part.compiled,), False, (len(then_rules), number))
                                  for number, part in enumerate(pattern.parts))
                    then_rules.append(rule)
                elif isinstance(pattern, RegexPattern):
                    self._regexes.append(
                        (rule, guarded_regex.compile_guarded(pattern.regex), pattern.keywords))
                elif isinstance(pattern, ModelPattern):
                    modelled.setdefault(rule.id, (rule, []))[1].append(pattern)
        self._model: SentenceModel | None = None
        # Each sentence's scores, by its words: mail repeats its sentences (a campaign's
        # template, a list's footer).
        self._model_scores: dict[tuple[str, ...], tuple[float, ...]] = {}
        # Each model rule with its category's place in the model's scores, the lowest of its
        # thresholds and its model patterns (a threshold, and words the sentence must hold
        # too).
        self._modelled: list[tuple[Rule, int, float, tuple[ModelPattern, ...]]] = []
        if modelled:
            try:
                self._model = self._given_model or load_model()
            except ModelError as exc:
                self.errors.append(RuleError(str(exc).split(":")[0], None, None, str(exc)))
                modelled = {}
        for rule, model_patterns in modelled.values():
            assert self._model is not None
            if rule.category in self._model.order:
                self._modelled.append((rule, self._model.order.index(rule.category),
                                       min(pattern.score_above for pattern in model_patterns),
                                       tuple(model_patterns)))
            else:
                self.errors.append(RuleError(rule.path, None, "patterns", (
                    f"the sentence model has no category {rule.category!r} (it has "
                    f"{', '.join(self._model.order)})")))
        patterns = [parts for _, parts, _, _ in groups]
        given = self._given_index
        self._index = given if given is not None and given.built_from(patterns) \
            else PatternIndex(patterns)
        # Matches are listed in the order the patterns run: those that need no word first,
        # then the others, in rule order; a near or then pattern's after every other pattern's,
        # by its first-running part's place.
        total = sum(len(parts) for parts in patterns)
        self._groups: list[_WordGroup] = []
        then_ranks: list[list[tuple[int, int]]] = [[] for _ in then_rules]
        position = 0
        for rule, parts, near, then in groups:
            places = [position + number + total * bool(part.needs)
                      for number, part in enumerate(parts)]
            position += len(parts)
            self._groups.append(_WordGroup(rule, parts, near, (1, min(places)) if near
                                           else (0, places[0])))
            if then is not None:
                then_ranks[then[0]].append((0, places[0]))
        self._in_turn = [_InTurn(rule, (first, second), (1, min(first[1], second[1])))
                         for rule, (first, second) in zip(then_rules, then_ranks)]
        # The ranks that mark a then pattern's part: its matches are no findings of their own.
        self._part_ranks = frozenset(rank for then in self._in_turn for rank in then.parts)
        self._sentence_spans: dict[tuple[str, tuple[str, ...]], tuple[_SentenceHit, ...]] = {}
        self._keywords = KeywordIndex([keywords for _, _, keywords in self._regexes])
        self._cues = context_cues(self._vocabulary)
        self._cue_memory = CueMemory()
        self._compiled = True

    def prepare(self) -> None:
        """Compile the rules now rather than on the first message (a process about to fork
        its workers compiles them once, for all of them)."""
        if not self._compiled:
            self._compile()

    def check(self, message: Message) -> EngineResult:
        """Findings (in file order), claims and the problems met while checking one message."""
        (result,) = self.check_many([message])
        return result

    def check_many(self, messages: Iterable[Message]) -> Iterator[EngineResult]:
        """Check messages in order."""
        self.prepare()
        for message in messages:
            yield self._check_message(message)

    def _check_message(self, message: Message) -> EngineResult:
        errors: list[InputError] = []
        notes: list[InputNote] = []
        candidates: list[_Candidate] = []
        body_sentences = 0
        whole = MessageContext(message, self._cues)
        for field_name in ("subject", "sender", "body"):
            text_field = message.field_text(field_name)  # type: ignore[arg-type]
            if text_field is None or not text_field.text:
                continue
            text = blank_directives(text_field.text)
            if field_name == "body" and message.quoted:
                text = _blank_quoted(text, message.quoted)
            if len(text) > MAX_SCANNED_CHARS:
                notes.append(InputNote(
                    f"the {field_name} is {len(text):,} characters long: the phrase rules read "
                    f"its first {MAX_SCANNED_CHARS:,}"))
                text = text[:MAX_SCANNED_CHARS]
            tokens = tokenize(text)
            if field_name == "body":
                body_sentences = _sentences_above(tokens, message.signature_start)
            candidates.extend(self._field_candidates(whole, field_name, text, tokens, errors))
        candidates.extend(self._check_candidates(whole, errors))
        candidates = _defer(_deduplicate(candidates))
        lone = _lone_tactic(candidates) if body_sentences >= LONE_TACTIC_MIN_SENTENCES else None
        findings: list[Finding] = []
        claims: list[Claim] = []
        claimed: set[tuple[str, str, tuple[int, int] | None]] = set()
        for candidate in candidates:
            if candidate.rule.finds_claims:
                # One claim per category per sentence: "as per your request, here is the deck
                # we reviewed" claims one conversation, not two.
                key = (candidate.rule.category, candidate.field, candidate.sentence)
                if key not in claimed:
                    claimed.add(key)
                    claims.append(self._claim(message, candidate))
            elif lone is not None and _is_tactic(candidate) and _same_words(candidate, lone):
                findings.append(self._finding(message, candidate, alone_among=body_sentences))
            else:
                findings.append(self._finding(message, candidate))
        findings.sort(key=lambda f: (f.location.line, f.location.column, f.rule))
        claims.sort(key=lambda c: (c.field != "subject", c.start))
        return EngineResult(findings, claims, errors, notes)

    def _field_candidates(self, whole: MessageContext, field: str, text: str, tokens: Tokens,
                          errors: list[InputError]) -> Iterator[_Candidate]:
        message = whole.message
        matcher = TextMatcher(tokens)
        context = MatchContext(whole, field, text, tokens, matcher, self._cue_memory)
        spans = self._word_spans(field, tokens, matcher)  # (rule, first token, end token)
        for index, windows in self._keywords.windows(text).items():
            rule, compiled, _ = self._regexes[index]
            if field not in rule.scope or not len(tokens):
                continue
            try:
                for start, end in guarded_regex.spans(compiled, text, windows,
                                                      self.regex_timeout):
                    first = max(bisect_right(tokens.starts, start) - 1, 0)
                    spans.append((rule, first, max(bisect_left(tokens.starts, end), first + 1)))
            except guarded_regex.RegexTimeout:
                errors.append(InputError(
                    f"rule {rule.id}: its regular expression ran longer than "
                    f"{self.regex_timeout:g}s on this message and was stopped"))
        for rule, first, end in spans:
            if context.excludes(rule, first, end):
                continue
            first_sentence, end_sentence = tokens.sentence_of(first)
            if end > end_sentence:  # a then pattern's match, run into the next sentence
                end_sentence = tokens.sentence_of(end - 1)[1]
            if rule.unless and _cancelled(rule, matcher, first_sentence, end_sentence):
                continue
            start_char, end_char = tokens.char_span(first, end)
            sentence = tokens.char_span(first_sentence, end_sentence)
            yield _Candidate(rule, field, start_char, end_char, {}, sentence)
        for rule, first, end, values in self._model_matches(message, field, tokens, matcher):
            if not context.excludes(rule, first, end, whole_sentence=True) and not (
                    rule.unless and _cancelled(rule, matcher, first, end)):
                sentence = tokens.char_span(first, end)
                yield _Candidate(rule, field, *sentence, values, sentence)

    def _word_spans(self, field: str, tokens: Tokens,
                    matcher: TextMatcher) -> list[tuple[Rule, int, int]]:
        """The word patterns' matches in a field, in the order the patterns run.

        A match never leaves its sentence, so what the patterns find in a sentence depends on
        its words alone, and mail repeats its sentences (a campaign's template, a sender's
        footer): each sentence's matches are remembered, and only the sentences not seen
        before are searched, as one text of their own."""
        cache = self._sentence_spans
        norms = tokens.norms
        bounds = [*tokens.sentence_starts, len(norms)]
        known: list[tuple[int, tuple[_SentenceHit, ...]]] = []
        unseen: list[tuple[int, int]] = []
        for first, end in zip(bounds, bounds[1:]):
            if end > first:
                remembered_hits = cache.get((field, norms[first:end]))
                if remembered_hits is None:
                    unseen.append((first, end))
                else:
                    known.append((first, remembered_hits))
        if unseen:
            if not known:
                searched, searched_matcher = tokens, matcher
            else:
                searched = _sentences_only(tokens, unseen)
                searched_matcher = TextMatcher(searched)
            found = self._search_words(field, searched, searched_matcher)
            per_sentence: list[list[_SentenceHit]] = [[] for _ in unseen]
            starts = searched.sentence_starts
            for rank, rule, first, end in found:
                number = bisect_right(starts, first) - 1
                per_sentence[number].append((rank, rule, first - starts[number],
                                             end - starts[number]))
            if len(cache) + len(unseen) > SENTENCE_CACHE_SIZE:
                cache.clear()  # bounded: a long run of new mail starts afresh
            for (first, end), hits in zip(unseen, per_sentence):
                remembered = tuple(hits)
                if end - first <= CACHED_SENTENCE_TOKENS:
                    cache[(field, norms[first:end])] = remembered
                known.append((first, remembered))
        ordered = sorted((rank, first + offset, rule, end + offset)
                         for offset, hits in known for rank, rule, first, end in hits)
        if self._in_turn:
            ordered = _in_turn(ordered, self._in_turn, self._part_ranks, tokens)
        return [(rule, first, end) for _, first, rule, end in ordered]

    def _model_matches(self, message: Message, field: str, tokens: Tokens,
                       matcher: TextMatcher) -> list[tuple[Rule, int, int, dict[str, Any]]]:
        """The sentences the sentence model scores above a model rule's threshold (and that
        hold the pattern's ``with`` words, when it names some), with the score and the words
        that weigh most (for the rule's message). Quoted earlier mail is not scored: it is
        never the sender's words."""
        model = self._model
        if model is None:
            return []
        found: list[tuple[Rule, int, int, dict[str, Any]]] = []
        bounds = [*tokens.sentence_starts, len(tokens.norms)]
        for first, end in zip(bounds, bounds[1:]):
            if end - first < MODEL_MIN_TOKENS or field == "body" and \
                    message.in_quoted(*tokens.char_span(first, end)):
                continue
            words = tokens.norms[first:end]
            scores = self._model_scores.get(words)
            if scores is None:
                if len(self._model_scores) >= SENTENCE_CACHE_SIZE:
                    self._model_scores.clear()  # bounded, as the word patterns' cache
                scores = self._model_scores[words] = model.scores(sentence_features(words))
            for rule, slot, lowest, model_patterns in self._modelled:
                score = scores[slot]
                if score <= lowest or field not in rule.scope:
                    continue  # most sentences: below every threshold of the rule
                if any(score > pattern.score_above and (
                        pattern.with_words is None
                        or matcher.find(pattern.with_words.compiled.seq, first, end))
                       for pattern in model_patterns):
                    strongest = model.strongest(rule.category, sentence_features(words))
                    cues = ", ".join(f"'{cue}'" for cue in strongest)
                    found.append((rule, first, end, {"score": f"{score:.1f}", "cues": cues}))
        return found

    def _search_words(self, field: str, tokens: Tokens,
                      matcher: TextMatcher) -> list[_SentenceHit]:
        """The word patterns' matches in a text, each with its place in the order the
        patterns run. A near pattern matches only in a sentence where all its parts do: the
        index lists the sentences where every part can run, and once one part finds nothing
        there, the others need not be searched."""
        found_hits: list[_SentenceHit] = []
        for index, within in self._index.runnable(tokens.norms, tokens.sentence_starts):
            group = self._groups[index]
            if field not in group.rule.scope:
                continue
            if not group.near:
                found_hits.extend((group.rank, group.rule, first, end)
                                  for first, end in matcher.find(group.parts[0].seq,
                                                                 within=within))
                continue
            parts: list[list[tuple[int, int]]] = []
            for part in group.parts:
                found = matcher.find(part.seq, within=within)
                if not found:
                    break
                parts.append(found)
            else:
                found_hits.extend((group.rank, rule, first, end)
                                  for rule, first, end in _together(group.rule, parts, tokens))
        return found_hits

    def _check_candidates(self, whole: MessageContext,
                          errors: list[InputError]) -> Iterator[_Candidate]:
        message = whole.message
        for rule in self._checks:
            try:
                hits = list(CHECKS[rule.check](message, rule.options))  # type: ignore[index]
            except Exception as exc:  # one faulty check must not stop the batch
                errors.append(InputError(f"rule {rule.id}: check failed: {first_line(exc)}"))
                continue
            if hits and whole.excludes(rule):
                continue  # "WE GOT THE KEYS!!!" to one's parents is joy, not a raised voice
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

    def _finding(self, message: Message, candidate: _Candidate,
                 alone_among: int | None = None) -> Finding:
        """The finding of a match; at info, saying why, when it is the only tactic of a
        message of ``alone_among`` sentences (see :func:`_lone_tactic`)."""
        text_field = message.field_text(candidate.field)  # type: ignore[arg-type]
        matched = text_field.text[candidate.start:candidate.end] if text_field else ""
        shown = _WHITESPACE.sub(" ", matched).strip()
        if len(shown) > 80:
            shown = shown[:77] + "..."
        values = _FormatValues(candidate.values)
        values.setdefault("text", shown)
        rule = candidate.rule
        said = rule.message.format_map(values)
        if alone_among is not None:
            said += (f" It is the only tactic in a message of {alone_among} sentences, so it is "
                     "shown at info: keep it if it is a fact the reader can check.")
        return Finding(
            rule=rule.id,
            category=rule.category,
            severity="info" if alone_among is not None
            else rule.severity,  # type: ignore[arg-type]
            message=said,
            location=message.location(candidate.field, candidate.start, candidate.end),  # type: ignore[arg-type]
            text=matched,
            suggestion=rule.suggestion,
            field=candidate.field,
        )


_NOT_NEWLINE = re.compile(r"[^\n]+")


def _blank_quoted(text: str, quoted: Sequence[tuple[int, int]]) -> str:
    """``text`` with quoted earlier mail replaced by spaces (offsets and line breaks kept):
    no finding is ever reported inside it, so its words need not be read, and a long thread
    quoted below a reply costs nothing."""
    parts: list[str] = []
    done = 0
    for start, end in quoted:
        parts.append(text[done:start])
        parts.append(_NOT_NEWLINE.sub(lambda run: " " * len(run.group()), text[start:end]))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _cancelled(rule: Rule, matcher: TextMatcher, first: int, end: int) -> bool:
    """Whether one of the rule's ``unless:`` patterns matches in the sentence (tokens
    [first, end)) of a match."""
    return any(matcher.occurs(pattern.compiled.seq, first, end) for pattern in rule.unless)


def _sentences_only(tokens: Tokens, sentences: list[tuple[int, int]]) -> Tokens:
    """The tokens of some of the sentences, as a text of their own."""
    norms: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    firsts: list[int] = []
    for first, end in sentences:
        firsts.append(len(norms))
        norms.extend(tokens.norms[first:end])
        starts.extend(tokens.starts[first:end])
        ends.extend(tokens.ends[first:end])
    return Tokens(tokens.text, tuple(norms), tuple(starts), tuple(ends), tuple(firsts))


def _sentences_above(tokens: Tokens, signature_start: int | None) -> int:
    """The body's sentences above its sign-off: the name, title, address and opt-out lines below
    it are no sentences of the message, and a three-paragraph pitch with a long footer is still
    a pitch."""
    if signature_start is None:
        return len(tokens.sentence_starts)
    return sum(1 for first in tokens.sentence_starts
               if first < len(tokens) and tokens.starts[first] < signature_start)


def _lone_tactic(candidates: list[_Candidate]) -> _Candidate | None:
    """The match that is a message's only tactic, when its rules allow it to be weighed as one
    fact among many (``alone: info``): every warning of a tactic category in the message lies on
    these same words ("only 40 seats, then a waitlist" may fire two rules) and every rule that
    fired there allows it. Said twice, or with another tactic beside it, it stays a warning."""
    tactics = [c for c in candidates if _is_tactic(c)]
    if not tactics or not all(c.rule.info_when_alone and _same_words(c, tactics[0])
                              for c in tactics):
        return None
    return tactics[0]


def _is_tactic(candidate: _Candidate) -> bool:
    rule = candidate.rule
    return rule.category in TACTIC_CATEGORIES and rule.severity != "info"


def _same_words(one: _Candidate, other: _Candidate) -> bool:
    return (one.field, one.start, one.end) == (other.field, other.start, other.end)


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
            # A chain of overlaps is one stretch: a match that overlaps only a dropped one is
            # dropped too, so a rule reports a run of phrasing once.
            if candidate.start >= last_end:
                kept.append(candidate)
            last_end = max(last_end, candidate.end)
    return kept


def _defer(candidates: list[_Candidate]) -> list[_Candidate]:
    """Without the matches whose rule defers to another rule, or to any other rule of a
    category, that matched overlapping text in the same field: one act gets one finding, the
    more specific rule's."""
    if not any(c.rule.defers_to for c in candidates):
        return candidates
    Span = tuple[int, int, str, tuple[str, ...]]  # start, end, rule id, what that rule defers to
    by_rule: dict[tuple[str, str], list[Span]] = {}
    by_category: dict[tuple[str, str], list[Span]] = {}
    for candidate in candidates:
        span = (candidate.start, candidate.end, candidate.rule.id, candidate.rule.defers_to)
        by_rule.setdefault((candidate.rule.id, candidate.field), []).append(span)
        by_category.setdefault((candidate.rule.category, candidate.field), []).append(span)

    def gives_way(candidate: _Candidate) -> bool:
        rule = candidate.rule
        for other in rule.defers_to:
            for start, end, other_id, back in [*by_rule.get((other, candidate.field), ()),
                                               *by_category.get((other, candidate.field), ())]:
                # Two rules that defer to each other both keep their findings: neither is the
                # more precise.
                if other_id != rule.id and start < candidate.end and candidate.start < end \
                        and rule.id not in back and rule.category not in back:
                    return True
        return False

    return [c for c in candidates if not c.rule.defers_to or not gives_way(c)]


def _in_turn(ordered: list[tuple[tuple[int, int], int, Rule, int]], in_turn: list[_InTurn],
             part_ranks: frozenset[tuple[int, int]], tokens: Tokens
             ) -> list[tuple[tuple[int, int], int, Rule, int]]:
    """The matches of the then patterns (each spanning its two parts' matches: the first part's,
    and the nearest of the second part's after it, in its sentence or the next) among the
    other patterns' matches, in the order patterns run; the parts' own matches dropped."""
    by_rank: dict[tuple[int, int], list[tuple[int, int]]] = {}
    kept: list[tuple[tuple[int, int], int, Rule, int]] = []
    for hit in ordered:
        if hit[0] in part_ranks:
            by_rank.setdefault(hit[0], []).append((hit[1], hit[3]))
        else:
            kept.append(hit)
    if not by_rank:
        return ordered
    starts = tokens.sentence_starts
    for then in in_turn:
        firsts, seconds = by_rank.get(then.parts[0]), by_rank.get(then.parts[1])
        if not firsts or not seconds:
            continue
        last = -1
        for first, end in firsts:
            if first < last:
                continue  # matches do not overlap
            sentence = bisect_right(starts, first) - 1
            # the second part ends where the sentence after the first part's ends
            limit = starts[sentence + 2] if sentence + 2 < len(starts) else len(tokens.norms)
            # (the second part's matches come in the order of the text: the first that fits
            # is the nearest)
            nearest = next((stop for start, stop in seconds if end <= start and stop <= limit),
                           None)
            if nearest is not None:
                kept.append((then.rank, first, then.rule, nearest))
                last = nearest
    kept.sort(key=lambda hit: (hit[0], hit[1]))
    return kept


def _together(rule: Rule, parts: list[list[tuple[int, int]]],
              tokens: Tokens) -> Iterator[tuple[Rule, int, int]]:
    """A near pattern's matches: each sentence where every part matched, spanning the parts."""
    by_sentence: dict[int, list[list[tuple[int, int]]]] = {}
    for number, hits in enumerate(parts):
        for first, end in hits:
            sentence = tokens.sentence_of(first)[0]
            by_sentence.setdefault(sentence, [[] for _ in parts])[number].append((first, end))
    for found in by_sentence.values():
        if all(found):
            yield rule, min(h[0][0] for h in found), max(h[0][1] for h in found)


