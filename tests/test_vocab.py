"""The words rules read (tokens) and the pattern language they are written in (vocab)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator
from textwrap import dedent

import pytest
import yaml

from honestreach.engine import Engine
from honestreach.engine.context import CUE_CLASSES, CueMemory, context_cues
from honestreach.locate import builtin_rules_dir
from honestreach.message import message_from_text
from honestreach.patternslots import Seq
from honestreach.rules import load_rules
from honestreach.tokens import tokenize
from honestreach.vocab import PatternError, Vocabulary, inflections
from honestreach.wordmatch import TextMatcher


def words(text: str) -> list[str]:
    return list(tokenize(text).norms)


def sentences(text: str) -> list[str]:
    tokens = tokenize(text)
    found = []
    for number, first in enumerate(tokens.sentence_starts):
        end = tokens.sentence_starts[number + 1] if number + 1 < len(tokens.sentence_starts) \
            else len(tokens)
        found.append(" ".join(tokens.norms[first:end]))
    return found


def matches(pattern: str, text: str, vocabulary: Vocabulary | None = None) -> list[str]:
    """The texts ``pattern`` matches in ``text``."""
    compiled = (vocabulary or Vocabulary()).compile(pattern)
    tokens = tokenize(text)
    found = []
    for first, end in TextMatcher(tokens).find(compiled.seq):
        start_char, end_char = tokens.char_span(first, end)
        found.append(text[start_char:end_char])
    return found


def engine_with(folder: Path) -> Engine:
    """An engine of the built-in rules and the rules and vocabularies of ``folder``."""
    ruleset = load_rules([folder])
    assert ruleset.errors == []
    return Engine(ruleset.rules, ruleset.vocabulary)


# --- tokens ---------------------------------------------------------------------------------

def test_contractions_are_written_out_whatever_the_apostrophe() -> None:
    assert words("Don’t worry, you're fine; I'll call.") == \
        ["do", "not", "worry", ",", "you", "are", "fine", ";", "i", "will", "call", "."]
    assert words("It can't wait and won't. Dont, cant, youre") == \
        ["it", "can", "not", "wait", "and", "will", "not", ".", "do", "not", ",", "can", "not",
         ",", "you", "are"]


def test_s_after_a_pronoun_is_is_or_has_and_after_a_noun_a_possessive() -> None:
    assert words("It's late, that’s fine, there's more, what's new, she's here") == \
        ["it", "is", "late", ",", "that", "is", "fine", ",", "there", "is", "more", ",", "what",
         "is", "new", ",", "she", "is", "here"]
    assert words("It's been a week and he’s got the deck") == \
        ["it", "has", "been", "a", "week", "and", "he", "has", "got", "the", "deck"]
    assert words("Let's talk about Rowan's deck; thats all") == \
        ["let", "us", "talk", "about", "rowan", "'s", "deck", ";", "that", "is", "all"]
    # A pattern's "it's" reads either way.
    assert matches("it's (been) quiet", "It's quiet. It's been quiet. It is quiet.") == \
        ["It's quiet", "It's been quiet", "It is quiet"]


def test_phone_shorthand_reads_as_the_words_it_stands_for() -> None:
    assert words("pls tell me if u got it, thx") == \
        ["please", "tell", "me", "if", "u", "got", "it", ",", "thanks"]
    assert matches("please reply", "Pls reply. Plz reply.") == ["Pls reply", "Plz reply"]


def test_styled_letters_read_as_the_plain_letters_they_show() -> None:
    text = "𝐅𝐈𝐍𝐀𝐋 𝐍𝐎𝐓𝐈𝐂𝐄: ＵＲＧＥＮＴ"
    tokens = tokenize(text)
    assert list(tokens.norms) == ["final", "notice", ":", "urgent"]
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends)] == \
        ["𝐅𝐈𝐍𝐀𝐋", "𝐍𝐎𝐓𝐈𝐂𝐄", ":", "ＵＲＧＥＮＴ"]


def test_a_plural_marked_in_brackets_reads_as_the_plural() -> None:
    assert words("Only 2 seat(s) left (see terms)") == \
        ["only", "2", "seats", "left", "(", "see", "terms", ")"]
    assert matches("seats left", "Only 2 seat(s) left") == ["seat(s) left"]


def test_each_token_keeps_its_span_in_the_text() -> None:
    text = "Don’t miss it"
    tokens = tokenize(text)
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends)] == ["Do", "n’t", "miss", "it"]


def test_hyphens_split_words_and_links_and_addresses_are_one_token() -> None:
    assert words("first-come offer at https://x.example/a?b=1 or ana@example.com") == \
        ["first", "come", "offer", "at", "<url>", "or", "<email>"]
    assert words("5pm, 6 p.m., $10k, 20%, 02:14:33") == \
        ["5", "pm", ",", "6", "pm", ",", "$", "10", "k", ",", "20", "%", ",", "02:14:33"]


def test_sentences_end_at_punctuation_blank_lines_short_lines_and_list_items() -> None:
    text = "Hi Dana,\nThanks for the notes. Are you free?\n\nSee e.g. the plan\n- item one\n- item two"
    assert sentences(text) == ["hi dana ,", "thanks for the notes .", "are you free ?",
                               "see e.g. the plan", "- item one", "- item two"]


def test_a_long_wrapped_line_does_not_end_a_sentence() -> None:
    text = ("We looked at the quarterly numbers together and the\n"
            "forecast still holds for the second half of the year.")
    assert len(sentences(text)) == 1


# --- the pattern language -------------------------------------------------------------------

def test_a_word_matches_its_inflections_and_an_equals_sign_only_itself() -> None:
    assert {"expire", "expires", "expired", "expiring"} <= inflections("expire")
    assert matches("expire", "It expired. It expires.") == ["expired", "expires"]
    assert matches("=expire", "It expired. Let it expire.") == ["expire"]
    assert inflections("a") == {"a"}  # function words stay as they are


def test_alternatives_options_classes_numbers_and_any_word() -> None:
    vocabulary = Vocabulary({"seat": ["seat", "spot", "place"], "left": ["left", "still open"]})
    pattern = "only|just # * {seat} (are|is) {left}"
    assert matches(pattern, "We have only 3 pilot seats left and just 2 beta spots are still "
                   "open.", vocabulary) == ["only 3 pilot seats left",
                                            "just 2 beta spots are still open"]


def test_a_gap_is_bounded_and_stays_in_its_clause_and_sentence() -> None:
    assert matches("saw ...3 open", "I saw that you opened it") == ["saw that you opened"]
    assert matches("saw ...2 open", "I saw that you quickly opened it") == []
    assert matches("saw ... open", "I saw the report; you opened it") == []
    assert matches("saw ... open", "I saw it. You opened it") == []


def test_a_gap_steps_over_one_short_aside_in_brackets_whole(monkeypatch) -> None:
    # "The trial price (was £20) ends today": the aside is not counted and not entered; a gap
    # never starts or stops inside one, nor crosses an open bracket, a long aside or two.
    from honestreach import tokenregex, wordmatch

    for filtered in (False, True):
        if filtered:  # the compiled expression finds the same (it only filters the walk)
            monkeypatch.setattr(wordmatch, "_filter",
                                lambda seq, starts: re.compile(tokenregex.token_regex(seq)))
        assert matches("price ...2 ends", "The trial price (was £20) ends today") == \
            ["price (was £20) ends"]
        assert matches("price ...2 ends", "The trial price (was £20 for members) just ends") == \
            ["price (was £20 for members) just ends"]
        assert matches("price ... ends", "The price (was £20) (or £18) ends today") == []
        assert matches("price ... ends", "The price (was £20 ends today") == []
        assert matches("price ... ends", "The price (as we said in the letter to every "
                       "member last spring) ends today") == []
        assert matches("was ... ends", "The price (was £20) ends today") == []
        assert matches("price ... was", "The price (was £20) ends today") == []


def test_a_caret_anchors_at_the_start_of_a_sentence() -> None:
    assert matches("^ last chance", "Last chance. It is our last chance.") == ["Last chance"]


def test_a_bang_rules_out_the_next_word_without_taking_it() -> None:
    assert matches("we met !with|our", "We met with them. We met our goals. We met in May.") == \
        ["We met"]
    people = Vocabulary({"pronoun": ["i", "we", "you"]})
    assert matches("!{pronoun} * mentioned you", "You mentioned you would. Dana mentioned you.",
                   people) == ["Dana mentioned you"]
    assert all("we" not in need for need in Vocabulary().compile("!we met").needs)
    with pytest.raises(PatternError, match="no word at all"):
        Vocabulary().compile("!we")


def test_a_possessive_or_contracted_ending_is_written_as_its_own_token() -> None:
    assert matches("at * 's suggestion", "At Leah's suggestion, and at Leah’s suggestion") == \
        ["At Leah's suggestion", "at Leah’s suggestion"]
    assert matches("you 'd mentioned", "You'd mentioned it. You had mentioned it.") == \
        ["You'd mentioned"]


def test_a_choice_is_one_slot_and_phrases_of_several_words_are_chosen_in_braces() -> None:
    text = "Glad you wrote back. Glad you got back. Glad you replied. Glad you replied back."
    # Without braces the choice is one word, and "back" follows whichever is chosen.
    assert matches("glad you reply|get back", text) == ["Glad you got back",
                                                        "Glad you replied back"]
    assert matches("glad you {reply|get back|write back}", text) == \
        ["Glad you wrote back", "Glad you got back", "Glad you replied", "Glad you replied"]
    notes = Vocabulary({"note": ["a line", "a quick note"]})
    assert matches("drop|send {{note}|an email (today)} back|along", "Send a quick note along. "
                   "Send an email today back. Drop a line back. Send a reply along.", notes) == \
        ["Send a quick note along", "Send an email today back", "Drop a line back"]


def test_classes_may_use_classes_but_not_themselves() -> None:
    vocabulary = Vocabulary({"day": ["today", "tonight"], "deadline": ["by {day}"]})
    assert matches("{deadline}", "Sign by tonight.", vocabulary) == ["by tonight"]
    looping = Vocabulary({"a": ["x {b}"], "b": ["y {a}"]})
    with pytest.raises(PatternError, match="refers to itself"):
        looping.compile("{a}")


@pytest.mark.parametrize(("pattern", "error"), [
    ("{nowhere}", "unknown vocabulary class"),
    ("(only", "unbalanced"),
    ("only)", "unbalanced"),
    ("(only)", "no word at all"),
    ("a || b", "empty alternative"),
    ("saw ...40 it", "at most"),
    ("glad you {reply|}", "empty phrase"),
    ("glad you {(reply)|get back}", "can match no word"),
    ("glad you {reply|get back", "malformed class reference"),
])
def test_a_broken_pattern_is_a_clear_error(pattern: str, error: str) -> None:
    with pytest.raises(PatternError, match=error):
        Vocabulary().compile(pattern)


def test_a_pattern_says_which_words_a_text_needs() -> None:
    needs = Vocabulary({"seat": ["seat", "spot"]}).compile("only (a few) {seat} left").needs
    assert any("only" in need for need in needs)
    assert any({"seat", "spots"} <= need for need in needs)
    assert not any("few" in need for need in needs)  # optional slots are not required


# --- vocabularies in rule folders -----------------------------------------------------------

RULE = dedent("""\
    name: Buzzword
    category: disrespect
    severity: warning
    message: "Buzzword: '{text}'."
    rationale: Buzzwords tell the reader nothing.
    suggestion: Say what the product does.
    patterns:
      - phrases: ["{buzzword}"]
    examples:
      bad: ["Let's unlock synergies.", "A paradigm shift for you."]
      good: ["Let's talk about your stock counts.", "We integrate with your ERP."]
    """)


def test_a_user_folder_brings_its_vocabulary_and_extends_built_in_classes(tmp_path: Path) -> None:
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "team.yaml").write_text(
        "buzzword: [synergy, paradigm shift]\nnegation-cue: [by no means]\n", encoding="utf-8")
    (tmp_path / "buzzword.yaml").write_text(RULE, encoding="utf-8")
    ruleset = load_rules([tmp_path])
    assert ruleset.errors == []
    assert "buzzword" in ruleset.ids
    assert "by no means" in ruleset.vocabulary.words("negation-cue")
    engine = Engine(ruleset.rules, ruleset.vocabulary)
    found = engine.check(message_from_text("Real synergies. By no means a synergy play."))
    assert [f.text for f in found.findings if f.rule == "buzzword"] == ["synergies"]


def test_stated_terms_in_the_sentence_or_the_next_excuse_a_rule_that_asks(tmp_path: Path) -> None:
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "team.yaml").write_text("terms-cue: [cooling-off period]\n",
                                                  encoding="utf-8")
    promise = RULE.replace("{buzzword}", "no risk").replace("buzzword", "no-risk")
    (tmp_path / "no-risk.yaml").write_text(promise, encoding="utf-8")
    (tmp_path / "no-risk-with-terms.yaml").write_text(
        promise.replace("patterns:", "context: {terms: skip}\npatterns:"), encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    assert ruleset.errors == []
    engine = Engine(ruleset.rules, ruleset.vocabulary)
    text = ("No risk at all. A 14-day cooling-off period applies.\n\n"
            "No risk, ever.\n\nThe weather was fine. A cooling-off period is usual.")
    found = engine.check(message_from_text(text)).findings
    assert len([f for f in found if f.rule == "no-risk"]) == 2
    # Only the promise whose next sentence states the terms is excused.
    assert [f.text for f in found if f.rule == "no-risk-with-terms"] == ["No risk"]
    assert [f.location.line for f in found if f.rule == "no-risk-with-terms"] == [3]


def test_a_chain_of_overlapping_matches_is_one_finding(tmp_path: Path) -> None:
    # "sent two emails" overlaps "two emails and still", which overlaps "still nothing back":
    # the first and the last do not touch, yet they are one run of the same phrasing.
    rule = RULE.replace('["{buzzword}"]',
                        '["sent two emails", "two emails and still", "still nothing back"]')
    (tmp_path / "chaser.yaml").write_text(rule.replace("Buzzword", "Chaser"), encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    engine = Engine(ruleset.rules, ruleset.vocabulary)
    found = engine.check(message_from_text("I sent two emails and still nothing back.")).findings
    assert [f.text for f in found if f.rule == "chaser"] == ["sent two emails"]
    found = engine.check(message_from_text("I sent two emails. Still nothing back.")).findings
    assert [f.text for f in found if f.rule == "chaser"] == ["sent two emails", "Still nothing back"]


def test_a_rule_that_defers_gives_way_where_the_other_rule_matched(tmp_path: Path) -> None:
    # One act, one finding: "went ahead and booked" after "no reply, so" is the silence rule's.
    def rule(name: str, phrase: str, extra: str = "") -> str:
        return RULE.replace('["{buzzword}"]', f'["{phrase}"]').replace(
            "Buzzword", name).replace("patterns:", extra + "patterns:")

    (tmp_path / "silence.yaml").write_text(rule("Silence", "so i went ahead"),
                                           encoding="utf-8")
    (tmp_path / "went-ahead.yaml").write_text(
        rule("Went ahead", "went ahead and booked", "defers-to: [silence]\n"), encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    assert ruleset.errors == []
    engine = Engine(ruleset.rules, ruleset.vocabulary)
    text = "No reply, so I went ahead and booked it.\n\nI went ahead and booked the van."
    found = [(f.rule, f.location.line) for f in engine.check(message_from_text(text)).findings]
    # The overlapping match gives way; the one in a sentence of its own stays.
    assert sorted(found) == [("silence", 1), ("went-ahead", 3)]
    # Two rules that defer to each other both stay: neither is the more precise.
    (tmp_path / "silence.yaml").write_text(
        rule("Silence", "so i went ahead", "defers-to: [went-ahead]\n"),
        encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    engine = Engine(ruleset.rules, ruleset.vocabulary)
    found = [(f.rule, f.location.line) for f in engine.check(message_from_text(text)).findings]
    assert sorted(found) == [("silence", 1), ("went-ahead", 1), ("went-ahead", 3)]


def test_a_rule_may_defer_to_a_category_of_claims(tmp_path: Path) -> None:
    # "Saw your second shop opened, congrats" is news of the reader's company for the CRM to
    # confirm: a rule that defers to the claim category gives way where such a claim was found.
    watched = RULE.replace('["{buzzword}"]', '["saw your second shop"]').replace(
        "Buzzword", "Watched").replace("patterns:", "defers-to: [claim.company_event]\npatterns:")
    (tmp_path / "watched.yaml").write_text(watched, encoding="utf-8")
    ruleset = load_rules([tmp_path])
    assert ruleset.errors == []
    engine = Engine([r for r in ruleset.rules if r.id in ("watched", "company-event-news")],
                    ruleset.vocabulary)
    text = message_from_text("Saw your second shop opened on Elm Street, congrats!")
    alone = Engine([r for r in ruleset.rules if r.id == "watched"], ruleset.vocabulary)
    assert [f.rule for f in alone.check(text).findings] == ["watched"]
    result = engine.check(text)
    assert [f.rule for f in result.findings] == []
    assert [c.category for c in result.claims] == ["claim.company_event"]
    (tmp_path / "watched.yaml").write_text(
        watched.replace("claim.company_event", "claim.company_events"), encoding="utf-8")
    assert [e.field for e in load_rules([tmp_path]).errors] == ["defers-to.0"]


def test_leeway_in_the_sentence_or_the_next_excuses_a_rule_that_asks(tmp_path: Path) -> None:
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "team.yaml").write_text("leeway-cue: [no deadline from us]\n",
                                                  encoding="utf-8")
    quick = RULE.replace("{buzzword}", "decide within a day").replace("buzzword", "quick")
    (tmp_path / "quick.yaml").write_text(
        quick.replace("patterns:", "context: {leeway: skip}\npatterns:"), encoding="utf-8")
    engine = engine_with(tmp_path)
    text = ("Most buyers decide within a day. Take your time, though.\n\n"
            "Our clients decide within a day. There is no deadline from us.\n\n"
            "Others decide within a day.")
    found = [f for f in engine.check(message_from_text(text)).findings if f.rule == "quick"]
    # The built-in cue ("take your time") and the team's own both excuse; the bare claim stays.
    assert [f.location.line for f in found] == [5]


def test_the_reader_s_wish_is_leeway_unless_the_rule_keeps_it(tmp_path: Path) -> None:
    # "If you'd like a copy, reply" leaves the step to the reader, and a rule that skips on
    # leeway skips it too; beside a deadline the wish is the offer's condition, and a rule that
    # says `wish: keep` still reports the deadline. Time given ("no rush") excuses both.
    hold = RULE.replace("{buzzword}", "held until noon").replace("buzzword", "hold")
    (tmp_path / "lenient.yaml").write_text(
        hold.replace("Hold", "Lenient").replace("patterns:", "context: {leeway: skip}\npatterns:"),
        encoding="utf-8")
    (tmp_path / "strict.yaml").write_text(
        hold.replace("Hold", "Strict").replace(
            "patterns:", "context: {leeway: skip, wish: keep}\npatterns:"), encoding="utf-8")
    engine = engine_with(tmp_path)
    text = ("The print is held until noon, should you wish to order it.\n\n"
            "The print is held until noon. No rush, though.\n\n"
            "The print is held until noon.")
    found = [(f.rule, f.location.line) for f in engine.check(message_from_text(text)).findings
             if f.rule in {"lenient", "strict"}]
    assert sorted(found) == [("lenient", 5), ("strict", 1), ("strict", 5)]


def test_a_denial_before_a_match_excuses_a_rule_that_asks(tmp_path: Path) -> None:
    rush = RULE.replace("{buzzword}", "now or never").replace("buzzword", "rush")
    (tmp_path / "rush.yaml").write_text(rush, encoding="utf-8")
    (tmp_path / "calm.yaml").write_text(
        rush.replace("Rush", "Calm").replace("patterns:", "context: {denial: skip}\npatterns:"),
        encoding="utf-8")
    engine = engine_with(tmp_path)
    text = ("I won't pretend it is now or never for you.\n\n"
            "I won't say it twice: now or never.\n\n"
            "It is now or never.")
    found = [(f.rule, f.location.line) for f in engine.check(message_from_text(text)).findings
             if f.rule in {"rush", "calm"}]
    # Disowned, the words are not said; "I won't say it twice" still says them. A rule that
    # does not ask (the default) keeps every match.
    assert sorted(found) == [("calm", 3), ("calm", 5), ("rush", 1), ("rush", 3), ("rush", 5)]


def test_a_cue_answer_remembered_across_messages_is_the_answer_a_search_gives() -> None:
    # The same words with the sentences split otherwise (by a mark or a blank line), a span
    # ending elsewhere, or a word after the span that a cue rules out ("I won't tell you
    # again" is no denial): one memory shared by all must never hand one text's answer to
    # another.
    cues = context_cues(load_rules().vocabulary)
    texts = ["I won't tell you again. Last chance.", "I won't tell you. Again, last chance.",
             "I won't tell you again, last chance.", "I won't pretend it is the last chance.",
             "Take your time. No rush.", "Take your time, no rush.", "Take your. Time no rush.",
             "The room holds 40 and 3 seats are left.", "The room. Holds 40 and 3 seats are left.",
             "We are not the cheapest. Not at all.", "Because the funder sets the date.",
             # A blank line ends a sentence with no word to show for it.
             "I won't tell you\n\nagain, last chance.", "Take your\n\ntime, no rush.",
             "Take your time\n\nno rush."]
    memory = CueMemory()
    asked = agreed = 0
    for text in texts * 2:
        tokens = tokenize(text)
        matcher = TextMatcher(tokens)
        for cue, seq in cues.items():
            for first in range(len(tokens)):
                for end in range(first + 1, len(tokens) + 1):
                    expected = TextMatcher(tokens).occurs(seq, first, end)
                    assert memory.occurs(cue, seq, matcher, tokens, first, end) == expected, \
                        (cue, text, first, end)
                    asked += 1
                    agreed += expected
    assert agreed > 100 and asked > 10 * agreed  # the cues were found, and not everywhere


def test_vocabulary_and_pattern_errors_name_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "bad.yaml").write_text("Not A Name: [x]\n", encoding="utf-8")
    (tmp_path / "buzzword.yaml").write_text(RULE.replace("{buzzword}", "{buzzwords}"),
                                            encoding="utf-8")
    errors = [str(e) for e in load_rules([tmp_path]).errors]
    assert any("bad.yaml:1" in e and "class name" in e for e in errors)
    assert any("buzzword.yaml:8" in e and "unknown vocabulary class {buzzwords}" in e
               for e in errors)


def test_a_bare_no_in_a_vocabulary_is_the_word_not_a_boolean(tmp_path: Path) -> None:
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "answers.yaml").write_text("answer: [no, off, yes]\n", encoding="utf-8")
    assert load_rules([tmp_path]).vocabulary.words("answer") == ["no", "off", "yes"]


def test_an_ending_kept_as_a_token_can_be_named() -> None:
    assert matches("* 's|is all", "Mo's all. That's all. That is all.") == \
        ["Mo's all", "That's all", "That is all"]


@pytest.mark.parametrize(("text", "found"), [
    ("Sale ends in 03:41:07", True), ("ends in 9:05", True), ("ENDS IN 12:00:00:59", True),
    ("ends in 2031", False), ("ends in 3 days", False), ("ends in 4.5 weeks", False),
    ("ends in 7 : 15", False),
])
def test_a_clock_slot_matches_a_time_or_a_timer_and_no_other_number(text: str,
                                                                    found: bool) -> None:
    assert bool(matches("end in #:#", text)) is found


def test_the_compiled_expression_matches_exactly_where_the_walk_does(monkeypatch) -> None:
    """Patterns that run often are filtered by a regular expression before they are walked:
    over every rule's examples, the findings are the same with and without it."""
    import re as regex_module

    from honestreach import wordmatch
    from honestreach.rules import NearPattern, ThenPattern, WordPattern

    ruleset = load_rules()
    seqs = [part.compiled.seq for rule in ruleset.rules for pattern in rule.patterns
            for part in (pattern.parts if isinstance(pattern, (NearPattern, ThenPattern)) else
                         (pattern,) if isinstance(pattern, WordPattern) else ())]
    texts = [text for rule in ruleset.rules
             for example in rule.bad_examples + rule.good_examples
             for text in (example.subject, example.body) if text]
    compiled = {seq: regex_module.compile(wordmatch.token_regex(seq)) for seq in seqs}
    tokenized = [tokenize(text) for text in texts]
    holding: dict[str, set[int]] = {}  # a word: the texts that hold it
    for number, tokens in enumerate(tokenized):
        for norm in tokens.norms:
            holding.setdefault(norm, set()).add(number)

    def texts_holding(words: frozenset[str]) -> set[int]:
        return set().union(*(holding.get(word, ()) for word in words))

    def candidates(seq: Seq) -> set[int]:
        # A pattern matches only where the text holds a word it can begin with and a word of
        # each set it requires: elsewhere both ways find nothing, and need not be tried
        # (trying every pattern on every example took gigabytes and minutes).
        found = set(range(len(texts))) if seq.firsts is None or seq.starts_with_number \
            else texts_holding(seq.firsts)
        for words in seq.required:
            found &= texts_holding(words)
        return found

    runs = sorted((text, number) for number, seq in enumerate(seqs) for text in candidates(seq))

    def spans(filtered: bool) -> list[tuple[int, int, list[tuple[int, int]]]]:
        monkeypatch.setattr(wordmatch, "_filter", lambda seq, starts: compiled[seq] if filtered else None)
        found = []
        matcher = None
        for text, number in runs:
            if matcher is None or matcher.tokens is not tokenized[text]:
                matcher = TextMatcher(tokenized[text])
            found.append((text, number, matcher.find(seqs[number])))
        return found

    filtered = spans(filtered=True)
    assert sum(1 for *_, found in filtered if found) > 1000  # the examples do match
    assert filtered == spans(filtered=False)


