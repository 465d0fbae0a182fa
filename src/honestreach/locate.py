"""Where honestreach's own files are: configuration files above an input, the built-in rules.

Kept free of heavy imports so that a fully cached run (cache/) can use it without loading
the configuration validator or the rule loader.
"""

from __future__ import annotations

import re
from pathlib import Path

CONFIG_NAMES = (".honestreach.yaml", ".honestreach.yml", "pyproject.toml")
_TOOL_TABLE = re.compile(r"^\s*\[tool\.honestreach[.\]]", re.MULTILINE)


def find_config_file(start: Path) -> Path | None:
    """The nearest .honestreach.yaml or pyproject.toml with [tool.honestreach] at or above start."""
    folder = start if start.is_dir() else start.parent
    folder = folder.resolve()
    for candidate_dir in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return _TOOL_TABLE.search(text) is not None


def builtin_rules_dir() -> Path:
    """The folder of the rules shipped with honestreach."""
    package = Path(__file__).resolve().parent
    packaged = package / "rules"
    if packaged.is_dir():
        return packaged
    # Running from a source checkout (PYTHONPATH=src): the rules live at the repository root.
    return package.parents[1] / "rules"
