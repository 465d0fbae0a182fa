"""The Python checks on realistic texts: exact spans, quote and signature handling, footers."""

from __future__ import annotations

import dataclasses

import pytest

from honestreach.checks import CHECKS
from honestreach.checks.postal import has_postal_address, postal_line_spans
from honestreach.engine import Engine
from honestreach.message import message_from_text, parse_draft
from honestreach.model import Message
from honestreach.rules import load_rules

RULES = load_rules()


def run(check: str, body: str, subject: str | None = None, message: Message | None = None,
        **options: object) -> list[tuple[str, str]]:
    """(field, text) of each hit of ``check``."""
    message = message or message_from_text(body, subject)
    hits = list(CHECKS[check](message, dict(options)))
    out = []
    for hit in hits:
        field = message.subject if hit.field == "subject" else message.body
        assert field is not None
        assert 0 <= hit.start <= hit.end <= len(field.text)
        out.append((hit.field, field.text[hit.start:hit.end]))
    return out


def values(check: str, body: str, subject: str | None = None) -> list[dict]:
    return [hit.values for hit in CHECKS[check](message_from_text(body, subject), {})]


# Respectful footers in the styles real senders use: none of the checks may fire on them.
RESPECTFUL = [
    "Hi Elena,\n\nHere's the note on close-date hygiene: https://example.com/notes\n\n"
    "Best,\nMaya Okafor\nAccount Executive, Tallwater Analytics\n"
    "418 Harbor Street, Suite 200, Portland, OR 97204, USA\n\n"
    "Prefer not to receive emails from me? Reply \"unsubscribe\" and I'll remove you.",
    "Hi Hannah,\n\nWould a short call next week work?\n\nBest regards,\nPriya Raman\n"
    "Brightfold Talent\n77 King Street West, 9th Floor, Toronto, ON M5K 1A1, Canada\n"
    "You can opt out of future emails at any time: https://brightfold.example.net/optout",
    "Hallo Sofia,\n\nhier sind die Aufzeichnung und die Vorlagen.\n\nViele Grüße,\n"
    "Lukas Brenner\nNorthpeak Events GmbH\nTorstraße 112, 10119 Berlin, Germany\n"
    "Keine E-Mails mehr? Abmelden: https://northpeak.example.org/abmelden",
    "Hi Tom,\n\nFor three entities the list price is £1,450 per month.\n\nKind regards,\n"
    "Grace Whitmore\nLEDGERLINE LTD\n30 Finsbury Square, London EC2A 1AG, United Kingdom\n"
    "To stop receiving these emails, reply STOP.",
    "Hola Lucía:\n\nTe envío la guía que pediste.\n\nUn saludo,\nAna Ruiz\n"
    "ACME IBÉRICA S.L., Calle de Alcalá 42, 28014 Madrid, España\n📞 +34 600 000 000\n"
    "Si no deseas recibir más correos, puedes darte de baja aquí.",
    "Bonjour Chloé !\n\nVoici le guide des salaires 2026.\n\nCordialement,\nPriya Raman\n"
    "12 rue de la Paix, 75002 Paris, France\n"
    "Pour ne plus recevoir nos e-mails, répondez « désabonner ».",
    "Hi Kwame,\n\nThe ROI worksheet for your CRM rollout is attached; the Q3 numbers and the "
    "B2C benchmark are on page 2. Thanks!\n\nCheers,\nBen\nTallwater Analytics, "
    "PO Box 1234, Austin, TX 78701, USA\nManage your email preferences: https://example.com/p",
]


@pytest.mark.parametrize("body", RESPECTFUL)
@pytest.mark.parametrize("check", sorted(CHECKS))
def test_no_check_fires_on_respectful_messages(check: str, body: str) -> None:
    assert run(check, body) == []


def test_every_check_is_used_by_a_rule() -> None:
    used = {rule.check for rule in RULES.rules if rule.check}
    assert set(CHECKS) <= used


# --- missing_unsubscribe ---------------------------------------------------------------------
# These tests are about finding an opt-out, so they ask every message for one (applies_to: all);
# which messages are commercial is tested in test_compliance.py.

@pytest.mark.parametrize("footer", [
    "Unsubscribe: https://example.com/u",
    "Reply STOP to stop hearing from us.",
    'Not interested? Just reply "stop".',
    'To stop receiving emails from Tallwater, reply with "remove".',
    "Don't want these emails? Let us know.",
    "Manage your email preferences here.",
    "If you no longer wish to receive these updates, tell me.",
    "You can opt-out at any time.",
    "Prefer fewer emails? I can take you off our list.",
    "Newsletter abbestellen? Hier abmelden.",
    "Pour vous désabonner, cliquez ici.",
    "Para darte de baja, responde a este correo.",
    "Klik hier om je af te melden of afmelden via de link.",
    "If you'd rather we didn't write again, reply \u201c no \u201d.",
    "You can opt\nout at any time, or tell us you no\nlonger wish to receive these.",
    # However they are worded:
    "Tell me and I won't write again.",
    "If the timing is wrong, no worries - I won't chase.",
    "Not for you? Just say so and we will not follow up.",
    "You can switch these off under Settings > Notifications.",
    "Let me know if you'd rather not hear from me.",
    "Not interested? Let me know and that's the last of it.",
    "To be removed from our mailing list, click here.",
    "Please send a blank email with REMOVE in the subject line.",
    "We'll stop emailing you the day you ask.",
    "Manage preferences | Privacy",
    "Annulla iscrizione",
    "Per annullare l'iscrizione, clicca qui.",
    "Wypisz się z newslettera.",
    "If you'd prefer I didn't write about this again, a one-word reply does it.",
    'Reply "pause updates" and we\'ll stop.',
    "Not useful? Reply 'skip' and you won't hear from us again.",
    "Manage your price alerts at example.com/account.",
    "Turn off weekly updates in your account.",
    "Manage promotional emails: example.com/prefs/8812",
    "Update marketing preferences in your profile.",
    "To change how we contact you, reply to this email.",
    "If you would prefer us not to write about this again, say the word.",
    "Choose how often you hear from us in your account.",
    "Your settings: https://example.com/unsubscribe?u=77",
])
def test_opt_out_forms_are_recognised(footer: str) -> None:
    body = f"Hi Ana,\n\nA short note.\n\nBest,\nLuis\n{footer}"
    assert run("missing_unsubscribe", body, applies_to="all") == []


