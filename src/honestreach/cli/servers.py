"""``honestreach serve``, ``lsp`` and ``mcp``: checking drafts where reps write them (a page
and API, an editor, an AI assistant), with the configuration and CRM ``check`` uses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import (Command, config_option, crm_options, load_crm, report_errors,
                      require_config_file)

if TYPE_CHECKING:
    from ..drafts import DraftChecker


def _draft_checker_options(command: Command) -> Command:
    """The configuration and CRM options of serve, lsp and mcp (see _draft_checker)."""
    command = crm_options(command)
    return config_option("Use this configuration file instead of searching from the current "
                         "folder.")(command)


@click.command()
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
        from ..serve import ServeSettings, is_loopback, run_server
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


@click.command()
@_draft_checker_options
def lsp(config_path: Path | None, crm_source: str | None, crm_preset: str | None,
        crm_mapping: Path | None) -> None:
    """A Language Server on stdio for drafts and templates (needs the 'serve' extra)."""
    try:
        from ..lsp import run_lsp
    except ImportError as exc:
        raise click.UsageError(f"honestreach lsp needs the serve extra: pip install "
                               f"'honestreach[serve]' ({exc})") from exc
    run_lsp(_draft_checker(config_path, crm_source, crm_preset, crm_mapping, redact=False))


@click.command()
@_draft_checker_options
@click.option("--redact", is_flag=True,
              help="Replace email addresses and people's names in every tool's output.")
def mcp(config_path: Path | None, crm_source: str | None, crm_preset: str | None,
        crm_mapping: Path | None, redact: bool) -> None:
    """A Model Context Protocol server on stdio for AI writing assistants (needs the 'serve'
    extra)."""
    try:
        from ..mcp_server import run_mcp
    except ImportError as exc:
        raise click.UsageError(f"honestreach mcp needs the serve extra: pip install "
                               f"'honestreach[serve]' ({exc})") from exc
    run_mcp(_draft_checker(config_path, crm_source, crm_preset, crm_mapping, redact))


def _draft_checker(config_path: Path | None, crm_source: str | None, crm_preset: str | None,
                   crm_mapping: Path | None, redact: bool,
                   max_bytes: int | None = None) -> DraftChecker:
    """The checker of serve, lsp and mcp: the configuration and CRM as check finds them."""
    # Imported here, not at the top: every command (and --help) imports this module, and the
    # draft checker loads the configuration, the rules and the engine.
    from ..drafts import DRAFT_PATH, DraftChecker
    from ..pipeline import Linter, Overrides

    require_config_file(config_path)
    crm = load_crm(crm_source, crm_preset, crm_mapping, config_path, ["."])
    linter = Linter(Overrides(config_path=config_path), crm=crm)
    config = linter.config_or_error(DRAFT_PATH)
    if isinstance(config, Exception):
        report_errors([*config.errors, *linter.errors])
    report_errors(linter.errors)
    return DraftChecker(linter, redact=redact, **({"max_bytes": max_bytes} if max_bytes else {}))
