"""Fuzzing: for any input, every public entry point returns a result or a clean error.

A clean error is a ParseError (an input that cannot be read), a RuleError (a rule file), a
failed campaign row or a CampaignSourceError; never another exception, and never an
"internal error" result (the pipeline's safety net catching a bug). Inputs are the seeds of
``tests/fixtures/fuzz/`` (and the other input fixtures) mutated by ``scripts/fuzz.py``'s
operators, driven by Hypothesis, plus generated HTML, templates and rule files.

This is the short run (a few dozen inputs per target, the same ones every run); the long run
is ``python scripts/fuzz.py -n 100000`` (docs/fuzzing.md).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from honestreach.campaign.sources import CampaignSourceError, ReadProgress, iter_rows
from honestreach.campaign.worker import Checker, WorkerSettings
from honestreach.checks.base import CACHED_CHARS, text_cache
from honestreach.config import Config
from honestreach.htmltext import MalformedHtml, html_to_text
from honestreach.message import ParseError, parse_draft, parse_recipients
from honestreach.mime import parse_eml
from honestreach.model import Message
from honestreach.pipeline import Linter
from honestreach import readability
from honestreach.readability import reading_ease
from honestreach.rules import RuleError, load_rules
from honestreach.sources import InputProblem, input_from_bytes, parse_input
from honestreach.templates import template_checker
from honestreach.tokens import tokenize

REPO = Path(__file__).parent.parent
_SPEC = importlib.util.spec_from_file_location("fuzz", REPO / "scripts" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_SPEC)
sys.modules["fuzz"] = fuzz  # its dataclasses look their module up
_SPEC.loader.exec_module(fuzz)

SEEDS = fuzz.load_seeds()
EML = [s for s in SEEDS if s.suffix == ".eml"]
HTML = [s for s in SEEDS if s.suffix == ".html"]
MESSAGES = [s for s in SEEDS if s.suffix in (".eml", ".txt", ".html")]
TEMPLATES = [s for s in SEEDS if s.suffix == ".j2"]
CAMPAIGNS = [s for s in SEEDS if s.suffix in fuzz.CAMPAIGN_SUFFIXES]
# The short run keeps inputs small; the long run (scripts/fuzz.py) goes to megabytes.
MAX_BYTES = 256 * 1024

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def mutated(seeds: list) -> st.SearchStrategy[bytes]:
    """A seed mutated by 1-5 of the fuzzer's operators (byte flips, splices, charset swaps...)."""
    return st.builds(lambda seed, rng: fuzz.mutate(seed.data, rng, SEEDS)[0][:MAX_BYTES],
                     st.sampled_from(seeds), st.randoms(use_true_random=False))


def assert_positions(message: Message) -> None:
    """Every checked character maps to a place in the file's text."""
    size = len(message.source.text)
    for text_field in (message.subject, message.body, message.sender_name):
        if text_field is not None and len(text_field.origins):
            assert 0 <= min(text_field.origins) and max(text_field.origins) <= size


# -- the .eml / MIME parser, drafts and HTML files -------------------------------------------------
@FUZZ
@given(mutated(EML))
def test_mutated_eml_is_parsed_or_refused(data: bytes) -> None:
    item = input_from_bytes("fuzz.eml", data)
    if isinstance(item, InputProblem):
        return
    try:
        message = parse_input(item)
    except ParseError as exc:
        assert exc.message and "\n" not in exc.message
        return
    assert_positions(message)


@FUZZ
@given(mutated(MESSAGES), st.sampled_from(["fuzz.txt", "fuzz.html", "fuzz.md", "-", "fuzz"]))
def test_mutated_input_of_any_kind_is_parsed_or_refused(data: bytes, name: str) -> None:
    item = input_from_bytes(name, data)
    if isinstance(item, InputProblem):
        return
    try:
        message = parse_input(item)
    except ParseError:
        return
    assert_positions(message)


