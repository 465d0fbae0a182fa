"""Merge-tag dialects (Outreach, Salesloft, HubSpot, Mailchimp, Marketing Cloud, Liquid, Jinja2):
the sample templates of examples/templates and templates written here under tmp_path, checked by
the real command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from honestreach.filekinds import dialect_for, glob_matches
from honestreach.templates.dialects import translate
from honestreach.templates.source import split_template

from conftest import EXAMPLES

SAMPLES = EXAMPLES / "templates"
ALL_COMPLIANCE = "compliance-applies-to: all\n"
# A hard-coded claim no CRM record backs, and where each dialect keeps its first name.
CLAIM = "It was great to meet you at the conference last week."
SUFFIX = {"outreach": ".txt.outreach", "salesloft": ".txt.salesloft", "hubspot": ".html.hubl",
          "mailchimp": ".html.mailchimp", "sfmc": ".html.sfmc", "liquid": ".html.liquid",
          "jinja2": ".txt.j2"}


def findings(report: dict) -> list[dict]:
    return [f for file in report["files"] for f in file["findings"]]


def sample_for(dialect: str) -> Path:
    return next(p for p in SAMPLES.iterdir() if p.name.endswith(SUFFIX[dialect]))


def test_every_dialect_has_a_sample():
    assert sorted(SUFFIX) == sorted({d for d in SUFFIX if any(
        p.name.endswith(SUFFIX[d]) for p in SAMPLES.iterdir())})


def test_samples_give_no_merge_field_or_compliance_alarm(tmp_path, honestreach):
    """Every message must offer an opt-out and an address here: each tool's own tags count."""
    shutil.copytree(SAMPLES, tmp_path / "templates")
    (tmp_path / ".honestreach.yaml").write_text(ALL_COMPLIANCE)
    run = honestreach("check", "--format", "json", str(tmp_path / "templates"))
    report = run.json
    assert report["summary"]["files"] == len(SUFFIX)
    assert findings(report) == [], findings(report)
    assert run.code == 0


def test_a_seeded_claim_is_caught_in_every_dialect(tmp_path, honestreach):
    for dialect in SUFFIX:
        sample = sample_for(dialect)
        text = sample.read_text(encoding="utf-8")
        lines = text.rstrip("\n").split("\n")
        # above the footer's last line, in the body's own form (a paragraph in HTML)
        html = ".html." in sample.name
        lines.insert(len(lines) - 1, f"<p>{CLAIM}</p>" if html else CLAIM)
        (tmp_path / sample.name).write_text("\n".join(lines), encoding="utf-8")
    report = honestreach("check", "--format", "json", str(tmp_path)).json
    for file in report["files"]:
        rules = {f["rule"] for f in file["findings"]}
        assert "template-hardcoded-claim" in rules, (file["path"], rules)
        claimed = [f for f in file["findings"] if f["rule"] == "template-hardcoded-claim"]
        assert all(CLAIM[:20] in (tmp_path / Path(file["path"]).name).read_text().split(
            "\n")[f["line"] - 1] for f in claimed)
        assert not rules & {"unfilled-merge-field", "missing-postal-address",
                            "missing-unsubscribe", "template-unknown-variable"}, rules


