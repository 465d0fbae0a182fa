"""Render templates in Jinja2's sandbox, within limits, and map the output back to the source.

- Only :class:`jinja2.sandbox.SandboxedEnvironment` is used. An attribute the sandbox refuses
  (``''.__class__``) raises at once instead of rendering as empty text.
- Limits: the output is cut at ``Limits.output`` characters; every line the template executes
  is timed (``sys.settrace`` on the template's own code, so even an empty loop is stopped);
  strings and lists the template builds (``*``, ``+``, ``~``, ``%``, ``format``, filters such as
  ``center`` or ``indent``) may not grow past ``Limits.size``; deep recursion is caught.
- Undefined names are recorded (:class:`RecordingUndefined`) and render as empty text.
- Output -> source: each rendering is repeated from a *marked* copy of the source, in which
  every literal run and every tag is preceded by an invisible marker. A character of literal
  text maps to its own offset, a character an expression or tag produced to that tag's start.
  When the marked rendering differs from the plain one (a filter that counted the markers), the
  two are aligned with :class:`difflib.SequenceMatcher`.
"""

from __future__ import annotations

import difflib
import functools
import re
import sys
import time
import traceback
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from jinja2 import BaseLoader, ChainableUndefined, Template
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import (
    SecurityError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.runtime import missing
from jinja2.sandbox import SandboxedEnvironment

from .source import Segment, kept_text

MAIN_FILENAME = "<template>"


@dataclass(frozen=True)
class Limits:
    """How far one template may go. ``seconds`` is per rendering, ``file_seconds`` for all the
    renderings of one file (every sample, subject and body)."""

    output: int = 200_000  # characters of output
    size: int = 200_000  # characters or items of any value the template builds
    seconds: float = 2.0
    file_seconds: float = 6.0
    include_depth: int = 16


class RenderLimit(Exception):
    """A limit was reached; ``kind`` is 'time', 'output' or 'size'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


# -- undefined names --------------------------------------------------------------------------
_UNDEFINED_LOG: ContextVar[list[tuple[str, bool]] | None] = ContextVar(
    "honestreach_undefined_log", default=None)


class RecordingUndefined(ChainableUndefined):
    """Renders as empty text, records the names it stands for, and turns an access the sandbox
    refused into a :class:`SecurityError` at once (the default renders it as empty text)."""

    __slots__ = ()

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None,
                 exc: type[Any] = UndefinedError) -> None:
        if exc is SecurityError:
            raise SecurityError(hint or f"access to {name!r} is unsafe")
        super().__init__(hint, obj, name, exc)
        log = _UNDEFINED_LOG.get()
        if log is not None and isinstance(name, str):
            log.append((name, obj is missing))


# -- the environment ----------------------------------------------------------------------------
class _GuardedCodeGenerator(CodeGenerator):
    """Routes ``~`` through the environment so a string doubled again and again is stopped."""

    def visit_Concat(self, node, frame):  # type: ignore[no-untyped-def]
        self.write("environment.checked_size(")
        super().visit_Concat(node, frame)
        self.write(")")


_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\d+)?(?:\.(\d+))?[a-zA-Z]")
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
_SIZE_FILTERS = frozenset({"center", "indent", "truncate", "wordwrap", "batch", "slice"})
_SIZE_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_BIG_INT_BITS = 4096


class TemplateEnvironment(SandboxedEnvironment):
    """The sandbox with honestreach's limits (see the module docstring)."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, loader: BaseLoader | None, autoescape: bool,
                 limits: Limits | None = None) -> None:
        super().__init__(loader=loader, autoescape=autoescape, undefined=RecordingUndefined,
                         auto_reload=False)
        self.limits = limits or Limits()
        self.own_names: tuple[str, ...] = ()  # the template's own name(s) for its loader
        self.filters = {name: self._guard_filter(name, function)
                        for name, function in self.filters.items()}

    # values
    def checked_size(self, value: Any) -> Any:
        if isinstance(value, (str, list, tuple, dict, set)) and len(value) > self.limits.size:
            what = "characters" if isinstance(value, str) else "items"
            raise RenderLimit("size", f"the template built a value of {len(value):,} {what}, "
                                      f"more than the {self.limits.size:,} allowed")
        return value

    def _check_number(self, number: Any, what: str) -> None:
        if isinstance(number, int) and not isinstance(number, bool) \
                and abs(number) > self.limits.size:
            raise RenderLimit("size", f"{what} {number:,} is larger than the "
                                      f"{self.limits.size:,} allowed")

    def _check_format(self, text: str) -> None:
        widths = [w for m in _PRINTF_WIDTH.finditer(text) for w in m.groups() if w]
        for spec in _FORMAT_FIELD.findall(text):
            widths.extend(re.findall(r"\d+", spec.partition(":")[2]))
        for width in widths:
            self._check_number(int(width), "a format width of")

    def _guard_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if name in _SIZE_FILTERS:
                for value in (*args, *kwargs.values()):
                    self._check_number(value, f"the '{name}' filter's argument")
            elif name == "format" and args and isinstance(args[0], str):
                self._check_format(args[0])
            elif name == "replace":
                texts = [a for a in args if isinstance(a, str)]
                if len(texts) >= 3:
                    self._check_replace(*texts[:3])
            return self.checked_size(function(*args, **kwargs))

        return guarded

    def _check_replace(self, text: str, old: str, new: str) -> None:
        count = len(text) + 1 if not old else text.count(old)
        if len(text) + count * max(0, len(new) - len(old)) > self.limits.size:
            raise RenderLimit("size", "a replace() would build a text longer than the "
                                      f"{self.limits.size:,} characters allowed")

    # operators, calls, str.format
    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        sequences = (str, list, tuple)
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, sequences) and isinstance(times, int):
                    self._check_number(len(sequence) * times, "a repetition of length")
            if isinstance(left, int) and isinstance(right, int) and \
                    abs(left).bit_length() + abs(right).bit_length() > _BIG_INT_BITS:
                raise RenderLimit("size", "a multiplication of very large numbers")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and \
                    abs(left) > 1 and right * abs(left).bit_length() > _BIG_INT_BITS:
                raise RenderLimit("size", f"{left} ** {right} is too large a number")
        elif operator == "+":
            if isinstance(left, sequences) and isinstance(right, sequences):
                self._check_number(len(left) + len(right), "a concatenation of length")
        elif operator == "%" and isinstance(left, str):
            self._check_format(left)
        return self.checked_size(super().call_binop(context, operator, left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        name = getattr(obj, "__name__", "")
        if isinstance(getattr(obj, "__self__", None), str):
            if name in _SIZE_METHODS:
                for value in (*args, *kwargs.values()):
                    self._check_number(value, f"the argument of {name}()")
            elif name == "replace" and len(args) >= 2 and all(isinstance(a, str)
                                                             for a in args[:2]):
                self._check_replace(obj.__self__, args[0], args[1])
        elif any(obj is self.globals.get(n) for n in ("lipsum", "range")):
            for value in (*args, *kwargs.values()):
                self._check_number(value, f"the argument of {name or 'a function'}()")
        return self.checked_size(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            self._check_format(value.__self__)
        return wrapper


# -- rendering ----------------------------------------------------------------------------------
@dataclass
class Problem:
    """Why a rendering failed: ``kind`` is 'limit', 'sandbox', 'include' or 'error'; ``line``
    is the line of the unit being rendered (None when unknown)."""

    kind: str
    message: str
    line: int | None = None


@dataclass
class Rendering:
    text: str = ""
    origins: list[int] = field(default_factory=list)  # unit offsets
    problem: Problem | None = None
    undefined: list[tuple[str, int | None]] = field(default_factory=list)  # (name, line)


class _Watch:
    """The trace function that times every line of template code and remembers the last line
    of the main template that ran."""

    def __init__(self, environment: TemplateEnvironment, deadline: float, seconds: float) -> None:
        self.environment = environment
        self.deadline = deadline
        self.seconds = seconds
        self.code_line = 0

    def _expired(self) -> RenderLimit:
        return RenderLimit("time", f"rendering took longer than {self.seconds:g} s")

    def trace(self, frame, event, arg):  # type: ignore[no-untyped-def]
        if time.monotonic() > self.deadline:
            raise self._expired()
        if frame.f_globals.get("environment") is self.environment:
            return self.local
        return None

    def local(self, frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "line":
            if frame.f_code.co_filename == MAIN_FILENAME:
                self.code_line = frame.f_lineno
            if time.monotonic() > self.deadline:
                raise self._expired()
        return self.local


def render(template: Template, context: dict[str, Any], deadline: float,
           limits: Limits) -> tuple[str, Problem | None, list[tuple[str, int | None]]]:
    """Render ``template`` (compiled from a unit) within the limits: the output, the problem
    that stopped it, and the undefined top-level names it used, with their lines."""
    environment = template.environment
    assert isinstance(environment, TemplateEnvironment)
    watch = _Watch(environment, min(deadline, time.monotonic() + limits.seconds),
                   limits.seconds)
    log: list[tuple[str, bool]] = []
    token = _UNDEFINED_LOG.set(log)
    chunks: list[str] = []
    size = 0
    problem: Problem | None = None
    undefined: list[tuple[str, int | None]] = []
    previous = sys.gettrace()
    sys.settrace(watch.trace)
    try:
        generator = template.generate(_fresh(context))
        for chunk in generator:
            size += len(chunk)
            if size > limits.output:
                chunks.append(chunk[:max(0, limits.output - (size - len(chunk)))])
                generator.close()  # type: ignore[attr-defined]
                raise RenderLimit("output", f"the output is longer than {limits.output:,} "
                                            "characters and was cut off")
            chunks.append(chunk)
            seen = len(log)
            if seen:
                line = _line(template, watch.code_line)
                undefined.extend((name, line) for name, top in log if top)
                del log[:seen]
    except Exception as exc:  # every failure of a template is a finding, never a crash
        problem = _problem(exc, template, watch)
    finally:
        sys.settrace(previous)
        _UNDEFINED_LOG.reset(token)
    if log:
        line = _line(template, watch.code_line)
        undefined.extend((name, line) for name, top in log if top)
    return "".join(chunks), problem, undefined


def _fresh(value: Any) -> Any:
    """A copy of the sample's records (dicts and lists of plain values), so a template that
    changes a list (``activities.append``) changes it for this rendering only."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    return value


def _line(template: Template, code_line: int) -> int | None:
    return template.get_corresponding_lineno(code_line) if code_line else None


def _problem(exc: BaseException, template: Template, watch: _Watch) -> Problem:
    line = _template_line(exc) or _line(template, watch.code_line)
    if isinstance(exc, RenderLimit):
        return Problem("limit", exc.message, line)
    if isinstance(exc, (RecursionError, MemoryError)):
        what = "recursion too deep (a macro or include that calls itself without end)" \
            if isinstance(exc, RecursionError) else "the template ran out of memory"
        return Problem("limit", what, line)
    if isinstance(exc, SecurityError):
        return Problem("sandbox", str(exc), line)
    if isinstance(exc, TemplateNotFound):
        names = getattr(exc, "templates", None) or [exc.name]
        return Problem("include", f"included template {', '.join(map(repr, names))} "
                                  "was not found", line)
    if isinstance(exc, TemplateSyntaxError):
        where = f"{exc.name or exc.filename}, line {exc.lineno}"
        return Problem("include", f"the included template has a syntax error ({where}): "
                                  f"{exc.message}", line)
    return Problem("error", f"{type(exc).__name__}: {exc}".strip().rstrip(":"), line)


def _template_line(exc: BaseException) -> int | None:
    """The line of the main template in the traceback (Jinja rewrites its frames to template
    lines)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == MAIN_FILENAME:
            line = frame.lineno
    return line


# -- output -> source -----------------------------------------------------------------------------
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
    for index, segment in enumerate(segments):
        if segment.kind == "data":
            start, end = kept_text(text, list(segments), index)
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
