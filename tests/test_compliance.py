"""Which messages the compliance rules ask for an opt-out and a postal address (commercial ones,
or all of them when configured), and which "Re:"/"Fwd:" subjects belong to real threads.

The .eml and draft fixtures under fixtures/compliance are checked by the real linter."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from honestreach.checks.commercial import commercial_signals, is_commercial
from honestreach.checks.opt_out import has_opt_out
from honestreach.config import ConfigError, load_config
from honestreach.engine import Engine
from honestreach.message import find_quoted, in_real_thread, message_from_text, parse_draft
from honestreach.model import FileResult
from honestreach.pipeline import Linter
from honestreach.rules import load_rules
from honestreach.sources import iter_inputs, parse_input
from honestreach.verify import verify_message

FIXTURES = Path(__file__).parent / "fixtures" / "compliance"
COMPLIANCE_RULES = {"missing-unsubscribe", "missing-postal-address"}
THREAD_RULES = {"thread-reply-subject", "thread-forward-subject"}
LINTER = Linter()


def check(path: Path) -> FileResult:
    (result,) = LINTER.run([str(path)])
    assert not result.errors, result.errors
    return result


def rules_fired(path: Path) -> set[str]:
    return {f.rule for f in check(path).findings}


def message_of(name: str):
    (item,) = iter_inputs([str(FIXTURES / name)])
    return parse_input(item)


# --- commercial or not -----------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "notes-from-tuesday.eml",  # a note between colleagues
    "reply-with-headers.eml",  # prices and a call, but an answer in a real thread
    "reply-quoted.txt",  # a reply that quotes the question
    "receipt.eml",  # a transactional notice with prices
    "list-post.eml",  # a technical list post that mentions a price
    "after-the-call.txt",  # "on the call today", "whatever time your team needs"
])
def test_messages_that_are_not_commercial_need_no_opt_out_or_address(name: str) -> None:
    assert not rules_fired(FIXTURES / name) & COMPLIANCE_RULES


def test_a_commercial_first_email_without_footer_gets_both_findings() -> None:
    findings = {f.rule: f for f in check(FIXTURES / "fake-reply.eml").findings}
    assert COMPLIANCE_RULES <= set(findings)
    assert findings["missing-unsubscribe"].severity == "error"
    assert findings["missing-unsubscribe"].message == (
        "The message offers no way to opt out of further emails (it reads as commercial: a "
        "price, a sales pitch, a request for a sales meeting).")
    assert findings["missing-unsubscribe"].text == "Ledgerpine"


@pytest.mark.parametrize("name", [
    "promo-footer.eml",  # opt-out and address below a rule of underscores
    "list-unsubscribe-header.eml",  # the opt-out is only in the List-Unsubscribe header
    "html-preferences-link.eml",  # a link labelled "Manage email preferences"
])
def test_commercial_messages_with_their_footers_are_clean(name: str) -> None:
    assert is_commercial(message_of(name))
    assert not rules_fired(FIXTURES / name) & COMPLIANCE_RULES


def test_a_team_can_ask_every_message_for_both(tmp_path: Path) -> None:
    note = tmp_path / "notes-from-tuesday.eml"
    shutil.copy(FIXTURES / "notes-from-tuesday.eml", note)
    (tmp_path / ".honestreach.yaml").write_text("compliance-applies-to: all\n", encoding="utf-8")
    findings = {f.rule: f for f in check(note).findings}
    assert COMPLIANCE_RULES <= set(findings)
    assert findings["missing-postal-address"].message == (
        "The message gives no postal address for the sender (the configuration asks every "
        "message for one).")
    assert load_config(tmp_path / ".honestreach.yaml").compliance_applies_to == "all"
    # A commercial message still hears why it is commercial.
    pitch = tmp_path / "fake-reply.eml"
    shutil.copy(FIXTURES / "fake-reply.eml", pitch)
    (finding,) = [f for f in check(pitch).findings if f.rule == "missing-postal-address"]
    assert "(it reads as commercial: a price, a sales pitch" in finding.message


def test_the_compliance_setting_is_validated(tmp_path: Path) -> None:
    path = tmp_path / ".honestreach.yaml"
    path.write_text("compliance-applies-to: everything\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.error.field, caught.value.error.line) == ("compliance-applies-to", 1)
    assert "'everything' is not one of ['commercial', 'all']" in caught.value.error.message


@pytest.mark.parametrize(("body", "kinds"), [
    ("The mirror was down for an hour; the new disk cost $120.", {"price"}),
    ("Would a quick call on Friday suit you? It's about the seating plan.", {"meeting ask"}),
    ("Our annual plan is $240, or 20% off if you sign this month.", {"price", "offer"}),
    ("We help finance teams close the month in three days. Worth a quick call?",
     {"pitch", "meeting ask"}),
])
def test_one_kind_of_signal_is_not_commercial_two_are(body: str, kinds: set[str]) -> None:
    message = message_from_text(body, "Hello")
    assert {v.name for v in commercial_signals(message)} == kinds
    assert is_commercial(message) == (len(kinds) >= 2)


def test_a_job_offered_to_the_reader_is_not_commercial_an_agency_pitch_is() -> None:
    offer = ("I run the data team at Larchfield and we're hiring a second analyst. The salary "
             "range is $95k to $110k, hybrid in Leeds. If you're curious, I'd be glad to do a "
             "quick call about the role.")
    assert not is_commercial(message_from_text(offer, "Analyst role at Larchfield"))
    pitch = ("We place experienced night nurses within a week. Our fee is $2,400 a placement, "
             "with the first one 20% off this quarter, whatever the nurse's salary. Worth a "
             "quick call?")
    assert is_commercial(message_from_text(pitch, "Night cover for your wards"))


def test_a_notice_is_transactional_by_its_body_not_by_its_subject() -> None:
    from honestreach.checks.commercial import is_transactional

    reset = ("Somebody asked to reset the password on your account. The code works for ten "
             "minutes; if it wasn't you, do nothing.")
    assert is_transactional(message_from_text(reset, "Your password reset code"))
    pitch = "Our scheduling tool saves teams ten hours a week. Worth a quick call?"
    assert not is_transactional(message_from_text(pitch, "Your password reset"))
    receipt = "Thank you for your order. Order number 4411, total $54.50, has shipped."
    assert is_transactional(message_from_text(receipt, "Your receipt"))
    pushed = receipt + " Your next desk is 20% off with promo code DESK20: buy now."
    assert not is_transactional(message_from_text(pushed, "Your receipt"))


@pytest.mark.parametrize("body", [
    "Invoice KR-20931 for $310.00 was due on 4 May and hasn't been paid; the card on file "
    "was declined.",
    "Order: 5521-B. Paid: $120.00. The VAT receipt is attached.",
    "Your parcel was delivered at 09:14 and left with a neighbour at number 12.",
    "The corrected invoice is attached; the amount and due date are unchanged.",
    "From 1 March the changes to your plan take effect: storage doubles and the fee stays.",
    "Your broadband price is changing on 1 April; the new monthly fee is $41.50.",
    "Pepper's annual booster is due next month. The nurse visit costs $35.",
    "Your trip is booked: booking reference KX-2231, 3 nights with breakfast included, "
    "$1,180 paid in full. Your e-tickets are attached.",
    "From 1 March every account will need two-step verification to sign in; no action is "
    "needed today, and we'll walk you through it at your next sign-in.",
    "Your order left the bakery at 7am: two sourdough loaves at $8.50, free delivery over "
    "$15. It has been dispatched with the morning van.",
    "Thanks for booking with us. Tyre fitting, 2 x $96, on Monday at 9am; we've kept a "
    "courtesy car aside for you at no cost.",
    "Sorry: your order (#5521, a teapot and four cups) will ship a week late, as the glaze "
    "cracked in the kiln. We'll post it free by tracked delivery.",
    "We have received your request to close your Fernway account. Nothing is deleted for 30 "
    "days, so you can still change your mind.",
    "Your gas account is past due: $212.40 for January and February. Our customer service "
    "team can set up a payment plan.",
    "Your online account was locked after four wrong sign-in attempts. Unlock it under "
    "Settings in the app; we never put links in our emails.",
    "A new phone signed in to your account on Tuesday. If it wasn't you, change your password "
    "in Settings. Nobody from our team will ever ask for your password.",
])
def test_bills_tickets_and_deliveries_are_transactional(body: str) -> None:
    from honestreach.checks.commercial import is_transactional

    assert is_transactional(message_from_text(body, "Hello"))


def test_a_word_that_only_starts_with_order_is_no_document_number() -> None:
    from honestreach.checks.commercial import is_transactional

    assert not is_transactional(message_from_text("Reordering2024 is our new app.", "Hi"))
    assert not is_transactional(message_from_text("Try ordering8932 style codes.", "Hi"))


def test_a_receipt_with_an_offer_is_weighed_against_it() -> None:
    receipt = "Thank you for your order. Order number 4411, total $54.50, has shipped."
    assert not is_commercial(message_from_text(receipt, "Your receipt"))
    pushed = receipt + " Your next desk is 20% off with promo code DESK20: buy now."
    assert is_commercial(message_from_text(pushed, "Your receipt"))


def test_a_notice_of_new_terms_with_its_options_is_not_an_advertisement() -> None:
    notice = ("Service notice: from 1 June the Family plan goes from $18 to $21 a month. "
              "If you switch to yearly billing before then, it is 15% off the new price; or "
              "cancel from Settings at any time.")
    assert not is_commercial(message_from_text(notice, "About your plan"))
    assert is_commercial(message_from_text(notice.replace("Service notice: from", "From"),
                                           "About your plan"))


def test_a_renewal_notice_is_about_the_reader_s_account_an_upgrade_push_is_not() -> None:
    # CAN-SPAM counts a notice of the renewal or the terms of what the reader already holds
    # as a relationship message, not an advertisement.
    renewal = "Your cover renews on 3 March at $31.40 a month, with the loyalty discount applied."
    assert not is_commercial(message_from_text(renewal, "Your renewal"))
    pushed = renewal + (" Upgrade to Premium today and get 25% off your first year: buy now "
                        "before the offer ends.")
    assert is_commercial(message_from_text(pushed, "Your renewal"))
    # an expiry is what a renewal pitch leads with, not a notice
    expiry = "Your membership expires tonight. Last chance to renew at 40% off!"
    assert is_commercial(message_from_text(expiry, "Your membership"))


@pytest.mark.parametrize("body", [
    "Your buildings and contents policy (HH-7731) renews on 1 August. The new premium is "
    "$402.10; to change your cover, call us on 0800 555 0100.",
    "Your Studio plan is set to renew on 1 March for twelve months at $960. You can change "
    "the number of seats or cancel in Settings before then.",
    "Thank you for your donation of $40, received on 3 May. Your gift covers two weeks of "
    "swimming lessons; questions? call us on 020 5550 1234.",
    "Your sofa (order 4471) will not arrive on 2 May: the fabric came late. Your new expected "
    "delivery day is 9 May. To cancel instead, reply and we refund the full $1,290.",
])
def test_renewals_and_donation_receipts_are_notices_not_advertisements(body: str) -> None:
    from honestreach.checks.commercial import is_transactional

    message = message_from_text(body, "About your account")
    assert not is_commercial(message)
    assert is_transactional(message)


def test_a_contact_line_is_no_call_to_buy() -> None:
    receipt = ("Thank you for your donation of $25, received on 2 June. Gift Aid adds $6.25 at "
               "no cost to you. If you have any questions, call us on 020 5550 1234.")
    assert not is_commercial(message_from_text(receipt, "Your donation"))
    pitch = "Our roof surveys are 20% off this month. Call us today for a quote."
    assert is_commercial(message_from_text(pitch, "Roof survey"))


@pytest.mark.parametrize("offer", [
    "We're opening a clinic in Ballarat and looking for a physiotherapist. The role covers "
    "sports injuries and rehab; salary is $92k to $104k. Free for a call this week?",
    "Our lighting designer is on leave this spring: it's a 12-week contract at $1,400 a week, "
    "two shows a day. Could we have a quick call on Friday?",
    "Would you consider applying for the lab technician post? It pays $24 an hour depending "
    "on experience, and I'm happy to talk it through on a call.",
    "Thanks for applying to drive for us. Pay is $19 an hour, overtime at time and a half, "
    "and we supply the van. Free for a call on Monday?",
    "We'd like to add you to our pool of freelance editors: $0.09 a word, $40 minimum a job. "
    "Happy to talk the terms over on a call.",
    "We do have a part-time position in the bakery: 20 hours a week at $16 an hour, early "
    "starts. Free for a chat on Monday?",
])
def test_a_role_described_with_its_pay_is_a_job_not_a_price(offer: str) -> None:
    assert not is_commercial(message_from_text(offer, "A role at our place"))


@pytest.mark.parametrize("pitch", [
    "Our plan is $49 a month on a 12-month contract, and this quarter onboarding is free. "
    "Worth a quick call?",
    "We rewrite your CV for $99, with 20% off this week. Book a call today.",
    "Track holiday allowance and paid time off in one place, from $3 a user a month. Start "
    "your free trial.",
])
def test_a_service_sold_with_words_of_employment_is_still_commercial(pitch: str) -> None:
    assert is_commercial(message_from_text(pitch, "Hello"))


def test_a_long_newsletter_with_one_advertisement_is_not_commercial() -> None:
    article = ("The kernel maintainers merged the new scheduler after two years of review. "
               "Benchmarks show shorter tail latencies on busy machines, and the old tunables "
               "keep working. ") * 12
    advert = "Sponsor: laptops from $499 with free shipping this week."
    assert len(article.split()) > 300
    assert not is_commercial(message_from_text(f"{article}\n\n{advert}", "This week"))
    catalogue = "\n".join(f"Model {n}: just ${n}99, 10% off, free shipping. Order now."
                          for n in range(2, 40))
    assert is_commercial(message_from_text(f"{catalogue}\n\n{article}", "Deals"))


def test_a_news_digest_with_sidebar_advertisements_is_not_commercial() -> None:
    # Editorial wording counts against the advertisements beside the articles; the same
    # advertisements with no articles around them are a catalogue.
    sidebar = ("Hosting plans: Alder Web $49, Brightbox $65, Corvane $89. Secure your domain "
               "today. Grow your business online.")
    column = ("Dear readers, this week our reviewers tried six routers. The senior editor "
              "explains why the cheapest one won, and in this week's column our columnist "
              "shows you how to move a home network onto a new address range. ") * 5
    news = ("The two carriers said in a statement that the $12 billion merger closes in March; "
            "regulators approved it on Tuesday after a year of review. ") * 5
    digest = f"{sidebar}\n\n{column}\n\n{news}\n\nEditors' choice: the quiet keyboard."
    assert len(digest.split()) > 300
    assert not is_commercial(message_from_text(digest, "This week in networking"))
    assert is_commercial(message_from_text(sidebar + " Sign up now for 20% off.", "Hosting"))


@pytest.mark.parametrize(("body", "kinds"), [
    ("The regulator cleared the $4 billion merger on Tuesday.", set()),
    ("Our columnist shows you how to rotate your keys.", set()),
    ("Let me show you how teams cut their close to three days.", {"pitch"}),
    ("I'll walk you through the setup on a quick call.", {"pitch", "meeting ask"}),
])
def test_news_figures_and_an_article_showing_how_are_no_pitch(body: str,
                                                              kinds: set[str]) -> None:
    assert {v.name for v in commercial_signals(message_from_text(body, "Hello"))
            if v.weight > 0} == kinds


# --- opt-outs however they are worded --------------------------------------------------------

@pytest.mark.parametrize("footer", [
    "Tell me and I won't write again.",
    "You can switch these off under Settings.",
    "Reply STOP and you won't hear from us.",
    "Let me know if you'd rather not hear from me.",
    "Unsubscribe | Manage preferences",
    "Abmelden",
    "Se désabonner",
    "Darse de baja",
    "Afmelden",
    "Annulla iscrizione",
])
def test_opt_outs_are_recognised_in_commercial_messages(footer: str) -> None:
    message = message_from_text(
        f"Hi Ana,\n\nOur team plan is $9 per seat, and the first month is free.\n\n{footer}",
        "Team plan")
    assert is_commercial(message)
    assert has_opt_out(message)


# --- real threads ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "real"), [
    ("Subject: Re: budget\n\nSounds good.\n\nOn Mon, 2 Mar 2026 at 09:00, Ana wrote:\n> Ok?", True),
    ("Subject: RE: budget\n\nFine.\n\n-----Original Message-----\nFrom: Ana\n\nOk?", True),
    ("Subject: Re: budget\n\n> Can we move it?\n\nYes, Thursday works.", True),
    ("Subject: Re: budget\n\nAttached, as promised.", False),
    ("Subject: Fwd: budget\n\nSee below.\n\n---------- Forwarded message ---------\n"
     "From: Finance\n\nThe budget is approved.", False),
    # A list footer below a rule of underscores, and a mailbox's escaped ">From", quote nothing.
    ("Subject: Re: budget\n\nNo.\n____________________\nkiln-users mailing list\n", False),
    ("Subject: Re: budget\n\n>From what I hear, no.", False),
])
def test_a_real_thread_is_named_by_headers_or_a_quoted_message(text: str, real: bool) -> None:
    assert in_real_thread(parse_draft("draft.txt", text)) is real


@pytest.mark.parametrize(("headers", "real"), [
    # A "Re:" to a group whose Reply-To is the group itself: its members answer each other.
    ("From: Ines <ines@mail.example>\nTo: Kiln Owners <kiln-owners@groups.example>\n"
     "Reply-To: kiln-owners@groups.example\nSubject: Re: glaze cracks", True),
    ("From: Ines <ines@mail.example>\nTo: Ben <ben@corp.example>, team@corp.example\n"
     "Reply-To: team@corp.example\nSubject: AW: rota", True),
    # Not a reply, or replies go to the sender: no thread.
    ("From: Ines <ines@mail.example>\nTo: kiln-owners@groups.example\n"
     "Reply-To: kiln-owners@groups.example\nSubject: Glaze cracks", False),
    ("From: Sam <sam@vendor.example>\nTo: ana@corp.example\n"
     "Reply-To: sales@vendor.example\nSubject: Re: your pipeline", False),
    ("From: Sam <sam@vendor.example>\nTo: ana@corp.example, sam@vendor.example\n"
     "Reply-To: sam@vendor.example\nSubject: Re: your pipeline", False),
])
def test_a_reply_to_a_group_continues_its_thread(headers: str, real: bool) -> None:
    message = parse_draft("draft.txt", f"{headers}\n\nSame here: the cone 6 batch cracked.")
    assert in_real_thread(message) is real


def test_a_rule_of_underscores_starts_a_quotation_only_above_a_header() -> None:
    outlook = "Yes.\n\n________________________________\nFrom: Ana\nSent: Monday\nTo: Ben\n\nOk?"
    assert find_quoted(outlook) == ((outlook.index("_"), len(outlook)),)
    footer = "Yes.\n\n________________________________\nkiln-users mailing list\nhttps://x\n"
    assert find_quoted(footer) == ()


@pytest.mark.parametrize("name", ["reply-with-headers.eml", "reply-quoted.txt", "list-reply.eml"])
def test_a_genuine_reply_is_not_a_fake_thread(name: str) -> None:
    assert not rules_fired(FIXTURES / name) & THREAD_RULES


def test_a_first_email_with_a_reply_subject_is_still_reported() -> None:
    assert "thread-reply-subject" in rules_fired(FIXTURES / "fake-reply.eml")


def test_a_post_to_a_discussion_list_continues_its_thread() -> None:
    """Mail clients often drop In-Reply-To; the list's own headers still show a discussion."""
    assert in_real_thread(message_of("list-reply.eml"))
    # A newsletter carries List-Id and List-Unsubscribe too: those alone name no thread.
    newsletter = message_of("list-unsubscribe-header.eml")
    assert newsletter.headers.get("list-unsubscribe") and not in_real_thread(newsletter)