# -- HTML to text ------------------------------------------------------------------------------------
HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<div>", "</div>", "<br>", "<br/>", "<table><tr><td>", "</td></tr></table>",
    "<a href=\"https://example.com/x\">", "<a href='mailto:a@example.com'>", "</a>", "<ul><li>",
    "<script>", "</script>", "<style>", "</style>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;",
    "&nbsp;", "&#233;", "&#x1F600;", "&#1114112;", "&bogus;", "&", "<", ">", "\"", "'",
    "<blockquote class=\"gmail_quote\">", "</blockquote>", "<span style=\"display:none\">",
    "<meta charset=\"idna\">", "<img alt=\"x\">", "<title>", "<head>", "<body>", "</html>",
    "<template>", "<noscript>", "<p style=\"font-size:0\">", "\n", "\r\n", "\t", " ",
])
HTML_TEXT = st.lists(st.one_of(HTML_PIECES, st.text(max_size=12)), max_size=80).map("".join)


@FUZZ
@given(HTML_TEXT)
def test_html_to_text_maps_every_character(html: str) -> None:
    try:
        text, origins, links = html_to_text(html)
    except MalformedHtml as exc:
        assert 0 <= exc.offset <= len(html)
        return
    assert len(origins) == len(text)
    assert all(0 <= origin <= len(html) for origin in origins)
    assert all(isinstance(link, str) for link in links)


@FUZZ
@given(mutated(HTML))
def test_mutated_html_file_is_parsed_or_refused(data: bytes) -> None:
    item = input_from_bytes("fuzz.html", data)
    if isinstance(item, InputProblem):
        return
    try:
        assert_positions(parse_input(item))
    except ParseError:
        pass


# -- templates ---------------------------------------------------------------------------------------
TEMPLATE_PIECES = st.sampled_from([
    "{{ contact.first_name }}", "{{ contact.company | default('you') }}", "{{ x }}", "{{",
    "}}", "{%", "%}", "{% if contact.email %}", "{% else %}", "{% endif %}",
    "{% for a in activities %}", "{% endfor %}", "{{ a.date }}", "{# Subject: Hello #}",
    "{#", "#}", "{% set n = 3 %}", "{{ n * 1000 }}", "{{ 'ab' * 99999999 }}",
    "{{ ('a' * 3000).join(['x'] * 3000) }}", "{{ '%*s' | format(100000000, 'a') }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{{ range(10**9) | list }}",
    "{{ ''.__class__ }}", "{{ cycler.__init__.__globals__ }}", "{% include 'x.j2' %}",
    "{% raw %}", "{% endraw %}", "{{ contact.first_name | upper | nosuchfilter }}",
    "Hi ", "there", ",", "\n", "\n\n", "Only 2 seats left!", "Reply stop to opt out.",
    "[First Name]", "*|FNAME|*", "\u00e9", "\x00",
])
TEMPLATE_TEXT = st.lists(st.one_of(TEMPLATE_PIECES, st.text(max_size=10)), max_size=40).map("".join)


@pytest.fixture(scope="module")
def checker():
    linter = Linter()
    config = Config()
    return template_checker(linter.ruleset(config), linter.engine(config), config)


@FUZZ
@given(st.one_of(TEMPLATE_TEXT, mutated(TEMPLATES).map(
    # Kept small: rendering a template of hundreds of kilobytes can take minutes (reported).
    lambda b: b[:8192].decode("utf-8", "replace"))))
def test_template_is_checked_or_reported(checker, text: str) -> None:
    started = time.monotonic()
    result = checker.check("fuzz.txt.j2", text)
    assert not [e for e in result.errors if "internal error" in e.message]
    assert time.monotonic() - started < 60


# -- rule files ----------------------------------------------------------------------------------
YAML_SCALARS = st.one_of(
    st.sampled_from(["urgency", "scarcity", "warning", "error", "info", "~", "null", "yes",
                     "'{text}'", "\"[\"", "((a{1000}){1000})", "{count}", "^", "...", "#",
                     "*", "=word", "a|b", "(optional)", "[unclosed", "&anchor x", "*anchor",
                     "!!python/object:os.system", "1e999", "-", ""]),
    st.text(max_size=12),
)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(
                                   ["name", "category", "severity", "message", "patterns",
                                    "phrases", "sequence", "near", "regex", "examples", "bad",
                                    "good", "context", "classes", "subject", "x"]),
                                   children, max_size=5)),
    max_leaves=20,
)
RULE_DOCUMENT = st.one_of(
    st.dictionaries(st.sampled_from(["name", "category", "severity", "message", "rationale",
                                     "suggestion", "patterns", "examples", "context",
                                     "stage", "options"]), YAML_VALUES, max_size=9)
    .map(lambda d: json.dumps(d, ensure_ascii=False)),  # JSON is YAML
    st.text(max_size=200),
    st.just("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c]\n"),
    st.just("patterns:\n" + "  - " * 1 + "[" * 2000 + "]" * 2000 + "\n"),
)


