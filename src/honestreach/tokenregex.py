"""A compiled word pattern written as one regular expression over a text's tokens."""

from __future__ import annotations

import re
from typing import Iterable

from .patternslots import AnyWord, Either, Gap, NotNext, Number, Optional, Seq, SentenceStart, \
    Slot, Words
from .tokens import ASIDE_CLOSE, ASIDE_MAX_TOKENS, ASIDE_OPEN, BOUNDARY, CLAUSE_BREAKS

# -- regular expressions over tokens ----------------------------------------------------------
# A text is written as " norm" for each token, with " \x1e" between sentences (see
# wordmatch.encode); a slot is the regular expression of its tokens, each with its space.
_ANY_TOKEN = "(?: (?!(?:%s)(?= |$))[^ ]+)" % "|".join(re.escape(b) for b in sorted(CLAUSE_BREAKS))
# A short aside in brackets, which a gap steps over whole (see wordmatch).
_ASIDE = "(?: %s%s{1,%d} %s(?= |$))" % (re.escape(ASIDE_OPEN), _ANY_TOKEN, ASIDE_MAX_TOKENS,
                                       re.escape(ASIDE_CLOSE))


# A slot of more words than this is written as the first two letters of its words: it then
# stands for more tokens than the slot does, which keeps the expression a filter (it still
# matches wherever the walk does: see wordmatch), and spares compiling a long list of words
# again in every pattern that names the class. On real mail that takes a fifth off the source
# the expressions are compiled from and half off the time it takes, while the starts walked
# in vain grow by a sixth (by nearly twice with one letter).
SPELLED_OUT_WORDS = 16
SPELLED_OUT_LETTERS = 2

# The expression of each slot and class written so far, exact or loose: a class is written once.
_WRITTEN: dict[tuple[Seq | Slot, bool], str] = {}


def token_regex(seq: Seq) -> str:
    """A regular expression of a compiled pattern (its tokens, then the end of a token) that
    matches wherever the pattern does: its long word slots stand for any token that begins as
    one of their words does."""
    return _regex(seq, _WRITTEN, loose=True) + "(?= |$)"


def _regex(node: Seq | Slot, memo: dict[tuple[Seq | Slot, bool], str], loose: bool) -> str:
    known = memo.get((node, loose))
    if known is not None:
        return known
    if isinstance(node, Seq):
        found = "".join(_regex(slot, memo, loose) for slot in node.slots)
    elif isinstance(node, Words):
        if loose and len(node.forms) > SPELLED_OUT_WORDS:
            beginnings = {form[:SPELLED_OUT_LETTERS] for form in node.forms}
            found = " (?:" + _word_trie(beginnings) + ")[^ ]*"
        else:
            found = " (?:" + _word_trie(node.forms) + ")"
    elif isinstance(node, Number):
        found = r" \d+(?::\d+)+" if node.clock else r" \d[\d.,:]*"
    elif isinstance(node, AnyWord):
        found = _ANY_TOKEN
    elif isinstance(node, Gap):
        # (at most one aside, which counts as one more step here: the expression stands for
        # more than the walk, and stays a filter)
        found = f"(?:{_ANY_TOKEN}|{_ASIDE}){{0,{node.size + 1}}}?"
    elif isinstance(node, SentenceStart):
        found = f"(?:^|(?<={BOUNDARY}))"
    elif isinstance(node, NotNext):
        # What rules a match out is written exactly: standing for more, it would rule out more.
        found = f"(?!{_regex(node.ruled_out, memo, loose=False)}(?= |$))"
    elif isinstance(node, Optional):
        found = f"(?:{_regex(node.body, memo, loose)})?"
    else:
        found = "(?:" + "|".join(_regex(option, memo, loose) for option in node.options) + ")"
    memo[(node, loose)] = found
    return found


def _word_trie(words: Iterable[str]) -> str:
    """An alternation of ``words`` that shares their beginnings ("expir(?:e[ds]?|ing)"): shorter
    to compile and faster to match than one branch per word. Longer words come first, and a
    word must end where a token ends, which the next slot's space (or the end) checks."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return build(trie)
