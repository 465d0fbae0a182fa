"""The ``honestreach`` command: a thin layer over the library.

Only ``check`` loads the rule engine; ``--help``, ``rules`` and ``explain`` return at once.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import click

from . import __version__
from .model import SEVERITIES, SendRecord

EXIT_ERROR = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="honestreach")
def main() -> None:
    """An ethics linter for email outreach: false claims, manipulation, compliance gaps."""


@main.command()
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
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this configuration file instead of searching for one.")
@click.option("--crm", "crm_source", metavar="PATH|URL",
              help="CRM to verify claims against: a canonical folder, a .json/.yaml file or "
                   "an SQLAlchemy URL (sqlite:///crm.db).")
@click.option("--crm-preset", help="Read the CRM as a HubSpot or Salesforce export.")
@click.option("--crm-mapping", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file mapping your CRM export's columns onto the canonical ones.")
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
) -> None:
    """Check messages: .eml, .txt/.md drafts, .html, Jinja2 templates (.j2, .jinja, .jinja2),
    folders (recursively) or - for stdin."""
    from .pipeline import Linter, Overrides, exit_code, name_list
    from .report import RunSummary, make_reporter

    if config_path is not None and not config_path.is_file():
        raise click.BadParameter(f"{config_path} does not exist", param_hint="--config")
    overrides = Overrides(
        config_path=config_path, select=name_list(select), ignore=name_list(ignore),
        fail_on=fail_on, min_respect=min_respect, min_relevance=min_relevance, to=to_address,
        date=message_date.date() if message_date else None, show_verified=show_verified,
    )
    # A redacted run uses no cache: no entry may hold what it hides, nor serve it unhidden.
    cache = None if no_cache or redact else _result_cache(cache_dir, config_path, message_date)
    crm = _load_crm(crm_source, crm_preset, crm_mapping, config_path, paths, cache)
    color = (output_format == "text" and not no_color and sys.stdout.isatty()
             and "NO_COLOR" not in os.environ)
    sample_crm = _load_sample_crm(sample_crm_source)
    linter = Linter(overrides, crm=crm, cache=cache, sample_crm=sample_crm)
    reporter = make_reporter(output_format, sys.stdout, color=color, quiet=quiet,
                             rules=linter.rules_by_id)
    redactor = None
    if redact:
        from .redact import Redactor

        redactor = Redactor(crm)
    baseline = _read_baseline(baseline_path)
    summary = RunSummary()
    if outreach_only:
        paths = _outreach_files(linter, paths)
    everything = []
    for result in linter.run(list(paths), stdin=sys.stdin.buffer):
        if write_baseline_path is not None:
            everything.append(result)
        if baseline:
            result = _without_baselined(linter, result, baseline)
        if redactor is not None:
            result = redactor.result(result)
        summary.add(result)
        reporter.file(result)
    failing = summary.files_failing > 0
    if write_baseline_path is not None:
        from .baseline import write_baseline

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
    reporter.finish(summary, linter.errors, code)
    sys.exit(code)


# Options of ``check`` that change only how results are shown, not what they are.
_PRESENTATION_OPTIONS = frozenset({"paths", "output_format", "redact", "quiet", "no_color",
                                   "no_cache", "cache_dir", "outreach_only", "baseline_path",
                                   "write_baseline_path"})


def _read_baseline(path: Path | None) -> frozenset[str]:
    if path is None:
        return frozenset()
    from .baseline import BaselineError, read_baseline

    try:
        return read_baseline(path)
    except BaselineError as exc:
        raise click.BadParameter(str(exc), param_hint="--baseline") from None


def _without_baselined(linter, result, baseline):  # type: ignore[no-untyped-def]
    from .baseline import without_baselined
    from .config import Config, ConfigError

    def config(path: str) -> Config:
        try:
            return linter.config_for(path)
        except ConfigError:
            return Config()

    return without_baselined(result, baseline, config)


def _outreach_files(linter, paths: Sequence[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The named files that are outreach files by their configuration (folders and standard
    input are kept; a file whose configuration is invalid too, so the error is reported)."""
    from .config import ConfigError

    kept = []
    for path in paths:
        if path == "-" or os.path.isdir(path):
            kept.append(path)
            continue
        try:
            if linter.config_for(path).is_outreach_file(path):
                kept.append(path)
        except ConfigError:
            kept.append(path)
    return kept


