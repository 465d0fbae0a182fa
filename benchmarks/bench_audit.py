"""Benchmark ``honestreach audit`` end to end: messages per second and peak memory.

    python benchmarks/bench_audit.py [--messages 200000] [--small 50000] [--contacts 50000]
                                     [--html] [--no-single]

Generates a CRM (``--contacts`` contacts, 10 per account, 5 activities per contact) and a
campaign of ~1 KB sends to its contacts as JSONL, then runs the real command line,
``honestreach audit campaign.jsonl --crm crm --output results.jsonl --format json``, in a
fresh process:

- with ``--jobs 1`` and ``--jobs 2`` on ``--small`` messages: messages per second end to end
  (start-up, CRM loading in each worker, reading, checking, writing every result);
- with ``--jobs 2`` on ``--small`` and on ``--messages`` messages: the peak memory of the whole
  process tree (the parent and its workers, sampled every 0.2 s) and of the parent alone, to
  show memory does not grow with the campaign's length.

With ``--html`` every run also writes the HTML report (``--html report.html``, its default
``--html-messages``) and prints its size: the report keeps a bounded selection, so its size
depends on the messages it lists, not on the campaign's length.

Memory is read from /proc (Linux).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_check import make_body  # noqa: E402
from bench_crm import generate as generate_crm  # noqa: E402

SUBJECTS = {"A": "A shorter month-end close", "B": "Quick question about {company}"}
SENDERS = [f"rep{n}@vendor.example.com" for n in range(25)]


def generate_campaign(path: Path, crm: Path, count: int, seed: int = 11) -> None:
    """``count`` sends to random CRM contacts over 30 days, as JSONL."""
    rng = random.Random(seed)
    contacts = []
    with (crm / "contacts.csv").open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            email, first, _last, company = line.split(",", 4)[:4]
            contacts.append((email, first, company))
    start = datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            email, first, company = rng.choice(contacts)
            variant = rng.choice("AB")
            sent = start + timedelta(seconds=rng.randrange(30 * 86400))
            out.write(json.dumps({
                "id": f"send-{n}", "to": email, "from": rng.choice(SENDERS),
                "subject": SUBJECTS[variant].format(company=company),
                "body": make_body(rng, first), "sent_at": sent.isoformat(), "variant": variant,
            }) + "\n")


def _tree_rss_kib(root: int) -> tuple[int, int]:
    """Resident memory of ``root`` and of ``root`` with all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm", encoding="ascii") as handle:
                rss[int(entry)] = int(handle.read().split()[1]) * os.sysconf("SC_PAGESIZE") // 1024
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return rss.get(root, 0), total


def run_audit(campaign: Path, crm: Path, jobs: int, output: Path,
              html: Path | None = None) -> dict[str, float]:
    """Run the command line once; wall time, peak memory (sampled) and the size of the HTML
    report when ``html`` is given."""
    command = [sys.executable, "-m", "honestreach", "audit", str(campaign), "--crm",
               str(crm), "--jobs", str(jobs), "--output", str(output), "--format", "json"]
    if html is not None:
        command += ["--html", str(html)]
    peaks = {"parent": 0, "tree": 0}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        while process.poll() is None:
            parent, tree = _tree_rss_kib(process.pid)
            peaks["parent"] = max(peaks["parent"], parent)
            peaks["tree"] = max(peaks["tree"], tree)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({process.returncode}): {stderr.decode()[-2000:]}")
    rows = json.loads(stdout)["rows"]
    return {"seconds": elapsed, "rows": rows["read"], "failed": rows["failed"],
            "rate": rows["read"] / elapsed, "parent_mib": peaks["parent"] / 1024,
            "tree_mib": peaks["tree"] / 1024,
            "html_bytes": html.stat().st_size if html is not None else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--html", action="store_true",
                        help="also write the HTML report and print its size")
    parser.add_argument("--no-single", action="store_true",
                        help="skip the --jobs 1 run (memory figures only)")
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
              f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} cores")
        print(f"{'messages':>9} {'jobs':>4} {'seconds':>8} {'msgs/s':>7} "
              f"{'peak parent':>12} {'peak all':>10}" + (f" {'HTML report':>14}"
                                                         if options.html else ""))
        html = folder / "report.html" if options.html else None
        runs = ((small, 1), (small, 2), (large, 2))
        for campaign, jobs in runs[1:] if options.no_single else runs:
            figures = run_audit(campaign, crm, jobs, folder / "results.jsonl", html)
            print(f"{figures['rows']:>9,} {jobs:>4} {figures['seconds']:>8.1f} "
                  f"{figures['rate']:>7.0f} {figures['parent_mib']:>9.0f} MiB "
                  f"{figures['tree_mib']:>6.0f} MiB" + (
                      f" {figures['html_bytes']:>12,} B" if options.html else ""), flush=True)


if __name__ == "__main__":
    main()
