"""Python checks: what rule patterns cannot express. A rule file names one with ``check:``.

Each check is a function ``(message, options) -> Iterable[Hit]``; the rule file carries its
metadata (category, severity, message, examples) exactly as for pattern rules, and its
``options:`` may only hold the keys that ``CHECK_OPTIONS`` lists for the check (any other key is
a load error: a misspelt option would otherwise be silently ignored).
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

CHECK_OPTIONS: dict[str, frozenset[str]] = {
    "missing_unsubscribe": frozenset({"applies_to"}),
    "missing_postal_address": frozenset({"applies_to"}),
    "shouting": frozenset({"allow", "min_share"}),
    "exclamation_overload": frozenset({"max_runs", "max_bangs", "min_count", "max_ratio"}),
    "emoji_overload": frozenset({"max_alarm", "max_subject", "max_body"}),
    "merge_fields": frozenset({"template_suffixes"}),
    "empty_merge_value": frozenset(),
}

__all__ = ["CHECKS", "CHECK_OPTIONS", "CheckFunction", "Hit"]
