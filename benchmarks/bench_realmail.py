"""Benchmark ``honestreach check`` on real mail: messages per second and peak memory.

    python benchmarks/bench_realmail.py [FOLDER ...] [--repeat 3]

Checks every ``.eml`` file under the folders (default: the SpamAssassin ham and spam folders of
``../shared/real``, when present) in one process, with every rule on, as ``honestreach check``
does, and prints the figures. Real mail is harder than generated drafts: long threads, HTML,
quoted-printable and base64 parts, odd charsets. The mail is read into memory first, so the
figures are the checking alone; ``--repeat`` checks it that many times over and keeps the best.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

from honestreach.pipeline import Linter
from honestreach.sources import InputFile, parse_input

SHARED = Path(__file__).resolve().parents[2] / "shared" / "real" / "spamassassin"


def load(folders: list[Path]) -> list[InputFile]:
    return [InputFile(str(path), "eml", path.read_bytes())
            for folder in folders for path in sorted(folder.rglob("*.eml"))]


def check_all(linter: Linter, inputs: list[InputFile]) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, findings, inputs with errors) for one pass."""
    start, start_cpu = time.perf_counter(), time.process_time()
    findings = errors = 0
    messages = []
    for item in inputs:
        try:
            messages.append(parse_input(item))
        except Exception:  # a message the parser refuses still costs its parse
            errors += 1
    for result in linter.check_messages(messages):
        findings += len(result.findings)
        errors += bool(result.errors)
    return time.perf_counter() - start, time.process_time() - start_cpu, findings, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folders = args.folders or [SHARED / "ham", SHARED / "spam"]
    missing = [str(f) for f in folders if not f.is_dir()]
    if missing:
        print(f"no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    inputs = load(folders)
    if not inputs:
        print("no .eml files found", file=sys.stderr)
        return 2
    linter = Linter()
    check_all(linter, inputs[:20])  # warm up: rules loaded and compiled
    runs = [check_all(linter, inputs) for _ in range(args.repeat)]
    wall = min(r[0] for r in runs)
    cpu = min(r[1] for r in runs)
    size = statistics.mean(len(i.data) for i in inputs)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages:                   {len(inputs)} real .eml (mean size {size:.0f} bytes)")
    print(f"findings:                   {runs[0][2]} ({runs[0][3]} messages with errors)")
    print(f"throughput (warm):          {len(inputs) / wall:8.0f} messages/s")
    print(f"throughput (warm, CPU time): {len(inputs) / cpu:7.0f} messages per CPU second")
    print(f"peak memory (RSS):          {peak_mib:8.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
