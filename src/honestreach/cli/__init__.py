"""The ``honestreach`` command: a thin layer over the library, one module per command.

Only ``check`` (and the commands that check) load the rule engine; ``--help``, ``rules`` and
``explain`` return at once.
"""

from __future__ import annotations

import atexit
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


# The status the command ended with (set by run() as it exits).
_EXIT_STATUS: list[int] = []


def run() -> None:
    """Entry point that keeps tracebacks away from users (HONESTREACH_DEBUG=1 shows them)."""
    # Registered before any other exit handler, so it runs after all of them.
    atexit.register(_exit_without_teardown)
    try:
        _run()
    except SystemExit as done:
        code = done.code
        # As the interpreter exits with it: a message (printed) is status 1.
        _EXIT_STATUS.append(0 if code is None else code if isinstance(code, int) else 1)
        raise


def _run() -> None:
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


def _exit_without_teardown() -> None:
    """End the process once every other exit handler has run (the filter cache's,
    multiprocessing's), without the interpreter's teardown: freeing the rule set and every
    module object by object costs an audit or a one-draft check about a tenth of a second,
    and the system frees the memory at once. Output files are closed by then (the commands
    close theirs); the standard streams are flushed here. When they cannot be (a closed pipe),
    the interpreter's own exit goes on and reports it as it always has."""
    if not _EXIT_STATUS:
        return  # run() did not end by exiting: an uncaught error, left to the interpreter
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(_EXIT_STATUS[0])


__all__ = ["main", "run"]
