"""Benchmark ``honestreach audit`` end to end: messages per second and peak memory.

    python benchmarks/bench_audit.py [--messages 200000] [--small 50000] [--contacts 50000]
                                     [--html] [--no-single] [--jobs 2]

Generates a CRM (``--contacts`` contacts, 10 per account, 5 activities per contact) and a
campaign of ~1 KB sends to its contacts as JSONL, then runs the real command line,
``honestreach audit campaign.jsonl --crm crm --output results.jsonl --format json``, in a
fresh process.

The campaign is varied the way a real export is: bodies drawn from respectful and manipulative
sentences (findings in most rows, personal claims the CRM may or may not support, so
mass-claim cases), one row in ten written as HTML (half in an ``html_body`` column, half as
HTML in the ``body`` cell), one in fifty a resend of an earlier row to the same contact
(duplicates), and sends spread over 30 days among the contacts (frequency cases).

- with ``--jobs 1`` and ``--jobs 2`` on ``--small`` messages: messages per second end to end
  (start-up, reading, checking, writing every result);
- with ``--jobs 2`` on ``--small`` and on ``--messages`` messages: the peak memory of the
  parent alone and of the whole process tree (the parent and its workers, sampled every 0.2 s),
  resident (RSS, summed over the processes: pages a forked worker shares with its parent count
  in both) and proportional (PSS: shared pages counted once), to show memory does not grow
  with the campaign's length.

With ``--html`` every run also writes the HTML report (``--html report.html``, its default
``--html-messages``, or every row with ``--html-all``) and prints its size.

Memory is read from /proc (Linux).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import make_body  # noqa: E402
from bench_crm import generate as generate_crm  # noqa: E402

SUBJECTS = {"A": "A shorter month-end close", "B": "Quick question about {company}"}
SENDERS = [f"rep{n}@vendor.example.com" for n in range(25)]


def _html(body: str) -> str:
    """The body as a sending tool's HTML part: paragraphs, a link, a styled footer."""
    paragraphs = [f"<p>{escape(part).replace(chr(10), '<br>')}</p>"
                  for part in body.split("\n\n") if part.strip()]
    return ("<html><head><style>p{margin:0 0 1em}</style></head><body>"
            + "\n".join(paragraphs)
            + '<p style="font-size:11px;color:#777"><a href="https://vendor.example.com/'
              'unsubscribe">Unsubscribe</a></p></body></html>')


def generate_campaign(path: Path, crm: Path, count: int, seed: int = 11) -> None:
    """``count`` sends to random CRM contacts over 30 days, as JSONL: one in ten as HTML, one
    in fifty a resend of an earlier send to the same contact."""
    rng = random.Random(seed)
    contacts = []
    with (crm / "contacts.csv").open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            email, first, _last, company = line.split(",", 4)[:4]
            contacts.append((email, first, company))
    start = datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    recent: list[dict[str, str]] = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            sent = start + timedelta(seconds=rng.randrange(30 * 86400))
            if recent and n % 50 == 49:
                row = {**rng.choice(recent), "id": f"send-{n}", "sent_at": sent.isoformat()}
                out.write(json.dumps(row) + "\n")
                continue
            email, first, company = rng.choice(contacts)
            variant = rng.choice("AB")
            row = {"id": f"send-{n}", "to": email, "from": rng.choice(SENDERS),
                   "subject": SUBJECTS[variant].format(company=company),
                   "body": make_body(rng, first), "sent_at": sent.isoformat(),
                   "variant": variant}
            if n % 20 == 3:
                row["body"] = _html(row["body"])
            elif n % 20 == 13:
                row["html_body"] = _html(row.pop("body"))
            recent = [*recent[-99:], row]
            out.write(json.dumps(row) + "\n")


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGESIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return 0


def _tree_rss_kib(root: int) -> tuple[int, int]:
    """Resident memory of ``root`` and of ``root`` with all its descendants, in KiB."""
    return _rss_kib(root), sum(_rss_kib(pid) for pid in _tree(root))


def _tree_pss_kib(root: int) -> int:
    """Proportional set size of ``root`` and its descendants, in KiB: memory shared between
    them (a forked worker's pages it still shares with its parent) counted once, split."""
    return sum(_pss_kib(pid) for pid in _tree(root))


