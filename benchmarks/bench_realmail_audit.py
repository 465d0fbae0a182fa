"""Benchmark ``honestreach audit`` on a campaign of real mail: messages per second, messages
per CPU second and peak memory, as JSONL and as mbox, with 1 and 2 jobs.

    python benchmarks/bench_realmail_audit.py [FOLDER ...] [--copies 1] [--spamassassin 200]

Builds, in a temporary folder, a campaign from every ``.eml`` file under the folders (default:
the SpamAssassin ham and spam folders of ``../shared/real``) in two forms:

- ``campaign.jsonl``: one line per message as a sending tool exports it (``id``, ``to``,
  ``from``, ``subject``, ``sent_at``, and the body as ``body`` when the message has a text
  part, else as ``html_body``, the HTML as written). A message with no ``To:`` gets a made-up
  recipient, as every row of a real export has one.
- ``campaign.mbox``: the raw messages, as a mail client exports them (mboxrd quoting).

``--copies N`` repeats the messages N times (each copy a new send id), for a campaign long
enough that start-up no longer dominates; the checks have no cache across messages that a
repeat could profit from beyond what a real campaign's template repeats give.

The first runs after an install or a rule change are slower: the first compiles the rule set
and the filter expressions of the word patterns that run often, the second those of the rest
that these messages use (:mod:`honestreach.rulecache_filters`); later runs find both in the
cache. So ``--warm-up 2`` runs (``--jobs 1`` on the first form) come first, each printed as its
own row (``warm1``, ``warm2``), and the rows after them are the steady state a team's next
audit sees.

Each run is the real command line, ``honestreach audit SOURCE --jobs J --output results.jsonl
--format json``, in a fresh process. For each it prints wall time, messages per second (wall),
messages per CPU second of the whole process tree (the parent and its workers, user and system
time) and the peak memory of the tree, sampled every 0.1 s from /proc (Linux): resident (RSS,
summed over the processes: pages a forked worker shares with its parent count in both) and
proportional (PSS: shared pages split between the processes that share them, so counted once).

When ``spamassassin`` is on PATH, ``spamassassin -L --mbox`` (local tests only, no network)
reads the first ``--spamassassin`` messages of the mbox, then ``honestreach audit --jobs 2``
reads the same file, and both throughputs (wall and CPU time, start-up included for both)
and their ratio are printed.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_audit import _tree_pss_kib, _tree_rss_kib  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "real" / "spamassassin"


def _text_of(part: EmailMessage) -> str | None:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a broken part
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("latin-1")
    return content if isinstance(content, str) else None


def export_row(number: int, data: bytes) -> dict[str, str]:
    """The message as a sending tool's export row: headers as fields, the text body, else the
    HTML body as HTML."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    recipients = [address for _, address in getaddresses(message.get_all("To", []))
                  if "@" in address]
    sender = [address for _, address in getaddresses(message.get_all("From", []))
              if "@" in address]
    row = {"id": f"send-{number}",
           "to": recipients[0] if recipients else f"reader{number}@example.com",
           "from": sender[0] if sender else "",
           "subject": str(message.get("Subject", "") or "")}
    try:
        row["sent_at"] = parsedate_to_datetime(message["Date"]).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for kind, key in (("plain", "body"), ("html", "html_body")):
        try:
            part = parsed.get_body(preferencelist=(kind,))
        except Exception:  # noqa: BLE001 - a message the email package cannot walk
            part = None
        text = _text_of(part) if part is not None else None  # type: ignore[arg-type]
        if text and text.strip():
            row[key] = text
            break
    else:
        row["body"] = (message.get_payload(decode=True) or b"").decode("latin-1") \
            if not message.is_multipart() else ""
    return row


def build(folders: list[Path], target: Path, copies: int) -> tuple[Path, Path, int]:
    """campaign.jsonl and campaign.mbox in ``target``; and the number of messages."""
    files = [path for folder in folders for path in sorted(folder.rglob("*.eml"))]
    messages = [path.read_bytes() for path in files]
    jsonl, mbox = target / "campaign.jsonl", target / "campaign.mbox"
    count = 0
    with jsonl.open("w", encoding="utf-8") as rows, mbox.open("wb") as box:
        for copy in range(copies):
            for data in messages:
                count += 1
                rows.write(json.dumps(export_row(count, data), ensure_ascii=False) + "\n")
                sent = email.message_from_bytes(data).get("Date")
                try:
                    # The separator line's date as mbox writes it (asctime): readers such as
                    # spamassassin --mbox find a message only by it.
                    stamp = (parsedate_to_datetime(sent).strftime("%a %b %e %H:%M:%S %Y")
                             if sent else "")
                except (TypeError, ValueError, IndexError):
                    stamp = ""
                box.write(f"From sender@example.com {stamp or 'Thu Jan  1 00:00:00 2026'}\n"
                          .encode())
                body = data.replace(b"\r\n", b"\n")
                if body.startswith(b"From "):
                    # The file's own envelope line: the separator above takes its place.
                    body = body.split(b"\n", 1)[-1]
                # mboxrd: a line starting with ">*From " gets one more ">".
                lines = [b">" + line if line.lstrip(b">").startswith(b"From ") else line
                         for line in body.split(b"\n")]
                box.write(b"\n".join(lines).rstrip(b"\n") + b"\n\n")
    return jsonl, mbox, count


