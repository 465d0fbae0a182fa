"""Jinja2 templates: static checks on the source, rendered checks mapped back to the template,
bad input (syntax, sandbox, limits, includes), subjects, data model, CLI and configuration.

Every template here is a real file rendered by real Jinja2; the fixtures live in
tests/fixtures/templates (a small CRM, corpus-style templates with labels, bad templates).
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
import yaml

from honestreach.config import Config, ConfigError, load_config
from honestreach.crm import load_crm
from honestreach.engine import Engine
from honestreach.model import FileResult, Finding
from honestreach.pipeline import Linter, Overrides
from honestreach.rules import load_rules
from honestreach.sources import iter_inputs
from honestreach.templates import template_checker
from honestreach.templates.datamodel import DataModel
from honestreach.templates.sandbox import Limits, TemplateEnvironment, clock, render
from honestreach.templates.source import scan, split_template

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
CRM_DIR = FIXTURES / "crm"
TODAY = date(2026, 11, 10)
RULESET = load_rules()
ENGINE = Engine(RULESET.rules)
FAST = Limits(seconds=0.5, file_seconds=1.5)
FOOTER = ("\nBest,\nTheo Marsh\nQuayline Routing, 12 Wharf Road, Baltimore, MD 21230, USA\n"
          "Unsubscribe: https://quayline.example.net/unsubscribe\n")


def lint(path: Path, crm: object = None, config: Config | None = None,
         limits: Limits = FAST) -> FileResult:
    crm_records = load_crm(crm) if isinstance(crm, (str, Path)) else crm
    checker = template_checker(RULESET, ENGINE, config, crm_records, TODAY, limits=limits)
    return checker.check(str(path), path.read_text(encoding="utf-8"))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def by_rule(result: FileResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def where(finding: Finding) -> tuple[int, int, int, int]:
    loc = finding.location
    return loc.line, loc.column, loc.end_line, loc.end_column


def spanned(path: Path, finding: Finding) -> str:
    """The template text a finding points at (one line)."""
    line = path.read_text(encoding="utf-8").splitlines()[finding.location.line - 1]
    return line[finding.location.column - 1:finding.location.end_column - 1]


# -- the corpus-style templates ---------------------------------------------------------------
LABELS = yaml.safe_load((FIXTURES / "corpus" / "labels.yaml").read_text())["templates"]


@pytest.mark.parametrize("entry", LABELS, ids=[e["file"] for e in LABELS])
def test_corpus_style_templates_against_their_labels(entry: dict) -> None:
    result = lint(FIXTURES / "corpus" / entry["file"], crm=CRM_DIR)
    assert not result.errors
    found = {f.category for f in result.findings if f.severity in ("error", "warning")}
    assert set(entry["expect"]) <= found, result.findings
    if entry["label"] == "respectful":
        assert found <= set(entry.get("allow") or ()), result.findings


# -- static checks ------------------------------------------------------------------------------
def test_hardcoded_claim_points_at_the_template_text() -> None:
    path = FIXTURES / "corpus" / "c02.txt.j2"
    result = lint(path, crm=CRM_DIR)
    claims = by_rule(result, "template-hardcoded-claim")
    assert [(f.location.line, f.field) for f in claims] == [(1, "subject"), (4, "body")]
    assert spanned(path, claims[1]) == "great meeting you"
    assert claims[1].category == "template.hardcoded_claim" and claims[1].severity == "error"
    assert "Every recipient" in claims[1].message


GUARDED = {
    "if on a contact field": "{% if contact.lifecycle_stage == 'customer' %}"
                             "As a valued customer, you get the module free.{% endif %}",
    "set from activities": "{% set met = activities | selectattr('type', 'equalto', 'meeting')"
                           " | list %}{% if met %}Great meeting you at {{ met[-1].subject }}."
                           "{% endif %}",
    "loop over activities": "{% for a in activities if a.type == 'call' %}"
                            "Following up on our call about {{ a.subject }}.{% endfor %}",
    "else branch": "{% if not contact.lifecycle_stage %}Hello.{% else %}"
                   "As a valued customer, you get the module free.{% endif %}",
    "elif on the CRM": "{% if sender.name == 'x' %}Hi.{% elif account.industry %}"
                       "Congrats on the Series C!{% endif %}",
    "namespace set in a CRM loop": "{% set ns = namespace(met=false) %}{% for a in activities %}"
                                   "{% if a.type == 'meeting' %}{% set ns.met = true %}{% endif %}"
                                   "{% endfor %}{% if ns.met %}Great meeting you last month."
                                   "{% endif %}",
}
UNGUARDED = {
    "plain text": "Great meeting you at the Freight Planning Expo.",
    "if on the sender": "{% if sender.name %}Following up on our call last week.{% endif %}",
    "loop over a constant": "{% for x in [1] %}Congrats on the Series C!{% endfor %}",
    "after the block": "{% if contact.first_name %}Hi.{% endif %} Jordan Blake suggested I "
                       "reach out.",
}


@pytest.mark.parametrize("body", GUARDED.values(), ids=GUARDED.keys())
def test_claims_guarded_by_the_crm_are_not_hardcoded(tmp_path: Path, body: str) -> None:
    result = lint(write(tmp_path, "t.txt.j2", f"Hello,\n\n{body}\n{FOOTER}"))
    assert not by_rule(result, "template-hardcoded-claim"), result.findings


@pytest.mark.parametrize("body", UNGUARDED.values(), ids=UNGUARDED.keys())
def test_unguarded_claims_are_hardcoded(tmp_path: Path, body: str) -> None:
    result = lint(write(tmp_path, "t.txt.j2", f"Hello,\n\n{body}\n{FOOTER}"))
    (claim,) = by_rule(result, "template-hardcoded-claim")
    assert claim.location.line == 3


def test_a_declared_field_guards_a_claim(tmp_path: Path) -> None:
    """The issue's own example: {% if contact.met_at %} guards, once met_at is declared."""
    write(tmp_path, ".honestreach.yaml", "data-model:\n  contact:\n    met_at: date\n")
    path = write(tmp_path, "t.txt.j2", "Hello,\n\n{% if contact.met_at %}Great meeting you on "
                                       "{{ contact.met_at }}.{% endif %}\n" + FOOTER)
    config = load_config(tmp_path / ".honestreach.yaml")
    result = lint(path, config=config)
    assert not by_rule(result, "template-hardcoded-claim")
    assert not by_rule(result, "template-unknown-variable")
    undeclared = lint(path)  # without the declaration, met_at is a typo-like unknown field
    assert [f.text for f in by_rule(undeclared, "template-unknown-variable")] == \
        ["contact.met_at", "contact.met_at"]


