"""Words and sentences of a text, as the rules read them.

A token is a word, a number or one punctuation mark, with its character span in the text and
its *norm*: lower case, straight apostrophes, contractions written out ("don't" -> "do",
"not"; "you're" -> "you", "are"; "it's" -> "it", "is", or "has" before "been" or "got";
"let's" -> "let", "us"), phone shorthand written out ("pls" -> "please", "thx" ->
"thanks"), URLs and e-mail addresses as ``<url>`` and ``<email>``.
Rules are written against norms, so "Don’t", "don't", "DONT" and "do not" read alike. Hyphens
inside words separate them ("first-come" -> "first", "come"); a plural marked "(s)" is the
plural ("item(s)" -> "items").

"'s" after a noun is a possessive and stays a token of its own ("Leah's idea" -> "leah",
"'s", "idea"), as does "'d" (had or would).

Sentences are what spaCy's sentencizer would make of prose, plus what e-mail does with lines:
a blank line ends a sentence, and so does a short line without end punctuation ("Hi Dana,").
Nothing here needs a language model: the tokenizer is one regular expression.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate, compress, count, repeat
from operator import add
from dataclasses import dataclass

# A boundary between sentences in the encoded text (never a token's norm).
BOUNDARY = "\x1e"
# Marks that end a clause: gaps in a pattern never run across them.
CLAUSE_BREAKS = frozenset({";", ":", "—", "–", "(", ")", "[", "]", "•", "|", BOUNDARY})
# A gap steps over one short aside in brackets, whole, as if it were not there ("the founding
# rate (normally £55) is only available until 6pm"): it never runs into one or out of one.
ASIDE_OPEN = "("
ASIDE_CLOSE = ")"
ASIDE_MAX_TOKENS = 8
SENTENCE_END = frozenset({".", "!", "?", "…", "‼", "⁇", "⁈", "⁉", "。", "！", "？"})
SHORT_LINE = 40

# The kinds of token, tried in this order at each place. The abbreviations are written as a
# tree of their letters, so that a word is tried against the few that share its first letter.
_TOKEN_KINDS = (
    ("url", r"""(?:https?://|www\.)[^\s<>()"']+[^\s<>()"'.,;:!?]"""),
    ("email", r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+"),
    ("ampm", r"\b[ap]\.m\.(?!\w)"),
    # e.g, i.e, a.k.a, u.s, u.k, etc, vs, mr, mrs, ms, dr, jr, inc, ltd, corp, approx, dept,
    # and the months jan, feb, apr, jun, jul, aug, sep, sept, oct, nov
    ("abbr", r"\b(?:a(?:\.k\.a|pprox|pr|ug)|corp|d(?:ept|r)|e(?:\.g|tc)|feb|i(?:\.e|nc)"
             r"|j(?:an|r|u[nl])|ltd|m(?:rs?|s)|nov|oct|sept?|u\.[sk]|vs)\.(?!\w)"),
    ("number", r"\d+(?:[.,:]\d+)*"),
    ("word", r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:\(s\)(?!\w))?"),
    ("other", r"\S"),
)
_TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TOKEN_KINDS),
                    re.IGNORECASE)
# The same tokens, each with the white space before it, for re.split: the text comes back as
# alternating white space and tokens (every other character belongs to a token, if only as
# "other"), and their lengths add up to every token's span at C speed. Taking the white space
# in one step also spares trying every kind at every space. Most tokens are plain words
# followed by a space or a mark that no other kind of token can hold there (a URL needs its
# ':' or '.', an address its '@', an abbreviation its '.'): those are taken first, whole.
_SPACED_TOKEN = re.compile(
    r"(\s*)([^\W\d_]+(?=[\s,;!?)]|\Z)|" + "|".join(pattern for _, pattern in _TOKEN_KINDS)
    + ")", re.IGNORECASE)
# Contractions written out: the part before the apostrophe, and what the ending stands for.
_ENDINGS = {"n't": "not", "'re": "are", "'ll": "will", "'ve": "have", "'m": "am"}
_IRREGULAR_NOT = {"won't": "will", "can't": "can", "shan't": "shall", "ain't": "is"}
# Words after which "'s" is "is" (or "has"), never a possessive: "it's", "that's", "who's".
_S_IS_AFTER = frozenset({"it", "that", "this", "there", "here", "what", "he", "she", "who",
                         "where", "how", "when", "why"})
