"""What a Python check returns, and what the checks share: a cache of results per text, what
a word character is, and how to write a word-start expression a search is fast on."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, Callable, TypeVar


@dataclass(frozen=True)
class Hit:
    """A span of the subject or body that a check reports, with values for the rule's message.

    ``values`` fill placeholders in the rule's message (``{count}``); ``{text}`` is always the
    text of the span.
    """

    field: str
    start: int
    end: int
    values: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)


# Texts longer than this are kept in the checks' caches one at a time: 64 cached bodies of
# megabytes each held hundreds of megabytes in a long run, while the several checks that ask
# about one long message must still share the work (five address searches over a 4 MB text
# took 26 s).
CACHED_CHARS = 20_000
_Function = TypeVar("_Function", bound=Callable[..., Any])


def text_cache(maxsize: int) -> Callable[[_Function], _Function]:
    """``lru_cache`` for a function whose first argument is a text; long texts are
    remembered only until the next long text."""
    def decorate(function: _Function) -> _Function:
        cached = lru_cache(maxsize=maxsize)(function)
        cached_long = lru_cache(maxsize=1)(function)

        @wraps(function)
        def call(text: str, *args: Any) -> Any:
            if len(text) > CACHED_CHARS:
                return cached_long(text, *args)
            return cached(text, *args)

        return call  # type: ignore[return-value]

    return decorate


def is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what \w matches in a str pattern


def word_start(*alternatives: str) -> str:
    r"""``\b(?:alternative|...)``, for alternatives that each start with a letter, written so
    that a search is fast: the expression starts with the set of first letters, which the regex
    engine skips to without trying the rest at every position, and then checks that the letter
    starts a word and is the one its alternative starts with. It matches what ``\b(?:...)``
    matches, at the same places, trying the alternatives in the same order."""
    firsts = "".join(dict.fromkeys(alternative[0] for alternative in alternatives))
    return (f"[{firsts}](?<!\\w.)(?:"
            + "|".join(f"(?<={alternative[0]}){alternative[1:]}" for alternative in alternatives)
            + ")")