def test_show_verified_names_the_real_thread() -> None:
    rules = load_rules()
    message = message_of("reply-with-headers.eml")
    claims = [c for c in Engine(rules.rules).check(message).claims if c.category == "claim.thread"]
    assert claims
    by_id = {rule.id: rule for rule in rules.rules}
    quiet = verify_message(message, claims, rules=by_id)
    assert quiet.findings == [] and quiet.verified == []
    verification = verify_message(message, claims, show_verified=True, rules=by_id)
    assert verification.findings == []
    assert [(f.rule, f.severity) for f in verification.verified] == [
        ("thread-reply-subject", "info")]
    assert "reply in a real thread" in verification.verified[0].message



def test_a_reply_in_a_real_thread_may_restate_the_thread_in_its_body() -> None:
    """"Thanks for your reply" and "as I said in my last email" in a message whose headers
    name the message it answers point at the thread it continues: verified by the message
    itself, with or without a CRM. The same words in a first email are claims to check."""
    rules = load_rules()
    by_id = {rule.id: rule for rule in rules.rules}
    reply = message_of("reply-restating-thread.eml")
    claims = [c for c in Engine(rules.rules).check(reply).claims if c.category == "claim.thread"]
    assert {c.specific("kind") for c in claims if c.field == "body"} == {"reply", "sent"}
    verification = verify_message(reply, claims, show_verified=True, rules=by_id)
    assert verification.findings == []
    assert len(verification.verified) == len(claims)
    assert all("reply in a real thread" in f.message for f in verification.verified)

    first_email = replace(reply, headers={})
    assert not in_real_thread(first_email)
    claims = [c for c in Engine(rules.rules).check(first_email).claims
              if c.category == "claim.thread"]
    unchecked = verify_message(first_email, claims, rules=by_id)
    assert len(unchecked.findings) == len(claims) >= 2



