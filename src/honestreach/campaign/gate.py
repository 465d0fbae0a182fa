"""The audit's gate, as ``check``'s: a message fails it with a finding at or above ``fail-on``
(default: error) or a score below ``min-respect`` / ``min-relevance``; the campaign fails it
with any such message or a campaign finding at or above ``fail-on``.

A suppressed recipient (opted out, do-not-contact, no consent) is an error finding, so a
campaign with do-not-send rows fails by default; a personal claim the CRM contradicts is one
severity step up from its rule's, so it fails at that severity. The gate counts them apart,
so that the summary can say why the campaign failed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..config import Config
from ..model import SEVERITY_RANK, SendRecord, score_gate_reasons

SUPPRESSED = "compliance.suppressed"
# Exit codes, as for ``check``.
EXIT_CLEAN, EXIT_GATE, EXIT_ERROR = 0, 1, 2


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class Gate:
    """Feed it every record (``add`` counts why the record fails, if it does: the reasons
    the policy step gave it, finish.py); ``as_dict`` says whether the campaign passes, and
    why not."""

    def __init__(self, config: Config) -> None:
        self.fail_on = config.fail_on
        self.min_respect = config.min_respect
        self.min_relevance = config.min_relevance
        self._threshold = SEVERITY_RANK[config.fail_on]
        self.failing = 0
        # Messages failing for each cause (a message can fail for several).
        self.causes: Counter[str] = Counter()
        self._suppressed: set[str] = set()

    def add(self, record: SendRecord) -> None:
        """Count the causes of the record's gate failures (none for a row not checked)."""
        if not record.checked or not record.gate_failures:
            return
        failing = [f for f in record.findings if SEVERITY_RANK[f.severity] >= self._threshold]
        if failing:
            kinds = {_kind(f.category) for f in failing}
            self.causes.update(kinds)
            if "suppressed" in kinds:
                pseudonym = record.pseudonyms.recipient if record.pseudonyms else None
                self._suppressed.add(pseudonym or (record.recipient or "").lower())
        for score, _ in score_gate_reasons(record.respect, record.relevance,
                                           self.min_respect, self.min_relevance):
            self.causes[score] += 1
        self.failing += 1

    def as_dict(self, campaign_findings: list[dict[str, Any]], failed_rows: int,
                errors: list[str]) -> dict[str, Any]:
        """Whether the campaign passes, why not (``reasons``, one phrase per cause; ``errors``:
        rows that could not be read or checked) and the exit code: 2 with errors (as for
        check's), else 1 with reasons, else 0."""
        causes = self.causes
        reasons = []
        if causes["suppressed"]:
            reasons.append(f"{_plural(len(self._suppressed), 'suppressed recipient')} "
                           f"({_plural(causes['suppressed'], 'send')}): do not send")
        if causes["claim"]:
            reasons.append(f"{_plural(causes['claim'], 'message')} with personal claims at or "
                           f"above {self.fail_on} (the CRM contradicts or cannot verify them)")
        if causes["other"]:
            reasons.append(f"{_plural(causes['other'], 'message')} with other findings at or "
                           f"above {self.fail_on}")
        if causes["respect"]:
            reasons.append(f"{_plural(causes['respect'], 'message')} below min-respect "
                           f"{self.min_respect}")
        if causes["relevance"]:
            reasons.append(f"{_plural(causes['relevance'], 'message')} below min-relevance "
                           f"{self.min_relevance}")
        campaign = Counter(f["rule"] for f in campaign_findings
                           if SEVERITY_RANK.get(f["severity"], 0) >= self._threshold)
        if campaign:
            rules = ", ".join(f"{rule} {count}" for rule, count in sorted(campaign.items()))
            reasons.append(f"{_plural(sum(campaign.values()), 'campaign finding')} at or "
                           f"above {self.fail_on} ({rules})")
        problems = [f"{_plural(failed_rows, 'row')} could not be read or checked"
                    if failed_rows else "", *errors]
        problems = [problem for problem in problems if problem]
        passed = not reasons and not problems
        code = EXIT_ERROR if problems else EXIT_GATE if reasons else EXIT_CLEAN
        return {
            "passed": passed,
            "exit_code": code,
            "fail_on": self.fail_on,
            "min_respect": self.min_respect,
            "min_relevance": self.min_relevance,
            "messages_failing": self.failing,
            "reasons": reasons,
            "errors": problems,
            "counts": {"suppressed_recipients": len(self._suppressed),
                       "suppressed_sends": causes["suppressed"],
                       "claim_messages": causes["claim"], "other_messages": causes["other"],
                       "below_min_respect": causes["respect"],
                       "below_min_relevance": causes["relevance"],
                       "campaign_findings": sum(campaign.values())},
        }


def _kind(category: str) -> str:
    if category == SUPPRESSED:
        return "suppressed"
    return "claim" if category.startswith("claim.") else "other"


def gate_line(gate: dict[str, Any]) -> str:
    """The gate in one line: ``gate: failed: 3 messages below min-respect 60; ...``."""
    settings = [f"fail-on {gate['fail_on']}"]
    if gate["min_respect"] is not None:
        settings.append(f"min-respect {gate['min_respect']}")
    if gate["min_relevance"] is not None:
        settings.append(f"min-relevance {gate['min_relevance']}")
    parts = ["failed: " + "; ".join(gate["reasons"])] if gate["reasons"] else []
    parts += [f"error: {error}" for error in gate["errors"]]
    return f"Gate ({', '.join(settings)}): {'; '.join(parts) or 'passed'}"
