"""What a compiled word pattern is made of: the slots, the sequences of slots and the compiled
pattern with the words a text must hold for it to match. The rule cache pickles them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


# -- slots ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Words:
    """One token whose norm is one of ``forms``."""

    forms: frozenset[str]


@dataclass(frozen=True, eq=False)
class Number:
    """One token of digits; with ``clock``, only digits with colons (a time, a timer)."""

    clock: bool = False


@dataclass(frozen=True, eq=False)
class AnyWord:
    """Any one token that is not a clause mark."""


@dataclass(frozen=True, eq=False)
class Gap:
    """Up to ``size`` tokens of anything but clause marks."""

    size: int


@dataclass(frozen=True, eq=False)
class SentenceStart:
    """No token: the position where a sentence begins."""


@dataclass(frozen=True, eq=False)
class NotNext:
    """No token: the next token does not begin ``ruled_out``."""

    ruled_out: Slot


@dataclass(frozen=True, eq=False)
class Optional:
    """``body``, or nothing."""

    body: Seq


@dataclass(frozen=True, eq=False)
class Either:
    """One of several sequences (a class, or ``a|b`` slots); ``name`` is the class's.

    ``by_first`` maps a norm to the options that can begin with it, ``by_number`` holds those
    that can begin with a number and ``anywhere`` those that can begin with anything (or with
    nothing): at one token only a few options need trying."""

    options: tuple[Seq, ...]
    name: str = ""
    by_first: dict[str, tuple[Seq, ...]] = field(default_factory=dict, repr=False)
    by_number: tuple[Seq, ...] = ()
    anywhere: tuple[Seq, ...] = ()


Slot = Union[Words, Number, AnyWord, Gap, SentenceStart, NotNext, Optional, Either]


@dataclass(frozen=True, eq=False)
class Seq:
    """Slots one after another, with what a text must hold for them to match."""

    slots: tuple[Slot, ...]
    # Norms the sequence can begin with; None when it can begin with any token or a number.
    firsts: frozenset[str] | None = None
    # Word sets the sequence cannot match without (one norm of each must be in the text).
    required: tuple[frozenset[str], ...] = ()
    optional: bool = False  # it may match no token at all
    starts_with_number: bool = False


@dataclass(frozen=True)
class CompiledPattern:
    """A pattern compiled: its slots, and the words a text must hold for it to match (one set
    per required slot: it can only match where every set meets the text's words)."""

    source: str
    seq: Seq = field(compare=False)
    needs: tuple[frozenset[str], ...] = field(compare=False)
