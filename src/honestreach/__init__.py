"""honestreach: an ethics linter for email outreach."""

__version__ = "0.1.0"
