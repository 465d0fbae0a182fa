"""The filter expressions of a rule set's word patterns, compiled once and kept beside the
rule cache.

A word pattern that runs often is filtered by a regular expression over a text's tokens
(:mod:`honestreach.wordmatch`, :mod:`honestreach.tokenregex`). Python's ``re`` parses an
expression in Python, and these are long (a class of many phrases is written out in every
pattern that names it): a few milliseconds each, about 7 CPU seconds for the built-in rules'
3,200, and a process paid again for each one it used, every ``--jobs`` worker too. What ``re``
hands to its C engine after parsing, the *program*, is kept in a file next to the compiled
rule set's; read back, an expression costs a tenth of a millisecond, so a pattern whose program
is kept is filtered as soon as it has been given a few places to start.

A process compiles an expression as before, once its pattern runs often, and notes its
program; every :data:`SAVE_AFTER_SECONDS` of such compiling, and when the process ends, it adds
what it compiled to the file. Once the file holds programs (a run of many messages has been
here), a pattern whose program is not kept yet is compiled, and kept, the first time it is
filtered (:data:`honestreach.wordmatch.REBUILD_AFTER_STARTS`).
So the first run after the rules change (the one that compiles the rule set) costs what it did,
the next ones compile what the earlier ones did not, and then nothing is compiled again.

A program is CPython's internal form and changes between releases, so the file is named by the
rule set's fingerprint (which holds the exact Python version) and records the interpreter and
``_sre``'s magic number; on any mismatch or failure, expressions are compiled by ``re`` as
before. The expressions only decide which starts a pattern is walked from, never what
matches, so the findings are the same either way.
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import pickle
import re
import sys
import time
import zlib
from array import array
from pathlib import Path
from typing import Any, Callable, Sequence

from .cachefiles import locked
from .patternslots import Seq
from .tokenregex import token_regex

try:  # the compiler's Python half, as re.compile runs it
    import _sre  # type: ignore[import-not-found]
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10 names them sre_compile, sre_parse
    _sre = None  # type: ignore[assignment]

# CPU seconds of compiling after which a process adds its new programs to the file.
SAVE_AFTER_SECONDS = 1.0
# One program: its flags and its code (compressed). Not its expression's source: a pattern
# keeps that only to show it, and decompressing it cost a process up to 0.05 s (with every
# program rebuilt).
_Program = tuple[int, bytes]
# Each kept pattern's programs file and number there: what wordmatch asks about.
_KEPT: dict[Seq, tuple["FilterPrograms", int]] = {}


def save_when_worker_ends() -> None:
    """In a worker process of ``multiprocessing`` or ``concurrent.futures``, save what it
    compiles when it ends. Such a process ends without running the ``atexit`` handlers that
    :meth:`FilterPrograms.keep` registers, so the programs a worker compiled for its rows were
    lost (but for each full second of compiling), and every ``--jobs`` audit compiled them
    again: about 0.6 CPU s a worker on real mail, run after run."""
    for programs in {id(programs): programs for programs, _ in _KEPT.values()}.values():
        multiprocessing.util.Finalize(None, programs.save, exitpriority=0)


def _code_type() -> str | None:
    """The array type code of one word of an ``_sre`` program, if this Python has them."""
    if _sre is None or sys.implementation.name != "cpython":
        return None
    return next((code for code in "IL" if array(code).itemsize == _sre.CODESIZE), None)


_CODE_TYPE = _code_type()
# What the programs of a file are valid for.
INTERPRETER = (sys.implementation.name, sys.version, getattr(_sre, "MAGIC", None),
               getattr(_sre, "CODESIZE", None))


def kept(seq: Seq) -> tuple["FilterPrograms", int] | None:
    """The programs of the rule set ``seq`` belongs to, with its number there."""
    return _KEPT.get(seq)


class FilterPrograms:
    """The compiled expressions of one rule set's word patterns (``seqs``, numbered in their
    order), read from ``path`` when first asked for and added to it as they are compiled."""

    def __init__(self, path: Path, seqs: Sequence[Seq],
                 read: Callable[[Path], bytes | None],
                 write: Callable[[Path, bytes], None]) -> None:
        self.path = path
        self._seqs = list(seqs)
        self._read = read
        self._write = write
        self._programs: list[_Program | None] | None = None  # None: the file is not read yet
        self._unsaved: dict[int, _Program] = {}
        self._unsaved_seconds = 0.0
        self._usable = _CODE_TYPE is not None

    def keep(self) -> None:
        """Offer this set's programs to the word matcher (:func:`kept`)."""
        if self._usable:
            for number, seq in enumerate(self._seqs):
                _KEPT[seq] = (self, number)
            atexit.register(self.save)

    def pattern(self, number: int, often: bool) -> re.Pattern[str] | None:
        """Pattern ``number``'s expression: rebuilt from its kept program, else compiled as
        ``re.compile`` does and its program kept, when the pattern runs ``often`` or the file
        holds programs already (a run of many messages has been here before); else None."""
        if self._programs is None:
            self._programs = self._load()
        program = self._programs[number] if self._programs else None
        if program is not None and self._usable:
            flags, code = program
            try:
                return _sre.compile(f"<filter expression {number}>", flags,
                                    array(_CODE_TYPE, zlib.decompress(code)).tolist(),  # type: ignore[arg-type]
                                    0, {}, (None,))
            except Exception:  # noqa: BLE001 - an unusable program: compiled as below
                self._usable = False
        if often or (self._programs and self._usable):
            return self._compile(number)
        return None

    def _compile(self, number: int) -> re.Pattern[str]:
        source = token_regex(self._seqs[number])
        if not self._usable:
            return re.compile(source)
        began = time.process_time()
        try:
            parsed: Any = _parser.parse(source, 0)
            code = _compiler._code(parsed, 0)
            if parsed.state.groups != 1 or parsed.state.groupdict:
                raise ValueError("a filter expression has no groups")
            flags = parsed.state.flags
            pattern = _sre.compile(source, flags, code, 0, {}, (None,))
        except Exception:  # noqa: BLE001 - a compiler unlike 3.11's: re compiles as before
            self._usable = False
            return re.compile(source)
        self._unsaved[number] = (flags, zlib.compress(array(_CODE_TYPE, code).tobytes(), 1))  # type: ignore[arg-type]
        self._unsaved_seconds += time.process_time() - began
        if self._unsaved_seconds >= SAVE_AFTER_SECONDS:
            self.save()
        return pattern

    def save(self) -> None:
        """Add the programs compiled since the last save to the file (with those another
        process may have added meanwhile)."""
        if not self._unsaved or not self._usable:
            return
        with locked(self.path.parent):
            programs = self._load() or [None] * len(self._seqs)
            for number, program in self._unsaved.items():
                programs[number] = program
            self._write(self.path, pickle.dumps((INTERPRETER, programs),
                                                protocol=pickle.HIGHEST_PROTOCOL))
        self._unsaved = {}
        self._unsaved_seconds = 0.0

    def _load(self) -> list[_Program | None]:
        payload = self._read(self.path)
        if payload is None:
            return []
        try:
            interpreter, programs = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - an unreadable file is as none
            return []
        if interpreter != INTERPRETER or not isinstance(programs, list) or \
                len(programs) != len(self._seqs):
            return []
        return programs
