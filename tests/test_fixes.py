"""Safe fixes (fixes.py) on real checks: each one removes its finding and nothing else, and
text that is encoded in the file is never edited."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from honestreach.crm import load_crm
from honestreach.drafts import Draft, DraftChecker
from honestreach.fixes import token_field
from honestreach.pipeline import Linter, Overrides

CRM = Path(__file__).parent / "fixtures" / "verify-crm"
ROBERT = "robert.lang@harbourline.example.com"
PITCH = "Our planner is $39 a month, 20% off for new teams.\n\nAna\n"


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> DraftChecker:
    folder = tmp_path_factory.mktemp("fixes")
    config = folder / ".honestreach.yaml"
    config.write_text('opt-out-line: "Reply STOP and I will not write again."\n'
                      'postal-address: "Dockside Ltd, 9 Wharf Row, Hull HU1 1AA, UK"\n',
                      encoding="utf-8")
    return DraftChecker(Linter(Overrides(config_path=config), crm=load_crm(str(CRM))))


@pytest.mark.parametrize("token, field", [
    ("*|FNAME|*", "first_name"), ("%%LastName%%", "last_name"), ("[First Name]", "first_name"),
    ("{!Contact.Company}", "company"), ("{{ contact.company_name }}", "company"),
    ("<<Job Title>>", "title"), ("[Insert case study]", None), ("{{ unsubscribe_url }}", None),
])
def test_token_field(token: str, field: str | None) -> None:
    assert token_field(token) == field


def test_each_fix_removes_its_finding(checker: DraftChecker) -> None:
    draft = Draft("Hi [First Name],\n\n" + PITCH, "RE: Fwd: planner pricing")
    checked, _ = checker.check_draft(draft, ROBERT, date(2026, 6, 1))
    fixes = {fix.id: fix for fix in checked.fixes}
    assert set(fixes) == {"drop-thread-prefix", "replace-merge-token", "add-opt-out",
                          "add-postal-address"}
    for fix in checked.fixes:
        fixed = fix.apply(checked.text)
        after = checker.check("draft.txt", fixed.encode(), ROBERT, date(2026, 6, 1))
        rules = [f.rule for f in after.result.findings]
        before = [f.rule for f in checked.result.findings]
        assert fix.rule not in rules, fix.id
        assert len(rules) == len(before) - before.count(fix.rule), fix.id
    assert fixes["drop-thread-prefix"].apply(checked.text).startswith(
        "Subject: planner pricing\n")
    assert "Hi Robert," in fixes["replace-merge-token"].apply(checked.text)


def test_encoded_text_is_never_edited(checker: DraftChecker) -> None:
    eml = (f"To: {ROBERT}\nSubject: =?utf-8?q?Re=3A_planner_pricing?=\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n")
    import base64

    eml += base64.encodebytes(("Hi *|FNAME|*,\n\n" + PITCH).encode()).decode()
    checked = checker.check("message.eml", eml.encode(), None, date(2026, 6, 1))
    rules = {f.rule for f in checked.result.findings}
    assert {"thread-reply-subject", "unfilled-merge-field"} <= rules
    assert {"missing-unsubscribe", "missing-postal-address"} <= rules
    assert checked.fixes == ()
