"""Who may be written to at all: a recipient who opted out, is marked do-not-contact, or lacks
the consent their country's law requires for commercial email (rule ``suppressed-recipient``,
stage ``crm``: the verify stage reports it, for recipients the CRM knows).
"""

from __future__ import annotations

import re

from ..crm import Contact
from ..model import Location, Message

# Countries whose law requires consent (express, or implied where the law allows it) before a
# commercial email: Canada (CASL), the EU/EEA (ePrivacy Directive and national law) and the UK
# (PECR). The US (CAN-SPAM) requires an opt-out, not consent. See docs/claims.md.
CONSENT_COUNTRIES = frozenset({
    "CA", "GB", "UK",
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",  # EU
    "IS", "LI", "NO",  # the rest of the EEA
})
VALID_CONSENT = frozenset({"express", "implied"})


def suppression_reasons(contact: Contact) -> list[str]:
    """Why the contact must not be sent commercial email (none: they may be)."""
    reasons = []
    if contact.email_opt_out:
        reasons.append("has opted out of commercial email (email_opt_out)")
    if contact.do_not_contact:
        reasons.append("is marked do-not-contact")
    country = (contact.country or "").upper()
    if country in CONSENT_COUNTRIES and contact.consent is not None \
            and contact.consent not in VALID_CONSENT:
        reasons.append(f"is in {country}, where commercial email needs consent, and the CRM "
                       f"records consent '{contact.consent}'")
    return reasons


def header_location(message: Message, name: str) -> Location:
    """Where header ``name`` stands in the file (line 1 when the file has none)."""
    match = re.search(rf"^{re.escape(name)}[ \t]*:", message.source.text,
                      re.IGNORECASE | re.MULTILINE)
    if match is None:
        return Location(1, 1, 1, 1)
    line, column = message.source.position(match.start())
    return Location(line, column, line, column + len(message.source.line(line)))
