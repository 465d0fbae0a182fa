"""The end of the pipeline, the same for every kind of input: what the stages found in one
message (an :class:`Outcome`) becomes its :class:`~honestreach.model.FileResult`, through the
policy step (policy.py), the scores and the gate.

A message checked by ``check``, a template's renderings (templates/check.py) and a campaign's
rows (campaign/worker.py, in a worker process or on a Dask worker) all end here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .longtext import bounded_notes
from .model import FileResult, Finding, InputError, InputNote, Location, Message
from .policy import Policy
from .score import Signal, score_message

if TYPE_CHECKING:
    from .engine import EngineResult
    from .verify import Verification


@dataclass(frozen=True)
class Outcome:
    """What the stages found in one message, before the configuration has its say."""

    # The rules' and the CRM's findings, in any order (the result lists them by place).
    findings: tuple[Finding, ...]
    # Outside evidence for relevance (the CRM's).
    signals: tuple[Signal, ...] = ()
    # (rule, place) of findings that are shown but cost the message nothing: claims the CRM
    # supports, listed with --show-verified.
    unscored: frozenset[tuple[str, Location]] = frozenset()
    # The findings the scores count, when they are not the findings shown: a template is
    # scored as its fullest sample reads, and shows what every sample met.
    scored: tuple[Finding, ...] | None = None
    errors: tuple[InputError, ...] = ()
    notes: tuple[InputNote, ...] = ()
    recipient: str | None = None

    @classmethod
    def of_message(cls, message: Message, result: EngineResult,
                   verification: Verification) -> Outcome:
        """A message's outcome: the engine's findings and the CRM's verdicts on its claims."""
        return cls(
            findings=(*result.findings, *verification.findings, *verification.verified),
            signals=tuple(verification.signals),
            unscored=frozenset((f.rule, f.location) for f in verification.verified),
            errors=tuple(result.errors),
            notes=message.notes + tuple(result.notes),
            recipient=verification.recipient.email if verification.recipient else None,
        )


def finish(message: Message, outcome: Outcome, policy: Policy) -> FileResult:
    """The result of ``message``: its findings as the policy keeps them (in file order), its
    scores and why it fails the gate. Pure: it reads only its arguments."""
    suppressions, suppression_errors = policy.suppressions(message.source, message.path)
    kept = policy.apply(sorted(outcome.findings, key=_place), suppressions, message.source)
    if outcome.scored is None:
        counted = [f for f in kept if (f.rule, f.location) not in outcome.unscored]
    else:
        counted = policy.counted(outcome.scored, suppressions)
    scores = score_message(message, counted, outcome.signals)
    return FileResult(
        path=message.path,
        findings=tuple(kept),
        scores=scores,
        errors=outcome.errors + tuple(suppression_errors),
        recipient=outcome.recipient,
        subject=message.subject.text if message.subject else None,
        source=message.source,
        gate_failures=tuple(policy.gate(kept, scores)),
        notes=outcome.notes + bounded_notes(message),
    )


def by_rule(findings: Iterable[Finding]) -> list[Finding]:
    """Findings ordered by rule id (stably): ``finish`` then lists those at one place by rule."""
    return sorted(findings, key=lambda f: f.rule)


def _place(finding: Finding) -> tuple[int, int]:
    return finding.location.line, finding.location.column
