"""The ``honestreach`` command: a thin layer over the library, one module per command.

Only ``check`` (and the commands that check) load the rule engine; ``--help``, ``rules`` and
``explain`` return at once.
"""

from __future__ import annotations

import os
import sys

import click

from .._version import __version__
from .audit import audit
from .check import check
from .init import init
from .masscheck import mass_check
from .options import EXIT_ERROR
from .rules import explain, list_rules, test_rules
from .servers import lsp, mcp, serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="honestreach")
def main() -> None:
    """An ethics linter for email outreach: false claims, manipulation, compliance gaps."""


for command in (check, list_rules, explain, test_rules, init, audit, mass_check, serve, lsp,
                mcp):
    main.add_command(command)


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


__all__ = ["main", "run"]
