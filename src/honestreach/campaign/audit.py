"""``audit``: stream a campaign's rows through the per-message checks (in worker processes),
write each result as it arrives, then run the campaign rules and build the summary."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from .aggregate import CampaignRules, Cap
from .sources import ReadProgress, Row, iter_rows
from .summary import Summary
from .worker import Checker, WorkerSettings, check_chunk, init_worker

if TYPE_CHECKING:
    from ..pipeline import Linter

CHUNK = 32


@dataclass
class AuditResult:
    summary: dict[str, Any]
    campaign_findings: list[dict[str, Any]] = field(default_factory=list)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def iter_records(settings: WorkerSettings, rows: Iterable[Row], jobs: int | None = None,
                 chunk_size: int = CHUNK) -> Iterator[dict[str, Any]]:
    """One record per row, in input order; ``jobs`` worker processes (None: all cores)."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        checker = Checker(settings)
        for chunk in _chunks(rows, chunk_size):
            yield from checker.check_rows(chunk)
        return
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(
            jobs, initializer=init_worker, initargs=(settings,)) as pool:
        for records in pool.imap(check_chunk, _chunks(rows, chunk_size)):
            yield from records


def audit(
    settings: WorkerSettings,
    columns: Mapping[str, str] | None = None,
    jobs: int | None = None,
    cap: Cap = Cap(),
    on_record: Callable[[dict[str, Any]], None] | None = None,
    records: Iterable[dict[str, Any]] | None = None,
    progress: ReadProgress | None = None,
    linter: Linter | None = None,
) -> AuditResult:
    """Audit ``settings.source`` (or the ``records`` already checked elsewhere, on a cluster);
    ``on_record`` sees each record (to stream it to a file), ``progress`` follows the reading.
    The campaign rules come from ``linter`` (one that has loaded the configuration already
    saves loading it again), with the configuration for ``settings.source``."""
    from ..pipeline import Linter

    linter = linter or Linter(settings.overrides)
    config = linter.config_for(settings.source)
    rules = CampaignRules(linter.ruleset(config).rules, config, cap,
                          has_crm=settings.crm_source is not None)
    if records is None:
        records = iter_records(settings, iter_rows(settings.source, columns, progress), jobs)
    summary = Summary()
    for record in records:
        summary.add(record)
        rules.add(record)
        if on_record is not None:
            on_record(record)
    found = rules.findings()
    return AuditResult(summary.as_dict(found, rules.suppressed), found)


def audit_records(records_json: str, crm: Any = None, cap: Cap = Cap()) -> AuditResult:
    """Audit sends given as JSONL text in memory (rule examples, tests), in-process."""
    import json

    from .sources import _mapped

    rows = [Row(n, str(d.get("id") or n), _mapped(d, {}))
            for n, d in enumerate((json.loads(line) for line in records_json.splitlines()
                                   if line.strip()), start=1)]
    checker = Checker(WorkerSettings("."), crm=crm)
    settings = WorkerSettings(".", crm_source="<memory>" if crm is not None else None)
    return audit(settings, cap=cap, records=checker.check_rows(rows), linter=checker.linter)