@pytest.mark.parametrize("name, rule", [("list-urgent-help.eml", "urgent-subject"),
                                        ("reply-final-reminder.eml", "urgent-subject")])
def test_a_thread_s_subject_is_not_an_alarm_the_sender_wrote(name: str, rule: str) -> None:
    """A post to a discussion list and a reply carry a subject one member wrote to the others
    (or the thread's first author wrote); the same subject on mail with no thread is one."""
    rules = load_rules()
    (item,) = iter_inputs([str(Path(__file__).parent / "fixtures" / "ordinary" / name)])
    message = parse_input(item)
    assert in_real_thread(message)
    assert rule not in {f.rule for f in Engine(rules.rules).check(message).findings}
    first_touch = replace(message, headers={}, quoted=())
    assert not in_real_thread(first_touch)
    assert rule in {f.rule for f in Engine(rules.rules).check(first_touch).findings}


# --- the vocabularies' keyword gates ---------------------------------------------------------
# A pattern of commercial.yaml only runs where one of its keywords occurs, so a keyword list
# that misses a possible match silently drops signals: every match must hold a keyword.

SAMPLES = """
Prices: $49, €9.90, 240 €, 30 usd, 12 dollars, 9/mo, 5 per seat, 7 per user per month, yours
for just 49 or for only 9 a week.
Now 20% off, 15 percent discount, 30 % de réduction, save up to 40%, save $50, an exclusive
renewal offer, a special deal, a launch rate, bundle pricing, a free tote with every order.
Click here to order, reply now to claim, call 1-800-555-0199 or 888 555 0100. Call today.
Our planning platform, our services; we have helped forty agencies, helping logistics teams;
trusted by 4,000 teams; let me show you how, we'll walk you through it; everything your team
needs. A 15-minute call,
grab 20 minutes, set up a few minutes.
Only 3 spots left. Order number 4411, invoice no. 12, booking # 9, invoice KR-2093, Order: 5521-B.
Your storage fee is going up, your rates will rise, your premium will increase, your price is
changing. The boiler service is overdue; the annual check-up is due. Your home policy (HH-12)
renews on 1 May, your team plan is set to renew, your licence is due for renewal, your desk
membership at the Yard renews. The guarantee on your new roof ends on 3 May; your car warranty runs out in June;
your three-year agreement with us ends; your special order of maps is late; your fixed rate of
2.5% ends on 1 May. Before your annual renewal on 9 June, then. We issued a partial refund; the
refund has been paid. The card ending 4821: as asked, we have cancelled your
crossword subscription and you won't be charged again. The parts for PO 88213 and purchase order
4471 are late. Your order (#5521, a teapot) is late; we have processed your request to close
your account; your gas account is overdue. Our customer service team can help. Would you
consider applying for the research assistant post? It is a 10-week contract, or a two-year
placement. We have a seasonal position, and there's a vacancy in the lab. We will not include
any links in this message; no one from the bank will ever ask for your passcode, and we would
never email you for your security code.
"""


