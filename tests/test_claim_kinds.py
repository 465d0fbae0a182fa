"""The claims package: one kind per claim category, each naming real CRM activity types."""

from __future__ import annotations

import pkgutil

import honestreach.claims
from honestreach.claims import CLAIM_KINDS, CLAIM_WORDS, KINDS, claim_specifics
from honestreach.crm.model import ACTIVITY_TYPES
from honestreach.taxonomy import CATEGORIES

SHARED_MODULES = {"consent", "kind", "people", "reading", "records"}


def test_every_claim_category_of_the_taxonomy_has_exactly_one_kind() -> None:
    categories = [kind.category for kind in CLAIM_KINDS]
    assert len(categories) == len(set(categories))
    assert set(categories) == {c for c in CATEGORIES if c.startswith("claim.")}
    assert set(KINDS) == set(CLAIM_WORDS) == set(categories)


def test_every_kind_module_is_listed_in_the_tuple() -> None:
    modules = {info.name for info in pkgutil.iter_modules(honestreach.claims.__path__)}
    listed = {kind.check.__module__.rpartition(".")[2] for kind in CLAIM_KINDS}
    assert listed == modules - SHARED_MODULES


def test_kinds_name_crm_activity_types() -> None:
    for kind in CLAIM_KINDS:
        assert set(kind.activity_types) <= set(ACTIVITY_TYPES), kind.category


def test_fixed_words_are_not_title_cased_in_a_shouted_sentence() -> None:
    sentence = "HUGE CONGRATS ON THE ACQUISITION BY HELVION GROUP LAST WEEK!"
    start, end = sentence.index("CONGRATS"), sentence.index(" BY")
    specifics = claim_specifics("claim.company_event", sentence, start, end)
    assert specifics == (("event", "acquisition"), ("acquirer", "Helvion Group"))


def test_a_category_without_a_kind_has_no_specifics() -> None:
    assert claim_specifics("urgency", "Only today.", 0, 4) == ()
