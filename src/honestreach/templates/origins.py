"""Output -> source: each rendering is repeated from a *marked* copy of the source, in which
every literal run and every tag is preceded by an invisible marker. A character of literal
text maps to its own offset, a character an expression or tag produced to that tag's start.
When the marked rendering differs from the plain one (a filter that counted the markers), the
two are aligned with :class:`difflib.SequenceMatcher`."""

from __future__ import annotations

import difflib
import re
from typing import Sequence

from .source import Segment, kept_text

_DATA_MARK = "\ue000"
_TAG_MARK = "\ue002"
_END_MARK = "\ue001"
_DIGIT = 0xE100
_BASE = 0x400
_MARKER = re.compile("([\ue000\ue002])([\ue100-\ue4ff]+)\ue001")


def _encode(number: int) -> str:
    digits = []
    while True:
        number, digit = divmod(number, _BASE)
        digits.append(chr(_DIGIT + digit))
        if not number:
            return "".join(reversed(digits))


def _decode(text: str) -> int:
    number = 0
    for char in text:
        number = number * _BASE + ord(char) - _DIGIT
    return number


def marked_source(text: str,
                  segments: Sequence[Segment]) -> tuple[str, list[tuple[int, int, bool]]]:
    """The source with a marker before each literal run and each tag, and for each marker
    the unit span it stands for (literal text: the part Jinja outputs; tags: the tag) and
    whether it is a tag."""
    parts: list[str] = []
    spans: list[tuple[int, int, bool]] = []
    segments = list(segments)  # once: a copy per literal run was quadratic in the tags
    for index, segment in enumerate(segments):
        if segment.kind == "data":
            start, end = kept_text(text, segments, index)
            parts.append(_DATA_MARK + _encode(len(spans)) + _END_MARK + text[start:end])
            spans.append((start, end, False))
        elif segment.kind == "comment":
            parts.append(text[segment.start:segment.end])
        else:
            parts.append(_TAG_MARK + _encode(len(spans)) + _END_MARK
                         + text[segment.start:segment.end])
            spans.append((segment.start, segment.end, True))
    return "".join(parts), spans


def origins_from_marked(output: str, spans: Sequence[tuple[int, int, bool]],
                        fallback: int) -> tuple[str, list[int]]:
    """The output without markers, and the unit offset of each of its characters: literal
    text its own; what a tag produced, the tag's start (its first character) and the tag's
    last character (the others), so a finding on all of it spans the whole tag."""
    text: list[str] = []
    origins: list[int] = []
    position = 0
    current: tuple[int, int, bool] | None = None
    produced = 0
    for marker in [*_MARKER.finditer(output), None]:
        chunk = output[position:marker.start() if marker else len(output)]
        for char in chunk:
            if current is None:
                origin = fallback
            elif current[2]:
                origin = current[0] if produced == 0 else current[1] - 1
            else:
                origin = min(current[0] + produced, current[1])
            text.append(char)
            origins.append(origin)
            produced += 1
        if marker is None:
            break
        index = _decode(marker.group(2))
        current = spans[index] if index < len(spans) else None
        produced = 0
        position = marker.end()
    return "".join(text), origins


def align(text: str, reference: str, reference_origins: Sequence[int],
          fallback: int) -> list[int]:
    """Origins for ``text`` from a similar ``reference`` whose origins are known: matching
    characters take the reference's, the rest their nearest preceding match's."""
    if text == reference:
        return list(reference_origins)
    origins: list[int | None] = [None] * len(text)
    if len(text) * max(1, len(reference)) <= 50_000_000:
        matcher = difflib.SequenceMatcher(None, text, reference, autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                origins[block.a + k] = reference_origins[block.b + k]
    result: list[int] = []
    last = next((o for o in origins if o is not None), fallback)
    for origin in origins:
        if origin is not None:
            last = origin
        result.append(last)
    return result
