"""The exclamation check: marks piled up, or too many '!' for the sentences."""

from __future__ import annotations

import re
from typing import Any, Iterable

from ...longtext import squeezed
from ...model import Message
from ..base import Hit
from ..own_text import blank_spans
from .prose import MASK, QUOTED, body_prose, is_genuine_reply, subject_prose

# Runs of marks: "!!", "???", "?!", "! !"; Spanish '¡' opens a sentence and is not counted.
_MARKS = re.compile(r"[!?](?:[ \t]?[!?])*")
_SENTENCE = re.compile(r"[^\W\d_][^.!?\n]*")  # one match per segment holding a letter
_WORD_BEFORE = re.compile(r"[^\s!?]{1,30}$")
# A long newsletter may carry a few adverts that shout "FREE!!"; those are not the voice of
# the message (as with shouting's share of words): beyond ``max_runs``, one more run is
# allowed per this many sentences.
SENTENCES_PER_EXTRA_RUN = 40


def exclamation_overload(message: Message, options: dict[str, Any]) -> Iterable[Hit]:
    """One hit per message: marks piled up more than once ("!!!" and "?!"), or too many '!'
    for its sentences. One doubled mark is a person's enthusiasm ("Congrats!!"); a message
    that keeps raising its voice is hype.

    Options: ``max_runs`` (how many runs of two or more marks with a '!' are allowed,
    default 1; a run of more than ``max_bangs`` '!', default 2, or of more marks than
    ``max_bangs`` + 1 ("?!?!"), counts as two, except in a genuine reply, where only a run of
    more than 5 '!' does; a long message is allowed one more run per
    ``SENTENCES_PER_EXTRA_RUN`` sentences), ``min_count``
    and ``max_ratio`` (overload when at least ``min_count`` exclamations, a run counting twice,
    and more than ``max_ratio`` per sentence: "Amazing!! You'll love it!" weighs three). Marks
    inside quotation marks are someone else's.
    """
    max_runs = int(options.get("max_runs", 1))
    # In a genuine reply, "!!!" is conversation between people who know each other.
    reply = is_genuine_reply(message)
    max_bangs = int(options.get("max_bangs", 2)) if not reply else 5
    min_count = int(options.get("min_count", 3))
    max_ratio = float(options.get("max_ratio", 0.4))
    fields = [("subject", subject_prose(message)),
              ("body", body_prose(message, include_signoff_line=True))]
    count = 0
    weight = 0  # exclamations, a doubled mark counting twice: it raises the voice more than one
    sentences = 0
    first: tuple[str, int, int] | None = None
    runs: list[tuple[str, int, int]] = []
    piled = 0
    for name, text in fields:
        sentences += len(_SENTENCE.findall(squeezed(text)))
        if "!" not in text:
            continue
        text = blank_spans(text, [m.span() for m in QUOTED.finditer(text)], MASK)
        for match in _MARKS.finditer(text):
            marks = match.group()
            if "!" not in marks:
                continue  # "???" is puzzlement, not a raised voice
            count += 1
            weight += 1
            if first is None:
                first = (name, match.start(), match.end())
            length = len(marks.replace(" ", "").replace("\t", ""))
            if length > 1:
                weight += 1
                runs.append((name, match.start(), match.end()))
                # "!!!!!!" is a shout of its own, and so (outside a genuine reply) is "?!?!":
                # each counts as two runs
                shout = marks.count("!") > max_bangs or (not reply and length > max_bangs + 1)
                piled += 2 if shout else 1
    sentences = max(sentences, 1)
    dense = weight >= min_count and count / sentences > max_ratio
    allowed_runs = max_runs + sentences // SENTENCES_PER_EXTRA_RUN
    where = runs[0] if piled > allowed_runs else (first if dense else None)
    if where is None:
        return []
    name, start, end = where
    text = dict(fields)[name]
    word = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if word and MASK not in word.group():
        start = word.start()
    return [Hit(name, start, end, {"count": count, "sentences": sentences, "runs": len(runs)})]