def test_missing_opt_out_points_at_the_last_line_of_the_senders_text() -> None:
    body = "Hi Dami,\n\nFree for a quick call Thursday?\n\nPriya Raman\nBrightfold Talent  \n\n"
    assert run("missing_unsubscribe", body, applies_to="all") == [("body", "Brightfold Talent")]


def test_an_opt_out_in_quoted_text_does_not_count() -> None:
    body = ("Hi Tom,\n\nHere is the pricing sheet.\n\nBest,\nGrace\n\n"
            "> On Mon, 6 Jul 2026 at 16:41, Tom Reyes wrote:\n"
            "> Also, please unsubscribe me from the newsletter.\n")
    assert run("missing_unsubscribe", body, applies_to="all") == [("body", "Grace")]


def test_opt_out_header_or_link_counts() -> None:
    message = message_from_text("Hi Ana,\n\nA short note.\n\nBest,\nLuis")
    assert run("missing_unsubscribe", "", message=message, applies_to="all") == [("body", "Luis")]
    for headers, links in [({"List-Unsubscribe": "<mailto:unsub@example.com>"}, ()),
                           ({}, ("https://example.com/email-preferences",)),
                           ({}, ("https://example.com/remove.html?u=42",)),
                           ({}, ("mailto:lists@example.com?subject=STOP",))]:
        opting_out = dataclasses.replace(message, headers=headers, links=links)
        assert run("missing_unsubscribe", "", message=opting_out, applies_to="all") == []
    other_link = dataclasses.replace(message, links=("https://example.com/pricing",))
    assert run("missing_unsubscribe", "", message=other_link, applies_to="all") == [
        ("body", "Luis")]


def test_words_that_only_look_like_an_opt_out_do_not_count() -> None:
    body = ("Hi Ana,\n\nYour reps stop getting ghosted. Reply and I'll send the deck.\n"
            "We can change how we invoice you next year.\n"
            "The old importer needs to be removed, then the sync runs. I won't write the docs "
            "again, and I won't chase you for the invoice.")
    assert run("missing_unsubscribe", body, applies_to="all") == [
        ("body", body.splitlines()[-1])]


# --- missing_postal_address ------------------------------------------------------------------
# As above: every message is asked for an address here (applies_to: all).

@pytest.mark.parametrize("address", [
    "418 Harbor Street, Suite 200, Portland, OR 97204, USA",
    "Ledgerline Ltd, 30 Finsbury Square, London EC2A 1AG, United Kingdom",
    "77 King Street West, 9th Floor, Toronto, ON M5K 1A1, Canada",
    "Northpeak Events GmbH, Torstraße 112, 10119 Berlin, Germany",
    "Acme SARL, 12 rue de la Paix, 75002 Paris, France",
    "Acme S.L., Calle de Alcalá 42, 28014 Madrid",
    "Acme B.V., Keizersgracht 123, 1015 CJ Amsterdam",
    "Havenlicht B.V., Wijnhaven 12, 3011 WS Rotterdam",
    "Havenlicht B.V., Boompjes 40, 3011 XB Rotterdam, Nederland",
    "Acme Inc.\nPO Box 1234\nAustin, TX 78701",
    "1 Infinite Loop\nCupertino, CA 95014",
    "Postfach 1234, 80331 München, Deutschland",
    # A Germanic street type written as its own word after the street's name.
    "Autohaus Nordlicht GmbH, Bremer Chaussee 14, 21073 Hamburg",
    "Buchladen Lange, Alter Markt 9, 24103 Kiel",
    # A street named after a person of another language, a numbered route, and a British
    # building with no house number (named street, then a postcode on the same line).
    "Casa Verde Foods, 2210 Paseo de las Flores Blvd, Tucson, AZ 85705",
    "1450 Avenue of the Americas, New York, NY 10019",
    "Farm Stand Co-op, 5820 County Route 9, Kinderhook, NY 12106",
    "The Old Mill, Weavers Lane, Hebden Bridge HX7 8AD",
    # Places with no street: a farm or an estate, named parts then a postcode (an Irish
    # Eircode too), and a rural street without a number above its postcode and town.
    "Brackenfield Farm, Low Row, Richmond DL11 6NE",
    "Rosewood Estate, Kilmore, Co. Wexford Y35 E2F7",
    "Mas des Oliviers\nChemin des Vignes\n84220 Gordes\nFrance",
    "Rowerowo Sp. z o.o., ul. Kwiatowa 18, 30-215 Kraków, Poland",
    # An Indian PIN after its city, with or without a dash.
    "Kaveri Tutors LLP, 3rd Floor, Orchid Arcade, Pune 411004",
    "Sutradhar Looms, 14 MG Road, Kochi - 682 016",
    # A village address with its postcode, then the country and more on the same line.
    "Seaview Lodge, Kilkee, Co. Clare V15 K2P9, Ireland. Open all year.",
    "Deccan Weaves LLP, Jubilee Hills, Hyderabad, Telangana 500033, India. GST registered.",
])
def test_postal_address_layouts_are_recognised(address: str) -> None:
    body = f"Hi Ana,\n\nA short note.\n\nBest,\nLuis\n{address}\nUnsubscribe: reply STOP"
    assert run("missing_postal_address", body, applies_to="all") == []


