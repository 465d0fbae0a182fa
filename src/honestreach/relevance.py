"""Relevance as the CRM sees it: the signals the verify stage adds to the relevance score
(``score.Signal``) for the message's first recipient. See docs/claims.md ("Relevance with a
CRM") for the points.
"""

from __future__ import annotations

import re

from .claims.records import normal
from .crm import Account, Contact
from .model import Message
from .score import Signal


def relevance_signals(message: Message, contact: Contact | None, account: Account | None,
                      contradicted: int) -> list[Signal]:
    """What the CRM says about relevance: the reader's interests, industry, role and company
    mentioned raise it; false personal claims cost heavily (worse than none)."""
    signals: list[Signal] = []
    text = message.body.text.lower() + " " + (message.subject.text.lower() if message.subject
                                              else "")
    if contact is not None:
        hits = [i for i in contact.interests if i and _mentions(text, i)]
        if hits:
            signals.append(Signal(min(20, 10 * len(hits)),
                                  f"mentions their interests ({', '.join(hits)})"))
        elif contact.interests:
            signals.append(Signal(-10, "mentions none of their interests "
                                       f"({', '.join(contact.interests)})"))
        industry = contact.industry or (account.industry if account else None)
        if industry and _mentions(text, industry):
            signals.append(Signal(5, f"speaks to their industry ({industry})"))
        if contact.title and _titles_agree_text(contact.title, text):
            signals.append(Signal(5, f"speaks to their role ({contact.title})"))
    if contradicted:
        signals.append(Signal(-min(30, 15 * contradicted),
                              f"{contradicted} personal claim(s) the CRM contradicts"))
    return signals


def _mentions(text: str, phrase: str) -> bool:
    words = [w for w in normal(phrase).split() if len(w) > 3]
    if not words:
        return False
    # Every content word of the phrase, by its first five letters ("forecasting" ~ "forecast").
    return all(re.search(rf"\b{re.escape(w[:5])}", text) for w in words)


def _titles_agree_text(title: str, text: str) -> bool:
    generic = {"head", "vp", "vice", "president", "director", "chief", "manager", "lead",
               "senior", "officer", "of", "and", "the"}
    words = [w for w in normal(title).split() if w not in generic and len(w) > 3]
    return bool(words) and any(re.search(rf"\b{re.escape(w[:5])}", text) for w in words)
