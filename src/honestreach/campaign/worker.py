"""Per-message work of an audit: parse a row, run the engine, verify, score. Runs in worker
processes (each builds its own Linter once) or in-process for ``--jobs 1``."""

from __future__ import annotations

import hashlib
import re
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from .. import mime, readability, rulecache_filters
from ..checks.commercial import commercial_test
from ..crm import CRM, load_crm
from ..finish import Outcome, finish
from ..htmltext import MalformedHtml, visible_text
from ..message import ParseError, build_message, parse_draft
from ..model import Claim, FileResult, InputNote, Message, SendRecord, SharedClaim, SourceText, \
    TextField
from ..pipeline import Linter, Overrides
from ..redact import Redactor
from ..sources import InputProblem, input_from_bytes, parse_input
from .privacy import RecordRedactor
from .sources import Row

_WORD = re.compile(r"\w+")
# Claims about who the recipient is are personal by nature, not a claim shared across sends.
_NOT_SHARED = frozenset({"claim.identity"})


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs to build its Linter (picklable)."""

    source: str
    overrides: Overrides = Overrides()
    crm_source: str | None = None
    crm_preset: str | None = None
    crm_mapping: Path | None = None
    # Keep each message's text as given in its record (the HTML report shows it).
    keep_source: bool = False
    # ``--redact``: the run's secret key for the pseudonyms of a redacted audit (privacy.py);
    # None: records are not redacted.
    redact_key: bytes | None = None


class Checker:
    """One Linter, its configuration and engine, reused for every row."""

    def __init__(self, settings: WorkerSettings, crm: CRM | None = None,
                 linter: Linter | None = None) -> None:
        """``crm``: the CRM of ``settings`` when it is loaded already (else it is loaded here).
        ``linter``: one with ``settings.overrides`` that has loaded the configuration already;
        used when it verifies against ``crm``, it spares resolving the configuration and
        fingerprinting the rule files again (0.025 s of the start-up). The compiled rules are
        the process's one copy (rulecache), whichever Linter loaded them first."""
        if crm is None and settings.crm_source:
            crm = load_crm(settings.crm_source, settings.crm_preset, settings.crm_mapping)
        self.source = settings.source
        self.linter = linter if linter is not None and linter.crm is crm else \
            Linter(settings.overrides, crm=crm)
        self.config = self.linter.config_for(settings.source)
        self.engine = self.linter.engine(self.config)
        self.policy = self.linter.policy(self.config)
        self.has_crm = crm is not None
        self.keep_source = settings.keep_source
        self.privacy = None
        if settings.redact_key is not None:
            self.privacy = RecordRedactor(Redactor(crm), settings.redact_key)

    def prepare(self) -> None:
        """Compile the rules and load what the checks and scores of every message read (the
        hyphenation patterns of the reading ease, the commercial vocabularies) now: a process
        about to fork its workers does it once, and each of them inherits it instead of
        loading its own copy on its first rows."""
        self.engine.prepare()
        readability.prepare()
        commercial_test()

    def check_rows(self, rows: Sequence[Row]) -> list[SendRecord]:
        """One record per row, in order (redacted when the settings say so)."""
        records: list[SendRecord | None] = []
        parsed: list[tuple[int, Row, Message]] = []
        for row in rows:
            if row.error is not None:
                records.append(error_record(self.source, row, row.error, row.reason))
                continue
            try:
                message = self.message_for(row)
            except ParseError as exc:
                records.append(error_record(self.source, row, exc.message))
                continue
            except Exception as exc:  # noqa: BLE001 - one message that breaks the reader
                records.append(error_record(self.source, row, f"could not be read: {exc!r}",
                                            "could not be read"))
                continue
            records.append(None)
            parsed.append((len(records) - 1, row, message))
        try:
            results = list(self.engine.check_many(m for _, _, m in parsed))
        except Exception:  # noqa: BLE001 - retry one by one so one bad row fails alone
            results = None
        for number, (position, row, message) in enumerate(parsed):
            try:
                result = results[number] if results is not None else self.engine.check(message)
                verification = self.linter.verify(message, self.config, result)
                file_result = finish(message, Outcome.of_message(message, result, verification),
                                     self.policy)
                unsupported = [v.claim for v in verification.verdicts
                               if v.outcome != "supported"]
                record = message_record(row, message, file_result, result.claims,
                                        unsupported, self.keep_source)
            except Exception as exc:  # noqa: BLE001 - a row that cannot be checked is reported
                record = error_record(self.source, row, f"could not be checked: {exc!r}",
                                      "could not be checked")
            if self.privacy is not None:
                record = self.privacy.record(record, message.source.text)
            records[position] = record
        if self.privacy is None:
            return [record for record in records if record is not None]
        return [record if record.pseudonyms is not None else self.privacy.record(record)
                for record in records if record is not None]

    def message_for(self, row: Row) -> Message:
        if row.error is not None:
            raise ParseError(row.error)
        path = f"{self.source}#{row.id}"
        if row.eml is not None:
            message = mime.parse_eml(path, row.eml)
            if not message.recipients:
                raise ParseError("no recipient (the message has no To: address)")
            return message
        if row.draft is not None:
            item = input_from_bytes(path, row.draft, len(row.draft) + 1)
            if isinstance(item, InputProblem):
                raise ParseError(item.message)
            message = parse_input(item)
            if not message.recipients:
                raise ParseError("no recipient (the draft has no To: line)")
            return message
        return message_from_fields(path, row.fields)