def test_unknown_field_suggests_the_closest(tmp_path: Path) -> None:
    path = FIXTURES / "corpus" / "c06.txt.j2"
    (finding,) = by_rule(lint(path, crm=CRM_DIR), "template-unknown-variable")
    assert where(finding) == (2, 10, 2, 27)
    assert spanned(path, finding) == "contact.fist_name"
    assert "did you mean 'first_name'?" in finding.message
    assert finding.category == "merge_field"


@pytest.mark.parametrize(("body", "variable", "hint"), [
    ("Hi {{ first_name }},", "first_name", "did you mean 'contact.first_name'?"),
    ("{% for a in activities | selectattr('tpye', 'equalto', 'call') %}x{% endfor %}",
     "activities.tpye", "did you mean 'type'?"),
    ("{{ contact.get('compnay') }}", "contact.get", "did you mean 'company'?"),
    ("{% for a in activities %}{{ a.subjet | default('') }}{% endfor %}", "a.subjet",
     "did you mean 'subject'?"),
])
def test_unknown_variables(tmp_path: Path, body: str, variable: str, hint: str) -> None:
    result = lint(write(tmp_path, "t.txt.j2", body + "\n" + FOOTER))
    (finding,) = by_rule(result, "template-unknown-variable")
    assert hint in finding.message and finding.location.line == 1


def test_names_the_template_defines_are_known(tmp_path: Path) -> None:
    body = ("{% set who = contact.first_name or 'there' %}{% macro sig(n) %}{{ n }}{% endmacro %}"
            "Hi {{ who }}, {{ sig(sender.name) }} {{ range(2) | list | length }} {{ loop }}\n")
    assert not by_rule(lint(write(tmp_path, "t.txt.j2", body + FOOTER)),
                       "template-unknown-variable")


def test_field_that_may_be_empty_needs_a_fallback(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hi {{ contact.first_name }},\n\nNotes attached.\n"
                                       + FOOTER)
    (finding,) = by_rule(lint(path), "template-unguarded-variable")
    assert where(finding) == (1, 4, 1, 28) and finding.severity == "warning"
    assert "'Hi ,'" in finding.message and "built-in empty sample" in finding.message
    # the rendered "Hi ," of the empty sample is the same problem: reported once
    assert not by_rule(lint(path), "empty-merge-value")


