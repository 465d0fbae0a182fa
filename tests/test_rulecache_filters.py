"""The word patterns' filter expressions kept beside the rule cache: rebuilt, they match
exactly where the expressions re compiles do; a file that does not fit is ignored."""

from __future__ import annotations

import multiprocessing
import pickle
import re
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from honestreach import rulecache, rulecache_filters
from honestreach.rulecache import cached_rules
from honestreach.rulecache_filters import FilterPrograms
from honestreach.ruletypes import word_patterns
from honestreach.tokenregex import token_regex
from honestreach.tokens import tokenize
from honestreach.wordmatch import encode

pytestmark = pytest.mark.skipif(rulecache_filters._CODE_TYPE is None,
                                reason="programs are kept on CPython only")
TEXT = ("Only 3 seats left, so book today before the offer expires at 10:30! We noticed you "
        "opened our last email twice. If I don't hear back, I'll assume you're not interested. "
        "Happy to help whenever suits you; no rush at all.")


@pytest.fixture
def programs(tmp_path: Path) -> FilterPrograms:
    """The built-in rule set's programs, kept in a file of their own."""
    seqs = [pattern.seq for pattern in word_patterns(cached_rules().rules)]
    return FilterPrograms(tmp_path / "filters.pickle", seqs, rulecache.read_payload,
                          rulecache.write_payload)


def fresh(programs: FilterPrograms) -> FilterPrograms:
    """The same rule set's programs as a new process sees them."""
    return FilterPrograms(programs.path, programs._seqs, rulecache.read_payload,
                          rulecache.write_payload)


def test_kept_expressions_match_as_re_compiles_them(programs: FilterPrograms,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = range(0, len(programs._seqs), 97)
    for number in numbers:
        assert programs.pattern(number, often=True) is not None
    programs.save()
    later = fresh(programs)
    monkeypatch.setattr(later, "_compile", lambda number: pytest.fail("compiled again"))
    tokens = tokenize(TEXT)
    encoded, offsets = encode(tokens.norms, tokens.sentence_starts)
    for number in numbers:
        source = token_regex(programs._seqs[number])
        rebuilt = later.pattern(number, often=False)
        assert rebuilt is not None
        expected = re.compile(source)
        assert [bool(rebuilt.match(encoded, offset)) for offset in offsets] == \
            [bool(expected.match(encoded, offset)) for offset in offsets]


def test_without_a_file_only_patterns_that_run_often_are_compiled(
        programs: FilterPrograms) -> None:
    assert not programs.path.exists()
    assert programs.pattern(0, often=False) is None
    assert programs.pattern(0, often=True) is not None


def test_once_the_file_holds_programs_every_pattern_is_compiled_and_kept(
        programs: FilterPrograms) -> None:
    programs.pattern(0, often=True)
    programs.save()
    later = fresh(programs)
    assert later.pattern(1, often=False) is not None
    later.save()
    assert fresh(programs)._load()[1] is not None


def test_programs_of_another_interpreter_are_ignored(programs: FilterPrograms) -> None:
    programs.pattern(0, often=True)
    programs.save()
    interpreter, kept = pickle.loads(rulecache.read_payload(programs.path) or b"")
    rulecache.write_payload(programs.path, pickle.dumps((("cpython", "3.99"), kept)))
    assert fresh(programs)._load() == []


def test_a_damaged_file_is_ignored(programs: FilterPrograms) -> None:
    programs.pattern(0, often=True)
    programs.save()
    data = programs.path.read_bytes()
    programs.path.write_bytes(data[:-10] + bytes(10))
    assert fresh(programs)._load() == []


def _worker(number: int, saves: bool) -> None:
    """A worker process's life: it compiles pattern ``number`` for its rows, then ends."""
    if saves:
        rulecache_filters.save_when_worker_ends()
    programs, _ = next(iter(rulecache_filters._KEPT.values()))
    programs.pattern(number, often=True)


FORKED = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                            reason="forked workers, as the audit's pool has on Linux")


def run_workers(programs: FilterPrograms, monkeypatch: pytest.MonkeyPatch,
                worker: Callable[..., None], arguments: list[tuple[Any, ...]]) -> None:
    """Fork one process per argument tuple, with ``programs`` as the kept set they inherit,
    and wait for all of them to end cleanly."""
    monkeypatch.setattr(rulecache_filters, "_KEPT", {programs._seqs[0]: (programs, 0)})
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=worker, args=args) for args in arguments]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
        assert process.exitcode == 0


@FORKED
def test_a_worker_process_saves_what_it_compiled_when_it_ends(
        programs: FilterPrograms, monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker of multiprocessing ends without running atexit handlers: without the
    # finaliser, what it compiled is lost.
    run_workers(programs, monkeypatch, _worker, [(3, False), (5, True)])
    kept = fresh(programs)._load()
    assert kept[3] is None
    assert kept[5] is not None


def _slow_worker(number: int, ready: "multiprocessing.synchronize.Barrier") -> None:
    """A worker that compiles pattern ``number`` and ends as the other one does, each taking
    its time between reading the file and writing it back."""
    programs, _ = next(iter(rulecache_filters._KEPT.values()))
    load = programs._load

    def slow_load() -> list:
        loaded = load()
        time.sleep(0.3)
        return loaded

    programs._load = slow_load  # type: ignore[method-assign]
    rulecache_filters.save_when_worker_ends()
    programs.pattern(number, often=True)
    ready.wait()


@FORKED
def test_workers_ending_at_once_keep_what_each_compiled(
        programs: FilterPrograms, monkeypatch: pytest.MonkeyPatch) -> None:
    ready = multiprocessing.get_context("fork").Barrier(2)
    run_workers(programs, monkeypatch, _slow_worker, [(7, ready), (9, ready)])
    kept = fresh(programs)._load()
    assert kept[7] is not None and kept[9] is not None
