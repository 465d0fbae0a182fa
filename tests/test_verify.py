"""Claims verified against a real CRM folder: supported, contradicted, unverifiable, and
unchecked (no CRM). Findings are made from the claim's rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from honestreach.crm import load_crm
from honestreach.message import message_from_text
from honestreach.model import Claim
from honestreach.rules import load_rules
from honestreach.verify import verify_message

CRM_DIR = Path(__file__).parent / "fixtures" / "verify-crm"
TODAY = date(2026, 6, 17)  # a Wednesday
RULES = {rule.id: rule for rule in load_rules().rules}
# A built-in rule of each claim category, to report the claims these tests make by hand.
CLAIM_RULES = {
    "claim.meeting": "meeting-we-met", "claim.conversation": "conversation-follow-up",
    "claim.referral": "referral-suggested", "claim.relationship": "relationship-valued-customer",
    "claim.content": "content-download", "claim.company_event": "company-event-congrats",
    "claim.thread": "thread-reply-subject",
}


@pytest.fixture(scope="module")
def crm():
    return load_crm(CRM_DIR)


def _with_to(body: str, to: str, subject: str):
    from honestreach.message import parse_draft

    return parse_draft("draft.txt", f"Subject: {subject}\nTo: {to}\n\n{body}")


def claim_in(message, phrase: str, category: str, **specifics: str) -> Claim:
    body = message.body.text
    start = body.index(phrase)
    sentence_start = body.rfind("\n", 0, start) + 1
    sentence_end = body.find("\n", start)
    return Claim(category=category, rule=CLAIM_RULES[category], field="body", start=start,
                 end=start + len(phrase), text=phrase,
                 sentence=body[sentence_start:sentence_end if sentence_end != -1 else None],
                 specifics=tuple(specifics.items()))


def outcome(crm, body: str, to: str, phrase: str, category: str, **specifics: str):
    message = _with_to(body, to, "Hello")
    claim = claim_in(message, phrase, category, **specifics)
    result = verify_message(message, [claim], crm, TODAY, rules=RULES)
    return [f for f in result.findings if f.category == category]


ROBERT = "robert.lang@harbourline.example.com"


def test_true_meeting_with_event_and_time_is_silent(crm):
    assert outcome(crm, "Hi Robert,\nGreat meeting you at LogiTech Summit last month.\n",
                   ROBERT, "Great meeting you", "claim.meeting", event="LogiTech Summit") == []


def test_meeting_at_the_wrong_time_is_an_error_naming_the_closest_record(crm):
    (finding,) = outcome(crm, "Hi Robert,\nGreat meeting you at LogiTech Summit last week.\n",
                         ROBERT, "Great meeting you", "claim.meeting", event="LogiTech Summit")
    assert finding.severity == "error"
    assert "no meeting or event_attended or demo for robert.lang@" in finding.message
    assert "around 'last week'" in finding.message
    assert "closest: meeting 'LogiTech Summit 2026 — booth coffee', 2026-05-13, 23 days before " \
           "'last week'" in finding.message
    assert finding.location.line == 5


def test_meeting_at_an_event_they_never_attended(crm):
    (finding,) = outcome(crm, "Hi Robert,\nLoved chatting at FreightWorld in May.\n", ROBERT,
                         "Loved chatting", "claim.meeting", event="FreightWorld")
    assert finding.severity == "error" and "matching 'FreightWorld'" in finding.message


def test_without_a_crm_a_claim_is_an_unverified_info():
    message = _with_to("Hi Robert,\nGreat meeting you at LogiTech Summit.\n", ROBERT, "Hi")
    claim = claim_in(message, "Great meeting you", "claim.meeting", event="LogiTech Summit")
    (finding,) = verify_message(message, [claim], None, TODAY, rules=RULES).findings
    assert finding.severity == "info"
    assert finding.message == "Claims to have met the recipient: 'Great meeting you'; " \
                              "unverified: pass --crm to check it."
    assert (finding.rule, finding.category) == ("meeting-we-met", "claim.meeting")
    assert finding.suggestion == RULES["meeting-we-met"].suggestion


def test_the_claim_rules_severity_decides_the_verdicts_severity(crm):
    """Unverifiable: the rule's severity; contradicted: one step above it."""
    body = "Hi Robert,\nLoved chatting at FreightWorld in May.\n"
    message = _with_to(body, ROBERT, "Hello")
    claim = claim_in(message, "Loved chatting", "claim.meeting", event="FreightWorld")
    unknown = _with_to(body, "ann@nowhere.example.org", "Hello")
    rules = {**RULES, "meeting-we-met": replace(RULES["meeting-we-met"], severity="info")}
    (contradicted,) = verify_message(message, [claim], crm, TODAY, rules=rules).findings
    (unverifiable,) = verify_message(unknown, [claim], crm, TODAY, rules=rules).findings
    assert (contradicted.severity, unverifiable.severity) == ("warning", "info")
    assert contradicted.message.startswith("Claims to have met the recipient: "
                                           "'Loved chatting'; no meeting or event_attended")


