"""Compliance checks: a way to opt out, and the sender's postal address.

Both look for something that is *missing*, so each reports one hit per message at a place the
sender can find: the opt-out check points at the last non-empty line of the sender's own text
(above any quoted earlier message), where a footer would go; the address check points at the
sign-off (``message.signature_start``) when there is one, since that is where an address
belongs, else at the same last line.

Only the sender's own words count: quoted earlier text is blanked before searching, so an
unsubscribe footer in the message being replied to does not make this one compliant.

Both apply to commercial messages only (option ``applies_to: commercial``, the default), as
the laws do: :func:`commercial_signals` reads the message with the vocabularies of
``commercial.yaml``, and a reply in a real thread, a personal note or a transactional notice
is left alone. ``applies_to: all`` (the configuration's ``compliance-applies-to: all``) asks
every message for both.

The sender's own text is read in :mod:`.own_text`, the commercial test in :mod:`.commercial`,
the ways to opt out in :mod:`.opt_out` and postal addresses in :mod:`.postal`; the other checks
share them (shouting must skip postal lines, for instance).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..model import Message
from .base import Hit
from .commercial import commercial_signals, is_commercial
from .opt_out import has_opt_out, has_opt_out_text
from .own_text import last_line_span, line_span_at, own_text
from .postal import postal_line_spans

# The checks, and what the score module reads of the sender's text.
__all__ = ["has_opt_out_text", "missing_postal_address", "missing_unsubscribe", "own_text",
           "postal_line_spans"]


def _applies(message: Message, options: dict[str, Any]) -> bool:
    """Whether a compliance check asks this message at all (option ``applies_to``)."""
    return options.get("applies_to", "commercial") == "all" or is_commercial(message)


def _why(message: Message) -> str:
    """For the finding's message: why this message is asked (what made it commercial)."""
    if not is_commercial(message):
        return "the configuration asks every message for one"
    signals = [v.what for v in commercial_signals(message) if v.weight > 0]
    return "it reads as commercial: " + ", ".join(signals)


def missing_unsubscribe(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit, at the last line of the sender's text, when a commercial message (or, with
    ``applies_to: all``, any message) offers no way to opt out."""
    if has_opt_out(message) or not _applies(message, options):
        return []
    start, end = last_line_span(own_text(message))
    return [Hit("body", start, end, {"why": _why(message)})]


def missing_postal_address(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit, at the sign-off (else the last line), when a commercial message (or, with
    ``applies_to: all``, any message) gives no postal address."""
    text = own_text(message)
    if postal_line_spans(text) or not _applies(message, options):
        return []
    if message.signature_start is not None and text[message.signature_start:].strip():
        start, end = line_span_at(text, message.signature_start)
    else:
        start, end = last_line_span(text)
    return [Hit("body", start, end, {"why": _why(message)})]
