"""``audit``: stream a campaign's rows through the per-message checks (in worker processes),
write each result as it arrives, then run the campaign rules and build the summary."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout  # not the built-in before 3.11
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from ..model import SendRecord
from ..pipeline import Linter
from .aggregate import CampaignRules, Cap
from .encodings import Encoding
from .gate import Gate
from .privacy import RecordRedactor
from .sources import ReadProgress, Row, iter_rows
from .summary import Summary
from .tables import mapped_fields
from .worker import Checker, WorkerSettings, adopt_checker, check_chunk, error_record, \
    init_worker

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

    from ..crm import CRM

CHUNK = 32
# Chunks a pool of workers checks before a fresh pool takes over (6,400 rows at CHUNK): the C
# heap of a long-lived worker stays fragmented by the largest messages it has read, so its
# memory only grows. Starting a worker costs about a second; a chunk, about half of one.
RECYCLE_AFTER = 200
# Seconds the workers of a pool whose chunks are all done have to exit before they are killed.
CLOSE_GRACE = 2.0
# Seconds the pool's own thread has to stop once its workers are gone, before the end of its
# results pipe is closed under it (see _end).
MANAGER_GRACE = 1.0
# Seconds a chunk run again after a worker died may take (a chunk takes about half of one).
# A pool forked just after a death could, however rarely, start with a worker that never
# answers; past this wait it is treated as having died too, so the audit always ends.
RERUN_TIMEOUT = 60.0
# Seconds between looks at the workers while a chunk's records are awaited, and how long after
# a worker of the pool has died its records may still come (see WorkerPool._records_of).
WATCH_EVERY = 1.0
DEATH_GRACE = 3.0


@dataclass
class AuditResult:
    summary: dict[str, Any]
    campaign_findings: list[dict[str, Any]] = field(default_factory=list)
    # The source as the outputs name it (its file name masked in a redacted audit).
    source_name: str = ""
    # The rules the audit ran: the built-in ones and those of the configuration's rule folders
    # (the HTML report names them).
    rules: tuple[Any, ...] = ()

    @property
    def exit_code(self) -> int:
        """As ``check``'s: 2 when rows could not be read or checked, 1 when the campaign
        fails the gate (``summary["gate"]``), else 0."""
        return int(self.summary["gate"]["exit_code"])


def _chunks(rows: Iterable[Row], size: int, tail: int = 0) -> Iterator[list[Row]]:
    """Chunks of ``size`` rows; with ``tail``, the last ``tail`` rows of a campaign longer than
    one chunk go in chunks a quarter that size. A chunk of real mail takes 0.1 to 0.7 s, and the
    workers of a pool end together only when their last chunks are short: with full ones, one
    waited through the other's last chunk (0.05 to 0.16 s of a two-job audit of 760 rows)."""
    iterator = iter(rows)
    held: list[Row] = []  # rows read, not yet in a chunk: the last ``tail`` rows may be among them
    sent = False
    while True:
        held.extend(islice(iterator, size + tail - len(held)))
        if len(held) < size + tail:
            break  # read to the end
        yield held[:size]
        del held[:size]
        sent = True
    if not sent and len(held) <= size:
        if held:
            yield held  # one chunk (checked without workers, see WorkerPool.records)
        return
    cut = len(held) - tail
    if cut > 0:
        yield held[:cut]
    small = max(1, size // 4)
    for start in range(max(cut, 0), len(held), small):
        yield held[start:start + small]


def iter_records(settings: WorkerSettings, rows: Iterable[Row], jobs: int | None = None,
                 chunk_size: int = CHUNK, crm: CRM | None = None,
                 linter: Linter | None = None) -> Iterator[SendRecord]:
    """One record per row, in input order; ``jobs`` worker processes (None: all cores).
    ``crm``: the CRM of ``settings`` already loaded here (spares loading it again);
    ``linter``: one that has loaded the configuration here (``Checker``)."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        checker = Checker(settings, crm=crm, linter=linter)
        for chunk in _chunks(rows, chunk_size):
            yield from checker.check_rows(chunk)
        return
    yield from WorkerPool(settings, jobs, crm=crm, linter=linter).records(
        _chunks(rows, chunk_size, tail=jobs * chunk_size))


def _fork_context() -> BaseContext | None:
    """The fork start method when forking is safe here: on Linux, and with no other thread
    in this process (a lock another thread holds would stay locked in the child)."""
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


class WorkerPool:
    """Worker processes that check chunks of rows, for ``iter_records``.

    A worker that dies (killed, out of memory, a crash in native code) breaks the pool, where
    ``multiprocessing.Pool`` would wait forever for its chunk: the chunks it may have held are
    run again, one at a time, in a new pool, and a chunk whose worker dies again is reported as
    failed rows; one run again that does not finish within ``RERUN_TIMEOUT`` is treated the same
    way, after one more try in a fresh pool. The audit always ends, with a record for every row.

    After ``recycle_after`` chunks the pool is retired (it finishes the chunks it holds, then
    its workers exit) and a fresh one takes the next chunks.

    Where it is safe (Linux, no other thread), the workers are forked from a Checker built
    here once, with the CRM loaded here: a worker starts at once, where a fresh interpreter
    imports the package and loads the rules and the CRM again (about a second, more with a
    large CRM), and that for every pool. Before forking a new pool, the retired one is waited
    for (its threads gone). Elsewhere each worker builds its own Checker."""

    def __init__(self, settings: WorkerSettings, jobs: int,
                 recycle_after: int = RECYCLE_AFTER, crm: CRM | None = None,
                 linter: Linter | None = None) -> None:
        self.settings = settings
        self.jobs = jobs
        self.recycle_after = recycle_after
        self.crm = crm
        self.linter = linter
        self.rerun_timeout = RERUN_TIMEOUT
        self.pools_started = 0
        self.pools_forked = 0
        # Compile the engine here before forking the workers (when they are forked).
        self.warm_here = True
        self._checker: Checker | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._submitted = 0
        self._retired: list[ProcessPoolExecutor] = []

    def records(self, chunks: Iterable[list[Row]]) -> Iterator[SendRecord]:
        """The records of every chunk, in order; in flight, at most as many rows as two of the
        largest chunks a worker (short chunks at the end go out several at a time)."""
        pending: deque[tuple[list[Row], Future[list[SendRecord]]]] = deque()
        chunks = iter(chunks)
        if self.warm_here and _fork_context() is not None:
            # The engine compiles its rules here, before any worker is forked (the regex
            # rules, the keyword index, the sentence model), and the scores' hyphenation
            # patterns are loaded (Checker.prepare): once, and every worker inherits them.
            # Checking rows here too (a first chunk) would also warm the caches of
            # the patterns that run often, but while it runs the second core idles: on real
            # mail that cost a two-job audit about 0.3 s of wall time before the workers
            # started, and saved them less. A campaign of one chunk starts no worker at all.
            first = next(chunks, None)
            if first is None:
                return
            second = next(chunks, None)
            if second is None:
                yield from self._prepared().check_rows(first)
                return
            self._prepared().prepare()
            chunks = chain([first, second], chunks)
        finished = False
        upcoming = next(chunks, None)
        window = 0  # rows in flight at most
        try:
            while True:
                while upcoming is not None and (not pending or sum(
                        len(chunk) for chunk, _ in pending) + len(upcoming) <= window):
                    window = max(window, 2 * self.jobs * len(upcoming))
                    pending.append((upcoming, self._submit(upcoming)))
                    upcoming = next(chunks, None)
                if not pending:
                    break
                chunk, future = pending.popleft()
                try:
                    yield from self._records_of(future)
                except BrokenProcessPool:
                    lost = [(chunk, future), *pending]
                    pending.clear()
                    self._stop()
                    for chunk, future in lost:
                        yield from self._again(chunk, future)
                except Exception as exc:  # noqa: BLE001 - a chunk that could not come back
                    yield from _failed(self.settings.source, chunk,
                                       f"could not be checked: {exc!r}", "could not be checked")
            finished = True
        finally:
            # Interrupted (Ctrl-C) or abandoned: the workers are stopped, not waited for.
            self._stop(kill=not finished)

    def _records_of(self, future: Future[list[SendRecord]]) -> list[SendRecord]:
        """A chunk's records, once its worker sends them. A worker killed while it sent a
        result leaves half a message in the results pipe: the pool's thread waits for the rest
        of it and never reports the death, and the chunk would be awaited for ever. So while
        it is awaited, the current pool's workers are looked at: once one has been dead for
        DEATH_GRACE seconds and the records have still not come, the pool counts as broken."""
        died_at: float | None = None
        while True:
            try:
                return future.result(timeout=WATCH_EVERY)
            except FutureTimeout:
                pool = self._pool
                if died_at is None:
                    if pool is not None and not all(
                            process.is_alive() for process in _parts(pool).processes):
                        died_at = time.monotonic()
                elif time.monotonic() - died_at >= DEATH_GRACE:
                    raise BrokenProcessPool("a worker died and its pool did not report it")

    def _again(self, chunk: list[Row], future: Future[list[SendRecord]]) -> list[SendRecord]:
        """A chunk that was in flight when a worker died: its records if it had finished, else
        the chunk run again alone (so that a second death is its own)."""
        if future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        for _ in range(2):
            try:
                return self._submit(chunk).result(timeout=self.rerun_timeout)
            except BrokenProcessPool:
                self._stop()
                return _failed(self.settings.source, chunk,
                               "not checked: the worker process checking it stopped twice "
                               "(killed, or out of memory)", "worker stopped")
            except FutureTimeout:
                self._stop()  # a worker that does not answer: a fresh pool tries once more
            except Exception as exc:  # noqa: BLE001
                return _failed(self.settings.source, chunk, f"could not be checked: {exc!r}",
                               "could not be checked")
        return _failed(self.settings.source, chunk,
                       f"not checked: run again after a worker stopped, it did not finish "
                       f"within {self.rerun_timeout:g} s, twice", "worker stopped")

    def _submit(self, chunk: list[Row]) -> Future[list[SendRecord]]:
        if self._pool is not None and self._submitted >= self.recycle_after:
            self._retire(self._pool)
        # Worker processes are started as chunks are submitted; they start with Ctrl-C blocked
        # (a blocked signal stays blocked in a new process), so that only this process sees it.
        with _sigint_blocked():
            try:
                return self._open_pool().submit(check_chunk, chunk)
            except BrokenProcessPool as exc:
                # A worker died since the last chunk went out. The chunk fails as one in flight
                # would, so that records() runs it again in a new pool.
                broken: Future[list[SendRecord]] = Future()
                broken.set_exception(exc)
                return broken

    def _retire(self, pool: ProcessPoolExecutor) -> None:
        """Retire the pool after ``recycle_after`` chunks (outside the block on Ctrl-C, which
        may stop the wait)."""
        if self._checker is not None:
            # The next pool is forked: the retired one's threads must be gone first.
            _close(pool)
        else:
            self._retired.append(pool)
            pool.shutdown(wait=False)
        self._pool = None

    def _open_pool(self) -> ProcessPoolExecutor:
        """The pool that takes the next chunk, started if there is none."""
        if self._pool is not None:
            self._submitted += 1
            return self._pool
        self._pool, forked = self._new_pool()
        self.pools_started += 1
        self._submitted = 1
        if forked:
            # A forked pool starts its processes on its first chunk. What they inherit is
            # frozen first, so that their garbage collector leaves it alone (and does not copy
            # every page of it into each worker). It stays frozen here too: thawing would also
            # thaw the rule set (rulecache froze it), and this process's collections, the last
            # one at exit above all, would walk it again (about a CPU second on real mail).
            gc.freeze()
        return self._pool

    def _new_pool(self) -> tuple[ProcessPoolExecutor, bool]:
        """A new pool, and whether its workers are forked from here."""
        context = _fork_context()
        if context is not None:
            self.pools_forked += 1
            # Forked, the initializer's arguments are inherited, not pickled.
            return ProcessPoolExecutor(self.jobs, mp_context=context, initializer=adopt_checker,
                                       initargs=(self._prepared(),)), True
        return ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_worker, initargs=(self.settings,)), False

    def _prepared(self) -> Checker:
        """The Checker forked workers inherit (built once, with the CRM loaded here)."""
        if self._checker is None:
            self._checker = Checker(self.settings, crm=self.crm, linter=self.linter)
        return self._checker

    def _stop(self, kill: bool = True) -> None:
        pools = [*self._retired, *([self._pool] if self._pool is not None else [])]
        self._pool, self._retired = None, []
        for pool in pools:
            if kill:
                _kill(pool)
            else:
                _close(pool)


def _close(pool: ProcessPoolExecutor, grace: float = CLOSE_GRACE) -> None:
    """Shut a pool down once its chunks are done: its workers are asked to exit, and those
    still running after ``grace`` seconds are killed. An idle worker waits for work holding
    the lock of the pool's queue; killed then (by the system's out-of-memory killer, or by
    hand), it dies holding it, and ``shutdown(wait=True)`` would wait forever for the others,
    which wait for that lock to read the request to exit."""
    parts = _parts(pool)
    if not all(process.is_alive() for process in parts.processes):
        grace = 0.0  # a worker has died already: the others may wait for a lock it held
    pool.shutdown(wait=False)
    deadline = time.monotonic() + grace
    for process in parts.processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    _end(parts)


def _kill(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no terminate(): it is shut down without waiting, then its
    # processes are killed.
    parts = _parts(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    _end(parts)


@dataclass(frozen=True)
class _PoolParts:
    """What a pool's shutdown(wait=False) lets go of, kept to finish the pool off."""

    processes: list[BaseProcess]
    manager: threading.Thread | None
    results_writer: Any