def test_a_claim_whose_rule_is_not_in_force_is_not_reported(crm):
    message = _with_to("Hi Robert,\nLoved chatting at FreightWorld in May.\n", ROBERT, "Hi")
    claim = claim_in(message, "Loved chatting", "claim.meeting", event="FreightWorld")
    rules = {k: v for k, v in RULES.items() if k != "meeting-we-met"}
    result = verify_message(message, [claim], crm, TODAY, rules=rules)
    assert result.findings == []
    assert [v.outcome for v in result.verdicts if v.claim == claim] == ["contradicted"]


def test_unknown_recipient_is_a_warning(crm):
    (finding,) = outcome(crm, "Hi Ann,\nGreat meeting you at LogiTech Summit.\n",
                         "ann@nowhere.example.org", "Great meeting you", "claim.meeting")
    assert finding.severity == "warning" and "not in the CRM" in finding.message


def test_no_recipient_is_a_warning_not_a_crash(crm):
    message = message_from_text("Great meeting you at LogiTech Summit.\n")
    claim = claim_in(message, "Great meeting you", "claim.meeting")
    (finding,) = verify_message(message, [claim], crm, TODAY, rules=RULES).findings
    assert finding.severity == "warning" and "no recipient" in finding.message


def test_referral_checks_the_referrer(crm):
    body = "Hi Robert,\nGrace Okonkwo suggested I reach out.\n"
    assert outcome(crm, body, ROBERT, "suggested I reach out", "claim.referral",
                   person="Grace Okonkwo") == []
    (finding,) = outcome(crm, body.replace("Grace Okonkwo", "Paul Mercer"), ROBERT,
                         "suggested I reach out", "claim.referral", person="Paul Mercer")
    assert "no referral for robert.lang@harbourline.example.com from 'Paul Mercer'" in \
        finding.message
    assert "closest: a referral from 'Grace Okonkwo' on 2026-06-10" in finding.message


def test_content_download_title_must_match(crm):
    body = "Hi Robert,\nThanks for downloading the Carbon Reporting Playbook.\n"
    assert outcome(crm, body, ROBERT, "Thanks for downloading", "claim.content",
                   document="Carbon Reporting Playbook", kind="download") == []
    (finding,) = outcome(crm, body.replace("Carbon Reporting", "Route Pricing"), ROBERT,
                         "Thanks for downloading", "claim.content",
                         document="Route Pricing Playbook", kind="download")
    assert finding.severity == "error"


def test_relationship_follows_lifecycle_stage(crm):
    body = "Hi,\nAs a valued customer, you get early access.\n"
    assert outcome(crm, body, "mira.holt@harbourline.example.com", "As a valued customer",
                   "claim.relationship", stage="customer") == []
    (finding,) = outcome(crm, body, ROBERT, "As a valued customer", "claim.relationship",
                         stage="customer")
    assert "lifecycle_stage opportunity, not customer" in finding.message