@pytest.mark.parametrize("greeting", [
    "Hi {{ contact.first_name | default('there') }},",
    "Hi {{ contact.first_name or 'there' }},",
    "{% if contact.first_name %}Hi {{ contact.first_name | title }},{% else %}Hello,{% endif %}",
    "Hi {{ sender.name }},",  # the sender's fields are required
    "{% for a in activities %}{{ a.type }} on {{ a.date }}{% endfor %}",  # required fields
])
def test_fallbacks_conditions_and_required_fields(tmp_path: Path, greeting: str) -> None:
    result = lint(write(tmp_path, "t.txt.j2", greeting + "\n\nNotes attached.\n" + FOOTER))
    assert not [f for f in result.findings if f.category == "merge_field"], result.findings


def test_may_be_empty_follows_the_sample_crm(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hi {{ contact.first_name }},\n\nNotes attached.\n"
                                       + FOOTER)
    assert not by_rule(lint(path, crm=CRM_DIR), "template-unguarded-variable")
    (finding,) = by_rule(lint(path, crm=FIXTURES / "crm-gaps"), "template-unguarded-variable")
    assert "noname@fernmoor.example.com" in finding.message


def test_required_in_the_data_model_is_never_empty(tmp_path: Path) -> None:
    write(tmp_path, ".honestreach.yaml",
          "data-model:\n  contact:\n    first_name: {type: string, required: true}\n")
    path = write(tmp_path, "t.txt.j2", "Hi {{ contact.first_name }},\n\nNotes.\n" + FOOTER)
    result = lint(path, config=load_config(tmp_path / ".honestreach.yaml"))
    assert not [f for f in result.findings if f.category == "merge_field"], result.findings


@pytest.mark.parametrize(("token", "column"), [
    ("*|FNAME|*", 4), ("[First Name]", 4), ("%%FNAME%%", 4), ("{first_name}", 4),
])
def test_other_tools_merge_tokens(tmp_path: Path, token: str, column: int) -> None:
    path = write(tmp_path, "t.txt.j2", f"Hi {token},\n\nNotes attached.\n" + FOOTER)
    (finding,) = by_rule(lint(path), "unfilled-merge-field")
    assert where(finding) == (1, column, 1, column + len(token))


def test_an_unclosed_opener_before_a_long_line_is_a_syntax_error_found_at_once(tmp_path: Path) -> None:
    # An opener followed by a long run of words and spaces with no closer once made the
    # foreign-token hint scan the rest of the line from every space (quadratic: about 10 s at
    # 100 KB); a regression shows up as a slow suite, not as a failed timing.
    path = write(tmp_path, "t.txt.j2", "Hi {{ " + "word " * 20_000 + "\n\nNotes.\n" + FOOTER)
    (finding,) = by_rule(lint(path), "template-syntax-error")
    assert finding.location.line == 1 and "another tool" not in finding.message


def test_hubspot_style_token_is_a_syntax_error_that_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hi {{lead.First Name}},\n\nNotes.\n" + FOOTER)
    (finding,) = by_rule(lint(path), "template-syntax-error")
    assert finding.location.line == 1 and finding.category == "merge_field"
    assert "looks like another tool's merge field" in finding.message


# -- subjects -------------------------------------------------------------------------------------
def test_subject_from_a_leading_comment(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "{# Subject: Last chance, {{ contact.first_name | "
                                       "default('friend') }}! #}\nHello,\n\nNotes.\n" + FOOTER)
    result = lint(path, crm=CRM_DIR)
    assert result.subject == "Last chance, Ines!"
    (finding,) = by_rule(result, "last-chance")
    assert finding.field == "subject" and where(finding)[:2] == (1, 13)
    assert spanned(path, finding).lower().startswith("last chance")


def test_subject_from_front_matter(tmp_path: Path) -> None:
    text = ("---\nsubject: \"Hurry, {{ contact.company | default('friends') }}: expires tonight\"\n"
            "---\nHello,\n\nThe notes are attached.\n" + FOOTER)
    path = write(tmp_path, "t.txt.j2", text)
    result = lint(path, crm=CRM_DIR)
    assert result.subject == "Hurry, Fernmoor Logistics: expires tonight"
    subject_findings = [f for f in result.findings if f.field == "subject"]
    assert subject_findings and all(f.location.line == 2 for f in subject_findings)
    deadline = next(f for f in subject_findings if f.rule == "same-day-deadline")
    assert spanned(path, deadline) == "expires tonight"
    # the front matter is not part of the body
    assert not [f for f in result.findings if f.field == "body"], result.findings


def test_front_matter_that_is_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "---\nsubject: [unclosed\n---\nHello,\n" + FOOTER)
    (finding,) = by_rule(lint(path), "template-syntax-error")
    assert finding.location.line in (2, 3) and "front matter" in finding.message


