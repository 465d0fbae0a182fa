"""One template's findings across its samples: one finding per rule and place, naming the
samples it was met in, and what the scores read."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from ..model import SEVERITY_RANK, Finding, Location, Message
from ..score import Signal
from .datamodel import Sample


@dataclass
class Rendered:
    sample: Sample
    message: Message


def merge_findings(static: list[Finding], problems: Sequence[tuple[Finding | None, str]],
                   per_sample: list[tuple[Rendered, list[Finding], list[Signal]]],
                   total: int) -> list[Finding]:
    """Static findings, then one finding per rule and place across all samples."""
    merged: list[Finding] = list(static)
    keys = {(f.rule, f.location) for f in static}
    merge_lines = {f.location.line for f in static if f.category == "merge_field"}
    groups: dict[tuple[str, Location], list[Any]] = {}
    candidates = [(f, name) for f, name in problems if f is not None]
    candidates += [(f, rendered.sample.name) for rendered, found, _ in per_sample
                   for f in found]
    for finding, sample in candidates:
        key = (finding.rule, finding.location)
        # A problem that stopped every rendering (no sample named) is always shown: on the
        # line of a static merge-field finding it would otherwise hide that nothing rendered.
        if key in keys or (finding.category == "merge_field" and sample
                           and finding.location.line in merge_lines):
            continue
        group = groups.setdefault(key, [finding, []])
        if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[group[0].severity]:
            group[0] = replace(group[0], severity=finding.severity)
        if sample not in group[1]:
            group[1].append(sample)
    for finding, samples in groups.values():
        samples = [s for s in samples if s]
        if not samples:
            merged.append(finding)
            continue
        shown = ", ".join(samples[:3]) + (", ..." if len(samples) > 3 else "")
        merged.append(replace(finding, message=f"{finding.message} [rendered for "
                              f"{len(samples)} of {total} samples: {shown}]"))
    return merged


def scored_rendering(static_message: Message, static: list[Finding],
            per_sample: list[tuple[Rendered, list[Finding], list[Signal]]]
            ) -> tuple[Message, list[Finding], list[Signal]]:
    """What the scores read: the fullest sample's rendering, the static findings with that
    sample's, and its CRM signals; the literal text and the static findings when nothing
    rendered."""
    if not per_sample:
        return static_message, static, []
    rendered, found, signals = max(per_sample, key=lambda item: item[0].sample.fullness)
    seen = {(f.rule, f.location) for f in static}
    return rendered.message, static + [f for f in found if (f.rule, f.location) not in seen], \
        signals