def test_company_event_uses_the_account(crm):
    body = "Hi Robert,\nCongrats on the Series B last month!\n"
    assert outcome(crm, body, ROBERT, "Congrats on the Series B", "claim.company_event",
                   round="Series B") == []
    (finding,) = outcome(crm, body.replace("Series B", "Series C"), ROBERT,
                         "Congrats on the Series C", "claim.company_event", round="Series C")
    assert "no account_event for Harbourline Shipping about 'Series C'" in finding.message
    assert "Series B" in finding.message


def test_conversation_needs_a_call_or_meeting_in_the_window(crm):
    tim = "tim.ford@sunmesa.example.com"
    assert outcome(crm, "Hi Tim,\nFollowing up on our call yesterday.\n", tim,
                   "Following up on our call", "claim.conversation") == []
    (finding,) = outcome(crm, "Hi Tim,\nFollowing up on our call in March.\n", tim,
                         "Following up on our call", "claim.conversation")
    assert finding.severity == "error" and "in March" in finding.message


def test_re_subject_needs_an_earlier_email(crm):
    mira = _with_to("Hi Mira,\nHere are the limits.\n", "mira.holt@harbourline.example.com",
                    "Re: Invoice approval limits")
    thread = Claim("claim.thread", "thread-reply-subject", "subject", 0, 3, "Re:",
                   "Re: Invoice approval limits")
    assert verify_message(mira, [thread], crm, TODAY, rules=RULES).findings == []
    robert = _with_to("Hi Robert,\nAs discussed.\n", ROBERT, "Re: pricing")
    (finding,) = [f for f in verify_message(robert, [thread], crm, TODAY, rules=RULES).findings
                  if f.category == "claim.thread"]
    assert finding.severity == "error" and finding.location.line == 1


@pytest.mark.parametrize(("to", "phrase", "kind", "unsupported"), [
    (ROBERT, "As per my last email", "sent", False),  # the CRM has an email_sent to Robert
    ("mira.holt@harbourline.example.com", "As per my last email", "sent", True),  # only received
    ("mira.holt@harbourline.example.com", "Thanks for your email", "reply", False),
    (ROBERT, "Thanks for your email", "reply", True),
])
def test_a_body_thread_claim_is_checked_against_emails_in_its_direction(crm, to, phrase, kind,
                                                                        unsupported):
    body = f"Hi,\n{phrase}, here are the figures.\n"
    found = outcome(crm, body, to, phrase, "claim.thread", kind=kind)
    assert bool(found) is unsupported


def test_greeting_name_nicknames_and_mismatches(crm):
    for greeting, expected in (("Hi Robert,", 0), ("Hi Bob,", 0), ("Hi Rob,", 0),
                               ("Hi Jessica,", 1)):
        message = _with_to(f"{greeting}\nA short note.\n", ROBERT, "Hello")
        found = [f for f in verify_message(message, [], crm, TODAY, rules=RULES).findings
                 if f.category == "claim.identity"]
        assert len(found) == expected, greeting


def test_another_crm_company_named_as_theirs(crm):
    message = _with_to("Hi Robert,\nHope all is well at Kaltwerk! A short note.\n", ROBERT, "Hi")
    (finding,) = [f for f in verify_message(message, [], crm, TODAY, rules=RULES).findings
                  if f.category == "claim.identity"]
    assert "'Harbourline Shipping', not 'Kaltwerk'" in finding.message


def _identity_findings(crm, body: str, to: str | None):
    """Identity findings for a draft whose claims the real rules find."""
    from honestreach.engine import Engine
    from honestreach.rules import load_rules

    rules = load_rules()
    message = _with_to(body, to, "Hello") if to else message_from_text(body)
    claims = Engine(rules.rules, rules.vocabulary).check(message).claims
    return [f for f in verify_message(message, claims, crm, TODAY, rules=RULES).findings
            if f.category == "claim.identity"]


