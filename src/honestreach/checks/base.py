"""What a Python check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hit:
    """A span of the subject or body that a check reports, with values for the rule's message.

    ``values`` fill placeholders in the rule's message (``{count}``); ``{text}`` is always the
    text of the span.
    """

    field: str
    start: int
    end: int
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
