"""Parse a message: subject, body, recipients, quoted earlier text and signature.

Plain-text and Markdown drafts are parsed here; ``.eml`` files in :mod:`honestreach.mime` and
HTML in :mod:`honestreach.htmltext`. Every parser keeps, for each character it hands on, the
offset in the file it came from, so findings point at the file as given.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import getaddresses, parsedate_to_datetime

from .model import InputNote, Message, SourceText, TextField

# The value is group 2 without its trailing white space (see header_value): a lazy "(.*?)[ \t]*$"
# would try the rest of the line at every character, in quadratic time on a long run of tabs.
DRAFT_HEADER = re.compile(
    r"^(subject|to|from|date|cc|bcc|reply-to|x-honestreach)[ \t]*:[ \t]*(.*)$", re.IGNORECASE)
# A suppression directive standing on a line of its own (optionally in a comment).
DIRECTIVE_LINE = re.compile(
    r"^[ \t]*(?:<!--|\{#)?[ \t]*honestreach:[^\n]*?(?:-->|#\})?[ \t]*\r?$", re.IGNORECASE
)

_QUOTE_LINE = re.compile(r"^[ \t]*>")
_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:On\b.{0,300}?\bwrote:|Am\b.{0,300}?\bschrieb.{0,80}:|Le\b.{0,300}?\ba écrit ?:)"
    r"[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
# Forwarded messages are not listed: whoever forwards content into an outreach email sends it.
# A rule of underscores starts a quotation only above a "From:" line (Outlook's "____\nFrom:
# ...", "De : ...", "Von: ..."): mailing lists and newsletters draw the same rule above their
# footers, which are the sender's text (an opt-out, an address).
_QUOTE_HEADER = re.compile(
    r"^[ \t]*(?:-{2,}[ \t]*Original Message[ \t]*-{2,}[ \t]*\r?$"
    r"|_{10,}[ \t]*\r?\n[ \t]*(?:From|De|Von|Van|Da|Fra|Från|Od|Remetente)[ \t]?:)",
    re.IGNORECASE | re.MULTILINE,
)
_OUTLOOK_HEADER = re.compile(
    r"^[ \t]*From:[^\n]*\n[ \t]*(?:Sent|Date):[^\n]*\n[ \t]*To:", re.IGNORECASE | re.MULTILINE
)
_SIG_DELIMITER = re.compile(r"^-- ?\r?$", re.MULTILINE)
_VALEDICTION = re.compile(
    r"^[ \t]*(?:best|best regards|kind regards|warm regards|warmest regards|regards|"
    r"many thanks|thanks|thank you|thanks again|cheers|sincerely|yours sincerely|yours truly|"
    r"all the best|best wishes|warmly|talk soon|speak soon|take care|with thanks|"
    r"see you (?:soon|there|in [\w .-]+)|merci[\w ]*|viele grüße|mit freundlichen grüßen|"
    r"liebe grüße|saludos|un saludo|cordialement|bien à vous)[ \t]*[,!.]?[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)


class ParseError(Exception):
    """A message that cannot be parsed; ``line`` points into the file when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def find_quoted(text: str) -> tuple[tuple[int, int], ...]:
    """Ranges of ``text`` that quote earlier messages: '>' lines and everything after an
    attribution ("On ... wrote:") or an "Original Message" header."""
    ranges: list[tuple[int, int]] = []
    tail_start = len(text)
    for pattern in (_ATTRIBUTION, _QUOTE_HEADER, _OUTLOOK_HEADER):
        match = pattern.search(text)
        if match:
            tail_start = min(tail_start, match.start())
    offset = 0
    for line in text.splitlines(keepends=True):
        if offset >= tail_start:
            break
        if _QUOTE_LINE.match(line):
            end = offset + len(line)
            if ranges and ranges[-1][1] == offset:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((offset, end))
        offset += len(line)
    if tail_start < len(text):
        ranges.append((tail_start, len(text)))
    return tuple(ranges)


