"""Verify personal claims against the CRM: supported claims say nothing, the rest are findings.

- *Supported*: an activity of a fitting type exists for the recipient (or their account, for
  company events) whose subject or detail matches the claim's specifics (fuzzy, case- and
  year-tolerant) and whose date falls in the claim's time window (see timeexpr.py for the
  tolerances). Nothing is reported, or an ``info`` line with ``show_verified``.
- *Contradicted*: the CRM knows the recipient but holds no such record: one step above the
  claim rule's severity (an ``error`` for a ``warning`` rule), saying what was claimed, what the
  CRM holds and the closest record. The identity rules (stage ``crm``) only report
  contradictions, at their own severity.
- *Unverifiable*: the recipient is not in the CRM (or there is none to look up): the claim
  rule's own severity.
- *Unchecked*: no CRM was given: ``info``. The claim was detected; nothing could judge it.

Every finding is made from its rule (id, category, message, suggestion; stages.py), so the
configuration's select, ignore and severity apply to it like to any other.

Each claim goes to its kind's ``check`` (``claims.CLAIM_KINDS``). The recipients' suppression
status is reported here with its reasons from ``checks/suppression.py``, and the relevance
signals of ``relevance.py`` are added for the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from .checks.suppression import header_location, suppression_reasons
from .claims import CLAIM_WORDS, KINDS, ClaimKind, Recipient
from .crm import CRM, Contact
from .model import Claim, Finding, Message
from .relevance import relevance_signals
from .rules import Rule
from .score import Signal
from .stages import rule_finding
from .timeexpr import find_time

# A claim the CRM contradicts is one step more severe than one it cannot settle.
CONTRADICTED_SEVERITY = {"info": "warning", "warning": "error", "error": "error"}
UNCHECKED = "unverified: pass --crm to check it"


@dataclass(frozen=True)
class Verdict:
    """What the CRM says of one claim, for one recipient."""

    claim: Claim
    outcome: Literal["supported", "contradicted", "unverifiable", "unchecked"]
    reason: str


@dataclass
class Verification:
    """The verify stage's output for one message: its findings (before the configuration
    applies) and the verdict on every claim, reported or not."""

    findings: list[Finding] = field(default_factory=list)
    # Claims the CRM supports, reported only with show_verified: shown, never scored.
    verified: list[Finding] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    recipient: Recipient | None = None
    verdicts: list[Verdict] = field(default_factory=list)


def recipients_of(message: Message, crm: CRM | None, to: str | None = None) -> list[Recipient]:
    """The message's recipients (``to`` replaces the headers), looked up in the CRM."""
    addresses = [to.lower()] if to else list(message.recipients)
    if not addresses:
        return [Recipient(None)]
    if crm is None:
        # Nothing to look up, so every recipient would get the same verdicts: one stands for all.
        return [Recipient(addresses[0])]
    return [Recipient(a, crm.contact(a), crm.account_for(a)) for a in addresses]


def verify_message(
    message: Message,
    claims: Sequence[Claim],
    crm: CRM | None = None,
    today: date | None = None,
    to: str | None = None,
    show_verified: bool = False,
    *,
    rules: Mapping[str, Rule],
) -> Verification:
    """Findings for claims the CRM does not support, suppression findings and CRM signals.

    ``rules`` (by id) are the rules in force: every finding is made from the rule it reports
    (a claim whose rule is not among them is not reported)."""
    today = today or (message.date.date() if message.date else date.today())
    result = Verification()
    recipients = recipients_of(message, crm, to)
    result.recipient = recipients[0]
    several = len(recipients) > 1
    for recipient in recipients:
        suffix = f" (recipient {recipient.email})" if several else ""
        for claim in [*claims, *_crm_claims(message, claims, recipient, crm)]:
            verdict = _verify_claim(message, claim, recipient, crm, today)
            if verdict is None:
                continue
            result.verdicts.append(verdict)
            finding = _claim_finding(message, verdict, rules.get(claim.rule), show_verified)
            if finding is not None:
                found = result.verified if verdict.outcome == "supported" else result.findings
                found.append(replace(finding, message=finding.message + suffix))
        suppression = rules.get("suppressed-recipient")
        if crm is not None and recipient.contact is not None and suppression is not None:
            result.findings.extend(_suppression(message, recipient.contact, suppression))
    if crm is not None:
        contradicted = sum(v.outcome == "contradicted" for v in result.verdicts)
        result.signals.extend(relevance_signals(message, recipients[0].contact,
                                                recipients[0].account, contradicted))
    return result


