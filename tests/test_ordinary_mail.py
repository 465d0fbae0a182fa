"""Precision on ordinary, respectful mail: every message of tests/fixtures/ordinary (the
project's own text, see its README) is checked with the built-in rules, and none may get a
tactic or claim alarm.

An alarm is what the bank's scoring calls a false alarm on a negative: a warning or error
outside the ``compliance.*`` categories, or a personal claim at any severity, except that a
genuine reply in a thread (In-Reply-To, References, a quoted earlier message) may restate what
was said earlier at info, as the claim rules report it for the CRM to confirm.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from honestreach.masscheck import read_mail, tally
from honestreach.message import in_real_thread
from honestreach.model import FileResult, Finding, Message
from honestreach.pipeline import Linter
from honestreach.sources import MESSAGE_SUFFIXES, InputFile, parse_input

CORPUS = Path(__file__).parent / "fixtures" / "ordinary"
MESSAGE_FILES = sorted(path for path in CORPUS.iterdir() if path.suffix in (".eml", ".txt"))

# Notices outside a thread that really do make a personal claim, true for their reader and
# for a CRM to confirm: allowed at info, as a reply's restatement of its thread is.
# File name -> (rules, the claim).
CLAIMS_MADE: dict[str, tuple[tuple[str, ...], str]] = {
    "renewal-saas-annual.eml": (("relationship-renewal",),
                                "a renewal notice says the reader has a plan"),
    "support-outage-postmortem.eml": (("identity-title",),
                                      "a notice says why the reader gets it: an account owner"),
}

# Alarms the rules still raise on this corpus, each a false alarm to fix in the rules, not
# in the text: file name -> (rules that fire, why the text is honest). Strict, so a fix shows
# as an unexpected pass and its entry can go.
KNOWN_FALSE_ALARMS: dict[str, tuple[tuple[str, ...], str]] = {
    "friends-five-a-side.txt": (("held-to-word",),
                                "a friend teases a friend who offered to keep goal; nothing "
                                "in the message tells the rules it is among friends"),
}


@lru_cache(maxsize=1)
def checked() -> dict[str, tuple[Message, FileResult]]:
    """Every message of the corpus with its result, checked once in one batch."""
    messages = [parse_input(InputFile(str(path), MESSAGE_SUFFIXES[path.suffix],
                                      path.read_bytes()))
                for path in MESSAGE_FILES]
    results = Linter().check_messages(messages)
    return {Path(message.path).name: (message, result)
            for message, result in zip(messages, results)}


def is_alarm(finding: Finding, reply: bool, claims_made: tuple[str, ...] = ()) -> bool:
    if finding.category.startswith("claim."):
        allowed = reply or finding.rule in claims_made
        return finding.severity != "info" or not allowed
    return finding.severity in ("warning", "error") and \
        not finding.category.startswith("compliance.")


def alarms(name: str) -> list[Finding]:
    message, result = checked()[name]
    reply = in_real_thread(message)
    claims_made = CLAIMS_MADE.get(name, ((), ""))[0]
    return [finding for finding in result.findings if is_alarm(finding, reply, claims_made)]


def describe(name: str, findings: list[Finding]) -> str:
    return "\n".join(f"{name}: {f.rule} ({f.category}, {f.severity}) on "
                     f"{' '.join(f.text.split())!r}" for f in findings)


def _params() -> list[object]:
    params: list[object] = []
    for path in MESSAGE_FILES:
        known = KNOWN_FALSE_ALARMS.get(path.name)
        marks = [pytest.mark.xfail(strict=True, reason=f"false alarm of {', '.join(known[0])}: "
                                                       f"{known[1]}")] if known else []
        params.append(pytest.param(path.name, marks=marks, id=path.name))
    return params


def test_the_corpus_is_large_and_varied() -> None:
    assert len(MESSAGE_FILES) >= 80
    assert sum(path.suffix == ".txt" for path in MESSAGE_FILES) >= 5
    replies = sum(in_real_thread(message) for message, _ in checked().values())
    assert replies >= 10


@pytest.mark.parametrize("name", _params())
def test_ordinary_mail_raises_no_tactic_or_claim_alarm(name: str) -> None:
    _, result = checked()[name]
    assert not result.errors, result.errors
    found = alarms(name)
    assert not found, "false alarm on ordinary mail:\n" + describe(name, found)


def test_each_known_false_alarm_names_the_rules_that_fire() -> None:
    """An entry lists exactly the rules behind its file's alarms, so a rule that stops
    firing (or a new one that starts) is seen here."""
    for name in CLAIMS_MADE:
        assert name in checked(), f"{name} is not in the corpus"
    for name, (rules, _) in KNOWN_FALSE_ALARMS.items():
        assert name in checked(), f"{name} is not in the corpus"
        assert sorted({f.rule for f in alarms(name)}) == sorted(rules), \
            "update KNOWN_FALSE_ALARMS:\n" + describe(name, alarms(name))


def test_the_mass_check_counts_the_corpus_as_negatives() -> None:
    """The corpus read as `honestreach mass-check` reads a mail folder (README aside)."""
    items = [item for item in read_mail(CORPUS) if Path(item.id).suffix != ".md"]
    counts = tally(items)
    assert counts.items == counts.negatives == len(MESSAGE_FILES)
    assert not counts.errors
    # The mass-check counts any claim as an alarm; a reply restating its thread is allowed one.
    flagged = {Path(item_id).name for item_id, _, _ in counts.alarms}
    allowed = set(KNOWN_FALSE_ALARMS) | set(CLAIMS_MADE) | {
        name for name, (message, _) in checked().items() if in_real_thread(message)}
    assert flagged <= allowed, sorted(flagged - allowed)
