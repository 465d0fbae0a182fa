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
- Output -> source: each rendering is repeated from a *marked* copy of the source, in which
  every literal run and every tag is preceded by an invisible marker. A character of literal
  text maps to its own offset, a character an expression or tag produced to that tag's start.
  When the marked rendering differs from the plain one (a filter that counted the markers), the
  two are aligned with :class:`difflib.SequenceMatcher`.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import sys
import time
import traceback
import types
from collections.abc import Collection, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any, Callable, Sequence

from jinja2 import BaseLoader, ChainableUndefined, Template, nodes
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.exceptions import (
    SecurityError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.runtime import missing
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace
from markupsafe import Markup

from .loader import IncludeRefused
from .source import Segment, kept_text

MAIN_FILENAME = "<template>"


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
    tags: int = 10_000  # tags in one template, counted before Jinja reads it


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


# -- the size of values -------------------------------------------------------------------------
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


_PRINTF_SPEC = re.compile(r"%(\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)
_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\d+)?(?:\.(\d+))?[a-zA-Z]")
_FORMAT_NUMBER = re.compile(r"\d+")
_NUMBER_FILTERS = frozenset({"center", "indent", "truncate", "wordwrap", "batch", "slice"})
_ESTIMATED_FILTERS = frozenset({"join", "format", "replace", "center", "indent", "wordwrap"})
# Filters that look at their value, or copy references to its items, without writing it out: a
# long list of real CRM activities may go through them (the others measure their arguments).
_READING_FILTERS = frozenset({
    "length", "count", "first", "last", "random", "min", "max", "default", "d", "attr",
    "select", "reject", "selectattr", "rejectattr", "map", "groupby", "sort", "unique",
    "reverse", "list", "batch", "slice", "dictsort", "items", "abs", "int", "float", "round",
    "wordcount", "filesizeformat",
})
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault", "add"})
_BIG_INT_BITS = 4096


def _count(digits: str, limit: int) -> int:
    """A count written in a format (past ``limit`` when absurdly long: int() refuses those)."""
    return int(digits) if len(digits) <= 12 else limit + 1


# -- the environment ----------------------------------------------------------------------------
class _GuardedCodeGenerator(CodeGenerator):
    """Routes each operand of ``~`` and its result through the environment, so text doubled
    again and again, or a huge list written out, is stopped before it is joined."""

    @optimizeconst
    def visit_Concat(self, node, frame):  # type: ignore[no-untyped-def]
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.checked_size({join}((")
        for argument in node.nodes:
            self.write("environment.concat_part(")
            self.visit(argument, frame)
            self.write("), ")
        self.write(")))")

    @optimizeconst
    def visit_Getitem(self, node, frame):  # type: ignore[no-untyped-def]
        """Slices too go through the environment (Jinja writes them as Python slices)."""
        if not isinstance(node.arg, nodes.Slice):
            return super().visit_Getitem(node, frame)
        self.write("environment.slice_of(")
        self.visit(node.node, frame)
        self.write(", slice(")
        for index, bound in enumerate((node.arg.start, node.arg.stop, node.arg.step)):
            if index:
                self.write(", ")
            if bound is None:
                self.write("None")
            else:
                self.visit(bound, frame)
        self.write("))")
        return None


class _FieldLimit:
    """``str.format`` that checks each field, once its nested fields are filled in
    (``'{0:>{1}}'``), before formatting it, and counts what the fields add."""

    _env: TemplateEnvironment
    _written = 0

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self._written = len(format_string)
        return super().vformat(format_string, args, kwargs)  # type: ignore[misc]

    def format_field(self, value: Any, format_spec: str) -> Any:
        environment = self._env
        limit = environment.limits.size
        size = weight(value, limit)
        for digits in _FORMAT_NUMBER.findall(format_spec):
            size = max(size, _count(digits, limit))
        environment.reserve(self._written + size, "str.format()")
        self._written += size
        return super().format_field(value, format_spec)  # type: ignore[misc]


class _LimitedFormatter(_FieldLimit, SandboxedFormatter):
    pass


class _LimitedEscapeFormatter(_FieldLimit, SandboxedEscapeFormatter):
    pass


class TemplateEnvironment(SandboxedEnvironment):
    """The sandbox with honestreach's limits (see the module docstring)."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, loader: BaseLoader | None, autoescape: bool,
                 limits: Limits | None = None) -> None:
        super().__init__(loader=loader, autoescape=autoescape, undefined=RecordingUndefined,
                         auto_reload=False, finalize=self._finalize)
        self.limits = limits or Limits()
        self.built = 0  # characters and items built by the rendering under way
        self.own_names: tuple[str, ...] = ()  # the template's own name(s) for its loader
        # Captured blocks ({% set %}...{% endset %}), macros and {% filter %} join their output
        # with environment.concat: it is measured before it is joined.
        self.concat = self._concat  # type: ignore[method-assign]
        self.filters = {name: self._guard_filter(name, function)
                        for name, function in self.filters.items()}

    # the budget
    def reserve(self, size: int, what: str) -> None:
        """Refuse, before it is built, a value of ``size`` characters or items past the limit
        for one value or past what is left of the rendering's budget."""
        if size > self.limits.size:
            raise RenderLimit("size", f"{what} would build a value of at least {size:,} "
                                      f"characters or items, more than the "
                                      f"{self.limits.size:,} allowed")
        if self.built + size > self.limits.built:
            self._over_budget()

    def count(self, size: int) -> None:
        """Count a value built (``reserve`` let it be built)."""
        self.built += size
        if self.built > self.limits.built:
            self._over_budget()

    def _over_budget(self) -> None:
        raise RenderLimit("size", f"the template built more than {self.limits.built:,} "
                                  "characters and items in all")

    def _weight(self, value: Any) -> int:
        return weight(value, self.limits.size)

    def checked_size(self, value: Any) -> Any:
        """``value``, once measured and counted (its own length: what it holds was counted
        when that was built)."""
        if isinstance(value, (str, bytes, bytearray, list, tuple, dict, set)):
            if len(value) > self.limits.size:
                what = "characters" if isinstance(value, str) else "items"
                raise RenderLimit("size", f"the template built a value of {len(value):,} "
                                          f"{what}, more than the {self.limits.size:,} allowed")
            self.count(len(value))
        return value

    def concat_part(self, value: Any) -> Any:
        self.reserve(self._weight(value), "a '~' concatenation")
        return value

    def _concat(self, parts: Iterable[str]) -> str:
        parts = list(parts)
        size = sum(map(len, parts))
        self.reserve(size, "a captured block or a macro")
        self.count(size)
        return "".join(parts)

    def _finalize(self, value: Any) -> Any:
        """Every ``{{ value }}`` is measured before it is written out (a list of a thousand
        references to one long text is small until then)."""
        if not isinstance(value, str) or len(value) > self.limits.size:
            size = self._weight(value)
            if size > self.limits.size:
                raise RenderLimit("size", f"the template writes out a value of at least "
                                          f"{size:,} characters, more than the "
                                          f"{self.limits.size:,} allowed")
        return value

    def _check_number(self, number: Any, what: str) -> None:
        if isinstance(number, int) and not isinstance(number, bool) \
                and abs(number) > self.limits.size:
            raise RenderLimit("size", f"{what} {number:,} is larger than the "
                                      f"{self.limits.size:,} allowed")

    def _check_widths(self, text: str) -> None:
        """Widths and precisions written in a printf-style or strftime format."""
        for match in _PRINTF_WIDTH.finditer(text):
            for digits in match.groups():
                if digits:
                    self._check_number(_count(digits, self.limits.size), "a format width of")

    def _printf_size(self, text: str | bytes, values: Any) -> int:
        """What ``text % values`` writes at most: the format, each value, each width and
        precision, ``*`` taking its number from the values."""
        limit = self.limits.size
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        positional = values if isinstance(values, tuple) else (values,)
        size = len(text) + (self._weight(values) if isinstance(values, Mapping) else 0)
        position = 0
        for match in _PRINTF_SPEC.finditer(text):
            named, width, precision, conversion = match.groups()
            if conversion == "%":
                continue
            for number in (width, precision):
                if number == "*":
                    star = positional[position] if position < len(positional) else 0
                    position += 1
                    if isinstance(star, int) and not isinstance(star, bool):
                        size += abs(star)
                elif number:
                    size += _count(number, limit)
            if named is None and not isinstance(values, Mapping):
                if position < len(positional):
                    size += self._weight(positional[position])
                position += 1
        return size

    # filters
    def _guard_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        passed = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0
        signature = inspect.signature(function) if name in _ESTIMATED_FILTERS else None
        numbers = name in _NUMBER_FILTERS
        what = f"the '{name}' filter"
        limit = self.limits.size if name not in _READING_FILTERS else sys.maxsize

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            # the arguments (not the context some filters are passed first), measured with what
            # they hold: most filters write their value out in full
            for value in (*args[passed:], *kwargs.values()):
                if isinstance(value, str):
                    if len(value) > limit:
                        self.reserve(len(value), what)
                elif isinstance(value, (Collection, Namespace)):
                    if limit != sys.maxsize:
                        size = self._weight(value)
                        if size > limit:
                            self.reserve(size, what)
                elif numbers:
                    self._check_number(value, f"{what}'s argument")
            if signature is not None:
                try:
                    bound = signature.bind(*args, **kwargs)
                except TypeError:
                    pass  # the filter reports its wrong arguments itself
                else:
                    bound.apply_defaults()
                    self._estimate_filter(name, bound.arguments)
                    args, kwargs = bound.args, bound.kwargs
            return self.checked_size(function(*args, **kwargs))

        return guarded

    def _estimate_filter(self, name: str, arguments: dict[str, Any]) -> None:
        """Refuse a filter whose result would be too large, before it runs (``arguments`` by
        parameter name; an iterable to join is read into a list once, here)."""
        what = f"the '{name}' filter"
        text = arguments.get("s", arguments.get("value"))
        if name == "join" and arguments.get("value") is not None:
            items = arguments["value"]
            if not isinstance(items, (list, tuple)):
                items = arguments["value"] = list(islice(iter(items), self.limits.size + 1))
            separator = arguments.get("d") or ""
            self.reserve(self._weight(items) + len(str(separator)) * max(0, len(items) - 1),
                         what)
        elif name == "format" and isinstance(text, (str, bytes)):
            values = arguments.get("kwargs") or arguments.get("args") or ()
            self.reserve(self._printf_size(text, values), what)
        elif not isinstance(text, str):
            return
        elif name == "replace":
            self._check_replace(text, str(arguments.get("old", "")),
                                str(arguments.get("new", "")), arguments.get("count"))
        elif name == "center" and isinstance(arguments.get("width"), int):
            self.reserve(max(len(text), arguments["width"]), what)
        elif name == "indent":
            width = arguments.get("width")
            step = len(width) if isinstance(width, str) else width if isinstance(width, int) \
                else 0
            self.reserve(len(text) + (text.count("\n") + 1) * step, what)
        elif name == "wordwrap":
            wrap = arguments.get("wrapstring") or "\n"
            width = arguments.get("width")
            lines = len(text) // max(1, width if isinstance(width, int) else 1) \
                + text.count(" ") + text.count("\n") + 1
            self.reserve(len(text) + lines * len(str(wrap)), what)

    def _check_replace(self, text: str | bytes, old: str | bytes, new: str | bytes,
                       count: Any = None) -> None:
        found = len(text) + 1 if not old else text.count(old)  # type: ignore[arg-type]
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        self.reserve(len(text) + found * max(0, len(new) - len(old)), "a replace()")

    # operators, calls, items, str.format
    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        sequences = (str, bytes, bytearray, list, tuple)
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(sequence, sequences) and isinstance(times, int):
                    self.reserve(self._weight(sequence) * max(0, times), "a repetition")
            if isinstance(left, int) and isinstance(right, int) and \
                    abs(left).bit_length() + abs(right).bit_length() > _BIG_INT_BITS:
                raise RenderLimit("size", "a multiplication of very large numbers")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and \
                    abs(left) > 1 and right * abs(left).bit_length() > _BIG_INT_BITS:
                raise RenderLimit("size", f"{left} ** {right} is too large a number")
        elif operator == "+":
            if isinstance(left, sequences) and isinstance(right, sequences):
                self.reserve(self._weight(left) + self._weight(right), "a concatenation")
        elif operator == "%" and isinstance(left, (str, bytes)):
            self.reserve(self._printf_size(left, right), "a '%' format")
        return self.checked_size(super().call_binop(context, operator, left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        name = getattr(obj, "__name__", "")
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, (str, bytes, bytearray)):
            args = self._check_text_method(owner, name, args, kwargs)
        elif name == "strftime" and args and isinstance(args[0], str):
            self._check_widths(args[0])
        elif obj is self.globals.get("range"):
            for value in (*args, *kwargs.values()):
                self._check_number(value, "the argument of range()")
        elif obj is self.globals.get("lipsum"):
            self._check_lipsum(args, kwargs)
        result = super().call(context, obj, *args, **kwargs)
        if name in _MUTATORS and isinstance(owner, (list, dict, set)):
            self._check_number(len(owner), f"a {type(owner).__name__} grown to")
            return result
        return self.checked_size(result)

    def _check_text_method(self, text: str | bytes | bytearray, name: str,
                           args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """Refuse a text method whose result would be too large; the arguments to call it
        with (an iterable to join is read into a list once, here)."""
        what = f"{name}()"
        first = args[0] if args else next(iter(kwargs.values()), None)
        if name in _WIDTH_METHODS and isinstance(first, int):
            self.reserve(max(len(text), first), what)
        elif name == "expandtabs":
            tabsize = first if isinstance(first, int) else 8
            tabs = text.count("\t" if isinstance(text, str) else b"\t")  # type: ignore[arg-type]
            self.reserve(len(text) + tabs * max(0, tabsize), what)
        elif name == "replace" and len(args) >= 2:
            self._check_replace(text, args[0], args[1], args[2] if len(args) > 2 else
                                kwargs.get("count"))
        elif name == "join" and args:
            items = args[0] if isinstance(args[0], (list, tuple)) else \
                list(islice(iter(args[0]), self.limits.size + 1))
            self.reserve(self._weight(items) + len(text) * max(0, len(items) - 1), what)
            args = (items, *args[1:])
        elif name == "translate" and isinstance(first, Mapping):
            longest = max((self._weight(value) for value in first.values()), default=1)
            self.reserve(len(text) * max(1, longest), what)
        return args

    def _check_lipsum(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        given = {**dict(zip(("n", "html", "min", "max"), args)), **kwargs}
        n, least, most = (value if isinstance(value, int) and not isinstance(value, bool) else 0
                          for value in (given.get("n", 5), given.get("min", 20),
                                        given.get("max", 100)))
        # about a dozen characters a word, with the HTML around each paragraph
        self.reserve(abs(n) * max(abs(least), abs(most), 1) * 12, "lipsum()")

    def slice_of(self, obj: Any, part: slice) -> Any:
        """``obj[start:stop:step]``: a copy, counted (a loop could keep thousands)."""
        if isinstance(obj, (str, bytes, bytearray, list, tuple)):
            self.count(len(range(len(obj))[part]))
        return obj[part]

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map`` through :class:`_FieldLimit` (as the sandbox's
        own wrapper does it, with its formatters)."""
        if not isinstance(value, (types.MethodType, types.BuiltinMethodType)) or \
                value.__name__ not in ("format", "format_map") or \
                not isinstance(value.__self__, str):
            return None
        text: str = value.__self__
        formatter: SandboxedFormatter = _LimitedEscapeFormatter(self, escape=text.escape) \
            if isinstance(text, Markup) else _LimitedFormatter(self)
        is_format_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                kwargs, args = args[0], ()
            return type(text)(formatter.vformat(text, args, kwargs))

        return functools.update_wrapper(wrapper, value)


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
        if clock() > self.deadline:
            raise self._expired()
        if frame.f_globals.get("environment") is self.environment:
            return self.local
        return None

    def local(self, frame, event, arg):  # type: ignore[no-untyped-def]
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
        # Untraced first: past the deadline, the watch would stop _problem's own calls too.
        sys.settrace(previous)
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
