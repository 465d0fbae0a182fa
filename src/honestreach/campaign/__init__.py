"""Campaign audits: a whole campaign's sends checked as a stream, then campaign-level rules."""

from .aggregate import CampaignRules, Cap, parse_cap
from .audit import AuditResult, audit, iter_records
from .sources import CampaignSourceError, Row, iter_rows, parse_columns
from .worker import WorkerSettings

__all__ = [
           "AuditResult",
           "CampaignRules",
           "CampaignSourceError",
           "Cap",
           "Row",
           "WorkerSettings",
           "audit",
           "iter_records",
           "iter_rows",
           "parse_cap",
           "parse_columns",
]
