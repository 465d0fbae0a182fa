"""A mutation fuzzer for long runs: mutated inputs through the pipeline of ``honestreach check``.

Seeds (``tests/fixtures/fuzz/`` and the other input fixtures) are mutated by byte flips,
insertions, deletions, splices, duplicated headers, damaged boundaries, swapped charset names,
deep nesting, long lines and floods of encoded words; a small share are mutated campaign files
(CSV, JSONL, mbox) read and checked as ``honestreach audit`` does. Each input must come back
checked or with a clean error. The run counts:

- aborted inputs: an exception escaped the pipeline (it would stop ``honestreach check``), an
  "internal error" result (the pipeline's safety net caught a bug), a worker process that died,
  or a campaign row lost or failed by an unexpected exception;
- slow inputs: over ``--time-limit`` seconds (default 10) of the worker's CPU time, so that a
  machine busy with other work does not make inputs slow; hangs (wall time) included;
- peak memory: the highest resident set size of a worker over one batch of inputs.

Every failing input is written to ``--out`` with a ``.txt`` file saying why, so that it can be
replayed with ``honestreach check``. Input ``i`` of seed ``s`` is always the same bytes:
``--only i`` replays one input. Usage (docs/fuzzing.md)::

    python scripts/fuzz.py -n 100000 --jobs 2 --out fuzz-failures
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
SEED_FOLDERS = ("fuzz", "inputs", "repairable", "compliance", "masscheck/ham", "scores",
                "templates/corpus", "templates/bad", "stage-config")
MESSAGE_SUFFIXES = (".eml", ".txt", ".html", ".j2")
CAMPAIGN_SUFFIXES = (".csv", ".jsonl", ".mbox")
# Generated inputs stay under this size (the default max-file-size is 10 MiB: larger ones are
# refused before they are read, which tests nothing).
MAX_INPUT_BYTES = 4 * 1024 * 1024


# -- seeds ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Seed:
    name: str
    suffix: str  # ".eml", ".txt", ".html", ".j2", ".csv", ".jsonl" or ".mbox"
    data: bytes


def load_seeds(folders: tuple[str, ...] = SEED_FOLDERS) -> list[Seed]:
    """Every message, template and campaign file of the seed folders."""
    seeds = []
    for folder in folders:
        for path in sorted((FIXTURES / folder).glob("*")):
            suffix = path.suffix.lower()
            if path.is_file() and suffix in MESSAGE_SUFFIXES + CAMPAIGN_SUFFIXES:
                seeds.append(Seed(f"{folder}/{path.name}", suffix, path.read_bytes()))
    return seeds


# -- mutations -----------------------------------------------------------------------------------
# Bytes that mean something to one of the parsers.
TOKENS = (
    b"\x00", b"\r", b"\n", b"\r\n", b"\n\n", b"\r\n\r\n", b" ", b"\t", b"=", b"=\r\n", b"=\n",
    b"=?", b"?=", b"?Q?", b"?B?", b"=?utf-8?q?", b"=?x?b?", b"=FF", b"=E9", b"=ZZ", b"--", b"--\n",
    b"\"", b"'", b";", b":", b",", b"<", b">", b"</", b"/>", b"&", b"&#", b"&#x", b"&#1114112;",
    b"&amp;", b"<!--", b"-->", b"<![CDATA[", b"<script>", b"<style>", b"<a href=\"", b"<br>",
    b"<table>", b"<blockquote>", b"{{", b"}}", b"{%", b"%}", b"{#", b"#}", b"{{ contact.",
    b"{% for x in activities %}", b"{% endfor %}", b"{% if", b"{% endif %}", b"|upper", b"|default(",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xc3", b"\xe2\x80", b"\xf0\x9f\x98", b"\x1b$B",
    b"\xa0", b"\x85", "\u2028".encode(), b"Subject: ", b"To: ",
    b"Content-Type: multipart/mixed; boundary=\"b\"\n", b"Content-Transfer-Encoding: base64\n",
    b"charset=", b"format=flowed", b"From ", b">From ", b"\"\"", b",,", b"{}", b"[]", b"{\"",
    b"\\u0000", b"\\ud800", b"1e999999", b"-- \n",
)
CHARSETS = (
    "undefined", "idna", "punycode", "utf-16", "utf-32", "utf-16le", "utf-32-be", "utf-7",
    "unicode-escape", "raw-unicode-escape", "base64", "zlib", "rot13", "hex", "x-unknown",
    "unknown-8bit", "default", "", "\"\"", "utf-8\x00", "us-ascii", "ascii", "iso-8859-1",
    "windows-1252", "cp1252", "koi8-r", "shift_jis", "iso-2022-jp", "euc-kr", "gb18030", "big5",
    "ks_c_5601-1987", "iso-8859-8-i", "x-mac-roman", "utf-8*en", "UTF8", "latin-1", "mbcs",
    "cp65001", "oem", "utf_8_sig", "a" * 300, "utf-8;", "'utf-8'", "utf-8\"", "uTf-8 ",
)
TRANSFER_ENCODINGS = (b"base64", b"quoted-printable", b"7bit", b"8bit", b"binary", b"x-uuencode",
                      b"Base-64", b"qp", b"", b"base64; x", b"uuencode")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n", re.M)
_CHARSET = re.compile(rb"(charset\s*=\s*\"?|=\?)([^\"\s;?>]*)", re.I)
_BOUNDARY = re.compile(rb"boundary\s*=\s*\"?([^\"\s;]+)\"?", re.I)
_TRANSFER = re.compile(rb"(content-transfer-encoding\s*:\s*)([^\r\n]*)", re.I)
_HTML_TAG = re.compile(rb"<[a-zA-Z][^<>]{0,200}>")


def _cut(data: bytes, rng: random.Random) -> tuple[int, int]:
    start = rng.randrange(len(data) + 1)
    return start, min(len(data), start + rng.choice((1, 2, 4, 16, 64, 512, 4096)))


def flip_bytes(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def set_bytes(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 8))):
        out[rng.randrange(len(out))] = rng.choice((0, 0x0A, 0x0D, 0x1B, 0x3D, 0x7F, 0x80, 0xC0,
                                                   0xFF, rng.randrange(256)))
    return bytes(out)


def insert_token(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    at = rng.randrange(len(data) + 1)
    token = rng.choice(TOKENS) if rng.random() < 0.8 else rng.randbytes(rng.randrange(1, 32))
    return data[:at] + token * rng.choice((1, 1, 1, 3, 50)) + data[at:]


def delete_range(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    start, end = _cut(data, rng)
    return data[:start] + data[end:]


def truncate(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def repeat_range(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    start, end = _cut(data, rng)
    times = rng.choice((2, 3, 10, 100, 1000))
    return data[:start] + data[start:end] * times + data[end:]


def splice(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    other = rng.choice(seeds).data
    start, _ = _cut(data, rng)
    other_start, other_end = _cut(other, rng)
    if rng.random() < 0.5:
        other_end = len(other)
    return data[:start] + other[other_start:other_end] + data[start:][rng.randrange(2) * 64:]


def duplicate_header(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    headers = list(_HEADER_LINE.finditer(data[:8192]))
    if not headers:
        return insert_token(data, rng, seeds)
    line = rng.choice(headers)
    times = rng.choice((1, 2, 5, 100, 2000))
    return data[:line.start()] + line.group() * (times + 1) + data[line.end():]


def damage_boundary(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    found = list(_BOUNDARY.finditer(data))
    if not found:
        return insert_token(data, rng, seeds)
    boundary = rng.choice(found).group(1)
    delimiters = [m.start() for m in re.finditer(re.escape(b"--" + boundary), data)]
    choice = rng.randrange(6)
    if choice == 0 and delimiters:  # one delimiter line damaged
        at = rng.choice(delimiters)
        return data[:at] + b"-" + data[at + 2 + rng.randrange(len(boundary) + 1):]
    if choice == 1:  # the closing delimiter dropped
        return data.replace(b"--" + boundary + b"--", b"")
    if choice == 2:  # the parameter changed or emptied
        return data.replace(b"boundary=" + boundary, b"boundary=" + rng.choice(
            (b"", b"\"\"", b"x", boundary[:-1], boundary + b" ", b"\"" + b"-" * 80 + b"\"")), 1)
    if choice == 3:  # a delimiter repeated
        at = rng.choice(delimiters) if delimiters else 0
        return data[:at] + (b"--" + boundary + b"\n") * rng.choice((2, 50, 5000)) + data[at:]
    if choice == 4:  # the same boundary for a nested part
        return data.replace(b"boundary=\"inner\"", b"boundary=\"outer\"")
    return data.replace(boundary, boundary[: len(boundary) // 2])


def swap_charset(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    found = list(_CHARSET.finditer(data))
    if not found:
        return data[:0] + b"Content-Type: text/plain; charset=" + \
            rng.choice(CHARSETS).encode("latin-1") + b"\n" + data
    match = rng.choice(found)
    name = rng.choice(CHARSETS).encode("latin-1")
    return data[:match.start(2)] + name + data[match.end(2):]


def swap_transfer_encoding(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    found = list(_TRANSFER.finditer(data))
    if not found:
        return swap_charset(data, rng, seeds)
    match = rng.choice(found)
    return data[:match.start(2)] + rng.choice(TRANSFER_ENCODINGS) + data[match.end(2):]


def deep_nesting(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    depth = rng.choice((10, 49, 50, 51, 200, 1000, 3000))
    if rng.random() < 0.6 or not data.lstrip().startswith(b"<"):
        head = b"".join(b"Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n" % (i, i)
                        for i in range(depth))
        tail = b"".join(b"\n--n%d--\n" % i for i in reversed(range(depth)))
        body = b"Content-Type: text/plain\n\nHello from the bottom.\n"
        prefix = b"From: a@example.com\nTo: b@example.com\nMIME-Version: 1.0\n"
        if rng.random() < 0.5:
            return prefix + head + body + tail
        return data + b"\n" + head + body + tail
    tag = rng.choice((b"div", b"table", b"blockquote", b"b", b"ul", b"a", b"p", b"td"))
    at = rng.randrange(len(data) + 1)
    return data[:at] + (b"<" + tag + b">") * depth + data[at:]


def long_line(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    unit = rng.choice((b"a", b"word ", b"=?utf-8?q?a?= ", b"=?utf-8?b?w6k=?=", b"<b>", b"&amp;",
                       b"=41", b"\xc3\xa9", b"{{ x }}", b"\"", b",", b"-", b"AAAA", b"\t", b"!"))
    size = rng.choices((2_000, 50_000, 300_000, 1_200_000), (50, 35, 12, 3))[0]
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:  # in a header, where the header parsers are costly
        headers = list(_HEADER_LINE.finditer(data[:8192]))
        if headers:
            at = rng.choice(headers).end() - 1
    return data[:at] + unit * (size // len(unit)) + data[at:]


def encoded_word_flood(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    count = rng.choices((100, 2_000, 17_000, 60_000), (50, 30, 15, 5))[0]
    word = rng.choice((b"=?utf-8?q?caf=C3=A9?=", b"=?utf-8?b?w6k=?=", b"=?x?q?a?=",
                       b"=?undefined?q?a?=", b"=?utf-16?b?AGEA?="))
    sep = rng.choice((b" ", b"\n ", b"", b"\r\n\t"))
    subject = b"Subject: " + sep.join([word] * count) + b"\n"
    return subject + data


def change_newlines(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    old, new = rng.choice(((b"\r\n", b"\n"), (b"\n", b"\r\n"), (b"\n", b"\r"), (b"\r\n", b"\r"),
                           (b"\n", b"\n\x00"), (b"\n", b"\x85")))
    return data.replace(old, new)


def damage_html(data: bytes, rng: random.Random, seeds: list[Seed]) -> bytes:
    tags = list(_HTML_TAG.finditer(data))
    if not tags:
        return insert_token(data, rng, seeds)
    tag = rng.choice(tags)
    replacement = rng.choice((b"", b"<", tag.group()[:-1], tag.group() * 1000,
                              b"<a href=\"" + b"x" * 5000, b"<!-- " + tag.group(),
                              b"<" + b"\xff\xfe" + tag.group()[1:], b"<script>", b"</td></tr>"))
    return data[:tag.start()] + replacement + data[tag.end():]


MUTATIONS: tuple[tuple[Callable[[bytes, random.Random, list[Seed]], bytes], int], ...] = (
    (flip_bytes, 12), (set_bytes, 8), (insert_token, 20), (delete_range, 10), (truncate, 3),
    (repeat_range, 6), (splice, 8), (duplicate_header, 5), (damage_boundary, 6),
    (swap_charset, 10), (swap_transfer_encoding, 4), (deep_nesting, 2), (long_line, 2),
    (encoded_word_flood, 1), (change_newlines, 3), (damage_html, 4),
)
_OPERATORS = [op for op, _ in MUTATIONS]
_WEIGHTS = [weight for _, weight in MUTATIONS]


def mutate(data: bytes, rng: random.Random, seeds: list[Seed], steps: int | None = None
           ) -> tuple[bytes, list[str]]:
    """``data`` mutated by 1-5 operators (``steps``), and their names."""
    names = []
    for _ in range(steps if steps is not None else rng.choice((1, 1, 2, 2, 3, 5))):
        operator = rng.choices(_OPERATORS, _WEIGHTS)[0]
        data = operator(data, rng, seeds)[:MAX_INPUT_BYTES]
        names.append(operator.__name__)
    return data, names


@dataclass(frozen=True)
class FuzzInput:
    index: int
    name: str  # a file name: its suffix chooses how honestreach reads it
    data: bytes
    seed: str
    mutations: tuple[str, ...]

    @property
    def campaign(self) -> bool:
        return self.name.endswith(CAMPAIGN_SUFFIXES)


def make_input(index: int, run_seed: int, seeds: list[Seed], campaign_share: float) -> FuzzInput:
    """Input ``index`` of the run: always the same for the same seeds and ``run_seed``."""
    rng = random.Random(f"{run_seed}:{index}")
    campaign = [s for s in seeds if s.suffix in CAMPAIGN_SUFFIXES]
    messages = [s for s in seeds if s.suffix in MESSAGE_SUFFIXES]
    use_campaign = campaign and rng.random() < campaign_share
    seed = rng.choice(campaign if use_campaign else messages)
    data, names = mutate(seed.data, rng, seeds)
    suffix = seed.suffix
    if not use_campaign and rng.random() < 0.1:  # read as another kind, or sniffed
        suffix = rng.choice((".eml", ".txt", ".html", ".txt.j2", ".md", ""))
    elif suffix == ".j2":
        suffix = ".txt.j2"
    return FuzzInput(index, f"input-{index}{suffix}", data, seed.name, tuple(names))


# -- checking one batch (in a worker) ------------------------------------------------------------
@dataclass
class Outcome:
    """What happened to one input; ``fault`` is None when it was checked or cleanly refused."""

    index: int
    seconds: float
    fault: str | None = None
    detail: str = ""
    peak_mb: float | None = None


def _read_status(field_name: str) -> float:
    """A field of /proc/self/status in MB (VmHWM: the peak resident set size)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    """Start measuring the peak resident set size again (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


class Checker:
    """Checks inputs as ``honestreach check`` and ``honestreach audit`` do, in one process."""

    def __init__(self, folder: str) -> None:
        from honestreach.pipeline import Linter

        self.folder = folder
        self.linter = Linter()
        self._campaign: dict[str, object] = {}

    def check_messages(self, items: list[FuzzInput]) -> list[Outcome]:
        """One outcome per input, checked together in one ``Linter.run`` (as a folder is)."""
        paths = {}
        for item in items:
            path = os.path.join(self.folder, item.name)
            Path(path).write_bytes(item.data)
            paths[path] = item.index
        outcomes = []
        started = last = time.process_time()
        try:
            for result in self.linter.run(list(paths)):
                now = time.process_time()
                outcome = Outcome(paths.pop(result.path), now - last)
                last = now
                internal = [e.message for e in result.errors if "internal error" in e.message]
                if internal:
                    outcome.fault, outcome.detail = "internal error", internal[0]
                outcomes.append(outcome)
        except Exception:  # noqa: BLE001 - an exception that would stop `honestreach check`
            detail = traceback.format_exc()
            from honestreach.pipeline import Linter

            self.linter = Linter()
            for index in paths.values():
                outcomes.append(Outcome(index, time.process_time() - started, "aborted", detail))
        if paths and not any(o.fault == "aborted" for o in outcomes):
            outcomes.extend(Outcome(i, 0.0, "lost", "no result for this input")
                            for i in paths.values())
        for item in items:
            Path(self.folder, item.name).unlink(missing_ok=True)
        return outcomes

    def check_campaign(self, item: FuzzInput) -> Outcome:
        """A campaign file read as ``honestreach audit`` reads it: every row read comes back as
        one record, checked or failed, and none failed by an unexpected exception."""
        from honestreach.campaign.sources import CampaignSourceError, ReadProgress, iter_rows
        from honestreach.campaign.worker import Checker as RowChecker
        from honestreach.campaign.worker import WorkerSettings

        suffix = Path(item.name).suffix
        path = os.path.join(self.folder, f"campaign{suffix}")
        Path(path).write_bytes(item.data)
        started = time.process_time()
        outcome = Outcome(item.index, 0.0)
        try:
            if path not in self._campaign:
                self._campaign[path] = RowChecker(WorkerSettings(path))
            checker = self._campaign[path]
            progress = ReadProgress()
            rows_read = records_made = 0
            rows = iter_rows(path, progress=progress)
            # In chunks, as the audit's workers check them: memory holds one chunk at a time.
            while chunk := list(itertools.islice(rows, 200)):
                records = checker.check_rows(chunk)  # type: ignore[attr-defined]
                rows_read += len(chunk)
                records_made += len(records)
                for record in records:
                    errors = " ".join(record.errors)
                    if "could not be read: " in errors or "could not be checked: " in errors:
                        outcome.fault, outcome.detail = "internal error", errors
            if records_made != rows_read or progress.rows != rows_read:
                outcome.fault = "lost rows"
                outcome.detail = f"{rows_read} rows read, {records_made} records"
        except CampaignSourceError:
            pass  # a clean error: the source cannot be read at all
        except Exception:  # noqa: BLE001
            outcome.fault, outcome.detail = "aborted", traceback.format_exc()
        outcome.seconds = time.process_time() - started
        return outcome


def worker_main(conn: Connection, seeds: list[Seed], run_seed: int, campaign_share: float,
                memory_cap_mb: int) -> None:
    """Check the batches of indices the parent sends; answer with their outcomes."""
    if memory_cap_mb:
        # A memory blow-up fails its input (MemoryError) instead of the shared machine.
        cap = memory_cap_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    folder = tempfile.mkdtemp(prefix="honestreach-fuzz-")
    try:
        checker = Checker(folder)
        while True:
            task = conn.recv()
            if task is None:
                break
            indices, single = task
            items = [make_input(i, run_seed, seeds, campaign_share) for i in indices]
            _reset_peak()
            if single:  # one input at a time, each timed and measured alone
                outcomes = []
                for item in items:
                    _reset_peak()
                    started = time.process_time()
                    outcome = (checker.check_campaign(item) if item.campaign
                               else checker.check_messages([item])[0])
                    outcome.seconds = time.process_time() - started
                    outcome.peak_mb = _read_status("VmHWM")
                    outcomes.append(outcome)
            else:
                outcomes = [checker.check_campaign(i) for i in items if i.campaign]
                outcomes += checker.check_messages([i for i in items if not i.campaign])
            conn.send((outcomes, _read_status("VmHWM")))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- the run (in the parent) ---------------------------------------------------------------------
@dataclass
class Figures:
    inputs: int = 0
    aborted: int = 0
    slow: int = 0
    peak_mb: float = 0.0
    faults: dict[str, int] = field(default_factory=dict)
    retried_batches: int = 0


class Worker:
    def __init__(self, context: multiprocessing.context.BaseContext, args: argparse.Namespace,
                 seeds: list[Seed]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(child, seeds, args.seed, args.campaign_share,
                                      args.memory_cap), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[list[int], bool] | None = None
        self.since = 0.0
        self.batches = 0

    def give(self, task: tuple[list[int], bool]) -> None:
        self.task, self.since = task, time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run(args: argparse.Namespace) -> Figures:
    seeds = load_seeds()
    out = Path(args.out)
    figures = Figures()
    context = multiprocessing.get_context("fork")
    indices = list(args.only) if args.only else list(range(args.start, args.start + args.n))
    queue: list[tuple[list[int], bool]] = [
        (indices[i:i + args.batch], False) for i in range(0, len(indices), args.batch)]
    queue.reverse()
    workers = [Worker(context, args, seeds) for _ in range(min(args.jobs, len(queue)) or 1)]
    started = time.monotonic()
    last_report = started
    hang = max(args.hang_limit, args.time_limit)

    def record(outcome: Outcome, batch_peak: float) -> None:
        figures.inputs += 1
        slow = outcome.seconds > args.time_limit
        if outcome.fault is None and not slow:
            return
        item = make_input(outcome.index, args.seed, seeds, args.campaign_share)
        kinds = [k for k in (outcome.fault, "slow" if slow else None) if k]
        for kind in kinds:
            figures.faults[kind] = figures.faults.get(kind, 0) + 1
        figures.aborted += outcome.fault is not None
        figures.slow += slow
        out.mkdir(parents=True, exist_ok=True)
        (out / item.name).write_bytes(item.data)
        (out / f"{item.name}.txt").write_text(
            f"input {item.index} (run seed {args.seed}): {', '.join(kinds)}\n"
            f"seed file: {item.seed}; mutations: {', '.join(item.mutations)}\n"
            f"seconds: {outcome.seconds:.2f}; peak MB: {outcome.peak_mb or batch_peak:.0f}\n\n"
            f"{outcome.detail}\n")
        print(f"  input {item.index}: {', '.join(kinds)} ({outcome.seconds:.1f} s) "
              f"{outcome.detail.strip().splitlines()[-1][:160] if outcome.detail else ''}",
              flush=True)

    while queue or any(w.task for w in workers):
        for worker in workers:
            if worker.task is None and queue:
                worker.give(queue.pop())
        busy = [w for w in workers if w.task is not None]
        ready = wait([w.conn for w in busy], timeout=1.0)
        for worker in busy:
            task = worker.task
            assert task is not None
            if worker.conn in ready:
                try:
                    outcomes, batch_peak = worker.conn.recv()
                except (EOFError, OSError):  # the worker died: retry its inputs one by one
                    outcomes, batch_peak = None, 0.0
                if outcomes is not None:
                    worker.task = None
                    worker.batches += 1
                    if worker.batches >= args.recycle_every:
                        # Junk inputs leave the C heap fragmented (glibc keeps what was freed):
                        # a fresh worker keeps the peak of one input, not of the run so far.
                        worker.stop()
                        workers[workers.index(worker)] = Worker(context, args, seeds)
                    figures.peak_mb = max(figures.peak_mb, batch_peak)
                    suspicious = (not task[1] and (batch_peak > args.memory_limit or any(
                        o.seconds > args.time_limit for o in outcomes)))
                    if suspicious:  # measure each input of the batch alone
                        figures.retried_batches += 1
                        queue.append((task[0], True))
                        continue
                    for outcome in outcomes:
                        if task[1] and outcome.peak_mb and outcome.peak_mb > args.memory_limit:
                            outcome.fault = outcome.fault or "memory"
                            outcome.detail += f"\npeak memory {outcome.peak_mb:.0f} MB"
                        record(outcome, batch_peak)
                    continue
            elif time.monotonic() - worker.since < hang * (1 if task[1] else 3):
                continue
            # A worker that died or hangs: replace it; retry its batch one input at a time.
            died = worker.process.is_alive() is False
            worker.stop(kill=True)
            workers[workers.index(worker)] = Worker(context, args, seeds)
            if task[1] and len(task[0]) == 1:
                fault = "crash" if died else "hang"
                record(Outcome(task[0][0], hang if not died else 0.0, fault,
                               f"the worker {'died' if died else 'was stopped'}"), 0.0)
            else:
                queue.extend(([i], True) for i in reversed(task[0]))
        if time.monotonic() - last_report > args.report_every:
            last_report = time.monotonic()
            rate = figures.inputs / (last_report - started)
            print(f"{figures.inputs:,} inputs, {figures.aborted} aborted, {figures.slow} over "
                  f"{args.time_limit:g} s, peak {figures.peak_mb:.0f} MB, {rate:.0f} inputs/s",
                  flush=True)
    for worker in workers:
        worker.stop()
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec (a parent's peak would show).
    figures.peak_mb = max(figures.peak_mb, _read_status("VmHWM"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="inputs to check (100,000)")
    parser.add_argument("--start", type=int, default=0, help="index of the first input")
    parser.add_argument("--only", type=int, nargs="+", help="replay these input indices")
    parser.add_argument("--seed", type=int, default=1, help="the run's random seed (1)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (all cores)")
    parser.add_argument("--batch", type=int, default=200, help="inputs per batch (200)")
    parser.add_argument("--campaign-share", type=float, default=0.02,
                        help="share of inputs that are campaign files (0.02)")
    parser.add_argument("--time-limit", type=float, default=10.0,
                        help="an input that takes more CPU seconds than this is reported (10)")
    parser.add_argument("--hang-limit", type=float, default=60.0,
                        help="a worker silent this many seconds per input is stopped (60)")
    parser.add_argument("--memory-limit", type=float, default=500.0,
                        help="an input whose peak memory passes this many MB is reported (500)")
    parser.add_argument("--recycle-every", type=int, default=20,
                        help="batches a worker checks before a fresh one replaces it (20)")
    parser.add_argument("--memory-cap", type=int, default=3000,
                        help="address-space cap of a worker in MB (3000; 0: none)")
    parser.add_argument("--out", default="fuzz-failures",
                        help="folder for the failing inputs (fuzz-failures)")
    parser.add_argument("--report-every", type=float, default=60.0,
                        help="seconds between progress lines (60)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    started = time.monotonic()
    figures = run(args)
    seconds = time.monotonic() - started
    print(f"inputs:           {figures.inputs:,}")
    print(f"aborted:          {figures.aborted}")
    print(f"over {args.time_limit:g} s:        {figures.slow}")
    print(f"peak memory:      {figures.peak_mb:.0f} MB (one worker)")
    print(f"inputs/second:    {figures.inputs / seconds:.0f} ({args.jobs} jobs)")
    print(f"duration:         {seconds:.0f} s")
    if figures.faults:
        print(f"faults:           {figures.faults} (inputs in {args.out}/)")
    if args.json:
        print(json.dumps({"inputs": figures.inputs, "aborted": figures.aborted,
                          "slow": figures.slow, "peak_mb": round(figures.peak_mb),
                          "seconds": round(seconds), "faults": figures.faults}))
    ok = figures.aborted == 0 and figures.slow == 0 and figures.peak_mb < args.memory_limit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
