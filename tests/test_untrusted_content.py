"""Content users give us (templates, rule files, regular expressions, CRM files, configuration)
cannot exhaust a run: each input that would is refused with one clear line, before the memory
is spent, and the other inputs are still checked.

The end-to-end runs go through the real command line in a subprocess whose address space is
capped (``RLIMIT_AS``), so a regression fails the test instead of eating the machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import validate_report
from honestreach.config import ConfigError, load_config
from honestreach.crm import CRMError, load_crm
from honestreach.guarded_regex import (
    MAX_EXPANSION,
    RegexCompileError,
    check_size,
    compile_guarded,
)
from honestreach.regularfile import NotRegularFileError, read_regular_text
from honestreach.yamlsource import MAX_DEPTH, YamlLoadError, parse_yaml_text

FIXTURES = Path(__file__).parent / "fixtures" / "untrusted"
GOOD = textwrap.dedent("""\
    Subject: Hello
    To: dana@example.com

    Hi Dana, this offer expires at midnight tonight.
    """)
# Each of these inputs took 2 to 18 GB before it was bounded; a run now needs about 150 MB.
MEMORY_LIMIT = 1024 * 1024 * 1024
CAPPED = textwrap.dedent("""\
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from honestreach.cli import main
    sys.argv = ["honestreach", *sys.argv[1:]]
    main()
    """)
capped_only_on_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
has_fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")


def capped(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``honestreach ARGS`` with its memory capped and a time limit."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    completed = subprocess.run(
        [sys.executable, "-c", CAPPED.format(limit=MEMORY_LIMIT), *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd)
    assert "Traceback" not in completed.stderr + completed.stdout, completed.stderr
    assert "MemoryError" not in completed.stderr + completed.stdout
    return completed


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


def entry(report: dict, name: str) -> dict:
    return next(f for f in report["files"] if Path(f["path"]).name == name)


def assert_good_checked(report: dict) -> None:
    good = entry(report, "good.txt")
    assert good["checked"] and good["errors"] == []
    assert any(f["rule"] == "same-day-deadline" for f in good["findings"])


# -- templates -----------------------------------------------------------------------------------
TEMPLATE_STOPS = {
    "join-3gb.txt.j2": (1, "join() would build a value of at least 3,000,139,998 characters"),
    "printf-star-width-3gb.txt.j2": (1, "the 'format' filter would build a value of at least "
                                        "3,000,000,004 characters"),
    "format-nested-width-1gb.txt.j2": (1, "str.format() would build a value of at least "
                                          "1,000,000,008 characters"),
    "list-append-forever.txt.j2": (1, "the template built more than 4,000,000 characters and "
                                      "items in all"),
}


@capped_only_on_linux
def test_templates_that_build_huge_values_are_stopped_with_memory_capped(tmp_path, good):
    completed = capped("check", "--no-cache", "--format", "json",
                       str(FIXTURES / "templates"), str(good), cwd=tmp_path)
    assert completed.returncode == 1, completed.stderr  # the limits are findings, as documented
    report = json.loads(completed.stdout)
    validate_report(report)
    assert_good_checked(report)
    for name, (line, message) in TEMPLATE_STOPS.items():
        (stop,) = [f for f in entry(report, name)["findings"]
                   if f["rule"] == "template-render-limit"]
        assert stop["line"] == line and message in stop["message"], stop
    bomb = entry(report, "front-matter-alias-bomb.txt.j2")
    (header,) = [f for f in bomb["findings"] if f["rule"] == "template-syntax-error"]
    assert header["line"] == 5
    assert "front matter is not valid YAML: its aliases (*name) repeat more than 10,000 " \
           "values" in header["message"]


# -- rule files ----------------------------------------------------------------------------------
@capped_only_on_linux
def test_rule_files_that_would_exhaust_memory_are_rule_errors(tmp_path, good):
    deep = tmp_path / "rule-deep"
    deep.mkdir()
    rule = (FIXTURES / "rule-regex-bomb" / "regex-bomb.yaml").read_text()
    # 20,000 levels: the YAML parser's own limit (1,000) comes first
    (deep / "deep.yaml").write_text(rule.replace("  - regex: '((((a{1000}){1000}){1000}){1000})'",
                                                 "  - phrases: " + "[" * 20_000 + "]" * 20_000))
    (tmp_path / ".honestreach.yaml").write_text(
        f"rules: [{FIXTURES / 'rule-alias-bomb'}, {FIXTURES / 'rule-regex-bomb'}, rule-deep]\n")
    completed = capped("check", "--no-cache", "--format", "json", str(good), cwd=tmp_path)
    assert completed.returncode == 2, completed.stderr
    report = json.loads(completed.stdout)
    validate_report(report)
    assert_good_checked(report)
    errors = {Path(e["path"]).name: e for e in report["errors"]}
    assert set(errors) == {"alias-bomb.yaml", "regex-bomb.yaml", "deep.yaml"}
    assert errors["alias-bomb.yaml"]["line"] == 4
    assert errors["alias-bomb.yaml"]["message"] == (
        "invalid YAML: its aliases (*name) repeat more than 10,000 values (an alias bomb)")
    assert (errors["regex-bomb.yaml"]["line"], errors["regex-bomb.yaml"]["field"]) == \
        (11, "patterns.0.regex")
    assert errors["regex-bomb.yaml"]["message"].startswith(
        f"the regular expression's repeats expand to more than {MAX_EXPANSION:,} parts")
    assert errors["deep.yaml"]["line"] == 11
    assert errors["deep.yaml"]["message"] == f"invalid YAML: nested deeper than {MAX_DEPTH} levels"


def test_yaml_aliases_within_the_budget_are_read():
    document = parse_yaml_text("base: &base [a, b, c]\nfirst: *base\nsecond: *base\n")
    assert document.data == {"base": ["a", "b", "c"], "first": ["a", "b", "c"],
                             "second": ["a", "b", "c"]}
    # A large document is not an alias bomb: aliases may repeat as much as it holds.
    rows = "".join(f"- {{email: c{i}@example.com, tags: *t}}\n" for i in range(3000))
    large = parse_yaml_text(f"- &t [x, y, z]\n{rows}")
    assert len(large.data) == 3001


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n"
               for p, n in zip("abcdefg", "bcdefgh")),
     4, "its aliases (*name) repeat more than 10,000 values (an alias bomb)"),
    ("top:\n  loop: &loop [1, *loop]\n", 2, "an alias refers to the collection it is in"),
    ("x:\n  y: " + "[" * 60 + "]" * 60 + "\n", 2, f"nested deeper than {MAX_DEPTH} levels"),
    ("x: " + "[" * 5000 + "]" * 5000 + "\n", 1, f"nested deeper than {MAX_DEPTH} levels"),
])
def test_yaml_bombs_and_deep_nesting_are_refused_at_their_line(text, line, message):
    with pytest.raises(YamlLoadError) as raised:
        parse_yaml_text(text)
    assert (raised.value.line, raised.value.message) == (line, f"invalid YAML: {message}")


def test_a_regex_compile_bomb_is_refused_before_it_compiles():
    # check_size only: were it to let the pattern through, compiling it takes gigabytes
    with pytest.raises(RegexCompileError, match="repeats expand to more than"):
        check_size("((((a{1000}){1000}){1000}){1000})")
    with pytest.raises(RegexCompileError, match="repeats expand"):
        check_size("[[](?:(?:a{100}){100}){100}]")  # the class is '[', the group repeats
    with pytest.raises(RegexCompileError, match="nests groups deeper than 50 levels"):
        check_size("(" * 3000 + "a" + ")" * 3000)
    with pytest.raises(RegexCompileError, match="characters long, more than the 10,000"):
        check_size("a" * 10_001)


@pytest.mark.parametrize("pattern", [
    r"(?i)\bhel+o{3,}\b", r"(?:\w+\s+){0,12}deadline", r"\d{1,3}(?:,\d{3}){0,4}",
    r"[\w.+-]{1,64}@(?:[\w-]{1,63}\.){1,8}\w{2,24}", "(?:ab|cd){2,5}?", r"\p{Lu}[\p{L}-]+",
])
def test_ordinary_patterns_still_compile(pattern):
    assert compile_guarded(pattern).pattern == pattern


def test_a_pattern_the_library_refuses_is_a_clear_error():
    with pytest.raises(RegexCompileError, match="invalid regular expression"):
        compile_guarded("(?V1)[[a-z]--[aeiou]]")  # clashes with the VERSION0 we compile with


# -- configuration --------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "text", "line"), [
    ("pyproject.toml", "[tool.honestreach]\nselect = " + "[" * 5000 + "]" * 5000 + "\n", None),
    ("pyproject.toml", "[tool.honestreach]\nselect = " + "[" * 60 + "]" * 60 + "\n", None),
    (".honestreach.yaml", "select: " + "[" * 5000 + "]" * 5000 + "\n", 1),
    (".honestreach.yaml", "data-model:\n  contact:\n    x: " + "[" * 60 + "]" * 60 + "\n", 3),
])
def test_configuration_nested_too_deep_is_a_configuration_error(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    error = raised.value.error
    assert error.line == line and error.message.endswith(f"nested deeper than {MAX_DEPTH} levels")


# -- CRM -------------------------------------------------------------------------------------------
@capped_only_on_linux
def test_a_crm_alias_bomb_is_a_crm_error_with_memory_capped(tmp_path, good):
    completed = capped("check", "--no-cache", "--crm", str(FIXTURES / "crm-alias-bomb.yaml"),
                       str(good), cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        f"honestreach: CRM error: {FIXTURES / 'crm-alias-bomb.yaml'}:5: invalid YAML: its "
        "aliases (*name) repeat more than 10,000 values (an alias bomb)")


def test_crm_json_nested_too_deep_is_a_crm_error_at_its_line(tmp_path):
    path = tmp_path / "crm.json"
    path.write_text('{"contacts": [\n' + "[" * 100_000 + "]" * 100_000 + "]}\n")
    error = _crm_error(path)
    assert str(error) == f"{path}:2: invalid JSON: nested deeper than {MAX_DEPTH} levels"
    # Deep enough to trouble a recursive reader, not the JSON decoder: the cell's error.
    path.write_text('{"contacts": [{"email": "a@example.com", "interests": '
                    + "[" * 500 + "]" * 500 + "}]}")
    assert "record 1: column 'interests': expected a value" in str(_crm_error(path))


def test_lists_in_crm_cells_still_read_as_before(tmp_path):
    path = tmp_path / "crm.json"
    path.write_text('{"contacts": [{"email": "a@example.com", "interests": '
                    '["freight", ["cold chain", []], null]}]}')
    (contact,) = load_crm(path).contacts
    assert contact.interests == ("freight", "cold chain")


def _crm_error(source: str | Path) -> CRMError:
    with pytest.raises(CRMError) as raised:
        load_crm(source)
    return raised.value


# -- what is not a regular file -------------------------------------------------------------------
@contextmanager
def unblocked_after(pipe: Path, seconds: float = 10) -> Iterator[None]:
    """Should a reader wait on ``pipe`` (the regression these tests catch), a writer opens it
    after ``seconds``: the reader then sees an empty file, and the test fails, not hangs."""
    done = threading.Event()

    def writer() -> None:
        if not done.wait(seconds):
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass  # nobody is reading: nothing to unblock

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@has_fifos
def test_only_regular_files_are_read(tmp_path):
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    with unblocked_after(pipe), pytest.raises(NotRegularFileError, match="it is a named pipe"):
        read_regular_text(pipe)
    with pytest.raises(NotRegularFileError, match="it is a folder"):
        read_regular_text(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(NotRegularFileError, match="it is a device"):
            read_regular_text("/dev/zero")


@has_fifos
@pytest.mark.parametrize("name", ["crm.json", "crm.yaml", "crm.db"])
def test_a_crm_that_is_a_named_pipe_is_refused(tmp_path, name):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    source = f"sqlite:///{pipe}" if name.endswith(".db") else str(pipe)
    with unblocked_after(pipe):
        error = _crm_error(source)
    assert "not a regular file: it is a named pipe (FIFO)" in str(error)


@has_fifos
def test_named_pipes_and_links_out_of_a_folder_never_stop_the_run(honestreach, tmp_path, good):
    secret = tmp_path / "secret.txt"
    secret.write_text("Private: only 2 seats left, the code is 7731.\n")
    templates = tmp_path / "project" / "templates"
    templates.mkdir(parents=True)
    rules = tmp_path / "project" / "team-rules"
    rules.mkdir()
    os.mkfifo(rules / "waiting.yaml")
    os.mkfifo(templates / "waiting.txt.j2")
    (templates / "linked.txt.j2").symlink_to(secret)
    (templates / "_partial.j2").symlink_to(secret)
    (templates / "welcome.txt.j2").write_text(
        "Hello,\n\n{% include '_partial.j2' %}\n{% include '_partial.j2' ignore missing %}\n")
    (tmp_path / "project" / ".honestreach.yaml").write_text("rules: [team-rules]\n")
    run = honestreach("check", "--no-cache", "--format", "json", str(templates), str(good),
                      cwd=tmp_path / "project")
    assert run.code == 2
    report = run.json
    assert_good_checked(report)
    (rule_error,) = report["errors"]
    assert rule_error["path"].endswith("waiting.yaml")
    assert rule_error["message"] == \
        "cannot read file: not a regular file: it is a named pipe (FIFO)"
    assert entry(report, "waiting.txt.j2")["errors"][0]["message"] == \
        "cannot read: not a regular file: it is a named pipe (FIFO)"
    assert entry(report, "linked.txt.j2")["errors"][0]["message"] == \
        "not read: a symbolic link that leads outside the folder"
    includes = [f for f in entry(report, "welcome.txt.j2")["findings"]
                if f["rule"] == "template-include-error"]
    assert [f["line"] for f in includes] == [3, 4]
    assert all("'_partial.j2' resolves outside the template folder" in f["message"]
               for f in includes)
    assert "7731" not in run.stdout and "seats" not in run.stdout


@has_fifos
def test_a_crm_sqlite_url_to_a_named_pipe_does_not_hang(honestreach, tmp_path, good):
    os.mkfifo(tmp_path / "crm.db")
    run = honestreach("check", "--no-cache", "--crm", f"sqlite:///{tmp_path / 'crm.db'}",
                      str(good))
    assert run.code == 2
    assert run.stderr.strip() == (f"honestreach: CRM error: sqlite:///{tmp_path / 'crm.db'}: "
                                  "cannot read: not a regular file: it is a named pipe (FIFO)")
