"""The rules each Python stage reports (see stages.py): a stage rule whose id is not among its
stage's would never fire, so the rule loader refuses it.

Kept apart from stages.py, which builds findings from loaded rules: the loader (rules.py) reads
this list, and must not import the stages that import it.
"""

from __future__ import annotations

STAGE_RULES: dict[str, frozenset[str]] = {
    "crm": frozenset({"suppressed-recipient", "identity-greeting-name", "identity-company"}),
    "template": frozenset({
        "template-hardcoded-claim", "template-include-error", "template-render-error",
        "template-render-limit", "template-sandbox-violation", "template-syntax-error",
        "template-undefined-filter", "template-unguarded-variable", "template-unknown-variable",
    }),
    "campaign": frozenset({"campaign-duplicate", "campaign-frequency", "campaign-mass-claim"}),
    "suppression": frozenset({"unused-suppression"}),  # suppress.py
}
