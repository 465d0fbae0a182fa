"""What a Python check returns, and what the checks share: a cache of results per text, and
what a word character is."""

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
