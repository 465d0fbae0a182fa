"""Benchmark ``honestreach check``: messages per second, peak memory, cold single-file latency.

    python benchmarks/bench_check.py [--messages 3000]

Generates ~1 KB drafts and .eml files (a mix of respectful and manipulative sentences) in a
temporary folder, checks them in one process with every rule on, and prints the figures.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from honestreach.pipeline import Linter

GREETINGS = ["Hi {name},", "Hello {name},", "Dear {name},", "Hey {name},"]
SENTENCES = [
    "Thanks for the call on Tuesday about your warehouse counts.",
    "I put together a short note on how other distributors plan seasonal staffing.",
    "Our platform connects to your ERP in an afternoon and needs no new hardware.",
    "If it would help, I can walk your team through it in twenty minutes next week.",
    "Here is the checklist you asked about: https://vendor.example.com/checklist",
    "Several teams we work with cut their month-end close from five days to three.",
    "This offer expires at midnight tonight, so reply now to lock it in.",
    "We only have 3 spots left in the pilot this quarter.",
    "I noticed you opened my last email four times yesterday.",
    "If I don't hear back by Friday, I'll take that as a yes.",
    "I guess saving money just isn't a priority for your team.",
    "We are the #1 platform in the world and guaranteed to double your revenue.",
    "No need to reply if the timing isn't right.",
    "Would a short call on Thursday or Friday work for you?",
    "The agenda for the workshop is now published on the event page.",
    "Your colleagues in finance mentioned approvals take too long during audits.",
]
NAMES = ["Amara", "Jon", "Priya", "Lena", "Tomas", "Grace", "Omar", "Ines", "Kofi", "Mei"]
FOOTER = ("Best regards,\nTheo Brandt\nBluefinch Software, 14 Canal Street, Manchester M1 3HE, "
          "United Kingdom\nUnsubscribe: https://bluefinch.example.com/unsubscribe\n")


def make_body(rng: random.Random, name: str) -> str:
    """A body of roughly 1 KB."""
    parts = [rng.choice(GREETINGS).format(name=name), ""]
    while sum(len(p) for p in parts) < 780:
        parts.append(" ".join(rng.sample(SENTENCES, 2)))
        parts.append("")
    return "\n".join(parts) + FOOTER


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write ``count`` messages (three drafts for every .eml) and return their paths."""
    rng = random.Random(seed)
    paths = []
    for index in range(count):
        name = rng.choice(NAMES)
        to = f"{name.lower()}{index}@customer{index % 50}.example.com"
        subject = rng.choice(["Quick question", "Your stock counts", "Following up",
                              "LAST CHANCE: pilot closes tonight", "The checklist"])
        body = make_body(rng, name)
        if index % 4 == 3:
            message = EmailMessage()
            message["From"] = "Theo Brandt <theo.brandt@bluefinch.example.com>"
            message["To"] = to
            message["Subject"] = subject
            message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0000"
            message.set_content(body, cte="quoted-printable")
            path = folder / f"m{index:06d}.eml"
            path.write_bytes(bytes(message))
        else:
            path = folder / f"m{index:06d}.txt"
            path.write_text(f"Subject: {subject}\nTo: {to}\n\n{body}", encoding="utf-8")
        paths.append(path)
    return paths


def throughput(folder: Path, count: int) -> tuple[float, float, float, int]:
    """(messages/s including start-up, messages/s after warm-up, messages per CPU second after
    warm-up, findings). CPU time is what one process costs even when the machine is busy."""
    start = time.perf_counter()
    linter = Linter()
    results = iter(linter.run([str(folder)]))
    first = next(results)  # loads and compiles the rules, checks the first message
    warm = time.perf_counter()
    warm_cpu = time.process_time()
    findings = len(first.findings)
    checked = 1
    for result in results:
        checked += 1
        findings += len(result.findings)
        if result.errors:
            raise SystemExit(f"unexpected error in {result.path}: {result.errors}")
    end = time.perf_counter()
    end_cpu = time.process_time()
    assert checked == count, (checked, count)
    return (count / (end - start), (count - 1) / (end - warm), (count - 1) / (end_cpu - warm_cpu),
            findings)


def cold_latency(path: Path, runs: int = 3) -> list[float]:
    """Wall time of ``python -m honestreach check FILE`` in a fresh process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "honestreach", "check", "--no-color", "--no-cache",
                        str(path)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = generate(folder, args.messages)
        size = statistics.mean(p.stat().st_size for p in paths)
        overall, steady, per_cpu, findings = throughput(folder, args.messages)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        latencies = cold_latency(paths[0])
    print(f"messages:                 {args.messages} (mean size {size:.0f} bytes)")
    print(f"findings:                 {findings}")
    print(f"throughput (with start-up): {overall:8.0f} messages/s")
    print(f"throughput (warm):          {steady:8.0f} messages/s")
    print(f"throughput (warm, CPU time): {per_cpu:7.0f} messages per CPU second")
    print(f"peak memory (RSS):          {peak_mib:8.1f} MiB")
    print(f"cold check of one file:     {min(latencies):8.2f} s best, "
          f"{statistics.median(latencies):.2f} s median of {len(latencies)}")


if __name__ == "__main__":
    main()