def test_split_keeps_offsets_and_lines() -> None:
    text = "{# Subject: Hi {{ contact.first_name }} #}\nBody {{ x }}\n"
    split = split_template(text)
    assert split.subject is not None and split.subject.text == "Hi {{ contact.first_name }}"
    assert text[split.subject.origins[0]:].startswith("Hi {{")
    assert len(split.body.text) == len(text) and split.body.text.endswith("Body {{ x }}\n")
    kinds = [(s.kind, split.body.text[s.start:s.end]) for s in scan(split.body.text)
             if s.kind != "data"]
    assert kinds[1] == ("var", "{{ x }}")


def test_scan_handles_strings_brackets_and_raw() -> None:
    text = "a{{ '}}' ~ {'k': 1}['k'] }}b{% raw %}{{ not a tag }}{% endraw %}c{#- c -#}d"
    segments = scan(text)
    data = ["".join(text[s.start:s.end]) for s in segments if s.kind == "data"]
    assert data == ["a", "b", "{{ not a tag }}", "c", "d"]
    comment = next(s for s in segments if s.kind == "comment")
    assert comment.strip_left and comment.strip_right


# -- rendered checks, mapped back -----------------------------------------------------------------
def test_rendered_findings_point_at_the_template(tmp_path: Path) -> None:
    text = ("{# Subject: Notes for {{ contact.company | default('you') }} #}\n"
            "Hi {{ contact.first_name | default('there') }},\n"
            "{% for a in activities %}{% if a.type == 'meeting' %}\n"
            "Thanks for the chat on {{ a.date }}.\n"
            "{% endif %}{% endfor %}\n"
            "{%- set cta = 'Only 3 spots left' %}\n"
            "{{ cta }} in the pilot. This offer expires tonight.\n" + FOOTER)
    path = write(tmp_path, "t.txt.j2", text)
    result = lint(path, crm=CRM_DIR)
    scarcity = by_rule(result, "few-left")
    deadline = by_rule(result, "same-day-deadline")
    assert [where(f) for f in scarcity] == [(7, 1, 7, 10)]  # the whole {{ cta }} tag
    assert spanned(path, scarcity[0]) == "{{ cta }}"
    assert [where(f) for f in deadline] == [(7, 36, 7, 51)]


def test_literal_text_in_a_loop_maps_to_itself(tmp_path: Path) -> None:
    text = ("Hello,\n\n{% for a in activities %}- {{ a.subject }}: act now before it's "
            "too late\n{% endfor %}\n" + FOOTER)
    path = write(tmp_path, "t.txt.j2", text)
    findings = [f for f in lint(path, crm=CRM_DIR).findings
                if f.category in ("pressure", "urgency")]
    assert findings and {f.location.line for f in findings} == {3}
    assert all(spanned(path, f) in text for f in findings)


def test_whitespace_control_keeps_the_mapping(tmp_path: Path) -> None:
    text = ("Hello,\n\n{%- if contact.first_name -%}\n   Only 2 seats left\n{%- endif %} "
            "for the workshop.\n" + FOOTER)
    path = write(tmp_path, "t.txt.j2", text)
    (finding,) = by_rule(lint(path, crm=CRM_DIR), "few-left")
    assert finding.location.line == 4 and spanned(path, finding).startswith("Only 2 seats")


def test_hardcoded_claim_rendered_for_a_contact_without_it_is_a_claim_error() -> None:
    path = FIXTURES / "corpus" / "c02.txt.j2"
    result = lint(path, crm=CRM_DIR)
    body = [f for f in by_rule(result, "meeting-pleasantry") if f.field == "body"]
    (finding,) = body
    assert finding.category == "claim.meeting" and finding.severity == "error"
    assert where(finding)[:2] == (4, 8)
    # Ines met the sender at the expo last month (supported); the other two did not.
    assert "rendered for 2 of 3 samples" in finding.message
    assert "ines.halloran" not in finding.message.split("[rendered")[1]


def test_findings_are_merged_across_samples(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hello,\n\nThe pilot price is yours, but "
                                       "{{ 'this offer expires tonight' }}.\n" + FOOTER)
    result = lint(path, crm=CRM_DIR)
    deadline = [f for f in result.findings if f.category == "urgency"]
    assert len(deadline) == 1 and "rendered for 3 of 3 samples" in deadline[0].message


