"""The template file as text: its declared subject, and its Jinja tags and literal text.

A template file is split into *units*, each a Jinja source that is parsed and rendered on its
own: the subject (declared in a leading ``{# Subject: ... #}`` comment or in YAML front matter)
and the body (the whole file, the header turned into a Jinja comment so offsets and line
numbers stay those of the file). Every unit knows, for each of its characters, the offset in
the file it stands at, so findings point at the template as written.

:func:`scan` splits a Jinja source into literal text and tags exactly as Jinja's lexer does for
the default delimiters (strings and brackets inside tags, ``{% raw %}`` blocks, ``-`` whitespace
control), keeping offsets; it is only used on sources Jinja has already parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from ..yamlsource import YamlLoadError, parse_yaml_text

# "{# Subject: An idea for {{ contact.company }} #}" as the first thing in the file.
_SUBJECT_COMMENT = re.compile(
    r"\{#[-+]?[ \t]*subject[ \t]*:[ \t]*(?P<subject>.*?)[ \t]*[-+]?#\}", re.IGNORECASE | re.DOTALL)
# Lines allowed before the subject comment: blank lines and suppression directives.
_LEADING_LINE = re.compile(r"[ \t]*(?:\{#[ \t]*honestreach:[^\n]*#\}[ \t]*)?\n")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_FRONT_MATTER_SUBJECT = re.compile(r"^subject[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$",
                                   re.MULTILINE | re.IGNORECASE)
_RAW_TAG = re.compile(r"\A[-+]?\s*raw\s*[-+]?\Z")
_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_OPENER = re.compile(r"\{[{%#]")


@dataclass(frozen=True)
class Unit:
    """One Jinja source of the file: the subject or the body.

    ``origins[i]`` is the file offset of ``text[i]``; ``file_text`` is the whole file.
    """

    field: str  # "subject" or "body"
    text: str
    origins: Sequence[int]
    file_text: str

    def file_offset(self, offset: int) -> int:
        """The file offset of a unit offset (the end of the unit maps past its last char)."""
        if not self.origins:
            return 0
        if offset >= len(self.origins):
            return self.origins[-1] + 1
        return self.origins[max(0, offset)]

    def line_offset(self, lineno: int) -> int:
        """The unit offset where the unit's 1-based line ``lineno`` starts (the last line's
        start past the end)."""
        starts = self._line_starts
        return starts[min(max(0, lineno - 1), len(starts) - 1)]

    @cached_property
    def _line_starts(self) -> list[int]:
        # Built once: a template of thousands of lines asks for a line per tag, and walking
        # the text from its start each time was quadratic (a fuzzed 13,000-line template,
        # seconds).
        return [0, *(match.end() for match in re.finditer("\n", self.text))]


@dataclass(frozen=True)
class HeaderProblem:
    """A header that cannot be read (bad YAML front matter), at a file offset."""

    message: str
    offset: int


@dataclass(frozen=True)
class TemplateSource:
    """The file split into its units."""

    text: str
    body: Unit
    subject: Unit | None
    problem: HeaderProblem | None = None


def split_template(text: str) -> TemplateSource:
    """Find the declared subject and make the body unit (the header blanked into a comment)."""
    if text.startswith("---") and text[3:4] in ("\n", "\r", " ", "\t", ""):
        front = _front_matter(text)
        if front is not None:
            return front
    position = 0
    while True:
        match = _LEADING_LINE.match(text, position)
        if not match or match.end() == position:
            break
        position = match.end()
    comment = _SUBJECT_COMMENT.match(text, position)
    if comment is None:
        return TemplateSource(text, _body(text, 0, 0), None)
    start, end = comment.span("subject")
    subject = Unit("subject", text[start:end], range(start, end), text)
    return TemplateSource(text, _body(text, comment.start(), comment.end()), subject)


def _front_matter(text: str) -> TemplateSource | None:
    first_break = text.find("\n")
    if first_break == -1:
        return None
    closing = _FRONT_MATTER_END.search(text, first_break + 1)
    if closing is None:
        return None
    header_end = closing.end()
    yaml_text = text[first_break + 1:closing.start()]
    body = _body(text, 0, header_end)
    try:
        data = parse_yaml_text(yaml_text).data if yaml_text.strip() else {}
    except YamlLoadError as exc:
        offset = first_break + 1
        if exc.line is not None:
            offset = _offset_of_line(text, text.count("\n", 0, first_break + 1) + exc.line)
        reason = exc.message.removeprefix("invalid YAML: ")
        return TemplateSource(text, body, None,
                              HeaderProblem(f"the front matter is not valid YAML: {reason}", offset))
    if not isinstance(data, dict):
        return TemplateSource(text, body, None, HeaderProblem(
            "the front matter must be a mapping ('subject: ...')", first_break + 1))
    value = next((v for k, v in data.items() if str(k).lower() == "subject"), None)
    if value is None:
        return TemplateSource(text, body, None)
    value = str(value)
    line = _FRONT_MATTER_SUBJECT.search(text, first_break + 1, closing.start())
    if line is None:
        origins: Sequence[int] = [first_break + 1] * len(value)
    else:
        raw_start, raw_end = line.span("value")
        raw = text[raw_start:raw_end]
        found = raw.find(value) if value else -1
        if found != -1:
            origins = range(raw_start + found, raw_start + found + len(value))
        else:  # quoted with escapes, or folded: every character points at the value
            origins = [raw_start] * len(value)
    return TemplateSource(text, body, Unit("subject", value, origins, text))


def _offset_of_line(text: str, lineno: int) -> int:
    offset = 0
    for _ in range(max(0, lineno - 1)):
        found = text.find("\n", offset)
        if found == -1:
            return offset
        offset = found + 1
    return offset


def _body(text: str, header_start: int, header_end: int) -> Unit:
    """The whole file as the body's Jinja source, the header turned into a comment of the same
    length that also swallows the white space after it (``-#}``)."""
    if header_end - header_start < 5:
        return Unit("body", text, range(len(text)), text)
    header = text[header_start:header_end]
    middle = re.sub(r"[^\n]", " ", header[2:-3])
    blanked = text[:header_start] + "{#" + middle + "-#}" + text[header_end:]
    return Unit("body", blanked, range(len(text)), text)


# -- literal text and tags ----------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    """Literal text (``kind`` 'data') or a tag ('var' ``{{ }}``, 'block' ``{% %}``, 'comment').

    ``inner`` is a tag's content without delimiters and whitespace-control marks.
    ``strip_left``/``strip_right``: the tag strips the white space before/after it (``-``).
    """

    kind: str
    start: int
    end: int
    inner: str = ""
    strip_left: bool = False
    strip_right: bool = False

    @property
    def keyword(self) -> str:
        """A block tag's first word ('if', 'endfor', ...)."""
        match = re.match(r"\s*([A-Za-z_]+)", self.inner)
        return match.group(1) if match else ""


def scan(text: str) -> list[Segment]:
    """The data and tag segments of a Jinja source, in order (data segments may be empty)."""
    segments: list[Segment] = []
    position = 0
    length = len(text)
    while position < length:
        opener = _next_opener(text, position)
        if opener == -1:
            segments.append(Segment("data", position, length))
            break
        segments.append(Segment("data", position, opener))
        kind = {"{{": "var", "{%": "block", "{#": "comment"}[text[opener:opener + 2]]
        end = _tag_end(text, opener, kind)
        strip_left = text[opener + 2:opener + 3] == "-"
        strip_right = end - 3 > opener + 2 and text[end - 3] == "-"
        inner_start = opener + 2 + (1 if text[opener + 2:opener + 3] in ("-", "+") else 0)
        inner_end = end - 2 - (1 if end - 3 >= inner_start and text[end - 3] in ("-", "+")
                               else 0)
        tag = Segment(kind, opener, end, text[inner_start:max(inner_start, inner_end)],
                      strip_left, strip_right)
        segments.append(tag)
        position = end
        if kind == "block" and _RAW_TAG.match(text[opener + 2:end - 2]):
            closing = _ENDRAW.search(text, end)
            stop = closing.start() if closing else length
            segments.append(Segment("data", end, stop))
            if closing is None:
                break
            segments.append(Segment("block", closing.start(), closing.end(), "endraw"))
            position = closing.end()
    return segments


def count_tags(text: str) -> int:
    """How many tags (and comments) a source opens, without reading them."""
    return sum(1 for _ in _OPENER.finditer(text))


def _next_opener(text: str, position: int) -> int:
    # One search for any opener: a search per opener ran to the end of the text for an opener
    # the template never uses, once per tag (minutes for a megabyte of tags).
    match = _OPENER.search(text, position)
    return match.start() if match else -1


def _tag_end(text: str, opener: int, kind: str) -> int:
    """The offset just past a tag's closing delimiter (strings and brackets skipped)."""
    closer = _OPENERS[text[opener:opener + 2]]
    if kind == "comment":
        found = text.find(closer, opener + 2)
        return len(text) if found == -1 else found + 2
    depth = 0
    index = opener + 2
    length = len(text)
    while index < length:
        char = text[index]
        if char in "'\"":
            index = _string_end(text, index)
            continue
        if depth == 0 and text.startswith(closer, index):
            return index + 2
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        index += 1
    return length


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index + 1
        index += 1
    return len(text)


def kept_text(text: str, segments: Sequence[Segment], index: int) -> tuple[int, int]:
    """(start, end) of data segment ``index`` once the neighbouring tags' ``-`` marks stripped
    white space from it."""
    segment = segments[index]
    start, end = segment.start, segment.end
    if index > 0 and segments[index - 1].strip_right:
        while start < end and text[start].isspace():
            start += 1
    if index + 1 < len(segments) and segments[index + 1].strip_left:
        while end > start and text[end - 1].isspace():
            end -= 1
    return start, end


def blank_tags(text: str, segments: list[Segment]) -> str:
    """The source with every tag replaced by spaces (newlines kept): the literal text only, at
    its own offsets."""
    parts = []
    for segment in segments:
        chunk = text[segment.start:segment.end]
        parts.append(chunk if segment.kind == "data" else re.sub(r"[^\n]", " ", chunk))
    return "".join(parts)
