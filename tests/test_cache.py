"""The result cache: hits are the first run's results, every input of a result invalidates it,
bad entries are rebuilt, and a fully cached run loads neither spaCy nor the rule files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import honestreach
from honestreach.cache import ResultCache, Settings, codec, keys, model_matches_cache, results, store
from honestreach import cache as cache_module
from honestreach.config import CONFIG_NAMES, find_config_file
from honestreach.model import (FileResult, Finding, InputError, InputNote, Location, Scores,
                               SourceText)
from honestreach.pipeline import Linter, Overrides
from honestreach.report.json import file_dict
from honestreach.rules import builtin_rules_dir

GOOD = """\
Subject: Notes from the forum

Hi Dana,

Here are the notes from the supply chain forum in Toronto. Would a short call next week help
your team plan the pilot?

Best,
Maya Okafor
Tallwater Analytics, 418 Harbor Street, Portland, OR 97204, USA
Not interested? Reply "unsubscribe" and I won't email you again.
"""

BAD = """\
Subject: Last chance

Hi Dana,

Only 3 spots left, and this offer expires tonight. Act now!

Maya Okafor
Tallwater Analytics, 418 Harbor Street, Portland, OR 97204, USA
Not interested? Reply "unsubscribe" and I won't email you again.
"""

RULE = """\
name: Synergy
category: disrespect
severity: warning
message: "Uses jargon: '{text}'."
rationale: Jargon hides what the sender means.
suggestion: Say what the product does.
patterns:
  - phrases: [synergy]
examples:
  bad: ["Let us find synergy.", "Synergy is everything."]
  good: ["Let us work together.", "It saves an hour a week."]
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def data(result: FileResult) -> tuple[object, str | None]:
    """Everything a reporter shows of a result (the source text for the source lines)."""
    return file_dict(result), result.source.text if result.source else None


