"""Which lines of a message body are prose, and which are layout.

A body carries much that is not the sender's voice: code and logs pasted in, tables, banners
and ruled lines, the headers of a forwarded message, the capitalised headings of a
newsletter, notice blocks in capitals, a mailing list's footer. The emphasis checks read only
prose: a word in capitals in a heading or a SQL statement is not a raised voice, and '!!' in
a log line is not excitement.

Everything here works on lines (and paragraphs: lines between blank lines) and returns
character spans, so the checks can mask them and keep their offsets.
"""

from __future__ import annotations

import re

from .base import text_cache

# The header of a message pasted into the body ("From: ...", "Subject: ...", "X-Mailer: ...").
_HEADER_LINE = re.compile(
    r"[ \t]*(?:from|to|cc|bcc|subject|date|sent|reply-to|sender|message-id|in-reply-to"
    r"|references|return-path|received|delivered-to|mime-version|content-[\w-]+|x-[\w-]+"
    r"|list-[\w-]+|organi[sz]ation|user-agent|importance|priority|newsgroups)[ \t]*:",
    re.IGNORECASE,
)
# Marks of code, markup, paths and logs on a line. One is enough to make its paragraph code.
_CODE = re.compile(
    r"""
    [^\W_]_[^\W_]                      # identifiers: SPAM_PHRASE, xfs_ilock
    |[^\W_]\([^\s)]*[),]               # calls: f(x), lock(ipA,
    |[{}][ \t]*$|^[ \t]*[{}]           # blocks
    |[=!<>:+*/-]=|=[=>]|->|::|\w=\w    # assignment, comparison, arrows, scopes
    |</?[A-Za-z][\w-]*[ \t>/]          # markup
    |(?:^|[ \t])(?:~?/|\.{1,2}/|[A-Za-z]:\\)\w[\w.-]*[/\\]   # paths
    |%[A-Z][A-Z0-9]*-\d                # log codes: %ISDN-6-CONNECT
    |\b(?:SELECT|INSERT|UPDATE|DELETE)\b[^\n]*\b(?:FROM|INTO|SET|WHERE)\b   # SQL
    """,
    re.VERBOSE | re.MULTILINE,
)
# Each mark of code above holds one of these characters, or a SQL keyword: most prose has
# none, and is not searched for the marks.
_CODE_CHARACTERS = re.compile(r"[_({}=<>:/\\%]")
_SQL_KEYWORDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
# A short line ending in ';' is a statement (a sentence wrapped at ';' is longer).
STATEMENT_LENGTH = 40
# An indented line (code, a quoted passage, a table cell, rarely a sentence) or a comment.
_INDENTED = re.compile(r" {4,}\S|[ \t]*(?:#|//|/\*)")
_INDENT_STARTS = (" ", "\t", "#", "/")  # what an indented line or a comment starts with
# A table row: cells separated by '|', a tab or a wide gap (prose has none of them).
_TABLE = re.compile(r"\||\t|\S {3,}\S")
_NUMBER = re.compile(r"[-+$€£]?\d[\d.,:]*%?")
_DIGIT = re.compile(r"\d")
# A ruled or framed line: "-----", "=== TITLE ===", "***TITLE***", "*  WORD  *".
_RULE = re.compile(r"([-=*#~_+%<>])\1{2,}")
_FRAME = re.compile(r"[ \t]*[-=*#~_+%<>|][^\n]*[-=*#~_+%<>|][ \t]*")
# A list item's marker: "- ", "* ", "1. ", "01) ", "a. ".
LIST_MARKER = re.compile(r"[ \t]*(?:[-*•·▪►]+|\d{1,3}[.)]|[A-Za-z][.)])[ \t]+")
# How near the end a footer must start (in non-blank lines after its ruled line).
FOOTER_LINES = 20


def lines_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text``, without its newline."""
    spans = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        spans.append((start, end))
        start = end + 1
    return spans


def has_lowercase(text: str) -> bool:
    return any(ch.islower() for ch in text)


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def is_capitals_line(line: str) -> bool:
    """A line with letters, none of them lower case."""
    if line.isascii():  # its letters are its cased characters: what isupper() asks, in C
        return line.isupper()
    return has_letters(line) and not has_lowercase(line)


def layout_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` that is layout rather than prose."""
    return list(_layout_spans(text))


@text_cache(maxsize=32)
def _layout_spans(text: str) -> tuple[tuple[int, int], ...]:
    lines = lines_of(text)
    strings = text.split("\n")  # the text of each line
    layout: set[int] = set()
    paragraphs = _paragraphs(strings)
    # A heading titles what follows: a line in capitals with nothing after it is said, not a title.
    last = paragraphs[-1][-1] if paragraphs else -1
    for paragraph in paragraphs:
        block = [strings[i] for i in paragraph]
        start, end = lines[paragraph[0]][0], lines[paragraph[-1]][1]
        if _has_code(text, start, end) \
                or (";" in text[start:end] and any(_is_statement(line) for line in block)):
            layout.update(paragraph)  # code: its plain lines ("BEGIN", "END LOOP") too
            continue
        layout.update(_notice_lines(paragraph, block))
        for index, line in zip(paragraph, block):
            if _is_layout_line(line, titles_what_follows=index != last):
                layout.add(index)
    footer = _footer_start(text, lines)
    if footer is not None:
        layout.update(range(footer, len(lines)))
    return tuple(lines[i] for i in sorted(layout))


