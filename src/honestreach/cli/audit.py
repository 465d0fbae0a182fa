"""``honestreach audit``: a whole campaign through the same checks, in worker processes."""

from __future__ import annotations

import json
import signal
import sys
from datetime import datetime
from pathlib import Path

import click

from ..model import SEVERITIES, SendRecord
from .options import EXIT_ERROR, EXIT_USAGE, exit_130_on_ctrl_c, require_config_file


@click.command()
@click.argument("source")
@click.option("--crm", "crm_source", metavar="PATH|URL", help="CRM to verify claims against.")
@click.option("--crm-preset", help="Read the CRM as a HubSpot or Salesforce export.")
@click.option("--crm-mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file mapping your CRM export's columns onto the canonical ones.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this configuration file instead of searching for one.")
@click.option("--jobs", type=click.IntRange(1), help="Worker processes (default: all cores).")
@click.option("--output", "output_path", metavar="FILE.jsonl|FILE.csv",
              help="Write each message's result to this file as it is checked.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Format of the summary.")
@click.option("--cap", metavar="N/Dd",
              help="At most N messages to one contact in any D days (default 3/7d).")
@click.option("--columns", metavar="FIELD=COLUMN,...",
              help="Column names: id=send_id,to=email,... (CSV and JSONL).")
@click.option("--map-id", help="The column holding each send's id.")
@click.option("--map-to", help="The column holding the recipient.")
@click.option("--map-from", help="The column holding the sender.")
@click.option("--map-subject", help="The column holding the subject.")
@click.option("--map-body", help="The column holding the body.")
@click.option("--map-sent-at", help="The column holding the send time.")
@click.option("--map-variant", help="The column naming the A/B variant.")
@click.option("--select", help="Comma-separated rule ids or categories to check (default: all).")
@click.option("--ignore", help="Comma-separated rule ids or categories to skip.")
@click.option("--fail-on", type=click.Choice(list(SEVERITIES)),
              help="Exit 1 when a message or campaign finding is at or above this severity "
                   "(default: error; a suppressed recipient is an error).")
@click.option("--min-respect", type=click.IntRange(0, 100),
              help="Exit 1 when a message's respect score is below this.")
@click.option("--min-relevance", type=click.IntRange(0, 100),
              help="Exit 1 when a message's relevance score is below this.")
@click.option("--date", "message_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date of sends that have no sent_at (default: today).")
@click.option("--html", "html_path", metavar="FILE.html",
              help="Write a self-contained HTML report of the audit to this file.")
