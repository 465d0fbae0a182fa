"""honestreach's version: the one place it is written (pyproject.toml reads it from here).

A module of its own, so that the modules that stamp it on their output (the cache keys, the
reports) need not import the package's ``__init__``, which imports them in turn.
"""

__version__ = "0.1.0"
