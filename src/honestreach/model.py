"""The values that flow through honestreach's pipeline: plain, immutable dataclasses.

This module imports nothing from the rest of the package, so every stage can depend on it.
"""

from __future__ import annotations

import bisect
import operator
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, overload

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
_SEVERITY_NAMED: dict[str, Severity] = {name: name for name in SEVERITIES}


def as_severity(name: str) -> Severity:
    """``name`` as a severity. Rule files and configurations are validated against SEVERITIES
    when they are read, so any other name is a bug: a KeyError."""
    return _SEVERITY_NAMED[name]


FieldName = Literal["subject", "sender", "body"]
# The canonical fields of one send in a campaign export; ``variant`` (the A/B template or
# variant name) is optional.
SEND_FIELDS = ("id", "to", "from", "subject", "body", "sent_at", "variant")


@dataclass(frozen=True)
class Location:
    """A 1-based span in the file as given; the end column is exclusive of the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


class SourceText:
    """The text of a file as given, with fast offset -> (line, column) lookups."""

    __slots__ = ("text", "_line_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._line_starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based (line, column): ``position`` inverted."""
        start = self._line_starts[max(1, min(line, len(self._line_starts))) - 1]
        return start + column - 1

    def line(self, number: int) -> str:
        """The text of a 1-based line, without its line ending."""
        if number < 1 or number > len(self._line_starts):
            return ""
        start = self._line_starts[number - 1]
        end = self._line_starts[number] if number < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)


class Origins(Sequence[int]):
    """Where each character of a text came from: its offset in the file, kept compactly.

    Text that stands in the file as it is keeps a ``range`` (a few bytes, however long); any
    other text (decoded, or HTML's visible text) one ``array('q')``, 8 bytes a character, where a
    tuple of Python ints took about 40. It reads like that tuple: indexes, slices (of the same
    kind), iteration and equality with any sequence of ints.
    """

    __slots__ = ("_values",)

    def __init__(self, values: range | array[int]) -> None:
        """Use :meth:`of`."""
        self._values = values

    @classmethod
    def of(cls, offsets: Iterable[int]) -> Origins:
        """``offsets`` (a range, a sequence, any iterable of ints) stored compactly."""
        if isinstance(offsets, Origins):
            return offsets
        if isinstance(offsets, range) or isinstance(offsets, array) and offsets.typecode == "q":
            return cls(offsets)
        return cls(array("q", offsets))

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Origins: ...

    def __getitem__(self, index: int | slice) -> int | Origins:
        if isinstance(index, slice):
            return Origins(self._values[index])
        return self._values[index]

    def __iter__(self) -> Iterator[int]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Origins):
            other = other._values
        if not isinstance(other, (tuple, list, range, array)):
            return NotImplemented
        return len(self._values) == len(other) and all(map(operator.eq, self._values, other))

    def __hash__(self) -> int:
        values = self._values
        return hash((len(values), values[0], values[-1])) if values else 0

    def __repr__(self) -> str:
        return f"Origins({self._values!r})"


@dataclass(frozen=True)
class TextField:
    """Text that is checked (a subject or a body) and where each of its characters came from.

    ``origins[i]`` is the offset in the file's text of the character that produced ``text[i]``
    (for decoded or HTML content: the start of the encoded sequence, entity or tag). Any
    sequence of ints may be given; it is kept as :class:`Origins`.
    """

    text: str
    origins: Sequence[int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "origins", Origins.of(self.origins))
        if len(self.origins) != len(self.text):
            raise ValueError("origins must have one entry per character of text")

    @classmethod
    def verbatim(cls, text: str, start: int) -> TextField:
        """Text that stands in the file unchanged, beginning at offset ``start``."""
        return cls(text, range(start, start + len(text)))

    def file_span(self, start: int, end: int) -> tuple[int, int]:
        """File offsets (start, end-exclusive) for the text span [start, end)."""
        if not self.text:
            first = self.origins[0] if len(self.origins) else 0
            return first, first
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.origins[start], self.origins[end - 1] + 1


@dataclass(frozen=True)
class Message:
    """One message, parsed: what the sender wrote and how it maps back to the file."""

    path: str
    source: SourceText
    subject: TextField | None
    body: TextField
    headers: dict[str, str] = field(default_factory=dict)
    recipients: tuple[str, ...] = ()
    sender: str | None = None
    date: datetime | None = None
    # Ranges of body text that quote earlier messages: never the sender's words.
    quoted: tuple[tuple[int, int], ...] = ()
    # Body text offset where the sign-off/signature begins (None when none was found).
    signature_start: int | None = None
    # Whether the body came from an HTML part (links may hide in markup).
    html: bool = False
    # Link targets seen in HTML markup (an opt-out link may be only there).
    links: tuple[str, ...] = ()
    # The display name of the From: header ("Ana at Tallwater"), checked like the subject:
    # "Final notice" or "Expiring tonight" there is a tactic too.
    sender_name: TextField | None = None
    # What the parser repaired to read the file (an unknown charset, a missing boundary).
    notes: tuple[InputNote, ...] = ()

    def field_text(self, name: FieldName) -> TextField | None:
        if name == "subject":
            return self.subject
        return self.sender_name if name == "sender" else self.body

    def in_quoted(self, start: int, end: int) -> bool:
        """Whether the body span [start, end) lies inside quoted earlier text."""
        return any(q_start <= start and end <= q_end for q_start, q_end in self.quoted)

    def location(self, name: FieldName, start: int, end: int) -> Location:
        """The file location of a span of the subject or body text."""
        text_field = self.field_text(name)
        if text_field is None:
            return Location(1, 1, 1, 1)
        file_start, file_end = text_field.file_span(start, end)
        line, column = self.source.position(file_start)
        end_line, end_column = self.source.position(max(file_start, file_end - 1))
        return Location(line, column, end_line, end_column + 1)


