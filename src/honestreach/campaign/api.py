"""``honestreach.audit``: a campaign audit from Python, with what ``honestreach audit`` does."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..crm import load_crm
from ..model import SEVERITIES, SendRecord
from ..pipeline import Linter, Overrides, name_list
from ..redact import Redactor
from .aggregate import Cap, parse_cap
from .encodings import encoding_for
from .audit import AuditResult
from .audit import audit as run_audit
from .cluster import BAG_SOURCE, active_client, iter_bag_records, iter_records_dask
from .privacy import RecordRedactor
from .sources import ReadProgress, check_columns, iter_rows, source_format
from .worker import WorkerSettings

if TYPE_CHECKING:
    from dask.bag import Bag
    from distributed import Client


def _on_a_cluster(bag: Bag | None, scheduler: str | Client | None) -> bool:
    if scheduler is not None:
        return True
    if bag is None:
        return False
    return active_client() is not None


def audit(
    source: str | os.PathLike[str] | Bag,
    *,
    crm: str | os.PathLike[str] | None = None,
    crm_preset: str | None = None,
    crm_mapping: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    columns: Mapping[str, str] | None = None,
    cap: str | Cap | None = None,
    jobs: int | None = None,
    on_record: Callable[[SendRecord], None] | None = None,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    keep_source: bool = False,
    scheduler: str | Client | None = None,
    date: datetime.date | None = None,
    progress: ReadProgress | None = None,
    encoding: str | None = None,
    redact: bool = False,
    fail_on: str | None = None,
    min_respect: int | None = None,
    min_relevance: int | None = None,
) -> AuditResult:
    """Audit a campaign as ``honestreach audit`` does: the summary and the campaign findings.

    ``source`` is a campaign file or folder (CSV or JSONL, optionally gzip-compressed, an mbox
    file or a folder of .eml files), checked in ``jobs`` worker processes (default: all
    cores), or a ``dask.bag.Bag`` of send dicts (keys id, to, from, subject, body, sent_at,
    variant), checked on the Dask workers (see ``cluster.iter_bag_records``).

    ``crm`` (a folder of CSVs, a JSON/YAML file or a database URL), ``crm_preset`` and
    ``crm_mapping`` default to the configuration file's; ``config`` is the configuration file
    (default: the nearest one above ``source``, or above the working directory for a bag).
    ``columns`` maps the canonical fields onto the source's column names (``{"to": "email"}``),
    over the configuration's ``campaign-columns``.
    ``cap`` is at most N messages to one contact in D days (``"3/7d"`` or a ``Cap``; default:
    the configuration's ``campaign-cap``, else 3/7d). ``on_record`` sees each message's record
    (a ``SendRecord``; ``campaign.output.public`` gives it as ``--output`` writes it) in input
    order. ``select`` and ``ignore`` take rule ids or categories (a list, or a
    comma-separated string). ``keep_source`` keeps each message's text in its record.
    ``date`` is the date of sends that have no ``sent_at`` (default: today). ``progress`` is kept
    up to date as a file or folder source is read (for a progress bar).
    ``encoding`` is what a file source is written in (``"cp1252"``, ``"utf-16"``; default: the
    configuration's ``campaign-encoding``, else UTF-8 with a Windows-1252 fallback per CSV
    record); for mail, what text that declares no charset is written in.
    ``redact`` masks email addresses and people's names in every record, the summary and the
    campaign findings, as ``check --redact`` does; the campaign rules and the counts are
    those of the same audit unredacted.

    ``fail_on`` (``"error"``, ``"warning"``, ``"info"``), ``min_respect`` and ``min_relevance``
    (0-100) set the gate over the configuration's ``fail-on``, ``min-respect`` and
    ``min-relevance``, as for ``check``: ``result.summary["gate"]`` says whether the campaign
    passes and why not, and ``result.exit_code`` is the command's exit code.

    ``scheduler`` (a Dask scheduler address or a ``distributed.Client``) checks the messages
    on that cluster: its workers load the CRM themselves, so it must be a path they can read
    or a database URL they can reach. A bag uses the active ``distributed`` client by default.

    Raises CampaignSourceError (MissingColumns when the header of a CSV or JSONL source has
    no column for the recipient or the body), ConfigError, CRMError, ClusterError, or ValueError for an
    invalid cap or an unknown encoding (before any row is read).
    """
    bag = None
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        source_format(name)
    else:
        name, bag = BAG_SOURCE, source
    if fail_on is not None and fail_on not in SEVERITIES:
        raise ValueError(f"invalid fail_on {fail_on!r} (expected one of "
                         f"{', '.join(SEVERITIES)})")
    for option, value in (("min_respect", min_respect), ("min_relevance", min_relevance)):
        if value is not None and not 0 <= value <= 100:
            raise ValueError(f"invalid {option} {value!r} (expected 0-100)")
    overrides = Overrides(config_path=Path(config) if config is not None else None,
                          select=name_list(select), ignore=name_list(ignore), date=date,
                          fail_on=fail_on, min_respect=min_respect,
                          min_relevance=min_relevance)
    linter = Linter(overrides)
    loaded = linter.config_for(name)
    # Column names from the options win over the configuration's, field by field.
    columns = {**loaded.campaign_columns, **(columns or {})}
    cap_value = cap if isinstance(cap, Cap) else parse_cap(cap or loaded.campaign_cap or "3/7d")
    reading = encoding_for(encoding if encoding is not None else loaded.campaign_encoding)
    if bag is None:
        # A header that leaves no column for the body or the recipient stops the audit here,
        # before the CRM is loaded and any row is checked.
        check_columns(name, columns, reading)
    crm_source = os.fspath(crm) if crm is not None else loaded.crm
    crm_preset = crm_preset or loaded.crm_preset
    mapping = Path(crm_mapping) if crm_mapping is not None else loaded.crm_mapping
    loaded_crm = None
    if crm_source and not _on_a_cluster(bag, scheduler):
        # Here, before any worker starts: a CRM that cannot be read fails once, clearly. (On a
        # cluster, one worker loads it first: the CRM need not be reachable from here.)
        loaded_crm = load_crm(crm_source, crm_preset, mapping)
        # The checks here verify against it: this linter, its configuration and rules loaded,
        # is then the one they use (Checker).
        linter.crm = loaded_crm
    privacy = None
    if redact:
        # The workers redact each record; here, what is made here (the summary, the findings,
        # records of chunks whose worker died), with the CRM's names when it is loaded here.
        privacy = RecordRedactor(Redactor(loaded_crm), os.urandom(32))
    settings = WorkerSettings(name, overrides, crm_source, crm_preset, mapping,
                              keep_source=keep_source,
                              redact_key=privacy.key if privacy is not None else None)
    # The reader counts the rows it gives out, so that the summary can tell none was lost.
    progress = progress if progress is not None else ReadProgress()
    records = None
    if bag is not None:
        records = iter_bag_records(settings, bag, columns, scheduler, jobs, progress=progress)
    elif scheduler is not None:
        records = iter_records_dask(settings, iter_rows(name, columns, progress, reading),
                                    scheduler)
    return run_audit(settings, columns, jobs, cap_value, on_record=on_record, records=records,
                     progress=progress, linter=linter, encoding=reading, privacy=privacy,
                     crm=loaded_crm)
