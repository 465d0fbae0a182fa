"""Variables a template uses that the data model does not have (with the closest field), and
fields printed with no fallback where the samples show they may be empty."""

from __future__ import annotations

import difflib
import re
from typing import Callable, Iterable

from jinja2 import nodes

from .datamodel import DataModel
from .source import Unit
from .static import (ATTRIBUTE_FILTERS, DICT_METHODS, ITEM_FILTERS, JINJA_NAMES, LIST_FILTERS,
                     TEXT_FILTERS, Issue, Locator, declared_names, node_path, path_pattern,
                     paths_in)

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
                return ("field", obj, attribute, variable, node_path(node) or "")
            if attribute in DICT_METHODS or attribute.startswith("_"):
                return None
            path = node_path(node) or attribute
            start, end = self.locator.find(node.lineno, path_pattern(path)
                                           if node_path(node) else re.escape(attribute))
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
        start, end = self.locator.find(node.lineno, path_pattern(path) if path
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
