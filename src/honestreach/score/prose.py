"""The text the scores read: the sender's own prose, and that prose laid out for Flesch."""

from __future__ import annotations

import re
from bisect import bisect_left

from ..checks.compliance import has_opt_out_text, own_text, postal_line_spans
from ..checks.emphasis.prose import link_spans
from ..longtext import squeezed
from ..model import Message

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b",
                  re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BULLET = re.compile(r"^(?:[-*•–]|\d{1,2}[.)])[ \t]+")


def sender_prose(message: Message) -> str:
    """The sender's own prose: the body above the sign-off, without quoted text or links.

    When no sign-off was found, trailing paragraphs that hold a postal address or an opt-out
    line are taken for the signature and footer, and dropped too.
    """
    text = own_text(message)
    postal = sorted(s for s, _ in postal_line_spans(text))
    end = len(text) if message.signature_start is None else message.signature_start
    # Found once and walked back: found again for each dropped paragraph, a footer repeated
    # thousands of times took quadratic time.
    breaks = list(_PARAGRAPH_BREAK.finditer(text, 0, end))
    while True:
        # The last paragraph of text[:end]: drop it while it is blank, postal or an opt-out.
        start = breaks[-1].end() if breaks else 0
        paragraph = text[start:end]
        if start == 0 or not (
            not paragraph.strip()
            or bisect_left(postal, start) < bisect_left(postal, end)
            or has_opt_out_text(paragraph)
        ):
            break
        end = breaks.pop().start()
    prose = squeezed(text[:end], len(text))
    pieces = []
    last = 0
    for start, stop in link_spans(prose, _URL):  # what _URL.sub(" ", prose) replaces
        pieces += [prose[last:start], " "]
        last = stop
    return "".join(pieces) + prose[last:]


def readable_text(prose: str) -> str:
    """Prose laid out for Flesch: wrapped lines joined, and each paragraph, list item or
    greeting ending as a sentence (a bulleted list is not one long sentence)."""
    units: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(prose):
        current: list[str] = []
        for line in paragraph.splitlines():
            line = line.strip()
            if not line:
                continue
            if _BULLET.match(line):
                if current:
                    units.append(" ".join(current))
                current = [_BULLET.sub("", line)]
                units.append(current.pop())
                continue
            current.append(line)
        if current:
            units.append(" ".join(current))
    return " ".join(u if u[-1] in ".!?" else u.rstrip(",;:") + "." for u in units if u)
