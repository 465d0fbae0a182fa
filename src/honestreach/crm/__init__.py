"""CRM records for checking claims: read a CRM export into an indexed, immutable model."""

from .model import CRM, Account, Activity, Contact, CRMError
from .presets import load_mapping, preset_names
from .readers import load_crm

__all__ = [
    "CRM", "Account", "Activity", "Contact", "CRMError", "load_crm", "load_mapping",
    "preset_names",
]
