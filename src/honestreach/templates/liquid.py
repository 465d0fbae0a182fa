"""Liquid templates (Klaviyo, Customer.io, Braze), rendered with python-liquid.

python-liquid is sandboxed by design: a template reads only the data it is given (mappings and
lists, no Python attributes or methods) and has no loop without an end. It runs here with no
loader (``{% include %}`` and ``{% render %}`` of other files are render errors), and with the
limits of the Jinja2 sandbox (:class:`~honestreach.templates.limits.Limits`): the output is
capped, every value and loop is bounded in size, and each rendering is timed by a trace
function on every call, so a template never takes longer than ``Limits.seconds``.

What a Liquid template sees: the canonical objects (``contact``, ``account``, ``activities``,
``sender``) plus the names the tools use for them (see :data:`ALIASES`).
"""

from __future__ import annotations

import sys
import types
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Sequence

from liquid import Environment, Undefined
from liquid.exceptions import LiquidError, LiquidSyntaxError, ResourceLimitError

from .limits import Limits, RenderLimit, clock
from .sandbox import Problem
from .source import Segment

# Each tool's top-level names for the recipient and the sender, as views of the sample.
PROFILE_OBJECTS = ("person", "customer", "profile", "custom_attribute", "user", "subscriber")
PROFILE_FIELDS = {"first_name": "first_name", "last_name": "last_name", "email": "email",
                  "email_address": "email", "company": "company", "title": "title",
                  "organization": "company", "industry": "industry", "country": "country"}
URLS = {"unsubscribe_url": "https://example.com/unsubscribe",
        "unsubscribe_link": "https://example.com/unsubscribe",
        "set_user_to_unsubscribed_url": "https://example.com/unsubscribe",
        "manage_preferences_url": "https://example.com/email-preferences",
        "web_view_url": "https://example.com/view-in-browser"}
ALIASES = frozenset({*PROFILE_OBJECTS, *PROFILE_FIELDS, *URLS, "organization", "company_info"})
# Names whose values come from the CRM: a claim inside a condition on them is not hard-coded.
CRM_NAMES = frozenset({"contact", "account", "activities", *PROFILE_OBJECTS,
                       *(f for f in PROFILE_FIELDS if f != "organization")})

_UNDEFINED_LOG: ContextVar[list[tuple[str, int]] | None] = ContextVar(
    "honestreach_liquid_undefined", default=None)


class _RecordingUndefined(Undefined):
    """Renders as empty text and records the top-level name it stands for."""

    __slots__ = ()

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        log = _UNDEFINED_LOG.get()
        token = kwargs.get("token")
        if log is not None and isinstance(name, str):
            log.append((name, getattr(token, "start_index", 0) or 0))


def environment(limits: Limits, autoescape: bool) -> Environment:
    """A python-liquid environment with no loader and honestreach's limits."""
    return _limited(limits)(undefined=_RecordingUndefined, template_comments=True,
                            autoescape=autoescape)


@lru_cache(maxsize=8)
def _limited(limits: Limits) -> type[Environment]:
    """python-liquid reads its limits from class attributes: a subclass for these limits."""
    return type("LimitedEnvironment", (Environment,), {
        "output_stream_limit": limits.output,
        "local_namespace_limit": limits.size,
        "loop_iteration_limit": limits.size,
        "context_depth_limit": limits.include_depth,
    })


@dataclass(frozen=True)
class SyntaxProblem:
    message: str
    offset: int


def parse(env: Environment, text: str) -> Any:
    """The parsed template, or a :class:`SyntaxProblem` at a unit offset."""
    try:
        return env.from_string(text)
    except LiquidSyntaxError as exc:
        token = getattr(exc, "token", None)
        return SyntaxProblem(str(exc.message if hasattr(exc, "message") else exc).split("\n")[0],
                             getattr(token, "start_index", 0) or 0)
    except (LiquidError, RecursionError) as exc:
        return SyntaxProblem(f"it cannot be parsed ({type(exc).__name__}: {exc})".split("\n")[0],
                             0)


