"""Checks on the template source, before anything is rendered.

- :func:`sandbox_issues`: attributes the sandbox refuses (``__class__``, ``gi_frame``, names
  starting with ``_``), also through ``attr()``, ``map(attribute=...)`` and ``selectattr``.
- :func:`include_issues`: included, imported or extended templates that do not exist, do not
  parse, or include their includer again.
- :class:`~.variables.Analyzer` (variables.py): variables the data model does not have (with
  the closest field), and fields printed with no fallback where the samples show they may be
  empty.
- :func:`~.guards.guarded_segments` (guards.py): which literal runs stand inside an
  ``{% if %}`` or ``{% for %}`` on a CRM-backed variable: a personal claim there is not
  hard-coded.

This module holds what they share: :class:`Issue`, :class:`Locator` and the names a tree uses.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from jinja2 import nodes
from jinja2.exceptions import TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
)

from .loader import IncludeRefused
from .source import Segment, Unit

UNSAFE_NAMES = frozenset(UNSAFE_GENERATOR_ATTRIBUTES | UNSAFE_COROUTINE_ATTRIBUTES
                         | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES | {"mro", "func_globals"})
# Names every template may use without the data model declaring them.
JINJA_NAMES = frozenset({"range", "lipsum", "dict", "cycler", "joiner", "namespace", "loop",
                         "caller", "varargs", "kwargs", "self", "super", "true", "false",
                         "none", "True", "False", "None"})
DICT_METHODS = frozenset({"get", "items", "keys", "values"})
LIST_METHODS = frozenset({"index", "count"})
# Filters whose result is the list they were given (fewer or reordered items).
LIST_FILTERS = frozenset({"selectattr", "rejectattr", "select", "reject", "list", "sort",
                          "unique", "reverse", "default", "d"})
ITEM_FILTERS = frozenset({"first", "last", "random", "min", "max"})
# Filters that keep a text empty when it was empty (so a missing value still shows).
TEXT_FILTERS = frozenset({"lower", "upper", "title", "capitalize", "trim", "e", "escape",
                          "string", "striptags", "safe", "forceescape", "urlencode", "indent",
                          "center", "replace", "truncate", "wordwrap"})
ATTRIBUTE_FILTERS = frozenset({"selectattr", "rejectattr", "map", "sort", "groupby", "sum",
                               "unique", "min", "max"})


@dataclass
class Issue:
    """A static finding: ``rule`` id, a span of ``unit`` (unit offsets) and message values."""

    rule: str
    unit: Unit
    start: int
    end: int
    values: dict[str, Any] = field(default_factory=dict)


class Locator:
    """Finds where in a unit a node's text stands (Jinja nodes only know their line)."""

    def __init__(self, unit: Unit, segments: Sequence[Segment]) -> None:
        self.unit = unit
        self.tags = sorted((s.start, s.end) for s in segments if s.kind in ("var", "block"))
        self._tag_starts = [start for start, _ in self.tags]
        self.used: set[tuple[str, int]] = set()
        # Where the next search for a pattern from a line may begin: the matches before it are
        # used or outside any tag. A template that repeats one tag thousands of times on a line
        # would otherwise be searched from the line's start again for each of them.
        self._resume: dict[tuple[str, int], int] = {}

    def find(self, lineno: int | None, pattern: str, whole_tag: bool = False) -> tuple[int, int]:
        text = self.unit.text
        start = self.unit.line_offset(lineno or 1)
        compiled = re.compile(pattern)
        for match in compiled.finditer(text, self._resume.get((pattern, start), start)):
            tag = self._tag(match.start())
            if tag is None or (pattern, match.start()) in self.used:
                continue
            self.used.add((pattern, match.start()))
            self._resume[(pattern, start)] = match.start() + 1
            return tag if whole_tag else match.span()
        end = text.find("\n", start)
        return start, end if end > start else min(len(text), start + 1)

    def _tag(self, offset: int) -> tuple[int, int] | None:
        index = bisect_right(self._tag_starts, offset) - 1
        if index >= 0 and offset < self.tags[index][1]:
            return self.tags[index]
        return None


