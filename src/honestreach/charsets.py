"""Charset labels, as mail and HTML declare them, turned into the Python codec that reads the text.

A declaration is followed when it names a charset Python can read text with. When it cannot be
followed (an unknown label such as ``default``, a codec that is not a charset such as ``idna``,
or ``utf-16`` declared on text that is not UTF-16) the text is read as a mail client reads it:
as UTF-8 when it is valid UTF-8, else as Windows-1252, and :func:`resolve` says why.
"""

from __future__ import annotations

import codecs

# Labels seen in mail that Python knows under another name; None means "unlabelled".
ALIASES: dict[str, str | None] = {
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac-roman",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "unknown-8bit": None,
    "x-unknown": None,
}
# Python codecs that decode bytes to text but are not charsets: they raise whatever the errors
# handler, or read escape sequences rather than characters.
NOT_CHARSETS = frozenset({"idna", "punycode", "undefined", "unicode-escape",
                          "raw-unicode-escape"})
# Codecs whose text always has NUL bytes when it has a space, a digit or a line break.
_WIDE = {"utf-16": (b"\xff\xfe", b"\xfe\xff"), "utf-32": (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")}
_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "ascii": "ASCII"}
_LABEL_CHARS = 40


def codec_for(label: str | None) -> str | None:
    """The codec of a declared charset (None: unlabelled); LookupError when there is none."""
    if label is None:
        return None
    name = label.strip().strip("\"'").lower()
    if name in ALIASES:
        alias = ALIASES[name]
        if alias is None:
            return None
        name = alias
    try:
        info = codecs.lookup(name)
        b"A".decode(name, "replace")  # LookupError for bytes-to-bytes codecs (base64, zlib)
    except (LookupError, ValueError, UnicodeError):  # ValueError: a NUL byte in the label
        raise LookupError(label) from None
    if info.name in NOT_CHARSETS:
        raise LookupError(label)
    return info.name


def guess(data: bytes) -> str:
    """The codec for text with no usable charset: UTF-8 if it is valid, else Windows-1252."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def resolve(label: str | None, data: bytes) -> tuple[str, str | None]:
    """The codec to read ``data`` declared as ``label`` with, and why the declaration could
    not be followed (None when it was, or when there was none): see :func:`reading`."""
    try:
        codec = codec_for(label)
    except LookupError:
        return guess(data), f"unknown charset {printable(label or '')}"
    if codec is None:
        return guess(data), None
    if codec == "ascii":
        if data.isascii():
            return "utf-8", None  # the same characters, decoded faster
        # In practice 8-bit text declared as ASCII is UTF-8 or Windows-1252.
        return guess(data), f"8-bit text declared as {printable(label or '')}"
    if codec in _WIDE and not data.startswith(_WIDE[codec]):
        if b"\x00" not in data:
            return guess(data), (f"text that is not {codec.upper()} declared as "
                                 f"{printable(label or '')}")
        # Without a byte-order mark: big-endian (RFC 2781), unless the NUL bytes say otherwise.
        little = data[:1] != b"\x00"
        return f"{codec}-{'le' if little else 'be'}", None
    return codec, None


def reading(data: bytes, codec: str) -> str:
    """What text was read as, for a note: "ASCII" when it is all ASCII, else the codec's name
    ("UTF-8", "Windows-1252")."""
    return "ASCII" if data.isascii() else _NAMES.get(codec, codec)


def printable(label: str) -> str:
    """A declared label quoted for a one-line message: control characters escaped, cut short."""
    text = label.encode("unicode-escape").decode("ascii")
    if len(text) > _LABEL_CHARS:
        text = text[:_LABEL_CHARS] + "..."
    return f"'{text}'"
