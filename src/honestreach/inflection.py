"""The inflected forms of an English word ("meet": met, meets, meeting), from
spacy-lookups-data's lemma table when it is installed."""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _forms_by_lemma() -> dict[str, frozenset[str]]:
    """Every form the English lookup table knows for each lemma ("meet": met, meets, ...)."""
    table = _lemma_table()
    forms: dict[str, set[str]] = {}
    for form, lemma in table.items():
        if form.isalpha() and lemma.isalpha():
            forms.setdefault(lemma.lower(), set()).add(form.lower())
    return {lemma: frozenset(found) for lemma, found in forms.items()}


def _lemma_table() -> dict[str, str]:
    """spacy-lookups-data's English lemma table, read from the package's file (no spaCy)."""
    try:
        import spacy_lookups_data
    except ImportError:  # inflections then come only from the vocabulary itself
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


# Function words whose "forms" in the lemma table are other words ("a" -> "as", "can" ->
# "could", "will" -> "willing"): a pattern that names them means only them.
_UNINFLECTED = frozenset({"a", "can", "will", "this", "that", "you", "no", "not", "up", "out",
                          "just", "may", "might", "must", "shall", "should", "would", "could"})
# Lemmas whose forms begin with another letter ("go" -> "went", "be" -> "was").
_SUPPLETIVE = frozenset({"be", "go"})


def inflections(word: str) -> frozenset[str]:
    """``word`` and every inflected form of it, when ``word`` is a lemma. Comparatives that
    share a spelling with a verb ("close" -> "closer") are not forms a rule means."""
    if word in _UNINFLECTED:
        return frozenset({word})
    forms = {word}
    for form in _forms_by_lemma().get(word, ()):
        if word not in _SUPPLETIVE and (form[0] != word[0] or len(form) < 3):
            continue
        if form.endswith(("er", "est")) and not form.endswith(("ered", "ering")) \
                and not word.endswith(("er", "est")):
            continue
        forms.add(form)
    return frozenset(forms)
