"""``claim.relationship``: "as a valued customer", "your renewal", "already using X".

Specifics: ``stage``, the lifecycle stage claimed (``customer``, ``partner`` or
``former_customer``); ``product``, the product or company named ("Tallwater" in "as a current
Tallwater customer", "Ledgerline" in "already using Ledgerline"). Supported by the contact's
``lifecycle_stage`` (customer, or a ``purchase``; former customer; partner).
"""

from __future__ import annotations

from ..crm import CRM
from ..model import Claim, Message, TimeWindow
from .kind import ClaimKind, Outcome, Recipient
from .reading import IGNORECASE, PERSON, Found, LazyPattern, clean_name

ACTIVITY_TYPES = ("purchase",)

# The stage a claim's words name, in the order they win (else a customer).
_STAGE_WORDS = [(stage, LazyPattern(pattern, IGNORECASE)) for stage, pattern in (
    ("former_customer", (r"\b(?:former|ex-|(?:past|previous)[ \t]+(?:[\w-]+[ \t]+)?(?:customer|"
                         r"client|member|user|subscriber|patron|donor)|lapsed|used[ \t]+to|ended|"
                         r"expired|cancel+ed|cancel+ing|churn\w*|left|welcome[ \t]+back|"
                         r"you[ \t]+back|missed|no[ \t]+longer|ran[ \t]+out|"
                         r"came[ \t]+to[ \t]+an[ \t]+end|renew(?:ed|al)?[ \t]+(?:fell|didn))")),
    ("partner", (r"\b(?:partner\w*|reseller\w*|affiliate\w*|alliance|stockists?|distributors?|"
                r"dealers?|franchisees?|suppliers?)\b")),
)]
_PRODUCT_BEFORE = LazyPattern(
    rf"(?P<name>{PERSON})[ \t]+(?i:customers?|clients?|users?|partners?|members?|subscribers?|"
    rf"contract|subscription|account|licen[cs]e|plan|renewal|agreement)\b")
_PRODUCT_AFTER = LazyPattern(
    rf"(?i:\b(?:using|use|uses|on|with|running|runs|rely[ \t]+on|relies[ \t]+on|of))[ \t]+"
    rf"(?P<name>{PERSON})")


def read(sentence: str, start: int, end: int) -> Found:
    """The lifecycle stage claimed and the product or company named."""
    matched = sentence[start:end]
    stage = "customer"
    for name, pattern in _STAGE_WORDS:
        if pattern.search(matched):
            stage = name
            break
    found: Found = [("stage", stage)]
    product = None
    for candidate in _PRODUCT_BEFORE.finditer(matched):
        product = clean_name(candidate.group("name"))
        if product:
            product = product.split()[-1] if "'" in product or "’" in product else product
            break
    if not product:
        following = _PRODUCT_AFTER.match(sentence, max(start, end - 12)) or \
            _PRODUCT_AFTER.search(sentence[:end + 40], start)
        if following:
            product = clean_name(following.group("name"))
    if product:
        found.append(("product", product))
    return found


def check(message: Message, claim: Claim, recipient: Recipient, crm: CRM,
          time: TimeWindow | None) -> Outcome:
    """The contact's lifecycle stage (a purchase makes a customer of a lead)."""
    contact = recipient.contact
    assert contact is not None  # the kind needs a known contact
    email = recipient.email or ""
    stage = claim.specific("stage") or "customer"
    actual = contact.lifecycle_stage or "unknown"
    purchases = crm.activities_for(email, ACTIVITY_TYPES)
    if stage == "customer" and (actual == "customer"
                                or (purchases and actual != "former_customer")):
        return Outcome(True, f"lifecycle_stage {actual}")
    if stage == "former_customer" and actual in ("former_customer", "customer"):
        return Outcome(True, f"lifecycle_stage {actual}")
    if stage == "partner" and (actual == "other" or "partner" in str(contact.extra).lower()):
        return Outcome(True, f"lifecycle_stage {actual}")
    record = f"a purchase '{purchases[-1].subject}' on {purchases[-1].date}" if purchases else ""
    return Outcome(False, f"{email} has lifecycle_stage {actual}, not {stage}", record)


KIND = ClaimKind("claim.relationship", "a customer relationship", read, check, ACTIVITY_TYPES,
                 fixed_keys=("stage",))
