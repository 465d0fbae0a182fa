"""The pattern index decides which word patterns are searched, and where: it must never hide a
match. Over a sample of the rule examples and the ordinary-mail corpus, a pattern the index leaves out
matches nowhere, and one it lets run finds, in the sentences it names, exactly what a search of
the whole text finds."""

from __future__ import annotations

from pathlib import Path

from honestreach.rules import builtin_vocabulary, load_rules
from honestreach.ruletypes import word_pattern_groups, word_patterns
from honestreach.tokens import tokenize
from honestreach.wordmatch import PatternIndex, TextMatcher

ORDINARY = Path(__file__).parent / "fixtures" / "ordinary"


def sample_texts() -> list[str]:
    """Every tenth rule example, a few ordinary messages, and many sentences in one text, as a
    message has them (matches must stay in their sentence)."""
    rules = load_rules().rules
    examples = [text for rule in rules
                for example in (*rule.bad_examples, *rule.good_examples)
                for text in (example.subject, example.body) if text]
    texts = examples[::10]
    texts += [path.read_text(encoding="utf-8", errors="replace")
              for path in sorted(ORDINARY.iterdir())[::10] if path.suffix in (".eml", ".txt")]
    texts.append("\n\n".join(examples[1::50]))
    return texts


def test_the_pattern_index_never_hides_a_match() -> None:
    patterns = word_patterns(load_rules().rules)
    index = PatternIndex([(pattern,) for pattern in patterns])
    searched = matched = 0
    for text in sample_texts():
        tokens = tokenize(text)
        matcher = TextMatcher(tokens)
        runnable = dict(index.runnable(tokens.norms, tokens.sentence_starts))
        for number, pattern in enumerate(patterns):
            everywhere = matcher.find(pattern.seq)
            if number not in runnable:
                assert everywhere == [], (pattern.source, text)
                continue
            searched += 1
            matched += bool(everywhere)
            assert matcher.find(pattern.seq, within=runnable[number]) == everywhere, \
                (pattern.source, text)
    assert matched > 200 and searched > matched  # the examples do match, and not everywhere


def test_a_group_of_patterns_runs_where_all_of_its_patterns_can() -> None:
    groups = word_pattern_groups(load_rules().rules)
    assert any(len(group) > 1 for group in groups)  # the near patterns' parts
    index = PatternIndex(groups)
    alone = PatternIndex([(pattern,) for group in groups for pattern in group])
    for text in sample_texts():
        tokens = tokenize(text)
        together = dict(index.runnable(tokens.norms, tokens.sentence_starts))
        each = dict(alone.runnable(tokens.norms, tokens.sentence_starts))
        position = 0
        for number, group in enumerate(groups):
            parts = range(position, position + len(group))
            position += len(group)
            if any(part not in each for part in parts):
                assert number not in together
                continue
            spans = [set(each[part]) for part in parts if each[part] is not None]
            expected = sorted(set.intersection(*spans)) if spans else None
            if expected == []:
                assert number not in together  # no sentence where every part can run
            else:
                assert together[number] == expected


def test_a_sentence_that_holds_the_words_apart_is_not_searched() -> None:
    """Besides its words, a sentence must hold a pair of them side by side that every match
    holds (its pair need): "act now" runs where "act" stands before "now", not elsewhere."""
    pattern = builtin_vocabulary().compile("act now")
    index = PatternIndex([(pattern,)])
    for text, runs in (("Act now, please.", True), ("Acting now helps.", True),
                       ("Now act, please.", False), ("Act soon, now.", False),
                       ("We act. Now we wait.", False)):
        tokens = tokenize(text)
        assert (0 in dict(index.runnable(tokens.norms, tokens.sentence_starts))) == runs, text
