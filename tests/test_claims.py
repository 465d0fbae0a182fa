"""Personal claims: what the claim rules find, the specifics read from the sentence, the time
window the sentence states, and what is not a claim (negations, questions, hedges, look-alikes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import regex

from honestreach.claims import claim_specifics, reading
from honestreach.engine import Engine
from honestreach.message import message_from_text
from honestreach.model import Claim
from honestreach.rules import RegexPattern, load_rules
from honestreach.timeexpr import find_time

RULESET = load_rules()
ENGINE = Engine(RULESET.rules)
CLAIM_RULES = [r for r in RULESET.rules if r.finds_claims and not r.check and not r.stage]
# Wednesday 18 March 2026: the date every message below is resolved against.
TODAY = date(2026, 3, 18)


def claims(body: str, subject: str | None = None) -> list[Claim]:
    result = ENGINE.check(message_from_text(body, subject))
    assert not result.errors
    return [c for c in result.claims if c.category != "claim.identity"]


def only(body: str, subject: str | None = None) -> Claim:
    found = claims(body, subject)
    assert len(found) == 1, [(c.rule, c.text) for c in found]
    return found[0]


# --- extraction, specifics and time --------------------------------------------------------

@pytest.mark.parametrize(("body", "category", "specifics", "inside", "outside"), [
    # meetings
    ("Great meeting you at Web Summit Lisbon last week, and thanks for the booth tour.",
     "claim.meeting", {"event": "Web Summit Lisbon"}, date(2026, 3, 11), date(2026, 2, 20)),
    ("It was lovely to see you at the Retail Ops Forum on Monday.",
     "claim.meeting", {"event": "Retail Ops Forum"}, date(2026, 3, 16), date(2026, 3, 9)),
    ("So good running into you at FinOps Europe 2026 in Berlin.",
     "claim.meeting", {"event": "FinOps Europe 2026"}, date(2026, 2, 4), date(2025, 11, 4)),
    ("I enjoyed hearing about the roadmap over drinks at CloudConf in February.",
     "claim.meeting", {"event": "CloudConf"}, date(2026, 2, 12), date(2026, 3, 16)),
    ("Since we met at the Grocery Tech Expo, I've sketched a few ideas.",
     "claim.meeting", {"event": "Grocery Tech Expo"}, None, None),
    # conversations
    ("Following up on our call yesterday about freight audits.",
     "claim.conversation", {"kind": "call", "topic": "freight audits"}, date(2026, 3, 17),
     date(2026, 3, 10)),
    ("As promised during Monday's demo, the pricing sheet is attached.",
     "claim.conversation", {"kind": "demo"}, date(2026, 3, 16), date(2026, 3, 12)),
    ("Thanks for taking the time to meet two weeks ago.",
     "claim.conversation", {"kind": "meeting"}, date(2026, 3, 4), date(2026, 2, 1)),
    ("Per your request earlier this month, here is the security questionnaire.",
     "claim.conversation", {}, date(2026, 3, 5), date(2026, 2, 5)),
    # referrals
    ("Siobhán O'Neill-Park suggested I reach out about your data team.",
     "claim.referral", {"person": "Siobhán O'Neill-Park"}, None, None),
    ("My former colleague Jean-Luc Dumont thought we should talk.",
     "claim.referral", {"person": "Jean-Luc Dumont"}, None, None),
    ("I was introduced to you by Ana de la Cruz at Northwind.",
     "claim.referral", {"person": "Ana de la Cruz"}, None, None),
    ("Rahul Mehta told me you're rebuilding the pricing team.",
     "claim.referral", {"person": "Rahul Mehta"}, None, None),
    ("I'm writing at the suggestion of Ngozi Adeyemi.",
     "claim.referral", {"person": "Ngozi Adeyemi"}, None, None),
    ("Noor at Halvard said your team is hiring analysts.",
     "claim.referral", {"person": "Noor"}, None, None),
    ("My neighbour Tariq, who sits on your board, suggested we connect.",
     "claim.referral", {"person": "Tariq"}, None, None),
    # relationships
    ("As a long-time Brightpath customer, your team gets the new module free.",
     "claim.relationship", {"stage": "customer", "product": "Brightpath"}, None, None),
    ("As one of our reseller partners, you get early access.",
     "claim.relationship", {"stage": "partner"}, None, None),
    ("When your Brightpath subscription lapsed last year, you mentioned reporting.",
     "claim.relationship", {"stage": "former_customer", "product": "Brightpath"},
     date(2025, 6, 1), date(2026, 3, 1)),
    # content
    ("Thanks for downloading the 2026 Freight Cost Index last week.",
     "claim.content", {"kind": "download", "document": "2026 Freight Cost Index"},
     date(2026, 3, 10), date(2026, 2, 10)),
    ("Thank you for attending our webinar \"Pricing in a Downturn\" on Tuesday.",
     "claim.content", {"kind": "webinar", "document": "Pricing in a Downturn"},
     date(2026, 3, 17), date(2026, 3, 3)),
    ("Thanks for registering for Logistics Live Rotterdam.",
     "claim.content", {"kind": "registration", "event": "Logistics Live Rotterdam"}, None, None),
    ("Thanks for signing up for our Carrier Scorecard Template!",
     "claim.content", {"kind": "signup", "document": "Carrier Scorecard Template"}, None, None),
    ("I hope the Cold Chain Audit Checklist you grabbed in January was useful.",
     "claim.content", {"kind": "download", "document": "Cold Chain Audit Checklist"},
     date(2026, 1, 20), date(2026, 3, 1)),
    # company events
    ("Congratulations on closing your Series A last month!",
     "claim.company_event", {"round": "Series A"}, date(2026, 2, 10), date(2025, 12, 1)),
    ("Huge congrats on Harbourside getting acquired by Meridian Foods.",
     "claim.company_event", {"event": "acquisition", "acquirer": "Meridian Foods"}, None, None),
    ("Saw the news about Fieldstone opening a new office in Denver.",
     "claim.company_event", {"event": "office", "location": "Denver"}, None, None),
    ("Congrats on the launch of Tidepool this week.",
     "claim.company_event", {"event": "launch", "name": "Tidepool"}, date(2026, 3, 16),
     date(2026, 3, 1)),
    # threads (body)
    ("Just replying to your note from Friday about volume discounts.",
     "claim.thread", {"kind": "reply", "topic": "volume discounts"}, date(2026, 3, 13),
     date(2026, 3, 6)),
])
def test_claim_specifics_and_time(body: str, category: str, specifics: dict, inside: date | None,
                                  outside: date | None) -> None:
    found = [c for c in claims(body) if c.category == category]
    assert len(found) == 1, [(c.rule, c.text) for c in claims(body)]
    claim = found[0]
    for key, value in specifics.items():
        assert claim.specific(key) == value, (key, claim.specifics)
    window = find_time(claim.sentence, TODAY)
    if inside is None:
        return
    assert window is not None and window.contains(inside) and not window.contains(outside)


def test_the_readers_expressions_are_kept_in_the_cache_folder_and_read_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HONESTREACH_RULE_CACHE", str(tmp_path))

    def read() -> list[tuple[str, str]]:
        # As a fresh process reads them: nothing compiled, the cache folder not looked in.
        monkeypatch.setattr(reading, "_looked", False)
        for lazy in reading._MADE:
            monkeypatch.setattr(lazy, "_compiled", None)
        return [(c.category, dict(c.specifics).get("event", "")) for c in
                claims("Great meeting you at Web Summit last week. Congrats on the launch of "
                       "Tidepool this week.")]

    made = read()
    (kept,) = tmp_path.glob("claims-*.pickle")
    with monkeypatch.context() as patched:
        # Read back, no expression is compiled again.
        patched.setattr(regex, "compile", None)
        assert read() == made
    assert ("claim.meeting", "Web Summit") in made
    # A file whose digest does not match its content is not read, and is made again.
    kept.write_bytes(kept.read_bytes()[:-1] + b"x")
    assert read() == made
    with monkeypatch.context() as patched:
        patched.setattr(regex, "compile", None)
        assert read() == made


def test_subject_prefixes_are_thread_claims_with_the_topic() -> None:
    reply = only("Here are the figures.", subject="Re: Q2 freight volumes")
    assert (reply.category, reply.field, reply.specific("kind"), reply.specific("topic")) == \
        ("claim.thread", "subject", "reply", "Q2 freight volumes")
    forward = only("See below.", subject="FW: Renewal terms")
    assert (forward.specific("kind"), forward.specific("topic")) == ("forward", "Renewal terms")
    assert claims("Re: your question, yes we support SSO.", subject="SSO support") == []
    assert claims("Here are the figures.", subject="Regarding Q2 freight volumes") == []


def test_a_subject_can_end_in_the_claim() -> None:
    claim = only("Here is the proposal.", subject="Proposal as discussed")
    assert (claim.category, claim.field) == ("claim.conversation", "subject")


def test_a_shouted_event_is_given_in_title_case() -> None:
    claim = only("GREAT MEETING YOU AT WEB SUMMIT 2026!!!")
    assert claim.specific("event") == "Web Summit 2026"


def test_a_claim_about_a_named_time_does_not_take_the_day_as_the_event() -> None:
    claim = only("As promised during Thursday's demo, the worksheet is attached.")
    assert claim.specific("event") is None


# --- not claims ----------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    # negations
    "We haven't met yet, but I enjoyed your talk on freight audits.",
    "We've never spoken, so a short introduction.",
    "Nobody suggested I reach out; I found your article.",
    "You haven't downloaded anything from us.",
    # questions
    "Were you at Web Summit this year?",
    "Did Rahul suggest I reach out to you?",
    "Have you registered for Logistics Live yet?",
    # hedges
    "I might have seen you at the Retail Ops Forum.",
    "I think we met at CloudConf, but I may be wrong.",
    "Maybe Rahul mentioned you're hiring, I'm not sure.",
    # look-alikes that claim nothing
    "We'd love to meet you at Web Summit next month.",
    "Hope to see you at the Retail Ops Forum!",
    "Our customers tell us setup takes an afternoon.",
    "Download the guide here: https://example.com/guide",
    "Join our webinar on Tuesday at 10am.",
    "You're receiving this because you subscribed to our newsletter.",
    "Congrats on the new role!",
    "Feel free to forward this to your team.",
    "Over 5,000 teams already use Brightpath.",
    "Ahead of Thursday's call, here's the agenda.",
    "As mentioned above, the pilot is free.",
    "If you'd like, we could talk next week.",
    "It would be great to meet you at the Retail Ops Forum next week.",
    "Let's grab coffee at CloudConf.",
    "The buyers we met at the Grocery Tech Expo asked about returns.",
    "Our call centre takes orders around the clock.",
    "Thanks for taking the time to read this.",
    "Loved the post you shared on LinkedIn.",
])
def test_not_a_claim(body: str) -> None:
    assert claims(body) == []


# --- one claim per stretch of text ---------------------------------------------------------

@pytest.mark.parametrize("body", [
    "Great meeting you at CloudConf, and thanks for stopping by our booth.",
    "Following up on yesterday's call about freight audits.",
    "As promised during Monday's demo, here's the worksheet from Monday's demo.",
    "Rahul Mehta mentioned you're hiring and told me to reach out.",
    "Our mutual friend Rahul Mehta suggested I get in touch.",
    "Since our last call, we've added SSO.",
    "I enjoyed our call last week.",
    "Here is the checklist you asked about on our call.",
    "You brought up the NetSuite integration when we spoke.",
    "Really enjoyed our conversation at the Grocery Tech Expo.",
    "Per our discussion this morning, the SOW is attached.",
])
def test_overlapping_forms_give_one_claim(body: str) -> None:
    found = claims(body)
    assert len({c.category for c in found}) == len(found) == 1, \
        [(c.rule, c.text) for c in found]


# --- specifics read directly ---------------------------------------------------------------

def test_specifics_of_a_referral_after_the_match() -> None:
    sentence = "Intro via Marta Głowacka — payments hiring"
    assert claim_specifics("claim.referral", sentence, 0, 9) == (("person", "Marta Głowacka"),)


def test_specifics_cut_names_at_months_and_connectors() -> None:
    sentence = "Since you downloaded our Returns Playbook in January, here's a follow-up."
    start = sentence.index("you") - 6
    specifics = dict(claim_specifics("claim.content", sentence, start, start + 20))
    assert specifics == {"kind": "download", "document": "Returns Playbook"}


def test_titles_keep_their_inner_connectors() -> None:
    sentence = "Thanks for downloading Closing the Quarter in Five Days."
    specifics = dict(claim_specifics("claim.content", sentence, 0, 22))
    assert specifics["document"] == "Closing the Quarter in Five Days"


def test_unknown_categories_have_no_specifics() -> None:
    assert claim_specifics("urgency", "Only today!", 0, 5) == ()


# --- the rule files themselves -------------------------------------------------------------

def test_every_claim_category_has_rules_under_rules_claims() -> None:
    categories = {r.category for r in CLAIM_RULES}
    assert categories == {"claim.meeting", "claim.conversation", "claim.referral",
                          "claim.relationship", "claim.content", "claim.company_event",
                          "claim.thread", "claim.identity"}
    for rule in CLAIM_RULES:
        assert Path(rule.path).parent.name == "claims"
        # a phrase rule reads the claim; the sentence model's rules only point at a sentence
        assert rule.severity == ("info" if rule.id.endswith("-model") else "warning")


def test_every_claim_regex_has_keywords() -> None:
    for rule in CLAIM_RULES:
        for pattern in rule.patterns:
            if isinstance(pattern, RegexPattern):
                assert pattern.keywords, rule.id


# --- relationship, content and company events: more ways of saying them ---------------------

@pytest.mark.parametrize(("body", "category", "specifics"), [
    ("Being one of our charter stockists, your shop gets the autumn range first.",
     "claim.relationship", {"stage": "partner"}),
    ("You've holidayed with us every summer since 2019.", "claim.relationship",
     {"stage": "customer"}),
    ("Since your surgery already books through our app, reminders are one click away.",
     "claim.relationship", {"stage": "customer"}),
    ("We've missed having you at the Saturday markets.", "claim.relationship",
     {"stage": "former_customer"}),
    ("Hope the kiln-drying checklist proved useful.", "claim.content", {"kind": "download"}),
    ("Thanks heaps for entering our spring giveaway.", "claim.content", {"kind": "signup"}),
    ("Lovely that you could make it to the Harbour Lights open evening.", "claim.content",
     {"kind": "event", "event": "Harbour Lights"}),
    ("So you're on the waitlist for the Leith tasting.", "claim.content",
     {"kind": "registration"}),
    ("Hats off to you and the team on the Port Talbot contract.", "claim.company_event",
     {"event": "contract"}),
    ("Heard your practice has appointed a new managing partner.", "claim.company_event",
     {"event": "leadership"}),
    ("Sorry to read about the flood at your Hull depot.", "claim.company_event",
     {"event": "incident"}),
    ("With your recent redundancies, I imagine the team is stretched.", "claim.company_event",
     {"event": "restructuring"}),
])
def test_more_fact_claims_and_their_specifics(body: str, category: str, specifics: dict) -> None:
    found = [c for c in claims(body) if c.category == category]
    assert len(found) == 1, [(c.rule, c.text) for c in claims(body)]
    for key, value in specifics.items():
        assert found[0].specific(key) == value, (key, found[0].specifics)


@pytest.mark.parametrize("body", [
    "As a new member, you'd get the welcome box.",
    "Once you've registered, the joining link arrives by email.",
    "You received this because you are subscribed to our list.",
    "I hope you enjoy the guide; it's attached.",
    "We raised our Series A in May and are hiring engineers.",
    "Congratulations to our own crew on the safety award.",
    "I read your article on warehouse layoffs.",
    "Plan your launch with our checklist.",
])
def test_sender_news_offers_and_generic_statements_are_not_fact_claims(body: str) -> None:
    assert claims(body) == []


# --- identity claims in prose ----------------------------------------------------------------

def identity(body: str) -> list[Claim]:
    result = ENGINE.check(message_from_text(body))
    assert not result.errors
    return [c for c in result.claims if c.category == "claim.identity"]


@pytest.mark.parametrize(("body", "specifics"), [
    ("As head of finance at Harrowgate Foods, you know the month-end crunch.",
     {"title": "head of finance", "company": "Harrowgate Foods"}),
    ("As Lindenmill's finance director, you have seen the cost trend.",
     {"title": "finance director", "company": "Lindenmill"}),
    ("As Chief Operating Officer of Tidewell Group you will recognise this.",
     {"title": "Chief Operating Officer", "company": "Tidewell Group"}),
    ("As VP of Engineering, would you be the one to sign off?",
     {"title": "VP of Engineering"}),
    ("Given your role as COO, the audit checklist seemed worth sending.", {"title": "COO"}),
    ("You run the people team at Quarry Lane, right?",
     {"role": "people team", "company": "Quarry Lane"}),
    ("I know you oversee admissions for the whole federation.", {"role": "admissions"}),
    ("As the person who looks after fleet maintenance, you'll want this.",
     {"role": "fleet maintenance"}),
    ("You're clearly the decision-maker for tooling.", {"title": "decision-maker"}),
])
def test_identity_claims_in_prose_and_their_specifics(body: str, specifics: dict) -> None:
    (claim,) = identity(body)
    assert dict(claim.specifics) == specifics


@pytest.mark.parametrize("body", [
    "As the founder of Tallwater, I've seen this problem for years.",
    "As a former CFO myself, I know the pain.",
    "As marketers, we know how crowded inboxes are.",
    "Finance chiefs at food producers often say forecasting cash is what keeps them up.",
    "Whoever runs your estates team might like a copy.",
    "Are you the head of finance?",
    "Do you lead the data team?",
    "If you manage a team, feedback matters.",
    "You manage payroll in minutes with Ledgerline.",
    "What's your role in choosing software?",
])
def test_not_an_identity_claim(body: str) -> None:
    assert identity(body) == []
