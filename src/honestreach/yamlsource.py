"""Safe YAML loading that remembers where each value stood, for errors that name a line.

Every YAML file honestreach reads (rules, vocabularies, configuration, CRM files and mappings,
template front matter) may come from a user, so the loader refuses, with the line, a document
nested deeper than :data:`MAX_DEPTH` levels (the consumers walk it recursively) and one whose
aliases (``*name``) repeat more values than the text has characters, past a small budget: a
"billion laughs" of ten nested lists of ten aliases is a few hundred bytes that stand for a
billion values. Both are measured on the node tree before anything is built from it: the
composer shares an aliased node rather than copying it, so the tree stays as small as the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .regularfile import read_regular_text

# Deeper YAML than this is refused (rule, configuration and CRM files are a few levels deep).
MAX_DEPTH = 50
# Aliases may repeat this many values, or as many as the text has characters if that is more.
MAX_ALIAS_VALUES = 10_000

# libyaml's parser when PyYAML was built with it: the same safe loader, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

class YamlLoadError(Exception):
    """A YAML file that cannot be read or parsed."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML data together with its node tree."""

    data: Any
    node: yaml.Node | None

    def line_of(self, path: list[Any]) -> int | None:
        """1-based line of the value at ``path`` (keys and indexes), or of its nearest parent."""
        node = self.node
        if node is None:
            return None
        line = node.start_mark.line + 1
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(step):
                        child = value_node
                        line = key_node.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if 0 <= step < len(node.value):
                    child = node.value[step]
                    line = child.start_mark.line + 1
            if child is None:
                return line
            node = child
        return line


def parse_yaml_text(text: str, construct: bool = True) -> YamlDocument:
    """Parse YAML with the safe loader (no Python objects can be built from it); with
    ``construct`` False only the node tree is made (``data`` is None)."""
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_shape(node, len(text))
        data = loader.construct_document(node) if node is not None and construct else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in problem:  # libyaml's own limit (1000 levels)
            problem = f"nested deeper than {MAX_DEPTH} levels"
        raise YamlLoadError(f"invalid YAML: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlLoadError(f"invalid YAML: {exc}") from exc
    except RecursionError as exc:  # PyYAML's pure-Python composer recurses per level
        raise YamlLoadError(f"invalid YAML: nested deeper than {MAX_DEPTH} levels") from exc
    finally:
        loader.dispose()
    return YamlDocument(data, node)


def load_yaml_document(path: Path, construct: bool = True) -> YamlDocument:
    """Read and parse a YAML file; unreadable, undecodable or oversized files (see the module
    docstring) are a YamlLoadError."""
    try:
        text = read_regular_text(path)
    except UnicodeDecodeError as exc:
        raise YamlLoadError(f"not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise YamlLoadError(f"cannot read file: {exc.strerror or exc}") from exc
    return parse_yaml_text(text, construct)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return []


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def check_shape(root: yaml.Node, text_length: int = 0) -> None:
    """Refuse a node tree nested deeper than MAX_DEPTH, that contains itself, or whose aliases
    repeat more values than allowed: as many as the text has characters (a value takes at
    least one), or MAX_ALIAS_VALUES if that is more. The error names the line.

    Each collection is visited once (an aliased node is shared): its size counts the values it
    stands for, aliases expanded, and its height the levels below it."""
    if not isinstance(root, yaml.CollectionNode):
        return
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()  # the path from the root to the collection being visited
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            total, below = 1, 0
            for child in _children(node):
                if isinstance(child, yaml.ScalarNode):
                    total += 1
                    below = below or 1
                else:
                    total += size[id(child)]
                    below = max(below, height[id(child)])
            size[key], height[key] = total, below + 1
            open_nodes.discard(key)
        elif key in open_nodes:
            raise YamlLoadError("invalid YAML: an alias refers to the collection it is in",
                                _line(node))
        elif key not in size:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node)
                         if not isinstance(child, yaml.ScalarNode))
    if height[id(root)] > MAX_DEPTH:
        node, depth = root, 1
        while depth <= MAX_DEPTH:
            node = max(_children(node), key=lambda child: height.get(id(child), 1))
            depth += 1
        raise YamlLoadError(f"invalid YAML: nested deeper than {MAX_DEPTH} levels", _line(node))
    budget = max(MAX_ALIAS_VALUES, text_length)
    if size[id(root)] > text_length + budget:
        node = root
        while True:
            biggest = max(_children(node), key=lambda child: size.get(id(child), 1),
                          default=None)
            if biggest is None or size.get(id(biggest), 1) <= budget:
                break
            node = biggest
        raise YamlLoadError(f"invalid YAML: its aliases (*name) repeat more than {budget:,} "
                            "values (an alias bomb)", _line(node))