@click.option("--html-messages", type=click.IntRange(1), default=2000, show_default=True,
              help="Messages listed in the HTML report (the lowest-scoring when there are more).")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Check the messages on this Dask scheduler (e.g. tcp://scheduler:8786).")
@click.option("--encoding", metavar="NAME",
              help="The encoding the source is written in (cp1252, latin-1, utf-16, ...; "
                   "default: UTF-8, else Windows-1252 per CSV row).")
@click.option("--redact", is_flag=True,
              help="Replace email addresses and people's names in every output (summary, "
                   "--output, --html).")
@exit_130_on_ctrl_c
def audit(source: str, crm_source: str | None, crm_preset: str | None,
          crm_mapping: Path | None, config_path: Path | None, jobs: int | None,
          output_path: str | None, output_format: str, cap: str | None, columns: str | None,
          map_id: str | None, map_to: str | None, map_from: str | None,
          map_subject: str | None, map_body: str | None, map_sent_at: str | None,
          map_variant: str | None, select: str | None, ignore: str | None,
          fail_on: str | None, min_respect: int | None, min_relevance: int | None,
          message_date: datetime | None, html_path: str | None, html_messages: int,
          dask_address: str | None, encoding: str | None, redact: bool) -> None:
    """Audit a campaign: a CSV/JSONL export or an mbox file (.gz too), or a folder of .eml files."""
    # Imported here, not at the top: every command (and --help) imports this module, and the
    # campaign package loads the configuration and the rules.
    from ..campaign import CampaignSourceError, parse_cap, parse_columns
    from ..campaign.api import audit as run_audit
    from ..campaign.cluster import ClusterError
    from ..campaign.output import RecordWriter
    from ..campaign.progress import ProgressLine
    from ..campaign.sources import MissingColumns, ReadProgress
    from ..campaign.summary import format_text
    from ..config import ConfigError
    from ..crm import CRMError

    require_config_file(config_path)
    try:
        mapping = parse_columns(columns, id=map_id, to=map_to, **{
            "from": map_from}, subject=map_subject, body=map_body, sent_at=map_sent_at,
            variant=map_variant)
        cap_value = parse_cap(cap) if cap else None
        writer_format = RecordWriter.format_for(output_path) if output_path else None
        if html_path is not None and not html_path.lower().endswith((".html", ".htm")):
            raise ValueError(f"{html_path}: --html must end in .html")
        if jobs is not None and dask_address is not None:
            raise ValueError("--jobs does not apply with --dask: the cluster's workers check "
                             "the messages")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    html_report = None
    if html_path is not None:
        from ..campaign.html import HtmlReport  # and Jinja2, for --html only

        # The rules the audit runs name its findings (named once it has run).
        html_report = HtmlReport(limit=html_messages)
    read = ReadProgress()
    progress = ProgressLine(sys.stderr, read) if sys.stderr.isatty() else None
    writer: RecordWriter | None = None
    out = None
    done = {"checked": 0, "failed": 0}

    def on_record(record: SendRecord) -> None:
        nonlocal writer, out
        if writer_format is not None and writer is None:
            # Opened with the first result, so a run refused at the start leaves no file.
            assert output_path is not None  # a writer format comes from the output's name
            out = open(output_path, "w", encoding="utf-8", newline="")
            writer = RecordWriter(out, writer_format)
        if writer is not None:
            writer.write(record)
        if html_report is not None:
            html_report.add(record)
        if progress is not None:
            progress.update()
        done["checked" if record.checked else "failed"] += 1

    interrupted = False
    try:
        result = run_audit(
            source, crm=crm_source, crm_preset=crm_preset, crm_mapping=crm_mapping,
            config=config_path, columns=mapping, cap=cap_value, jobs=jobs, on_record=on_record,
            select=select, ignore=ignore, keep_source=html_path is not None,
            scheduler=dask_address, date=message_date.date() if message_date else None,
            progress=read, encoding=encoding, redact=redact, fail_on=fail_on,
            min_respect=min_respect, min_relevance=min_relevance)
    except MissingColumns as exc:
        # One line, the headers and the mapping that fixes it, no usage text around it.
        click.echo(f"honestreach: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except CampaignSourceError as exc:
        raise click.UsageError(str(exc)) from exc
    except ConfigError as exc:
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except (CRMError, ClusterError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        click.echo(f"error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        # Ctrl-C: the workers ignore it and are stopped; what was written stays whole (a line
        # or a row is written at once). A second Ctrl-C must not break the clean-up.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        interrupted = True
    finally:
        if progress is not None and progress.count:
            progress.close()
        if out is not None:
            out.close()
    if interrupted:
        written = f"; their results are in {output_path}" if out is not None else ""
        click.echo(f"honestreach: audit interrupted after {done['checked'] + done['failed']} "
                   f"rows ({done['checked']} checked, {done['failed']} failed){written}",
                   err=True)
        sys.exit(130)
    try:
        if writer_format is not None and out is None:  # a campaign with no rows
            assert output_path is not None
            with open(output_path, "w", encoding="utf-8", newline="") as empty:
                RecordWriter(empty, writer_format)
        if html_report is not None and html_path is not None:
            html_report.name_rules(result.rules)
            html_report.write(html_path, result.summary, title=f"Audit of {result.source_name}")
    except OSError as exc:
        click.echo(f"error: cannot write {exc.filename}: {exc.strerror}", err=True)
        sys.exit(EXIT_ERROR)
    if output_format == "json":
        summary = {**result.summary, **({"html_report": html_path} if html_path else {})}
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(format_text(result.summary), nl=False)
        if html_path:
            click.echo(f"\nHTML report: {html_path}")
    # As for check: 2 when rows could not be read or checked, 1 when the campaign fails the
    # gate (a finding at or above fail-on, a score below a minimum), else 0.
    sys.exit(result.exit_code)