def _parts(pool: ProcessPoolExecutor) -> _PoolParts:
    return _PoolParts(
        processes=list((getattr(pool, "_processes", None) or {}).values()),
        manager=getattr(pool, "_executor_manager_thread", None),
        results_writer=getattr(getattr(pool, "_result_queue", None), "_writer", None))


def _end(parts: _PoolParts) -> None:
    """Kill the processes still alive, and wait for them and for the pool's thread (which
    waits for them), so that the next pool can be forked with no other thread running."""
    for process in parts.processes:
        if process.is_alive():
            process.kill()
    for process in parts.processes:
        process.join(timeout=5)
    if parts.manager is None:
        return
    parts.manager.join(timeout=MANAGER_GRACE)
    if parts.manager.is_alive() and parts.results_writer is not None:
        # A worker killed while it sent a result leaves half a message in the results pipe,
        # and the pool's thread waits for the rest of it for ever, since this process holds
        # the pipe's writing end too (and Python joins that thread at exit, so the process
        # would hang there). With the workers gone, closing that end gives the thread the
        # end of the pipe instead, and it stops.
        parts.results_writer.close()
        parts.manager.join(timeout=5)


def _failed(source: str, chunk: list[Row], error: str, reason: str) -> list[SendRecord]:
    return [error_record(source, row, error, reason) for row in chunk]


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no process groups to fear either
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def audit(
    settings: WorkerSettings,
    columns: Mapping[str, str] | None = None,
    jobs: int | None = None,
    cap: Cap = Cap(),
    on_record: Callable[[SendRecord], None] | None = None,
    records: Iterable[SendRecord] | None = None,
    progress: ReadProgress | None = None,
    linter: Linter | None = None,
    encoding: Encoding | None = None,
    privacy: RecordRedactor | None = None,
    crm: CRM | None = None,
) -> AuditResult:
    """Audit ``settings.source`` (or the ``records`` already checked elsewhere, on a cluster);
    ``on_record`` sees each record (to stream it to a file), ``progress`` follows the reading,
    ``encoding`` is what the source is written in (default: UTF-8, else Windows-1252 per CSV
    record). The campaign rules come from ``linter`` (one that has loaded the configuration
    already saves loading it again), with the configuration for ``settings.source``; ``crm``
    is ``settings``' CRM when it is loaded here already (the workers then need not load it).

    With ``privacy`` (``--redact``; the workers redact with ``settings.redact_key``), every
    record, the summary and the findings are redacted; a record made here (a chunk whose
    worker died) is redacted here.

    Each record has its ``gate_failures`` from the policy step (finish.py: check's, findings
    at or above fail-on, scores below min-respect or min-relevance, from the configuration
    with ``settings.overrides``), and the summary gets its ``gate`` (gate.py)."""
    linter = linter or Linter(settings.overrides)
    config = linter.config_for(settings.source)
    loaded = tuple(linter.ruleset(config).rules)
    rules = CampaignRules(loaded, config, cap,
                          has_crm=settings.crm_source is not None, redacted=privacy is not None)
    read = progress if progress is not None else ReadProgress()
    if records is None:
        records = iter_records(settings, iter_rows(settings.source, columns, read, encoding),
                               jobs, crm=crm, linter=linter)
    summary = Summary()
    gate = Gate(config)
    try:
        for record in records:
            # A record is taken whole or not at all: Ctrl-C waits until it is counted and
            # handed on (a row written to --output is a row the interruption line counts).
            with _sigint_blocked():
                if privacy is not None and record.pseudonyms is None:
                    record = privacy.record(record)
                gate.add(record)
                summary.add(record)
                rules.add(record)
                if on_record is not None:
                    on_record(record)
    finally:
        # Interrupted: the records' source stops its workers now, not when the garbage
        # collector or the interpreter's exit (which waits for a pool's work) gets to it.
        close = getattr(records, "close", None)
        if close is not None:
            close()
    found = rules.findings()
    result = summary.as_dict(found, rules.suppressed, read)
    if privacy is not None:
        result = privacy.summary(result)
    result["gate"] = gate.as_dict(found, summary.failed, result["errors"])
    if privacy is None:
        return AuditResult(result, found, settings.source, loaded)
    return AuditResult(result, result["campaign_findings"],
                       privacy.redactor.text(settings.source), loaded)


def audit_records(records_json: str, crm: Any = None, cap: Cap = Cap()) -> AuditResult:
    """Audit sends given as JSONL text in memory (rule examples, tests), in-process."""
    rows = [Row(n, str(d.get("id") or n), mapped_fields(d, {}))
            for n, d in enumerate((json.loads(line) for line in records_json.splitlines()
                                   if line.strip()), start=1)]
    checker = Checker(WorkerSettings("."), crm=crm)
    settings = WorkerSettings(".", crm_source="<memory>" if crm is not None else None)
    return audit(settings, cap=cap, records=checker.check_rows(rows), linter=checker.linter)
