"""Respect and relevance: monotonic in findings, clamped, the documented worked example, offline
readability, and the development corpus's calibration."""

from __future__ import annotations

import email
import functools
import random
import re
import socket
import statistics
from dataclasses import replace
from email import policy
from pathlib import Path

import pyphen
import pytest
import yaml

from honestreach import readability, score
from honestreach.message import build_message, message_from_text
from honestreach.model import Finding, Location, SourceText, TextField
from honestreach.score import Signal, score_message

HERE = Location(1, 1, 1, 1)

NOTE = (
    "Hi Elena,\n\n"
    "You mentioned on Tuesday that your forecast rollups drift when reps skip close-date "
    "updates. I wrote up how two teams FIXED THAT. Would a 20-minute walkthrough next week be "
    "REALLY HELPFUL?\n\n"
    "Best,\nMaya Okafor\nTallwater Analytics\n"
    'Reply "unsubscribe" and I will not email you again.\n'
)


def finding(rule: str = "same-day-deadline", category: str = "urgency",
            severity: str = "warning") -> Finding:
    return Finding(rule=rule, category=category, severity=severity,  # type: ignore[arg-type]
                   message="", location=HERE)


def respect(body: str, findings: list[Finding]) -> int:
    return score_message(message_from_text(body), findings).respect


# --- respect ---------------------------------------------------------------------------------

def test_no_findings_on_a_plain_note_is_full_respect() -> None:
    scores = score_message(message_from_text(NOTE), [])
    assert scores.respect == 100 and scores.respect_reasons == ()


def test_more_findings_lower_respect() -> None:
    found: list[Finding] = []
    previous = respect(NOTE, found)
    for rule, category, severity in [
            ("missing-postal-address", "compliance.address", "warning"),
            ("conversation-you-said", "claim.conversation", "info"),
            ("unfilled-merge-field", "merge_field", "error"),
            ("same-day-deadline", "urgency", "warning"),
            ("same-day-deadline", "urgency", "warning"),
            ("guilt-trip", "pressure", "warning")]:
        found.append(finding(rule, category, severity))
        current = respect(NOTE, found)
        assert current < previous, (rule, current, previous)
        previous = current


def test_severer_findings_cost_more() -> None:
    for category in score.CATEGORY_COST:
        costs = [100 - respect(NOTE, [finding("some-rule", category, s)])
                 for s in ("info", "warning", "error")]
        assert 0 < costs[0] < costs[1] <= costs[2], (category, costs)


def test_every_category_of_the_taxonomy_has_a_cost() -> None:
    from honestreach.taxonomy import CATEGORIES

    # "suppression" (a directive that suppressed nothing) is a note to the sender about the
    # file, never something the reader meets: it costs nothing.
    assert set(score.CATEGORY_COST) == set(CATEGORIES) - {"suppression"}
    assert respect(NOTE, [finding("unused-suppression", "suppression", "warning")]) == 100
    # A note outside the taxonomy (about the input itself, say) costs nothing.
    assert respect(NOTE, [finding("repaired-input", "input", "info")]) == 100


def test_costs_follow_what_a_finding_means_to_the_reader() -> None:
    def cost(category: str, severity: str) -> float:
        return score.CATEGORY_COST[category].at(severity)

    # Writing to someone who said no > a lie about them > a tactic > a claim nobody could look
    # up > no way to opt out, a merge field, no address > a claim nothing checked.
    assert (cost("compliance.suppressed", "error") > cost("claim.meeting", "error")
            >= cost("urgency", "error") > cost("pressure", "warning")
            > cost("claim.meeting", "warning") > cost("compliance.unsubscribe", "error")
            >= cost("merge_field", "error") > cost("compliance.address", "warning")
            > cost("claim.conversation", "info") > 0)
    # Style costs a little, never as much as one tactic.
    assert score.READABILITY_MAX_COST + score.LENGTH_MAX_COST < cost("pressure", "warning")