def node_path(node: nodes.Node) -> str | None:
    """'contact.first_name' for Name/Getattr/constant Getitem chains."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = node_path(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = node_path(node.node)
        return f"{base}.{node.arg.value}" if base else None
    return None


def path_pattern(path: str) -> str:
    parts = [re.escape(p) for p in path.split(".")]
    joiner = r"\s*(?:\.\s*|\[\s*['\"]?)"
    return r"(?<![\w.])" + joiner.join(parts) + r"\b"


def paths_in(node: nodes.Node) -> set[str]:
    """Every name and attribute chain a test or expression refers to."""
    found = set()
    for item in [node, *node.find_all((nodes.Name, nodes.Getattr, nodes.Getitem))]:
        path = node_path(item)
        if path:
            found.add(path)
    return found


def names_in(node: nodes.Node) -> set[str]:
    found = {n.name for n in node.find_all(nodes.Name)}
    if isinstance(node, nodes.Name):
        found.add(node.name)
    return found


def declared_names(tree: nodes.Template) -> set[str]:
    """Names the template binds anywhere: set, for, macro, call, import, with."""
    declared: set[str] = set()
    for node in tree.find_all(nodes.Node):
        if isinstance(node, (nodes.Assign, nodes.AssignBlock, nodes.For)):
            declared |= {n.name for n in [node.target, *node.target.find_all(nodes.Name)]
                         if isinstance(n, nodes.Name)}
        elif isinstance(node, nodes.Macro):
            declared.add(node.name)
            declared |= {a.name for a in node.args}
        elif isinstance(node, nodes.CallBlock):
            declared |= {a.name for a in node.args}
        elif isinstance(node, nodes.Import):
            declared.add(node.target)
        elif isinstance(node, nodes.FromImport):
            declared |= {n[1] if isinstance(n, tuple) else n for n in node.names}
        elif isinstance(node, nodes.With):
            declared |= {t.name for t in node.targets if isinstance(t, nodes.Name)}
    return declared


# -- the sandbox --------------------------------------------------------------------------------
def _unsafe(name: object) -> bool:
    return isinstance(name, str) and (name.startswith("_") or name in UNSAFE_NAMES)


def sandbox_issues(tree: nodes.Template, unit: Unit, locator: Locator) -> list[Issue]:
    issues = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        names: list[object] = []
        if isinstance(node, nodes.Getattr):
            names.append(node.attr)
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            names.append(node.arg.value)
        elif isinstance(node, nodes.Filter):
            if node.name in ("attr", "selectattr", "rejectattr", "groupby") and node.args \
                    and isinstance(node.args[0], nodes.Const):
                names.append(node.args[0].value)
            names.extend(kw.value.value for kw in node.kwargs
                         if kw.key == "attribute" and isinstance(kw.value, nodes.Const))
        for name in names:
            if _unsafe(name):
                first = str(name).split(".")[0]
                start, end = locator.find(node.lineno, re.escape(first))
                issues.append(Issue("template-sandbox-violation", unit, start, end,
                                    {"detail": f"'{name}' is a Python internal"}))
    return issues


def unknown_filters(tree: nodes.Template, unit: Unit, locator: Locator,
                    environment: Any) -> list[Issue]:
    """Filters and tests Jinja does not know. Outside conditions Jinja refuses to compile
    them; inside an ``{% if %}`` it only fails when the condition is evaluated."""
    issues = []
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        known = environment.filters if isinstance(node, nodes.Filter) else environment.tests
        if node.name in known:
            continue
        what = "filter" if isinstance(node, nodes.Filter) else "test"
        close = difflib.get_close_matches(node.name, list(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        pattern = (r"\|\s*" if what == "filter" else r"\bis\s+(?:not\s+)?") + re.escape(node.name)
        start, end = locator.find(node.lineno, pattern + r"\b")
        issues.append(Issue("template-undefined-filter", unit, start, end,
                            {"error": f"No {what} named '{node.name}'{hint}"}))
    return issues


# -- includes -----------------------------------------------------------------------------------
_INCLUDE_NODES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def include_issues(tree: nodes.Template, unit: Unit, locator: Locator, environment: Any,
                   own: set[str], max_depth: int) -> list[Issue]:
    """Missing, unparsable and recursive includes (template names given as constants)."""
    issues = []
    for node in tree.find_all(_INCLUDE_NODES):
        for name in _template_names(node):
            problem = _follow(environment, name, list(own), max_depth,
                              getattr(node, "ignore_missing", False))
            if problem:
                start, end = locator.find(node.lineno, re.escape(name), whole_tag=True)
                issues.append(Issue("template-include-error", unit, start, end,
                                    {"detail": problem}))
    return issues


def _template_names(node: nodes.Node) -> list[str]:
    if not isinstance(node, _INCLUDE_NODES):
        return []
    template = node.template
    if isinstance(template, nodes.Const) and isinstance(template.value, str):
        return [template.value]
    if isinstance(template, (nodes.List, nodes.Tuple)):
        consts = [i.value for i in template.items if isinstance(i, nodes.Const)]
        return consts[:1] if consts else []
    return []


def _identity(name: str, filename: str | None) -> str:
    return str(Path(filename).resolve()) if filename else f"name:{name}"


def _follow(environment: Any, name: str, stack: list[str], max_depth: int,
            ignore_missing: bool) -> str | None:
    loader = environment.loader
    try:
        source, filename, _ = loader.get_source(environment, name)
    except IncludeRefused as exc:  # even with "ignore missing": it is there, and refused
        return exc.message
    except TemplateNotFound:
        return None if ignore_missing else f"included template '{name}' was not found"
    identity = _identity(name, filename)
    if identity in stack or f"name:{name}" in stack:
        return (f"'{name}' includes the template that includes it (recursive include)"
                if len(stack) > 1 else f"'{name}' includes itself (recursive include)")
    if len(stack) >= max_depth:
        return f"includes are nested deeper than {max_depth} levels at '{name}'"
    try:
        tree = environment.parse(source, name, filename)
    except TemplateSyntaxError as exc:
        return f"included template '{name}' has a syntax error on its line {exc.lineno}: " \
               f"{exc.message}"
    for node in tree.find_all(_INCLUDE_NODES):
        for inner in _template_names(node):
            problem = _follow(environment, inner, [*stack, identity, f"name:{name}"],
                              max_depth, getattr(node, "ignore_missing", False))
            if problem:
                return problem if "recursive" in problem or "deeper" in problem else \
                    f"in '{name}': {problem}"
    return None