def _header(value: str | None) -> str:
    return " ".join((value or "").split())


def message_from_fields(path: str, fields: Mapping[str, str | None]) -> Message:
    """A send's fields laid out as a draft (headers, blank line, body): positions are per row.

    A body that is HTML (the ``html_body`` column, or a ``body`` that reads as HTML) is read
    through the converter ``.eml`` uses: its visible text is checked, and each finding points
    at the characters of the cell that produced it. A text body wins over an HTML one, as the
    text part of an email does."""
    body = fields.get("body")
    html_body = fields.get("html_body")
    is_html = False
    if (body is None or not body.strip()) and html_body is not None:
        body, is_html = html_body, True
    elif body is not None and looks_like_html(body):
        is_html = True
    if body is None:
        raise ParseError("missing body")
    if not body.strip():
        raise ParseError("empty body")
    to = _header(fields.get("to"))
    if not to:
        raise ParseError("no recipient ('to' is empty)")
    lines = []
    if fields.get("subject") is not None:
        lines.append(f"Subject: {_header(fields['subject'])}")
    lines.append(f"To: {to}")
    if fields.get("from"):
        lines.append(f"From: {_header(fields['from'])}")
    sent_at = _header(fields.get("sent_at"))
    if sent_at:
        lines.append(f"Date: {sent_at[:-1] + '+00:00' if sent_at.endswith('Z') else sent_at}")
    head = "\n".join(lines) + "\n\n"
    if is_html:
        # The header lines are read alone: the draft's body would be the HTML as written,
        # which its visible text replaces.
        message = _with_html_body(parse_draft(path, head), head, body)
    else:
        message = parse_draft(path, head + body)
    if not message.recipients:
        raise ParseError(f"no recipient ({to!r} is not an email address)")
    if sent_at and message.date is None:
        raise ParseError(f"unreadable sent_at {sent_at!r}")
    return message


# Markup that only HTML has: a document start, or a start and an end tag of common elements.
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|body|head|table|div|p)\b",
                         re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<(?:p|div|br|table|td|tr|span|a|b|i|u|strong|em|ul|ol|li|h[1-6]|font|"
                       r"img|center|blockquote)\b[^<>]*>", re.IGNORECASE)