@FUZZ
@given(RULE_DOCUMENT, st.sampled_from(["fuzz-rule.yaml", "vocab/fuzz.yaml"]))
def test_rule_file_loads_or_is_an_error(document: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document, encoding="utf-8", errors="replace")
        ruleset = load_rules([Path(folder)], include_builtin=False)
    assert all(isinstance(error, RuleError) for error in ruleset.errors)


# -- campaign readers ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def campaign_folder():
    """A folder for the campaign file, and a row checker per file name (built once)."""
    with tempfile.TemporaryDirectory() as folder:
        yield folder, {}


@FUZZ
@given(st.sampled_from(CAMPAIGNS).flatmap(
    lambda seed: st.tuples(st.just(seed.suffix), mutated([seed]))))
def test_campaign_rows_are_all_checked_or_failed(campaign_folder, case) -> None:
    suffix, data = case
    folder, checkers = campaign_folder
    path = os.path.join(folder, f"campaign{suffix}")
    Path(path).write_bytes(data)
    progress = ReadProgress()
    try:
        rows = list(iter_rows(path, progress=progress))
    except CampaignSourceError:
        return  # a source that cannot be read at all: one clear error
    if path not in checkers:
        checkers[path] = Checker(WorkerSettings(path))
    records = checkers[path].check_rows(rows)
    assert len(records) == len(rows) == progress.rows
    for record in records:
        assert record.checked or record.errors
        for error in record.errors:
            assert "could not be read: " not in error and "could not be checked: " not in error


# -- the pipeline and the command line -------------------------------------------------------------
@pytest.fixture(scope="module")
def linter():
    return Linter()


@settings(FUZZ, max_examples=20)
@given(st.lists(st.tuples(st.sampled_from([".eml", ".txt", ".html", ".txt.j2"]),
                          mutated(SEEDS)), min_size=1, max_size=6))
def test_every_input_of_a_run_gets_one_result(linter, inputs) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, (suffix, data) in enumerate(inputs):
            paths.append(os.path.join(folder, f"input-{number}{suffix}"))
            Path(paths[-1]).write_bytes(data)
        results = list(linter.run(paths))
    assert [r.path for r in results] == paths
    for result in results:
        assert not [e for e in result.errors if "internal error" in e.message], result.errors


GOOD_DRAFT = (b"Subject: The returns checklist\nTo: ren@client.example.com\n\nHi Ren,\n\n"
              b"Here is the checklist we talked about.\n\nMo\n")


@settings(FUZZ, max_examples=3)
@given(st.lists(mutated(EML + MESSAGES), min_size=3, max_size=3))
def test_check_command_reports_the_good_draft_among_broken_inputs(tmp_path_factory, inputs):
    folder = tmp_path_factory.mktemp("mixed")
    for number, data in enumerate(inputs):
        Path(folder, f"{number}-broken.eml").write_bytes(data)
    Path(folder, "9-good.txt").write_bytes(GOOD_DRAFT)
    completed = subprocess.run(
        [sys.executable, "-m", "honestreach", "check", "--format", "json", str(folder)],
        capture_output=True, timeout=300)
    assert completed.returncode in (0, 1, 2)
    assert b"Traceback" not in completed.stderr
    report = json.loads(completed.stdout)
    text = json.dumps(report)
    assert "9-good.txt" in text and "internal error" not in text


def test_fuzz_script_short_run(tmp_path) -> None:
    """The long-run harness itself: a short run through worker processes, with figures."""
    completed = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fuzz.py"), "-n", "60", "--jobs", "1",
         "--batch", "30", "--seed", "7", "--out", str(tmp_path / "failures"), "--json"],
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    assert figures["inputs"] == 60 and figures["aborted"] == 0 and figures["slow"] == 0


