"""Checks on the template source, before anything is rendered.

- :func:`sandbox_issues`: attributes the sandbox refuses (``__class__``, ``gi_frame``, names
  starting with ``_``), also through ``attr()``, ``map(attribute=...)`` and ``selectattr``.
- :func:`include_issues`: included, imported or extended templates that do not exist, do not
  parse, or include their includer again.
- :class:`Analyzer`: variables the data model does not have (with the closest field), and
  fields printed with no fallback where the samples show they may be empty.
- :func:`guarded_segments`: which literal runs stand inside an ``{% if %}`` or ``{% for %}``
  on a CRM-backed variable (``contact``, ``account``, ``activities``, or a variable ``set``
  from them, or a loop variable over them): a personal claim there is not hard-coded.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from jinja2 import nodes
from jinja2.exceptions import TemplateNotFound, TemplateSyntaxError
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
)

from .datamodel import DataModel
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
_IDENTIFIER = re.compile(r"(?<![.\w])[A-Za-z_]\w*")
_STRING = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")


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


def _path(node: nodes.Node) -> str | None:
    """'contact.first_name' for Name/Getattr/constant Getitem chains."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _path(node.node)
        return f"{base}.{node.arg.value}" if base else None
    return None


def _path_pattern(path: str) -> str:
    parts = [re.escape(p) for p in path.split(".")]
    joiner = r"\s*(?:\.\s*|\[\s*['\"]?)"
    return r"(?<![\w.])" + joiner.join(parts) + r"\b"


def paths_in(node: nodes.Node) -> set[str]:
    """Every name and attribute chain a test or expression refers to."""
    found = set()
    for item in [node, *node.find_all((nodes.Name, nodes.Getattr, nodes.Getitem))]:
        path = _path(item)
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
    template = node.template  # type: ignore[attr-defined]
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


# -- variables ----------------------------------------------------------------------------------
# An expression's type: ("rec", object, variable), ("list", object, variable),
# ("field", object, field, variable, path) or None (not from the data model).
Type = tuple


