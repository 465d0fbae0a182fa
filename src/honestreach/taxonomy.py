"""The finding categories of honestreach's taxonomy: the stable contract of every report."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "claim.meeting": "a claim of having met or seen the recipient that the CRM does not support",
    "claim.conversation": "a claim of a prior call, meeting, email exchange or promise",
    "claim.referral": "a referral the CRM does not record",
    "claim.relationship": "a customer or partner relationship the contact's stage contradicts",
    "claim.content": "a download, attendance or signup with no such activity",
    "claim.company_event": "a funding round, acquisition or other company event with no record",
    "claim.identity": "a name, company or title that contradicts the CRM record",
    "claim.thread": "a 'Re:' / 'Fwd:' subject or reply wording with no prior thread",
    "urgency": "false or manufactured deadlines and countdowns",
    "scarcity": "manufactured scarcity",
    "pressure": "guilt, shame, fear, confirmshaming, silence-as-consent, assumptive close, nagging",
    "deception": "deceptive subjects, fake social proof, unverifiable guarantees, fake authority",
    "surveillance": "disclosing tracking or digging into private life",
    "compliance.unsubscribe": "a commercial message with no working way to opt out",
    "compliance.address": "a commercial message with no physical postal address of the sender",
    "compliance.suppressed": "the recipient opted out, is do-not-contact, or lacks consent",
    "disrespect": "shouting, exclamation overload, condescension, over-familiarity, flattery",
    "merge_field": "an unfilled or broken merge field in text meant to be sent",
    "template.hardcoded_claim": "a template stating a one-to-one personal claim as fixed text",
    "campaign.frequency": "a contact receives more messages than the campaign's cap allows",
    "campaign.duplicate": "the same message is sent to the same contact more than once",
    "campaign.mass_claim": "the same personal claim goes to many recipients the CRM cannot support",
    "suppression": "a suppression directive that suppressed nothing (a note for the sender)",
}

#: The categories of tactics: the words themselves mistreat the reader, whatever the CRM holds.
TACTIC_CATEGORIES = frozenset({"urgency", "scarcity", "pressure", "deception", "surveillance",
                               "disrespect"})


def is_category(name: str) -> bool:
    """Whether ``name`` is a category of the taxonomy, spelled exactly."""
    return name in CATEGORIES
