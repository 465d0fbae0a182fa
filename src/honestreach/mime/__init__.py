"""Parse an RFC 5322 message (``.eml``), keeping each decoded character's place in the file.

The stdlib ``email`` package reads the structure: headers, boundaries, parts, defects. The
transfer encodings (quoted-printable, base64), the charsets and RFC 2047 encoded words are
decoded here, so that every character of the checked subject and body keeps the offset of the
bytes it came from. ``email`` is given the file decoded as Latin-1, where one character is one
byte: a part's raw payload is then a verbatim slice of that text, found with ``str.find``, and
its offsets are byte offsets. Those are turned into character offsets of the file's text (its
bytes decoded as UTF-8, errors replaced) at the end.

Mail is read as a mail client shows it: a multipart that is not closed, a charset that is
unknown or wrong, base64 with text after it, a header of hundreds of kilobytes are read as well
as they can be, and each repair is kept as an :class:`~honestreach.model.InputNote` on the
message. Only a message with nothing readable is a :class:`ParseError`.

The parts: :mod:`.file` (the file, its structure and parts), :mod:`.transfer` (transfer
encodings), :mod:`.decoding` (charsets), :mod:`.headers` (header values) and :mod:`.offsets`
(where each character came from).
"""

from __future__ import annotations

from ..htmltext import MalformedHtml, visible_text
from ..message import ParseError, build_message, display_name
from ..model import InputNote, Message, TextField
from .file import MAX_DEPTH, MAX_HEADER_CHARS, EmlFile, Leaf
from .headers import unsubscribe_links

__all__ = ["MAX_DEPTH", "MAX_HEADER_CHARS", "parse_eml"]


def parse_eml(path: str, data: bytes) -> Message:
    """An RFC 5322 message: its text/plain part (else its text/html part) is the body.

    A text part that cannot be read (base64 with no data) is left out with a note; a message
    with no part that can be read is a ParseError.
    """
    eml = EmlFile(data)
    try:
        parsed = eml.parse()
        leaves = eml.leaves(parsed)
    finally:
        eml.forget_long_boundaries()
    plain = [leaf for leaf in leaves if leaf.content_type == "text/plain"]
    html_parts = [leaf for leaf in leaves if leaf.content_type == "text/html"]
    if not plain and not html_parts:
        if eml.cut_deep:
            raise ParseError(f"no text/plain or text/html part in the first {MAX_DEPTH} levels "
                             "of nested multiparts (deeper parts are not read): nothing to check",
                             eml.notes[0].line)
        raise ParseError("no text/plain or text/html part: nothing to check")

    unreadable: list[ParseError] = []
    links: list[str] = []
    html_bodies: list[TextField] = []
    # The note on each HTML part cut at the size limit, by its place in html_bodies.
    cut_notes: dict[int, InputNote] = {}
    for leaf in html_parts:
        try:
            text, origins = eml.text_of(leaf)
            try:
                visible = visible_text(text)
            except MalformedHtml as exc:
                raise ParseError(
                    f"{exc.message} in the text/html part", eml.line(origins[exc.offset])
                ) from None
        except ParseError as exc:
            unreadable.append(exc)
            continue
        if visible.cut_at is not None:
            cut_notes[len(html_bodies)] = InputNote(visible.cut_reason,
                                                   eml.line(origins[visible.cut_at]))
        html_bodies.append(eml.field(visible.text, map(origins.__getitem__, visible.origins)))
        links.extend(visible.links)
    headers = eml.header_values(parsed)
    links.extend(unsubscribe_links(headers.get("list-unsubscribe")))

    body, from_html = _choose_body(eml, plain, html_bodies, unreadable)
    if from_html and 0 in cut_notes:
        # Only the HTML part checked was cut short: a text/plain alternative was read whole.
        eml.keep(cut_notes[0])
    subject = eml.subject()
    if subject is not None:
        headers["subject"] = subject.text
    sender = eml.unstructured("From")
    return build_message(
        path, eml.source, subject, body, headers, html=from_html,
        links=tuple(dict.fromkeys(links)), notes=eml.notes,
        sender_name=display_name(sender) if sender is not None else None,
    )


def _choose_body(
    eml: EmlFile, plain: list[Leaf], html_bodies: list[TextField],
    unreadable: list[ParseError],
) -> tuple[TextField, bool]:
    """The first text/plain part with text; else the first HTML part (text, from HTML?).

    ``unreadable``: the parts that could not be read so far; each becomes a note, unless no
    part could be read: then the first is raised.
    """
    blank: TextField | None = None
    chosen: tuple[TextField, bool] | None = None
    for leaf in plain:
        try:
            text_field = eml.field(*eml.text_of(leaf))
        except ParseError as exc:
            unreadable.append(exc)
            continue
        if text_field.text.strip():
            chosen = text_field, False
            break
        blank = blank or text_field
    if chosen is None and html_bodies:
        chosen = html_bodies[0], True
    elif chosen is None and blank is not None:
        chosen = blank, False
    if chosen is None:
        raise unreadable[0]
    for problem in unreadable:
        eml.keep(InputNote(f"{problem.message}: the part was not read", problem.line))
    return chosen
