"""Custom rules as a developer expects: ``rules`` and ``explain`` see the rules ``check`` loads,
``explain`` takes a category, and ``test-rules`` runs every rule's examples."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

RULE = dedent("""\
    name: Rush the reader
    category: urgency
    severity: warning
    message: "Rushes the reader: '{{text}}'."
    rationale: A reader rushed into a reply cannot think it over.
    suggestion: Give the reader the time the decision needs.
    patterns:
      - phrases: ["hurry up and sign"]
    examples:
      bad: ["Hurry up and sign the form.", "{bad}"]
      good: ["Sign the form when it suits you.", "{good}"]
    """)


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A repository with a configuration naming a folder of the team's own rules, one of
    whose examples are wrong: a bad one that does not match and a good one that does."""
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "rush-to-sign.yaml").write_text(
        RULE.format(bad="Please read the attached form.", good="Hurry up and sign it."),
        encoding="utf-8")
    (tmp_path / ".honestreach.yaml").write_text("rules: [team-rules]\n", encoding="utf-8")
    return tmp_path


def test_rules_and_explain_see_the_nearest_configurations_rules(honestreach, team):
    listed = honestreach("rules", cwd=team)
    assert listed.code == 0, listed.stderr
    assert "rush-to-sign" in listed.stdout and "(1 your own)" in listed.stdout
    explained = honestreach("explain", "rush-to-sign", cwd=team)
    assert explained.code == 0, explained.stderr
    assert "Rush the reader" in explained.stdout
    assert str(team / "team-rules" / "rush-to-sign.yaml") in explained.stdout
    # Elsewhere (no configuration) the rule is unknown, unless --config names one.
    elsewhere = team / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".honestreach.yaml").write_text("fail-on: error\n", encoding="utf-8")
    assert honestreach("explain", "rush-to-sign", cwd=elsewhere).code == 2
    configured = honestreach("explain", "rush-to-sign", "--config",
                             str(team / ".honestreach.yaml"), cwd=elsewhere)
    assert configured.code == 0 and "Rush the reader" in configured.stdout


def test_explain_a_category_lists_its_rules(honestreach, team):
    run = honestreach("explain", "urgency", cwd=team)
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("urgency: ") and "rules" in lines[0]
    listed = [line.split()[0] for line in lines[1:] if line.startswith("  ")]
    assert "same-day-deadline" in listed and "rush-to-sign" in listed
    assert "few-left" not in listed  # scarcity
    family = honestreach("explain", "compliance", cwd=team)
    assert family.code == 0 and "missing-unsubscribe" in family.stdout
    typo = honestreach("explain", "urgncy", cwd=team)
    assert typo.code == 2 and "Did you mean: urgency" in typo.stderr


def test_test_rules_reports_each_failing_example_at_its_line(honestreach, team):
    run = honestreach("test-rules", "team-rules", cwd=team)
    assert run.code == 1
    path = team / "team-rules" / "rush-to-sign.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    bad_line = next(n for n, line in enumerate(lines, 1) if "Please read" in line)
    good_line = next(n for n, line in enumerate(lines, 1) if "Hurry up and sign it" in line)
    assert run.stdout.splitlines() == [
        f"team-rules/rush-to-sign.yaml:{bad_line}: rush-to-sign: bad example did not match: "
        "'Please read the attached form.'",
        f"team-rules/rush-to-sign.yaml:{good_line}: rush-to-sign: good example matched: "
        "'Hurry up and sign it.'",
    ] or run.stdout.splitlines() == [
        f"{path}:{bad_line}: rush-to-sign: bad example did not match: "
        "'Please read the attached form.'",
        f"{path}:{good_line}: rush-to-sign: good example matched: 'Hurry up and sign it.'",
    ]
    assert "1 rule(s), 4 example(s): 2 failed" in run.stderr


def test_test_rules_passes_when_every_example_holds(honestreach, team):
    (team / "team-rules" / "rush-to-sign.yaml").write_text(
        RULE.format(bad="Hurry up and sign today.", good="Sign whenever you like."),
        encoding="utf-8")
    one = honestreach("test-rules", "team-rules/rush-to-sign.yaml", cwd=team)
    assert one.code == 0, one.stdout + one.stderr
    assert one.stdout == ""


def test_test_rules_without_paths_runs_the_configured_rules_built_in_too(honestreach, team):
    run = honestreach("test-rules", cwd=team)
    assert run.code == 1
    failing = {line.split(": ")[1] for line in run.stdout.splitlines()}
    assert failing == {"rush-to-sign"}  # the built-in rules' examples all hold
    assert "rule(s) skipped: their examples need a CRM (--crm)" in run.stderr
    with_crm = honestreach("test-rules", "--crm", str(Path(__file__).parents[1] / "examples"
                                                       / "crm"), cwd=team)
    assert "skipped" not in with_crm.stderr


def test_test_rules_reports_a_broken_rule_file_as_an_error(honestreach, team):
    (team / "team-rules" / "broken.yaml").write_text("name: Broken\ncategory: urgncy\n",
                                                     encoding="utf-8")
    run = honestreach("test-rules", cwd=team)
    assert run.code == 2
    assert "broken.yaml:2: category: unknown category 'urgncy'" in run.stderr


