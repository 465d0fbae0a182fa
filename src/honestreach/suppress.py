"""Suppression: inline directives (``honestreach: disable=ID[,ID]`` and friends), the
``X-Honestreach:`` header, and the configuration's ``per-file-ignores``.

A directive stands in an HTML comment, a Jinja comment or on a line of its own, and names rule
ids or categories. ``disable`` on a line of its own holds until ``enable`` or the end of the file;
``disable`` after other text on a line, and ``disable-line``, hold for that line only;
``disable-next-line`` holds for the line below. A directive that is malformed or names nothing
known is reported as an error, never read as "disable everything".

A header ``X-Honestreach: disable=ID[,ID]`` (in an .eml, or a draft's header block) holds for
the whole message and never reaches the recipient, as a comment in a body might. A directive or
header name that suppressed nothing is reported as ``unused-suppression`` (info), so stale ones
are found and removed.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from .config import Config, rule_enabled, severity_for
from .model import Finding, InputError, Location, SourceText
from .stages import rule_finding
from .taxonomy import CATEGORIES

if TYPE_CHECKING:
    from .rules import Rule

DIRECTIVE = re.compile(
    r"(?P<open><!--|\{#)?[ \t]*(?<![\w-])honestreach:[ \t]*(?P<body>(?:disable|enable)[^\n]*?)"
    r"[ \t]*(?P<close>-->|#\})?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_ACTION = re.compile(r"^(disable|enable|disable-line|disable-next-line)[ \t]*=[ \t]*(.+)$")
_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
# A header of the message (never shown to the recipient) holding a directive for all of it.
HEADER_DIRECTIVE = re.compile(r"^x-honestreach[ \t]*:[ \t]*(?P<body>[^\r\n]*)",
                              re.IGNORECASE)
_ANY_HEADER_DIRECTIVE = re.compile(r"^x-honestreach[ \t]*:", re.IGNORECASE | re.MULTILINE)
_HEADER_LINE = re.compile(r"^(?:[!-9;-~]+[ \t]*:|[ \t])")
UNUSED_RULE = "unused-suppression"


@dataclass(frozen=True)
class Suppression:
    """Names (rule ids or categories) switched off for lines first..last (inclusive)."""

    names: frozenset[str]
    first: int
    last: int
    # Where it is written (line, and the span of the directive on it), for unused-suppression;
    # None for the configuration's per-file ignores.
    at: Location | None = None

    def covers(self, finding: Finding) -> bool:
        return self.first <= finding.location.line <= self.last and (
            finding.rule in self.names or finding.category in self.names or "all" in self.names
            or finding.category.split(".")[0] in self.names
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
    known = known_names(known_ids)
    suppressions: list[Suppression] = []
    errors: list[InputError] = []
    open_blocks: dict[str, tuple[int, Location]] = {}
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
        at = _span(source, match.start(), match.end())
        if kind == "disable-next-line":
            suppressions.append(Suppression(frozenset(names), line + 1, line + 1, at))
        elif kind == "disable-line" or (kind == "disable" and not stands_alone):
            suppressions.append(Suppression(frozenset(names), line, line, at))
        elif kind == "disable":
            for name in names:
                open_blocks.setdefault(name, (line, at))
        else:  # enable
            for name in names:
                opened = open_blocks.pop(name, None)
                if opened is not None:
                    suppressions.append(Suppression(frozenset([name]), opened[0], line,
                                                    opened[1]))
    for name, (first, at) in open_blocks.items():
        suppressions.append(Suppression(frozenset([name]), first, last_line, at))
    return suppressions, errors


def _span(source: SourceText, start: int, end: int) -> Location:
    line, column = source.position(start)
    end_line, end_column = source.position(end)
    return Location(line, column, end_line, end_column)


def header_directives(
    source: SourceText, known: set[str]
) -> tuple[list[Suppression], list[InputError]]:
    """The ``X-Honestreach: disable=ID[,ID]`` headers of the file's header block (the lines
    before the first blank one, when they are all headers): each holds for the whole file."""
    suppressions: list[Suppression] = []
    errors: list[InputError] = []
    offset = 1 if source.text.startswith("\ufeff") else 0
    for raw in source.text[offset:].splitlines(keepends=True):
        if not raw.strip() or not _HEADER_LINE.match(raw):
            break
        match = HEADER_DIRECTIVE.match(raw)
        if match:
            line, _ = source.position(offset)
            body = match.group("body").strip()
            action = _ACTION.match(body)
            names = [n.strip() for n in action.group(2).split(",") if n.strip()] \
                if action and action.group(1) == "disable" else []
            wrong = [n for n in names if n not in known]
            if not names or wrong:
                what = ", ".join(repr(n) for n in wrong) if wrong else repr(body)
                errors.append(InputError(
                    f"X-Honestreach header: expected 'disable=ID[,ID]' with rule ids or "
                    f"categories, not {what}", line))
            else:
                start = offset + match.start("body")
                suppressions.append(Suppression(frozenset(names), 0, sys.maxsize,
                                                _span(source, start, start + len(body))))
        offset += len(raw)
    return suppressions, errors


def known_names(rule_ids: Iterable[str]) -> set[str]:
    """What a directive may name: rule ids, categories and families."""
    return set(rule_ids) | set(CATEGORIES) | {c.split(".")[0] for c in CATEGORIES}


def apply_suppressions(
    findings: Iterable[Finding], suppressions: list[Suppression]
) -> list[Finding]:
    """The findings no suppression covers."""
    if not suppressions:
        return list(findings)
    return [f for f in findings if not any(s.covers(f) for s in suppressions)]


def file_suppressions(
    source: SourceText, rules: Mapping[str, Rule], config: Config, path: str,
) -> tuple[list[Suppression], list[InputError]]:
    """What suppresses findings in the file ``path``: its directives, its X-Honestreach
    headers and the per-file ignores of ``config``; and the errors of malformed directives."""
    suppressions, errors = parse_suppressions(source, rules)
    if _ANY_HEADER_DIRECTIVE.search(source.text):
        headers, header_errors = header_directives(source, known_names(rules))
        suppressions += headers
        errors += header_errors
    per_file = config.ignored_in(path)
    if per_file:
        suppressions.append(Suppression(per_file, 0, sys.maxsize))
    return suppressions, errors


def suppress(
    findings: Iterable[Finding], suppressions: list[Suppression], source: SourceText,
    rules: Mapping[str, Rule], config: Config,
) -> list[Finding]:
    """The findings that no suppression covers, with an ``unused-suppression`` finding for
    each name a directive or header gives that suppressed nothing (when that rule is loaded
    and selected)."""
    def enabled(rule_id: str, category: str) -> bool:
        return rule_enabled(rule_id, category, config)

    used: set[tuple[int, str]] = set()
    kept = []
    for finding in findings:
        covering = [(index, name) for index, s in enumerate(suppressions) if s.covers(finding)
                    for name in s.names
                    if name in (finding.rule, finding.category, "all")
                    or name == finding.category.split(".")[0]]
        if covering:
            used.update(covering)
        else:
            kept.append(finding)
    rule = rules.get(UNUSED_RULE)
    if rule is not None and enabled(rule.id, rule.category):
        for index, suppression in enumerate(suppressions):
            if suppression.at is None:
                continue
            unused = sorted(name for name in suppression.names if (index, name) not in used
                            and _could_fire(name, rules, enabled))
            if unused:
                finding = _unused_finding(rule, suppression.at, unused, source)
                severity = severity_for(rule.id, rule.category, rule.severity, config)
                kept.append(replace(finding, severity=severity))
        kept.sort(key=lambda f: (f.location.line, f.location.column))
    return kept


def _could_fire(name: str, rules: Mapping[str, Rule],
               enabled: Callable[[str, str], bool]) -> bool:
    """Whether a suppressed name stands for a rule that runs: naming one that is switched off
    (by --select, say) is not a stale directive."""
    if name in rules:
        return enabled(name, rules[name].category)
    return any(enabled(r.id, r.category) for r in rules.values()
               if name in (r.category, r.category.split(".")[0]))


def _unused_finding(rule: Rule, at: Location, names: list[str], source: SourceText) -> Finding:
    text = source.text[source.offset(at.line, at.column):source.offset(at.end_line,
                                                                        at.end_column)]
    return rule_finding(rule, at, text, "body", {"names": ", ".join(names)})