def test_gaps_and_unchecked_claims_together_cost_less_than_one_tactic() -> None:
    gaps = [finding("missing-postal-address", "compliance.address", "warning"),
            finding("missing-unsubscribe", "compliance.unsubscribe", "error"),
            finding("unfilled-merge-field", "merge_field", "error")]
    unchecked = [finding(rule, "claim.conversation", "info") for rule in
                 ("conversation-you-said", "conversation-as-promised", "conversation-follow-up",
                  "conversation-earlier-call")]
    assert respect(NOTE, unchecked) >= 90
    one_tactic = respect(NOTE, [finding("guilt-trip", "pressure")])
    assert respect(NOTE, gaps + unchecked) > one_tactic


def test_manipulation_weighs_more_than_a_formal_gap() -> None:
    pressure = respect(NOTE, [finding("guilt-trip", "pressure")])
    address = respect(NOTE, [finding("missing-postal-address", "compliance.address")])
    assert pressure < address < 100


def test_repeats_of_one_rule_count_less_and_less() -> None:
    one = 100 - respect(NOTE, [finding()])
    two = 100 - respect(NOTE, [finding(), finding()])
    three = 100 - respect(NOTE, [finding(), finding(), finding()])
    different = 100 - respect(NOTE, [finding(), finding("few-left", "urgency")])
    assert one < two < three
    assert two - one < one and three - two < two - one
    assert two < different == 2 * one


def test_respect_is_clamped_at_zero() -> None:
    many = [finding(f"rule-{i}", "pressure", "error") for i in range(20)]
    scores = score_message(message_from_text(NOTE), many)
    assert scores.respect == 0
    assert len(scores.respect_reasons) == 20


def test_hard_to_read_prose_costs_a_little() -> None:
    dense = ("Hi Elena,\n\n" + "Notwithstanding organisational considerations, comprehensive "
             "implementation of multidimensional forecasting methodologies necessitates "
             "institutionalised interdepartmental harmonisation, consequently facilitating "
             "unprecedented operationalisation of standardised reconciliation infrastructure. "
             * 2 + "\n\nBest,\nMaya\n")
    scores = score_message(message_from_text(dense), [])
    assert scores.respect < 100
    (reason,) = scores.respect_reasons
    assert reason.startswith(f"-{100 - scores.respect} hard to read (Flesch ")
    assert 100 - scores.respect <= score.READABILITY_MAX_COST


def test_short_prose_is_not_scored_for_readability() -> None:
    scores = score_message(message_from_text("Hi Elena,\n\nMultidimensional reconciliation?"), [])
    assert scores.respect == 100


def test_very_long_messages_cost_a_little() -> None:
    sentence = "You said the close-date field drifts when reps are busy. "
    body = "Hi Elena,\n\n" + sentence * 60 + "\n\nBest,\nMaya\n"
    scores = score_message(message_from_text(body), [])
    assert any(r.startswith("-") and "long (" in r for r in scores.respect_reasons)
    assert 100 - score.LENGTH_MAX_COST <= scores.respect < 100


# --- relevance -------------------------------------------------------------------------------

BLAST = (
    "Dear valued customer,\n\n"
    "I hope this email finds you well. I wanted to reach out because we are a leading provider "
    "of cutting-edge solutions. We help our clients grow and our platform is trusted by our "
    "partners. We would love to show you what we do.\n\n"
    "Regards,\nThe Team\n"
)
PERSONAL = (
    "Hi Daniel,\n\n"
    "Congratulations to you and the Kestrel Pay team on closing your Series B last week. Since "
    "you downloaded the Multi-Entity Close Playbook in January, you may want the 12-page section "
    "on approvals across NetSuite and Xero. Would a 25-minute overview in March help your "
    "team?\n\n"
    "Kind regards,\nGrace\n"
)


def test_a_generic_blast_is_less_relevant_than_a_specific_personal_note() -> None:
    blast = score_message(message_from_text(BLAST), [])
    personal = score_message(message_from_text(PERSONAL), [])
    assert blast.relevance < 40 < 60 < personal.relevance
    assert any("stock phrasing" in r and "finds you" in r for r in blast.relevance_reasons)
    assert any("written about the sender" in r for r in blast.relevance_reasons)
    assert any("greets the reader by name (Daniel)" in r for r in personal.relevance_reasons)
    assert any("concrete specifics" in r for r in personal.relevance_reasons)