# A mailbox escapes a line that starts with "From " as ">From ": no quotation.
_ESCAPED_FROM = re.compile(r"[ \t]*>+From ")


# Headers that a discussion list (Mailman, Majordomo, ezmlm, Google Groups) adds to every post
# (the mime package keeps them).
# Newsletter senders add List-Id and List-Unsubscribe too, so those two are no evidence.
_DISCUSSION_LIST_HEADERS = ("list-post", "x-beenthere", "x-mailing-list", "mailing-list")


def in_real_thread(message: Message) -> bool:
    """Whether the message continues a real conversation: its headers name the message it
    answers (In-Reply-To, References), it was posted to a discussion list whose members reply
    to each other (its list headers, or a "Re:" whose Reply-To is the group it was sent to:
    :func:`group_reply`), or its body quotes an earlier message ('>' lines, an attribution
    such as "On ... wrote:", an "Original Message" or Outlook header).

    A "Re:"/"Fwd:" subject on such a message is true, and a reply is not a first commercial
    message. A forwarded block on its own is no evidence: it is how a fake forward is dressed.
    """
    if message.headers.get("in-reply-to", "").strip() or \
            message.headers.get("references", "").strip():
        return True
    if on_discussion_list(message):
        return True
    if group_reply(message):
        return True
    text = message.body.text
    return any(not _ESCAPED_FROM.match(text, start) for start, _ in message.quoted)


def on_discussion_list(message: Message) -> bool:
    """Whether the message was posted to a discussion list whose members write to each other
    (its headers name the list's posting address). A newsletter's List-Unsubscribe is no such
    header: a sender writes to its readers there."""
    return any(message.headers.get(name, "").strip() for name in _DISCUSSION_LIST_HEADERS)


# "Re:" and its translations at the start of a subject.
REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|antw|vs|ref|réf|rif|odp)\s*(?:\[\d+\])?\s*:",
                           re.IGNORECASE)


def group_reply(message: Message) -> bool:
    """Whether the message is a "Re:" posted to a group: its Reply-To names only addresses it
    was sent to, and not the sender. A group (a web forum's mail gateway, a team alias) sets
    Reply-To to itself so that answers reach every member; a fake thread sends replies to
    the sender."""
    subject = message.subject.text if message.subject is not None else ""
    if not REPLY_PREFIX.match(subject):
        return False
    reply_to = set(parse_recipients(message.headers.get("reply-to")))
    # message.recipients, parsed once: this runs for every claim of every recipient, and a
    # To: header of thousands of addresses takes a while to read
    return bool(reply_to) and reply_to <= set(message.recipients) and \
        message.sender not in reply_to


def find_signature(text: str, quoted: tuple[tuple[int, int], ...] = ()) -> int | None:
    """Offset where the sign-off begins: a '-- ' delimiter, else the last valediction line."""
    limit = min((start for start, _ in quoted if start > 0), default=len(text))
    own = text[:limit]
    delimiters = list(_SIG_DELIMITER.finditer(own))
    if delimiters:
        return delimiters[-1].start()
    valedictions = list(_VALEDICTION.finditer(own))
    if valedictions:
        valediction = valedictions[-1]
        # A sign-off far above the end is a phrase inside the text, not the closing.
        if own.count("\n", valediction.end()) <= 12:
            return valediction.start()
    return None


# An address as written, for a header the email package cannot read.
_BARE_ADDRESS = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def parse_recipients(value: str | None) -> tuple[str, ...]:
    """The addresses of a To/Cc header value, lower-cased, in order."""
    if not value:
        return ()
    try:
        pairs = getaddresses([value])
    except RecursionError:  # the email package nests a group per ":" ("a:b:c:...")
        return tuple(addr.lower() for addr in _BARE_ADDRESS.findall(value))
    return tuple(addr.strip().lower() for _, addr in pairs if "@" in addr)