def test_a_long_word_slot_is_loose_in_the_expression_but_exact_where_it_rules_out(
        monkeypatch) -> None:
    """The expression of a slot of many words names only their first letters (it lets more
    starts through, and the walk decides), but a slot that rules the next word out is written
    exactly: standing for more, it would rule out matches."""
    import re as regex_module

    from honestreach import tokenregex, wordmatch

    vocabulary = Vocabulary({"many": [f"w{letter}{letter}" for letter in "abcdefghijklmnopqrst"]})
    assert "[^ ]*" in tokenregex.token_regex(vocabulary.compile("met {many}").seq)
    monkeypatch.setattr(wordmatch, "_filter",
                        lambda seq, starts: regex_module.compile(tokenregex.token_regex(seq)))
    assert matches("met {many}", "we met waa", vocabulary) == ["met waa"]
    assert matches("met {many}", "we met wzz", vocabulary) == []
    assert matches("met !{many}", "we met wzz", vocabulary) == ["met"]
    assert matches("met !{many}", "we met waa", vocabulary) == []


def test_a_class_that_doubles_at_every_level_is_refused_quickly() -> None:
    """Forty classes, each naming the one before twice, spell out 2**40 words: refused at
    compile time, in linear time and memory, instead of exhausting the machine."""
    classes = {"c0": ["deal", "offer"]}
    for level in range(1, 41):
        classes[f"c{level}"] = [f"{{c{level - 1}}} {{c{level - 1}}}"]
    vocabulary = Vocabulary(classes)
    with pytest.raises(PatternError, match="spells out more than 50,000 words"):
        vocabulary.compile("only {c40} left")
    assert vocabulary.compile("only {c3} left").needs  # a few levels are fine