# -- faults the fuzzer found ---------------------------------------------------------------------
@pytest.mark.parametrize("run", ["-" * 200_000, "a-" * 100_000, "." * 200_000, "+" * 200_000])
def test_tokenizing_a_long_run_of_marks_takes_linear_time(run: str) -> None:
    # The e-mail pattern ("[\w.+-]+@...") rescanned the rest of the run at every mark.
    started = time.monotonic()
    tokens = tokenize(run + " x")
    assert len(tokens) > 1
    assert time.monotonic() - started < 5


def test_tokenizing_a_long_blank_tail_takes_linear_time() -> None:
    # A template's directives are blanked before its text is checked: 12,000 tags left 170,000
    # spaces at the end, which the tokenizer's split scanned once from each of them.
    started = time.monotonic()
    tokens = tokenize("Hi Dana,\n\n" + " " * 200_000 + "\n")
    assert tokens.norms == ("hi", "dana", ",")
    assert time.monotonic() - started < 5


def test_reading_ease_of_a_long_run_of_exclamation_marks_takes_linear_time() -> None:
    # The sentence-end pattern ("[.!?]+(?:\s|$)") rescanned the rest of the run at every mark.
    started = time.monotonic()
    reading_ease("Reply no t" + "!" * 100_000 + "hanks and I stop.")
    assert time.monotonic() - started < 5


def test_a_run_of_letters_longer_than_any_word_is_not_remembered() -> None:
    # Junk text made syllable counts of megabyte "words" a long run's largest memory.
    remembered = readability._hyphenated_syllables.cache_info().currsize
    assert readability.syllables("x" * 300_000) == 100_000
    assert readability._hyphenated_syllables.cache_info().currsize == remembered
    assert readability.syllables("unsubscribe") == readability._hyphenated_syllables(
        "unsubscribe") >= 3


def test_checking_a_draft_with_a_long_hyphenated_line_takes_seconds(linter, tmp_path) -> None:
    path = tmp_path / "hyphens.txt"
    path.write_text("Subject: Hi\nTo: a@example.com\n\nHi,\n" + "a-" * 300_000 + "\n")
    started = time.monotonic()
    (result,) = linter.run([str(path)])
    assert not result.errors
    assert time.monotonic() - started < 30  # minutes before


def test_a_template_line_of_thousands_of_tags_points_at_each_tag(linter, tmp_path) -> None:
    # Each unknown variable was searched for from the line's start, past every tag already
    # reported, and each tag found by a scan of all tags: hours for 7,000 tags on one line.
    tags = 3_000
    path = tmp_path / "many.txt.j2"
    path.write_text("Hi {{ contact.first_name }},\n\nYour notes: " + "{{ x }} " * tags
                    + "\n\nBest,\nSam\n")
    started = time.monotonic()
    (result,) = linter.run([str(path)])
    assert time.monotonic() - started < 120
    unknown = [f.location.column for f in result.findings if f.rule == "template-unknown-variable"]
    assert len(unknown) == tags
    assert unknown == sorted(set(unknown))  # one finding on each tag, in order


def test_a_template_of_more_tags_than_the_limit_is_refused_before_it_is_read(linter,
                                                                            tmp_path) -> None:
    # 171,000 tags took a minute and 2.5 GB: parsing, compiling and locating cost per tag.
    path = tmp_path / "flood.txt.j2"
    path.write_text("Hi {{ contact.first_name }},\n\n" + "{{ x }}{# y #}" * 6_000 + "\n")
    (result,) = linter.run([str(path)])
    (finding,) = result.findings
    assert finding.rule == "template-render-limit"
    assert "12,001 tags, more than the 5,000" in finding.message


def test_draft_header_with_a_long_run_of_tabs_is_read_in_linear_time() -> None:
    # "Subject: X<tabs>Y": the header pattern's lazy value tried the rest of the line at every tab.
    started = time.monotonic()
    message = parse_draft("d.txt", "Subject: Shift notes" + "\t" * 100_000 + "x\n\nHi,\n")
    assert time.monotonic() - started < 5
    assert message.subject.text.endswith("x")
    assert parse_draft("d.txt", "Subject: Shift notes \t\r\n\nHi,\n").subject.text == "Shift notes"