# "It's been a week", "she's got": "'s" is "has" before these.
_S_HAS_BEFORE = re.compile(r"\s+(?:been|got|gotten)\b", re.IGNORECASE)
# Contractions typed without the apostrophe (in a hurry, on a phone).
_UNMARKED = {
    "dont": ("do", "not"), "cant": ("can", "not"), "wont": ("will", "not"),
    "isnt": ("is", "not"), "doesnt": ("does", "not"), "didnt": ("did", "not"),
    "wasnt": ("was", "not"), "werent": ("were", "not"), "arent": ("are", "not"),
    "havent": ("have", "not"), "hasnt": ("has", "not"), "hadnt": ("had", "not"),
    "couldnt": ("could", "not"), "wouldnt": ("would", "not"), "shouldnt": ("should", "not"),
    "youre": ("you", "are"), "youve": ("you", "have"), "youll": ("you", "will"),
    "theyre": ("they", "are"), "im": ("i", "am"), "ive": ("i", "have"),
    "thats": ("that", "is"), "whats": ("what", "is"), "theres": ("there", "is"),
}
# Letters styled with look-alike code points ("𝐅𝐈𝐍𝐀𝐋 𝐍𝐎𝐓𝐈𝐂𝐄" in mathematical bold, "ＵＲＧＥＮＴ" in
# full width) to stand out, or to slip past filters: read as the plain letters they show. One
# code point each way, so a token's span stays the same.
_STYLED_LETTERS = re.compile("[\U0001D400-\U0001D7FF\uFF01-\uFF5E]")


def _unstyled(token: str) -> str:
    """``token`` with styled letters as plain ones."""
    return unicodedata.normalize("NFKC", token) if _STYLED_LETTERS.search(token) else token


# Words typed short on a phone, read as the words they stand for ("pls reply", "thx").
# "u" and "ur" stay as typed: "hi u" is over-familiar where "hi you" is not, and "ur" is
# "your" or "you're".
_SHORTHAND = {"pls": "please", "plz": "please", "thx": "thanks", "thnx": "thanks"}


@dataclass(frozen=True)
class Tokens:
    """The tokens of one text: parallel lists of norms and character spans, and the index of
    the first token of each sentence."""

    text: str
    norms: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    sentence_starts: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.norms)

    def sentence_of(self, index: int) -> tuple[int, int]:
        """(first, end-exclusive) token indexes of the sentence holding token ``index``."""
        position = bisect_right(self.sentence_starts, index) - 1
        first = self.sentence_starts[max(position, 0)]
        end = self.sentence_starts[position + 1] if position + 1 < len(self.sentence_starts) \
            else len(self.norms)
        return first, end

    def char_span(self, first: int, end: int) -> tuple[int, int]:
        """Character (start, end) of tokens [first, end)."""
        return self.starts[first], self.ends[end - 1]


def tokenize(text: str) -> Tokens:
    """The tokens and sentences of ``text``."""
    norms: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    # Lower case once for the whole text when it is ASCII (its lower case is then the same
    # letter for letter, whatever surrounds it, and splits into the same tokens); other text is
    # lowered token by token.
    ascii_text = text.isascii()
    # Every character but white space belongs to a token, so only the white space at the end is
    # followed by none; left in, split would try it from each of its places and scan it to the
    # end every time (quadratic in a long blank tail, such as a template's blanked directives).
    words = text[:len(text.rstrip())]
    pieces = _SPACED_TOKEN.split(words.lower() if ascii_text else words)
    # pieces: "", white space, token, "", white space, token, ..., the trailing white space.
    bounds = list(accumulate(map(len, pieces)))
    found = pieces[2::3]
    if ascii_text:
        values = found
    elif _STYLED_LETTERS.search(words) is None:  # most other text: no token to unstyle
        values = list(map(str.lower, found))
    else:
        values = [_unstyled(token).lower() for token in found]
    for token, value, start, end in zip(found, values, bounds[1::3], bounds[2::3]):
        if token.isalpha():  # a plain word (letters only: no other kind of token is)
            if value in _UNMARKED:
                _add_word(value, start, norms, starts, ends, text)
            else:
                norms.append(_SHORTHAND.get(value, value))
                starts.append(start)
                ends.append(end)
        else:
            _add_token(text, value, start, end, norms, starts, ends)
    return Tokens(text, tuple(norms), tuple(starts), tuple(ends),
                  tuple(_sentence_starts(text, norms, starts, ends)))


def _add_token(text: str, value: str, start: int, end: int, norms: list[str],
               starts: list[int], ends: list[int]) -> None:
    """Add the token ``value`` (lower case) found at [start, end), by its kind."""
    # One mark that is neither letter nor digit is "other": every other kind takes more
    # characters, or letters or digits (most such tokens are punctuation: no match needed).
    kind = "other" if len(value) == 1 and not value.isalnum() else \
        _TOKEN.match(text, start).lastgroup  # type: ignore[union-attr]
    if kind == "word":
        if value.endswith("(s)"):  # "item(s)", "seat(s)": the plural, as a form reads it
            value = value[:-3] + "s"
        if "'" in value or "’" in value or value in _UNMARKED:
            _add_word(value.replace("’", "'"), start, norms, starts, ends, text)
        else:  # most words: no contraction to write out
            norms.append(_SHORTHAND.get(value, value))
            starts.append(start)
            ends.append(end)
        return
    if kind == "url" or kind == "email":
        value = f"<{kind}>"
    elif kind == "ampm":
        value = value.replace(".", "")
    elif kind == "other":
        if value == "-" and 0 < start and end < len(text) and text[start - 1].isalnum() \
                and text[end].isalnum():
            return  # a hyphen inside a word only separates its parts
        if value == BOUNDARY:
            value = " "  # never confused with a sentence boundary
    norms.append(value)
    starts.append(start)
    ends.append(end)