@pytest.mark.parametrize("text", [
    "Call me on +1 (503) 555-0199 or 503-555-0100 before 5 June 2026.",
    "The early-bird rate ($495 instead of $695) runs until 30 June 2026 at 5pm.",
    "Our 2026 Warehouse Salary Guide covers 12 Canadian cities.",
    "We placed 3 senior engineers in Toronto, Canada, in 2025.",
    "Invoice #LL-20418 for 1,450 GBP is due on 12/08/2026.",
    "See Chapter 12, 2024 Edition, and Table 3, 12345 Rows in all.",
    "Meet at Harbour Lane, 2 June, near the LS1 sign.",
    "Ask Tom, Dana, or Lee about ticket D6W 1234.",
    "Meet at Park Lane\n10 people have said yes so far.",
    "Order 4521 shipped on Monday, 410023 units in all.",
    "Batches A, B, C and Invoice 600113, paid, Ref 200145 on file.",
    # A disk's model line, then a memory module's: 'Drive' and a number are no street.
    "Maxtor 80GB ATA/100 5400RPM IDE Hard Drive\n256MB PC-2100 Double Data Rate",
])
def test_numbers_dates_prices_and_phones_are_not_an_address(text: str) -> None:
    assert not postal_line_spans(text)


def test_missing_address_points_at_the_sign_off() -> None:
    body = ("Hi Noah,\n\nCan I send a few examples?\n\nBest,\nSam Delgado\n"
            "Reply STOP to unsubscribe.")
    assert run("missing_postal_address", body, applies_to="all") == [("body", "Best,")]


def test_missing_address_without_sign_off_points_at_the_last_line() -> None:
    body = "Hi Etienne,\n\nHere's your copy.\n\nPriya Raman\nBrightfold Talent\n"
    assert run("missing_postal_address", body, applies_to="all") == [("body", "Brightfold Talent")]


def test_an_address_only_in_quoted_text_does_not_count() -> None:
    body = ("Jake,\n\nThanks for the note. See below.\n\n"
            "On Mon, 6 Jul 2026 at 16:41, Quillmark Creative wrote:\n"
            "> Quillmark Creative, 2209 Larimer Street, Denver, CO 80205, USA\n")
    message = message_from_text(body)
    assert not has_postal_address(message)
    assert run("missing_postal_address", body, applies_to="all") == [
        ("body", "Thanks for the note. See below.")]


def test_an_address_in_forwarded_content_counts() -> None:
    # Whoever forwards content into an outreach email sends it, address included.
    body = ("Jake,\n\nForwarding this over. See below.\n\n"
            "---------- Forwarded message ---------\nFrom: Quillmark Creative\n\n"
            "Quillmark Creative, 2209 Larimer Street, Denver, CO 80205, USA\n")
    assert has_postal_address(message_from_text(body))


# --- shouting --------------------------------------------------------------------------------

def test_shouting_runs_in_subject_and_body() -> None:
    body = ("Hi Jordan,\n\nGREAT MEETING YOU AT DREAMFORCE 2026!!! I've been thinking about it.\n\n"
            "Tallwater is the forecasting tool your team NEEDS. Let's talk THIS WEEK!!!\n\n"
            "Ben Hartley\nTallwater Analytics, 418 Harbor Street, Suite 200, "
            "Portland, OR 97204, USA")
    assert run("shouting", body, subject="HUGE NEWS FOR YOUR SALES TEAM!!!") == [
        ("subject", "HUGE NEWS FOR YOUR SALES TEAM"),
        ("body", "GREAT MEETING YOU AT DREAMFORCE 2026"),
        ("body", "THIS WEEK"),
    ]


def test_capitals_and_marks_among_family_are_joy_but_not_in_a_pitch() -> None:
    """The rules, not the checks, skip a note between people who know each other (a
    ``context: {acquaintance: skip}`` setting); the same words to someone else still shout."""
    engine = Engine(RULES.rules, RULES.vocabulary)
    note = ("Hi Mum!\n\nWE HAVE A PUPPY!!! She is tiny and grey and has already eaten a sock.\n\n"
            "Come and meet her on Sunday? I can pick you up at two.\n\nLove you lots xx")
    loud = {"shouting", "exclamation-overload"}
    assert not loud & {f.rule for f in engine.check(parse_draft("note.txt", note)).findings}
    stranger = (note.replace("Hi Mum!", "Hi Dana!").replace(" I can pick you up at two.", "")
                .replace("Love you lots xx", "Best,\nOla"))
    assert loud <= {f.rule for f in engine.check(parse_draft("note.txt", stranger)).findings}
    # A list's opt-out line says the "love you lots" is a business putting on familiarity.
    listed = note + "\n\nUnsubscribe from Pawprint Kennels emails: reply STOP."
    assert loud <= {f.rule for f in engine.check(parse_draft("listed.txt", listed)).findings}