def parse_date(value: str | None) -> datetime | None:
    """An RFC 5322 or ISO 8601 date, or None when it cannot be read."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # Overflow: a year of 30 digits
        pass
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def header_value(match: re.Match[str]) -> str:
    """The value of a DRAFT_HEADER line: without the spaces, tabs and CR that end the line."""
    value = match.group(2)
    return (value[:-1] if value.endswith("\r") else value).rstrip(" \t")


def parse_draft(path: str, text: str) -> Message:
    """A plain-text or Markdown draft, with an optional header block at the top."""
    source = SourceText(text)
    headers: dict[str, str] = {}
    subject: TextField | None = None
    sender_field: TextField | None = None
    offset = 0
    if text.startswith("\ufeff"):
        offset = 1
    body_start = offset
    lines = text[offset:].splitlines(keepends=True)
    seen_header = False
    for line in lines:
        match = DRAFT_HEADER.match(line)
        if match:
            seen_header = True
            name = match.group(1).lower()
            value = header_value(match)
            headers[name] = value
            if name == "subject":
                subject = TextField.verbatim(value, offset + match.start(2))
            elif name == "from":
                sender_field = TextField.verbatim(value, offset + match.start(2))
            offset += len(line)
            body_start = offset
            continue
        if DIRECTIVE_LINE.match(line) and not seen_header:
            offset += len(line)
            continue
        if seen_header and not line.strip():
            body_start = offset + len(line)
        break
    if not seen_header:
        body_start = 1 if text.startswith("\ufeff") else 0
    body = TextField.verbatim(text[body_start:], body_start)
    return build_message(path, source, subject, body, headers,
                         sender_name=display_name(sender_field) if sender_field else None)


def build_message(
    path: str,
    source: SourceText,
    subject: TextField | None,
    body: TextField,
    headers: dict[str, str],
    html: bool = False,
    links: tuple[str, ...] = (),
    sender_name: TextField | None = None,
    notes: tuple[InputNote, ...] = (),
) -> Message:
    """Assemble a Message, finding quoted text and the signature in the body. ``notes``: what
    the parser repaired to read the file."""
    quoted = find_quoted(body.text)
    # An address named twice (in To: and Cc:, or in repeated To: lines) is one recipient.
    recipients = tuple(dict.fromkeys(parse_recipients(headers.get("to"))
                                     + parse_recipients(headers.get("cc"))))
    senders = parse_recipients(headers.get("from"))
    return Message(
        path=path,
        source=source,
        subject=subject,
        body=body,
        headers=headers,
        recipients=recipients,
        sender=senders[0] if senders else None,
        date=parse_date(headers.get("date")),
        quoted=quoted,
        signature_start=find_signature(body.text, quoted),
        html=html,
        links=links,
        sender_name=sender_name,
        notes=notes,
    )


_ANGLE_ADDRESS = re.compile(r"\s*<[^<>]*>\s*$")


def display_name(value: TextField) -> TextField | None:
    """The display name of a From: value ('"Ana at Tallwater" <ana@x.com>' -> 'Ana at
    Tallwater'), keeping each character's origin; None when there is only an address."""
    text = value.text
    angle = _ANGLE_ADDRESS.search(text)
    end = angle.start() if angle else len(text)
    if angle is None and "@" in text:
        return None  # a bare address
    start = 0
    while start < end and text[start] in ' \t"\'':
        start += 1
    while end > start and text[end - 1] in ' \t"\'':
        end -= 1
    if start >= end:
        return None
    return TextField(text[start:end], value.origins[start:end])


def message_from_text(body: str, subject: str | None = None, path: str = "<text>") -> Message:
    """A message from a body (and subject) given as strings, laid out as a draft file."""
    text = f"Subject: {subject}\n\n{body}" if subject is not None else body
    if subject is None and DRAFT_HEADER.match(body.split("\n", 1)[0]):
        # A body whose first line looks like a header must not be read as one.
        text = "\n" + body
    return parse_draft(path, text)
