"""Personal claims, one module per kind: what a claim names, and how the CRM settles it.

Claim rules (category ``claim.*``, under ``rules/claims/``) find the claim itself with word
patterns. The claim kind's module reads its specifics from the sentence around the match
(``read``), names the CRM activity types that can support it (``ACTIVITY_TYPES``) and says
how it is verified (``check``); its ``KIND`` (a :class:`ClaimKind`) holds the three, and
``CLAIM_KINDS`` lists every kind. The engine calls :func:`claim_specifics`; the verify stage
dispatches each claim to its kind's ``check``. The time a claim states ("last week", "in
March") is not a specific: the verify stage reads it with ``timeexpr.find_time``.

Each module's docstring lists the specifics (``Claim.specifics`` keys, each at most once, and
absent when the sentence does not say it) and what supports the claim. Shared parts:
``reading.py`` (names, events, topics), ``records.py`` (matching names with CRM records),
``consent.py`` (consent statements: why the reader gets the mail),
``people.py`` (first names, job titles), ``kind.py`` (:class:`ClaimKind`).

Adding a claim kind:

1. a module here, ``claims/<kind>.py``, with ``read(sentence, start, end)``, ``check(message,
   claim, recipient, crm, time)``, ``ACTIVITY_TYPES`` and ``KIND = ClaimKind(...)``;
2. its category in ``taxonomy.py`` and its rule file under ``rules/claims/`` (YAML, with
   examples the test suite runs);
3. its ``KIND`` in ``CLAIM_KINDS`` below.

Nothing else names the kinds one by one: the verify stage, the scores (a ``claim.*`` category
costs ``score.CLAIM_COST``) and the template linter (``CLAIM_WORDS``) take them from here.
``tests/test_claim_kinds.py`` checks that every ``claim.*`` category has one kind and every
kind module is in the tuple. Describe the new kind in docs/claims.md's table for users.
"""

from __future__ import annotations

from . import (
    company_event,
    content,
    conversation,
    identity,
    meeting,
    referral,
    relationship,
    thread,
)
from .kind import ClaimKind, Outcome, Recipient
from .reading import Specifics, shouted, title_case

CLAIM_KINDS: tuple[ClaimKind, ...] = (
    meeting.KIND,
    conversation.KIND,
    referral.KIND,
    relationship.KIND,
    content.KIND,
    company_event.KIND,
    thread.KIND,
    identity.KIND,
)
KINDS: dict[str, ClaimKind] = {kind.category: kind for kind in CLAIM_KINDS}
# What each kind of claim says, for messages that name the claim's kind (templates/).
CLAIM_WORDS: dict[str, str] = {kind.category: kind.says for kind in CLAIM_KINDS}


def claim_specifics(category: str, sentence: str, start: int, end: int) -> Specifics:
    """Specifics named by a claim whose match is ``sentence[start:end]`` (see the kind's
    module for its keys)."""
    kind = KINDS.get(category)
    if kind is None:
        return ()
    found = kind.read(sentence, start, end)
    if shouted(sentence):
        # Names in a shouted sentence: "DREAMFORCE 2026" is given as "Dreamforce 2026".
        found = [(key, value if key in kind.fixed_keys else title_case(value))
                 for key, value in found]
    return tuple((key, value) for key, value in found if value)


__all__ = ["CLAIM_KINDS", "CLAIM_WORDS", "KINDS", "ClaimKind", "Outcome", "Recipient",
           "claim_specifics"]