@pytest.mark.parametrize("body", [
    "Hi Ana,\n\nTallwater is the forecasting tool your team NEEDS.",  # emphasis, as italics
    "FELIX!!!\n\nCongrats on the deal.",  # a name (the exclamation check sees the marks)
    "Hi Ana,\n\nThe panel is on Friday, at the FORMULA ONE EUROPEAN GRAND PRIX.",
])
def test_a_single_word_or_a_name_in_capitals_is_not_shouting(body: str) -> None:
    assert run("shouting", body) == []


@pytest.mark.parametrize("subject", [
    "Pipeline review TODAY",
    "BREAKING: Our Q3 report is out",
    "[READ NOW] The onboarding checklist",
    "Quarterly numbers (FINANCE TEAM)",
    "VOTE TODAY",
])
def test_a_word_or_a_label_in_capitals_in_a_subject_is_not_shouting(subject: str) -> None:
    assert run("shouting", "Hi Ana,\n\nA short note.", subject=subject) == []


def test_two_lone_words_in_capitals_shout_in_a_short_body_not_in_a_subject() -> None:
    body = "Hi Carl,\n\nA reminder that the offer is ONLY for TODAY."
    assert run("shouting", body) == [("body", "ONLY"), ("body", "TODAY")]
    assert run("shouting", "Hi Ana,\n\nA short note.", subject="Your NEW plan is READY") == []
    long_body = ("Hi Carl,\n\n" + "The report covers the quarter in detail. " * 4
                 + "It is ONLY a draft, NOT final.")
    assert run("shouting", long_body) == []


def test_a_payment_as_the_statement_prints_it_is_not_shouting() -> None:
    alert = "Hi Sam,\n\nLast payment: 2 May, card, GREEN LANE DAIRY FARM SHOP, GBP 18.40\n"
    assert run("shouting", alert) == []
    assert run("shouting", "Hi Sam,\n\nBUY THE FARM SHOP BOX, GBP or USD.") == [
        ("body", "BUY THE FARM SHOP BOX, GBP")]


def test_a_shouted_instruction_word_is_not_a_keyword_to_type() -> None:
    assert run("shouting", "Hi Jess,\n\nREPLY PLEASE.") == [("body", "REPLY PLEASE")]
    assert run("shouting", "Hi Jess,\n\nTo stop these emails, reply STOP.") == []


def test_a_subject_shouts_with_three_ordinary_words_after_a_label() -> None:
    assert run("shouting", "Hi Ana,\n\nA short note.", subject="UPDATE: BIG WINS THIS WEEK") == [
        ("subject", "BIG WINS THIS WEEK")]


def test_the_subject_of_a_genuine_reply_is_not_the_senders() -> None:
    first_touch = message_from_text("Ha, indeed. See you Friday.", "Re: WE ARE NUMBER ONE")
    assert run("shouting", "", message=first_touch) == [("subject", "WE ARE NUMBER ONE")]
    reply = dataclasses.replace(first_touch, headers={**first_touch.headers,
                                                      "in-reply-to": "<a1@example.org>"})
    assert run("shouting", "", message=reply) == []


@pytest.mark.parametrize("text", [
    "Our ROI model covers CRM, CFO and AP workflows for B2C and B2B SaaS teams in the USA and UK.",
    "The API ships by EOD; Q3 ESG numbers follow. HR is OK with it.",
    "To opt out, reply STOP or reply \"REMOVE\".",
    "It was good to meet you at HITEC in June and at SAASTR in Paris.",
    "We work with ACME CORP and NVIDIA on Section IV of the plan.",
    "Ask for code EC2A 1AG or M5K 1A1 at the desk.",
    "The flag SPAM_PHRASE_OVER_LIMIT is set in /ETC/MAIL/LOCAL.CF on NEWS.COM servers.",
    "You wrote \"PLEASE SEND THE FILE TODAY\" in the ticket, so here it is.",
    "Our pricing is entirely RISK-FREE for the first month.",
    "The summit is called FUTURE OF RETAIL LIVE, and it is in Leeds.",
    "Chapter two, titled WHAT THE DATA SAYS, covers churn.",
    "Payee: GREEN VALLEY FARM SUPPLIES LTD, paid on 3 May.",
    "The card was used at NORTHERN PAINT AND PAPER CO. in Leeds.",
    "PLEASE DO NOT REPLY to this address; the help desk answers at help@example.org.",
    "This mailbox is not read. DO NOT REPLY TO THIS EMAIL.",
])
def test_acronyms_codes_names_quotes_and_instructions_are_not_shouting(text: str) -> None:
    assert run("shouting", f"Hi Ana,\n\n{text}") == []