def test_every_pattern_match_holds_one_of_its_keywords() -> None:
    from honestreach.checks.commercial import _plain, commercial_test

    text = _plain(SAMPLES)
    for vocabulary in commercial_test().vocabularies:
        for pattern, keywords in vocabulary.patterns:
            matches = [m.group() for m in pattern.finditer(text)]
            assert matches, f"{vocabulary.name}: no sample for {pattern.pattern}"
            for match in matches:
                assert any(k in match for k in keywords), (vocabulary.name, match, keywords)


def test_opt_out_lower_case_search() -> None:
    """The opt-out words are searched for in lower-cased text with the expression made
    case-sensitive. That finds what IGNORECASE finds in the text as long as, for every
    character that stays one character when lower-cased (and is not one of the exceptions,
    which take the slow path), IGNORECASE matches a letter of the expression exactly when the
    character's lower case is that letter, and lower-casing keeps a word character or a blank
    what it was."""
    import re
    import sys
    from re import _constants, _parser

    from honestreach.checks import opt_out

    literals: set[str] = set()

    def collect(items: object) -> None:
        for op, value in items:  # type: ignore[attr-defined]
            if op in (_constants.LITERAL, _constants.NOT_LITERAL):
                literals.add(chr(value))
            elif op is _constants.IN:
                for kind, item in value:
                    if kind is _constants.LITERAL:
                        literals.add(chr(item))
                    elif kind is _constants.RANGE:
                        literals.update(map(chr, range(item[0], item[1] + 1)))
            elif op is _constants.BRANCH:
                for branch in value[1]:
                    collect(branch)
            elif op is _constants.SUBPATTERN:
                collect(value[3])
            elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
                collect(value[2])
            elif op in (_constants.ASSERT, _constants.ASSERT_NOT):
                collect(value[1])

    expression = opt_out._OPT_OUT_TEXT
    collect(_parser.parse(expression.pattern, expression.flags))
    assert literals and not any(ch.isupper() for ch in literals)
    any_literal = re.compile("[" + "".join(map(re.escape, literals)) + "]", re.IGNORECASE)
    word, blank = re.compile(r"\w"), re.compile(r"\s")
    for point in range(sys.maxunicode + 1):
        ch = chr(point)
        low = ch.lower()
        if len(low) != 1 or ch in opt_out.CASE_FOLDS_BEYOND_LOWER:
            continue
        assert bool(word.match(ch)) == bool(word.match(low)), hex(point)
        assert bool(blank.match(ch)) == bool(blank.match(low)), hex(point)
        if any_literal.match(ch) or low in literals:
            for literal in literals:
                matched = re.match(re.escape(literal), ch, re.IGNORECASE) is not None
                assert matched == (low == literal), (hex(point), literal)