def _verify_claim(message: Message, claim: Claim, recipient: Recipient, crm: CRM | None,
                  today: date) -> Verdict | None:
    """The CRM's verdict on a claim, from its kind's check; None for a claim of a rule that
    is reported only when the CRM contradicts it (the greeting's name) and nothing can check."""
    kind = KINDS[claim.category]  # every claim category of the taxonomy has its kind
    settled = kind.settled(message, claim) if kind.settled is not None else None
    if settled is not None:
        return Verdict(claim, "supported", settled)
    time = find_time(claim.sentence, today) if kind.timed else None
    only_if_contradicted = claim.rule in kind.crm_only_rules
    if crm is None:
        return None if only_if_contradicted else Verdict(claim, "unchecked", UNCHECKED)
    if recipient.email is None:
        return None if only_if_contradicted else Verdict(
            claim, "unverifiable", "the message has no recipient to look up (use --to)")
    if recipient.contact is None and kind.needs_contact:
        return None if only_if_contradicted else Verdict(
            claim, "unverifiable", f"{recipient.email} is not in the CRM, so it cannot be "
                                   "verified")
    outcome = kind.check(message, claim, recipient, crm, time)
    if outcome is None:
        return Verdict(claim, "unverifiable", f"the CRM has no account for {recipient.email}, "
                                              "so it cannot be verified")
    if outcome.supported:
        return Verdict(claim, "supported", f"supported by the CRM: {outcome.reason}")
    reason = outcome.reason + (f"; closest: {outcome.record}" if outcome.record else "")
    return Verdict(claim, "contradicted", reason)


def _claim_finding(message: Message, verdict: Verdict, rule: Rule | None,
                   show_verified: bool) -> Finding | None:
    """The claim's rule, reported with the verdict: the rule's message, then the reason."""
    if rule is None or (verdict.outcome == "supported" and not show_verified):
        return None
    claim = verdict.claim
    if verdict.outcome in ("supported", "unchecked"):
        severity = "info"
    elif verdict.outcome == "unverifiable" or rule.stage == "crm":
        severity = rule.severity
    else:
        severity = CONTRADICTED_SEVERITY[rule.severity]
    values = {**dict(claim.specifics), "text": " ".join(claim.text.split())}
    finding = rule_finding(rule, message.location(claim.field, claim.start, claim.end),
                           claim.text, claim.field, values, severity)
    return replace(finding, message=f"{finding.message.rstrip('.')}; {verdict.reason}.")


def _crm_claims(message: Message, claims: Sequence[Claim], recipient: Recipient,
                crm: CRM | None) -> list[Claim]:
    """Claims the kinds find themselves for a recipient the CRM knows (the greeting's name),
    less those the rules found already."""
    if crm is None or recipient.contact is None:
        return []
    return [claim for kind in KINDS.values() if kind.crm_claims is not None
            for claim in _not_said_twice(kind, kind.crm_claims(message, recipient, crm), claims)]


def _not_said_twice(kind: ClaimKind, crm_claims: list[Claim],
                    claims: Sequence[Claim]) -> list[Claim]:
    """The CRM stage's claims of a kind, less those inside a claim of that kind the rules
    found ("As VP Marketing at Kaltwerk, you": one claim, not two)."""
    found = [c for c in claims if c.category == kind.category]
    return [c for c in crm_claims
            if not any(f.field == c.field and f.start <= c.start and c.end <= f.end
                       for f in found)]


def _suppression(message: Message, contact: Contact, rule: Rule) -> list[Finding]:
    reasons = suppression_reasons(contact)
    if not reasons:
        return []
    # field "headers": the To: line
    return [rule_finding(rule, header_location(message, "to"), contact.email, "headers",
                         {"recipient": contact.email, "reasons": " and ".join(reasons)})]


__all__ = ["CLAIM_WORDS", "Recipient", "Verdict", "Verification",
           "recipients_of", "verify_message"]
