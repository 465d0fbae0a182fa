"""The sentence model: its shipped weights are the ones its training sentences give, and its
matches go through the engine like any other rule's (context, deference to phrase rules)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from honestreach.engine import Engine
from honestreach.message import message_from_text
from honestreach.mime import parse_eml
from honestreach.rules import load_rules
from honestreach.sentencemodel import MODEL_PATH, CategoryWeights, ModelError, \
    SentenceModel, TrainingSet, load_model, read_training, sentence_features, train
from honestreach.tokens import tokenize

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "training" / "sentences"

# A rule of the test's own, at the threshold the built-in model rules use.
MODEL_RULE = """\
name: Reads as scarcity
category: scarcity
severity: warning
message: "Model ({score}; {cues}): '{text}'."
rationale: Test.
suggestion: Test.
defers-to: [scarcity]
patterns:
  - model: {score_above: 3.0}
examples:
  bad: ["Nearly every table for the gala has sold, so there is limited choice left.",
        "Demand has been huge and only a few spots are left."]
  good: ["Our office will be closed on Monday for the bank holiday.",
         "The report is attached."]
"""
PHRASE_RULE = """\
name: Sold out soon
category: scarcity
severity: warning
message: "Phrase: '{text}'."
rationale: Test.
suggestion: Test.
patterns:
  - phrases: ["nearly every table"]
examples:
  bad: ["Nearly every table has gone.", "Nearly every table is booked."]
  good: ["Every table has a lamp.", "The tables are round."]
"""


def features(text: str) -> frozenset[str]:
    return sentence_features(tokenize(text).norms)


def test_the_shipped_weights_are_what_the_training_sentences_give() -> None:
    """Retrained from training/sentences, the model file comes out byte for byte the same: the
    weights in the package are the ones its sentences give, and training is repeatable."""
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "train_sentence_model.py"),
                           "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    recorded = json.loads(MODEL_PATH.read_text(encoding="utf-8"))["trained_on"]
    assert sorted(recorded) == sorted(path.name for path in TRAINING.glob("*.yaml"))


def test_the_training_sentences_cover_every_tactic_category_claim_kind_and_ordinary_mail(
) -> None:
    from honestreach.claims import KINDS

    training, _ = read_training(TRAINING)
    manipulation = {"pressure", "disrespect", "urgency", "scarcity", "deception", "surveillance"}
    assert set(training.tactics) == manipulation | set(KINDS)
    assert all(len(training.tactics[name]) >= 200 for name in manipulation)
    assert all(len(training.tactics[name]) >= 150 for name in KINDS)
    assert len(training.others) >= 1000
    assert len(training.claimless) >= 500


def test_claim_sentences_leave_the_manipulation_weights_as_they_were() -> None:
    """A claim kind learns against everything else; a tactic category never sees the claim
    sentences, so adding them cannot move a tactic's weights (nor the alarms on real mail)."""
    tactics = {"urgency": ["ends tonight at midnight", "last day today, hurry",
                           "offer ends tonight", "hurry, it ends today"]}
    others = ["the report is attached", "see you at lunch", "thanks for the notes",
              "the meeting moved to room 4"]
    alone = train(TrainingSet(tactics, others))
    both = train(TrainingSet(
        {**tactics, "claim.meeting": ["great meeting you at the fair", "lovely to meet you today",
                                      "good to see you at lunch", "we met at the fair"]},
        others, claimless=["we will be at the fair", "meet our team at stand 4"]))
    assert both["urgency"] == alone["urgency"]
    meeting = SentenceModel({"claim.meeting": both["claim.meeting"]}, length_norm=20)
    assert meeting.score("claim.meeting", features("So good meeting you at the fair")) > \
        meeting.score("claim.meeting", features("Meet our team at the fair"))


def test_a_file_s_tactic_sentences_teach_only_the_categories_it_was_written_for(
        tmp_path: Path) -> None:
    """A file written for urgency alone says nothing of pressure: adding it moves urgency's
    weights and leaves pressure's as they were; the same sentences in a file written for both
    are pressure's counter-examples too."""
    (tmp_path / "both-1.yaml").write_text(yaml.safe_dump({
        "urgency": {"tactic": ["offer ends tonight at midnight", "last day today, hurry"],
                    "honest": ["the form closes on 3 May because the hall needs numbers"]},
        "pressure": {"tactic": ["you will regret ignoring me", "a good manager would reply"],
                     "honest": ["no pressure at all, reply when it suits you"]},
        "ordinary": ["the report is attached", "see you at lunch"]}), encoding="utf-8")
    before = train(read_training(tmp_path)[0])
    focus = {"urgency": {"tactic": ["reply today or you will regret missing the price",
                                    "decide by noon, a good manager would"]}}
    (tmp_path / "focus-1.yaml").write_text(yaml.safe_dump(focus), encoding="utf-8")
    training, _ = read_training(tmp_path)
    assert training.written_for["urgency"][-1] == frozenset({"urgency"})
    after = train(training)
    assert after["pressure"] == before["pressure"]
    assert after["urgency"] != before["urgency"]
    (tmp_path / "focus-1.yaml").write_text(
        yaml.safe_dump({**focus, "pressure": {"tactic": []}}), encoding="utf-8")
    assert train(read_training(tmp_path)[0])["pressure"] != before["pressure"]


