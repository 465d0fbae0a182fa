"""honestreach: an ethics linter for email outreach.

``honestreach.audit(...)`` audits a campaign from Python (docs/audit.md). It is imported on
first use: every command-line run imports this package and must not pay for the audit's
imports (the rule engine, dask).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .campaign.api import audit

__all__ = ["__version__", "audit"]


def __getattr__(name: str) -> Any:
    if name == "audit":
        from .campaign.api import audit

        return audit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