def _add_word(word: str, start: int, norms: list[str], starts: list[int],
              ends: list[int], text: str) -> None:
    end = start + len(word)
    if "'" in word:
        if word in _IRREGULAR_NOT:
            parts = [(_IRREGULAR_NOT[word], start, end - 3), ("not", end - 3, end)]
        else:
            head, _, tail = word.rpartition("'")
            ending = "'" + tail
            if ending == "'t" and head.endswith("n"):
                parts = [(head[:-1], start, end - 3), ("not", end - 3, end)]
            elif ending == "'s" and (head in _S_IS_AFTER or head == "let"):
                verb = "us" if head == "let" else \
                    "has" if _S_HAS_BEFORE.match(text, end) else "is"
                parts = [(head, start, start + len(head)), (verb, end - 2, end)]
            elif ending in _ENDINGS:
                parts = [(head, start, start + len(head)), (_ENDINGS[ending], end - len(ending), end)]
            elif ending in ("'s", "'d"):
                parts = [(head, start, start + len(head)), (ending, end - len(ending), end)]
            else:
                parts = [(word, start, end)]
    elif word in _UNMARKED:
        first, second = _UNMARKED[word]
        cut = start + len(first) if word.startswith(first) else end - len(second)
        parts = [(first, start, cut), (second, cut, end)]
    else:
        parts = [(word, start, end)]
    for norm, first_char, last_char in parts:
        if norm:
            norms.append(norm)
            starts.append(first_char)
            ends.append(last_char)


def _sentence_starts(text: str, norms: list[str], starts: list[int],
                     ends: list[int]) -> list[int]:
    """The first token of each sentence (see the module's docstring)."""
    if not norms:
        return [0]
    # Tokens hold no line break: the one a line break comes before is the first token that
    # starts after it.
    # (The line breaks' offsets are the lines' running lengths, one more for each break.)
    line_lengths = accumulate(map(len, text.split("\n")[:-1]))
    after_newline = set(map(bisect_right, repeat(starts), map(add, line_lengths, count())))
    # A sentence can begin only after a line break or after an end mark, so only those places
    # are read (and, after an end mark, the marks and closing quotes that follow it).
    size = len(norms)
    after_end_mark = compress(range(1, size), map(SENTENCE_END.__contains__, norms))
    places = sorted({index for index in after_newline if 0 < index < size}.union(after_end_mark))
    found = [0]
    seen_end = False
    line_start = 0
    index = 0
    place = 0
    while True:
        if seen_end:
            index += 1
            if index >= size:
                break
        else:
            while place < len(places) and places[place] <= index:
                place += 1
            if place == len(places):
                break
            index = places[place]
        previous, norm = norms[index - 1], norms[index]
        if previous in SENTENCE_END:
            seen_end = True
        if index in after_newline:
            between = text[ends[index - 1]:starts[index]]
            line = text[line_start:ends[index - 1]]
            line_start = starts[index]
            short = len(line.strip()) <= SHORT_LINE and previous not in SENTENCE_END
            if "\n\n" in between.replace(" ", "").replace("\t", "").replace("\r", "") or short \
                    or _starts_item(text, starts[index]):
                found.append(index)
                seen_end = False
                continue
        if seen_end and norm not in SENTENCE_END and not _is_closing(norm):
            found.append(index)
            seen_end = False
    return found


def _is_closing(norm: str) -> bool:
    return norm in {'"', "'", ")", "]", "”", "’", "»"}


_ITEM = re.compile(r"[-*•·▪►>]\s|\d{1,2}[.)]\s")


def _starts_item(text: str, offset: int) -> bool:
    """Whether a line beginning at ``offset`` is a list item ("- ", "* ", "1. ")."""
    return _ITEM.match(text, offset) is not None


def in_list_item(text: str, offset: int) -> bool:
    """Whether the line that holds ``offset`` is a list item: after its indent, a bullet or
    a number ("- ", "• ", "2) ")."""
    line_start = text.rfind("\n", 0, offset) + 1
    indent = len(text[line_start:offset]) - len(text[line_start:offset].lstrip(" \t"))
    return _starts_item(text, line_start + indent)