@pytest.mark.parametrize(("body", "expected"), [
    # Robert is VP Marketing at Harbourline Shipping.
    ("Hi Robert,\nAs head of marketing at Harbourline, you know the peak-season squeeze.\n", None),
    ("Hi Robert,\nAs CMO, you'll want the campaign numbers.\n", None),
    ("Hi Robert,\nYou lead the brand team, so this is for you.\n", None),
    ("Hi Robert,\nAs head of finance, you know the month-end crunch.\n",
     "the CRM's title for robert.lang@harbourline.example.com is 'VP Marketing', not "
     "'head of finance'"),
    ("Hi Robert,\nI know you oversee procurement, so here's our supplier audit.\n",
     "not 'procurement'"),
    ("Hi Robert,\nAs VP Marketing at Kaltwerk, you'll like this.\n",
     "at 'Harbourline Shipping', not 'Kaltwerk'"),
    # The company by whole words: a legal form and a shortened name are the same company,
    # a name that is only the start of a word is another one.
    ("Hi Robert,\nAs VP Marketing at Harbourline Shipping Ltd, you'll like this.\n", None),
    ("Hi Robert,\nAs VP Marketing at Harbour, you'll like this.\n",
     "at 'Harbourline Shipping', not 'Harbour'"),
])
def test_titles_and_roles_in_prose_are_checked_against_the_contact(crm, body, expected):
    found = _identity_findings(crm, body, ROBERT)
    if expected is None:
        assert found == []
    else:
        (finding,) = found
        assert finding.severity == "error" and expected in finding.message


def test_identity_claims_in_prose_are_unverified_without_a_crm_or_a_known_contact(crm):
    body = "Hi Robert,\nAs head of finance, you know the month-end crunch.\n"
    (no_crm,) = _identity_findings(None, body, ROBERT)
    assert no_crm.severity == "info" and "unverified: pass --crm" in no_crm.message
    (unknown,) = _identity_findings(crm, body, "someone@elsewhere.example.com")
    assert unknown.severity == "warning" and "is not in the CRM" in unknown.message
    # The greeting's name is only reported when the CRM contradicts it.
    assert _identity_findings(None, "Hi Jessica,\nA short note.\n", ROBERT) == []


@pytest.mark.parametrize(("address", "reason"), [
    ("olga.ivers@sunmesa.example.com", "opted out"),
    ("pete.nash@sunmesa.example.com", "do-not-contact"),
    ("jonas.weber@kaltwerk.example.de", "is in DE"),
    ("lea.roy@boreal.example.ca", "is in CA"),
])
def test_suppressed_recipients_are_errors(crm, address, reason):
    message = _with_to("Hi,\nA short note.\n", address, "Hello")
    (finding,) = [f for f in verify_message(message, [], crm, TODAY, rules=RULES).findings
                  if f.category == "compliance.suppressed"]
    assert finding.severity == "error" and reason in finding.message
    assert finding.message.startswith(f"Do not send: {address} ")
    assert finding.location.line == 2  # the To: header


def test_us_recipient_without_consent_is_not_suppressed(crm):
    message = _with_to("Hi Tim,\nA short note.\n", "tim.ford@sunmesa.example.com", "Hello")
    assert not [f for f in verify_message(message, [], crm, TODAY, rules=RULES).findings
                if f.category == "compliance.suppressed"]


def test_each_recipient_is_checked(crm):
    message = _with_to("Hi,\nAs a valued customer, you get early access.\n",
                       f"{ROBERT}, mira.holt@harbourline.example.com", "Hello")
    claim = claim_in(message, "As a valued customer", "claim.relationship", stage="customer")
    findings = [f for f in verify_message(message, [claim], crm, TODAY, rules=RULES).findings
                if f.category == "claim.relationship"]
    assert len(findings) == 1 and "(recipient robert.lang@" in findings[0].message