def test_configured_globs_make_txt_and_j2_files_templates_of_a_dialect(tmp_path, honestreach):
    """An Outreach template kept as .txt and a HubSpot one kept as .j2: no false errors."""
    (tmp_path / "sequences").mkdir()
    (tmp_path / "hubspot").mkdir()
    outreach = tmp_path / "sequences" / "step-1.txt"
    outreach.write_text("{# Subject: An idea for {{company}} #}\nHi {{first_name}},\n\n"
                        "We wrote a short guide on forecasting for {{title}} roles.\n"
                        "Want a copy?\n\nBest,\n{{sender.first_name}}\n"
                        "1 Example Street, Springfield, IL 62701, USA\n"
                        "Unsubscribe: {{unsubscribe_link}}\n")
    hubspot = tmp_path / "hubspot" / "intro.txt.j2"
    hubspot.write_text("Hi {{ contact.firstname }},\n\nA short guide on forecasting for "
                       "{{ contact.company }} is ready if you want it.\n\n{{ owner.firstname }}\n"
                       "{{ site_settings.company_street_address_1 }}, "
                       "{{ site_settings.company_city }}, {{ site_settings.company_state }} "
                       "{{ site_settings.company_zip }}\nUnsubscribe: {{ unsubscribe_link }}\n")
    before = honestreach("check", "--format", "json", str(tmp_path)).json
    rules_before = [f["rule"] for f in findings(before)]
    assert rules_before.count("unfilled-merge-field") >= 4  # a .txt draft: the tags as typed
    assert "template-unknown-variable" in rules_before  # HubSpot names are not Jinja's model

    (tmp_path / ".honestreach.yaml").write_text(
        ALL_COMPLIANCE + "templates:\n  - files: sequences/\n    dialect: outreach\n"
        "  - files: ['hubspot/**/*.j2']\n    dialect: hubspot\n")
    after = honestreach("check", "--format", "json", str(tmp_path)).json
    rules_after = {f["rule"] for f in findings(after)}
    assert not rules_after & {"unfilled-merge-field", "template-unknown-variable",
                              "missing-postal-address", "missing-unsubscribe"}, rules_after


def test_a_rendered_draft_keeps_its_leftover_tokens_an_error(tmp_path, honestreach):
    draft = tmp_path / "sent.txt"
    draft.write_text("Hi *|FNAME|*,\n\nA guide for %%Company%% is attached.\n\nSam\n")
    report = honestreach("check", "--format", "json", str(draft)).json
    unfilled = [f for f in findings(report) if f["rule"] == "unfilled-merge-field"]
    assert len(unfilled) == 2 and all(f["severity"] == "error" for f in unfilled)


@pytest.mark.parametrize("name, removed, rule", [
    ("newsletter.html.mailchimp", "*|LIST:ADDRESSLINE|*", "missing-postal-address"),
    ("newsletter.html.mailchimp", '<a href="*|UNSUB|*">Unsubscribe</a> or <a href='
     '"*|UPDATE_PROFILE|*">update your preferences</a>.', "missing-unsubscribe"),
    ("export-guides.html.sfmc", "%%Member_Addr%%", "missing-postal-address"),
    ("webinar-invite.html.hubl", "{{ site_settings.company_street_address_1 }}",
     "missing-postal-address"),
    ("welcome.html.liquid", "{% unsubscribe %}", "missing-unsubscribe"),
])
def test_the_tools_address_and_unsubscribe_tags_are_what_counts(tmp_path, name, removed,
                                                                  rule):
    from honestreach.pipeline import Linter

    text = (SAMPLES / name).read_text(encoding="utf-8")
    assert removed in text
    (tmp_path / ".honestreach.yaml").write_text(ALL_COMPLIANCE)
    (tmp_path / ("with-" + name)).write_text(text)
    (tmp_path / ("without-" + name)).write_text(text.replace(removed, ""))
    results = {Path(r.path).name: r for r in Linter().run([str(tmp_path)])}
    assert rule not in {f.rule for f in results["with-" + name].findings}
    assert rule in {f.rule for f in results["without-" + name].findings}


def test_liquid_files_are_found_in_folders_and_rendered(tmp_path, honestreach):
    folder = tmp_path / "klaviyo"
    folder.mkdir()
    (folder / "bad.liquid").write_text("Hi {% if person.first_name %}{{ person.first_name }}\n")
    (folder / "loop.liquid").write_text(
        "{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}\n")
    (folder / "named.liquid").write_text(
        "Hi {{ person.first_name | default: 'there' }},\n{{ nickname }}\n"
        "{% capture greeting %}Hello{% endcapture %}{{ greeting | upcase }}\n")
    report = honestreach("check", "--format", "json", str(folder)).json
    by_file = {Path(f["path"]).name: f for f in report["files"]}
    assert set(by_file) == {"bad.liquid", "loop.liquid", "named.liquid"}
    assert [f["rule"] for f in by_file["bad.liquid"]["findings"]] == ["template-syntax-error"]
    assert by_file["bad.liquid"]["findings"][0]["line"] == 1
    assert "template-render-limit" in {f["rule"] for f in by_file["loop.liquid"]["findings"]}
    named = by_file["named.liquid"]["findings"]
    unknown = [f for f in named if f["rule"] == "template-unknown-variable"]
    assert len(unknown) == 1 and unknown[0]["line"] == 2 and "nickname" in unknown[0]["message"]


