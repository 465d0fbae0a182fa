"""Very long texts: the part of a body or subject that the Python checks and the scores read.

A field of megabytes (a pasted log, a fuzzed template, a mail of repeated junk) costs the
line-by-line checks (layout, postal addresses, shouting, exclamation marks, emoji, the scores)
seconds and hundreds of megabytes. What they look for stands near the two ends: the voice of
a message in what a reader reads first, the opt-out and the postal address in the footer. So
they read its first ``HEAD_CHARS`` and last ``TAIL_CHARS`` characters, as the phrase rules read
only the start (``engine.MAX_SCANNED_CHARS``). The middle is blanked, not cut out: the text
keeps its length, so every finding's offset still points into the original text. A check that
tests or counts what the text says, not where, reads it :func:`squeezed`: a blank middle of
megabytes still cost every regular expression that scans it a pass.
"""

from __future__ import annotations

from .model import InputNote, Message

HEAD_CHARS = 100_000
TAIL_CHARS = 20_000


def bounded(text: str) -> str:
    """``text``, or for a longer text its head and tail with the middle blanked: one line of
    spaces between two newlines (a blank line, so head and tail stay apart; one line, so the
    line-by-line checks do not walk thousands of empty ones). Same length as ``text``."""
    middle = len(text) - HEAD_CHARS - TAIL_CHARS
    if middle <= 0:
        return text
    blank = "\n" + " " * (middle - 2) + "\n" if middle >= 2 else " " * middle
    return text[:HEAD_CHARS] + blank + text[len(text) - TAIL_CHARS:]


def squeezed(text: str, length: int | None = None) -> str:
    """``text``, a :func:`bounded` text of ``length`` characters (its own length by default)
    or the start of one, without the spaces of its blanked middle: its newlines stay, a blank
    line between head and tail. For checks that read no offsets."""
    start = HEAD_CHARS + 1
    end = min(len(text), (len(text) if length is None else length) - TAIL_CHARS - 1)
    if end <= start or text.count(" ", start, end) != end - start:
        return text
    return text[:start] + text[end:]


def bounded_notes(message: Message) -> tuple[InputNote, ...]:
    """A note for each field of ``message`` that the Python checks read only in part."""
    notes = []
    for name, field in (("subject", message.subject), ("body", message.body)):
        if field is not None and len(field.text) > HEAD_CHARS + TAIL_CHARS:
            notes.append(InputNote(
                f"the {name} is {len(field.text):,} characters long: the compliance, emphasis "
                f"and score checks read its first {HEAD_CHARS:,} and last {TAIL_CHARS:,}"))
    return tuple(notes)