def test_a_greeting_without_a_name_lowers_relevance() -> None:
    named = score_message(message_from_text("Hi Elena,\n\nThe notes are attached."), [])
    unnamed = score_message(message_from_text("Hello,\n\nThe notes are attached."), [])
    assert unnamed.relevance < named.relevance
    assert "-8 no name in the greeting" in unnamed.relevance_reasons


def test_unsubstantiated_claims_lower_relevance() -> None:
    message = message_from_text(PERSONAL)
    clean = score_message(message, []).relevance
    one = score_message(message, [finding("superlative-claim", "deception")]).relevance
    two = score_message(message, [finding("superlative-claim", "deception"),
                                  finding("claim-meeting", "claim.meeting")]).relevance
    unrelated = score_message(message, [finding("few-left", "scarcity")]).relevance
    assert two < one < clean == unrelated


def test_signals_extend_relevance_and_it_is_clamped() -> None:
    message = message_from_text(PERSONAL)
    base = score_message(message, [])
    crm = score_message(message, [], signals=[Signal(7, "matches a stated interest")])
    assert crm.relevance == base.relevance + 7
    assert "+7 matches a stated interest" in crm.relevance_reasons
    assert score_message(message, [], signals=[Signal(500, "x")]).relevance == 100
    assert score_message(message, [], signals=[Signal(-500, "x")]).relevance == 0


def test_quoted_text_and_the_signature_do_not_count() -> None:
    reply = PERSONAL + ("\n> On Mon, Daniel wrote:\n> I hope this email finds you well. We are "
                        "a leading provider.\n")
    assert score_message(message_from_text(reply), []) == \
        score_message(message_from_text(PERSONAL), [])


# --- the worked example of docs/scores.md ----------------------------------------------------

def test_worked_example_from_the_docs() -> None:
    from honestreach.checks import CHECKS

    message = message_from_text(NOTE, "Forecast rollups")
    shouted = [message.body.text[h.start:h.end] for h in CHECKS["shouting"](message, {})]
    assert shouted == ["FIXED THAT", "REALLY HELPFUL"]
    findings = [
        finding("conversation-you-said", "claim.conversation", "info"),
        finding("shouting", "disrespect"),
        finding("shouting", "disrespect"),
        finding("missing-postal-address", "compliance.address"),
    ]
    scores = score_message(message, findings)
    # shouting 25 + 25 x 0.7 = 42.5 -> 43; address 3; the unchecked claim 2.
    assert scores.respect == 100 - 43 - 3 - 2 == 52
    assert scores.respect_reasons == (
        "-43 disrespect warning x2 (shouting)",
        "-3 compliance.address warning (missing-postal-address)",
        "-2 claim.conversation info (conversation-you-said)",
    )
    # 50 + 8 (name) + 8 (you 2 of 3 pronouns: 30 x (0.667 - 0.4)) + 5 (one question)
    #    + 4 (two specifics: "20", "Tuesday")
    assert scores.relevance == 50 + 8 + 8 + 5 + 4 == 75
    assert scores.relevance_reasons == (
        "+8 greets the reader by name (Elena)",
        "+8 written to the reader ('you' 2 vs 'I/we' 1)",
        "+5 asks one clear question",
        "+4 concrete specifics (2: 20, Tuesday)",
    )
    # With a CRM that holds no conversation on Tuesday, the claim is an error: a lie, 35.
    contradicted = [replace(findings[0], severity="error")] + findings[1:]
    checked = score_message(message, contradicted)
    assert checked.respect == 100 - 43 - 35 - 3 == 19
    assert "-35 claim.conversation error (conversation-you-said)" in checked.respect_reasons
    # The claim nothing checked does not lower relevance; the contradicted one does (-8).
    assert checked.relevance == 75 - 8
    doc = (Path(__file__).resolve().parents[1] / "docs" / "scores.md").read_text("utf-8")
    for line in scores.respect_reasons + scores.relevance_reasons:
        assert line in doc
    assert "-35 claim.conversation error (conversation-you-said)" in doc
    assert "respect 52" in doc and "relevance 75" in doc and "respect 19" in doc


# --- what whole messages score, checked by the real linter ----------------------------------

SCORES = Path(__file__).parent / "fixtures" / "scores"
CRM_DIR = Path(__file__).parent / "fixtures" / "verify-crm"