def test_each_built_in_class_is_defined_in_one_place() -> None:
    # A user's folder may add to a built-in class; the built-in files themselves define each
    # class once, so that two authors never merge two meanings under one name unawares. The
    # context cues are the exception: each category's file adds its own reasons.
    places: dict[str, list[str]] = {}
    for path in sorted((builtin_rules_dir() / "vocab").glob("*.yaml")):
        for key, _ in yaml.compose(path.read_text(encoding="utf-8")).value:
            places.setdefault(key.value, []).append(f"{path.name}:{key.start_mark.line + 1}")
    repeated = {name: where for name, where in places.items()
                if len(where) > 1 and name not in CUE_CLASSES.values()}
    assert repeated == {}


def _pattern_strings(node: object) -> Iterator[str]:
    """Every string under ``node``, leaving out regular expressions."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "regex":
                yield from _pattern_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _pattern_strings(value)
    elif isinstance(node, str):
        yield node


def test_built_in_optional_phrases_are_braced() -> None:
    # "(so|such a)" is the choice "so|such" followed by "a" ("so a" or "such a"), which no
    # author meant: optional phrases are written "({so|such a})". Authors of four rule
    # families slipped on it, each time silently narrowing a pattern.
    unbraced = re.compile(r"\((?![{!?])([^(){}]*)\)")
    slips = []
    for path in sorted(builtin_rules_dir().rglob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.parent.name != "vocab":
            document = {key: document.get(key) for key in ("patterns", "unless")}
        for text in _pattern_strings(document):
            for group in unbraced.finditer(text):
                words = group.group(1).split()
                if len(words) > 1 and "|" in words[0]:
                    slips.append(f"{path.name}: {group.group(0)}")
    assert slips == []


def test_built_in_sequence_choices_are_braced() -> None:
    # Each element of a `sequence:` is one slot, so "part of|one of|enter" there is the choice
    # "part" followed by the choice "of|one" and so on, which no author meant: a choice of
    # phrases is written "{part of|one of|enter}". Four rules had slipped on it, each matching
    # less than it said.
    def outside_groups(element: str) -> str:
        while True:
            flattened = re.sub(r"\{[^{}]*\}|\([^()]*\)", " GROUP ", element)
            if flattened == element:
                return element
            element = flattened

    slips = []
    for path in sorted(builtin_rules_dir().rglob("*.yaml")):
        if path.parent.name == "vocab":
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for pattern in document.get("patterns") or []:
            sequence = pattern.get("sequence") if isinstance(pattern, dict) else None
            for element in sequence or []:
                words = outside_groups(element).split()
                for choice, following in zip(words, words[1:]):
                    if "|" in choice and not choice.startswith("!") \
                            and following != "GROUP" and following[0] not in "!*.":
                        slips.append(f"{path.name}: {element}")
    assert slips == []


def test_built_in_rules_write_the_clitics_as_tokens() -> None:
    # "=s" and "=d" match the letters s and d, as a timer's "10s" or "2d" writes them; the
    # clitics of "demand's been" and "I'd hate to" are the tokens "'s" and "'d". Over a hundred
    # alternatives beside "is", "has" or "would" had used the letters and matched nothing.
    text_of = {path: path.read_text(encoding="utf-8")
               for path in sorted(builtin_rules_dir().rglob("*.yaml"))}
    auxiliaries = {"is", "are", "was", "has", "have", "had", "would", "could", "will", "'s", "'d"}
    slips = []
    for path, text in text_of.items():
        for group in re.finditer(r"[({][^(){}]*[)}]|\[[^\[\]]*\]", text):
            choices = {choice.strip(" \"'") for choice in re.split(r"[|,\n]", group.group(0)[1:-1])}
            if choices & {"=s", "=d"} and choices & auxiliaries:
                slips.append(f"{path.name}: {group.group(0)[:80]}")
    assert slips == []


def test_equal_word_slots_and_sets_are_made_once() -> None:
    """Patterns that name the same words share one slot and one set (the rule cache then
    stores one object where there were thousands), and still match as before."""
    vocabulary = Vocabulary({"ask": ["call me", "write to me"]})
    one = vocabulary.compile("please {ask} today")
    other = vocabulary.compile("please call me")
    assert one.seq.slots[0] is other.seq.slots[0]
    assert one.seq.firsts is other.seq.firsts
    assert matches("please {ask} today", "So please write to me today.", vocabulary) == \
        ["please write to me today"]