@pytest.mark.parametrize("layout", [
    # code: a statement, an identifier, a call
    "The query that fails:\n\nDROP TABLE orders;\nCREATE TABLE orders (id INT PRIMARY KEY);\n",
    "Set it like this:\n\n    ALLOW ALL FROM LOCAL NETWORK\n",
    # a table and a row of figures
    "Status   |NEW      |RESOLVED\nResolution|         |WONTFIX\n",
    "CISCO SYSTEMS 13.51 2.82%\nJUNIPER NETWORKS 7.70 6.65%\n",
    # headers of a forwarded message
    "Forwarding this:\n\nFrom: SALES TEAM <team@example.com>\nSubject: THE NEW PRICE LIST\n",
    # banners, ruled lines and headings
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n",
    "===== THE WEEKLY DIGEST =====\n\nIN THIS ISSUE\n\n1. NEW RELEASE NOTES\n\n"
    "SHOULD YOU UPGRADE NOW?\n\nThe release is out.",
    # run-in headings and labels
    "WORD OF THE DAY: coruscate, to sparkle.\n\n01. SAVE YOUR WORK. Press the keys twice.",
    "This month at the hall:\n\nBOARD GAMES NIGHT - Friday 9 May, 7pm\nBring a game or borrow "
    "one.\n\nFREE BIKE REPAIR (with the cycling club)\nSaturdays until June.",
    # a notice in capitals, over several lines
    "IF YOU REPLY TO THIS MAILING, PLEASE CHANGE THE\n"
    "ADDRESS TO THE ONE IN THE CONTACTS SECTION.\n",
    # a list's footer
    "See you at the meetup.\n\n_______________________________________________\n"
    "DEVS MAILING LIST\nTO UNSUBSCRIBE SEND A NOTE TO THE LIST ADMIN.\n",
])
def test_code_tables_headers_headings_notices_and_footers_are_not_shouting(layout: str) -> None:
    assert run("shouting", f"Hi Ana,\n\n{layout}") == []


def test_a_sentence_in_capitals_on_its_own_line_shouts() -> None:
    assert run("shouting", "Hi Ana,\n\nOPEN THIS BEFORE YOU START ON YOUR INBOX TODAY.\n") == [
        ("body", "OPEN THIS BEFORE YOU START ON YOUR INBOX TODAY")]


@pytest.mark.parametrize(("line", "shouted"), [
    ("GRAB YOUR SEAT - there are only a few left", "GRAB YOUR SEAT"),  # speaks to the reader
    ("LAST ORDERS TONIGHT - the kitchen closes at nine!", "LAST ORDERS TONIGHT"),  # a sentence
    ("We have GREAT NEWS - the shop reopens", "GREAT NEWS"),  # not at the start of its line
])
def test_capitals_before_a_dash_shout_unless_they_title_the_line(line: str, shouted: str) -> None:
    assert run("shouting", f"Hi Ana,\n\n{line}\n") == [("body", shouted)]


def test_a_few_capitalised_phrases_in_a_long_text_are_not_its_voice() -> None:
    paragraph = ("The meetup moved to the library this month, and the talks run from six to "
                 "eight with a break for food in between. ")
    long_text = "Hi Ana,\n\n" + paragraph * 6 + "Bring your laptop, AS ALWAYS.\n"
    assert run("shouting", long_text) == []
    assert run("shouting", "Hi Ana,\n\n" + paragraph + "Bring your laptop, AS ALWAYS.\n") == [
        ("body", "AS ALWAYS")]
    assert run("shouting", long_text, min_share=0) == [("body", "AS ALWAYS")]


def test_signature_and_postal_lines_are_not_shouting() -> None:
    body = ("Hi Ana,\n\nThe guide is attached.\n\nBest regards,\nLUIS GARCIA\n"
            "HEAD OF SALES, ACME IBERICA\nCALLE MAYOR 5, 28013 MADRID, SPAIN")
    assert run("shouting", body) == []
    # Without a sign-off, a postal line in capitals is still recognised and skipped.
    body = "Hi Ana,\n\nThe guide is attached.\n\n12 HIGH STREET, LONDON EC1A 1BB, UK"
    assert run("shouting", body) == []


def test_shouting_in_quoted_text_is_not_the_senders() -> None:
    body = "Hi Tom,\n\nSure, happy to help.\n\n> On Mon, Tom wrote:\n> PLEASE SEND IT TODAY\n"
    assert run("shouting", body) == []


def test_shouting_allow_option() -> None:
    text = "Hi Ana,\n\nOur PIPELINE REVIEW starts now."
    assert run("shouting", text) == [("body", "PIPELINE REVIEW")]
    assert run("shouting", text, allow=["pipeline", "review"]) == []


# --- exclamation_overload --------------------------------------------------------------------

def test_marks_piled_up_more_than_once_report_once_at_the_first_run() -> None:
    body = ("Felix my man!!!\n\nHuge congrats on Nordlicht getting acquired!!! Massive news!!!\n\n"
            "Cheers!!\nBen")
    assert run("exclamation_overload", body, subject="FELIX!!! Congrats") == [
        ("subject", "FELIX!!!")]
    assert values("exclamation_overload", body, subject="FELIX!!! Congrats") == [
        {"count": 5, "sentences": 7, "runs": 5}]


def test_one_long_run_of_marks_is_overload_on_its_own() -> None:
    assert run("exclamation_overload", "Hi Ana,\n\nWe did it!!!") == [("body", "it!!!")]
    assert run("exclamation_overload", "Hi Ana,\n\nWe did it!!") == []
    # Between people already in a thread, "!!!" is conversation; "!!!!!!" is still a shout.
    message = message_from_text("Ha, we did it!!!", "Re: the launch")
    reply = dataclasses.replace(message, headers={**message.headers, "references": "<a@b.c>"})
    assert run("exclamation_overload", "", message=reply) == []
    shout = dataclasses.replace(message_from_text("Ha, we did it!!!!!!", "Re: the launch"),
                                headers={"references": "<a@b.c>"})
    assert run("exclamation_overload", "", message=shout) == [("body", "it!!!!!!")]


