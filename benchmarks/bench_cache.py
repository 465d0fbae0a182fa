"""Benchmark the result cache: ``honestreach check`` over a repository of templates, twice.

    python benchmarks/bench_cache.py [--files 200] [--warm-runs 5] [--keep DIR]

Generates a repository of ~1 KB outreach templates and drafts (a mix of respectful and
manipulative ones, with a .honestreach.yaml), then runs ``honestreach check`` on it in a fresh
process: once cold (empty cache: every file is checked and stored), then warm (nothing changed:
every result comes from the cache). Prints both wall times; exits 1 when a warm run takes more
than 0.5 s or its output differs from the cold run's. Templates are ``.txt.j2`` files when this
honestreach reads Jinja2 templates from a folder, ``.txt`` drafts otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
WARM_LIMIT = 0.5

SUBJECTS = ["Notes from the forum", "An idea for {{ contact.company }}", "Your pilot checklist",
            "Last chance: renewal pricing", "Quick question", "Forecast rollups"]
GOOD = [
    ("Here are the notes from the supply chain forum in Toronto, with the two talks on "
     "warehouse automation you asked about."),
    ("I put together a short note on how other distributors plan seasonal staffing; it is four "
     "pages and has no sign-up form."),
    ("Our platform connects to your ERP in an afternoon and needs no new hardware. The setup "
     "guide lists every permission it asks for."),
    "If it would help, I can walk your team through it in twenty minutes next week.",
    ("Two teams we work with moved their month-end close from five days to three; their "
     "write-up explains what changed and what did not."),
    "No need to reply if the timing is not right.",
    "The agenda for the workshop is published on the event page, with the room and the times.",
]
BAD = [
    "This offer expires at midnight tonight, so reply now to lock it in.",
    "We only have 3 spots left in the pilot this quarter.",
    "I noticed you opened my last email four times yesterday.",
    "If I don't hear back by Friday, I'll take that as a yes.",
    "I guess saving money just isn't a priority for your team.",
    "We are the #1 platform in the world and guaranteed to double your revenue.",
    "Act now! Prices go up tomorrow.",
]
CLOSING = ("Best,\nMaya Okafor\nTallwater Analytics, 418 Harbor Street, Suite 200, Portland, "
           "OR 97204, USA\nNot interested? Reply \"unsubscribe\" and I won't email you again.\n")


def reads_templates() -> bool:
    """Whether ``honestreach check FOLDER`` picks up .j2 templates in this checkout."""
    sys.path.insert(0, str(SRC))
    try:
        from honestreach import sources

        return ".j2" in getattr(sources, "MESSAGE_SUFFIXES", {}) or any(
            ".j2" in value for name, value in vars(sources).items()
            if name.isupper() and isinstance(value, (set, frozenset, tuple, dict)))
    finally:
        sys.path.remove(str(SRC))


def message(rng: random.Random, index: int, template: bool) -> str:
    """One ~1 KB message; every third one manipulative."""
    bad = index % 3 == 0
    subject = rng.choice(SUBJECTS)
    if not template:
        subject = subject.replace("{{ contact.company }}", "Lindenmill")
    greeting = ("{% if contact.first_name %}Hi {{ contact.first_name }},{% else %}Hello,"
                "{% endif %}" if template else f"Hi {rng.choice(['Dana', 'Jon', 'Elena'])},")
    paragraphs = []
    size = 0
    while size < 700:
        pool = BAD if bad and rng.random() < 0.4 else GOOD
        paragraph = " ".join(rng.sample(pool, 2))
        paragraphs.append(paragraph)
        size += len(paragraph)
    body = "\n\n".join([greeting, *paragraphs, CLOSING])
    head = f"{{# Subject: {subject} #}}\n" if template else f"Subject: {subject}\n\n"
    return head + body


def build(root: Path, count: int, template: bool) -> None:
    rng = random.Random(20261124)
    (root / ".honestreach.yaml").write_text("fail-on: warning\nignore: [emoji-overload]\n",
                                            encoding="utf-8")
    for index in range(count):
        folder = root / ("templates" if index % 2 else "drafts") / f"team-{index % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".txt.j2" if template and index % 2 else ".txt"
        (folder / f"message-{index:03d}{suffix}").write_text(
            message(rng, index, template and index % 2 == 1), encoding="utf-8")


def run_check(root: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(SRC), os.environ.get("PYTHONPATH", "")]))
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "honestreach", "check", "--no-color", "--format", "json",
         "templates", "drafts"], cwd=root, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        sys.exit(f"honestreach check failed ({completed.returncode}):\n"
                 f"{completed.stderr.decode(errors='replace')}")
    return elapsed, completed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = parser.parse_args()

    template = reads_templates()
    root = args.keep or Path(tempfile.mkdtemp(prefix="honestreach-bench-cache-"))
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    try:
        build(root, args.files, template)
        files = sorted(p for p in root.rglob("message-*"))
        kinds = "templates (.txt.j2) and drafts (.txt)" if template else "drafts (.txt)"
        mean_size = statistics.mean(p.stat().st_size for p in files)
        print(f"{len(files)} {kinds}, {mean_size:.0f} bytes on average, in {root}")

        cold, first = run_check(root)
        warm_runs = [run_check(root) for _ in range(args.warm_runs)]
        warm = [elapsed for elapsed, _ in warm_runs]
        entries = list((root / ".honestreach_cache").rglob("*.json"))
        size = sum(p.stat().st_size for p in entries)
        print(f"cold run (empty cache):  {cold:6.2f} s wall")
        print(f"warm run (all cached):   {min(warm):6.2f} s wall (best of {len(warm)}; "
              f"median {statistics.median(warm):.2f} s)")
        print(f"cache: {len(entries)} entries, {size / 1024:.0f} KiB")
        ok = True
        if any(completed.stdout != first.stdout for _, completed in warm_runs):
            print("FAIL: a warm run's report differs from the cold run's")
            ok = False
        if statistics.median(warm) > WARM_LIMIT:
            print(f"FAIL: the warm run takes more than {WARM_LIMIT} s")
            ok = False
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