class Analyzer:
    """Unknown variables and fields, and empty-able fields printed without a fallback."""

    def __init__(self, model: DataModel, unit: Unit, locator: Locator,
                 may_be_empty: Callable[[str, str, str], list[str]],
                 report_unknown_names: bool = True) -> None:
        self.model = model
        self.variables = model.variables()
        self.unit = unit
        self.locator = locator
        self.may_be_empty = may_be_empty
        self.report_unknown_names = report_unknown_names
        self.issues: list[Issue] = []
        self.declared: set[str] = set()
        self.unknown: set[str] = set()  # top-level names reported as unknown

    def run(self, tree: nodes.Template) -> list[Issue]:
        self.declared = declared_names(tree)
        self._body(tree.body, {}, frozenset())
        return self.issues

    # statements
    def _body(self, body: Iterable[nodes.Node], scope: dict[str, Type | None],
              guards: frozenset[str]) -> None:
        for node in body:
            self._stmt(node, scope, guards)

    def _stmt(self, node: nodes.Node, scope: dict[str, Type | None],
              guards: frozenset[str]) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    continue
                kind = self._expr(child, scope)
                if kind and kind[0] == "field" and kind[4] not in guards:
                    self._empty_field(child, kind)
        elif isinstance(node, nodes.If):
            self._expr(node.test, scope)
            seen = guards | paths_in(node.test)
            self._body(node.body, scope, seen)
            for branch in node.elif_:
                self._expr(branch.test, scope)
                seen = seen | paths_in(branch.test)
                self._body(branch.body, scope, seen)
            self._body(node.else_, scope, seen)
        elif isinstance(node, nodes.For):
            iterable = self._expr(node.iter, scope)
            inner = dict(scope)
            item = ("rec", iterable[1], iterable[2]) if iterable and iterable[0] == "list" \
                else None
            for target in [node.target, *node.target.find_all(nodes.Name)]:
                if isinstance(target, nodes.Name):
                    inner[target.name] = item if isinstance(node.target, nodes.Name) else None
            if node.test is not None:
                self._expr(node.test, inner)
            self._body(node.body, inner, guards)
            self._body(node.else_, scope, guards)
        elif isinstance(node, nodes.Assign):
            kind = self._expr(node.node, scope)
            if isinstance(node.target, nodes.Name):
                if kind and kind[0] == "field":
                    kind = (*kind[:4], node.target.name)
                scope[node.target.name] = kind
        elif isinstance(node, nodes.AssignBlock):
            self._body(node.body, scope, guards)
            if isinstance(node.target, nodes.Name):
                scope[node.target.name] = None
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            if isinstance(node, nodes.CallBlock):
                self._expr(node.call, scope)
            for default in node.defaults:
                self._expr(default, scope)
            inner = dict(scope)
            inner.update({a.name: None for a in node.args})
            self._body(node.body, inner, guards)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values):
                kind = self._expr(value, scope)
                if isinstance(target, nodes.Name):
                    inner[target.name] = kind
            self._body(node.body, inner, guards)
        elif isinstance(node, nodes.FilterBlock):
            self._expr(node.filter, scope)
            self._body(node.body, scope, guards)
        elif isinstance(node, nodes.Import):
            self._expr(node.template, scope)
            scope[node.target] = None
        elif isinstance(node, nodes.FromImport):
            self._expr(node.template, scope)
            for name in node.names:
                scope[name[1] if isinstance(name, tuple) else name] = None
        elif isinstance(node, nodes.ExprStmt):
            self._expr(node.node, scope)
        elif isinstance(node, nodes.Expr):
            self._expr(node, scope)
        else:  # Block, Scope, Include, Extends, eval-context modifiers...
            for inner_node in node.iter_child_nodes():
                if isinstance(inner_node, nodes.Stmt):
                    self._stmt(inner_node, scope, guards)
                else:
                    self._expr(inner_node, scope)

    # expressions
    def _expr(self, node: nodes.Node | None, scope: dict[str, Type | None]) -> Type | None:
        if node is None:
            return None
        if isinstance(node, nodes.Name):
            return self._name(node, scope)
        if isinstance(node, nodes.Getattr):
            return self._member(self._expr(node.node, scope), node.attr, node)
        if isinstance(node, nodes.Getitem):
            base = self._expr(node.node, scope)
            self._expr(node.arg, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self._member(base, node.arg.value, node)
            if base and base[0] == "list":
                return base if isinstance(node.arg, nodes.Slice) else ("rec", base[1], base[2])
            return None
        if isinstance(node, nodes.Filter):
            return self._filter(node, scope)
        if isinstance(node, nodes.Call):
            callee = node.node
            if isinstance(callee, nodes.Getattr) and callee.attr == "get" and node.args \
                    and isinstance(node.args[0], nodes.Const):
                base = self._expr(callee.node, scope)
                self._member(base, str(node.args[0].value), node)
                for arg in node.args[1:]:
                    self._expr(arg, scope)
                return None
        for child in node.iter_child_nodes():
            self._expr(child, scope)
        return None

    def _name(self, node: nodes.Name, scope: dict[str, Type | None]) -> Type | None:
        name = node.name
        if name in scope:
            return scope[name]
        if name in self.variables:
            kind, obj = self.variables[name]
            return (kind, obj, name)
        if name in self.declared or name in JINJA_NAMES or node.ctx != "load":
            return None
        if self.report_unknown_names:
            start, end = self.locator.find(node.lineno, rf"(?<![\w.]){re.escape(name)}\b")
            self.unknown.add(name)
            self.issues.append(Issue("template-unknown-variable", self.unit, start, end, {
                "variable": name, "hint": self._hint_variable(name)}))
        return None

    def _member(self, base: Type | None, attribute: str, node: nodes.Node) -> Type | None:
        if not base:
            return None
        if base[0] == "rec":
            obj, variable = base[1], base[2]
            if self.model.field(obj, attribute) is not None:
                return ("field", obj, attribute, variable, _path(node) or "")
            if attribute in DICT_METHODS or attribute.startswith("_"):
                return None
            path = _path(node) or attribute
            start, end = self.locator.find(node.lineno, _path_pattern(path)
                                           if _path(node) else re.escape(attribute))
            fields = sorted(self.model.objects.get(obj, {}))
            close = difflib.get_close_matches(attribute, fields, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else \
                f" ({obj} has: {', '.join(fields)})"
            self.issues.append(Issue("template-unknown-variable", self.unit, start, end, {
                "variable": path, "hint": f": {obj} has no field '{attribute}'{hint}"}))
        return None

    def _filter(self, node: nodes.Filter, scope: dict[str, Type | None]) -> Type | None:
        base = self._expr(node.node, scope) if node.node is not None else None
        for arg in node.args:
            self._expr(arg, scope)
        for kwarg in node.kwargs:
            self._expr(kwarg.value, scope)
        if base and base[0] == "list" and node.name in ATTRIBUTE_FILTERS:
            names = [kw.value.value for kw in node.kwargs
                     if kw.key == "attribute" and isinstance(kw.value, nodes.Const)]
            if node.name in ("selectattr", "rejectattr", "groupby") and node.args and \
                    isinstance(node.args[0], nodes.Const):
                names.append(node.args[0].value)
            for name in names:
                if isinstance(name, str) and name.split(".")[0] and \
                        self.model.field(base[1], name.split(".")[0]) is None:
                    self._member(("rec", base[1], base[2]), name.split(".")[0], node)
        if node.name in ("default", "d"):
            return base if base and base[0] != "field" else None
        if base and base[0] == "list":
            if node.name in LIST_FILTERS:
                return base
            if node.name in ITEM_FILTERS and not node.kwargs:
                return ("rec", base[1], base[2])
            return None
        if base and base[0] == "field" and node.name in TEXT_FILTERS:
            return base
        return None

    def _empty_field(self, node: nodes.Node, kind: Type) -> None:
        _, obj, name, variable, path = kind
        spec = self.model.field(obj, name)
        if spec is None or spec.required:
            return
        samples = self.may_be_empty(variable, obj, name)
        if not samples:
            return
        start, end = self.locator.find(node.lineno, _path_pattern(path) if path
                                       else re.escape(name), whole_tag=True)
        shown = samples[0] + (f" and {len(samples) - 1} more" if len(samples) > 1 else "")
        self.issues.append(Issue("template-unguarded-variable", self.unit, start, end, {
            "variable": path or f"{variable}.{name}", "evidence": f"it is empty in {shown}",
            "example": _without_tag(self.unit.text, start, end)}))

    def _hint_variable(self, name: str) -> str:
        candidates = {f"{variable}.{f}": f for variable, (_, obj) in self.variables.items()
                      for f in self.model.objects.get(obj, {})}
        close = difflib.get_close_matches(name, list(candidates.values()) + list(self.variables),
                                          n=1, cutoff=0.75)
        if not close:
            return f" (the data model has: {', '.join(sorted(self.variables))})"
        path = next((p for p, f in candidates.items() if f == close[0]), close[0])
        return f" (did you mean '{path}'?)"


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_AROUND_TAG = 400


def _without_tag(text: str, start: int, end: int) -> str:
    """The text around a tag as it reads when the tag renders empty: 'Hi {{ x }},' -> 'Hi ,'."""
    # Only some characters either side are shown: a line of thousands of tags is not read
    # whole once per tag.
    line_start = text.rfind("\n", max(0, start - _AROUND_TAG), start) + 1
    line_start = max(line_start, start - _AROUND_TAG)
    line_end = text.find("\n", end, end + _AROUND_TAG)
    line_end = min(len(text), end + _AROUND_TAG) if line_end == -1 else line_end
    left = _TAG.sub("", text[line_start:start]).lstrip()
    right = _TAG.sub("", text[end:line_end]).rstrip()
    if len(left) > 30:
        left = "..." + left[-30:].lstrip()
    if len(right) > 30:
        right = right[:30].rstrip() + "..."
    return left + right


# -- guards for personal claims -------------------------------------------------------------------
def crm_aliases(tree: nodes.Template, crm_names: frozenset[str]) -> set[str]:
    """CRM variables plus the names set from them, looped over them, or set inside a condition
    or loop on them (``{% set met = activities | selectattr(...) %}``, ``ns.met = true``)."""
    aliases = set(crm_names)

    def refers(node: nodes.Node | None) -> bool:
        return node is not None and bool(names_in(node) & aliases)

    def targets(node: nodes.Node) -> set[str]:
        found = {n.name for n in [node, *node.find_all(nodes.Name)] if isinstance(n, nodes.Name)}
        found |= {n.name for n in [node, *node.find_all(nodes.NSRef)]
                  if isinstance(n, nodes.NSRef)}
        return found

    def walk(node: nodes.Node, tainted: bool) -> bool:
        changed = False
        if isinstance(node, nodes.If):
            inner = tainted or refers(node.test) or any(refers(b.test) for b in node.elif_)
            for child in [*node.body, *node.elif_, *node.else_]:
                changed |= walk(child, inner)
            return changed
        if isinstance(node, nodes.For):
            inner = tainted or refers(node.iter)
            if inner:
                new = targets(node.target) - aliases
                aliases.update(new)
                changed |= bool(new)
            for child in [*node.body, *node.else_]:
                changed |= walk(child, inner)
            return changed
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            value = node.node if isinstance(node, nodes.Assign) else None
            body_refers = isinstance(node, nodes.AssignBlock) and any(refers(b)
                                                                     for b in node.body)
            if tainted or refers(value) or body_refers:
                new = targets(node.target) - aliases
                aliases.update(new)
                changed |= bool(new)
        if isinstance(node, nodes.With):
            for target, value in zip(node.targets, node.values):
                if tainted or refers(value):
                    new = targets(target) - aliases
                    aliases.update(new)
                    changed |= bool(new)
        for child in node.iter_child_nodes():
            changed |= walk(child, tainted)
        return changed

    while walk(tree, False):
        pass
    return aliases


def _identifiers(expression: str) -> set[str]:
    return set(_IDENTIFIER.findall(_STRING.sub(" ", expression)))


def guarded_segments(segments: Sequence[Segment], aliases: set[str]) -> set[int]:
    """Indexes of the data segments inside an if/elif/else or for/else whose condition (so far
    in the chain) or iterable refers to a CRM-backed name."""
    guarded: set[int] = set()
    stack: list[list[Any]] = []  # [kind, crm seen in the chain, region guarded]
    for index, segment in enumerate(segments):
        if segment.kind == "data":
            if any(frame[2] for frame in stack):
                guarded.add(index)
            continue
        if segment.kind != "block":
            continue
        keyword = segment.keyword
        rest = segment.inner.strip()[len(keyword):]
        if keyword == "if":
            crm = bool(_identifiers(rest) & aliases)
            stack.append(["if", crm, crm])
        elif keyword == "for":
            iterable = re.split(r"\bin\b", rest, maxsplit=1)
            crm = len(iterable) == 2 and bool(_identifiers(iterable[1]) & aliases)
            stack.append(["for", crm, crm])
        elif keyword == "elif" and stack:
            stack[-1][1] = stack[-1][1] or bool(_identifiers(rest) & aliases)
            stack[-1][2] = stack[-1][1]
        elif keyword == "else" and stack:
            stack[-1][2] = stack[-1][1]
        elif keyword in ("endif", "endfor") and stack:
            stack.pop()
    return guarded
