"""Benchmark the audit's own side at full campaign length: does its memory grow with the rows?

    python benchmarks/bench_audit_parent.py [--messages 20000,200000] [--contacts 50000]
                                            [--distinct 600] [--html] [--html-all]

An end-to-end audit of 200,000 rows (``bench_audit.py``) takes one to four hours on a busy
2-core machine, nearly all of it in the worker processes' checks, whose memory does not depend
on the campaign's length (a pool of workers is replaced every 6,400 rows). What could grow
with the campaign is what the audit's parent process keeps while the records stream past: the
campaign rules' state (frequency, duplicates, mass claims), the summary, the HTML report's
selection, the ``--output`` writer. This measures exactly that, in a fresh process per size:

- it generates the CRM and campaign of ``bench_audit.py`` (HTML bodies, resends, findings,
  claims, frequency cases), checks its first ``--distinct`` rows for real (``Checker``, as a
  worker does), then
- feeds ``campaign.audit.audit`` one record per row of the campaign, as the workers would
  return them: a checked record of the first rows (its findings, scores, claims and text), with
  the row's own id, recipient, sender, subject, variant, send time and content hash, so the
  campaign rules see the campaign's real contacts, times and duplicates;
- writes every record to ``--output`` JSONL, and with ``--html`` the HTML report (its default
  bound, or every row with ``--html-all``), as ``honestreach audit`` does;

and prints the process's resident memory every 20,000 rows, its peak, the time and the report's
size. Memory is read from /proc (Linux).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_audit import _pss_kib, _rss_kib, generate_campaign  # noqa: E402
from bench_crm import generate as generate_crm  # noqa: E402

EVERY = 20_000


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def child(campaign: Path, crm_folder: Path, count: int, distinct: int, html: Path | None,
          html_all: bool, output: Path) -> dict[str, object]:
    """The audit's side of ``count`` rows, in this process."""
    from honestreach.campaign.audit import audit
    from honestreach.campaign.html import HtmlReport
    from honestreach.campaign.output import RecordWriter
    from honestreach.campaign.sources import ReadProgress, iter_rows
    from honestreach.campaign.worker import Checker, WorkerSettings, normalised
    from honestreach.crm import load_crm

    crm = load_crm(str(crm_folder))
    settings = WorkerSettings(str(campaign), crm_source=str(crm_folder),
                              keep_source=html is not None)
    checker = Checker(settings, crm=crm)
    progress = ReadProgress()
    rows = iter_rows(str(campaign), {}, progress)
    first = list(islice(rows, distinct))
    checked = checker.check_rows(first)

    def replayed():
        for number, row in enumerate(chain(first, islice(rows, count - distinct))):
            fields = row.fields
            body = fields.get("body") or fields.get("html_body") or ""
            digest = hashlib.blake2b((normalised(fields.get("subject") or "") + "\n"
                                      + normalised(body)).encode(), digest_size=12)
            yield replace(checked[number % distinct], row=row.index, id=row.id,
                          recipient=fields["to"], sender=fields["from"],
                          subject=fields["subject"], variant=fields["variant"],
                          sent_at=fields["sent_at"], content_hash=digest.hexdigest())

    report = HtmlReport(limit=count if html_all else 2000) if html is not None else None
    memory: list[tuple[int, int, int]] = []
    baseline = (_rss_kib(os.getpid()), _pss_kib(os.getpid()))
    started = time.perf_counter()
    with output.open("w", encoding="utf-8") as out:
        writer = RecordWriter(out, "jsonl")
        seen = 0

        def on_record(record) -> None:
            nonlocal seen
            writer.write(record)
            if report is not None:
                report.add(record)
            seen += 1
            if seen % EVERY == 0:
                memory.append((seen, _rss_kib(os.getpid()), _pss_kib(os.getpid())))

        result = audit(settings, records=replayed(), on_record=on_record, progress=progress,
                       linter=checker.linter, crm=crm)
    audited = time.perf_counter() - started
    size = 0
    if report is not None and html is not None:
        report.name_rules(result.rules)
        report.write(html, result.summary, title=f"Audit of {count:,} generated rows")
        size = html.stat().st_size
    return {"rows": result.summary["rows"]["read"], "seconds": audited,
            "baseline": baseline, "memory": memory,
            "end": (_rss_kib(os.getpid()), _pss_kib(os.getpid())),
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "campaign": len(result.campaign_findings),
            "findings": sum(result.summary["by_category"].values()), "html_bytes": size,
            "total_seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", default="20000,200000",
                        help="campaign lengths, comma-separated (default 20000,200000)")
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--distinct", type=int, default=600,
                        help="rows checked for real, whose records the others reuse")
    parser.add_argument("--html", action="store_true", help="write the HTML report too")
    parser.add_argument("--html-all", action="store_true",
                        help="the HTML report lists every row")
    parser.add_argument("--keep", type=Path, metavar="FOLDER",
                        help="keep the HTML reports in this folder")
    parser.add_argument("--child", nargs=7, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        campaign, crm, count, distinct, html, html_all, output = options.child
        figures = child(Path(campaign), Path(crm), int(count), int(distinct),
                        Path(html) if html != "-" else None, html_all == "1", Path(output))
        print(json.dumps(figures))
        return
    sizes = [int(n) for n in options.messages.split(",")]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(options.keep or temp)
        folder.mkdir(parents=True, exist_ok=True)
        crm = Path(temp) / "crm"
        crm.mkdir()
        generate_crm(crm, options.contacts, options.contacts * 5)
        campaign = Path(temp) / "campaign.jsonl"
        generate_campaign(campaign, crm, max(sizes))
        print(f"campaign of {max(sizes):,} generated rows, {options.contacts:,} contacts; "
              f"{options.distinct} rows checked, the rest replayed; load "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        for count in sizes:
            html = folder / f"report-{count}.html" if options.html else None
            process = subprocess.run(
                [sys.executable, __file__, "--child", str(campaign), str(crm), str(count),
                 str(options.distinct), str(html) if html else "-",
                 "1" if options.html_all else "0", str(Path(temp) / "results.jsonl")],
                capture_output=True, text=True, check=False)
            if process.returncode:
                raise SystemExit(process.stderr[-3000:])
            figures = json.loads(process.stdout.splitlines()[-1])
            rss, pss = figures["baseline"]
            print(f"{figures['rows']:,} rows in {figures['seconds']:.0f} s "
                  f"({figures['rows'] / figures['seconds']:,.0f} rows/s), "
                  f"{figures['findings']:,} findings, {figures['campaign']:,} campaign findings"
                  + (f", HTML report {figures['html_bytes']:,} B" if html else ""))
            print(f"  RSS / PSS after checking the first rows: {_mib(rss)} / {_mib(pss)}")
            for seen, rss, pss in figures["memory"]:
                print(f"  after {seen:>7,} rows: {_mib(rss)} / {_mib(pss)}")
            rss, pss = figures["end"]
            print(f"  at the end (report written): {_mib(rss)} / {_mib(pss)}; "
                  f"peak RSS {_mib(figures['peak'])}", flush=True)


if __name__ == "__main__":
    main()
