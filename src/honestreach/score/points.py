"""The arithmetic both scores share: rounding half up, clamping to 0-100, and the decay that
makes one rule's repeated findings weigh less than as many different ones."""

from __future__ import annotations

import math

#: Each further finding of the same rule costs this fraction of the one before.
REPEAT_DECAY = 0.7


def round_half_up(value: float) -> int:
    """Round half up (Python's round() goes to even, which is harder to check by hand)."""
    return math.floor(value + 0.5)


def clamp_score(value: float) -> int:
    """``value`` rounded half up and held within 0-100."""
    return int(max(0, min(100, round_half_up(value))))


def decayed(costs: list[float]) -> float:
    """The sum of costs, largest first, each further one weighted by REPEAT_DECAY^k."""
    return sum(c * REPEAT_DECAY**k for k, c in enumerate(sorted(costs, reverse=True)))