_HTML_END = re.compile(r"</(?:p|div|table|td|tr|span|a|b|i|u|strong|em|ul|ol|li|h[1-6]|font|"
                       r"center|blockquote|body|html)\s*>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """A body written as HTML, not text that mentions a tag or uses angle brackets."""
    if _HTML_START.match(text):
        return True
    return bool(_HTML_TAG.search(text)) and bool(_HTML_END.search(text) or
                                                   re.search(r"<br\s*/?>", text, re.I))


def _with_html_body(headers: Message, head: str, html: str) -> Message:
    """The message of the header lines ``head`` (read into ``headers``) and a body written
    as HTML: its visible text, mapped back into the cell, and the link targets."""
    source = SourceText(head + html)
    try:
        visible = visible_text(html, len(head))
    except MalformedHtml as exc:
        raise ParseError(f"{exc.message} in the HTML body",
                         source.position(exc.offset)[0]) from None
    if not visible.text.strip():
        raise ParseError("empty body (the HTML shows no text)")
    notes = headers.notes
    if visible.cut_at is not None:
        notes += (InputNote(visible.cut_reason, source.position(visible.cut_at)[0]),)
    return build_message(headers.path, source, headers.subject,
                         TextField(visible.text, visible.origins), dict(headers.headers),
                         html=True, links=visible.links, sender_name=headers.sender_name,
                         notes=notes)


def normalised(text: str) -> str:
    """Lower case, its runs of word characters joined by single spaces: one pass of the
    expression over the text (a whole body, for every row)."""
    return " ".join(_WORD.findall(text.lower()))


def content_hash(message: Message) -> str:
    """The same message: subject and body, case and spacing aside."""
    subject = message.subject.text if message.subject else ""
    data = normalised(subject) + "\n" + normalised(message.body.text)
    return hashlib.blake2b(data.encode("utf-8"), digest_size=12).hexdigest()


def claim_key(claim: Claim) -> str:
    """The same personal claim: the same rule and the same specifics (else the same sentence)."""
    specifics = ";".join(f"{k}={normalised(v)}" for k, v in claim.specifics if k != "kind")
    return f"{claim.rule}|{specifics or normalised(claim.sentence)}"


def message_record(row: Row, message: Message, result: FileResult, claims: Sequence[Claim],
                   unsupported: Sequence[Claim] = (), keep_source: bool = False
                   ) -> SendRecord:
    """What the parent keeps of a checked row: its output fields plus campaign keys: each
    claim, and whether the CRM supports it (``unsupported``: the claims it does not support
    for every recipient, whatever the configuration does to their findings), and, with
    ``keep_source``, the text its findings' lines and columns point into."""
    date = message.date
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    shared = []
    for claim in claims:
        if claim.category in _NOT_SHARED:
            continue
        shared.append(SharedClaim(claim_key(claim), claim.rule, claim.category,
                                  " ".join(claim.sentence.split()), claim not in unsupported))
    subject = message.subject.text if message.subject else None
    scores = result.scores
    return SendRecord(
        row=row.index,
        id=row.id,
        path=message.path,
        recipient=result.recipient,
        sender=message.sender,
        subject=subject,
        variant=row.fields.get("variant") or subject,
        sent_at=date.isoformat() if date else None,
        checked=True,
        respect=scores.respect if scores else None,
        relevance=scores.relevance if scores else None,
        findings=result.findings,
        errors=tuple(e.message for e in result.errors),
        gate_failures=result.gate_failures,
        content_hash=content_hash(message),
        claims=tuple(shared),
        source=message.source.text if keep_source else None,
    )


_REASON = re.compile(r"[a-z][a-z_ -]*[a-z]")


def failure_reason(error: str) -> str:
    """An error in a few words, for counting failed rows by reason: its leading words ("no
    recipient ('x' is not an email address)" is "no recipient")."""
    match = _REASON.match(error)
    return match.group(0) if match else "unreadable"


def error_record(source: str, row: Row, error: str, reason: str | None = None
                 ) -> SendRecord:
    """The record of a row that could not be checked; ``reason`` (default: the error's leading
    words) is kept for the summary only."""
    fields = row.fields
    return SendRecord(
        row=row.index,
        id=row.id,
        path=f"{source}#{row.id}",
        recipient=_header(fields.get("to")) or None,
        sender=_header(fields.get("from")) or None,
        subject=fields.get("subject"),
        variant=fields.get("variant") or fields.get("subject"),
        sent_at=fields.get("sent_at"),
        checked=False,
        errors=(error,),
        reason=reason or failure_reason(error),
    )


# -- worker processes -----------------------------------------------------------------------
_CHECKER: Checker | None = None
# Why this worker could not build its Checker (every row it is given fails with it), and the
# source its rows come from.
_BROKEN: str | None = None
_SOURCE = ""


def init_worker(settings: WorkerSettings) -> None:
    """Build this process's Checker. Ctrl-C is the parent's to handle (the terminal sends it to
    every process of the group): a worker ignores it, so it prints no traceback."""
    global _CHECKER, _BROKEN, _SOURCE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SOURCE = settings.source
    try:
        _CHECKER = Checker(settings)
    except Exception as exc:  # noqa: BLE001 - a worker that cannot start fails its rows
        _BROKEN = f"the worker could not start: {exc!r}"
    rulecache_filters.save_when_worker_ends()


def adopt_checker(checker: Checker) -> None:
    """Use the Checker a forked worker inherits from its parent; Ctrl-C is the parent's."""
    global _CHECKER, _SOURCE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _CHECKER, _SOURCE = checker, checker.source
    rulecache_filters.save_when_worker_ends()


def check_chunk(rows: Sequence[Row]) -> list[SendRecord]:
    if _CHECKER is None:
        error = _BROKEN or "the worker was not started"
        return [error_record(_SOURCE, row, error, "worker could not start") for row in rows]
    return _CHECKER.check_rows(rows)
