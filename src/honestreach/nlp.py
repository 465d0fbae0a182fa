"""spaCy and textstat, loaded lazily and never from the network.

No trained spaCy model is on the package registry, so the default pipeline is a blank English
one with a sentencizer and lemmas looked up in spacy-lookups-data's English table. A trained
pipeline named in the configuration is used instead when it is installed.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_PIPELINE = "blank:en"
log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def get_nlp(pipeline: str = DEFAULT_PIPELINE) -> Language:
    """The spaCy pipeline honestreach matches rules on, built once per process."""
    import spacy

    _register_components()
    nlp = None
    if pipeline != DEFAULT_PIPELINE:
        try:
            nlp = spacy.load(pipeline, exclude=["ner"])
        except (OSError, ImportError) as exc:
            log.warning("spaCy pipeline %r is not installed (%s); using %s",
                        pipeline, exc, DEFAULT_PIPELINE)
    if nlp is None:
        nlp = spacy.blank("en")
        nlp.add_pipe("honestreach_lemmas")
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
        nlp.add_pipe("honestreach_sentences", first=True)
    return nlp


_registered = False


def _register_components() -> None:
    global _registered
    if _registered:
        return
    from spacy.language import Language

    @Language.factory("honestreach_lemmas")
    def make_lemmas(nlp: Language, name: str) -> LookupLemmas:
        return LookupLemmas()

    Language.component("honestreach_sentences", func=split_sentences)

    _registered = True


SHORT_LINE = 40
# What ends a sentence: spaCy's Sentencizer's default punctuation, in short.
SENTENCE_END = (".", "!", "?", "...", "…", "‼", "⁇", "⁈", "⁉", "。", "！", "？", "?!", "!?",
                "!!", "??", "!!!", "???")


def split_sentences(doc):  # type: ignore[no-untyped-def]
    """Sentence starts, as spaCy's Sentencizer sets them, plus line breaks that end sentences.

    A sentence starts at the first token after end punctuation that is not punctuation itself.
    Emails also break lines where prose would put a full stop: a blank line ends a sentence, and
    so does a short line with no end punctuation ("Hi Dana," or "Best" on their own), else
    "Hi Dana,\nAre you free?" would read as one question. The work is done on token arrays, not
    Token objects, because this runs on every subject and body.
    """
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, ORTH, SENT_START

    count = len(doc)
    if not count:
        return doc
    strings = doc.vocab.strings
    ends = {strings.add(mark) for mark in SENTENCE_END}
    starts = [-1] * count
    starts[0] = 1
    seen_end = False
    line_start = 0  # character offset where the current line begins
    line_end = 0  # ... and where its last non-space token ends
    last_word = ""
    rows = doc.to_array([ORTH, IS_PUNCT, IS_SPACE, IDX]).tolist()
    for index, (orth, punct, space, offset) in enumerate(rows):
        if seen_end and not punct and orth not in ends:
            starts[index] = 1
            seen_end = False
        elif orth in ends:
            seen_end = True
        token_text = strings[orth]
        if not space:
            last_word, line_end = token_text, offset + len(token_text)
            continue
        if "\n" not in token_text or index + 1 >= count:
            continue
        short = line_end - line_start <= SHORT_LINE and last_word[-1:] not in ".!?"
        if "\n\n" in token_text or short:
            starts[index + 1] = 1
            seen_end = False
        line_start = line_end = offset + len(token_text)
        last_word = ""
    import numpy

    # spaCy stores -1 (not a start) and 1 (a start) in an unsigned array.
    doc.from_array([SENT_START], numpy.array(starts, dtype="int64").astype("uint64").reshape(-1, 1))
    return doc


class LookupLemmas:
    """Lower-case lemmas from the English lookup table: "Offers" and "offers" both give "offer".

    spaCy's own lookup lemmatizer keys on the token's exact text, so sentence-initial words
    would keep their capital and miss the table.
    """

    def __init__(self) -> None:
        from spacy.lookups import load_lookups

        self.table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        # Hash of a lower-case form -> hash of its lemma, filled as words are first seen.
        self._lemma_of: dict[int, int] = {}

    def __call__(self, doc):  # type: ignore[no-untyped-def]
        import numpy
        from spacy.attrs import LEMMA, LOWER

        if not len(doc):
            return doc
        lemma_of = self._lemma_of
        lowers = doc.to_array([LOWER])
        strings = doc.vocab.strings
        lemmas = []
        for lower in lowers.tolist():
            lemma = lemma_of.get(lower)
            if lemma is None:
                text = strings[lower]
                lemma = lemma_of[lower] = strings.add(self.table.get(text, text))
            lemmas.append(lemma)
        doc.from_array([LEMMA], numpy.array(lemmas, dtype="uint64").reshape(-1, 1))
        return doc


def _pyphen_only_syllables() -> None:
    """Make textstat count English syllables with pyphen alone.

    textstat asks NLTK for the CMU dictionary and downloads it on first use when it is missing;
    honestreach never touches the network, and pyphen's hyphenation counts are close enough for
    a readability signal.
    """
    from textstat.backend.counts import _count_syllables

    _count_syllables.get_cmudict = lambda lang: None
    remembered = _RememberedHyphenation(_count_syllables.get_pyphen("en_US"))
    _count_syllables.get_pyphen = lambda lang: remembered


class _RememberedHyphenation:
    """pyphen's hyphenation points, remembered per word: outreach repeats its words."""

    def __init__(self, hyphenator) -> None:  # type: ignore[no-untyped-def]
        self.positions = lru_cache(maxsize=65536)(hyphenator.positions)


@lru_cache(maxsize=1)
def _textstat():  # type: ignore[no-untyped-def]
    _pyphen_only_syllables()
    import textstat

    return textstat


def reading_ease(text: str) -> float:
    """Flesch reading ease of ``text`` (higher is easier; 60-70 is plain English)."""
    if not text.strip():
        return 100.0
    return float(_textstat().flesch_reading_ease(text))
