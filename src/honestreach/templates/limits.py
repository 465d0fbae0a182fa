"""How far a template may go (:class:`Limits`), the clock its time is measured by, and how
large a value is when written out (:func:`weight`), so that a value can be refused before it is
built."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from jinja2.utils import Namespace


def clock() -> float:
    """The time the render limits measure: this thread's CPU seconds, so that a machine busy
    with other work (a CI runner, an audit's other workers) does not stop a template that
    would render in time on an idle one."""
    return time.thread_time()


@dataclass(frozen=True)
class Limits:
    """How far one template may go. ``seconds`` is per rendering, ``file_seconds`` for all the
    renderings of one file (every sample, subject and body), both measured by ``clock``."""

    output: int = 200_000  # characters of output
    size: int = 200_000  # characters or items of any value the template builds
    built: int = 4_000_000  # characters or items one rendering may build in all
    seconds: float = 2.0
    file_seconds: float = 6.0
    include_depth: int = 16
    # Tags in one template, counted before Jinja reads it. Parsing, compiling, analysing and
    # locating cost about a millisecond per tag of filters and tests: 8,000 such tags took
    # 11 CPU seconds; a hand-written template has a few hundred.
    tags: int = 5_000


class RenderLimit(Exception):
    """A limit was reached; ``kind`` is 'time', 'output' or 'size'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def weight(value: Any, cap: int) -> int:
    """How many characters and items ``value`` stands for when it is written out: a text its
    length, a collection its items plus what they hold (a shared item each time it appears, as
    ``str()`` writes it). Counting stops once past ``cap``, so it never costs more than that."""
    if isinstance(value, str):
        return max(len(value), 1)
    total = 0
    stack = [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item)
        elif isinstance(item, Namespace):
            stack.append(object.__getattribute__(item, "_Namespace__attrs"))
        elif isinstance(item, Mapping) and hasattr(item, "__len__"):  # not a jinja Context
            total += max(1, len(item))  # counted before its contents are pushed: the stack
            stack.extend(chain.from_iterable(item.items()))  # never outgrows the count
        elif isinstance(item, Collection) and not isinstance(item, range):
            total += max(1, len(item))
            stack.extend(item)
    return max(total, 1)


def occurrences(text: str | bytes | bytearray, part: Any) -> int:
    """How often ``part`` occurs in ``text`` (0 when it is of the other kind: the method
    called with it then fails on its own)."""
    if isinstance(text, str):
        return text.count(part) if isinstance(part, str) else 0
    return text.count(part) if isinstance(part, (bytes, bytearray, int)) else 0


def format_count(digits: str, limit: int) -> int:
    """A count written in a format (past ``limit`` when absurdly long: int() refuses those)."""
    return int(digits) if len(digits) <= 12 else limit + 1
