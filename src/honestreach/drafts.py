"""One draft handed over in memory, checked: what the page, the API, the editor server and the
MCP server share.

:class:`DraftChecker` runs the library's own stages on text that is not a file on disk: the
pipeline's :class:`~honestreach.pipeline.Linter` (configuration, rules, engine, finish), the
CRM's verification (whose verdicts it keeps, for ``verify_claims``), ``--redact``, and the safe
fixes of :mod:`honestreach.fixes`. A draft given as fields (subject, recipient, body) is laid out
as a draft file first, so every finding's line and column point into that text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import Config, ConfigError
from .filekinds import DEFAULT_MAX_BYTES
from .finish import Outcome, finish
from .fixes import Fix, FixSettings, fix_dict, safe_fixes
from .message import DRAFT_HEADER, ParseError
from .model import FileResult, Finding, InputError, SourceText
from .pipeline import Linter, exit_code
from .redact import Redactor
from .report.base import RunSummary
from .report.json import file_dict, finding_dict, summary_dict
from .rules import Rule, describe_patterns
from .sources import InputProblem, input_from_bytes, parse_input
from .templates import check_template
from .verify import Verdict, verify_message

if TYPE_CHECKING:
    from .crm import CRM, Contact

# Where a draft given as fields is named: its suffix makes it a plain-text draft.
DRAFT_PATH = "draft.txt"


@dataclass(frozen=True)
class Draft:
    """A draft as a rep writes it: a body, and optionally a subject and the To:/From: lines."""

    body: str
    subject: str | None = None
    to: str | None = None
    sender: str | None = None


@dataclass(frozen=True)
class Layout:
    """Where a draft's fields stand in the text it was laid out as: the subject starts at
    line 1, ``subject_column``; the body at ``body_line``, column 1."""

    subject_column: int | None
    body_line: int


def draft_text(draft: Draft) -> tuple[str, Layout]:
    """A draft laid out as a draft file: header lines, a blank line, the body."""
    headers = []
    subject_column = None
    if draft.subject is not None:
        headers.append("Subject: " + _one_line(draft.subject))
        subject_column = len("Subject: ") + 1
    if draft.to:
        headers.append("To: " + _one_line(draft.to))
    if draft.sender:
        headers.append("From: " + _one_line(draft.sender))
    body = draft.body.replace("\r\n", "\n")
    if headers:
        return "\n".join(headers) + "\n\n" + body, Layout(subject_column, len(headers) + 2)
    if DRAFT_HEADER.match(body.split("\n", 1)[0]):
        return "\n" + body, Layout(None, 2)  # a first line like "Note: ..." is not a header
    return body, Layout(None, 1)


def _one_line(value: str) -> str:
    return " ".join(value.split())


@dataclass(frozen=True)
class ClaimVerdict:
    """What the CRM says of one personal claim, located like a finding."""

    finding: Finding  # the claim's rule, text and location; the verdict's reason as message
    outcome: str  # supported, contradicted, unverifiable, unchecked


@dataclass(frozen=True)
class Checked:
    """A checked draft: the result as every report shows it (redacted with ``redact``), the
    CRM's verdicts on its claims, and the safe fixes for its findings."""

    result: FileResult
    claims: tuple[ClaimVerdict, ...] = ()
    fixes: tuple[Fix, ...] = ()
    # The text that was checked, as given (not redacted): fixes apply to it.
    text: str = ""

    @property
    def checked(self) -> bool:
        return self.result.scores is not None


class UnknownRecipient(ValueError):
    """A recipient to check against that the CRM does not hold."""