def run(command: list[str]) -> dict[str, float]:
    """Run ``command``; its wall time, the CPU time of its process tree and the tree's peak
    resident memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = {"tree": 0, "pss": 0}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        while process.poll() is None:
            peak["tree"] = max(peak["tree"], _tree_rss_kib(process.pid)[1])
            peak["pss"] = max(peak["pss"], _tree_pss_kib(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Every process of the tree is waited for by its parent, so the whole tree's time ends up
    # in this process's children's usage.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "tree_mib": peak["tree"] / 1024,
            "pss_mib": peak["pss"] / 1024,
            "returncode": process.returncode, "stdout": stdout, "stderr": stderr}


def audit(source: Path, jobs: int, output: Path) -> dict[str, float]:
    figures = run([sys.executable, "-m", "honestreach", "audit", str(source), "--jobs",
                   str(jobs), "--output", str(output), "--format", "json"])
    if figures["returncode"] not in (0, 1, 2) or not figures["stdout"]:
        raise SystemExit(f"audit failed ({figures['returncode']}): "
                         f"{figures['stderr'].decode()[-2000:]}")
    rows = json.loads(figures["stdout"])["rows"]
    return {**figures, **rows}


def spamassassin(mbox: Path, count: int, target: Path) -> dict[str, float] | None:
    """``spamassassin -L --mbox`` on the first ``count`` messages of ``mbox``."""
    program = shutil.which("spamassassin")
    if program is None:
        return None
    head = target / "head.mbox"
    with mbox.open("rb") as source, head.open("wb") as out:
        seen = 0
        for line in source:
            if line.startswith(b"From "):
                seen += 1
                if seen > count:
                    break
            out.write(line)
    figures = run([program, "-L", "--mbox", str(head)])
    return {**figures, "read": min(seen, count), "head": head}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--copies", type=int, default=1,
                        help="repeat the messages this many times (default 1)")
    parser.add_argument("--spamassassin", type=int, default=200, metavar="N",
                        help="messages spamassassin reads (default 200)")
    parser.add_argument("--jobs", default="1,2", help="job counts to run (default 1,2)")
    parser.add_argument("--forms", default="jsonl,mbox", help="campaign forms (default both)")
    parser.add_argument("--warm-up", type=int, default=2, metavar="N",
                        help="untimed-in-the-table runs first, filling the caches (default 2)")
    args = parser.parse_args()
    folders = args.folders or [SHARED / "ham", SHARED / "spam"]
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        print(f"no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-realmail-audit-") as temp:
        target = Path(temp)
        jsonl, mbox, count = build(folders, target, args.copies)
        if not count:
            print("no .eml files found", file=sys.stderr)
            return 2
        print(f"campaign: {count:,} real messages ({args.copies} cop"
              f"{'y' if args.copies == 1 else 'ies'}); JSONL {jsonl.stat().st_size / 1e6:.1f} "
              f"MB, mbox {mbox.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.1f}")
        print(f"{'form':<6} {'jobs':>4} {'checked':>8} {'failed':>6} {'seconds':>8} "
              f"{'msgs/s':>7} {'msgs/CPU s':>10} {'peak RSS':>9} {'peak PSS':>9}")
        forms = args.forms.split(",")
        runs = [(f"warm{number + 1}", forms[0], 1) for number in range(args.warm_up)]
        runs += [(form, form, int(jobs)) for form in forms for jobs in args.jobs.split(",")]
        for label, form, jobs in runs:
            source = jsonl if form == "jsonl" else mbox
            figures = audit(source, jobs, target / "results.jsonl")
            print(f"{label:<6} {jobs:>4} {figures['checked']:>8,} {figures['failed']:>6,} "
                  f"{figures['wall']:>8.1f} {figures['read'] / figures['wall']:>7.0f} "
                  f"{figures['read'] / figures['cpu']:>10.0f} "
                  f"{figures['tree_mib']:>5.0f} MiB {figures['pss_mib']:>5.0f} MiB",
                  flush=True)
        # --spamassassin 0: no side-by-side run.
        assassin = spamassassin(mbox, args.spamassassin, target) if args.spamassassin else None
        if assassin is None and args.spamassassin:
            print("spamassassin: not on PATH, no side-by-side run")
        elif assassin is not None:
            # The same messages, the same way in: honestreach audit on the same mbox.
            ours = audit(assassin["head"], 2, target / "head-results.jsonl")
            theirs_rate = assassin["read"] / assassin["wall"]
            ours_rate = ours["read"] / ours["wall"]
            print(f"the first {assassin['read']} messages of the mbox, wall time (CPU time "
                  f"of all processes):")
            print(f"  spamassassin -L --mbox: {assassin['wall']:.1f} s ({assassin['cpu']:.1f} "
                  f"CPU s), {theirs_rate:.1f} messages/s")
            print(f"  honestreach audit --jobs 2: {ours['wall']:.1f} s ({ours['cpu']:.1f} CPU s), "
                  f"{ours_rate:.1f} messages/s, {ours['checked']} checked, {ours['failed']} "
                  f"failed")
            print(f"  ratio: {ours_rate / theirs_rate:.1f}x (per CPU second: "
                  f"{(ours['read'] / ours['cpu']) / (assassin['read'] / assassin['cpu']):.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
