"""Safe YAML loading that remembers where each value stood, for errors that name a line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


def parse_yaml_text(text: str) -> YamlDocument:
    """Parse YAML with the safe loader (no Python objects can be built from it)."""
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlLoadError(f"invalid YAML: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlLoadError(f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return YamlDocument(data, node)


def load_yaml_document(path: Path) -> YamlDocument:
    """Read and parse a YAML file; unreadable or undecodable files are a YamlLoadError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlLoadError(f"not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise YamlLoadError(f"cannot read file: {exc.strerror or exc}") from exc
    return parse_yaml_text(text)
