"""What several commands share: exit codes, the configuration and CRM options, loading the
rules and the CRM, and reporting errors on standard error."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import click

from ..locate import find_config_file

if TYPE_CHECKING:  # loaded only by the commands that need them
    from ..cache import ResultCache
    from ..config import Config
    from ..crm import CRM
    from ..rules import RuleSet

EXIT_ERROR = 2
# A command line that cannot work as given (click's code for usage errors).
EXIT_USAGE = click.UsageError.exit_code

Command = Callable[..., None]


def config_option(help_text: str = "Use this configuration file instead of searching for "
                                   "one.") -> Callable[[Command], Command]:
    return click.option("--config", "config_path",
                        type=click.Path(dir_okay=False, path_type=Path), help=help_text)


def crm_options(command: Command) -> Command:
    """--crm, --crm-preset and --crm-mapping."""
    for option in reversed([
        click.option("--crm", "crm_source", metavar="PATH|URL",
                     help="CRM to verify claims against: a canonical folder, a .json/.yaml "
                          "file or an SQLAlchemy URL (sqlite:///crm.db)."),
        click.option("--crm-preset", help="Read the CRM as a HubSpot or Salesforce export."),
        click.option("--crm-mapping", type=click.Path(dir_okay=False, path_type=Path),
                     help="A YAML file mapping your CRM export's columns onto the canonical "
                          "ones."),
    ]):
        command = option(command)
    return command


def require_config_file(config_path: Path | None) -> None:
    if config_path is not None and not config_path.is_file():
        raise click.BadParameter(f"{config_path} does not exist", param_hint="--config")


def exit_130_on_ctrl_c(command: Command) -> Command:
    """Ctrl-C anywhere in a command: one line and exit code 130 (as a shell reports SIGINT),
    not click's "Aborted!" and exit code 1, which means findings."""

    @functools.wraps(command)
    def interruptible(*args: Any, **kwargs: Any) -> None:
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            click.echo("honestreach: interrupted", err=True)
            sys.exit(130)

    return interruptible


def report_errors(errors: Sequence[object]) -> None:
    """Every configuration or rule error, once each, then exit 2 (nothing when there are
    none)."""
    for error in dict.fromkeys(errors):
        click.echo(f"honestreach: {error}", err=True)
    if errors:
        sys.exit(EXIT_ERROR)


def configured_ruleset(config_path: Path | None, near: Path | None = None) -> RuleSet:
    """The rules ``check`` loads for files in ``near`` (default: the current folder): the
    built-in ones and those of the nearest configuration's rule folders, or of
    ``config_path``'s. Errors in the configuration or the rules end the command (exit 2)."""
    from ..config import ConfigError, load_config  # loads the rules
    from ..rulecache import cached_rules

    require_config_file(config_path)
    config_file = config_path or find_config_file(near or Path.cwd())
    rule_dirs: tuple[Path, ...] = ()
    if config_file is not None:
        try:
            rule_dirs = load_config(config_file).rule_dirs
        except ConfigError as exc:
            report_errors(exc.errors)
    ruleset = cached_rules(rule_dirs)
    report_errors(ruleset.errors)
    return ruleset


def load_crm(source: str | None, preset: str | None, mapping: Path | None,
             config_path: Path | None, paths: Sequence[str],
             cache: ResultCache | None = None) -> CRM | None:
    """The CRM named on the command line, else in the configuration; exit 2 when unreadable."""
    first = paths[0] if paths else "-"
    # What the cache knows of the configuration spares loading (and validating) it.
    settings = cache.settings_for(first) if cache is not None and source is None else None
    if settings is not None:
        source, preset = settings.crm, preset or settings.crm_preset
        mapping = mapping or (Path(settings.crm_mapping) if settings.crm_mapping else None)
    elif source is None:
        config = _config_near(config_path, first)
        if config is not None:
            source = config.crm
            preset = preset or config.crm_preset
            mapping = mapping or config.crm_mapping
    if source is None:
        if preset or mapping:
            raise click.UsageError("--crm-preset and --crm-mapping need --crm")
        return None
    if cache is not None:
        cache.use_crm(source, preset, mapping)
    return _read_crm(source, preset, mapping, "CRM")


def load_sample_crm(source: str | None) -> CRM | None:
    """The CRM of --sample-crm (templates are rendered for its contacts); exit 2 when
    unreadable."""
    return None if source is None else _read_crm(source, None, None, "sample CRM")


def _config_near(config_path: Path | None, first: str) -> Config | None:
    """The configuration for the first path, or None (an invalid one is reported by the
    linter, with every other error)."""
    from ..config import ConfigError, load_config  # loads the rules

    config_file = config_path or find_config_file(Path(first) if first != "-" else Path.cwd())
    if config_file is None:
        return None
    try:
        return load_config(config_file)
    except ConfigError:
        return None


def _read_crm(source: str, preset: str | None, mapping: Path | None, what: str) -> CRM:
    from ..crm import CRMError  # the CRM's readers, and YAML
    from ..crm import load_crm as read_crm

    try:
        return read_crm(source, preset=preset, mapping=mapping)
    except CRMError as exc:
        click.echo(f"honestreach: {what} error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
