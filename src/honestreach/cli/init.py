"""``honestreach init``: a starter configuration, and the pre-commit and CI set-up.

The files it writes and prints are package data (``cli/starters/``), so they read as the YAML
they are; ``@version@``, ``@project_url@`` and ``@project_path@`` are filled in.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import click

from .._version import __version__
from .options import EXIT_ERROR

PROJECT_PATH = "honestreach/honestreach"  # owner/name on GitHub: the action's `uses:`
PROJECT_URL = f"https://github.com/{PROJECT_PATH}"
CONFIG_FILE = ".honestreach.yaml"


def starter(name: str) -> str:
    """A starter file of ``cli/starters/``, with the version and project address filled in."""
    text = (resources.files(__package__) / "starters" / name).read_text(encoding="utf-8")
    return (text.replace("@version@", __version__).replace("@project_url@", PROJECT_URL)
            .replace("@project_path@", PROJECT_PATH))


STARTER_CONFIG = starter("honestreach.yaml")
PRECOMMIT_SNIPPET = starter("pre-commit-config.yaml")
ACTIONS_SNIPPET = starter("github-actions.yml")
SARIF_SNIPPET = starter("github-sarif.yml")


@click.command()
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
    click.echo("Check them in GitHub Actions, findings as pull request annotations and a job "
               "summary:\n")
    click.echo(ACTIONS_SNIPPET)
    click.echo("Or upload them to GitHub code scanning as SARIF:\n")
    click.echo(SARIF_SNIPPET, nl=False)
