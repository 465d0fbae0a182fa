"""The Jinja2 sandbox with honestreach's limits: :class:`TemplateEnvironment` estimates what each
operation would build (``*``, ``+``, ``~``, ``%``, ``str.format``, ``join``, filters, slices,
captured blocks, ...) from its operands and refuses it past ``Limits.size`` before it is built,
and counts what is built; :class:`RecordingUndefined` records undefined names (see
:mod:`.sandbox`)."""

from __future__ import annotations

import functools
import inspect
import re
import sys
import types
from collections.abc import Collection, Iterable, Mapping
from contextvars import ContextVar
from itertools import islice
from typing import Any, Callable, Sequence

from jinja2 import BaseLoader, ChainableUndefined
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import missing
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace
from markupsafe import Markup

from .codegen import GuardedCodeGenerator
from .limits import Limits, RenderLimit, format_count, occurrences, weight

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


# -- undefined names --------------------------------------------------------------------------
UNDEFINED_LOG: ContextVar[list[tuple[str, bool]] | None] = ContextVar(
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
        log = UNDEFINED_LOG.get()
        if log is not None and isinstance(name, str):
            log.append((name, obj is missing))


# -- the environment ----------------------------------------------------------------------------
class _FieldLimit(SandboxedFormatter):
    """``str.format`` that checks each field, once its nested fields are filled in
    (``'{0:>{1}}'``), before formatting it, and counts what the fields add."""

    _written = 0

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self._written = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        environment = self._env
        assert isinstance(environment, TemplateEnvironment)  # it makes these formatters
        limit = environment.limits.size
        size = weight(value, limit)
        for digits in _FORMAT_NUMBER.findall(format_spec):
            size = max(size, format_count(digits, limit))
        environment.reserve(self._written + size, "str.format()")
        self._written += size
        return super().format_field(value, format_spec)


class _LimitedFormatter(_FieldLimit):
    pass


class _LimitedEscapeFormatter(_FieldLimit, SandboxedEscapeFormatter):
    pass


class TemplateEnvironment(SandboxedEnvironment):
    """The sandbox with honestreach's limits (see the module docstring)."""

    code_generator_class = GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, loader: BaseLoader | None, autoescape: bool,
                 limits: Limits | None = None) -> None:
        super().__init__(loader=loader, autoescape=autoescape, undefined=RecordingUndefined,
                         auto_reload=False, finalize=self._finalize)
        self.limits = limits or Limits()
        self.built = 0  # characters and items built by the rendering under way
        self.own_names: tuple[str, ...] = ()  # the template's own name(s) for its loader
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

    def concat(self, parts: Iterable[str]) -> str:
        """Captured blocks ({% set %}...{% endset %}), macros and {% filter %} join their
        output with this: it is measured before it is joined."""
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
                    self._check_number(format_count(digits, self.limits.size), "a format width of")

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
                    size += format_count(number, limit)
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

    def _check_replace(self, text: str | bytes | bytearray, old: Any, new: Any,
                       count: Any = None) -> None:
        found = len(text) + 1 if not old else occurrences(text, old)
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
            tabs = occurrences(text, "\t" if isinstance(text, str) else b"\t")
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