def run_audit(campaign: Path, crm: Path, jobs: int, output: Path,
              html: Path | None = None, html_all: bool = False) -> dict[str, float]:
    """Run the command line once; wall time, peak memory (sampled) and the size of the HTML
    report when ``html`` is given (every row listed with ``html_all``)."""
    command = [sys.executable, "-m", "honestreach", "audit", str(campaign), "--crm",
               str(crm), "--jobs", str(jobs), "--output", str(output), "--format", "json"]
    if html is not None:
        command += ["--html", str(html)]
        if html_all:
            command += ["--html-messages", str(10**9)]
    peaks = {"parent": 0, "tree": 0, "parent_pss": 0, "tree_pss": 0}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        while process.poll() is None:
            pids = _tree(process.pid)
            pss = {pid: _pss_kib(pid) for pid in pids}
            for name, value in (("parent", _rss_kib(process.pid)),
                                ("tree", sum(_rss_kib(pid) for pid in pids)),
                                ("parent_pss", pss.get(process.pid, 0)),
                                ("tree_pss", sum(pss.values()))):
                peaks[name] = max(peaks[name], value)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({process.returncode}): {stderr.decode()[-2000:]}")
    summary = json.loads(stdout)
    rows = summary["rows"]
    return {"seconds": elapsed, "rows": rows["read"], "failed": rows["failed"],
            "rate": rows["read"] / elapsed, "parent_mib": peaks["parent"] / 1024,
            "tree_mib": peaks["tree"] / 1024, "parent_pss_mib": peaks["parent_pss"] / 1024,
            "tree_pss_mib": peaks["tree_pss"] / 1024,
            "campaign": len(summary["campaign_findings"]),
            "findings": sum(summary["by_category"].values()),
            "html_bytes": html.stat().st_size if html is not None else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=2, help="jobs of the memory runs")
    parser.add_argument("--html", action="store_true",
                        help="also write the HTML report and print its size")
    parser.add_argument("--html-all", action="store_true",
                        help="the HTML report lists every row (--html-messages above the count)")
    parser.add_argument("--no-single", action="store_true",
                        help="skip the --jobs 1 run (memory figures only)")
    parser.add_argument("--keep", type=Path, metavar="FOLDER",
                        help="copy the HTML reports into this folder")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        crm = folder / "crm"
        crm.mkdir()
        started = time.perf_counter()
        generate_crm(crm, options.contacts, options.contacts * 5)
        large = folder / "large.jsonl"
        generate_campaign(large, crm, options.messages)
        small = folder / "small.jsonl"
        with large.open(encoding="utf-8") as source, small.open("w", encoding="utf-8") as out:
            for _ in range(min(options.small, options.messages)):
                out.write(source.readline())
        size = large.stat().st_size / options.messages
        print(f"generated a CRM of {options.contacts:,} contacts and a campaign of "
              f"{options.messages:,} sends ({size:,.0f} bytes each) in "
              f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.1f}")
        print(f"{'messages':>9} {'jobs':>4} {'seconds':>8} {'msgs/s':>7} "
              f"{'parent RSS':>10} {'parent PSS':>10} {'tree RSS':>9} {'tree PSS':>9} "
              f"{'findings':>9} {'campaign':>8}"
              + (f" {'HTML report':>14}" if options.html else ""), flush=True)
        runs = ((small, 1), (small, options.jobs), (large, options.jobs))
        for campaign, jobs in runs[1:] if options.no_single else runs:
            html = folder / f"report-{campaign.stem}-{jobs}.html" if options.html else None
            figures = run_audit(campaign, crm, jobs, folder / "results.jsonl", html,
                                options.html_all)
            print(f"{figures['rows']:>9,} {jobs:>4} {figures['seconds']:>8.1f} "
                  f"{figures['rate']:>7.0f} {figures['parent_mib']:>6.0f} MiB "
                  f"{figures['parent_pss_mib']:>6.0f} MiB {figures['tree_mib']:>5.0f} MiB "
                  f"{figures['tree_pss_mib']:>5.0f} MiB {figures['findings']:>9,} "
                  f"{figures['campaign']:>8,}" + (
                      f" {figures['html_bytes']:>12,} B" if options.html else ""), flush=True)
            if html is not None and options.keep is not None:
                options.keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(html, options.keep / html.name)


if __name__ == "__main__":
    main()
