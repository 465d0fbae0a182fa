"""What one claim kind is made of: how its specifics are read and how the CRM settles it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..crm import CRM, Account, Contact
from ..model import Claim, Message, TimeWindow
from .reading import Found


@dataclass(frozen=True)
class Recipient:
    """Who a message is for, as the CRM knows them."""

    email: str | None
    contact: Contact | None = None
    account: Account | None = None


@dataclass(frozen=True)
class Outcome:
    """What the CRM's records say of one claim: supported or not, why, and the closest
    record when not."""

    supported: bool
    reason: str
    record: str = ""


# (sentence, start, end) -> specifics, where sentence[start:end] is the rule's match.
Reader = Callable[[str, int, int], Found]
# (message, claim, recipient, CRM, the claim's time window) -> the outcome; None when the CRM
# has nothing to look the claim up in (a company event and no account).
Checker = Callable[[Message, Claim, Recipient, CRM, "TimeWindow | None"], "Outcome | None"]


@dataclass(frozen=True)
class ClaimKind:
    """One kind of personal claim (a ``claim.*`` category): what it extracts, the CRM
    activity types that support it and how it is verified."""

    category: str
    # What a claim of this kind says, for messages that name it ("a meeting").
    says: str
    read: Reader
    check: Checker
    # The CRM activity types whose records can support the claim (none: the contact record).
    activity_types: tuple[str, ...]
    # Specifics that are words of a fixed vocabulary, not names: never title-cased.
    fixed_keys: tuple[str, ...] = ()
    # Verified against the contact's records: an unknown recipient leaves it unverifiable.
    needs_contact: bool = True
    # Whether the sentence's time expression ("last week") bounds the supporting records.
    timed: bool = True
    # A verdict the message itself gives, with or without a CRM (the reason it is supported).
    settled: Callable[[Message, Claim], str | None] | None = None
    # Claims of this kind found by the CRM stage itself, for one known recipient.
    crm_claims: Callable[[Message, Recipient, CRM], list[Claim]] | None = None
    # Rules of this kind reported only when the CRM contradicts them.
    crm_only_rules: frozenset[str] = frozenset()