# This package, importable from a subprocess in another folder (PYTHONPATH may be relative).
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join(
    [str(Path(honestreach.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m honestreach ARGS`` in a subprocess, in ``cwd``."""
    completed = subprocess.run([sys.executable, "-m", "honestreach", *args], cwd=cwd, env=ENV,
                               capture_output=True, text=True, timeout=300)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def check(paths: list[Path], cache: ResultCache | None, **overrides: object) -> list[FileResult]:
    linter = Linter(Overrides(**overrides), cache=cache)  # type: ignore[arg-type]
    results = list(linter.run([str(p) for p in paths]))
    return results


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path / "drafts" / "good.txt", GOOD)
    write(tmp_path / "drafts" / "bad.txt", BAD)
    write(tmp_path / "drafts" / "synergy.md", GOOD.replace("Here are", "Synergy: here are"))
    return tmp_path


def new_cache(repo: Path, **kwargs: object) -> ResultCache:
    return ResultCache(repo / ".honestreach_cache", **kwargs)  # type: ignore[arg-type]


def entries(repo: Path) -> list[Path]:
    return sorted((repo / ".honestreach_cache" / "v1" / "results").glob("*.json"))


# -- hits --------------------------------------------------------------------------------------
def test_second_run_returns_the_first_runs_results_from_the_cache(repo):
    first_cache = new_cache(repo)
    first = check([repo / "drafts"], first_cache)
    assert (first_cache.hits, first_cache.misses, first_cache.stored) == (0, 3, 3)
    assert len(entries(repo)) == 3
    assert any(r.findings for r in first) and any(not r.findings for r in first)

    second_cache = new_cache(repo)
    second = check([repo / "drafts"], second_cache)
    assert (second_cache.hits, second_cache.misses, second_cache.stored) == (3, 0, 0)
    assert [data(r) for r in second] == [data(r) for r in first]
    assert [r.path for r in second] == [r.path for r in first]


def test_notes_on_a_repaired_message_come_back_from_the_cache(repo):
    write(repo / "drafts" / "odd.eml", b"Subject: Hi\nContent-Type: text/plain; charset=x-odd\n\n"
                                       b"Here are the notes from Tuesday.\n")
    first = check([repo / "drafts"], new_cache(repo))
    second_cache = new_cache(repo)
    second = check([repo / "drafts"], second_cache)
    assert second_cache.hits == 4
    (odd,) = [r for r in second if r.path.endswith("odd.eml")]
    assert odd.notes == (InputNote("unknown charset 'x-odd' in the text/plain part: read as ASCII",
                                   2),)
    assert [data(r) for r in second] == [data(r) for r in first]


def test_without_a_cache_nothing_is_written(repo):
    check([repo / "drafts"], None)
    assert not (repo / ".honestreach_cache").exists()


def test_cache_folder_keeps_itself_out_of_version_control(repo):
    check([repo / "drafts"], new_cache(repo))
    root = repo / ".honestreach_cache"
    assert (root / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (root / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    # Written atomically: no temporary file is left behind.
    assert not [p for p in root.rglob(".tmp-*")]


def test_source_text_is_decoded_again_as_the_parser_did(tmp_path):
    files = [
        write(tmp_path / "bom.txt", "\ufeff" + BAD.replace("Dana", "Zoë")),
        write(tmp_path / "utf16.txt", BAD.replace("Dana", "Zoë").encode("utf-16")),
        write(tmp_path / "latin1.eml", (
            "From: maya@example.com\nTo: zoe@example.com\nSubject: Hi\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=iso-8859-1\n\nHi Zo\xeb,\n\nOnly 3 spots left, "
            "offer expires tonight.\n").encode("latin-1")),
        write(tmp_path / "page.html", "<html><body><p>Hi Zo&euml;,</p><p>Only 3 spots left, "
                                      "offer expires tonight.</p></body></html>"),
    ]
    first = check(files, new_cache(tmp_path))
    hits = new_cache(tmp_path)
    second = check(files, hits)
    assert hits.hits == len(files)
    assert [data(r) for r in second] == [data(r) for r in first]
    assert all(r.source is not None and r.findings for r in second)


# -- what a key depends on ---------------------------------------------------------------------
def test_changed_content_is_checked_again(repo):
    check([repo / "drafts"], new_cache(repo))
    write(repo / "drafts" / "good.txt", GOOD.replace("Would a short call", "Act now! Would a call"))
    again = new_cache(repo)
    results = check([repo / "drafts"], again)
    assert (again.hits, again.misses) == (2, 1)
    good = next(r for r in results if r.path.endswith("good.txt"))
    assert "last-chance" in {f.rule for f in good.findings}


def test_changed_configuration_is_checked_again(repo):
    write(repo / ".honestreach.yaml", "fail-on: error\n")
    first = check([repo / "drafts"], new_cache(repo))
    assert not any(r.gate_failures for r in first if r.path.endswith("bad.txt"))
    write(repo / ".honestreach.yaml", "fail-on: warning\n")
    again = new_cache(repo)
    second = check([repo / "drafts"], again)
    assert again.hits == 0
    assert any(r.gate_failures for r in second if r.path.endswith("bad.txt"))


def test_command_line_options_are_part_of_the_key(repo):
    check([repo / "drafts"], new_cache(repo, options={"select": None}))
    selected = new_cache(repo, options={"select": ("urgency",)})
    results = check([repo / "drafts"], selected, select=("urgency",))
    assert selected.hits == 0
    assert {f.category for r in results for f in r.findings} == {"urgency"}
    same = new_cache(repo, options={"select": ("urgency",)})
    check([repo / "drafts"], same, select=("urgency",))
    assert same.hits == 3


def test_changed_or_added_rule_files_are_checked_again(repo):
    write(repo / ".honestreach.yaml", "rules: [team-rules]\n")
    write(repo / "team-rules" / "synergy.yaml", RULE)
    first = check([repo / "drafts"], new_cache(repo))
    assert "synergy" in {f.rule for r in first for f in r.findings}

    write(repo / "team-rules" / "synergy.yaml", RULE.replace("severity: warning",
                                                             "severity: error"))
    changed = new_cache(repo)
    second = check([repo / "drafts"], changed)
    assert changed.hits == 0
    assert {f.severity for r in second for f in r.findings if f.rule == "synergy"} == {"error"}

    check([repo / "drafts"], new_cache(repo))
    write(repo / "team-rules" / "more.yaml", RULE.replace("synergy]", "leverage]"))
    added = new_cache(repo)
    check([repo / "drafts"], added)
    assert added.hits == 0


def test_the_crm_counts_by_size_and_modification_time(repo):
    crm = write(repo / "crm.yaml", "contacts: []\n")
    first = new_cache(repo)
    first.use_crm(str(crm))
    second = new_cache(repo)
    second.use_crm(str(crm))
    assert first.run_digest() == second.run_digest()
    stat = crm.stat()
    os.utime(crm, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = new_cache(repo)
    touched.use_crm(str(crm))
    assert touched.run_digest() != first.run_digest()
    url = new_cache(repo)
    url.use_crm("postgresql+psycopg://crm@db/crm")
    assert url.run_digest() not in (first.run_digest(), touched.run_digest())


def test_files_the_configuration_names_are_part_of_the_key(repo):
    crm = write(repo / "crm.yaml", "contacts: []\n")
    write(repo / ".honestreach.yaml", "crm: crm.yaml\n")
    check([repo / "drafts"], new_cache(repo, dated=True))
    settings = new_cache(repo).settings_for(str(repo / "drafts"))
    assert settings is not None and settings.crm == str(crm.resolve())
    assert ("crm", str(crm.resolve())) in settings.dependencies
    same = new_cache(repo, dated=True)
    check([repo / "drafts"], same)
    assert same.hits == 3
    stat = crm.stat()
    os.utime(crm, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = new_cache(repo, dated=True)
    check([repo / "drafts"], touched)
    assert touched.hits == 0 and touched.stored == 3


def test_the_date_counts_only_with_a_crm_and_no_date_given(repo, monkeypatch):
    class Tomorrow(results.date):
        @classmethod
        def today(cls):  # type: ignore[override]
            return results.date(2031, 1, 2)

    def digests() -> tuple[str, str, str]:
        plain = new_cache(repo)
        with_crm = new_cache(repo)
        with_crm.use_crm("sqlite:///crm.db")
        dated = new_cache(repo, dated=True)
        dated.use_crm("sqlite:///crm.db")
        return plain.run_digest(), with_crm.run_digest(), dated.run_digest()

    today = digests()
    monkeypatch.setattr(results, "date", Tomorrow)
    tomorrow = digests()
    assert today[0] == tomorrow[0] and today[2] == tomorrow[2]
    assert today[1] != tomorrow[1]


def test_a_template_is_keyed_on_the_date_too(repo, monkeypatch):
    """Templates render sample records dated relative to today, unless --date fixes it."""
    from honestreach.sources import InputFile

    template = InputFile(str(repo / "t.txt.j2"), "template", b"Hi {{ contact.first_name }},\n")
    draft = InputFile(str(repo / "d.txt"), "draft", b"Hi Dana,\n")

    def keys() -> tuple[str | None, ...]:
        dated = new_cache(repo, dated=True)
        return new_cache(repo).key(template), new_cache(repo).key(draft), dated.key(template)

    class Tomorrow(results.date):
        @classmethod
        def today(cls):  # type: ignore[override]
            return results.date(2031, 1, 2)

    today = keys()
    monkeypatch.setattr(results, "date", Tomorrow)
    tomorrow = keys()
    assert today[0] != tomorrow[0]
    assert today[1:] == tomorrow[1:]


def test_standard_input_is_never_cached(repo):
    cache = new_cache(repo)
    linter = Linter(cache=cache)
    import io

    (result,) = linter.run(["-"], stdin=io.BytesIO(BAD.encode()))
    assert result.findings
    assert (cache.hits, cache.misses, cache.stored) == (0, 0, 0)
    assert entries(repo) == []


def test_templates_that_include_other_files_are_not_cached(repo):
    write(repo / "t" / "footer.txt.j2", "Maya\n")
    including = write(repo / "t" / "mail.txt.j2", "Hi,\n\nNotes attached.\n{% include 'footer.txt.j2' %}\n")
    plain = write(repo / "t" / "plain.txt.j2", "Hi,\n\nNotes attached.\n")
    cache = new_cache(repo)
    from honestreach.sources import InputFile

    assert cache.key(InputFile(str(including), "auto", including.read_bytes())) is None
    assert cache.key(InputFile(str(plain), "auto", plain.read_bytes())) is not None


def test_a_run_with_a_rule_error_stores_nothing(repo):
    write(repo / ".honestreach.yaml", "rules: [team-rules]\n")
    write(repo / "team-rules" / "broken.yaml", "name: [unclosed\n")
    for _ in range(2):
        run = cli(repo, "check", "--no-color", "drafts")
        assert run.returncode == 2
        assert "broken.yaml" in run.stdout + run.stderr
    assert entries(repo) == []


def test_an_invalid_configuration_is_reported_on_every_run(repo):
    write(repo / ".honestreach.yaml", "fail-on: sometimes\n")
    for _ in range(2):
        run = cli(repo, "check", "--no-color", "drafts")
        assert run.returncode == 2
        assert "fail-on" in run.stdout + run.stderr
    assert entries(repo) == []


def test_results_with_checking_errors_are_not_stored(repo):
    from honestreach.sources import InputFile

    cache = new_cache(repo)
    item = InputFile(str(repo / "drafts" / "bad.txt"), "draft", BAD.encode())
    assert cache.lookup(item) is None
    timed_out = FileResult(item.path, scores=Scores(50, 50),
                           errors=(InputError("rule few-left: time limit exceeded"),))
    cache.store(timed_out)
    assert cache.stored == 0 and entries(repo) == []
    # A file that cannot be parsed fails the same way every time: that is kept.
    assert cache.lookup(item) is None
    cache.store(FileResult(item.path, errors=(InputError("binary file, not a message"),)))
    assert cache.stored == 1


# -- bad entries ---------------------------------------------------------------------------------
def _valid_entry(repo: Path) -> tuple[Path, dict]:
    (entry,) = entries(repo)
    return entry, json.loads(entry.read_bytes())


@pytest.mark.parametrize("damage", [
    "truncated", "empty", "garbage", "not-an-object", "wrong-format", "wrong-key",
    "missing-field", "wrong-type", "bad-severity", "bad-location", "bad-source",
])
def test_a_corrupt_entry_is_ignored_and_rebuilt(repo, damage):
    draft = repo / "drafts" / "bad.txt"
    (expected,) = check([draft], new_cache(repo))
    entry, document = _valid_entry(repo)
    raw = entry.read_bytes()
    finding = document["result"]["findings"][0]
    if damage == "truncated":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "garbage":
        entry.write_bytes(os.urandom(64) + b"\xff\xfe\x00")
    elif damage == "not-an-object":
        entry.write_text("[1, 2, 3]")
    else:
        if damage == "wrong-format":
            document["format"] = 999
        elif damage == "wrong-key":
            document["key"] = "0" * 64
        elif damage == "missing-field":
            del document["result"]["scores"]
        elif damage == "wrong-type":
            document["result"]["findings"] = "few-left"
        elif damage == "bad-severity":
            finding["severity"] = "catastrophic"
        elif damage == "bad-location":
            finding["location"] = [1, "two", 3, 4]
        elif damage == "bad-source":
            document["result"]["source"] = {"decode": ["rot13", "strict"]}
        entry.write_text(json.dumps(document))

    rebuilt = new_cache(repo)
    (result,) = check([draft], rebuilt)
    assert (rebuilt.hits, rebuilt.misses, rebuilt.stored) == (0, 1, 1)
    assert data(result) == data(expected)
    assert entry.read_bytes() == raw  # the entry is whole again

    after = new_cache(repo)
    check([draft], after)
    assert after.hits == 1


def test_a_corrupt_configuration_record_is_ignored(repo):
    write(repo / ".honestreach.yaml", "fail-on: warning\n")
    check([repo / "drafts"], new_cache(repo))
    (record,) = (repo / ".honestreach_cache" / "v1" / "configs").glob("*.json")
    valid = record.read_bytes()
    for damage in (b'{"format": 1, "key": "x", "settings": {"rule_dirs": 5}}', b"\x00\xff{",
                   valid.replace(b'"max_file_size":10485760', b'"max_file_size":"big"')):
        record.write_bytes(damage)
        again = new_cache(repo)
        assert again.settings_for(str(repo / "drafts")) is None  # ignored
        results = check([repo / "drafts"], again)  # loads the configuration, and records it
        assert any(r.gate_failures for r in results)
        assert record.read_bytes() == valid
        assert new_cache(repo).settings_for(str(repo / "drafts")) == Settings(
            max_file_size=10485760)


def test_a_cache_that_cannot_be_written_does_not_stop_the_run(repo, monkeypatch, capsys):
    def refuse(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.os, "replace", refuse)
    results = check([repo / "drafts"], new_cache(repo))
    assert len(results) == 3 and any(r.findings for r in results)
    assert entries(repo) == [] and not list((repo / ".honestreach_cache").rglob(".tmp-*"))
    assert capsys.readouterr().err.count("cache not written") == 1


# -- the cache agrees with the modules it must not import ---------------------------------------
def test_config_discovery_agrees_with_config_module(tmp_path):
    assert cache_module.CONFIG_NAMES == CONFIG_NAMES
    assert cache_module.builtin_rules_dir() == builtin_rules_dir()
    layouts = {
        "none": {},
        "yaml": {".honestreach.yaml": "fail-on: warning\n"},
        "yml": {"sub/.honestreach.yml": "fail-on: warning\n"},
        "both": {".honestreach.yaml": "", "sub/pyproject.toml": "[tool.honestreach]\n"},
        "plain-pyproject": {"sub/pyproject.toml": "[project]\nname = 'x'\n",
                            ".honestreach.yml": ""},
        "nested-table": {"sub/deep/pyproject.toml": "[tool.honestreach.severity]\nx = 'info'\n"},
    }
    for name, files in layouts.items():
        root = tmp_path / name
        for relative, text in files.items():
            write(root / relative, text)
        draft = write(root / "sub" / "deep" / "draft.txt", BAD)
        cache = ResultCache(tmp_path / "cache")
        assert cache.config_file_for(str(draft)) == find_config_file(draft), name
        assert cache.config_file_for(str(draft.parent)) == find_config_file(draft.parent), name


def test_every_field_of_a_result_is_stored():
    """A field added to the result classes must be added to the cache's entries too."""
    assert model_matches_cache()
    result = FileResult(
        path="x.txt",
        findings=(Finding("few-left", "scarcity", "warning", "Claims few places.",
                          Location(2, 3, 2, 9), "3 left", "Say why.", "subject"),),
        scores=Scores(40, 60, ("few-left: -15",), ("greeting: +8",)),
        errors=(InputError("a directive", 4), InputError("another")),
        recipient="dana@example.com", subject="Hi", source=SourceText("Hi\n3 left\n"),
        gate_failures=("1 finding(s) at or above warning",),
        notes=(InputNote("unknown charset 'x' in the text/plain part: read as ASCII", 5),
               InputNote("a note without a line")))
    from honestreach.sources import InputFile

    entry = codec.encode_result(result, b"Hi\n3 left\n")
    back = codec.decode_result(json.loads(json.dumps(entry)),
                               InputFile("x.txt", "draft", b"Hi\n3 left\n"))
    assert data(back) == data(result)
    assert Settings() == Settings((), None, None, None, None, ())


# -- a fully cached run, in a fresh process ------------------------------------------------------
PROBE = textwrap.dedent("""\
    import contextlib, io, json, sys
    from honestreach.cli import main

    out = io.StringIO()
    code = None
    with contextlib.redirect_stdout(out):
        try:
            main(sys.argv[2:], prog_name="honestreach")
        except SystemExit as exc:
            code = exc.code
    loaded = [name for name in ("jsonschema", "honestreach.rules", "honestreach.engine",
                                "honestreach.config") if name in sys.modules]
    with open(sys.argv[1], "w") as report:
        json.dump({"code": code, "output": out.getvalue(), "loaded": loaded}, report)
    """)


def run_probe(repo: Path, *args: str) -> dict:
    probe = write(repo / "probe.py", PROBE)
    report = repo / "probe.json"
    completed = subprocess.run([sys.executable, str(probe), str(report), *args], cwd=repo,
                               env=ENV, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return json.loads(report.read_text())


def installation_digest() -> str:
    """honestreach's code and built-in rules as the cache sees them, computed afresh."""
    keys._CODE_DIGEST = None
    try:
        return keys.code_digest() + ResultCache(".").rule_digest(())
    finally:
        keys._CODE_DIGEST = None


def cold_then_warm(repo: Path, *args: str) -> tuple[dict, dict]:
    """A first and a second run; again if honestreach itself changed in between (a checkout
    being edited while the tests run: then the second run rightly checks everything again)."""
    for _ in range(3):
        shutil.rmtree(repo / ".honestreach_cache", ignore_errors=True)
        before = installation_digest()
        cold = run_probe(repo, *args)
        warm = run_probe(repo, *args)
        if installation_digest() == before:
            return cold, warm
    pytest.fail("honestreach's files kept changing during the test")


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_a_fully_cached_run_neither_checks_nor_loads_the_engine_or_rules(repo, output_format):
    write(repo / ".honestreach.yaml", "fail-on: warning\nrules: [team-rules]\n")
    write(repo / "team-rules" / "synergy.yaml", RULE)
    args = ("check", "--format", output_format, "--no-color", "drafts")
    cold, warm = cold_then_warm(repo, *args)
    assert "honestreach.engine" in cold["loaded"]  # the first run checks: the probe sees it
    assert cold["code"] == 1
    assert len(entries(repo)) == 3
    assert warm["loaded"] == [], f"a fully cached run imported {warm['loaded']}"
    assert warm["code"] == cold["code"]
    assert warm["output"] == cold["output"]
    if output_format == "json":
        assert {f["rule"] for f in json.loads(warm["output"])["files"][2]["findings"]} \
            >= {"synergy"}


def test_sarif_from_the_cache_still_describes_the_rules(repo):
    args = ("check", "--format", "sarif", "drafts")
    cold, warm = cold_then_warm(repo, *args)
    assert "honestreach.engine" not in warm["loaded"]
    assert warm["output"] == cold["output"]
    driver = json.loads(warm["output"])["runs"][0]["tool"]["driver"]
    assert any(rule.get("shortDescription") for rule in driver["rules"])


def test_no_cache_and_cache_dir_options(repo):
    write(repo / ".honestreach.yaml", "fail-on: warning\n")
    run = cli(repo, "check", "--no-color", "--no-cache", "drafts")
    assert run.returncode == 1 and not (repo / ".honestreach_cache").exists()
    run = cli(repo, "check", "--no-color", "--cache-dir", str(repo / "elsewhere"), "drafts")
    assert run.returncode == 1 and not (repo / ".honestreach_cache").exists()
    assert len(list((repo / "elsewhere" / "v1" / "results").glob("*.json"))) == 3
    again = cli(repo, "check", "--no-color", "--cache-dir", str(repo / "elsewhere"), "drafts")
    assert again.stdout == run.stdout and again.returncode == run.returncode
    default = cli(repo, "check", "--no-color", "drafts")
    assert default.stdout == run.stdout and (repo / ".honestreach_cache" / "v1").is_dir()


# -- an entry cannot lie, and the cache folder cannot hang or exhaust the run --------------------
def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1:]


def test_an_entry_with_one_flipped_bit_or_an_edit_is_not_served(repo):
    draft = repo / "drafts" / "bad.txt"
    (expected,) = check([draft], new_cache(repo))
    entry, document = _valid_entry(repo)
    raw = entry.read_bytes()
    respect = raw.index(b'"respect":') + len(b'"respect":')
    # A digit of the score (still valid JSON, another score), a letter of a finding's message,
    # one bit of the digest, and bits spread over the whole entry.
    offsets = [respect, raw.index(b"Claims") + 1, raw.index(b'"digest":"') + 12,
               *range(0, len(raw), max(1, len(raw) // 8))]
    damaged = [_flip(raw, offset) for offset in offsets]
    edited = json.loads(raw)
    edited["result"]["findings"] = edited["result"]["findings"][1:]
    damaged.append(json.dumps(edited, ensure_ascii=False, separators=(",", ":")).encode())
    for bad in damaged:
        entry.write_bytes(bad)
        rebuilt = new_cache(repo)
        (result,) = check([draft], rebuilt)
        assert (rebuilt.hits, rebuilt.stored) == (0, 1), bad
        assert data(result) == data(expected)
        assert entry.read_bytes() == raw  # the entry is whole again


def _run_with_timeout(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([sys.executable, "-m", "honestreach", *args], cwd=repo, env=ENV,
                               capture_output=True, text=True, timeout=120)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symbolic links")
def test_fifos_and_links_in_the_cache_folder_are_misses(repo, tmp_path_factory):
    write(repo / ".honestreach.yaml", "fail-on: warning\n")
    args = ("check", "--no-color", "--format", "json", "drafts")
    cold = _run_with_timeout(repo, *args)
    results = entries(repo)
    (config_record,) = (repo / ".honestreach_cache" / "v1" / "configs").glob("*.json")
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "entry.json"
    elsewhere.write_bytes(results[2].read_bytes())
    for entry in (*results, config_record):
        entry.unlink()
    os.mkfifo(results[0])  # open() on it waits for a writer: forever
    results[1].symlink_to("/dev/zero")  # read() of it never ends
    results[2].symlink_to(elsewhere)  # a valid entry, but through a link
    config_record.symlink_to("/dev/zero")
    warm = _run_with_timeout(repo, *args)
    assert warm.returncode == cold.returncode and warm.stdout == cold.stdout
    # Each was rebuilt as a regular file, in place.
    assert all(e.is_file() and not e.is_symlink() for e in (*results, config_record))
    assert elsewhere.read_bytes() == results[2].read_bytes()


def test_the_cache_tag_files_are_replaced_not_written_through(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "precious.txt"
    outside.write_text("keep me\n")
    root = repo / ".honestreach_cache"
    root.mkdir()
    (root / "CACHEDIR.TAG").symlink_to(outside)
    check([repo / "drafts"], new_cache(repo))
    assert outside.read_text() == "keep me\n"
    assert (root / "CACHEDIR.TAG").read_text().startswith("Signature:")
    assert not (root / "CACHEDIR.TAG").is_symlink()


def test_a_redacted_run_neither_reads_nor_writes_the_cache(repo):
    write(repo / "drafts" / "named.txt", "To: Dana Whitfield <dana@whitfield.example.com>\n"
                                         "Subject: Notes\n\n" + BAD)
    args = ("check", "--format", "json", "drafts")
    redacted = _run_with_timeout(repo, *args, "--redact")
    assert not (repo / ".honestreach_cache").exists()
    assert "Whitfield" not in redacted.stdout and "dana@" not in redacted.stdout
    assert "Dana" not in redacted.stdout and "<email>" in redacted.stdout
    plain = _run_with_timeout(repo, *args)
    assert "dana@whitfield.example.com" in plain.stdout and "(Dana)" in plain.stdout
    stored = {path: path.read_bytes() for path in entries(repo)}
    assert len(stored) == 4
    again = _run_with_timeout(repo, *args, "--redact")
    assert again.stdout == redacted.stdout
    assert {path: path.read_bytes() for path in entries(repo)} == stored
