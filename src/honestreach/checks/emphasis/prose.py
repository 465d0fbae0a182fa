"""What the emphasis checks read: the sender's own prose, with links, addresses, merge tokens,
postal-address lines and layout masked, and whether a message is a genuine reply."""

from __future__ import annotations

import re
from typing import Iterable

from ...longtext import bounded
from ...message import REPLY_PREFIX
from ...model import Message
from ..base import text_cache
from ..layout import layout_spans
from ..merge_fields import find_tokens
from ..own_text import blank_spans, own_text_of
from ..postal import postal_line_spans

MASK = "\x00"  # stands in for masked text: neither a word nor a separator, so it ends a run
# The local part of an address is at most 64 characters (RFC 5321); bounding it keeps the
# search linear on a long run like "a.a.a.a...@" (unbounded, every piece started a scan to '@').
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b", re.IGNORECASE)
# The web links of _URL, starting with a letter a search skips to.
_WEB = re.compile(r"[hw](?:(?<=h)ttps?://|(?<=w)ww\.)\S+", re.IGNORECASE)
# The local part of an address before its "@" is at most this long (in _URL and its likes).
LOCAL_PART = 64


def link_spans(text: str, links: re.Pattern[str] = _URL) -> list[tuple[int, int]]:
    """The spans of ``links.finditer(text)``, for ``links`` like _URL (_WEB, or an address whose
    local part is at most LOCAL_PART characters long), found faster: the address part is
    tried at every position, so it is searched only from LOCAL_PART characters before an
    "@", and _WEB alone elsewhere. Each search resumes where the last one stopped."""
    spans: list[tuple[int, int]] = []
    pos = 0
    at = text.find("@")  # the first "@" from pos
    web = _WEB.search(text)  # the first web link from pos
    link: re.Match[str] | None = None  # the first link from the last place searched from
    searched = False
    while True:
        if 0 <= at < pos:
            at = text.find("@", pos)
        if web is not None and web.start() < pos:
            web = _WEB.search(text, pos)
        # Before this, no address can start: only a web link.
        quiet_end = len(text) if at == -1 else max(pos, at - LOCAL_PART)
        if web is not None and web.start() < quiet_end:
            match = web
        elif at == -1:
            return spans
        else:
            if not searched or (link is not None and link.start() < quiet_end):
                link = links.search(text, quiet_end)
                searched = True
            if link is None:
                return spans
            match = link
        spans.append(match.span())
        pos = match.end()


def masked_prose(text: str, extra: Iterable[tuple[int, int]] = ()) -> str:
    spans = link_spans(text) if ("/" in text or "@" in text) else []
    spans.extend(find_tokens(text))
    spans.extend(extra)
    return blank_spans(text, spans, MASK) if spans else text


def body_prose(message: Message, include_signoff_line: bool = False) -> str:
    """The sender's prose in the body, masked, same length as the body text.

    Stops at the signature (or, with ``include_signoff_line``, at the end of the sign-off
    line) and masks postal-address lines and layout (code, tables, headings, footers: see
    :mod:`.layout`).
    """
    signature_start = message.signature_start
    # Without a signature both ask for the whole body: one cache entry serves the checks.
    return _body_prose(message.body.text, message.quoted, signature_start,
                       include_signoff_line and signature_start is not None)


@text_cache(maxsize=32)
def _body_prose(
    body: str, quoted: tuple[tuple[int, int], ...], signature_start: int | None,
    include_signoff_line: bool,
) -> str:
    # Cached: the three emphasis checks each ask for the same message's prose.
    text = own_text_of(bounded(body), quoted)
    end = len(text)
    if signature_start is not None:
        end = signature_start
        if include_signoff_line:
            newline = text.find("\n", end)
            end = len(text) if newline == -1 else newline
    postal = [(start, min(stop, end)) for start, stop in postal_line_spans(text) if start < end]
    prose = masked_prose(text[:end], postal + layout_spans(text[:end]))
    return prose + blank_spans(text[end:], [(0, len(text) - end)], MASK)


def subject_prose(message: Message) -> str:
    """The subject, masked the same way ('' when there is none)."""
    return masked_prose(bounded(message.subject.text)) if message.subject is not None else ""


# Text in quotation marks is someone else's words, a title or a keyword to type. (Each form
# starts with its mark, and a single quote checks behind itself that it starts a word: an
# expression that starts with a look-behind is tried at every position.)
QUOTED = re.compile(
    r'"[^"\n]{1,300}(?:\n[^"\n]{1,300}){0,2}"'  # may run over a line break or two
    r"|“[^”\n]{1,300}”"
    r"|['‘](?<!\w.)[^'’\n]{1,80}['’](?!\w)"
)


def is_genuine_reply(message: Message) -> bool:
    """A reply in a real thread: its subject was written by someone else."""
    subject = message.subject.text if message.subject is not None else ""
    return bool(REPLY_PREFIX.match(subject)) and \
        bool(message.headers.get("in-reply-to") or message.headers.get("references"))