def test_a_doubled_mark_in_the_sign_off_line_counts() -> None:
    assert run("exclamation_overload", "Hi Ana,\n\nSee you Tuesday?! Bring the deck.\n\n"
                                       "Cheers!!\nBen") == [("body", "Tuesday?!")]


def test_a_high_density_of_single_marks_is_overload() -> None:
    body = "Hi Jenna! So good to see you! You were amazing! Let's talk soon."
    assert run("exclamation_overload", body) == [("body", "Jenna!")]
    assert values("exclamation_overload", body) == [{"count": 3, "sentences": 4, "runs": 0}]


def test_a_doubled_mark_weighs_two_towards_the_density() -> None:
    assert run("exclamation_overload", "Amazing!! You'll love what we've built!") == [
        ("body", "Amazing!!")]
    assert run("exclamation_overload", "Hi Sue,\n\nCongrats!! Well deserved.\n\nTia") == []


@pytest.mark.parametrize("body", [
    "Hi Owen,\n\nThanks for grabbing the playbook! Would a sample report help?",
    "Hi Aisha!\n\nThe chart on page 14 compares launch weeks with quieter months. I can pull the "
    "data for home-goods retailers. Thanks again for downloading the report! Just reply and "
    "I'll put it together.",
    "Hi Sam,\n\nThe dashboard is at https://example.com/#!/pricing!! and the deck is attached.",
    "Hi Tom,\n\nDone.\n\n> On Mon, Tom wrote:\n> Please send it!!! Today!!!\n",
    "¡Hola Ana!\n\nTe envío la guía. ¡Gracias por tu tiempo! Un saludo.",
    # one doubled mark is enthusiasm; puzzled question marks are not a raised voice
    "Hi Max,\n\nCongrats on the new job!! Let's catch up in March.",
    "Hi all,\n\nWhy does the build fail??? And where do the logs go???",
    # someone else's words, quoted
    "Hi all,\n\nWe keep getting replies like \"Stop!! I never signed up!!!\", so here is why.",
])
def test_friendly_or_non_prose_exclamation_marks_are_fine(body: str) -> None:
    assert run("exclamation_overload", body) == []


def test_a_long_newsletter_may_carry_a_few_shouting_adverts() -> None:
    # Two doubled marks among 80 sentences of articles are the adverts', not the message's voice;
    # the same two in a short note are.
    articles = "".join(f"Story {n} covers the new release in some detail. " for n in range(40))
    adverts = "Printer ink: buy one, get two free!! Free shipping over $25!! "
    assert run("exclamation_overload", "Hi all,\n\n" + articles + adverts) == []
    assert run("exclamation_overload", "Hi all,\n\n" + adverts) == [("body", "free!!")]


# --- emoji_overload --------------------------------------------------------------------------

def test_a_row_of_alarm_emoji_in_subject_and_body() -> None:
    subject = "🚨🚨🚨 LAST CHANCE: 10X YOUR LEADS BEFORE MIDNIGHT"
    body = "BEATRIZ!!!\n\n⏰ 04:59:59 left ⏰ Seriously, the clock is ticking ⏰\n\nChad"
    assert run("emoji_overload", body, subject=subject) == [("subject", "🚨"), ("body", "⏰")]
    assert values("emoji_overload", body, subject=subject) == [
        {"count": 3, "kind": "alarm emoji", "where": "subject"},
        {"count": 3, "kind": "alarm emoji", "where": "body"},
    ]


def test_a_warning_sign_counts_with_or_without_its_emoji_selector() -> None:
    assert run("emoji_overload", "Hi Ana,\n\n‼ Read this ‼ now ‼") == [("body", "‼")]
    assert run("emoji_overload", "Hi Ana,\n\n‼️ Read this ‼️ now ‼️") == [("body", "‼️")]


def test_a_string_of_emoji_is_overload() -> None:
    body = "Hi Ana,\n\nOur launch 🎉 is live 🙌🏽 and ready 💪 for you 😀 and the team 🚀🚀"
    assert run("emoji_overload", body) == [("body", "🎉")]
    assert run("emoji_overload", "Hi Ana,\n\nOur launch is live",
               subject="Launch 🎉 day 🙌 is 🚀 here 🥳") == [("subject", "🎉")]


@pytest.mark.parametrize(("subject", "body"), [
    ("Your guide 📘", "Hi Ana,\n\nThanks for the session 🙂 The guide is attached ✔"),
    (None, "Hi Ana,\n\nThe guide is attached.\n\nBest,\nLuis\n📞 +34 600 000 000\n"
           "✉ luis@example.com\n© 2026 Example S.L.™"),
    (None, "Hi Ana,\n\nSee you soon 👋🏽 🇩🇪"),
    ("📣 Team news 📣", "Hi Ana,\n\nThe new office opens on Monday 🎉"),
])
def test_friendly_emoji_framed_subjects_symbols_and_signature_emoji_are_fine(subject, body) -> None:
    assert run("emoji_overload", body, subject=subject) == []


# --- merge_fields ----------------------------------------------------------------------------

