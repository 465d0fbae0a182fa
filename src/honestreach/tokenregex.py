"""A compiled word pattern written as one regular expression over a text's tokens."""

from __future__ import annotations

import re
from typing import Iterable

from .patternslots import AnyWord, Either, Gap, NotNext, Number, Optional, Seq, SentenceStart, \
    Slot, Words
from .tokens import BOUNDARY, CLAUSE_BREAKS

# -- regular expressions over tokens ----------------------------------------------------------
# A text is written as " norm" for each token, with " \x1e" between sentences (see
# wordmatch.encode); a slot is the regular expression of its tokens, each with its space.
_ANY_TOKEN = "(?: (?!(?:%s)(?= |$))[^ ]+)" % "|".join(re.escape(b) for b in sorted(CLAUSE_BREAKS))


# The expression of each slot and class written so far: a class is written once.
_WRITTEN: dict[Seq | Slot, str] = {}


def token_regex(seq: Seq) -> str:
    """The regular expression of a compiled pattern (its tokens, then the end of a token)."""
    return _regex(seq, _WRITTEN) + "(?= |$)"


def _regex(node: Seq | Slot, memo: dict[Seq | Slot, str]) -> str:
    known = memo.get(node)
    if known is not None:
        return known
    if isinstance(node, Seq):
        found = "".join(_regex(slot, memo) for slot in node.slots)
    elif isinstance(node, Words):
        found = " (?:" + _word_trie(node.forms) + ")"
    elif isinstance(node, Number):
        found = r" \d+(?::\d+)+" if node.clock else r" \d[\d.,:]*"
    elif isinstance(node, AnyWord):
        found = _ANY_TOKEN
    elif isinstance(node, Gap):
        found = f"{_ANY_TOKEN}{{0,{node.size}}}?"
    elif isinstance(node, SentenceStart):
        found = f"(?:^|(?<={BOUNDARY}))"
    elif isinstance(node, NotNext):
        found = f"(?!{_regex(node.ruled_out, memo)}(?= |$))"
    elif isinstance(node, Optional):
        found = f"(?:{_regex(node.body, memo)})?"
    else:
        found = "(?:" + "|".join(_regex(option, memo) for option in node.options) + ")"
    memo[node] = found
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
