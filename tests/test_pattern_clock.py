"""The ``#:#`` slot of the pattern language: a time on a clock or a timer, not any number."""

from __future__ import annotations

import re

import pytest

from honestreach.tokens import tokenize
from honestreach.vocab import Vocabulary, encode


def matches(pattern: str, text: str) -> bool:
    tokens = tokenize(text)
    encoded, _ = encode(tokens.norms, tokens.sentence_starts)
    return re.search(Vocabulary().compile(pattern).regex, encoded) is not None


@pytest.mark.parametrize("text", ["Sale ends in 03:41:07", "ends in 9:05", "ENDS IN 12:00:00:59"])
def test_a_clock_or_timer_reading_matches(text):
    assert matches("end in #:#", text)


@pytest.mark.parametrize("text", ["ends in 2031", "ends in 3 days", "ends in 4.5 weeks",
                                  "ends in 7 : 15"])
def test_other_numbers_do_not(text):
    assert not matches("end in #:#", text)