@functools.cache
def _linter(crm_dir: Path | None):
    from datetime import date

    from honestreach.crm import load_crm
    from honestreach.pipeline import Linter, Overrides

    return Linter(Overrides(date=date(2026, 6, 17)), crm=load_crm(crm_dir) if crm_dir else None)


def respect_of(name: str, crm_dir: Path | None = None, to: str | None = None) -> int:
    """Respect of a fixture draft as `honestreach check` computes it, sent on 2026-06-17 (to
    ``to`` instead of the draft's own To: line when given)."""
    from honestreach.message import parse_draft

    path = SCORES / name
    text = path.read_text("utf-8")
    if to is not None:
        text = re.sub(r"^To: .*$", f"To: {to}", text, count=1, flags=re.MULTILINE)
    (result,) = _linter(crm_dir).check_messages([parse_draft(str(path), text)])
    assert result.scores is not None, result.errors
    return result.scores.respect


def test_an_honest_follow_up_scores_high_with_or_without_the_crm() -> None:
    # Without a CRM its three references to the meeting are unchecked: a few points.
    assert respect_of("follow-up.txt") >= 90
    # The CRM records the meeting, so nothing is held against it.
    assert respect_of("follow-up.txt", CRM_DIR) == 100


def test_a_respectful_cold_email_without_an_address_scores_well_above_any_tactic() -> None:
    cold = respect_of("cold-no-address.txt")
    assert cold >= 90
    assert cold >= respect_of("one-tactic.txt") + 25
    assert respect_of("pushy.txt") < 25


def test_lies_and_writing_to_someone_who_said_no_cost_most() -> None:
    one_tactic = respect_of("one-tactic.txt")
    # The follow-up sent to a contact it never met: the CRM contradicts it.
    assert respect_of("follow-up.txt", CRM_DIR, to="tim.ford@sunmesa.example.com") < one_tactic
    # A respectful note to a contact who opted out: nothing wrong in its words.
    assert respect_of("opted-out.txt") == 100
    assert respect_of("opted-out.txt", CRM_DIR) < one_tactic
    # A recipient the CRM does not know: the claims are doubtful, not lies.
    unknown = respect_of("follow-up.txt", CRM_DIR, to="someone@elsewhere.example.net")
    assert one_tactic < unknown < respect_of("follow-up.txt")


# --- readability never touches the network ---------------------------------------------------

def test_reading_ease_works_with_the_nltk_downloader_and_network_off(monkeypatch) -> None:
    nltk = pytest.importorskip("nltk")

    def refuse(*args, **kwargs):
        raise AssertionError("network or NLTK download attempted")

    def not_installed(*args, **kwargs):
        raise LookupError("cmudict is not installed")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.downloader.Downloader, "download", refuse)
    monkeypatch.setattr(nltk.data, "find", not_installed)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from honestreach.readability import reading_ease

    # A text no earlier test has scored, so no cached syllable count can hide a download.
    easy = reading_ease("The cat sat on the mat. It was a warm day. offline-check-7f3a")
    hard = reading_ease("Institutionalised interdepartmental harmonisation necessitates "
                        "comprehensive operationalisation. offline-check-91bc")
    assert hard < 40 < 80 < easy



def test_syllables_are_pyphens_hyphenation_points_plus_one() -> None:
    # A hyphenator of its own, so pyphen's cache of points is not the one being tested.
    reference = pyphen.Pyphen(lang="en_US", cache=False)
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz'’éüßİÆ"
    words = ["a", "an", "the", "unsubscribe", "hyphenation", "interdepartmental", "Québec",
             "İstanbul", "don't", "rhythm", "strengths", "supercalifragilistic", "ÆSIR", "ok"]
    words += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 30)))
              for _ in range(3000)]
    for word in words:
        assert readability._hyphenated_syllables(word) == \
            len(reference.positions(word.lower())) + 1, word