def test_suppressed_recipients_are_not_the_templates_fault(tmp_path: Path) -> None:
    crm = write(tmp_path, "crm.yaml", yaml.safe_dump({
        "contacts": [{"email": "gone@x.example.com", "first_name": "Al", "email_opt_out": "true"}],
        "accounts": [], "activities": []}))
    path = write(tmp_path, "t.txt.j2", "Hi {{ contact.first_name }},\n\nNotes.\n" + FOOTER)
    result = lint(path, crm=crm)
    assert not [f for f in result.findings if f.category == "compliance.suppressed"]


def test_scores_are_those_of_the_fullest_sample(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "{# Subject: For {{ contact.first_name | default('you') }}"
                                       " #}\nHi {{ contact.first_name | default('there') }},\n\n"
                                       "Here are the notes on {{ contact.interests | first | "
                                       "default('routing') }}.\n" + FOOTER)
    result = lint(path, crm=CRM_DIR)
    assert result.subject == "For Ines"  # Ines has the most fields and activities
    assert result.scores is not None and result.scores.relevance > 50
    builtin = lint(path)
    assert builtin.subject == "For Alex"  # the built-in full sample


def test_html_templates_are_autoescaped_and_mapped(tmp_path: Path) -> None:
    text = ("{# Subject: Notes for {{ account.company | default('you') }} #}\n"
            "<html><body><p>Hi {{ contact.first_name | default('there') }},</p>\n"
            "<p>Notes for {{ account.company | default('your team') }}. "
            "<b>Only 3 seats left!</b></p>\n"
            "<p>Quayline Routing, 12 Wharf Road, Baltimore, MD 21230, USA<br>"
            "<a href=\"https://quayline.example.net/unsubscribe\">Unsubscribe</a></p>"
            "</body></html>\n")
    path = write(tmp_path, "welcome.html.j2", text)
    result = lint(path, crm=CRM_DIR)
    assert result.subject in ("Notes for Fernmoor Logistics", "Notes for Bellweather Foods")
    (finding,) = by_rule(result, "few-left")
    assert spanned(path, finding).startswith("Only 3 seats")
    assert not [f for f in result.findings if f.category.startswith("compliance")]


