"""Every rule's own examples, run: each 'bad' example must trigger the rule, no 'good' one may."""

from __future__ import annotations

import pytest

from pathlib import Path
from textwrap import dedent

from honestreach.campaign.audit import audit_records
from honestreach.config import Config
from honestreach.crm import load_crm
from honestreach.engine import Engine
from honestreach.message import message_from_text, parse_draft
from honestreach.guarded_regex import compile_guarded
from honestreach.rules import Example, RegexPattern, Rule, keyword_text, load_rules
from honestreach.policy import Policy
from honestreach.templates import template_checker
from honestreach.verify import verify_message

RULESET = load_rules(validate_builtin=True)
RULES = {rule.id: rule for rule in RULESET.rules}
ENGINE = Engine(RULESET.rules)
# Rules of the CRM stage run their examples against the bundled example CRM.
EXAMPLE_CRM = load_crm(Path(__file__).parent.parent / "examples" / "crm")
# Rules of the template stage run their examples (template sources) through the template linter,
# rendered against the built-in samples.
TEMPLATES = template_checker(RULESET, ENGINE)


def _cases(kind: str) -> list[tuple[Rule, Example]]:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{kind}{index}")
        for rule in RULESET.rules
        for index, example in enumerate(getattr(rule, f"{kind}_examples"))
    ]


def _fired(rule: Rule, example: Example) -> list[str]:
    if rule.stage == "campaign":
        # Campaign rules' examples are campaigns (JSONL, one send a line), audited in-process.
        result = audit_records(example.body or "", EXAMPLE_CRM)
        assert result.summary["rows"]["failed"] == 0, result.summary
        return [",".join(f["ids"]) for f in result.campaign_findings if f["rule"] == rule.id]
    if rule.stage == "template":
        source = (f"{{# Subject: {example.subject} #}}\n" if example.subject else "") + \
            (example.body or "")
        result = TEMPLATES.check("example.txt.j2", source)
        assert not result.errors
        return [f.text for f in result.findings if f.rule == rule.id]
    if rule.stage == "crm":
        assert example.to, f"{rule.id}: examples of CRM-stage rules name a recipient ('to')"
        message = parse_draft("example.txt", f"Subject: {example.subject or 'Hello'}\n"
                                             f"To: {example.to}\n\n{example.body or ''}")
        result = ENGINE.check(message)
        verified = verify_message(message, result.claims, EXAMPLE_CRM, rules=RULES)
        return [f.text for f in verified.findings if f.rule == rule.id]
    message = message_from_text(example.body or "", example.subject)
    result = ENGINE.check(message)
    assert not result.errors
    found = result.findings + result.claims
    if rule.stage == "suppression":  # the directives the example holds, applied
        policy = Policy(Config(), RULES)
        suppressions, errors = policy.suppressions(message.source, message.path)
        assert not errors
        found = policy.apply(found, suppressions, message.source)
    return [f.text for f in found if f.rule == rule.id]


def test_builtin_rules_load_cleanly() -> None:
    assert RULESET.errors == []
    assert not ENGINE.errors


@pytest.mark.parametrize(("rule", "example"), _cases("bad"))
def test_bad_example_triggers_rule(rule: Rule, example: Example) -> None:
    assert _fired(rule, example), f"{rule.id} did not fire on {example}"


@pytest.mark.parametrize(("rule", "example"), _cases("good"))
def test_good_example_is_clean(rule: Rule, example: Example) -> None:
    assert _fired(rule, example) == [], f"{rule.id} fired on {example}"


# --- keyword pre-filters ---------------------------------------------------------------------
# A regex pattern with `keywords` only runs when the text, in the form the engine looks for
# keywords in (keyword_text: lower case, single spaces, straight apostrophes), holds one of
# them, so a keyword list that misses a possible match silently drops findings. Every regex
# pattern with keywords is run here WITHOUT the pre-filter over the examples of every rule
# (subjects and bodies) and the sentences below, each also with its blanks doubled, its hyphens
# turned into spaces and its apostrophes swapped (\s+, [-\ ] and ['’] are where keyword lists
# go wrong): whenever the regex matches, one of its keywords must be in keyword_text(text).

