"""``honestreach mcp``: a Model Context Protocol server over stdio, on the official ``mcp`` SDK.

Its tools let an AI writing assistant check a draft before it proposes it:

- ``check_draft``: findings and scores (the fields of a file in the JSON report), the CRM's
  verdict on each personal claim and the safe fixes;
- ``verify_claims``: what the CRM says about each personal claim of a draft;
- ``explain_rule``: what a rule reports, why, examples and what to write instead.

Outputs are structured (each tool declares its output schema). Needs the ``serve`` extra.
"""

from __future__ import annotations

import difflib
import inspect
from datetime import date
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

from ._version import __version__
from .drafts import Draft, DraftChecker, UnknownRecipient, claim_dict, report_dict, rule_detail

from mcp.server.mcpserver import MCPServer  # mcp 2 (pyproject asks for mcp>=2.0)
from mcp.server.mcpserver.exceptions import ToolError

INSTRUCTIONS = (
    "honestreach checks an outreach email before it is sent: sentences that pressure, mislead "
    "or track the reader, personal claims the CRM does not support, missing opt-out or postal "
    "address, and respect and relevance scores (0-100). Call check_draft on every draft before "
    "proposing it, rewrite what it reports (each finding has a suggestion), and never state a "
    "meeting, call, referral or other personal claim that verify_claims does not report as "
    "supported."
)


# -- the outputs: the JSON report's fields --------------------------------------------------
class Finding(BaseModel):
    rule: str = Field(description="the rule's id (explain_rule explains it)")
    category: str
    severity: Literal["error", "warning", "info"]
    message: str
    line: int = Field(description="1-based, in the draft laid out as Subject:/To: lines, a "
                                  "blank line, then the body")
    column: int
    end_line: int
    end_column: int = Field(description="exclusive")
    field: str = Field(description="subject, sender, body or headers")
    text: str = Field(description="the words that triggered it")
    suggestion: str = Field(description="what to write instead")


class Scores(BaseModel):
    respect: int = Field(ge=0, le=100)
    relevance: int = Field(ge=0, le=100)
    respect_reasons: list[str]
    relevance_reasons: list[str]


class Problem(BaseModel):
    message: str
    line: Optional[int] = None


class Claim(BaseModel):
    rule: str
    category: str
    line: int
    column: int
    end_line: int
    end_column: int
    field: str
    text: str = Field(description="the words that make the claim")
    outcome: Literal["supported", "contradicted", "unverifiable", "unchecked"]
    reason: str = Field(description="what the CRM holds, or why it cannot say")


class Edit(BaseModel):
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int
    text: str


class Fix(BaseModel):
    id: str
    rule: str
    title: str
    line: int
    column: int
    edits: list[Edit]


class DraftReport(BaseModel):
    """One draft in the JSON report (``check --format json``), with claims and fixes."""

    path: str
    recipient: Optional[str]
    subject: Optional[str]
    checked: bool
    scores: Scores
    findings: list[Finding]
    errors: list[Problem]
    notes: list[Problem]
    gate_failures: list[str] = Field(description="why the draft fails the configured gate")
    claims: list[Claim]
    fixes: list[Fix]
    text: str = Field(description="the draft as checked; lines and columns point into it")


class ClaimsReport(BaseModel):
    recipient: Optional[str]
    crm: bool = Field(description="whether a CRM is configured to verify against")
    claims: list[Claim]


class Examples(BaseModel):
    bad: list[str]
    good: list[str]


class RuleExplanation(BaseModel):
    id: str
    name: str
    category: str
    severity: Literal["error", "warning", "info"]
    kind: str
    scope: list[str]
    builtin: bool
    message: str
    rationale: str = Field(description="why it hurts")
    suggestion: str = Field(description="what to write instead")
    examples: Examples
    matches: list[str]


def create_server(checker: DraftChecker) -> Any:
    """The MCP server for one checker (rules, configuration, CRM)."""
    server = MCPServer("honestreach", instructions=INSTRUCTIONS, version=__version__) \
        if _takes_version() else MCPServer("honestreach", instructions=INSTRUCTIONS)

    def run(body: str, subject: str | None, to: str | None, recipient: str | None,
            day: str | None, show_verified: bool) -> Any:
        try:
            sending = date.fromisoformat(day) if day else None
        except ValueError:
            raise ToolError("date must be written YYYY-MM-DD") from None
        try:
            checked, _ = checker.check_draft(Draft(body, subject, to), recipient, sending,
                                             show_verified)
        except UnknownRecipient as exc:
            raise ToolError(str(exc)) from None
        return checked

    @server.tool(structured_output=True)
    def check_draft(body: str, subject: Optional[str] = None, to: Optional[str] = None,
                    recipient: Optional[str] = None, date: Optional[str] = None) -> DraftReport:
        """Check an email draft before proposing it: findings (manipulative patterns,
        unsupported personal claims, compliance gaps, merge fields), each with what to write
        instead; respect and relevance scores with their reasons; the CRM's verdict on each
        personal claim; and safe fixes. `recipient` is the CRM contact's e-mail address to
        verify against; `date` the sending date (YYYY-MM-DD)."""
        checked = run(body, subject, to, recipient, date, False)
        report = report_dict(checked, checker.linter)
        return DraftReport(**report["files"][0], claims=report["claims"],
                           fixes=report["fixes"], text=checked.text)

    @server.tool(structured_output=True)
    def verify_claims(body: str, recipient: Optional[str] = None,
                      subject: Optional[str] = None, date: Optional[str] = None) -> ClaimsReport:
        """What the CRM says about each personal claim of a draft (a meeting, a call, a
        referral, a download, a thread, the recipient's name, company or title): supported,
        contradicted (the CRM holds something else), unverifiable (not in the CRM) or
        unchecked (no CRM configured), with the reason."""
        checked = run(body, subject, None, recipient, date, True)
        return ClaimsReport(recipient=checked.result.recipient, crm=checker.crm is not None,
                            claims=[Claim.model_validate(claim_dict(c))
                                    for c in checked.claims])

    @server.tool(structured_output=True)
    def explain_rule(rule_id: str) -> RuleExplanation:
        """Explain a rule by its id (as in a finding's `rule`): what it reports, why it hurts
        the reader, examples, and what to write instead."""
        linter = checker.linter
        rules = {rule.id: rule for rule in linter.ruleset(linter.config_for("draft.txt")).rules}
        rule = rules.get(rule_id)
        if rule is None:
            close = difflib.get_close_matches(rule_id, sorted(rules), n=3)
            raise ToolError(f"no rule {rule_id!r}" +
                             (f"; did you mean {', '.join(close)}?" if close else ""))
        return RuleExplanation(**rule_detail(rule))

    return server


def _takes_version() -> bool:
    return "version" in inspect.signature(MCPServer.__init__).parameters


def run_mcp(checker: DraftChecker) -> None:
    """Serve the Model Context Protocol on standard input and output."""
    create_server(checker).run("stdio")
