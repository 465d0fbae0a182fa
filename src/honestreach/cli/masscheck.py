"""``honestreach mass-check``: measure the rules on labelled collections."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Sequence

import click

from .options import EXIT_ERROR, report_errors


@click.command("mass-check")
@click.argument("paths", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(["auto", "bank", "mail", "sentences", "jsonl"]),
              default="auto", show_default=True,
              help="bank: a folder of labelled YAML lists; mail: a folder of .eml/.txt; "
                   "sentences: a YAML file of tactic and honest sentences per category (as "
                   "training/sentences holds them); jsonl: labelled JSON lines (auto: by what "
                   "the path holds).")
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
    # Imported here, not at the top: every command (and --help) imports this module.
    from ..masscheck import read_collection, report, tally
    from ..pipeline import Linter

    linter = Linter()
    config = linter.config_or_error(os.getcwd())
    if isinstance(config, Exception):
        report_errors(config.errors)
        sys.exit(EXIT_ERROR)  # not reached: a ConfigError always holds errors
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
        report_errors(linter.errors)
        click.echo("\n".join(report(counts, title, show_misses)) + "\n")
