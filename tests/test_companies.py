"""Company names: legal forms, case and punctuation aside, compared by whole words."""

from __future__ import annotations

import pytest

from honestreach.crm.companies import company_words, same_company

SAME = [
    ("Acme", "Acme Robotics"),                        # the CRM's longer name
    ("Acme Robotics", "Acme Robotics, Inc."),         # a legal form
    ("acme robotics", "ACME ROBOTICS LLC"),           # case
    ("Tallis Freight", "Tallis Freight Ltd"),
    ("Kaltwerk", "Kaltwerk GmbH"),
    ("Société Verdane", "Societe Verdane S.A."),      # accents
    ("Brindle & Oak", "Brindle and Oak"),             # "&" is "and"
    ("Brindle and Oak", "Brindle & Oak Co."),
    ("The Quillfeather Group", "Quillfeather Group"),  # a leading "the"
    ("Nimbleware", "Nimbleware.io"),                  # a domain-like name
    ("Lumen-Dental", "Lumen Dental"),                 # punctuation
    ("Ferro Lux", "Ferrolux"),                        # written together
    ("Harrowgte Analytics", "Harrowgate Analytics"),  # one typo in a long name
    ("Corvdi Analytics", "Corvid Analytics"),         # two letters swapped
    ("Pemberton's", "Pemberton Logistics"),           # a possessive
]
DIFFERENT = [
    ("Meta", "Metabase"),
    ("Apple", "Pineapple"),
    ("Box", "Dropbox"),
    ("Dropbox", "Box, Inc."),
    ("Analytics", "Corvid Analytics"),                # a trailing word is not the company
    ("Robotics", "Acme Robotics"),
    ("Hexa", "Hera"),                                 # a typo in a short name is another name
    ("Northwind", "Southwind"),
    ("Brightside", "Brightline"),
    ("Acme Robotics", "Acme Logistics"),              # same first word, another company
    ("Tallis Freight", "Talon Freight"),               # two letters apart
    ("Inc.", "Acme Inc."),                            # only a legal form
    ("Orbital", "Orbit"),                             # a shorter word is not a prefix word
]


@pytest.mark.parametrize("said, recorded", SAME)
def test_same_company(said: str, recorded: str) -> None:
    assert same_company(said, recorded)
    assert same_company(recorded, said)


@pytest.mark.parametrize("said, recorded", DIFFERENT)
def test_different_companies(said: str, recorded: str) -> None:
    assert not same_company(said, recorded)
    assert not same_company(recorded, said)


def test_a_typo_is_tolerated_only_in_the_whole_name() -> None:
    # "Harowgate" is one letter from "Harrowgate", but the CRM's name has a second word:
    # a typo and a shortened name together are too far.
    assert not same_company("Harowgate", "Harrowgate Holdings")
    assert same_company("Harowgate", "Harrowgate")


def test_company_words() -> None:
    assert company_words("The Acme & Sons Group, Inc.") == ("acme", "and", "sons", "group")
    assert company_words("Acme and Co.") == ("acme",)
    assert company_words("Inc.") == ("inc",)
    assert company_words("Pemberton’s") == ("pemberton",)