EXTRA_SENTENCES = [
    # urgency
    "Offer ends Friday - pricing goes back up to full price on Monday.",
    "This price is only valid until the end of the month, so lock it in today.",
    "Only 24 hours left! The clock is ticking: 03:12:45 remaining.",
    "Hurry, last chance: this is it!",
    "This deal expires at 5pm today, and the deadline is tonight.",
    "Reply today to lock in the discount before it's gone.",
    # scarcity
    "Only 2 seats left for the March cohort, and they're going fast!",
    "We're only onboarding 5 new customers this quarter; 3 of the spots are already taken.",
    "Two other companies are also interested in this slot, so I'll have to give it to "
    "someone else.",
    "Doors won't reopen until next year; once these are gone, they're gone.",
    "Availability is extremely limited and demand has been overwhelming.",
    "Limited to the first 20 sign-ups who reply today. Down to our last three seats.",
    # pressure
    "I've taken the liberty of booking a call on your calendar for Tuesday.",
    "I'll take your silence as a yes and send the contract to your CFO.",
    "Unless I hear otherwise, I'll go ahead and renew your plan.",
    "Your competitors are already using this, so don't get left behind.",
    "No thanks, I don't want to grow my revenue.",
    "Every day you wait costs you $5,000; your job could be on the line.",
    "I guess growing revenue just isn't a priority for you.",
    "You wouldn't want your board to find out you were the only one who missed this.",
    "Help me hit my quota this month - my boss will kill me.",
    "This is my fifth email, and I still haven't heard back from you despite three attempts.",
    "Could you at least have the courtesy to reply? How hard is it to say no?",
    # deception
    "We're the number one CRM for distributors, and no other vendor comes close.",
    "Our best-in-class onboarding is the fastest in the industry, rated #1 by G2 users.",
    "Results are guaranteed - or your money back. It's completely risk-free: you can't lose.",
    "Join 12,000+ finance teams who already use Ledgerly; everyone is switching.",
    "Our customers 10x their pipeline in 90 days and see 300% more replies.",
    "Experts agree: studies show clinically proven results, backed by leading scientists.",
    "You've been selected for an exclusive invitation for a select few.",
    "This isn't a sales pitch, I promise; I'm not trying to sell you anything.",
    "Worth $2,000 - yours free this week (a $500 value).",
    # surveillance
    "I noticed you opened my email and clicked the link in it.",
    "I saw you were on our pricing page and looking at our docs.",
    "My tracker says you've read it 4 times, from three different cities, at 2am.",
    "Our intent data shows your team is researching alternatives.",
    "I saw your kids' soccer photos on Instagram, and I know where you live.",
    "Someone from Acme has been on our pricing page all week.",
    # disrespect
    "Not bad for a small company like yours.",
    "Let me explain this slowly so you understand; even a child could get it.",
    "Your website is a joke, and you people clearly don't get it.",
    "You're an absolute legend and a genius - the GOAT!",
    "Hey buddy, thanks champ! My man, great to see you.",
    # subjects
    "Invoice #4471 overdue - payment failed",
    "Your account has been suspended - verify your password",
    "Budget approval required: please review and sign",
    "URGENT: action required - final notice",
    "Top-rated platform for revenue teams, with the best prices anywhere.",
    "It's 100% guaranteed and proven to work for every business - guaranteed!",
    "As I keep saying, for the third time: if you had bothered to read it, I'll use small words.",
    "What were you thinking? Do your homework. How do you not know this?",
    "You walk on water.",
    "I'm surprised that you don't care. You owe it to your team, and I've gone out of my way.",
    "Your customers deserve better. I think I deserve a reply; a simple yes or no is all I ask.",
    "This could cost you your job, so act before it's too late for your team.",
    "Imagine what happens when the auditors arrive.",
    "If I don't hear back by Friday, I'll go ahead and send the contract.",
    "No reply by Friday will be taken as approval.",
    "Only 3 left! Final seats available now.",
    "You opened it twice. T-minus 3 days.",
    "I can only hold this rate until Friday. After Friday the price goes up.",
    "The offer is off the table after Monday.",
    "!! URGENT - Important: please read",
    # respectful
    "Thanks for the call on Tuesday; the agenda and the pricing page are attached.",
    "We guarantee a response within one business day under our SLA.",
    "Several teams cut their close from five days to three; here is the case study.",
    "The workshop has 40 places, and registration closes on 12 March.",
    "Would a short call on Thursday or Friday work for you? No pressure either way.",
]