@pytest.mark.parametrize("token", [
    "{{first_name}}", "{{ contact.firstname }}", "{{}}", "{first_name}", "{First Name}",
    "${name}", "#{name}", "{!Contact.FirstName}", "*|FNAME|*", "%%FNAME%%", "%%COMPANY%%",
    "%FIRSTNAME%", "<<First Name>>", "«FirstName»", "[FIRST NAME]", "[First Name]",
    "[Company]", "[company name]", "[Prospect's Company]", "[Your Name]", "[Insert case study]",
    "[calendar link]", "[XX]", "[???]", "{% if vip %}", "{Company}", "{companyName}",
    "{contact.city}", "{COMPANY_NAME}", "[insert logo]", "[Insert testimonial here]",
])
def test_unfilled_merge_tokens(token: str) -> None:
    body = f"Hi Ana,\n\nI drafted a plan for {token} and your team."
    assert run("merge_fields", body) == [("body", token)]


def test_merge_tokens_in_the_subject_and_one_hit_per_token() -> None:
    assert run("merge_fields", "Hi {{first_name}}, a plan for %%COMPANY%%.",
               subject="A content plan for %%COMPANY%%") == [
        ("subject", "%%COMPANY%%"), ("body", "{{first_name}}"), ("body", "%%COMPANY%%")]


@pytest.mark.parametrize("text", [
    "See the notes [1] and the recording [link]; [image: logo] and [cid:abc] are attachments.",
    "Prices rose 20% in May and 15% in June; 50%% is a typo, not a field.",
    "Our [Webinar] series and the [Product Update] digest are linked below.",
    "Use the arrow >> to go on, or << to go back.",
    "« Bonjour » is how we say hello; «Oui» means yes.",
    'She wrote that "the close [...] took three days" and ticked [x] yes, [ ] no.',
    "The formula is f(x) = {x : x > 0}.",
    # Code and link labels in single braces: no word of theirs names what a merge fills in.
    "Copy {build.dir} to {dist.dir}, then run {make install}.",
    "Tools this week: {Screen ruler} and {Check your stocks}.",
    "The report said {{3 hits}} in the log.",
    # Stage directions: a sound, a gesture or a pause, not a blank to fill.
    "And the prize goes to [insert drum roll here] the night shift!",
    "We shipped it [cue applause] after [insert one long weary sigh] and [pause for effect].",
    "Our printer [insert ominous music] is back [Insert Eye-Roll].",
])
def test_text_that_is_not_a_merge_field(text: str) -> None:
    assert run("merge_fields", f"Hi Ana,\n\n{text}") == []


def test_templates_may_use_their_own_syntax_but_not_placeholders() -> None:
    template = ("{# Subject: Quarterly #}\nHi {{ contact.first_name }},\n\n"
                "{% if account.industry %}A guide for {{ account.industry | lower }} brands."
                "{% endif %}\nSee you, [FIRST NAME].\n")
    message = parse_draft("quarterly.txt.j2", template)
    assert run("merge_fields", "", message=message) == [("body", "[FIRST NAME]")]
    as_sent = parse_draft("quarterly.txt", template)
    assert len(run("merge_fields", "", message=as_sent)) == 6


def test_merge_tokens_in_quoted_text_are_dropped_by_the_engine() -> None:
    engine = Engine(RULES.rules)

    def fired(body: str) -> list[str]:
        result = engine.check(message_from_text(body))
        assert result.errors == []
        return [f.text for f in result.findings if f.rule == "unfilled-merge-field"]

    quoted = "Hi Ana,\n\nThanks.\n\n> On Mon, Ana wrote:\n> Hi {{first_name}}, see you.\n"
    assert fired(quoted) == []
    assert fired("Hi {{first_name}},\n\nThanks.\n") == ["{{first_name}}"]


# --- empty_merge_value -----------------------------------------------------------------------

@pytest.mark.parametrize(("body", "expected"), [
    ("Hi ,\n\nI noticed your team is hiring.", "Hi ,"),
    ("Dear ,\n\nThank you for your order.", "Dear ,"),
    ("Hello !\n\nGreat to connect.", "Hello !"),
    ("  Dear Mr. ,\n\nThank you.", "Dear Mr. ,"),
    ("Dear Ms.,\n\nThank you.", "Dear Ms.,"),
    ("Dear\n\nThank you.", "Dear"),
    ("Bonjour ,\n\nMerci.", "Bonjour ,"),
    ("Hi Dami,\n\nI drafted a plan for 's forecast.", "'s"),
])
def test_dropped_merge_values(body: str, expected: str) -> None:
    assert run("empty_merge_value", body) == [("body", expected)]


def test_a_subject_that_opens_with_the_comma_after_a_dropped_name() -> None:
    assert run("empty_merge_value", "Hi Dami,\n\nAre you hiring?",
               subject=", quick question about hiring") == [
        ("subject", ", quick question about hiring")]


@pytest.mark.parametrize("body", [
    "Hello,\n\nThe programme is now online.",
    "Hi Dami,\n\nAre you still hiring?",
    "Bonjour Chloé !\n\nMerci pour votre temps : voici le guide.",
    "Bonjour !\n\nVoici le guide.",
    "Hi there,\n\nWhat's Pinecrest's plan for Q3? It's 'so' good.",
    "Dear Dr. Osei,\n\nThank you.",
])
def test_greetings_that_are_whole(body: str) -> None:
    assert run("empty_merge_value", body) == []


