"""Python checks: what rule patterns cannot express. A rule file names one with ``check:``.

Each check is a function ``(message, options) -> Iterable[Hit]``; the rule file carries its
metadata (category, severity, message, examples) exactly as for pattern rules.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from ..model import Message
from . import compliance, emphasis, merge_fields
from .base import Hit

CheckFunction = Callable[[Message, dict[str, Any]], Iterable[Hit]]

CHECKS: dict[str, CheckFunction] = {
    "missing_unsubscribe": compliance.missing_unsubscribe,
    "missing_postal_address": compliance.missing_postal_address,
    "shouting": emphasis.shouting,
    "exclamation_overload": emphasis.exclamation_overload,
    "emoji_overload": emphasis.emoji_overload,
    "merge_fields": merge_fields.merge_fields,
    "empty_merge_value": merge_fields.empty_merge_value,
}

__all__ = ["CHECKS", "CheckFunction", "Hit"]