def test_relevance_signals_reward_their_interests(crm):
    on_topic = _with_to("Hi Robert,\nA note on route planning for logistics teams.\n", ROBERT,
                        "Route planning")
    off_topic = _with_to("Hi Robert,\nA note on our office furniture.\n", ROBERT, "Furniture")
    points = [sum(s.points for s in verify_message(m, [], crm, TODAY, rules=RULES).signals)
              for m in (on_topic, off_topic)]
    assert points[0] > points[1]


# --- claims the message itself settles --------------------------------------------------------
def _content_findings(subject: str, body: str) -> list[str]:
    from honestreach.message import parse_draft
    from honestreach.pipeline import Linter

    message = parse_draft("draft.txt", f"Subject: {subject}\n\n{body}")
    (result,) = Linter().check_messages([message])
    return [f.text for f in result.findings if f.category == "claim.content"]


@pytest.mark.parametrize(("subject", "body"), [
    # why the reader gets the mail, in the claim's sentence or the next one
    ("Product news", "When you opened your account you ticked the box for product news. "
                     "That is why you're getting this update."),
    ("Service notes", "You opted in on the warranty card, so these service notes are sent to "
                      "you each quarter."),
    # a notice confirming the signup it thanks the reader for
    ("Subscription confirmed", "Thank you for subscribing to the Tideline digest. The first "
                               "issue arrives on Monday."),
    ("You're registered for the Growers' Breakfast", "Thanks for registering. Doors open at "
                                                     "7:30 and parking is free."),
    # a welcome notice: its whole subject is the thanks for the signup, or the news of it
    ("Thanks so much for subscribing! 🌱", "Thanks for subscribing to the allotment digest."),
    ("You're on the list", "Thank you for joining the allotment digest; issue one is Monday."),
])
def test_a_consent_statement_or_a_signup_confirmation_is_not_a_claim(subject, body):
    assert _content_findings(subject, body) == []


@pytest.mark.parametrize(("subject", "body"), [
    ("Quick question", "Thanks for signing up for our salary guide! Could we talk on Friday? "
                       "Please confirm a time."),
    # the consent statement is a paragraph of its own, about something else
    ("Pre-reading", "Thanks for registering for the March cohort.\n\nYou're getting this email "
                    "because you're on our alumni list."),
    # a subject that names what was signed up for is the pitch's own claim
    ("Thanks for signing up for the pricing webinar", "Our Pro plan is 20% off this week."),
    ("You're on the list for Friday's demo", "Seats are going fast, so book a slot today."),
])
def test_a_signup_claim_in_outreach_is_still_reported(subject, body):
    assert _content_findings(subject, body)


def test_a_consent_statement_in_the_paragraph_before_does_not_settle_a_claim():
    assert _content_findings("Spring news", "You're getting this email as a member of the "
                                            "garden club\n\nThanks for downloading our pruning "
                                            "guide last week.")


def _claim_findings(category: str, subject: str, body: str) -> list[str]:
    from honestreach.message import parse_draft
    from honestreach.pipeline import Linter

    message = parse_draft("draft.txt", f"Subject: {subject}\n\n{body}")
    (result,) = Linter().check_messages([message])
    return [f.text for f in result.findings if f.category == category]


@pytest.mark.parametrize("body", [
    "As you requested, this digest is forwarded to you each Friday by the relay service.",
    "As requested, this alert was sent to you when the tide tables changed.",
    "Per your request, you are receiving these alerts for the harbour gauge.",
    "At your request, the club sends these notes monthly. You asked to receive them when you "
    "joined.",
])
def test_a_request_to_receive_the_mail_is_a_consent_statement(body):
    assert _claim_findings("claim.conversation", "Tide tables", body) == []


@pytest.mark.parametrize("body", [
    "As you requested, here is our pricing for the harbour gauge.",
    "As requested, I'm sending the pricing. You asked to get the numbers before Friday.",
    "As requested, this is sent to you with our pricing for the gauge.",
    "Per your request, I've attached the rollout plan.\n\nYou're receiving this as a member "
    "of the club.",
])
def test_a_request_claim_without_a_consent_statement_is_still_reported(body):
    assert _claim_findings("claim.conversation", "Harbour gauge", body)