def test_eml_of_many_parts_with_lone_cr_line_ends_is_read_in_linear_time() -> None:
    # email splits lines at a lone CR, "^" does not: every part searched the file to its end.
    parts = "".join("--b1\rContent-Type: text/plain\r\rPart %d of the notes.\r" % n
                    for n in range(4000))
    data = ("From: a@example.com\rTo: b@example.com\rSubject: Notes\rMIME-Version: 1.0\r"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\r" + parts + "--b1--\r").encode()
    started = time.monotonic()
    message = parse_eml("notes.eml", data)
    assert time.monotonic() - started < 10
    assert "Part 0 of the notes." in message.body.text


def test_sender_prose_of_a_footer_repeated_many_times_takes_linear_time(linter, tmp_path) -> None:
    # The paragraph breaks were searched again for each trailing footer paragraph dropped.
    path = tmp_path / "footers.txt"
    path.write_text("Subject: Notes\nTo: a@example.com\n\nHi Ana,\n\nThe notes are attached.\n\n"
                    + "Reply stop and I will not write again.\n\n" * 20_000)
    started = time.monotonic()
    (result,) = linter.run([str(path)])
    assert not result.errors
    assert time.monotonic() - started < 20


def test_recipients_of_a_header_with_thousands_of_colons() -> None:
    # The email package reads each ":" as the start of a nested group: RecursionError.
    header = "a:" * 3000 + "Bo <bo@example.com>, c@example.org"
    assert parse_recipients(header) == ("bo@example.com", "c@example.org")
    assert parse_recipients("Ana <ana@example.com>, team: b@example.org;") == (
        "ana@example.com", "b@example.org")


def test_a_reply_subject_to_thousands_of_recipients_is_checked_once(linter, tmp_path) -> None:
    # Each claim of each recipient read the whole To: header again (80 s for 2,000 To: lines),
    # and without a CRM every recipient got the same finding.
    path = tmp_path / "many.eml"
    path.write_text("From: Ana <ana@example.com>\n"
                    + "To: bo@example.org\n" * 2000
                    + "".join(f"Cc: c{n}@example.org\n" for n in range(2000))
                    + "Subject: Re: the depot\n\nHi Bo,\nthe loading bay opens at nine.\n")
    started = time.monotonic()
    (result,) = linter.run([str(path)])
    assert time.monotonic() - started < 20
    assert [f.rule for f in result.findings if f.category == "claim.thread"] == [
        "thread-reply-subject"]
    message = parse_eml("many.eml", path.read_bytes())
    assert len(message.recipients) == 2001 and message.recipients[0] == "bo@example.org"


def test_date_with_a_year_of_a_hundred_digits_is_no_date() -> None:
    # parsedate_to_datetime raised OverflowError, which stopped the message.
    data = (b"From: a@example.com\nTo: b@example.com\nSubject: Notes\n"
            b"Date: Thu, 12 Mar 2026 0" + b"9" * 100 + b":14:00 +0000\n\nHi,\nthe notes.\n")
    assert parse_eml("notes.eml", data).date is None


def test_a_large_ascii_body_is_read_without_a_list_of_byte_offsets() -> None:
    # Each byte's offset was an int in a list: a 4 MB message took 570 MB in a check run.
    body = b"The depot opens at eight and the loading bay at nine.\n" * 75_000
    data = b"From: a@example.com\nTo: b@example.com\nSubject: Notes\n\n" + body
    tracemalloc.start()
    try:
        message = parse_eml("notes.eml", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(message.body.text) == len(body)
    assert message.body.text[message.body.origins[-1] - message.body.origins[0]] == "\n"
    assert peak < 60 * 1024 * 1024


def test_checks_keep_short_texts_in_their_caches_and_one_long_one() -> None:
    # 64 cached bodies of megabytes each held hundreds of megabytes in a long run; but the
    # checks that ask about one long message in turn must share the work (26 s on 4 MB).
    calls = []

    @text_cache(maxsize=8)
    def measure(text: str) -> int:
        calls.append(len(text))
        return len(text)

    short, long, other = "a" * 100, "b" * (CACHED_CHARS + 1), "c" * (CACHED_CHARS + 2)
    assert [measure(short), measure(short), measure(long), measure(long)] == [100, 100] + [
        CACHED_CHARS + 1] * 2
    assert calls == [100, CACHED_CHARS + 1]
    measure(other)
    measure(long)  # only the last long text is remembered
    assert calls == [100, CACHED_CHARS + 1, CACHED_CHARS + 2, CACHED_CHARS + 1]