# --- robustness and speed --------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "", " \n\n ", "> only quoted\n> text\n", "!" * 5000, "A" * 5000, "{{" * 2000,
    "🚨" * 500, "1 " * 3000, "Hi ,\n" * 200, "\ufeffHi Ana,\r\n\r\nThanks!!\r\n",
])
def test_checks_never_raise(body: str) -> None:
    for subject in (None, "", body[:200]):
        message = message_from_text(body, subject)
        for check in CHECKS.values():
            list(check(message, {}))


# --- pathological bodies: every check must stay linear ---------------------------------------
# Each body below once made a check backtrack quadratically (minutes at 100 KB): a hyphenated
# run of capitals in the street finder, a long dotted run before '@' in the e-mail masker,
# openers without closers in a template, "«namename...", a greeting followed by a long run of
# tabs, and a long gap between two words in capitals. The test asserts what the checks return;
# a regression shows up as a suite that takes minutes rather than as a failed timing.

PATHOLOGICAL = {
    "bangs": "!" * 50_000,
    "capitals": "A" * 50_000,
    "spaces": " " * 50_000,
    "digits": "7" * 50_000,
    "one long line": ("Thanks for the call about your warehouse counts, Ana. " * 2000)[:100_000],
    "hyphenated capitals": "A-" * 25_000 + " 1",
    "dotted run before @": "a." * 25_000 + "@ /",
    "template openers": "{{" * 25_000,
    "word merge field": "«" + "name" * 12_500,
    "greeting and tabs": "Dear" + "\t" * 50_000 + "x",
    "gap between capitals": "NEWS" + " " * 50_000 + "x NEWS",
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_checks_finish_pathological_bodies(name: str) -> None:
    body = PATHOLOGICAL[name]
    path = "draft.txt.j2" if name == "template openers" else "<text>"
    message = message_from_text(body, "Quick question", path=path)
    options = {rule.check: rule.options for rule in RULES.rules if rule.check}
    for check, function in CHECKS.items():
        for hit in function(message, dict(options.get(check, {}))):
            field = message.subject if hit.field == "subject" else message.body
            assert field is not None and 0 <= hit.start <= hit.end <= len(field.text)
    # Nothing here is an opt-out or a postal address: both compliance checks report.
    assert run("missing_unsubscribe", body, message=message, applies_to="all")
    assert run("missing_postal_address", body, message=message, applies_to="all")


def test_pathological_bodies_are_still_read_correctly() -> None:
    assert run("exclamation_overload", "Thanks" + "!" * 50_000 + " Bye!!")
    # A street on a very long hyphenated line is still found, and so is the address.
    line = "-".join(["Am"] * 20_000) + "-Hauptstraße 5, 10115 Berlin, Germany"
    assert has_postal_address(message_from_text("Best,\nTheo\n" + line))
    assert postal_line_spans("Ring-Center, Bahnhof-strasse 12\n8001 Zürich, Schweiz")
    assert not postal_line_spans("rückwärts-Hauptweg ohne Nummer\nGermany")
    # The e-mail masker and the merge-field finders still see ordinary tokens.
    assert run("merge_fields", "Hi «FirstName», see you at «Company_Name»!") == [
        ("body", "«FirstName»"), ("body", "«Company_Name»")]
    template = message_from_text("{{ greeting }} [Company] {% if x %}[First Name]{% endif %}",
                                 None, path="outreach.txt.j2")
    assert run("merge_fields", "", message=template) == [
        ("body", "[Company]"), ("body", "[First Name]")]
    assert run("empty_merge_value", "Dear\t\t ,\n\nThanks.") == [("body", "Dear\t\t ,")]
    assert run("shouting", "READ THIS  –  NOW please") == [("body", "READ THIS  –  NOW")]
    # A long gap of blanks is a table's, and is searched in linear time.
    assert run("shouting", "READ THIS" + " \t" * 20_000 + "NOW please") == []


@pytest.mark.parametrize("line", ["5 Highgate, Kendal LA9 4DA",
                                  "27 The Parade, Leamington Spa CV32 4AT",
                                  "410 Commerce, Dallas, TX 75201"])
def test_a_house_number_and_a_street_named_without_its_kind_before_a_postcode(
        line: str) -> None:
    assert has_postal_address(message_from_text("Kind regards,\nAnne\n" + line))


@pytest.mark.parametrize("line", ["Meet at 5 Highgate, then lunch in Kendal.",
                                  "We have 3 Seats, Tables and Chairs left."])
def test_a_number_before_capitals_without_a_postcode_is_no_address(line: str) -> None:
    assert not has_postal_address(message_from_text("Kind regards,\nAnne\n" + line))


@pytest.mark.parametrize("text", [
    "", "no links here", "see https://example.com/a and www.example.org.", "HTTP://X.Y/z",
    "mail ana@example.com or bo.b+tag@mail.example.co.uk today", "a @ b", "@@@", "x@y",
    "-dash@example.com .dot@example.com", "a" * 70 + "@example.com", "wwwx www.a @ b.c",
    "http://a " * 20 + "x@ " + "c@d.ef " * 3, ("a" * 63 + " @ ") * 5 + "me@there.org",
])
def test_link_spans_finds_what_the_link_expressions_find(text: str) -> None:
    from honestreach.checks.emphasis.prose import _URL, link_spans
    from honestreach.score.prose import _URL as SCORE_URL

    for links in (_URL, SCORE_URL):
        assert link_spans(text, links) == [m.span() for m in links.finditer(text)]
