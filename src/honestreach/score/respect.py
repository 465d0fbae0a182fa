"""Respect: 100 less what the message's findings, hard-to-read prose and length cost the reader."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from ..model import Finding
from ..readability import reading_ease
from ..taxonomy import CATEGORIES, TACTIC_CATEGORIES
from .points import clamp_score, decayed, round_half_up
from .prose import readable_text

@dataclass(frozen=True)
class Cost:
    """Respect points the first finding of a rule costs, by the finding's severity."""

    error: float
    warning: float
    info: float

    def at(self, severity: str) -> float:
        """The cost at ``severity`` (nothing for a severity that is not one of the three)."""
        return {"error": self.error, "warning": self.warning, "info": self.info}.get(severity, 0.0)


#: A tactic aimed at the reader: manufactured urgency or scarcity, pressure, deception,
#: disclosed surveillance, disrespect. What respect measures first.
TACTIC_COST = Cost(error=35, warning=25, info=5)
#: A personal claim ("great meeting you", "as we discussed"), by what is known of it. An error
#: is a claim the CRM contradicts: a lie told to the reader, as costly as a tactic. A warning is
#: one the CRM could not look up (the recipient is not in it): a doubt. An info is one nothing
#: checked (no CRM): honest follow-ups are made of such sentences, so it costs very little.
CLAIM_COST = Cost(error=35, warning=8, info=2)
#: Writing to someone who opted out, is marked do-not-contact or never consented: the reader
#: already said no, which no wording can make respectful.
SUPPRESSED_COST = Cost(error=50, warning=40, info=10)
#: No way to opt out: a gap the law cares about; the reader can still reply to ask, and nothing
#: in the words mistreats them.
OPT_OUT_COST = Cost(error=5, warning=4, info=1)
#: No postal address: a legal gap the reader barely notices.
ADDRESS_COST = Cost(error=4, warning=3, info=1)
#: Careless rather than manipulative: an unfilled merge field ("Hi {{first_name}},") or the
#: same message sent twice.
CARELESS_COST = Cost(error=5, warning=4, info=1)
#: What each category costs. A claim fixed in a template (or sent to many recipients the CRM
#: cannot support) is told to everyone, true or not, and too many messages are nagging: both
#: are tactics. Findings outside the taxonomy (notes about the input itself) cost nothing.
CATEGORY_COST: dict[str, Cost] = {
    **dict.fromkeys((*sorted(TACTIC_CATEGORIES), "template.hardcoded_claim",
                     "campaign.mass_claim", "campaign.frequency"), TACTIC_COST),
    **dict.fromkeys((c for c in CATEGORIES if c.startswith("claim.")), CLAIM_COST),
    "compliance.suppressed": SUPPRESSED_COST,
    "compliance.unsubscribe": OPT_OUT_COST,
    "compliance.address": ADDRESS_COST,
    "merge_field": CARELESS_COST,
    "campaign.duplicate": CARELESS_COST,
}
#: Flesch reading ease below this costs points (60-70 is plain English; 30 is academic).
READABILITY_FLOOR = 40.0
#: Points per Flesch point below the floor, and the most readability can cost.
READABILITY_COST_PER_POINT = 0.4
READABILITY_MAX_COST = 8
#: Prose shorter than this is not scored for readability: Flesch is noise on a few lines.
READABILITY_MIN_WORDS = 30
#: Words of the sender's prose that cost nothing; each further started 100 costs
#: ``LENGTH_COST_PER_100``, up to ``LENGTH_MAX_COST``. Readability and length together cost at
#: most 14, less than one tactic warning.
LENGTH_FREE_WORDS = 250
LENGTH_COST_PER_100 = 2
LENGTH_MAX_COST = 6

_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def score_respect(prose: str, findings: Sequence[Finding]) -> tuple[int, list[str]]:
    reasons: list[tuple[int, str]] = []
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    total = 0
    for rule, group in by_rule.items():
        category_cost = CATEGORY_COST.get(group[0].category)
        if category_cost is None:
            continue
        costs = [category_cost.at(f.severity) for f in group]
        cost = round_half_up(decayed(costs))
        if cost <= 0:
            continue
        worst = group[costs.index(max(costs))].severity
        times = f" x{len(group)}" if len(group) > 1 else ""
        reasons.append((cost, f"-{cost} {group[0].category} {worst}{times} ({rule})"))
        total += cost
    words = len(_WORDS.findall(prose))
    if words >= READABILITY_MIN_WORDS:
        ease = reading_ease(readable_text(prose))
        if ease < READABILITY_FLOOR:
            cost = min(READABILITY_MAX_COST,
                       round_half_up((READABILITY_FLOOR - ease) * READABILITY_COST_PER_POINT))
            if cost > 0:
                reasons.append((cost, f"-{cost} hard to read (Flesch {ease:.0f})"))
                total += cost
    if words > LENGTH_FREE_WORDS:
        cost = min(LENGTH_MAX_COST,
                   math.ceil((words - LENGTH_FREE_WORDS) / 100) * LENGTH_COST_PER_100)
        reasons.append((cost, f"-{cost} long ({words} words)"))
        total += cost
    reasons.sort(key=lambda r: -r[0])
    return clamp_score(100 - total), [r for _, r in reasons]
