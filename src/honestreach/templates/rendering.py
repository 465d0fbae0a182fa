"""A template's messages: its renderings for each sample (:func:`render_unit`, then
:func:`rendered_message`), and its literal text as a message (:func:`literal_message`), each
character keeping its place in the template file."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Sequence

from jinja2 import Template

from ..htmltext import parse_html_file
from ..message import build_message, parse_draft
from ..mime import parse_eml
from ..model import Message, SourceText, TextField
from . import liquid
from .datamodel import Sample
from .dialects import DIALECT_SUFFIXES
from .limits import Limits
from .origins import align, origins_from_marked
from .sandbox import Problem, render
from .source import Segment, Unit, blank_tags, kept_text

TEMPLATE_SUFFIXES = tuple(DIALECT_SUFFIXES)
HTML_SUFFIXES = (".html", ".htm")


def inner_path(path: str) -> str:
    """'welcome.html.j2' -> 'welcome.html': the kind of message the template renders."""
    lowered = path.lower()
    for suffix in TEMPLATE_SUFFIXES:
        if lowered.endswith(suffix):
            return path[:-len(suffix)]
    return path


@dataclass
class Compiled:
    unit: Unit
    segments: list[Segment]
    template: Any  # a Jinja2 Template, or a python-liquid one
    marked: Template | None
    spans: list[tuple[int, int, bool]]
    declared: set[str]


def render_unit(unit_compiled: Compiled, context: dict[str, Any], deadline: float,
                limits: Limits, by_liquid: bool,
                ) -> tuple[str, list[int], Problem | None, list[tuple[str, int | None]]]:
    """One unit rendered for one sample: its text, each character's offset in the file (in the
    unit for a subject), the problem that stopped it, and the undefined names it used."""
    unit = unit_compiled.unit
    if by_liquid:
        text, problem, undefined = liquid.render(unit_compiled.template,
                                                 liquid.context_for(context), deadline,
                                                 limits, unit.text)
    else:
        text, problem, undefined = render(unit_compiled.template, context, deadline,
                                          limits)
    if problem is not None:
        return "", [], problem, undefined
    tags = [s.start for s in unit_compiled.segments if s.kind != "data"]
    fallback = tags[0] if tags else 0
    reference: str | None = None
    reference_origins: list[int] = []
    if unit_compiled.marked is not None:
        marked, marked_problem, _ = render(unit_compiled.marked, context, deadline,
                                           limits)
        if marked_problem is None:
            reference, reference_origins = origins_from_marked(
                marked, unit_compiled.spans, fallback)
    if reference is None:  # align with the literal text alone
        parts: list[str] = []
        reference_origins = []
        for index, segment in enumerate(unit_compiled.segments):
            if segment.kind == "data":
                start, end = kept_text(unit.text, unit_compiled.segments, index)
                parts.append(unit.text[start:end])
                reference_origins.extend(range(start, end))
        reference = "".join(parts)
    origins = align(text, reference, reference_origins, fallback)
    if not (isinstance(unit.origins, range) and unit.origins.start == 0
            and unit.origins.step == 1):  # the body unit's offsets are the file's
        origins = [unit.file_offset(o) for o in origins]
    return text, origins, None, undefined


def rendered_message(path: str, source: SourceText, sample: Sample,
                     outputs: dict[str, tuple[str, list[int]]]) -> Message:
    """The message a rendering reads as, for ``sample`` (the recipient), its offsets the file's."""
    body_text, body_origins = outputs["body"]
    inner = inner_path(path).lower()
    if inner.endswith(HTML_SUFFIXES):
        parsed = parse_html_file(path, body_text)
    elif inner.endswith(".eml"):
        parsed = parse_eml(path, body_text.encode("utf-8"))
    else:
        parsed = parse_draft(path, body_text)

    def remap(text_field: TextField) -> TextField:
        last = body_origins[-1] if body_origins else 0
        return TextField(text_field.text, tuple(
            body_origins[o] if 0 <= o < len(body_origins) else last
            for o in text_field.origins))

    subject = remap(parsed.subject) if parsed.subject is not None else None
    if "subject" in outputs:  # declared in a comment or front matter: one line
        subject_text, subject_origins = outputs["subject"]
        subject = TextField(subject_text.replace("\n", " "), tuple(subject_origins))
    headers = {**parsed.headers, "to": sample.email}
    return replace(parsed, path=path, source=source, subject=subject,
                   body=remap(parsed.body), headers=headers, recipients=(sample.email,))


def literal_message(path: str, source: SourceText, split: Any,
                    units: list[tuple[Unit, list[Segment], set[int]]]) -> Message:
    """The template's literal text (tags blanked, offsets kept) as a message."""
    texts = {unit.field: (blank_tags(unit.text, segments), unit.origins)
             for unit, segments, _ in units}
    body_text, body_origins = texts.get("body", (re.sub(r"[^\n]", " ", split.body.text),
                                                 split.body.origins))
    subject = TextField(texts["subject"][0], field_origins(texts["subject"][1])) \
        if "subject" in texts else None
    return build_message(path, source, subject, TextField(body_text, field_origins(body_origins)),
                         {})


def field_origins(origins: Sequence[int]) -> tuple[int, ...] | range:
    """Offsets as a text field keeps them: a range as it is, else a tuple."""
    return origins if isinstance(origins, range) else tuple(origins)