class DraftChecker:
    """Checks drafts with one linter (its rules, configuration and CRM). One draft at a time:
    the engine is not shared between threads, so checks take a lock."""

    def __init__(self, linter: Linter, redact: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.linter = linter
        self.redact = redact
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._redactor: Any = None
        if redact:
            self._redactor = Redactor(linter.crm)

    @property
    def crm(self) -> CRM | None:
        return self.linter.crm

    def contact(self, address: str) -> Contact | None:
        return self.crm.contact(address) if self.crm is not None else None

    def check_draft(self, draft: Draft, recipient: str | None = None, day: date | None = None,
                    show_verified: bool = False) -> tuple[Checked, Layout]:
        """Check a draft given as fields."""
        text, layout = draft_text(draft)
        return self.check(DRAFT_PATH, text.encode("utf-8"), recipient, day,
                          show_verified), layout

    def check(self, path: str, data: bytes, recipient: str | None = None,
              day: date | None = None, show_verified: bool = False) -> Checked:
        """Check one input read as the file ``path`` would be (``.eml``, ``.txt``, ``.md``,
        ``.html``, a template; another suffix is sniffed). ``recipient`` replaces the To: line
        and must be in the CRM when there is one (else :class:`UnknownRecipient`); ``day`` is
        the sending date (default: the Date: header, else today)."""
        if recipient is not None and self.crm is not None and self.contact(recipient) is None:
            raise UnknownRecipient(f"unknown recipient: {recipient} is not in the CRM")
        item = input_from_bytes(path, data, self.max_bytes)
        if isinstance(item, InputProblem):
            return Checked(FileResult(path, errors=(InputError(item.message),)))
        with self._lock:
            return self._check(item, recipient, day, show_verified)

    def _check(self, item: Any, recipient: str | None, day: date | None,
               show_verified: bool) -> Checked:
        text = ""
        verdicts: list[Verdict] = []
        claims: list[Finding] = []
        try:
            config = self.linter.config_for(item.path)
        except ConfigError as exc:
            return Checked(FileResult(item.path, errors=(
                InputError(f"not checked: invalid configuration ({exc.error})"),)))
        if item.kind == "template":
            result = check_template(self.linter, item, config)
        else:
            try:
                message = parse_input(item)
            except ParseError as exc:
                return Checked(FileResult(item.path, errors=(InputError(exc.message,
                                                                        exc.line),)))
            engine_result = next(iter(self.linter.engine(config).check_many([message])))
            today = day or (message.date.date() if message.date else None)
            rules = {rule.id: rule for rule in self.linter.ruleset(config).rules}
            verification = verify_message(message, engine_result.claims, self.crm, today,
                                          recipient, show_verified, rules=rules)
            result = finish(message, Outcome.of_message(message, engine_result, verification),
                            self.linter.policy(config))
            verdicts = list(verification.verdicts)
            text = message.source.text
            claims = [_claim_finding(message, v) for v in verdicts]
        if result.source is not None:
            text = result.source.text
        address = recipient or result.recipient
        contact = self.contact(address) if address else None
        fixes = safe_fixes(SourceText(text), result.findings,
                           _fix_settings(config, contact, item.kind))
        claim_verdicts = tuple(ClaimVerdict(f, v.outcome) for f, v in zip(claims, verdicts))
        if self._redactor is not None:
            result = self._redactor.result(result)
            if claim_verdicts:
                shown = self._redactor.result(replace(
                    result, findings=tuple(c.finding for c in claim_verdicts),
                    source=SourceText(text)))
                claim_verdicts = tuple(ClaimVerdict(f, c.outcome)
                                       for f, c in zip(shown.findings, claim_verdicts))
        return Checked(result, claim_verdicts, tuple(fixes), text)


def _claim_finding(message: Any, verdict: Verdict) -> Finding:
    claim = verdict.claim
    return Finding(rule=claim.rule, category=claim.category, severity="info",
                   message=verdict.reason,
                   location=message.location(claim.field, claim.start, claim.end),
                   text=" ".join(claim.text.split()), field=claim.field)


def _fix_settings(config: Config, contact: Contact | None, kind: str) -> FixSettings:
    return FixSettings(opt_out_line=config.opt_out_line, postal_address=config.postal_address,
                       contact=contact, template=kind == "template",
                       body_edits=kind in ("draft", "template"))


def claim_dict(claim: ClaimVerdict) -> dict[str, Any]:
    """One claim and the CRM's verdict, with the fields of a JSON report's finding."""
    entry = finding_dict(claim.finding)
    entry["outcome"] = claim.outcome
    entry["reason"] = entry.pop("message")
    del entry["severity"], entry["suggestion"]
    return entry


def report_dict(checked: Checked, linter: Linter) -> dict[str, Any]:
    """The JSON report of ``check --format json`` for this one input, plus the claims'
    verdicts and the safe fixes."""
    summary = RunSummary()
    summary.add(checked.result)
    code = exit_code(bool(checked.result.errors) or bool(linter.errors),
                     bool(checked.result.gate_failures))
    source = SourceText(checked.text)
    return {
        "version": __version__,
        "files": [file_dict(checked.result)],
        "summary": summary_dict(summary, code),
        "errors": [{"path": e.path, "line": e.line, "field": e.field, "message": e.message}
                   for e in linter.errors],
        "claims": [claim_dict(c) for c in checked.claims],
        "fixes": [fix_dict(fix, source) for fix in checked.fixes],
    }


def rule_summary(rule: Rule) -> dict[str, Any]:
    """A rule in a list: what ``rules --format json`` shows."""
    return {"id": rule.id, "name": rule.name, "category": rule.category,
            "severity": rule.severity, "kind": rule.kind, "scope": list(rule.scope),
            "builtin": rule.builtin}


def _example(example: Any) -> str:
    subject, body = example.subject, example.body
    text = (f"Subject: {subject}" if subject else "") + \
        (("  " if subject and body else "") + (body or ""))
    return " ".join(text.split())


def rule_detail(rule: Rule) -> dict[str, Any]:
    """A rule explained: what ``explain`` shows, as JSON."""
    return {**rule_summary(rule), "message": rule.message, "rationale": rule.rationale.strip(),
            "suggestion": rule.suggestion.strip(),
            "examples": {"bad": [_example(e) for e in rule.bad_examples],
                         "good": [_example(e) for e in rule.good_examples]},
            "matches": describe_patterns(rule)}

