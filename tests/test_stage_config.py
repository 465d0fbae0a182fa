"""Rules reported by Python stages (the CRM, the template linter, campaign audits) answer to the
configuration like every other rule, and the rule files that no Python reports are refused.

Each test copies a fixture into a folder with a real ``.honestreach.yaml`` next to it and runs
the command line on it, as a team would.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "stage-config"
EXAMPLE_CRM = str(Path(__file__).parent.parent / "examples" / "crm")


def setup(folder: Path, name: str, config: str | None) -> Path:
    """The fixture ``name`` copied into ``folder``, with ``config`` as its .honestreach.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / name, folder / name)
    if config is not None:
        (folder / ".honestreach.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    return folder / name


def severities(run) -> dict[str, str]:
    return {f["rule"]: f["severity"] for f in run.json["files"][0]["findings"]}


# -- check, with the CRM ----------------------------------------------------------------------
def test_crm_findings_follow_ignore_and_severity(honestreach, tmp_path):
    plain = setup(tmp_path / "plain", "draft.txt", None)
    before = honestreach("check", "--no-cache", "--format", "json", "--crm", EXAMPLE_CRM,
                         str(plain))
    assert before.code == 1
    found = severities(before)
    assert found["suppressed-recipient"] == "error"  # carla.mendes opted out
    assert found["identity-greeting-name"] == "error"  # "Hi Carol," to Carla
    assert found["meeting-pleasantry"] == "error"  # no such meeting in the CRM

    draft = setup(tmp_path / "team", "draft.txt", """\
        ignore: [suppressed-recipient]
        severity: {identity-greeting-name: info, claim.meeting: warning}
        """)
    after = honestreach("check", "--no-cache", "--format", "json", "--crm", EXAMPLE_CRM,
                        str(draft))
    assert after.code == 0
    found = severities(after)
    assert "suppressed-recipient" not in found
    assert found["identity-greeting-name"] == "info"
    assert found["meeting-pleasantry"] == "warning"


def test_crm_finding_messages_come_from_the_rule_files(honestreach, tmp_path):
    draft = setup(tmp_path, "draft.txt", None)
    run = honestreach("check", "--no-cache", "--format", "json", "--crm", EXAMPLE_CRM,
                      str(draft))
    messages = {f["rule"]: f["message"] for f in run.json["files"][0]["findings"]}
    # rules/compliance/suppressed-recipient.yaml: "Do not send: {recipient} {reasons}."
    assert messages["suppressed-recipient"] == (
        "Do not send: carla.mendes@lindenmill.example.org has opted out of commercial email "
        "(email_opt_out).")
    # rules/claims/identity-greeting-name.yaml: "Greets the recipient as '{text}'."
    assert messages["identity-greeting-name"].startswith("Greets the recipient as 'Carol'; "
                                                         "the CRM's first_name for carla.")


# -- claims without a CRM -------------------------------------------------------------------------
def test_without_a_crm_a_claim_is_reported_as_unverified_info(honestreach, tmp_path):
    draft = setup(tmp_path, "draft.txt", None)
    run = honestreach("check", "--no-cache", "--format", "json", str(draft))
    assert run.code == 0
    (claim,) = [f for f in run.json["files"][0]["findings"] if f["category"] == "claim.meeting"]
    assert claim["severity"] == "info"
    assert claim["message"].endswith("; unverified: pass --crm to check it.")
    # ... and a team that wants them loud says so in its configuration
    strict = setup(tmp_path / "strict", "draft.txt",
                   "severity: {claim: warning}\nfail-on: warning\n")
    loud = honestreach("check", "--no-cache", "--format", "json", str(strict))
    assert loud.code == 1 and severities(loud)["meeting-pleasantry"] == "warning"


# -- templates ------------------------------------------------------------------------------------
def test_template_findings_follow_ignore_and_severity(honestreach, tmp_path):
    template = setup(tmp_path / "plain", "welcome.txt.j2", None)
    before = honestreach("check", "--no-cache", "--format", "json", str(template))
    assert before.code == 1
    found = severities(before)
    assert found["template-hardcoded-claim"] == "error"
    assert found["template-unknown-variable"] == "error"

    template = setup(tmp_path / "team", "welcome.txt.j2", """\
        ignore: [template-hardcoded-claim]
        severity: {template-unknown-variable: warning}
        """)
    after = honestreach("check", "--no-cache", "--format", "json", str(template))
    found = severities(after)
    assert "template-hardcoded-claim" not in found
    assert found["meeting-pleasantry"] == "error"  # the claim itself, rendered for each sample
    assert found["template-unknown-variable"] == "warning"


# -- campaign audits ------------------------------------------------------------------------------
def audit(honestreach, source: Path) -> tuple[int, dict]:
    run = honestreach("audit", str(source), "--crm", EXAMPLE_CRM, "--jobs", "1", "--format",
                      "json")
    return run.code, json.loads(run.stdout)


def test_campaign_findings_follow_ignore_and_severity(honestreach, tmp_path):
    code, summary = audit(honestreach, setup(tmp_path / "plain", "campaign.jsonl", None))
    assert code == 1
    found = {f["rule"]: f for f in summary["campaign_findings"]}
    assert {rule: f["severity"] for rule, f in found.items()} == {
        "campaign-frequency": "error", "campaign-duplicate": "warning",
        "campaign-mass-claim": "error"}
    # The messages are the rule files' templates, filled in.
    assert found["campaign-duplicate"]["message"] == \
        "The same message goes to ana@example.com 2 times."
    assert found["campaign-frequency"]["message"] == \
        "bo@example.com gets 4 messages within 7 days (cap 3/7d)."
    assert found["campaign-mass-claim"]["suggestion"].startswith("Send the claim only to")

    code, summary = audit(honestreach, setup(tmp_path / "team", "campaign.jsonl", """\
        ignore: [campaign-duplicate]
        severity: {campaign-mass-claim: info, campaign-frequency: warning}
        """))
    assert code == 0  # no campaign rule left at error
    assert {f["rule"]: f["severity"] for f in summary["campaign_findings"]} == {
        "campaign-frequency": "warning", "campaign-mass-claim": "info"}
    assert "campaign-duplicate" not in summary["by_rule"]


def test_mass_claims_are_judged_by_the_crm_whatever_claim_findings_are_set_to(honestreach,
                                                                               tmp_path):
    """Ignoring the claim rules, or turning them to info, hides the per-message findings; the
    campaign rule still knows which claims the CRM does not support."""
    code, summary = audit(honestreach, setup(tmp_path, "campaign.jsonl", """\
        ignore: [claim]
        """))
    assert "claim.meeting" not in summary["by_category"]
    assert [f["ids"] for f in summary["campaign_findings"]
            if f["rule"] == "campaign-mass-claim"] == [["m1", "m2", "m3", "m4", "m5"]]


# -- rule files that no Python reports ------------------------------------------------------------
STAGE_RULE = """\
name: Bursts of sends
category: campaign.frequency
severity: warning
stage: campaign
message: "Too many sends at once."
rationale: Bursts look like spam.
suggestion: Spread the sends out.
examples:
  bad: ["a", "b"]
  good: ["c", "d"]
"""
SHOUTING_RULE = """\
name: Team shouting
category: disrespect
severity: warning
message: "Capitals: '{text}'."
rationale: Capitals shout.
suggestion: Write in sentence case.
check: shouting
options:
  min_share: 0.05
  min_length: 3
examples:
  bad: ["THIS IS LOUD", "VERY LOUD"]
  good: ["quiet", "calm"]
"""
PATTERN_RULE = """\
name: Team phrase
category: urgency
severity: warning
message: "Urgent: '{text}'."
rationale: Because.
suggestion: Say it plainly.
patterns:
  - phrases: [right this minute]
options:
  window: 3
examples:
  bad: ["right this minute", "Do it right this minute."]
  good: ["c", "d"]
"""


@pytest.mark.parametrize(("name", "text", "line", "field", "fragment"), [
    ("campaign-burst.yaml", STAGE_RULE, 4, "stage",
     "the campaign stage does not report 'campaign-burst'"),
    ("team-shouting.yaml", SHOUTING_RULE, 10, "options.min_length",
     "unknown option 'min_length': check 'shouting' takes allow, min_share"),
    ("team-phrase.yaml", PATTERN_RULE, 10, "options.window",
     "unknown option 'window': a rule without a check takes no options"),
    ("team-loud.yaml", SHOUTING_RULE.replace("options:\n  min_share: 0.05\n  min_length: 3\n",
                                             "context: {negation: skip}\n"), 8,
     "context.negation",
     "context 'negation' does not apply to check 'shouting': it takes acquaintance, "
     "discussion, last-note, no-offer, transactional"),
])
def test_rules_no_python_reports_are_load_errors(honestreach, tmp_path, name, text, line, field,
                                                 fragment):
    (tmp_path / "team-rules").mkdir()
    (tmp_path / "team-rules" / name).write_text(text, encoding="utf-8")
    draft = setup(tmp_path, "draft.txt", "rules: [team-rules]\n")
    run = honestreach("check", "--no-cache", "--format", "json", str(draft))
    assert run.code == 2
    (error,) = run.json["errors"]
    assert error["path"].endswith(name)
    assert (error["line"], error["field"]) == (line, field)
    assert fragment in error["message"]
    assert run.json["files"][0]["findings"]  # the draft is still checked
    text_run = honestreach("check", "--no-cache", "--no-color", str(draft))
    assert f"{name}:{line}: {field}: " in text_run.stdout + text_run.stderr


def test_every_stage_rule_has_a_rule_file_and_every_check_declares_its_options():
    from honestreach.checks import CHECK_OPTIONS, CHECKS
    from honestreach.rules import load_rules
    from honestreach.stages import STAGE_RULES

    rules = load_rules().rules
    for stage, ids in STAGE_RULES.items():
        assert ids == {rule.id for rule in rules if rule.stage == stage}, stage
    assert CHECK_OPTIONS.keys() == CHECKS.keys()
    for rule in rules:
        if rule.check:
            assert set(rule.options) <= CHECK_OPTIONS[rule.check], rule.id