@dataclass(frozen=True)
class TimeWindow:
    """Dates a claim's time expression allows (inclusive), and the words that stated it."""

    phrase: str
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def distance(self, day: date) -> int:
        """Days between ``day`` and the window (0 inside it)."""
        if day < self.start:
            return (self.start - day).days
        return max(0, (day - self.end).days)


@dataclass(frozen=True)
class Claim:
    """A personal claim the message makes about the sender and the recipient."""

    category: str  # one of the taxonomy's claim.* categories
    rule: str  # the rule that found it (its message describes the claim)
    field: FieldName
    start: int
    end: int
    text: str
    sentence: str
    # What the claim names: an event, a referrer, a round, a document, a name, a company, a title.
    specifics: tuple[tuple[str, str], ...] = ()
    time: TimeWindow | None = None

    def specific(self, name: str) -> str | None:
        return next((value for key, value in self.specifics if key == name), None)


@dataclass(frozen=True)
class Finding:
    """One problem found in one message."""

    rule: str
    category: str
    severity: Severity
    message: str
    location: Location
    text: str = ""
    suggestion: str = ""
    # "subject" or "body"; "headers" for a finding about the recipient (the To: line).
    field: str = "body"


@dataclass(frozen=True)
class Scores:
    """Respect and relevance, 0-100, with the reasons that moved them."""

    respect: int
    relevance: int
    respect_reasons: tuple[str, ...] = ()
    relevance_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class InputError:
    """A problem that kept a file (or part of it) from being checked."""

    message: str
    line: int | None = None


@dataclass(frozen=True)
class InputNote:
    """A flaw in a file that was repaired to read it (an unknown charset read as UTF-8, a
    multipart that is not closed): the file was checked as read, and the note is reported at
    info level so that the reading can be questioned."""

    message: str
    line: int | None = None


def first_line(exc: BaseException) -> str:
    """An exception's message in one line (its type when it has none)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@dataclass(frozen=True)
class FileResult:
    """Everything reported for one input: findings and scores, or the errors that stopped it."""

    path: str
    findings: tuple[Finding, ...] = ()
    scores: Scores | None = None
    errors: tuple[InputError, ...] = ()
    recipient: str | None = None
    subject: str | None = None
    source: SourceText | None = None
    # Why this file fails the run's gate (findings at or above fail-on, scores below minimums).
    gate_failures: tuple[str, ...] = ()
    # Flaws repaired to read the file: it was checked, as read.
    notes: tuple[InputNote, ...] = ()


# How a gate reason about findings begins after its count; reporters that show the findings
# themselves (SARIF results, GitHub annotations) add only the other reasons, the scores.
FINDINGS_GATE = "finding(s) at or above"


def score_gate_failures(reasons: Iterable[str]) -> list[str]:
    """The reasons a message fails the gate other than its findings."""
    return [reason for reason in reasons if FINDINGS_GATE not in reason]


def score_gate_reasons(respect: int | None, relevance: int | None, min_respect: int | None,
                       min_relevance: int | None) -> list[tuple[str, str]]:
    """(score name, reason) for each score below its gate's minimum; ``check`` and ``audit``
    word them alike."""
    reasons = []
    for name, score, minimum in (("respect", respect, min_respect),
                                 ("relevance", relevance, min_relevance)):
        if minimum is not None and score is not None and score < minimum:
            reasons.append((name, f"{name} {score} is below the minimum {minimum}"))
    return reasons



@dataclass(frozen=True)
class SharedClaim:
    """A personal claim of one send, as the campaign rules compare it across sends."""

    key: str  # the same claim has the same key in every send (the rule and its specifics)
    rule: str
    category: str
    sentence: str
    # Whether the CRM supports it for this send's recipient.
    supported: bool


@dataclass(frozen=True)
class Pseudonyms:
    """What a redacted record is grouped by (keyed hashes, one key per run): the recipient,
    the sender and the variant, whose text the record shows masked."""

    recipient: str | None
    sender: str | None
    variant: str | None


@dataclass(frozen=True)
class SendRecord:
    """One row of a campaign audit, checked or not: what a worker process sends back, what
    the campaign rules, the summary and the reports read, and (``public``) what ``--output``
    writes."""

    row: int
    id: str
    path: str
    recipient: str | None
    sender: str | None
    subject: str | None
    variant: str | None
    sent_at: str | None
    checked: bool
    respect: int | None = None
    relevance: int | None = None
    findings: tuple[Finding, ...] = ()
    errors: tuple[str, ...] = ()
    # Why the message fails the gate, in check's words.
    gate_failures: tuple[str, ...] = ()
    # For the campaign rules: the message's content hash and its personal claims.
    content_hash: str | None = None
    claims: tuple[SharedClaim, ...] = ()
    # The message's text as given (kept for the HTML report).
    source: str | None = None
    # Why a row was not checked, in a few words (the summary counts failed rows by it).
    reason: str | None = None
    # Set when the record is redacted.
    pseudonyms: Pseudonyms | None = None
