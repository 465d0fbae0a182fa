"""The mass-check: labelled collections read from real files, hits counted as the bank's
README scores them, and the command's tables."""

from __future__ import annotations

import re
import shutil

from pathlib import Path

import pytest

from honestreach.masscheck import Item, Tally, read_collection
from honestreach.model import FileResult, Finding, Location

FIXTURES = Path(__file__).parent / "fixtures" / "masscheck"


def finding(category: str, severity: str = "warning", rule: str = "some-rule") -> Finding:
    return Finding(rule, category, severity, "message", Location(1, 1, 1, 2))  # type: ignore[arg-type]


def test_readers_take_a_bank_a_mail_folder_and_jsonl() -> None:
    bank = read_collection(FIXTURES / "bank")
    assert len(bank) == 5
    assert sum(item.is_negative for item in bank) == 2
    subject_only = next(item for item in bank if item.subject)
    assert subject_only.body == "" and subject_only.expect == {"urgency"}
    ham = read_collection(FIXTURES / "ham")
    assert [Path(item.id).name for item in ham] == ["colleague.eml"]
    assert ham[0].raw is not None and ham[0].is_negative
    spam = read_collection(FIXTURES / "spam", mail_labelling="none")
    assert spam[0].labelling == "none" and not spam[0].is_negative
    rows = read_collection(FIXTURES / "items.jsonl")
    assert [(r.id, r.labelling, r.is_negative) for r in rows] == [
        ("u1", "full", False), ("n1", "full", True), ("p1", "partial", False)]


def test_a_yaml_file_of_sentences_gives_tactic_positives_and_honest_negatives() -> None:
    items = read_collection(FIXTURES / "sentences.yaml")
    assert [(item.id, sorted(item.expect), item.near) for item in items] == [
        ("sentences:urgency:tactic:1", ["urgency"], None),
        ("sentences:urgency:tactic:2", ["urgency"], None),
        ("sentences:urgency:honest:1", [], "urgency"),
        ("sentences:scarcity:tactic:1", ["scarcity"], None),
        ("sentences:scarcity:honest:1", [], "scarcity"),
        ("sentences:ordinary:1", [], None)]
    assert all(item.body and item.subject is None for item in items)


def test_a_sentence_written_as_a_subject_line_is_checked_as_one(tmp_path, honestreach) -> None:
    path = tmp_path / "subjects.yaml"
    path.write_text(
        "claim.thread:\n"
        "  tactic:\n"
        "    - 'Subject: Re: your order -- Hi, I run a print shop and wanted to introduce us.'\n"
        "  honest:\n"
        "    - 'Subject: Menu for the team lunch'\n"
        "    - 'Our subject this month is spring planting.'\n", encoding="utf-8")
    first, second, third = read_collection(path)
    assert (first.subject, first.body) == (
        "Re: your order", "Hi, I run a print shop and wanted to introduce us.")
    assert (second.subject, second.body) == ("Menu for the team lunch", "")
    assert (third.subject, third.body) == (None, "Our subject this month is spring planting.")
    # The half stays the one the written line gives, as it was before the line was split.
    assert first.half == Item(id="x", body="Subject: Re: your order -- Hi, I run a print shop "
                                           "and wanted to introduce us.").half
    result = honestreach("mass-check", str(path))
    # "Re:" on a first e-mail is found in the subject line, where it was written.
    assert re.search(r"claim\.thread\s+1\s+1\s+1\.00", result.stdout), result.stdout


@pytest.mark.parametrize("text, problem", [
    ("urgency: [unclosed\n", "not a YAML file of sentences"),
    ("- just a list\n", "expected a mapping of categories"),
    ("urgency: a sentence\n", "urgency: expected tactic: and honest: lists"),
    ("urgency: {tactic: one sentence}\n", "urgency: tactic: expected a list of sentences"),
])
def test_a_malformed_file_of_sentences_says_what_is_wrong(tmp_path, text: str,
                                                         problem: str) -> None:
    path = tmp_path / "held-out.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)):
        read_collection(path)


def test_halves_split_every_collection_the_same_way_each_time() -> None:
    items = read_collection(FIXTURES / "bank")
    halves = [item.half for item in items]
    assert set(halves) <= {"a", "b"}
    assert halves == [item.half for item in read_collection(FIXTURES / "bank")]


def test_claims_count_at_any_severity_and_tactics_at_warning_or_above() -> None:
    tally = Tally()
    claim = Item("c", frozenset({"claim.meeting"}), body="x")
    tally.add(claim, FileResult("c", findings=(finding("claim.meeting", "info"),)))
    tactic = Item("t", frozenset({"urgency"}), body="x")
    tally.add(tactic, FileResult("t", findings=(finding("urgency", "info"),)))
    assert tally.recall("claim.meeting") == 1.0
    assert tally.recall("urgency") == 0.0
    assert tally.misses == {"urgency": ["t"]}


