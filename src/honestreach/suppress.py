"""Inline suppression directives: ``honestreach: disable=ID[,ID]`` and friends.

A directive stands in an HTML comment, a Jinja comment or on a line of its own, and names rule
ids or categories. ``disable`` on a line of its own holds until ``enable`` or the end of the file;
``disable`` after other text on a line, and ``disable-line``, hold for that line only;
``disable-next-line`` holds for the line below. A directive that is malformed or names nothing
known is reported as an error, never read as "disable everything".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .model import Finding, InputError, SourceText
from .taxonomy import CATEGORIES

DIRECTIVE = re.compile(
    r"(?P<open><!--|\{#)?[ \t]*honestreach:[ \t]*(?P<body>(?:disable|enable)[^\n]*?)"
    r"[ \t]*(?P<close>-->|#\})?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_ACTION = re.compile(r"^(disable|enable|disable-line|disable-next-line)[ \t]*=[ \t]*(.+)$")
_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")


@dataclass(frozen=True)
class Suppression:
    """Names (rule ids or categories) switched off for lines first..last (inclusive)."""

    names: frozenset[str]
    first: int
    last: int

    def covers(self, finding: Finding) -> bool:
        return self.first <= finding.location.line <= self.last and (
            finding.rule in self.names or finding.category in self.names or "all" in self.names
        )


def blank_directives(text: str) -> str:
    """``text`` with directives replaced by spaces, so rules never read them (offsets kept)."""
    if "honestreach:" not in text.lower():
        return text
    return DIRECTIVE.sub(lambda m: " " * len(m.group()), text)


def parse_suppressions(
    source: SourceText, known_ids: Iterable[str]
) -> tuple[list[Suppression], list[InputError]]:
    """Read every directive of a file."""
    text = source.text
    if "honestreach:" not in text.lower():
        return [], []
    known = set(known_ids) | set(CATEGORIES) | {c.split(".")[0] for c in CATEGORIES}
    suppressions: list[Suppression] = []
    errors: list[InputError] = []
    open_blocks: dict[str, int] = {}
    last_line = source.line_count
    for match in DIRECTIVE.finditer(text):
        line, _ = source.position(match.start())
        action = _ACTION.match(match.group("body").strip())
        if not action:
            errors.append(InputError(
                "malformed suppression: expected 'honestreach: disable=ID[,ID]' "
                "(or enable, disable-line, disable-next-line)", line))
            continue
        kind, raw_names = action.group(1), action.group(2)
        names = [n.strip() for n in raw_names.split(",") if n.strip()]
        bad = [n for n in names if not _NAME.match(n)]
        unknown = [n for n in names if _NAME.match(n) and n not in known]
        if not names or bad or unknown:
            what = ", ".join(repr(n) for n in (bad + unknown)) or "nothing"
            errors.append(InputError(f"suppression names unknown rule or category {what}", line))
            continue
        line_text = source.line(line)
        stands_alone = not line_text.replace(match.group(), "").strip()
        if kind == "disable-next-line":
            suppressions.append(Suppression(frozenset(names), line + 1, line + 1))
        elif kind == "disable-line" or (kind == "disable" and not stands_alone):
            suppressions.append(Suppression(frozenset(names), line, line))
        elif kind == "disable":
            for name in names:
                open_blocks.setdefault(name, line)
        else:  # enable
            for name in names:
                start = open_blocks.pop(name, None)
                if start is not None:
                    suppressions.append(Suppression(frozenset([name]), start, line))
    for name, start in open_blocks.items():
        suppressions.append(Suppression(frozenset([name]), start, last_line))
    return suppressions, errors


def apply_suppressions(
    findings: Iterable[Finding], suppressions: list[Suppression]
) -> list[Finding]:
    """The findings no suppression covers."""
    if not suppressions:
        return list(findings)
    return [f for f in findings if not any(s.covers(f) for s in suppressions)]
