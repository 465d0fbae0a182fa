"""Reporters: finished results in, text out. Each format is one module behind one interface."""

from __future__ import annotations

from typing import Callable, TextIO

from .base import Reporter, RunSummary
from .github import GithubReporter
from .json import JsonReporter
from .sarif import SarifReporter
from .text import TextReporter

ReporterFactory = Callable[..., Reporter]

REPORTERS: dict[str, ReporterFactory] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "github": GithubReporter,
}


def make_reporter(name: str, stream: TextIO, **options: object) -> Reporter:
    """A reporter for ``--format name`` writing to ``stream``."""
    return REPORTERS[name](stream, **options)


__all__ = ["REPORTERS", "Reporter", "RunSummary", "make_reporter"]