def test_a_file_s_honest_sentences_teach_only_the_categories_it_was_written_for(
        tmp_path: Path) -> None:
    """An honest near-miss of urgency ("the form closes on Friday because the printer needs
    the list") is urgency's counter-example alone; ordinary mail is every category's."""
    (tmp_path / "both-1.yaml").write_text(yaml.safe_dump({
        "urgency": {"tactic": ["offer ends tonight at midnight", "last day today, hurry"]},
        "pressure": {"tactic": ["you will regret ignoring me", "a good manager would reply"]},
        "ordinary": ["the report is attached", "see you at lunch"]}), encoding="utf-8")
    before = train(read_training(tmp_path)[0])
    honest = ["the form closes on Friday because the printer needs the list",
              "reply when it suits you, the hall is booked until June"]
    (tmp_path / "focus-1.yaml").write_text(yaml.safe_dump(
        {"urgency": {"tactic": [], "honest": honest}}), encoding="utf-8")
    training, _ = read_training(tmp_path)
    assert training.others_written_for[-1] == frozenset({"urgency"})
    after = train(training)
    assert after["pressure"] == before["pressure"]
    assert after["urgency"] != before["urgency"]
    (tmp_path / "focus-1.yaml").write_text(yaml.safe_dump({"ordinary": honest}),
                                           encoding="utf-8")
    assert train(read_training(tmp_path)[0])["pressure"] != before["pressure"]


def test_features_are_stemmed_words_and_neighbouring_pairs() -> None:
    found = features("Only 3 seats left, book today!")
    assert {"only", "#", "seat", "left", "book", "today", "!"} <= found
    assert {"only #", "# seat", "seat left", "left book", "today !"} <= found
    assert "," not in found and "seats" not in found


def test_a_long_sentence_needs_stronger_words_not_more_of_them() -> None:
    model = SentenceModel({"urgency": CategoryWeights(0.0, {"word": 1.0})}, length_norm=4)
    short = frozenset({"word", "a", "b"})
    long = frozenset({"word", *(f"w{number}" for number in range(15))})
    assert model.score("urgency", short) == 1.0
    assert model.score("urgency", long) == pytest.approx(1.0 * (4 / 16) ** 0.5)


def test_training_learns_a_category_s_words_from_a_small_set() -> None:
    training = TrainingSet(
        tactics={"urgency": ["ends tonight at midnight", "last day today, hurry",
                             "offer ends tonight", "hurry, it ends today"]},
        others=["the report is attached", "see you at lunch", "thanks for the notes",
                "the meeting moved to room 4"])
    weights = train(training)["urgency"]
    model = SentenceModel({"urgency": weights}, length_norm=20)
    assert model.score("urgency", features("It ends tonight, hurry")) > 0
    assert model.score("urgency", features("The notes are attached")) < 0
    assert "tonight" in model.strongest("urgency", features("It ends tonight"))


def test_a_model_file_of_another_feature_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"features_version": 0, "length_norm": 20, "categories": {}}),
                    encoding="utf-8")
    with pytest.raises(ModelError, match="train it again"):
        load_model(path)
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "missing.json")


