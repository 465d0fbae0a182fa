"""Render templates in Jinja2's sandbox, within limits, and map the output back to the source.

- Only :class:`jinja2.sandbox.SandboxedEnvironment` is used. An attribute the sandbox refuses
  (``''.__class__``) raises at once instead of rendering as empty text.
- Limits: the output is cut at ``Limits.output`` characters; every line the template executes
  is timed (``sys.settrace`` on the template's own code, so even an empty loop is stopped);
  deep recursion is caught. Memory is bounded before it is spent: what an operation would
  build (``*``, ``+``, ``~``, ``%``, ``str.format``, ``join``, ``center``, ``indent``,
  ``wordwrap``, ``replace``, ``lipsum``, slices, captured blocks, ...) is estimated from its
  operands, which are measured with what they hold (:func:`weight`: a list of a thousand
  references to one long text counts the text a thousand times), and refused past
  ``Limits.size``; what is built is counted, and one rendering may build ``Limits.built`` in
  all (a loop that keeps appending new texts to a list).
- Undefined names are recorded (:class:`RecordingUndefined`) and render as empty text.
- Output -> source: see :mod:`.origins`.

The limits are in :mod:`.limits`, the environment that enforces them in :mod:`.environment`;
this module renders.
"""

from __future__ import annotations

import sys
import traceback
import types
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Callable

from jinja2 import Template
from jinja2.exceptions import SecurityError, TemplateNotFound, TemplateSyntaxError

from .environment import UNDEFINED_LOG, TemplateEnvironment
from .limits import Limits, RenderLimit, clock
from .loader import IncludeRefused

__all__ = ["Limits", "Problem", "TemplateEnvironment", "clock", "render"]

MAIN_FILENAME = "<template>"


# -- rendering ----------------------------------------------------------------------------------
@dataclass
class Problem:
    """Why a rendering failed: ``kind`` is 'limit', 'sandbox', 'include' or 'error'; ``line``
    is the line of the unit being rendered (None when unknown)."""

    kind: str
    message: str
    line: int | None = None


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

    def trace(self, frame: types.FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if clock() > self.deadline:
            raise self._expired()
        if frame.f_globals.get("environment") is self.environment:
            return self.local
        return None

    def local(self, frame: types.FrameType, event: str, arg: Any) -> Callable[..., Any]:
        if event == "line":
            if frame.f_code.co_filename == MAIN_FILENAME:
                self.code_line = frame.f_lineno
            if clock() > self.deadline:
                raise self._expired()
        return self.local


def render(template: Template, context: dict[str, Any], deadline: float,
           limits: Limits) -> tuple[str, Problem | None, list[tuple[str, int | None]]]:
    """Render ``template`` (compiled from a unit) within the limits: the output, the problem
    that stopped it, and the undefined top-level names it used, with their lines."""
    environment = template.environment
    assert isinstance(environment, TemplateEnvironment)
    watch = _Watch(environment, min(deadline, clock() + limits.seconds),
                   limits.seconds)
    environment.built = 0
    log: list[tuple[str, bool]] = []
    token = UNDEFINED_LOG.set(log)
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
                if isinstance(generator, Generator):
                    generator.close()
                raise RenderLimit("output", f"the output is longer than {limits.output:,} "
                                            "characters and was cut off")
            chunks.append(chunk)
            seen = len(log)
            if seen:
                line = _line(template, watch.code_line)
                undefined.extend((name, line) for name, top in log if top)
                del log[:seen]
    except Exception as exc:  # every failure of a template is a finding, never a crash
        # Untraced first: past the deadline, the watch would stop _problem's own calls too.
        sys.settrace(previous)
        problem = _problem(exc, template, watch)
    finally:
        sys.settrace(previous)
        UNDEFINED_LOG.reset(token)
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
    if isinstance(exc, IncludeRefused):
        return Problem("include", exc.message or "", line)
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