def context_for(context: dict[str, Any]) -> dict[str, Any]:
    """The sample's records with the tools' names for them."""
    contact = context.get("contact", {})
    sender = context.get("sender", {})
    result = dict(context)
    for name in PROFILE_OBJECTS:
        result[name] = contact
    for name, field_name in PROFILE_FIELDS.items():
        if field_name in contact:
            result[name] = contact[field_name]
    result["organization"] = {"name": sender.get("company"), "full_address":
                              sender.get("address"), "address": sender.get("address")}
    result.update(URLS)
    return result


def render(template: Any, context: dict[str, Any], deadline: float, limits: Limits,
           text: str) -> tuple[str, Problem | None, list[tuple[str, int | None]]]:
    """Render within the limits: the output, the problem that stopped it, and the undefined
    top-level names used with their lines (of ``text``, the unit rendered)."""
    stop = min(deadline, clock() + limits.seconds)

    def trace(frame: types.FrameType, event: str, arg: Any) -> None:
        if clock() > stop:
            raise RenderLimit("time", f"rendering took longer than {limits.seconds:g} s")
        return None

    log: list[tuple[str, int]] = []  # (name, offset in text)
    token = _UNDEFINED_LOG.set(log)
    previous = sys.gettrace()
    sys.settrace(trace)
    output, failure = "", None
    try:
        output = template.render(**context)
    except Exception as exc:  # every failure of a template is a finding, never a crash
        # Only kept here: past the deadline, the trace would stop any call made to report it.
        failure = exc
    finally:
        sys.settrace(previous)
        _UNDEFINED_LOG.reset(token)
    problem = None if failure is None else _problem(failure, text)
    if len(output) > limits.output:
        output = output[:limits.output]
    undefined: list[tuple[str, int | None]] = [
        (name, text.count("\n", 0, offset) + 1) for name, offset in log if name not in context]
    return output, problem, undefined


def _problem(exc: Exception, text: str) -> Problem:
    if isinstance(exc, RenderLimit):
        return Problem("limit", exc.message)
    if isinstance(exc, ResourceLimitError):
        return Problem("limit", _first_line(exc), _line_of(exc, text))
    if isinstance(exc, (RecursionError, MemoryError)):
        return Problem("limit", "recursion too deep or out of memory")
    kind = "include" if "TemplateNotFound" in type(exc).__name__ else "error"
    return Problem(kind, f"{type(exc).__name__}: {_first_line(exc)}", _line_of(exc, text))


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc).split("\n")[0].strip()


def _line_of(exc: BaseException, text: str) -> int | None:
    token = getattr(exc, "token", None)
    offset = getattr(token, "start_index", None)
    return None if offset is None else text.count("\n", 0, offset) + 1


def comment_blocks(text: str, segments: Sequence[Segment]) -> list[Segment]:
    """The segments with the text of ``{% comment %}`` blocks (and ``{% # ... %}`` inline
    comments) turned into comments, so it is never read as the template's literal text."""
    result: list[Segment] = []
    inside = False
    for segment in segments:
        keyword = segment.keyword if segment.kind == "block" else ""
        if segment.kind == "block" and segment.inner.strip().startswith("#"):
            result.append(replace(segment, kind="comment"))
        elif keyword == "comment":
            inside = True
            result.append(segment)
        elif keyword == "endcomment":
            inside = False
            result.append(segment)
        elif inside and segment.kind == "data":
            result.append(replace(segment, kind="comment"))
        else:
            result.append(segment)
    return result


def guard_segments(segments: Sequence[Segment]) -> list[Segment]:
    """Liquid's conditional blocks written as Jinja's, for the hard-coded-claim guard
    (``unless`` is an ``if``, ``case``/``when`` an ``if``/``elif``)."""
    renamed = {"unless": "if", "endunless": "endif", "elsif": "elif", "case": "if",
               "when": "elif", "endcase": "endif"}
    result = []
    for segment in segments:
        keyword = segment.keyword if segment.kind == "block" else ""
        if keyword in renamed:
            rest = segment.inner.strip()[len(keyword):]
            result.append(replace(segment, inner=f"{renamed[keyword]}{rest}"))
        else:
            result.append(segment)
    return result