def _engine(tmp_path: Path, *rules: str):
    for number, text in enumerate(rules):
        (tmp_path / f"rule-{number}.yaml").write_text(text, encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    assert ruleset.errors == []
    return Engine(ruleset.rules, ruleset.vocabulary)


def test_a_model_match_is_a_finding_with_its_score_and_words(tmp_path: Path) -> None:
    engine = _engine(tmp_path, MODEL_RULE)
    text = ("Hi Sam,\n\nNearly every table for the gala has sold, so there is limited choice "
            "left.\n\nOur office will be closed on Monday for the bank holiday.")
    (finding,) = engine.check(message_from_text(text)).findings
    assert finding.rule == "rule-0" and finding.location.line == 3
    assert finding.text.startswith("Nearly every table") and finding.text.endswith("left.")
    assert finding.message.startswith("Model (") and "'" in finding.message


def test_a_phrase_rule_of_the_category_reports_the_sentence_instead(tmp_path: Path) -> None:
    engine = _engine(tmp_path, MODEL_RULE, PHRASE_RULE)
    text = "Nearly every table for the gala has sold, so there is limited choice left."
    found = [f.rule for f in engine.check(message_from_text(text)).findings]
    assert found == ["rule-1"]


def test_a_model_match_goes_through_the_rule_s_context(tmp_path: Path) -> None:
    # Quoted text from an earlier message is never the sender's words.
    engine = _engine(tmp_path, MODEL_RULE)
    text = ("Thanks, that's useful.\n\n> Nearly every table for the gala has sold, so there is "
            "limited choice left.")
    assert engine.check(message_from_text(text)).findings == []


def test_each_category_is_scored_with_its_own_weights_and_bias() -> None:
    model = SentenceModel({"urgency": CategoryWeights(-1.0, {"today": 2.0, "end": 0.5}),
                           "scarcity": CategoryWeights(-2.0, {"left": 3.0, "today": -1.0})},
                          length_norm=20)
    assert model.order == ("urgency", "scarcity")
    assert model.scores(features("It ends today")) == (1.5, -3.0)
    assert model.scores(features("Two left")) == (-1.0, 1.0)
    assert model.score("scarcity", features("Two left")) == 1.0


def test_the_shipped_model_scores_every_category_as_its_own_weights_add_up() -> None:
    # The scores come from one sum of integers (each feature's weights packed side by side):
    # they must be each category's bias plus its weights, negative ones too, in every field.
    model = load_model()
    sentences = ["Only two seats are left at this price, so book today!",
                 "Great meeting you at the trade show last week.",
                 "I noticed you opened my email three times yesterday.",
                 "The report you asked for is attached.",
                 " ".join(["Honestly this is the last chance to lock in the rate"] * 6)]
    for text in sentences:
        found = features(text)
        scale = min(1.0, (model.length_norm / len(found)) ** 0.5)
        expected = [model.categories[name].bias + scale * math.fsum(
            model.categories[name].weights.get(feature, 0.0) for feature in found)
            for name in model.order]
        assert model.scores(found) == pytest.approx(expected, abs=1e-9)
    assert len(model.order) == len(model.categories) > 8  # tactics and claim kinds


def test_a_model_rule_of_a_category_the_model_lacks_is_a_rule_error(tmp_path: Path) -> None:
    rule = MODEL_RULE.replace("category: scarcity", "category: merge_field")
    (tmp_path / "merge-model.yaml").write_text(rule, encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    engine = Engine(ruleset.rules, ruleset.vocabulary)
    assert engine.check(message_from_text("We met at the fair last week.")).findings == []
    (error,) = engine.errors
    assert "has no category 'merge_field'" in error.message
    assert error.path.endswith("merge-model.yaml")


def test_a_lower_threshold_with_words_matches_only_sentences_that_hold_them(
        tmp_path: Path) -> None:
    # "with:" lowers the bar for sentences that speak to the reader; the same words about
    # someone else still need the rule's higher score, and a sentence both patterns match is
    # reported once.
    to_reader = "Demand has been huge, and only a few spots are left for your team."
    to_others = "Demand has been huge, and only a few spots are left for their team."
    model = load_model()
    low = min(model.score("scarcity", features(to_reader)),
              model.score("scarcity", features(to_others))) - 0.5
    high = max(model.score("scarcity", features(to_reader)),
               model.score("scarcity", features(to_others))) + 0.5
    rule = MODEL_RULE.replace(
        "  - model: {score_above: 3.0}",
        f"  - model: {{score_above: {high:.2f}}}\n"
        f"  - model: {{score_above: {low:.2f}, with: \"your|you\"}}\n"
        f"  - model: {{score_above: {low - 1:.2f}, with: \"your|you\"}}")
    engine = _engine(tmp_path, rule)
    found = engine.check(message_from_text(f"{to_reader}\n\n{to_others}")).findings
    assert [f.text for f in found] == [to_reader]


def test_with_words_that_do_not_compile_are_a_rule_error(tmp_path: Path) -> None:
    rule = MODEL_RULE.replace("  - model: {score_above: 3.0}",
                              "  - model: {score_above: 3.0, with: \"{no-such-class}\"}")
    (tmp_path / "with-model.yaml").write_text(rule, encoding="utf-8")
    ruleset = load_rules([tmp_path], include_builtin=False)
    (error,) = ruleset.errors
    assert error.path.endswith("with-model.yaml") and error.field == "patterns.0.model.with"


SHARP_RULE = """\
name: Sharp remark
category: disrespect
severity: warning
message: "Sharp: '{text}'."
rationale: Test.
suggestion: Test.
context: {discussion: skip}
patterns:
  - phrases: ["if you had bothered to read"]
examples:
  bad: ["You would know if you had bothered to read it.",
        "It works if you had bothered to read the notes."]
  good: ["The notes are attached.", "Did you read the notes?"]
"""


def _mail(*headers: str) -> bytes:
    lines = ["From: Kim <kim@example.org>", "To: dev@lists.example.org",
             "Subject: Re: build fails on ARM", *headers,
             "Content-Type: text/plain; charset=utf-8", "",
             "You would know this if you had bothered to read the changelog."]
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize("headers, reported", [
    ((), True),
    # a newsletter's unsubscribe header: a sender writing to its readers
    (("List-Unsubscribe: <mailto:leave@example.org>",), True),
    (("List-Post: <mailto:dev@lists.example.org>",), False),
    (("Mailing-List: list dev@lists.example.org",), False),
])
def test_discussion_skip_leaves_out_posts_to_a_discussion_list(
        tmp_path: Path, headers: tuple[str, ...], reported: bool) -> None:
    engine = _engine(tmp_path, SHARP_RULE)
    message = parse_eml(str(tmp_path / "post.eml"), _mail(*headers))
    assert bool(engine.check(message).findings) is reported