def test_a_consent_statement_settles_no_other_conversation_claim():
    assert _claim_findings("claim.conversation", "Notes", "As we discussed on the call, these "
                           "notes are sent to you every week.")


@pytest.mark.parametrize(("sender", "reported"), [
    ("Dana Reyes", False),       # the sender names itself
    ("Dana Reyes for Council", False),
    ("Marco at Tallwater", True),  # someone else is named
    ("Danae Reyes-Ortiz", True),   # a longer name holding the letters is not the person
])
def test_a_referral_by_the_sender_is_no_referral(sender, reported):
    from honestreach.message import parse_draft
    from honestreach.pipeline import Linter

    message = parse_draft("draft.txt", f"From: {sender} <team@mail.example>\nSubject: Parks\n\n"
                                       "Hi Ana,\n\nDana Reyes suggested I reach out about the "
                                       "park clean-up.")
    (result,) = Linter().check_messages([message])
    assert any(f.category == "claim.referral" for f in result.findings) is reported


def test_a_referrer_known_by_initials_who_is_the_sender_is_no_referral():
    from honestreach.message import parse_draft
    from honestreach.pipeline import Linter

    def referrals(sender: str) -> list[str]:
        message = parse_draft("draft.txt", f"From: {sender} <team@mail.example>\n"
                                           "Subject: TJ asked us to reach out to you\n\nHi Ana.")
        (result,) = Linter().check_messages([message])
        return [f.text for f in result.findings if f.category == "claim.referral"]

    assert referrals("TJ Okafor Campaign Staff") == []
    assert referrals("Marco at Tallwater")



@pytest.mark.parametrize(("address", "reported"), [
    ("ines@quillbridge.example", False),              # the firm named is the sender's
    ("ines@quillbridge-translations.example", False),
    ("ines@mail.example", True),                      # another firm's name
    ("ines@quill.example", True),                     # a shorter word is not the firm
])
def test_an_introduction_from_the_sender_s_own_firm_is_no_referral(address, reported):
    from honestreach.message import parse_draft
    from honestreach.pipeline import Linter

    message = parse_draft("draft.txt", f"From: Ines Varga <{address}>\n"
                                       "Subject: A brief introduction from Quillbridge\n\n"
                                       "Hello,\n\nWe translate contracts between Hungarian and "
                                       "English for law firms.")
    (result,) = Linter().check_messages([message])
    assert any(f.category == "claim.referral" for f in result.findings) is reported


def test_a_claim_only_the_sentence_model_finds_is_info_until_the_crm_contradicts_it(crm):
    """A claim found by the model alone (no phrase rule has its words) is a lead: info without
    a CRM or for an unknown recipient, a warning when the CRM knows the recipient and holds no
    meeting; and it goes to the CRM like any claim."""
    from honestreach.message import parse_draft
    from honestreach.pipeline import Linter

    body = "Hi,\n\nI enjoyed our walk round your orchard last week.\n\nBest,\nAna"

    def meeting_findings(linter: Linter, to: str) -> list[tuple[str, str]]:
        message = parse_draft("draft.txt", f"Subject: Orchard\nTo: {to}\nDate: Wed, 17 Jun 2026 "
                                           f"09:00:00 +0000\n\n{body}")
        (result,) = linter.check_messages([message])
        return [(f.rule, f.severity) for f in result.findings if f.category == "claim.meeting"]

    assert meeting_findings(Linter(), ROBERT) == [("meeting-model", "info")]
    assert meeting_findings(Linter(crm=crm), "nobody@elsewhere.example") == \
        [("meeting-model", "info")]
    assert meeting_findings(Linter(crm=crm), ROBERT) == [("meeting-model", "warning")]
