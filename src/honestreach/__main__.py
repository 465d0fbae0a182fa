"""``python -m honestreach``."""

from .cli import run

run()