def _has_code(text: str, start: int, end: int) -> bool:
    """Whether a line of ``text[start:end]`` (whole lines) holds a mark of code. No mark runs
    across a line break, and ^ and $ match at the ends of lines, so the lines are searched
    together."""
    found = _CODE_CHARACTERS.search(text, start, end)
    lines = text[start:end]
    if any(keyword in lines for keyword in _SQL_KEYWORDS):
        return _CODE.search(text, start, end) is not None
    # Other marks each hold a code character: only the lines with one are searched, and each
    # from three characters before its first one, where the earliest mark can start (" ../x/"),
    # but for a brace that opens its line ("    {").
    while found is not None:
        first = found.start()
        line_start = text.rfind("\n", start, first) + 1 or start
        line_end = text.find("\n", first, end)
        if line_end == -1:
            line_end = end
        if text[first] in "{}" and not text[line_start:first].strip(" \t"):
            return True
        if _CODE.search(text, max(line_start, first - 3), line_end) is not None:
            return True
        found = _CODE_CHARACTERS.search(text, line_end, end)
    return False


def _notice_lines(paragraph: list[int], block: list[str]) -> list[int]:
    """Lines of a notice in capitals: two or more capitalised lines in a row, none with '!'
    ("IF YOU RESPOND TO THIS MAILING, REMEMBER TO ..."). One such line alone may be shouted."""
    found: list[int] = []
    run: list[int] = []
    for index, line in [*zip(paragraph, block), (-1, "")]:
        if is_capitals_line(line) and "!" not in line:
            run.append(index)
            continue
        if len(run) >= 2:
            found.extend(run)
        run = []
    return found


def _paragraphs(lines: list[str]) -> list[list[int]]:
    """The indexes of the lines of each paragraph (lines between blank lines)."""
    paragraphs: list[list[int]] = []
    current: list[int] = []
    for index, line in enumerate(lines):
        if line.strip():
            current.append(index)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _is_statement(line: str) -> bool:
    body = line.strip()
    return body.endswith(";") and len(body) <= STATEMENT_LENGTH


def _is_layout_line(line: str, titles_what_follows: bool = True) -> bool:
    # (Each expression is tried only when the character it needs is there.)
    if (":" in line and _HEADER_LINE.match(line)) \
            or (line[:1] in _INDENT_STARTS and _INDENTED.match(line)) or _RULE.search(line):
        return True
    body = line.strip(" ")
    if ("|" in body or "\t" in body or "   " in body) and _TABLE.search(body):
        return True
    if _FRAME.fullmatch(line) and len(body) > 1:
        return True
    if _DIGIT.search(body):  # (each figure holds a digit)
        words = body.split()
        numbers = sum(1 for word in words if _NUMBER.fullmatch(word))
        if numbers >= 2 and numbers * 3 >= len(words):
            return True  # a row of figures
    if not titles_what_follows:
        return bool(LIST_MARKER.match(line)) and is_capitals_line(line)
    return is_heading(line)


# A heading titles what follows in a few words; a longer line in capitals that speaks to the
# reader ("PLEASE READ THIS BEFORE YOU DELETE IT") is a sentence, shouted.
HEADING_WORDS = 6
ADDRESSES_READER = re.compile(r"\b(?:YOU|YOUR|YOU'?RE|YOURS|YOURSELF|PLEASE|U|UR)\b")


def is_heading(line: str) -> bool:
    """A line in capitals that titles what follows: a list item, or a line that does not end
    as a sentence does ('.' or '!'; a question or an ellipsis may title a section), unless it
    is longer than a heading and speaks to the reader."""
    if not is_capitals_line(line):
        return False
    if LIST_MARKER.match(line):
        return True
    if len(line.split()) > HEADING_WORDS and ADDRESSES_READER.search(line.upper()):
        return False
    end = line.rstrip().rstrip("\"'”’)]*")
    return end.endswith(("...", "…")) or not end.endswith((".", "!"))


def _footer_start(text: str, lines: list[tuple[int, int]]) -> int | None:
    """The index of the ruled line that opens a footer near the end (a mailing list's
    subscription lines, a sponsor's box), or None."""
    remaining = 0
    for index in range(len(lines) - 1, -1, -1):
        line = text[lines[index][0]:lines[index][1]]
        if not line.strip():
            continue
        if _RULE.match(line.strip()) and remaining:
            return index
        remaining += 1
        if remaining > FOOTER_LINES:
            return None
    return None
