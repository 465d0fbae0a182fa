"""What a Python check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


# Texts longer than this are not kept in the checks' caches: 64 cached bodies of megabytes each
# held hundreds of megabytes in a long run, and a long text is rare enough to work out again.
CACHED_CHARS = 20_000
_Function = TypeVar("_Function", bound=Callable[..., Any])


def text_cache(maxsize: int) -> Callable[[_Function], _Function]:
    """``lru_cache`` for a function whose first argument is a text, bypassed for long texts."""
    def decorate(function: _Function) -> _Function:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(text: str, *args: Any) -> Any:
            if len(text) > CACHED_CHARS:
                return function(text, *args)
            return cached(text, *args)

        return call  # type: ignore[return-value]

    return decorate