def _result_cache(cache_dir: Path | None, config_path: Path | None,
                  message_date: datetime | None):  # type: ignore[no-untyped-def]
    """The result cache, keyed on every option of ``check`` that can change a result."""
    from .cache import DEFAULT_CACHE_DIR, ResultCache

    options = {name: value for name, value in click.get_current_context().params.items()
               if name not in _PRESENTATION_OPTIONS}
    return ResultCache(cache_dir or Path(DEFAULT_CACHE_DIR), options, config_path=config_path,
                       dated=message_date is not None)


def _load_crm(source: str | None, preset: str | None, mapping: Path | None,
              config_path: Path | None, paths: Sequence[str],
              cache=None):  # type: ignore[no-untyped-def]
    """The CRM named on the command line, else in the configuration; exit 2 when unreadable."""
    first = paths[0] if paths else "-"
    # What the cache knows of the configuration spares loading (and validating) it.
    settings = cache.settings_for(first) if cache is not None and source is None else None
    if settings is not None:
        source, preset = settings.crm, preset or settings.crm_preset
        mapping = mapping or (Path(settings.crm_mapping) if settings.crm_mapping else None)
    elif source is None:
        from .config import ConfigError, find_config_file, load_config

        config_file = config_path or find_config_file(Path(first) if first != "-"
                                                      else Path.cwd())
        if config_file is not None:
            try:
                config = load_config(config_file)
            except ConfigError:
                return None  # reported for every file by the linter
            source = config.crm
            preset = preset or config.crm_preset
            mapping = mapping or config.crm_mapping
    if source is None:
        if preset or mapping:
            raise click.UsageError("--crm-preset and --crm-mapping need --crm")
        return None
    if cache is not None:
        cache.use_crm(source, preset, mapping)
    from .crm import CRMError, load_crm

    try:
        return load_crm(source, preset=preset, mapping=mapping)
    except CRMError as exc:
        click.echo(f"honestreach: CRM error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


def _load_sample_crm(source: str | None):  # type: ignore[no-untyped-def]
    """The CRM of --sample-crm (templates are rendered for its contacts); exit 2 when
    unreadable."""
    if source is None:
        return None
    from .crm import CRMError, load_crm

    try:
        return load_crm(source)
    except CRMError as exc:
        click.echo(f"honestreach: sample CRM error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path),
              help="Also list the rules of this configuration's rule folders.")
def list_rules(output_format: str, config_path: Path | None) -> None:
    """List every rule: id, category, severity and name."""
    import json

    ruleset = _ruleset(config_path)
    if output_format == "json":
        click.echo(json.dumps([
            {"id": r.id, "name": r.name, "category": r.category, "severity": r.severity,
             "kind": r.kind, "scope": list(r.scope), "builtin": r.builtin}
            for r in ruleset.rules], indent=2))
    else:
        width = max((len(r.id) for r in ruleset.rules), default=2)
        cat_width = max((len(r.category) for r in ruleset.rules), default=8)
        click.echo(f"{'ID':<{width}}  {'CATEGORY':<{cat_width}}  {'SEVERITY':<8}  NAME")
        for rule in ruleset.rules:
            click.echo(f"{rule.id:<{width}}  {rule.category:<{cat_width}}  "
                       f"{rule.severity:<8}  {rule.name}")
        click.echo(f"\n{len(ruleset.rules)} rules")
    _report_rule_errors(ruleset.errors)


@main.command()
@click.argument("rule_id")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path))
def explain(rule_id: str, config_path: Path | None) -> None:
    """Explain a rule: what it does, why it hurts, examples, what to write instead."""
    import difflib

    from .rules import describe_patterns

    ruleset = _ruleset(config_path)
    rule = ruleset.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, sorted(ruleset.ids), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        click.echo(f"honestreach: no rule {rule_id!r}.{hint} See 'honestreach rules'.", err=True)
        sys.exit(EXIT_ERROR)

    def examples(items: Sequence[object]) -> str:
        lines = []
        for example in items:
            subject, body = example.subject, example.body  # type: ignore[attr-defined]
            text = (f"Subject: {subject}" if subject else "") + \
                   (("  " if subject and body else "") + (body or ""))
            lines.append(f"  - {' '.join(text.split())}")
        return "\n".join(lines)

    click.echo(f"{rule.id}: {rule.name}\n")
    click.echo(f"Category: {rule.category}    Severity: {rule.severity}    "
               f"Scope: {', '.join(rule.scope)}\n")
    click.echo(f"What it does\n  Reports: {rule.message}\n")
    click.echo(f"Why is this bad?\n  {rule.rationale}\n")
    click.echo(f"Example (reported)\n{examples(rule.bad_examples)}\n")
    click.echo(f"Not reported\n{examples(rule.good_examples)}\n")
    click.echo(f"Use instead\n  {rule.suggestion}\n")
    click.echo("Matches\n" + "\n".join(f"  {line}" for line in describe_patterns(rule)))
    click.echo(f"\nDisable it inline with: <!-- honestreach: disable-next-line={rule.id} -->")


