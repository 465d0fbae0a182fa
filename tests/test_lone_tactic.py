"""A count or a deadline said once in a long message of plain facts is shown at info; said in a
short pitch, said twice, or beside another tactic, it stays a warning (the ``alone`` context;
scarcity and urgency rules default to ``alone: info``, other tactics to ``keep`` unless their
words state a fact the reader can check: a risk, a step taken for them, a count, a list price)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from honestreach.engine import LONE_TACTIC_MIN_SENTENCES, Engine
from honestreach.message import parse_draft
from honestreach.model import Finding
from honestreach.pipeline import Linter
from honestreach.rules import RuleLoadError, load_rule_file
from honestreach.sources import InputFile, parse_input

NEWS = dedent("""\
    Subject: What's new at the Harbour Street bakery

    Hi Priya,

    Here is our news for October.

    The new rye loaf is on the shelves from Tuesday. It uses flour from the mill at Ashby, which
    we visited last month. The crust is darker than our old rye and keeps for four days.

    {line}

    We moved the cafe tables to make room for a second oven. Opening hours stay the same: 7am to
    3pm, Tuesday to Sunday. The car park behind the shop is free after 10am.

    Pumpkin buns come back next week. We bake them with squash from the Ferris farm, two miles up
    the road. If you have a nut allergy, ask at the counter and we will show you the full list of
    ingredients.

    Thank you for reading, and for buying bread from a small shop.

    Tom Hale
    Harbour Street Bakery, 14 Harbour Street, Whitby YO21 3PU
    Reply "no more news" and we will take you off this list.
    """)
PITCH = dedent("""\
    Subject: Sourdough class

    Hi Priya,

    {line}

    Tom
    """)
SCARCITY = "Our Saturday sourdough class is selling fast."


def _check(text: str) -> list[Finding]:
    (result,) = Linter().check_messages([parse_input(InputFile("draft.txt", "draft",
                                                               text.encode()))])
    return [f for f in result.findings
            if f.category in ("scarcity", "urgency", "pressure", "deception")]


def test_a_count_said_once_in_a_long_message_is_shown_at_info() -> None:
    (finding,) = _check(NEWS.format(line=SCARCITY))
    assert (finding.rule, finding.severity) == ("selling-fast", "info")
    assert "only tactic in a message of" in finding.message


def test_the_same_words_in_a_short_pitch_stay_a_warning() -> None:
    (finding,) = _check(PITCH.format(line=SCARCITY))
    assert (finding.rule, finding.severity) == ("selling-fast", "warning")
    assert "only tactic" not in finding.message


SIGNED_PITCH = dedent("""\
    Subject: Sourdough class

    Hi Priya,

    Thanks for stopping by the stall on Saturday. Our next class covers starters and shaping.
    {line} It runs from 9 to 1 and lunch is included.

    Best wishes,
    Tom Hale
    Head Baker
    Harbour Street Bakery
    14 Harbour Street
    Whitby YO21 3PU
    Phone: 01947 600 123
    Web: harbourstreetbakery.example
    Reply "no more news" and we will take you off this list.
    Registered in England, company number 01234567.
    """)


def test_the_lines_below_the_sign_off_do_not_make_a_pitch_long() -> None:
    # Twelve lines of signature and footer, four sentences of message: a short pitch.
    (finding,) = _check(SIGNED_PITCH.format(line=SCARCITY))
    assert (finding.rule, finding.severity) == ("selling-fast", "warning")


def test_hurry_beside_it_keeps_both_warnings() -> None:
    findings = _check(NEWS.format(line=SCARCITY + " Book now, it ends tonight!"))
    assert {f.category for f in findings} == {"scarcity", "urgency"}
    assert {f.severity for f in findings} == {"warning"}


def test_the_same_claim_said_twice_stays_a_warning() -> None:
    text = NEWS.format(line=SCARCITY).replace(
        "Pumpkin buns come back", "The Sunday class is selling fast too. Pumpkin buns come back")
    findings = _check(text)
    assert len(findings) == 2 and {f.severity for f in findings} == {"warning"}


@pytest.mark.parametrize(("line", "rule"), [
    ("Don't risk your family's safety with an unserviced boiler.", "fear-appeal"),
    ("More than 40,000 bakers already trust our flour.", "crowd-social-proof"),
    ("We've put a loaf aside under your name for Saturday.", "assumptive-close"),
])
def test_built_in_rules_that_state_a_checkable_fact_are_weighed_alone(line: str,
                                                                     rule: str) -> None:
    (finding,) = [f for f in _check(NEWS.format(line=line)) if f.rule == rule]
    assert finding.severity == "info"
    (finding,) = [f for f in _check(PITCH.format(line=line)) if f.rule == rule]
    assert finding.severity == "warning"


def test_guilt_is_no_fact_and_stays_a_warning_alone() -> None:
    findings = _check(NEWS.format(
        line="I guess feeding your family good bread just isn't a priority for you."))
    assert findings and {f.severity for f in findings} == {"warning"}
    assert {f.category for f in findings} == {"pressure"}


RULE = dedent("""\
    name: Kettle talk
    category: {category}
    severity: warning
    message: "Kettle: '{{text}}'."
    rationale: A test rule.
    suggestion: None.
    patterns:
      - phrases: ["kettle is boiling"]
    {context}
    examples:
      bad: ["The kettle is boiling.", "Quick, the kettle is boiling."]
      good: ["The kettle is cold.", "Tea later."]
    """)
LONG = " ".join(f"Line {n} of the minutes is plain." for n in range(LONE_TACTIC_MIN_SENTENCES)) \
    + " The kettle is boiling."


def _severity(tmp_path: Path, category: str, context: str, body: str = LONG) -> str:
    path = tmp_path / "kettle-talk.yaml"
    path.write_text(RULE.format(category=category, context=context), encoding="utf-8")
    (finding,) = Engine([load_rule_file(path)]).check(parse_draft("draft.txt", body)).findings
    return finding.severity


@pytest.mark.parametrize(("category", "context", "severity"), [
    ("urgency", "", "info"),
    ("scarcity", "", "info"),
    ("urgency", "context: {alone: keep}", "warning"),
    ("pressure", "", "warning"),
    ("pressure", "context: {alone: info}", "info"),
])
def test_each_rule_says_whether_it_may_be_weighed_alone(tmp_path: Path, category: str,
                                                       context: str, severity: str) -> None:
    assert _severity(tmp_path, category, context) == severity


def test_a_message_just_short_of_the_length_keeps_the_warning(tmp_path: Path) -> None:
    short = " ".join(f"Line {n} is plain." for n in range(LONE_TACTIC_MIN_SENTENCES - 2)) \
        + " The kettle is boiling."
    assert _severity(tmp_path, "urgency", "", short) == "warning"


def test_the_alone_setting_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "kettle-talk.yaml"
    path.write_text(RULE.format(category="urgency", context="context: {alone: skip}"),
                    encoding="utf-8")
    with pytest.raises(RuleLoadError):
        load_rule_file(path)
