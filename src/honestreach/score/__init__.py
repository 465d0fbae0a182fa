"""Respect and relevance: two 0-100 scores for one message, with the reasons that moved them.

**Respect** (:mod:`.respect`) starts at 100. Each finding costs what it means to the reader: its
category's :class:`Cost` (``CATEGORY_COST``) at the finding's severity. A manipulative tactic or
disrespect costs the most among the message's own words; a personal claim costs little while
nothing could check it (no CRM: ``info``) and as much as a tactic once the CRM contradicts it;
writing to a recipient who opted out costs the most of all; missing compliance lines and
unfilled merge fields cost a few points. The second finding of the same rule costs
``REPEAT_DECAY`` times the first, the third ``REPEAT_DECAY``² and so on, so one habit repeated
weighs less than many different problems. Hard-to-read prose (Flesch reading ease below
``READABILITY_FLOOR``) and very long messages cost a little more, never as much as one tactic.

**Relevance** (:mod:`.relevance`) starts at ``RELEVANCE_BASE`` and reads the sender's own prose:
it rises for a greeting by name, for writing to the reader rather than about the sender, for
concrete specifics and for one clear question; it falls for stock blast phrases, for a greeting
with no name and for unsubstantiated claims (warnings and errors in
``CLAIM_CATEGORY_PREFIXES``). Later stages (the CRM) add their own evidence through
``signals``: each :class:`Signal` adds its points and reason.

Both read the sender's prose (:mod:`.prose`) and share the rounding and decay of
:mod:`.points`. Every weight is a named constant in those modules; ``docs/scores.md`` explains
them with a worked example.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..checks.compliance import own_text
from ..longtext import squeezed
from ..model import Finding, Message, Scores
from .prose import sender_prose
from .relevance import Signal, score_relevance
from .respect import CATEGORY_COST, LENGTH_MAX_COST, READABILITY_MAX_COST, score_respect

__all__ = ["CATEGORY_COST", "LENGTH_MAX_COST", "READABILITY_MAX_COST", "Signal", "score_message"]


def score_message(
    message: Message, findings: Sequence[Finding], signals: Iterable[Signal] = ()
) -> Scores:
    """Respect and relevance of ``message`` given its findings (and any outside signals)."""
    prose = sender_prose(message)
    respect, respect_reasons = score_respect(prose, findings)
    relevance, relevance_reasons = score_relevance(squeezed(own_text(message)), prose, findings, signals)
    return Scores(respect, relevance, tuple(respect_reasons), tuple(relevance_reasons))