PROJECT_URL = "https://github.com/honestreach/honestreach"
CONFIG_FILE = ".honestreach.yaml"

STARTER_CONFIG = """\
# honestreach: the nearest .honestreach.yaml above a checked file applies to it. Unknown keys and
# bad values are errors naming this file, the line and the key. `honestreach rules` lists the rule
# ids and categories; `honestreach explain RULE-ID` explains one. Uncomment what you need.

# Which rules run: rule ids, categories (urgency, scarcity, pressure, deception, surveillance,
# disrespect, merge_field, ...) or families (compliance, claim); `all` is every rule.
select: [all]
# ignore: [emoji-overload]

# A different severity (error, warning or info) for a rule, a category or a family.
# severity: {urgency: error, compliance.address: info}

# The lowest severity that fails a check (exit code 1): error, warning or info.
fail-on: error

# An opt-out and a postal address are required in commercial messages (offers, prices, sales
# outreach), not in personal notes, real replies or receipts; `all` requires them everywhere.
# compliance-applies-to: all

# Fail a message whose score (0-100) is below these.
# min-respect: 60
# min-relevance: 40

# Folders of your own rule files (one YAML file per rule), relative to this file.
# rules: [team-rules]

# Verify personal claims ("great meeting you at SaaStr") against your CRM: a canonical export
# folder or .json/.yaml file (relative to this file), or an SQLAlchemy URL.
# crm: crm/
# crm-preset: hubspot

# Campaign audits (honestreach audit): at most N sends to one contact in any D days, and the
# export's column names for id, to, from, subject, body, sent_at and variant.
# campaign-cap: 3/7d
# campaign-columns: {id: send_id, to: email}
"""

PRECOMMIT_SNIPPET = f"""\
# .pre-commit-config.yaml
repos:
  - repo: {PROJECT_URL}
    rev: v{__version__}
    hooks:
      - id: honestreach
        # your outreach folders; templates (.j2, .liquid, .mailchimp, ...) are found anywhere
        files: ^(templates|sequences|drafts)/
"""

ACTIONS_SNIPPET = f"""\
# .github/workflows/honestreach.yml
name: honestreach
on: [push, pull_request]
jobs:
  honestreach:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install honestreach=={__version__}
      - run: honestreach check --format github templates/ drafts/
"""