def test_a_negative_is_flagged_by_tactics_and_claims_but_not_by_compliance() -> None:
    tally = Tally()
    for name, findings in {
        "compliance only": (finding("compliance.unsubscribe", "error"),),
        "info tactic": (finding("pressure", "info"),),
        "info claim": (finding("claim.thread", "info", rule="thread-reply-subject"),),
        "warning tactic": (finding("scarcity", rule="few-left"),),
    }.items():
        tally.add(Item(name, body=name), FileResult(name, findings=findings))
    assert tally.negatives == 4
    assert tally.false_alarms == 2
    assert tally.alarms_by_category == {"claim.thread": 1, "scarcity": 1}
    assert tally.rule_negative == {"thread-reply-subject": 1, "few-left": 1}
    assert tally.any_alarm == 2  # compliance error, scarcity warning
    assert tally.manipulation_alarm == 1


def test_partial_and_unlabelled_items_are_never_false_alarms() -> None:
    tally = Tally()
    tally.add(Item("p", frozenset({"urgency"}), labelling="partial", body="x"),
              FileResult("p", findings=(finding("scarcity"),)))
    tally.add(Item("u", labelling="none", body="x"),
              FileResult("u", findings=(finding("scarcity", rule="few-left"),)))
    assert tally.negatives == 0 and tally.false_alarms == 0
    assert tally.rule_unlabelled == {"few-left": 1}


@pytest.mark.parametrize("source", ["bank", "ham", "items.jsonl", "sentences.yaml"])
def test_the_command_prints_per_category_and_per_rule_tables(honestreach, source: str) -> None:
    run = honestreach("mass-check", str(FIXTURES / source), "--show", "3")
    assert run.code == 0, run.stderr
    assert "category" in run.stdout and "recall" in run.stdout
    assert "negatives:" in run.stdout
    assert " 0 not checked" in run.stdout


def test_the_command_checks_each_half_and_unlabelled_mail(honestreach) -> None:
    halves = [honestreach("mass-check", str(FIXTURES / "bank"), "--half", half)
              for half in "ab"]
    counts = [int(run.stdout.split("\n")[2].split()[0]) for run in halves]
    assert sum(counts) == 5
    spam = honestreach("mass-check", str(FIXTURES / "spam"), "--mail-label", "unlabelled")
    assert "1 unlabelled" in spam.stdout and "unl" in spam.stdout


def test_the_command_counts_a_file_of_sentences_per_category(honestreach) -> None:
    run = honestreach("mass-check", str(FIXTURES / "sentences.yaml"))
    assert run.code == 0, run.stderr
    assert "6 items: 3 positive labels, 3 negatives" in run.stdout
    rows = {line.split()[0]: line.split()[1:4] for line in run.stdout.splitlines()
            if line.startswith(("urgency ", "scarcity "))}
    assert rows == {"urgency": ["2", "2", "1.00"], "scarcity": ["1", "1", "1.00"]}
    assert "negatives: 0 of 3 flagged" in run.stdout


def test_a_malformed_collection_is_a_clear_error(honestreach, tmp_path) -> None:
    (tmp_path / "held-out.yaml").write_text("- just a list\n", encoding="utf-8")
    run = honestreach("mass-check", str(tmp_path / "held-out.yaml"))
    assert run.code == 2
    assert "held-out.yaml" in run.stderr and "mapping of categories" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_missing_collection_is_a_clear_error(honestreach, tmp_path) -> None:
    run = honestreach("mass-check", str(tmp_path / "nowhere.jsonl"))
    assert run.code == 2
    assert "nowhere.jsonl" in run.stderr and "Traceback" not in run.stderr


def test_a_rule_that_does_not_load_stops_the_count(honestreach, tmp_path) -> None:
    """A broken user rule would otherwise count as a rule that finds nothing."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.yaml").write_text("id: [unclosed\n")
    (tmp_path / ".honestreach.yaml").write_text("rules: [rules]\n")
    shutil.copytree(FIXTURES / "bank", tmp_path / "bank")
    run = honestreach("mass-check", "bank", cwd=tmp_path)
    assert run.code == 2
    assert "mine.yaml" in run.stderr and "category" not in run.stdout


def test_the_count_uses_the_rules_of_the_nearest_configuration(honestreach, tmp_path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "team-gift-card.yaml").write_text(
        "id: team-gift-card\nname: Gift card bait\ncategory: deception\nseverity: warning\n"
        "message: \"A voucher for a call buys attention, not interest.\"\n"
        "rationale: A reader who takes a call for a voucher came for the voucher.\n"
        "suggestion: Say what the call is about.\n"
        "patterns:\n  - sequence: [voucher|coupon, for, (a), call]\n"
        "examples:\n  bad: [\"A voucher for a call.\", \"Take a coupon for a call.\"]\n"
        "  good: [\"A short call?\", \"Your voucher from the fair is attached.\"]\n")
    (tmp_path / ".honestreach.yaml").write_text("rules: [rules]\n")
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "deception.yaml").write_text(
        "- text: A coupon for a call with our team this week.\n  expect: [deception]\n")
    run = honestreach("mass-check", "bank", cwd=tmp_path)
    assert run.code == 0
    assert re.search(r"^team-gift-card +deception +1 +0 +0 +1\.00$", run.stdout, re.MULTILINE)