def _findings_of_a_team_rule(honestreach, folder: Path, rule: str, draft: str) -> list[dict]:
    """With the team's rule folder configured in ``folder``: its examples pass ``test-rules``,
    and ``check`` of ``draft`` (the rule alone) reports these findings."""
    (folder / ".honestreach.yaml").write_text("rules: [team-rules]\n", encoding="utf-8")
    (folder / "draft.txt").write_text(draft, encoding="utf-8")
    tested = honestreach("test-rules", "team-rules", cwd=folder)
    assert tested.code == 0, tested.stdout + tested.stderr
    checked = honestreach("check", "--format", "json", "--select", rule, "draft.txt", cwd=folder)
    return checked.json["files"][0]["findings"]


def test_an_unless_pattern_cancels_a_match_in_its_sentence_only(honestreach, tmp_path):
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "code-changes.yaml").write_text(dedent("""\
        name: Code changes soon
        category: urgency
        severity: warning
        message: "Ties a code to a near date: '{text}'."
        rationale: A code that is about to change hurries the reader.
        suggestion: Give the date and why it exists.
        unless:
          - "door|gate|alarm code|codes"
        patterns:
          - sequence: ["code|codes", "change", "on", "{weekday}"]
        examples:
          bad: ["Your discount code changes on Friday.", "Promo codes change on Monday."]
          good: ["The door code changes on Friday.", "The gate codes change on Monday."]
        """), encoding="utf-8")
    findings = _findings_of_a_team_rule(
        honestreach, tmp_path, "code-changes",
        "The alarm code changes on Monday. Your voucher code changes on Friday.\n")
    # The alarm code's sentence is cancelled; the voucher code's, the next sentence, is not.
    assert [f["text"] for f in findings] == ["code changes on Friday"]


def test_an_unless_pattern_that_does_not_compile_is_a_load_error(honestreach, tmp_path):
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "broken-unless.yaml").write_text(
        RULE.format(bad="Hurry up and sign it now.", good="Take your time.").replace(
            "patterns:", "unless: ['{no-such-class}']\npatterns:"), encoding="utf-8")
    tested = honestreach("test-rules", "team-rules", cwd=tmp_path)
    assert tested.code == 2
    assert "unless.0" in tested.stdout + tested.stderr


def test_a_then_pattern_matches_its_second_part_in_the_same_sentence_or_the_next(honestreach,
                                                                                  tmp_path):
    """``then``: the second part after the first, in the first's sentence or the one after it;
    not before it, and not two sentences on. Its match spans both parts."""
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "free-then-fee.yaml").write_text(dedent("""\
        name: Free, then a fee
        category: deception
        severity: warning
        message: "Calls a thing free, then charges for it: '{text}'."
        rationale: The reader agrees to the free thing before meeting its price.
        suggestion: State the price first.
        patterns:
          - then: ["free", "fee applies to every visit"]
        examples:
          bad: ["Free checks! A $40 fee applies to every visit.",
                "The check is free, but a fee applies to every visit."]
          good: ["A $40 fee applies to every visit. The parking is free.",
                 "Free checks. We come on Mondays. A fee applies to every visit."]
        """), encoding="utf-8")
    findings = _findings_of_a_team_rule(
        honestreach, tmp_path, "free-then-fee",
        "Our boiler checks are free! A $40 fee applies to every visit.\n\n"
        "A fee applies to every visit. Parking is free. The van is blue. "
        "A fee applies to every visit.\n")
    assert [(f["line"], f["text"]) for f in findings] == [
        (1, "free! A $40 fee applies to every visit")]
    explained = honestreach("explain", "free-then-fee", cwd=tmp_path)
    assert "in turn, in one sentence or the next: free -> fee applies to every visit" \
        in explained.stdout


def test_a_question_after_a_dash_or_semicolon_leaves_the_statement_before_it(honestreach,
                                                                          tmp_path):
    """A rule skips questions by default; a sentence that states, then asks after a dash or a
    semicolon, still states: "Sign today - shall I send the form?" is not a question about
    signing today, while "Shall we sign today?" and "Sign today, shall we?" are."""
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "rush-to-sign.yaml").write_text(
        RULE.format(bad="Hurry up and sign - shall I send the form?",
                    good="Should we hurry up and sign?"), encoding="utf-8")
    findings = _findings_of_a_team_rule(
        honestreach, tmp_path, "rush-to-sign",
        "Hurry up and sign the lease - shall I bring the pen?\n\n"
        "Hurry up and sign the lease; want me to call you?\n\n"
        "Would you hurry up and sign the lease?\n\n"
        "Hurry up and sign the lease, shall we?\n")
    assert [f["line"] for f in findings] == [1, 3]


def test_a_then_pattern_has_exactly_two_parts(honestreach, tmp_path):
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / "three-parts.yaml").write_text(
        RULE.format(bad="Hurry up and sign it now.", good="Take your time.").replace(
            '- phrases: ["hurry up and sign"]', '- then: ["hurry", "up", "sign"]'),
        encoding="utf-8")
    tested = honestreach("test-rules", "team-rules", cwd=tmp_path)
    assert tested.code == 2
    assert "three-parts.yaml" in tested.stdout + tested.stderr