SARIF_SNIPPET = f"""\
# .github/workflows/honestreach-sarif.yml: findings in GitHub code scanning
name: honestreach (code scanning)
on: [push, pull_request]
jobs:
  honestreach:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install honestreach=={__version__}
      # Exit code 1 (findings) still uploads them; 2 (an error) fails the job.
      - run: honestreach check --format sarif templates/ drafts/ > honestreach.sarif || [ $? -eq 1 ]
      - uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: honestreach.sarif
          category: honestreach
"""


@main.command()
@click.option("--force", is_flag=True, help=f"Overwrite an existing {CONFIG_FILE}.")
def init(force: bool) -> None:
    """Write a starter .honestreach.yaml here; print the pre-commit and GitHub Actions set-up."""
    target = Path(CONFIG_FILE)
    if target.exists() and not force:
        click.echo(f"honestreach: {CONFIG_FILE} already exists; keep it, or overwrite it with "
                   "'honestreach init --force'", err=True)
        sys.exit(EXIT_ERROR)
    try:
        target.write_text(STARTER_CONFIG, encoding="utf-8")
    except OSError as exc:
        click.echo(f"honestreach: cannot write {CONFIG_FILE}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"Wrote {CONFIG_FILE}: edit it to choose rules, severities and score minimums.\n")
    click.echo("Check drafts and templates before every commit with pre-commit "
               "(https://pre-commit.com):\n")
    click.echo(PRECOMMIT_SNIPPET)
    click.echo("Check them in GitHub Actions, findings as pull request annotations:\n")
    click.echo(ACTIONS_SNIPPET)
    click.echo("Or upload them to GitHub code scanning as SARIF:\n")
    click.echo(SARIF_SNIPPET, nl=False)


def _ruleset(config_path: Path | None):  # type: ignore[no-untyped-def]
    from .config import ConfigError, load_config
    from .rulecache import cached_rules

    rule_dirs: tuple[Path, ...] = ()
    if config_path is not None:
        try:
            rule_dirs = load_config(config_path).rule_dirs
        except ConfigError as exc:
            click.echo(f"honestreach: {exc.error}", err=True)
            sys.exit(EXIT_ERROR)
    return cached_rules(rule_dirs)


def _report_rule_errors(errors: Sequence[object]) -> None:
    for error in errors:
        click.echo(f"honestreach: {error}", err=True)
    if errors:
        sys.exit(EXIT_ERROR)

def _exit_130_on_ctrl_c(command):  # type: ignore[no-untyped-def]
    """Ctrl-C anywhere in a command: one line and exit code 130 (as a shell reports SIGINT),
    not click's "Aborted!" and exit code 1, which means findings."""
    import functools

    @functools.wraps(command)
    def interruptible(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("honestreach: interrupted", err=True)
            sys.exit(130)

    return interruptible


@main.command()
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
@_exit_130_on_ctrl_c
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
    import json

    from .campaign import CampaignSourceError, parse_cap
    from .campaign.api import audit as run_audit
    from .campaign.cluster import ClusterError
    from .campaign.output import RecordWriter
    from .campaign.progress import ProgressLine
    from .campaign.sources import ReadProgress
    from .config import ConfigError
    from .crm import CRMError

    if config_path is not None and not config_path.is_file():
        raise click.BadParameter(f"{config_path} does not exist", param_hint="--config")
    try:
        mapping = parse_columns_option(columns, id=map_id, to=map_to, **{
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
        from .campaign.html import HtmlReport

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
            out = open(output_path, "w", encoding="utf-8", newline="")  # type: ignore[arg-type]
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
    except CampaignSourceError as exc:
        raise click.UsageError(str(exc)) from exc
    except ConfigError as exc:
        click.echo(f"error: {exc.error}", err=True)
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
        import signal

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
            with open(output_path, "w", encoding="utf-8", newline="") as empty:  # type: ignore[arg-type]
                RecordWriter(empty, writer_format)
        if html_report is not None:
            html_report.write(html_path, result.summary, title=f"Audit of {result.source_name}")
    except OSError as exc:
        click.echo(f"error: cannot write {exc.filename}: {exc.strerror}", err=True)
        sys.exit(EXIT_ERROR)
    if output_format == "json":
        summary = {**result.summary, **({"html_report": html_path} if html_path else {})}
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        from .campaign.summary import format_text

        click.echo(format_text(result.summary), nl=False)
        if html_path:
            click.echo(f"\nHTML report: {html_path}")
    # As for check: 2 when rows could not be read or checked, 1 when the campaign fails the
    # gate (a finding at or above fail-on, a score below a minimum), else 0.
    sys.exit(result.exit_code)


@main.command("mass-check")
@click.argument("paths", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(["auto", "bank", "mail", "jsonl"]), default="auto",
              show_default=True,
              help="bank: a folder of labelled YAML lists; mail: a folder of .eml/.txt; "
                   "jsonl: labelled JSON lines (auto: by what the path holds).")
@click.option("--mail-label", type=click.Choice(["negative", "unlabelled"]), default="negative",
              show_default=True, help="What the messages of a mail folder are.")
@click.option("--half", type=click.Choice(["a", "b"]),
              help="Only the items of one half (fixed by each item's text).")
@click.option("--show", "show_misses", type=click.IntRange(0), default=0,
              help="List up to N missed items and false alarms.")
def mass_check(paths: Sequence[str], kind: str, mail_label: str, half: str | None,
               show_misses: int) -> None:
    """Count each rule's hits on labelled collections: recall, false alarms, precision.

    The rules are those of the configuration nearest the current folder (your own rule
    folders included)."""
    from .config import ConfigError
    from .masscheck import read_collection, report, tally
    from .pipeline import Linter

    linter = Linter()
    try:
        config = linter.config_for(os.getcwd())
    except ConfigError as exc:
        click.echo(f"honestreach: {exc.error}", err=True)
        sys.exit(EXIT_ERROR)
    for path in paths:
        try:
            items = read_collection(Path(path), kind,
                                    "full" if mail_label == "negative" else "none")
        except (OSError, ValueError) as exc:
            click.echo(f"honestreach: {path}: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        if half:
            items = [item for item in items if item.half == half]
        title = path + (f" (half {half})" if half else "")
        counts = tally(items, linter, config)
        # A rule that did not load would silently count as finding nothing.
        if linter.errors:
            for error in linter.errors:
                click.echo(f"honestreach: {error}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo("\n".join(report(counts, title, show_misses)) + "\n")


def _draft_checker_options(command: Callable[..., None]) -> Callable[..., None]:
    """The configuration and CRM options of serve, lsp and mcp (see _draft_checker)."""
    for option in reversed([
        click.option("--config", "config_path",
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="Use this configuration file instead of searching from the current "
                          "folder."),
        click.option("--crm", "crm_source", metavar="PATH|URL",
                     help="CRM to verify claims against."),
        click.option("--crm-preset", help="Read the CRM as a HubSpot or Salesforce export."),
        click.option("--crm-mapping", type=click.Path(dir_okay=False, path_type=Path),
                     help="A YAML file mapping your CRM export's columns onto the canonical "
                          "ones."),
    ]):
        command = option(command)
    return command


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any other than 127.0.0.1/localhost needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--token", envvar="HONESTREACH_TOKEN", metavar="TOKEN",
              help="Require 'Authorization: Bearer TOKEN' on the API (also HONESTREACH_TOKEN).")
@_draft_checker_options
@click.option("--redact", is_flag=True,
              help="Replace email addresses and people's names in every response.")
@click.option("--max-request-bytes", type=click.IntRange(1024), default=1024 * 1024,
              show_default=True, help="Refuse request bodies larger than this.")
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds a check may take before the request gets a 503.")
def serve(host: str, port: int, token: str | None, config_path: Path | None,
          crm_source: str | None, crm_preset: str | None, crm_mapping: Path | None,
          redact: bool, max_request_bytes: int, timeout: float) -> None:
    """A local page and JSON API for checking drafts (needs the 'serve' extra)."""
    try:
        from .serve import ServeSettings, is_loopback, run_server
    except ImportError as exc:
        raise click.UsageError(f"honestreach serve needs the serve extra: pip install "
                               f"'honestreach[serve]' ({exc})") from exc
    if not is_loopback(host) and not token:
        raise click.UsageError(f"--host {host} exposes the API beyond this machine: give a "
                               "--token (or HONESTREACH_TOKEN) that every request must send")
    checker = _draft_checker(config_path, crm_source, crm_preset, crm_mapping, redact,
                             max_request_bytes)
    run_server(checker, ServeSettings(host=host, token=token or None,
                                      max_request_bytes=max_request_bytes, timeout=timeout),
               port)


@main.command()
@_draft_checker_options
def lsp(config_path: Path | None, crm_source: str | None, crm_preset: str | None,
        crm_mapping: Path | None) -> None:
    """A Language Server on stdio for drafts and templates (needs the 'serve' extra)."""
    try:
        from .lsp import run_lsp
    except ImportError as exc:
        raise click.UsageError(f"honestreach lsp needs the serve extra: pip install "
                               f"'honestreach[serve]' ({exc})") from exc
    run_lsp(_draft_checker(config_path, crm_source, crm_preset, crm_mapping, redact=False))


@main.command()
@_draft_checker_options
@click.option("--redact", is_flag=True,
              help="Replace email addresses and people's names in every tool's output.")
def mcp(config_path: Path | None, crm_source: str | None, crm_preset: str | None,
        crm_mapping: Path | None, redact: bool) -> None:
    """A Model Context Protocol server on stdio for AI writing assistants (needs the 'serve'
    extra)."""
    try:
        from .mcp_server import run_mcp
    except ImportError as exc:
        raise click.UsageError(f"honestreach mcp needs the serve extra: pip install "
                               f"'honestreach[serve]' ({exc})") from exc
    run_mcp(_draft_checker(config_path, crm_source, crm_preset, crm_mapping, redact))


def _draft_checker(config_path: Path | None, crm_source: str | None, crm_preset: str | None,
                   crm_mapping: Path | None, redact: bool,
                   max_bytes: int | None = None):  # type: ignore[no-untyped-def]
    """The checker of serve, lsp and mcp: the configuration and CRM as check finds them."""
    from .drafts import DraftChecker
    from .pipeline import Linter, Overrides

    if config_path is not None and not config_path.is_file():
        raise click.BadParameter(f"{config_path} does not exist", param_hint="--config")
    from .config import ConfigError
    from .drafts import DRAFT_PATH

    crm = _load_crm(crm_source, crm_preset, crm_mapping, config_path, ["."])
    linter = Linter(Overrides(config_path=config_path), crm=crm)
    try:
        linter.config_for(DRAFT_PATH)
    except ConfigError as exc:
        click.echo(f"honestreach: {exc.error}", err=True)
        sys.exit(EXIT_ERROR)
    _report_rule_errors(linter.errors)
    return DraftChecker(linter, redact=redact, **({"max_bytes": max_bytes} if max_bytes else {}))


def parse_columns_option(spec: str | None, **single: str | None) -> dict[str, str]:
    from .campaign import parse_columns

    return parse_columns(spec, **single)


def run() -> None:
    """Entry point that keeps tracebacks away from users (HONESTREACH_DEBUG=1 shows them)."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("honestreach: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: one clear line, exit 2
        if os.environ.get("HONESTREACH_DEBUG"):
            raise
        click.echo(f"honestreach: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