def test_a_word_joined_by_a_hyphen_starts_no_phrase() -> None:
    # "free access" is an offer; "step-free access" says there are no steps.
    hyphened = "The side door has step-free access. The ramp cost $2,400 to build."
    assert {v.name for v in commercial_signals(message_from_text(hyphened, "Hello"))} == {"price"}
    spaced = "Members get free access to the gallery. Tickets are $14 for guests."
    assert {v.name for v in commercial_signals(message_from_text(spaced, "Hello"))} == \
        {"price", "offer"}


@pytest.mark.parametrize("body", [
    "This is a reminder of your appointment with Dr Shah on Monday at 10:15. If you cancel "
    "with less than a day's notice there is a $30 fee, charged at no cost to anyone who is "
    "ill.",
    "Your new rent from 1 June is £212.50 a week; if money is tight, the tenancy team can "
    "go through a budget with you at no cost.",
])
def test_an_appointment_reminder_or_a_rent_notice_is_no_advertisement(body: str) -> None:
    message = message_from_text(body, "Hello")
    assert {"price", "offer"} <= {v.name for v in commercial_signals(message)}
    assert not is_commercial(message)


@pytest.mark.parametrize("body", [
    "Your studio membership with Kiln Yard renews on 1 March at £58 a month, up from £52 "
    "because our clay supplier raised prices. Happy to chat if you'd rather pause.",
    "The warranty on your dishwasher ends on 14 May. A free check before then costs you "
    "nothing; repairs after it are usually £90 to £140. Reply and we'll find a time.",
    "As our contract requires, this is 60 days' notice of a change to our hourly rate: "
    "$85 from $80. Happy to talk it through on a call.",
    "Your framed order of the harbour print is delayed by a week; the framer has 20% off "
    "the £60 size if you'd like to switch instead.",
    "I've reset the printer queue and the jobs are printing again. Reply if it stops and the "
    "ticket will reopen. Our priority plan is $45 a month, 10% off for a year, if you'd like "
    "faster replies.",
    "Your household membership expires on May 31. Renewal is $80, and members get 10% off "
    "in the café; reply to renew, or do nothing and it simply lapses.",
    "Attached is your engagement letter for the coming year: the fee is €1,900, paid "
    "quarterly. Happy to go through it on a 15-minute call if anything looks wrong.",
    "Ahead of your annual renewal on 12 April: only 4 of your 10 licences were used this "
    "year, so you could drop to 5 and save $900 a year. Reply with the names and we will "
    "remove them for you.",
    "Notice of a rent increase for Flat 2: from 1 May the rent is £1,150 a month, up from "
    "£1,100. Happy to talk it over on a quick call.",
    "Your two-year support agreement runs until 31 March. Renewing on the same terms is "
    "$4,800 a year; happy to go through the options on a 20-minute call.",
])
def test_notices_about_what_a_customer_already_has_are_not_advertisements(body: str) -> None:
    # A price and an offer or a call would make them commercial; the notice weighs against.
    message = message_from_text(body, "Hello")
    signals = commercial_signals(message)
    assert sum(v.weight for v in signals if v.weight > 0) >= 2
    assert "transactional" in {v.name for v in signals}
    assert not is_commercial(message)


def test_an_answer_to_the_readers_enquiry_needs_no_opt_out_unless_it_pushes() -> None:
    answer = ("Thanks for your enquiry about the loft conversion. For a 4 x 6 m room with a "
              "dormer our price is £38,500, and I am happy to walk you through it on a "
              "15-minute call.")
    assert not is_commercial(message_from_text(answer, "Your loft conversion"))
    assert is_commercial(message_from_text(answer.replace("Thanks for your enquiry about",
                                                          "A quick note on"), "Loft conversions"))
    pushed = answer + (" Book this week and save 15%, and we have helped 400 homeowners: "
                       "reply now to claim your slot!")
    assert is_commercial(message_from_text(pushed, "Your loft conversion"))


def test_a_job_offer_that_names_the_pay_is_not_commercial() -> None:
    offer = ("We'd like you to join as a warehouse picker: we provide boots and gloves, and the "
             "rate is £12.60 an hour. Reply with yes or no by Friday.")
    assert is_commercial(message_from_text(offer, "Thursday's trial"))
    assert not is_commercial(message_from_text(offer, "Your job offer"))
    paid = offer.replace("the rate is", "you'd be paid")
    assert not is_commercial(message_from_text(paid, "Thursday's trial"))
