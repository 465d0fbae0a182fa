"""Guards for personal claims: which literal runs of a template stand inside an ``{% if %}`` or
``{% for %}`` on a CRM-backed variable (``contact``, ``account``, ``activities``, or a
variable ``set`` from them, or a loop variable over them). A personal claim there is not
hard-coded."""

from __future__ import annotations

import re
from typing import Any, Sequence

from jinja2 import nodes

from .source import Segment
from .static import names_in

_IDENTIFIER = re.compile(r"(?<![.\w])[A-Za-z_]\w*")
_STRING = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")


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
