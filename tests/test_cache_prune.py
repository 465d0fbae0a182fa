"""Pruning the result cache: entries no run has used for a week go, then the least recently
used beyond the size cap; the entries of the current run always stay; nothing but the cache's
own files is deleted, and never through a link."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from honestreach.cache import MAX_AGE_DAYS, ResultCache
from honestreach.cache.store import EntryStore
from honestreach.pipeline import Linter, Overrides

DRAFT = """\
Subject: Notes from the workshop

Hi Priya,

The slides from Thursday's workshop are attached. Would a call next month suit your team?

Best,
Tomas Reyes
Brightfield Labs, 12 Mill Lane, Leeds LS1 4AB, UK
Reply "stop" and I will not write again.
"""

DAY = 86400


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in ("one", "two", "three"):
        (tmp_path / "drafts").mkdir(exist_ok=True)
        (tmp_path / "drafts" / f"{name}.txt").write_text(DRAFT.replace("Priya", name.title()))
    return tmp_path


def run(repo: Path, sending_date: str, *paths: str) -> ResultCache:
    """One run over the drafts with ``--date`` as the command line passes it to the cache."""
    cache = ResultCache(repo / ".honestreach_cache", {"message_date": sending_date}, dated=True)
    linter = Linter(Overrides(), cache=cache)
    list(linter.run([str(repo / p) for p in paths or ("drafts",)]))
    return cache


def results(repo: Path) -> list[Path]:
    return sorted((repo / ".honestreach_cache" / "v1" / "results").glob("*.json"))


def age(paths: list[Path], days: float) -> None:
    then = time.time() - days * DAY
    for path in paths:
        os.utime(path, (then, then))


def test_entries_of_other_dates_expire_after_a_week_unused(repo):
    for day in range(1, 6):
        run(repo, f"2026-06-0{day}")
    assert len(results(repo)) == 15  # kept while fresh: five dates of three drafts
    age(results(repo), MAX_AGE_DAYS + 1)
    run(repo, "2026-06-09")
    assert len(results(repo)) == 3  # only this run's


def test_a_run_keeps_the_old_entries_it_used(repo):
    run(repo, "2026-06-01")
    run(repo, "2026-06-02")
    age(results(repo), MAX_AGE_DAYS + 1)
    (repo / "drafts" / "four.txt").write_text(DRAFT.replace("Priya", "Four"))
    cache = run(repo, "2026-06-01")
    assert (cache.hits, cache.stored) == (3, 1)
    # The 2 June entries went; the three read (and touched) and the new one stay.
    fresh = [p for p in results(repo) if p.stat().st_mtime > time.time() - DAY]
    assert len(results(repo)) == 4 and len(fresh) == 4


def test_a_run_that_wrote_nothing_prunes_nothing(repo):
    run(repo, "2026-06-01")
    run(repo, "2026-06-02", "drafts/one.txt")
    age(results(repo), MAX_AGE_DAYS + 1)
    cache = run(repo, "2026-06-01")  # all hits: a fully cached run does no extra work
    assert cache.stored == 0 and len(results(repo)) == 4


def test_entries_a_week_old_but_used_recently_stay(repo):
    run(repo, "2026-06-01")
    age(results(repo), MAX_AGE_DAYS - 1)
    run(repo, "2026-06-02")
    assert len(results(repo)) == 6


def test_beyond_the_size_cap_the_least_recently_used_go_first(repo):
    for day in range(1, 4):
        run(repo, f"2026-06-0{day}")
    by_use = results(repo)
    for hours, path in enumerate(reversed(by_use)):
        then = time.time() - (hours + 1) * 3600
        os.utime(path, (then, then))
    by_use.sort(key=lambda p: p.stat().st_mtime)
    store = EntryStore(repo / ".honestreach_cache")
    store.used.add(by_use[0].stem)  # the current run's entry stays whatever its age
    assert store.prune(max_bytes=sum(p.stat().st_size for p in by_use[-4:])) == 4
    assert results(repo) == sorted([by_use[0], *by_use[-4:]])


def test_configuration_records_expire_too(repo):
    (repo / ".honestreach.yaml").write_text("fail-on: warning\n")
    run(repo, "2026-06-01")
    configs = sorted((repo / ".honestreach_cache" / "v1" / "configs").glob("*.json"))
    assert len(configs) == 1
    age(configs + results(repo), MAX_AGE_DAYS + 1)
    (repo / ".honestreach.yaml").write_text("fail-on: error\n")
    run(repo, "2026-06-01")
    new = sorted((repo / ".honestreach_cache" / "v1" / "configs").glob("*.json"))
    assert len(new) == 1 and new != configs


def test_only_the_caches_own_files_are_deleted_never_through_links(repo, tmp_path_factory):
    run(repo, "2026-06-01")
    folder = repo / ".honestreach_cache" / "v1" / "results"
    mine = folder / "notes.txt"
    mine.write_text("not an entry")
    leftover = folder / ".tmp-abc123.json"
    leftover.write_text("{}")
    age([mine, leftover, *results(repo)], MAX_AGE_DAYS + 1)
    # A results folder that is a link: its target is not the cache's to clean.
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    victim = elsewhere / ("0" * 64 + ".json")
    victim.write_text("{}")
    age([victim], MAX_AGE_DAYS + 1)
    linked = tmp_path_factory.mktemp("linked")
    (linked / "v1").mkdir()
    (linked / "v1" / "results").symlink_to(elsewhere)
    assert EntryStore(linked).prune() == 0 and victim.exists()
    assert EntryStore(repo / ".honestreach_cache").prune() == 4  # three entries, one leftover
    assert mine.exists() and not leftover.exists()
