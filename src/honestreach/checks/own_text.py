"""The sender's own text: the body with quoted earlier text blanked out, and the lines a check
that finds something missing points at (the last non-blank line, the line at an offset)."""

from __future__ import annotations

from typing import Iterable

from ..longtext import bounded
from ..model import Message
from .base import text_cache


def own_text(message: Message) -> str:
    """The body with quoted earlier text blanked out (same length, so offsets still hold); of a
    very long body, only the head and tail (see :mod:`honestreach.longtext`)."""
    return own_text_of(bounded(message.body.text), message.quoted)


@text_cache(maxsize=8)
def own_text_of(text: str, quoted: tuple[tuple[int, int], ...]) -> str:
    """``text`` with the ``quoted`` ranges blanked out (newlines kept). Cached: the checks and
    the scores each ask for the same message's own text."""
    return blank_spans(text, quoted) if quoted else text


def blank_spans(text: str, spans: Iterable[tuple[int, int]], fill: str = " ") -> str:
    """``text`` with every character of ``spans`` but newlines replaced by ``fill``: the same
    length, so offsets still hold, and the same lines, so line-based logic sees them."""
    parts: list[str] = []
    last = 0
    for start, end in sorted(spans):
        start = max(start, last)
        if end <= start:
            continue
        parts.append(text[last:start])
        # Each line of the span as ``fill`` repeated: one string operation per line.
        parts.append("\n".join([fill * len(line) for line in text[start:end].split("\n")]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def last_line_span(text: str, before: int | None = None) -> tuple[int, int]:
    """(start, end) of the last non-blank line of ``text[:before]``, stripped; (0, 0) if none."""
    end = len(text) if before is None else max(0, min(before, len(text)))
    while end > 0:
        line_start = text.rfind("\n", 0, end) + 1
        line = text[line_start:end]
        if line.strip():
            left = line_start + (len(line) - len(line.lstrip()))
            right = line_start + len(line.rstrip())
            return left, right
        end = line_start - 1
    return 0, 0


def line_span_at(text: str, offset: int) -> tuple[int, int]:
    """(start, end) of the line containing ``offset``, stripped of surrounding blanks."""
    offset = max(0, min(offset, len(text)))
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end == -1 else end
    line = text[start:end]
    if not line.strip():
        return last_line_span(text, offset)
    return start + (len(line) - len(line.lstrip())), start + len(line.rstrip())