def test_liquid_comments_and_guarded_claims_are_not_hard_coded(tmp_path, honestreach):
    path = tmp_path / "note.txt.liquid"
    path.write_text("Hi {{ first_name | default: 'there' }},\n"
                    "{% comment %}It was great to meet you at the conference.{% endcomment %}\n"
                    "{% unless activities == empty %}Thanks again for the call last month."
                    "{% endunless %}\nA short guide is attached.\n")
    report = honestreach("check", "--format", "json", str(path)).json
    assert "template-hardcoded-claim" not in {f["rule"] for f in findings(report)}


def test_a_dialect_the_configuration_does_not_know_is_an_error(tmp_path, honestreach):
    (tmp_path / ".honestreach.yaml").write_text(
        "templates:\n  - files: '*.txt'\n    dialect: marketo\n")
    (tmp_path / "a.txt").write_text("Hello\n")
    run = honestreach("check", str(tmp_path / "a.txt"))
    assert run.code == 2 or "marketo" in run.stdout + run.stderr
    assert "marketo" in run.stdout + run.stderr or "dialect" in run.stdout + run.stderr


def test_tags_point_at_the_file_as_written():
    text = "Hi *|FNAME|*, *|IF:COMPANY=Acme|*hello*|END:IF|*\n"
    unit = translate(split_template(text).body, "mailchimp")
    assert unit.text == ("Hi {{ contact.first_name }}, {% if contact.company == 'Acme' %}hello"
                         "{% endif %}\n")
    start = unit.text.index("{{")
    assert unit.file_offset(start) == text.index("*|FNAME")
    assert unit.file_offset(unit.text.index("}}") + 1) == text.index("|*,") + 1


def test_globs_and_suffixes_choose_the_dialect(tmp_path):
    globs = (("sequences/", "outreach"), ("*.html", "mailchimp"))
    base = str(tmp_path)
    assert dialect_for(str(tmp_path / "sequences" / "a" / "b.txt"), globs, base) == "outreach"
    assert dialect_for(str(tmp_path / "x" / "promo.html"), globs, base) == "mailchimp"
    assert dialect_for(str(tmp_path / "x" / "notes.txt"), globs, base) is None
    assert dialect_for(str(tmp_path / "x" / "a.liquid"), globs, base) == "liquid"
    assert glob_matches("a/b/c.txt", "a/**/*.txt") and glob_matches("a/c.txt", "a/**/*.txt")
    assert not glob_matches("b/c.txt", "a/**/*.txt")


def test_outreach_only_checks_outreach_files_and_never_docs(tmp_path, honestreach):
    """What the pre-commit hook runs: of the files named, only outreach files are checked."""
    pushy = "Only 3 spots left and the offer ends tonight. Act now!\n"
    files = {"README.md": pushy, "docs/writing-guide.md": pushy, "constraints.txt": "x<2\n",
             "drafts/offer.txt": "Subject: Spots\n\n" + pushy, "notes/todo.txt": pushy,
             "sequences/step-1.txt": "Hi {{first_name}},\n" + pushy,
             "t/welcome.txt.liquid": "Hi {{ first_name }},\n" + pushy}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / ".honestreach.yaml").write_text(
        "outreach-files: drafts/\ntemplates:\n  - {files: sequences/, dialect: outreach}\n")
    run = honestreach("check", "--outreach-only", "--format", "json",
                      *(str(tmp_path / name) for name in files))
    checked = sorted(Path(f["path"]).relative_to(tmp_path).as_posix()
                     for f in run.json["files"])
    assert checked == ["drafts/offer.txt", "sequences/step-1.txt", "t/welcome.txt.liquid"]
    assert run.code == 1  # the drafts fail on their own findings
    quiet = honestreach("check", "--outreach-only", str(tmp_path / "README.md"),
                        str(tmp_path / "constraints.txt"))
    assert quiet.code == 0, quiet.stdout
