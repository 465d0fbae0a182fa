"""Header values: unfolded, 8-bit bytes read, RFC 2047 encoded words decoded with each
character's offset in the file; and the links of List-Unsubscribe."""

from __future__ import annotations

import re
from email import policy
from email.errors import MessageError

from .. import charsets
from .decoding import decode_chars, decode_declared
from .offsets import OffsetBytes
from .transfer import BadEncoding, decode_base64, unescape

_ENCODED_WORD = re.compile(
    rb"=\?(?P<charset>[^?\s*]+)(?:\*[^?\s]*)?\?(?P<encoding>[QqBb])\?(?P<text>[^?\s]*)\?="
)
_FOLD = re.compile(rb"\r?\n(?=[ \t])")
_ANGLE_URL = re.compile(r"<([^>]+)>")


def decode_header(
    value: bytes, start: int
) -> tuple[str, list[int], list[tuple[str, str]]]:
    """An unstructured header value: unfolded, RFC 2047 encoded words decoded; and the
    charsets of encoded words that were not followed (see :func:`decode_declared`).

    Encoded words next to each other (only white space between) are joined before their
    charset is decoded, as a character may be split across them. The first character of an
    encoded word maps to its ``=?``, the others to their own encoded form.
    """
    chars: list[str] = []
    origins: list[int] = []
    repairs: dict[tuple[str, str], None] = {}
    pending: list[tuple[str, OffsetBytes]] = []  # adjacent encoded words, still bytes
    pos = 0
    for word in _ENCODED_WORD.finditer(value):
        gap = value[pos:word.start()]
        decoded = _encoded_word(word, start)
        if decoded is None:
            continue  # bad base64: the word stays as it was written
        if not (pending and not gap.strip()):
            _flush_words(pending, chars, origins, repairs)
            _add_literal(value[pos:word.start()], start + pos, chars, origins)
        pending.append(decoded)
        pos = word.end()
    _flush_words(pending, chars, origins, repairs)
    _add_literal(value[pos:], start + pos, chars, origins)
    return "".join(chars), origins, list(repairs)


def _encoded_word(word: re.Match[bytes], start: int) -> tuple[str, OffsetBytes] | None:
    """An encoded word's declared charset and its bytes (None: nothing decodable)."""
    charset = word.group("charset").decode("ascii", "replace")
    text_start = start + word.start("text")
    if word.group("encoding") in b"Bb":
        try:
            raw = decode_base64(word.group("text"), text_start).data
        except BadEncoding:
            return None
    else:
        out = bytearray()
        origins: list[int] = []
        unescape(word.group("text"), text_start, out, origins, underscore=True)
        raw = OffsetBytes(out, origins)
    if raw.origins:  # the first character stands at the word's "=?"
        raw = OffsetBytes(raw.data, [start + word.start(), *raw.origins[1:]])
    return charset, raw


def _flush_words(
    pending: list[tuple[str, OffsetBytes]], chars: list[str], origins: list[int],
    repairs: dict[tuple[str, str], None],
) -> None:
    """Decode runs of adjacent encoded words that share a charset (and empty ``pending``)."""
    index = 0
    while index < len(pending):
        charset = pending[index][0]
        run = []
        while index < len(pending) and pending[index][0] == charset:
            run.append(pending[index][1])
            index += 1
        joined = OffsetBytes(b"".join(r.data for r in run), [o for r in run for o in r.origins])
        text, text_origins, repair = decode_declared(joined, charset)
        if repair:
            repairs[repair] = None
        chars.append(text)
        origins.extend(text_origins)
    pending.clear()


def _add_literal(chunk: bytes, start: int, chars: list[str], origins: list[int]) -> None:
    """Header text outside encoded words: unfolded (line breaks dropped), 8-bit as UTF-8."""
    pos = 0
    for fold in _FOLD.finditer(chunk):
        _add_raw(chunk[pos:fold.start()], start + pos, chars, origins)
        pos = fold.end()
    _add_raw(chunk[pos:], start + pos, chars, origins)


def _add_raw(chunk: bytes, start: int, chars: list[str], origins: list[int]) -> None:
    text, text_origins = decode_chars(OffsetBytes.verbatim(chunk, start), charsets.guess(chunk))
    chars.append(text)
    origins.extend(text_origins)


# Headers read into Message.headers (the subject is decoded on its own, see EmlFile.subject).
KEPT_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "reply-to", "sender", "date", "message-id",
    "in-reply-to", "references", "list-unsubscribe", "list-unsubscribe-post", "list-id",
    "precedence", "auto-submitted", "content-type", "mime-version", "x-mailer",
    "list-post", "x-beenthere", "x-mailing-list", "mailing-list",
})


def header_text(name: str, raw: str) -> str:
    """One header value as text: unfolded, 8-bit bytes read as UTF-8, encoded words decoded."""
    data = raw.encode("latin-1", "replace")
    text = data.decode(charsets.guess(data), "replace")
    text = re.sub(r"\r?\n(?=[ \t])", "", text).strip()
    if text.isascii() and "=?" not in text:
        # Nothing to decode, and parsing a header is slow. Addresses and dates are read from
        # the text later (getaddresses, parsedate), as they are for drafts.
        return text
    try:
        return str(policy.default.header_factory(name, text))
    except (MessageError, ValueError, LookupError, IndexError, TypeError, AttributeError):
        return text  # the email package cannot read it: keep it as written


def unsubscribe_links(value: str | None) -> list[str]:
    """The URLs of a List-Unsubscribe header: ``<mailto:...>, <https://...>``."""
    return [re.sub(r"\s+", "", url) for url in _ANGLE_URL.findall(value or "")]