def test_eml_templates_take_their_subject_from_the_header(tmp_path: Path) -> None:
    text = ("From: Theo Marsh <theo.marsh@quayline.example.net>\n"
            "Subject: Final notice for {{ contact.company | default('you') }}\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            "Hi {{ contact.first_name | default('there') }},\n\nNotes attached.\n" + FOOTER)
    path = write(tmp_path, "intro.eml.j2", text)
    result = lint(path, crm=CRM_DIR)
    assert result.subject and result.subject.startswith("Final notice for")
    subject = [f for f in result.findings if f.field == "subject"]
    assert subject and all(f.location.line == 2 for f in subject)


def test_suppression_directives_in_jinja_comments(tmp_path: Path) -> None:
    text = ("Hello,\n\n{# honestreach: disable-next-line=template-hardcoded-claim,claim.meeting"
            " #}\n"
            "Great meeting you at the Freight Planning Expo.\n" + FOOTER)
    result = lint(write(tmp_path, "t.txt.j2", text), crm=CRM_DIR)
    assert not [f for f in result.findings if f.category.startswith(("claim", "template."))]


def test_partials_are_checked_statically_only() -> None:
    partial = lint(FIXTURES / "includes" / "_footer.txt.j2")
    assert not partial.findings and not partial.errors
    including = lint(FIXTURES / "includes" / "with-footer.txt.j2", crm=CRM_DIR)
    assert [f.rule for f in including.findings] == ["same-day-deadline"]


# -- bad input ------------------------------------------------------------------------------------
BAD = FIXTURES / "bad"


@pytest.mark.parametrize(("name", "rule", "line"), [
    ("syntax.txt.j2", "template-syntax-error", 4),
    ("unclosed.txt.j2", "template-syntax-error", 3),
    ("undefined-filter.txt.j2", "template-undefined-filter", 2),
    ("missing-include.txt.j2", "template-include-error", 5),
    ("recursive-a.txt.j2", "template-include-error", 4),
    ("self-include.txt.j2", "template-include-error", 4),
    ("escape-globals.txt.j2", "template-sandbox-violation", 4),
    ("escape-mro.txt.j2", "template-sandbox-violation", 4),
    ("escape-dynamic.txt.j2", "template-sandbox-violation", 4),
    ("enormous.txt.j2", "template-render-limit", 4),
    ("forever.txt.j2", "template-render-limit", 4),
    ("recursive-macro.txt.j2", "template-render-limit", 2),
])
def test_bad_templates_are_findings_at_their_line(name: str, rule: str, line: int) -> None:
    result = lint(BAD / name)
    found = by_rule(result, rule)
    assert found, result.findings
    assert found[0].location.line == line
    assert found[0].severity == "error" and found[0].category == "merge_field"
    assert not result.errors


def test_undefined_filter_names_the_closest() -> None:
    (finding,) = by_rule(lint(BAD / "undefined-filter.txt.j2"), "template-undefined-filter")
    assert "No filter named 'capitalise'" in finding.message and "'capitalize'" in finding.message


def test_undefined_test_inside_a_condition(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hello,\n{% if contact is customerish %}Hi.{% endif %}\n")
    (finding,) = by_rule(lint(path), "template-undefined-filter")
    assert finding.location.line == 2 and "No test named 'customerish'" in finding.message


def test_a_sandbox_escape_executes_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "escaped"
    path = write(tmp_path, "t.txt.j2", "Hello,\n{{ cycler.__init__.__globals__.os.system("
                                       f"'touch {marker}')" + " }}\n")
    result = lint(path)
    assert by_rule(result, "template-sandbox-violation") and not marker.exists()


def test_a_dynamic_sandbox_escape_stops_rendering() -> None:
    result = lint(BAD / "escape-dynamic.txt.j2")
    (finding,) = by_rule(result, "template-sandbox-violation")
    assert "__class__" in finding.message
    # the text after the violation was never rendered
    assert not [f for f in result.findings if f.category == "urgency"]


def test_infinite_loop_is_stopped_by_the_time_limit() -> None:
    started = time.monotonic()
    (finding,) = by_rule(lint(BAD / "forever.txt.j2"), "template-render-limit")
    assert time.monotonic() - started < 5
    assert "took longer than 0.5 s" in finding.message


TOO_LARGE = [
    "{{ 'spam' * 1000000 }}",
    "{% set a = 'x' * 1000 %}" + "{% set a = a ~ a %}" * 10 + "{{ a }}",
    "{{ '%999999999d' % 5 }}",
    "{{ '{:>999999999}'.format(5) }}",
    "{{ 'x' | center(999999999) }}",
    "{{ 9 ** 999999 }}",
    "{{ lipsum(1000000) }}",
    "{{ ('ab' * 90000).replace('a', 'aaaa') }}",
    # each would build 10 to 20 million characters if it ran: stopped before it runs
    "{{ ('a' * 1000).join(['x'] * 20000) }}",
    "{{ '%*s' | format(20000000, 'a') }}",
    "{{ '%-*.*f' % (20000000, 2, 1.5) }}",
    "{{ '{0:>{1}}'.format('a', 20000000) }}",
    "{{ ('a' ~ '\t').expandtabs(20000000) }}",
    "{{ ('a' * 1000).translate({97: 'b' * 20000}) }}",
    "{{ ('ab ' * 1000) | wordwrap(1, wrapstring='x' * 10000) }}",
    "{{ ('a' * 1000) | wordwrap(1) | indent('b' * 20000) }}",
    "{{ range(1000) | join('x' * 20000) }}",
    "{{ lipsum(100, max=20000) }}",
    # a list of references to one long text is small until it is written out
    "{% set b = 'a' * 100000 %}{{ [b] * 100 }}",
    "{% set b = 'a' * 100000 %}{% set x = [] %}{% for i in range(100) %}"
    "{% set _ = x.append(b) %}{% endfor %}{{ x }}",
    "{% set b = 'a' * 100000 %}{% set x = [] %}{% for i in range(100) %}"
    "{% set _ = x.append(b) %}{% endfor %}{{ x | join }}",
    "{% set b = 'a' * 100000 %}{% set x = [] %}{% for i in range(100) %}"
    "{% set _ = x.append(b) %}{% endfor %}{{ '%s' % (x,) }}",
    "{% set s %}{% for i in range(100) %}{{ 'a' * 100000 }}{% endfor %}{% endset %}{{ s }}",
    # new texts kept one after another: the budget of one rendering
    "{% set x = [] %}{% for i in range(100) %}{% set _ = x.append('a' * 100000) %}"
    "{% endfor %}{{ x | length }}",
    "{% set b = 'a' * 100000 %}{% set x = [] %}{% for i in range(100) %}"
    "{% set _ = x.append(b[i:]) %}{% endfor %}{{ x | length }}",
]


@pytest.mark.parametrize("expression", TOO_LARGE)
def test_values_too_large_to_build_are_stopped(tmp_path: Path, expression: str) -> None:
    path = write(tmp_path, "t.txt.j2", f"Hello,\n{expression}\n")
    started = time.monotonic()
    (finding,) = by_rule(lint(path), "template-render-limit")
    assert finding.location.line == 2 and time.monotonic() - started < 5


def test_a_long_list_of_real_records_goes_through_the_filters_that_read_it() -> None:
    # 5,000 activities of one contact hold more than the size limit: read, never written out
    activities = [{"type": "email", "date": f"2026-01-{1 + i % 28:02d}",
                   "subject": "Re: the cold-chain quote for the spring season"}
                  for i in range(5000)]
    template = TemplateEnvironment(None, autoescape=False).from_string(
        "{{ activities | length }} {{ (activities | first).subject }}"
        "{% for a in activities | sort(attribute='date') | reverse %}"
        "{% if loop.index < 3 %} {{ a.subject | upper }}{% endif %}{% endfor %}"
        " {{ activities | selectattr('type', 'equalto', 'email') | list | length }}")
    output, problem, _ = render(template, {"activities": activities}, clock() + 5,
                                Limits())
    assert problem is None and output.startswith("5000 Re: the cold-chain quote")
    assert output.endswith("SPRING SEASON 5000")


def test_a_template_error_as_time_runs_out_is_reported_not_raised(monkeypatch) -> None:
    # The template fails just as its time runs out, so that the time is up while the failure
    # is being reported: the watch must not stop that reporting, which would escape as a
    # crash (the fuzzer found it: a sandbox violation on a machine so busy that 2 s passed).
    from honestreach.templates import sandbox

    expired = []
    monkeypatch.setattr(sandbox, "clock", lambda: 1e9 if expired else 0.0)
    report = sandbox._problem

    def report_late(*args):  # type: ignore[no-untyped-def]
        expired.append(True)
        return report(*args)

    monkeypatch.setattr(sandbox, "_problem", report_late)
    template = TemplateEnvironment(None, autoescape=False).from_string(
        "Hello,\n{{ ''.__class__ }}\n")
    output, problem, _ = render(template, {}, 5.0, Limits())
    assert problem is not None and problem.kind == "sandbox", problem
    assert sys.gettrace() is None


@pytest.mark.parametrize("expression", TOO_LARGE[8:])
def test_values_too_large_are_refused_before_they_are_built(expression: str) -> None:
    # Each would take 10 to 20 MB (a 3 GB one is as easy to write): refused, they take none.
    template = TemplateEnvironment(None, autoescape=False).from_string(expression)
    tracemalloc.start()
    try:
        _, problem, _ = render(template, {}, clock() + 5, Limits())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem is not None and problem.kind == "limit", problem
    assert peak < 6_000_000, f"{peak:,} bytes"


def test_output_is_cut_at_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hello,\n{% for i in range(50) %}0123456789{% endfor %}\n")
    (finding,) = by_rule(lint(path, limits=Limits(output=200)), "template-render-limit")
    assert "longer than 200 characters" in finding.message


def test_include_with_ignore_missing_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hello,\n{% include 'nope.j2' ignore missing %}\n" + FOOTER)
    assert not by_rule(lint(path), "template-include-error")


def test_included_template_with_a_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "part.j2", "ok\n{% if %}\n")
    path = write(tmp_path, "t.txt.j2", "Hello,\n\n{% include 'part.j2' %}\n" + FOOTER)
    (finding,) = by_rule(lint(path), "template-include-error")
    assert finding.location.line == 3 and "syntax error on its line 2" in finding.message


def test_render_error_names_the_samples(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hello,\nWe counted {{ 100 // (account.employees or 0) }}.\n"
                 + FOOTER)
    (finding,) = by_rule(lint(path), "template-render-error")
    assert "ZeroDivisionError" in finding.message and "built-in empty sample" in finding.message
    assert finding.location.line == 2


# -- configuration, data model, inputs, command line ---------------------------------------------
def test_data_model_defaults_and_merging() -> None:
    model = DataModel.from_config({"contact": {"met_at": "date", "title": None},
                                   "offer": {"code": {"type": "string", "required": True}},
                                   "sender": None})
    assert model.field("contact", "met_at").type == "date"
    assert model.field("contact", "title") is None
    assert model.field("offer", "code").required
    assert "sender" not in model.variables()
    assert model.variables()["activities"] == ("list", "activity")
    assert "offer" in model.crm_variables() and "contact" in model.crm_variables()


def test_config_validates_the_data_model(tmp_path: Path) -> None:
    path = write(tmp_path, ".honestreach.yaml",
                 "sample-crm: crm\ndata-model:\n  contact:\n    met_at: datetime\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.error.line == 4
    assert "'datetime' is not one of" in raised.value.error.message
    write(tmp_path, ".honestreach.yaml", "sample-crm: crm\ndata-model:\n  contact:\n"
                                         "    met_at: {type: date, required: false}\n")
    config = load_config(path)
    assert config.sample_crm == str((tmp_path / "crm").resolve())
    assert config.data_model == {"contact": {"met_at": {"type": "date", "required": False}}}


def test_folders_yield_templates() -> None:
    items = list(iter_inputs([str(FIXTURES / "includes")]))
    assert [(Path(i.path).name, i.kind) for i in items] == [
        ("_footer.txt.j2", "template"), ("with-footer.txt.j2", "template")]


def test_linter_uses_the_configured_sample_crm(tmp_path: Path) -> None:
    write(tmp_path, ".honestreach.yaml", f"sample-crm: {CRM_DIR}\n")
    path = write(tmp_path, "t.txt.j2", "{# Subject: For {{ contact.first_name }} #}\nHello,\n\n"
                                       "Notes.\n" + FOOTER)
    (result,) = Linter(Overrides(date=TODAY)).run([str(path)])
    assert result.subject == "For Ines" and not result.errors
    write(tmp_path, ".honestreach.yaml", "sample-crm: missing-folder\n")
    (broken,) = Linter().run([str(path)])
    assert broken.errors and "sample CRM" in broken.errors[0].message


def test_cli_checks_templates_with_a_sample_crm(honestreach) -> None:
    corpus = str(FIXTURES / "corpus")
    run = honestreach("check", "--no-cache", "--format", "json", "--date", "2026-11-10",
                      "--sample-crm", str(CRM_DIR), corpus)
    assert run.code == 1
    files = {Path(f["path"]).name: f for f in run.json["files"]}
    assert set(files) == {e["file"] for e in LABELS}
    assert not files["c01.txt.j2"]["findings"] and not files["c07.txt.j2"]["findings"]
    rules = {x["rule"] for x in files["c06.txt.j2"]["findings"]}
    assert rules == {"template-unknown-variable"}
    good = honestreach("check", "--no-cache", "--no-color", "--sample-crm", str(CRM_DIR),
                       str(FIXTURES / "corpus" / "c07.txt.j2"))
    assert good.code == 0 and "respect 100/100" in good.stdout


def test_cli_reports_an_unreadable_sample_crm(honestreach, tmp_path: Path) -> None:
    run = honestreach("check", "--no-cache", "--sample-crm", str(tmp_path / "nope"),
                      str(FIXTURES / "corpus" / "c07.txt.j2"))
    assert run.code == 2 and "sample CRM" in run.stderr


def test_cli_json_report_of_a_broken_template(honestreach) -> None:
    run = honestreach("check", "--no-cache", "--format", "json", str(BAD / "syntax.txt.j2"))
    (entry,) = run.json["files"]
    assert run.code == 1
    assert [(f["rule"], f["line"]) for f in entry["findings"]] == [("template-syntax-error", 4)]
    assert json.dumps(entry)  # plain data


def test_extends_maps_child_text_to_the_child(tmp_path: Path) -> None:
    write(tmp_path, "base.jinja", "Hello,\n\n{% block content %}{% endblock %}\n" + FOOTER)
    child = write(tmp_path, "child.jinja2", "{% extends 'base.jinja' %}\n{% block content %}"
                                            "Only 2 seats left for {{ contact.company | "
                                            "default('you') }}!{% endblock %}\n")
    result = lint(child, crm=CRM_DIR)
    (finding,) = by_rule(result, "few-left")
    assert where(finding)[:2] == (2, 20) and not result.errors
    assert not [f for f in result.findings if f.category.startswith("compliance")]


def test_a_template_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt.j2"
    path.write_bytes(b"Hi caf\xe9 {{ contact.first_name }}\n")
    (result,) = Linter().run([str(path)])
    assert result.errors and "not UTF-8" in result.errors[0].message and not result.findings


def test_nesting_too_deep_to_compile_is_a_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "t.txt.j2", "Hello,\n{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}\n")
    (finding,) = by_rule(lint(path), "template-syntax-error")
    assert "RecursionError" in finding.message


def test_a_unit_finds_the_start_of_each_of_its_lines() -> None:
    from honestreach.templates.source import Unit

    text = "".join(f"line {n}\n" for n in range(1, 13_001)) + "last"
    unit = Unit("body", text, range(len(text)), text)
    assert unit.line_offset(1) == 0 and unit.line_offset(0) == 0
    assert unit.line_offset(2) == len("line 1\n")
    assert text[unit.line_offset(12_000):].startswith("line 12000\n")
    assert text[unit.line_offset(13_001):] == "last"
    assert unit.line_offset(20_000) == unit.line_offset(13_001)  # past the end: the last line