def test_the_hyphenation_is_kept_in_the_cache_folder_and_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HONESTREACH_RULE_CACHE", str(tmp_path))

    def counted(words: list[str]) -> list[int]:
        readability._hyphenation.cache_clear()
        readability._hyphenated_syllables.cache_clear()
        return [readability.syllables(word) for word in words]

    words = ["hyphenation", "unsubscribe", "interdepartmental", "rhythm", "a"]
    try:
        made = counted(words)
        (kept,) = tmp_path.glob("hyphenation-*.pickle")
        # Read back: pyphen's dictionary is not loaded again, and the counts are the same.
        with monkeypatch.context() as patched:
            patched.setattr(pyphen, "Pyphen", None)
            assert counted(words) == made == [3, 3, 6, 1, 1]
        # A file whose digest does not match its content is not read, and is made again.
        kept.write_bytes(kept.read_bytes()[:-1] + b"x")
        assert counted(words) == made
    finally:
        readability._hyphenation.cache_clear()
        readability._hyphenated_syllables.cache_clear()


# --- calibration on the development corpus ---------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _load_eml(path: Path):
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    part = parsed.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    subject = str(parsed.get("subject", ""))
    text = f"Subject: {subject}\n\n{body}"
    headers = {k.lower(): str(v) for k, v in parsed.items()}
    return build_message(str(path), SourceText(text), TextField.verbatim(subject, 9),
                         TextField.verbatim(body, len(subject) + 11), headers)


@pytest.mark.skipif(not (CORPUS / "labels.yaml").is_file(), reason="development corpus absent")
def test_calibration_on_the_development_corpus() -> None:
    from honestreach.engine import Engine
    from honestreach.rules import load_rules

    engine = Engine(load_rules().rules)
    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text("utf-8"))["messages"]
    rows = []
    for entry in labels:
        if not entry["file"].startswith("messages/"):
            continue
        message = _load_eml(CORPUS / entry["file"])
        rows.append((entry, score_message(message, engine.check(message).findings)))
    respectful = [s.respect for e, s in rows if e["label"] == "respectful"]
    assert sum(r >= 80 for r in respectful) >= 0.9 * len(respectful), respectful
    heavy = {e["file"][-7:-4]: s.respect for e, s in rows if e["file"][-7:-4] in
             ("021", "039", "045")}
    assert max(heavy.values()) < 50, heavy
    means = {level: statistics.mean(s.relevance for e, s in rows if e["relevance"] == level)
             for level in ("high", "medium", "low")}
    assert means["high"] > means["medium"] > means["low"], means


@pytest.mark.skipif(not (CORPUS / "labels.yaml").is_file(), reason="development corpus absent")
def test_respect_ranks_respectful_above_manipulative_on_the_development_corpus() -> None:
    from honestreach.crm import load_crm
    from honestreach.masscheck import ranking_auc
    from honestreach.pipeline import Linter

    labels = yaml.safe_load((CORPUS / "labels.yaml").read_text("utf-8"))["messages"]
    paths = [str(CORPUS / entry["file"]) for entry in labels]
    for crm, target in ((load_crm(CORPUS / "crm"), 0.95), (None, 0.90)):
        results = {r.path: r for r in Linter(crm=crm).run(paths)}
        respect = {"respectful": [], "manipulative": []}
        for entry, path in zip(labels, paths):
            respect[entry["label"]].append(results[path].scores.respect)
        auc = ranking_auc(respect["respectful"], respect["manipulative"])
        # Without a CRM, the messages whose only fault is in the CRM (a suppressed recipient,
        # an invented meeting) cannot be told apart: 0.95 is out of reach there.
        assert auc is not None and auc >= target, (crm, auc, respect)


@pytest.mark.parametrize("text", [
    "I'm reaching out", "just reaching out.", "xjust reaching out", "_am reaching out",
    "We wanted to reach out", "I’m reaching out", "İ'm reaching out", "JUST REACHING OUT",
    "a.just reaching out", "ok\njust reaching out", "mine, ours and yours", "US and us",
])
def test_word_start_matches_as_a_word_boundary_before_the_alternatives(text: str) -> None:
    from honestreach.score.relevance import word_start

    alternatives = (r"wanted\s+to\s+reach\s+out", r"just\s+reach(?:ing)?\s+out",
                    r"am\s+reaching\s+out", r"I['’]m\s+reaching\s+out", "mine", "ours", "us")
    plain = re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE)
    fast = re.compile(word_start(*alternatives), re.IGNORECASE)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
