"""``honestreach check``: lint messages, drafts and templates."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import click

from ..baseline import BaselineError, read_baseline, without_baselined, write_baseline
from ..model import SEVERITIES
from .options import (EXIT_ERROR, config_option, crm_options, load_crm, load_sample_crm,
                      require_config_file)

if TYPE_CHECKING:
    from ..pipeline import Linter

# Options of ``check`` that change only how results are shown, not what they are.
PRESENTATION_OPTIONS = frozenset({"paths", "output_format", "redact", "quiet", "no_color",
                                  "no_cache", "cache_dir", "outreach_only", "baseline_path",
                                  "write_baseline_path", "summary_path"})


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "sarif", "github"]), default="text",
              show_default=True, help="Output format (github: Actions annotations).")
@click.option("--select", help="Comma-separated rule ids or categories to check (default: all).")
@click.option("--ignore", help="Comma-separated rule ids or categories to skip.")
@click.option("--fail-on", type=click.Choice(list(SEVERITIES)),
              help="Exit 1 when a finding is at or above this severity (default: error).")
@click.option("--min-respect", type=click.IntRange(0, 100),
              help="Exit 1 when a message's respect score is below this.")
@click.option("--min-relevance", type=click.IntRange(0, 100),
              help="Exit 1 when a message's relevance score is below this.")
@config_option()
@crm_options
@click.option("--sample-crm", "sample_crm_source", metavar="PATH|URL",
              help="Render templates (.j2, .jinja, .jinja2) for the contacts of this CRM "
                   "(default: the configuration's sample-crm, else the CRM, else built-in "
                   "samples).")
@click.option("--to", "to_address", metavar="ADDRESS",
              help="The recipient, for drafts without a To: line (replaces To: headers).")
@click.option("--date", "message_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date the message is sent (default: its Date: header, else today).")
@click.option("--show-verified", is_flag=True,
              help="Also report claims the CRM supports (as info).")
@click.option("--redact", is_flag=True,
              help="Replace email addresses and people's names in the output.")
@click.option("-q", "--quiet", is_flag=True, help="Print only findings and errors.")
@click.option("--no-color", is_flag=True, help="Never colour the output.")
@click.option("--no-cache", is_flag=True, help="Check every file again; read and write no cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to keep results of unchanged files (default: ./.honestreach_cache).")
@click.option("--outreach-only", is_flag=True,
              help="Of the files named, check only outreach files: .eml messages, templates "
                   "by suffix, and files the configuration's 'templates' and 'outreach-files' "
                   "globs name (the pre-commit hook: a README or docs are never checked).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Leave out the findings this baseline holds: only new findings fail.")
@click.option("--write-baseline", "write_baseline_path",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Write every finding's fingerprint to this file (exit 0 unless a file "
                   "could not be checked).")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Append a Markdown summary of the run to this file (in GitHub Actions: "
                   "$GITHUB_STEP_SUMMARY, the job summary).")
def check(
    paths: Sequence[str],
    output_format: str,
    select: str | None,
    ignore: str | None,
    fail_on: str | None,
    min_respect: int | None,
    min_relevance: int | None,
    config_path: Path | None,
    crm_source: str | None,
    crm_preset: str | None,
    crm_mapping: Path | None,
    sample_crm_source: str | None,
    to_address: str | None,
    message_date: datetime | None,
    show_verified: bool,
    redact: bool,
    quiet: bool,
    no_color: bool,
    no_cache: bool,
    cache_dir: Path | None,
    outreach_only: bool,
    baseline_path: Path | None,
    write_baseline_path: Path | None,
    summary_path: Path | None,
) -> None:
    """Check messages: .eml, .txt/.md drafts, .html, Jinja2 templates (.j2, .jinja, .jinja2),
    folders (recursively) or - for stdin."""
    # Imported here, not at the top: every command (and --help) imports this module, and
    # only check needs the parse stack, the cache and the reporters.
    from ..cache import DEFAULT_CACHE_DIR, ResultCache
    from ..pipeline import Linter, Overrides, exit_code, name_list
    from ..report import RunSummary, make_reporter
    from ..report.markdown import MarkdownSummary

    require_config_file(config_path)
    overrides = Overrides(
        config_path=config_path, select=name_list(select), ignore=name_list(ignore),
        fail_on=fail_on, min_respect=min_respect, min_relevance=min_relevance, to=to_address,
        date=message_date.date() if message_date else None, show_verified=show_verified,
    )
    # A redacted run uses no cache: no entry may hold what it hides, nor serve it unhidden.
    cache = None if no_cache or redact else ResultCache(
        cache_dir or Path(DEFAULT_CACHE_DIR), _result_options(), config_path=config_path,
        dated=message_date is not None)
    crm = load_crm(crm_source, crm_preset, crm_mapping, config_path, paths, cache)
    color = (output_format == "text" and not no_color and sys.stdout.isatty()
             and "NO_COLOR" not in os.environ)
    sample_crm = load_sample_crm(sample_crm_source)
    linter = Linter(overrides, crm=crm, cache=cache, sample_crm=sample_crm)
    reporter = make_reporter(output_format, sys.stdout, color=color, quiet=quiet)
    redactor = None
    if redact:
        from ..redact import Redactor  # the CRM's readers and YAML: --redact only

        redactor = Redactor(crm)
    baseline = _read_baseline(baseline_path)
    summary = RunSummary()
    if outreach_only:
        paths = _outreach_files(linter, paths)
    everything = []
    markdown = MarkdownSummary() if summary_path is not None else None
    for result in linter.run(list(paths), stdin=sys.stdin.buffer):
        if write_baseline_path is not None:
            everything.append(result)
        if baseline:
            result = without_baselined(result, baseline, linter.gate_failures)
        if redactor is not None:
            result = redactor.result(result)
        summary.add(result)
        reporter.file(result)
        if markdown is not None:
            markdown.add(result)
    failing = summary.files_failing > 0
    if write_baseline_path is not None:
        try:
            count = write_baseline(write_baseline_path, everything)
        except OSError as exc:
            click.echo(f"honestreach: cannot write {write_baseline_path}: "
                       f"{exc.strerror or exc}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(f"honestreach: wrote {count} finding fingerprint(s) to "
                   f"{write_baseline_path}", err=True)
        failing = False  # the baseline is written: the findings it holds are accepted
    code = exit_code(summary.files_with_errors > 0 or bool(linter.errors), failing)
    if reporter.describes_rules:
        summary.rules = linter.rules_by_id()
    reporter.finish(summary, linter.errors, code)
    if markdown is not None and summary_path is not None:
        _append(summary_path, markdown.text(summary, linter.errors, code,
                                            annotations=output_format == "github"))
    sys.exit(code)


def _append(path: Path, text: str) -> None:
    """Add the Markdown summary to ``path`` (a job summary gathers every step's)."""
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        click.echo(f"honestreach: cannot write the summary to {path}: {exc.strerror or exc}",
                   err=True)
        sys.exit(EXIT_ERROR)


def _read_baseline(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    try:
        return read_baseline(path)
    except BaselineError as exc:
        raise click.BadParameter(str(exc), param_hint="--baseline") from None


def _outreach_files(linter: Linter, paths: Sequence[str]) -> list[str]:
    """The named files that are outreach files by their configuration (folders and standard
    input are kept; a file whose configuration is invalid too, so the error is reported)."""
    kept = []
    for path in paths:
        if path == "-" or os.path.isdir(path):
            kept.append(path)
            continue
        config = linter.config_or_error(path)
        if isinstance(config, Exception) or config.is_outreach_file(path):
            kept.append(path)
    return kept


def _result_options() -> dict[str, object]:
    """What the result cache is keyed on: every option of ``check`` that can change a
    result."""
    return {name: value for name, value in click.get_current_context().params.items()
            if name not in PRESENTATION_OPTIONS}