def _variants(text: str) -> set[str]:
    return {text, text.replace(" ", "  "), text.replace("-", " "),
            text.replace("'", "’"), text.replace("’", "'")}


KEYWORD_TEXTS = sorted({
    variant
    for text in [
        *EXTRA_SENTENCES,
        *(part for rule in RULESET.rules
          for example in rule.bad_examples + rule.good_examples
          for part in (example.subject, example.body) if part),
    ]
    for variant in _variants(text)
})


def _keyword_cases() -> list:
    return [
        pytest.param(rule, pattern, id=f"{rule.id}-{index}")
        for rule in RULESET.rules
        for index, pattern in enumerate(rule.patterns)
        if isinstance(pattern, RegexPattern) and pattern.keywords
    ]


@pytest.mark.parametrize(("rule", "pattern"), _keyword_cases())
def test_keywords_hold_for_every_match(rule: Rule, pattern: RegexPattern) -> None:
    for group in pattern.keywords:
        assert all(k and k == keyword_text(k) for k in group), group
    compiled = compile_guarded(pattern.regex)
    matched = [text for text in KEYWORD_TEXTS if compiled.search(text, timeout=1.0)]
    for group in pattern.keywords:
        missed = [text for text in matched
                  if not any(keyword in keyword_text(text) for keyword in group)]
        assert not missed, (
            f"{rule.id}: the regex matches texts that hold none of its keywords "
            f"{list(group)}: {missed[:3]}"
        )


def test_the_keyword_test_sees_each_regex_match() -> None:
    # The texts above must actually exercise the patterns: most regex patterns with keywords
    # match at least one of them (else the test above would pass vacuously).
    cases = [param.values for param in _keyword_cases()]
    matched = sum(
        1 for _, pattern in cases
        if any(compile_guarded(pattern.regex).search(text, timeout=1.0) for text in KEYWORD_TEXTS)
    )
    assert matched >= 0.9 * len(cases), f"only {matched} of {len(cases)} patterns matched"


def test_keyword_groups_choose_the_paragraphs_a_regex_searches() -> None:
    from honestreach.engine.keywords import KeywordIndex

    index = KeywordIndex([(("offer", "deal"), ("midnight",)), (("offer",),), ()])
    text = "The offer is good.\n\nIt ends at midnight.\n\nThe deal ends at midnight."
    windows = index.windows(text)
    third = text.index("The deal")
    # Both groups only meet in the third paragraph; one group is enough for the second
    # pattern; the third (no keywords) searches everything.
    assert windows[0] == [(third, len(text))]
    assert windows[1] == [(0, text.index("It ends"))]
    assert windows[2] == [(0, len(text))]


def test_keyword_groups_in_a_rule_file(tmp_path: Path) -> None:
    rule = tmp_path / "rules" / "midnight-offer.yaml"
    rule.parent.mkdir()
    rule.write_text(dedent("""\
        name: Offer ends at midnight
        category: urgency
        severity: warning
        message: "Deadline: '{text}'."
        rationale: A made-up deadline.
        suggestion: Give the real date.
        patterns:
          - regex: '(?i)\\b(?:offer|deal)\\s+ends\\s+at\\s+midnight\\b'
            keywords: [[offer, deal], [midnight]]
        examples:
          bad: ["The deal ends at midnight.", "Our OFFER ends at midnight!"]
          good: ["The webinar ends at midnight.", "The offer ends in June."]
        """))
    loaded = load_rules([rule.parent])
    assert not loaded.errors, loaded.errors
    (mine,) = [r for r in loaded.rules if r.id == "midnight-offer"]
    (pattern,) = mine.patterns
    assert pattern.keywords == (("offer", "deal"), ("midnight",))
    engine = Engine([mine])
    for example in mine.bad_examples:
        assert engine.check(message_from_text(example.body)).findings, example.body
    for example in mine.good_examples:
        assert not engine.check(message_from_text(example.body)).findings, example.body
