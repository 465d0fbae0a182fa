"""A linear model of tactic sentences, for what phrase rules miss.

Phrase rules find the wordings someone wrote down; a person writing the same tactic in other
words slips past them. This model weighs every word and pair of neighbouring words of a
sentence, once per category, and adds the weights up: a logistic regression, trained by
:func:`train` on sentences the project's authors wrote for it (``training/sentences``: each
category's tactic sentences, honest sentences on the same topics, and ordinary mail). Its
weights are a table a person can read (``src/honestreach/data/sentence_model.json``), and
``honestreach explain model-pressure`` prints the words that weigh most for and against it.

A rule uses it with a ``model:`` pattern (``rules/*/model-*.yaml``): a sentence is a match when
its score for the rule's category is above the rule's threshold. The engine then treats it as
any other match: the rule's context settings apply, and the built-in model rules defer to their
category (``defers-to``), so a phrase rule that matched in the sentence reports it instead.

A long sentence has more words to add up: past :data:`LENGTH_NORM` features, the sum is scaled
down by the square root of how much longer it is, so a long sentence needs stronger words, not
more of them (on real mailing-list mail, long opinionated sentences were the false alarms).
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import yaml

from .tokens import tokenize

MODEL_PATH = Path(__file__).parent / "data" / "sentence_model.json"
# Feature extraction's version: a model trained with another one is refused.
FEATURES_VERSION = 1
LENGTH_NORM = 20
# Training: passes over the sentences, learning rate, L2 penalty, and the weight of another
# category's tactic sentence as a negative (it may show this tactic too).
EPOCHS = 60
LEARNING_RATE = 0.2
L2_PENALTY = 1e-3
OTHER_TACTIC_WEIGHT = 0.3
SEED = 7
# Weights this close to zero are left out of the table.
MIN_WEIGHT = 0.1
# Training samples (over all categories) from which the categories are fitted in parallel.
PARALLEL_FROM = 10_000


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude stem, so that "opened" and "opening" weigh as one: the model needs no more."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith(("ied", "ies")):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def _feature_word(norm: str) -> str | None:
    """What one token counts as: its word, stemmed; "#" for any token with a digit; "?" and
    "!" as themselves; None for other marks. Remembered by token: a sentence's tokens are
    then read in C (``map``), not one by one in Python."""
    if norm.isalpha():  # most tokens: a plain word
        return _stem(norm)
    if any(char.isdigit() for char in norm):
        return "#"
    if norm[:1].isalpha() or norm in ("'s", "'d"):
        return _stem(norm)
    if norm in ("?", "!"):
        return norm
    return None


def sentence_features(norms: Iterable[str]) -> frozenset[str]:
    """The features of a sentence's tokens (:func:`honestreach.tokens.tokenize` norms): its
    words (stemmed; any token with a digit is "#"; "?" and "!" count, other marks do not) and
    each pair of neighbouring ones."""
    # No feature word is empty, so filter(None, ...) drops exactly the tokens that count as
    # none.
    words = list(filter(None, map(_feature_word, norms)))
    pairs = map(" ".join, zip(words, words[1:]))
    return frozenset(words).union(pairs)


CLAIM_PREFIX = "claim."


def is_claim(category: str) -> bool:
    """A claim kind ("claim.meeting"), not a manipulation category."""
    return category.startswith(CLAIM_PREFIX)


# The weights are stored to four decimals (model_document), so in whole ten-thousandths they are
# integers, and a sentence's total for every category is one sum of integers, each feature's
# weights side by side in fields of 64 bits. A field holds a weight plus 2**32 (never
# negative, so no borrow crosses into the next field); after n features, n * 2**32 is taken
# off again. 2**31 features fit before a field could overflow.
_WEIGHT_UNITS = 10_000
_FIELD_BITS = 64
_FIELD_OFFSET = 1 << 32
_FIELD_MASK = (1 << _FIELD_BITS) - 1
_SHIFTS = tuple(range(0, 64 * _FIELD_BITS, _FIELD_BITS))


def _packed_weights(weights: list[Mapping[str, float]]) -> dict[str, int]:
    """Each feature's weights, one field per category in the order given (0 where the
    category has none), packed into one integer."""
    if len(weights) > len(_SHIFTS):
        raise ValueError(f"at most {len(_SHIFTS)} categories, not {len(weights)}")
    packed: dict[str, int] = {}
    for shift, table in zip(_SHIFTS, weights):
        for feature, weight in table.items():
            packed[feature] = packed.get(feature, 0) + (round(weight * _WEIGHT_UNITS) << shift)
    base = sum(_FIELD_OFFSET << shift for shift in _SHIFTS[:len(weights)])
    return {feature: value + base for feature, value in packed.items()}


@dataclass(frozen=True)
class CategoryWeights:
    bias: float
    weights: Mapping[str, float]


class SentenceModel:
    """The weights of each category."""

    def __init__(self, categories: Mapping[str, CategoryWeights], length_norm: int) -> None:
        self.categories = categories
        self.length_norm = length_norm
        # The tactics first, then the claim kinds.
        self.order = tuple(sorted(categories, key=is_claim))
        self._biases = tuple(categories[name].bias for name in self.order)
        self._packed = _packed_weights([categories[name].weights for name in self.order])

    def scores(self, features: frozenset[str]) -> tuple[float, ...]:
        """How strongly the sentence reads as each category (above 0: more likely than not),
        in the order of :attr:`order`."""
        scale = math.sqrt(self.length_norm / len(features)) \
            if len(features) > self.length_norm else 1.0
        weighed = self._packed.keys() & features  # found in C: most features weigh nothing
        # One addition per weighed feature gives every category's total at once, exactly (in
        # whole ten-thousandths), so in any order: a set's order changes from one process to
        # the next, the scores must not.
        total = sum(map(self._packed.__getitem__, weighed))
        offset = len(weighed) * _FIELD_OFFSET
        return tuple(bias + ((total >> shift & _FIELD_MASK) - offset) / _WEIGHT_UNITS * scale
                     for bias, shift in zip(self._biases, _SHIFTS))

    def score(self, category: str, features: frozenset[str]) -> float:
        """The sentence's score for one category."""
        return self.scores(features)[self.order.index(category)]

    def strongest(self, category: str, features: frozenset[str], count: int = 3) -> list[str]:
        """The features that raise the score most, strongest first."""
        weights = self.categories[category].weights
        raising = [(weights[f], f) for f in features if weights.get(f, 0.0) > 0]
        return [feature for _, feature in sorted(raising, reverse=True)[:count]]


class ModelError(Exception):
    """The model file is missing or was made for another feature version."""


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> SentenceModel:
    # The weights are a few hundred thousand objects that live as long as the process: the
    # garbage collector, run while they are made and again after, would walk them over and
    # over (a third of the load, and of a one-draft check's start-up a twentieth). Frozen,
    # collections pass over them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_model(path)
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def _read_model(path: Path) -> SentenceModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the sentence model: {exc}") from exc
    if data.get("features_version") != FEATURES_VERSION:
        raise ModelError(f"{path}: made for features version {data.get('features_version')}, "
                         f"not {FEATURES_VERSION}: train it again")
    categories = {name: CategoryWeights(float(entry["bias"]), dict(entry["weights"]))
                  for name, entry in data["categories"].items()}
    return SentenceModel(categories, int(data["length_norm"]))


# -- training ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingSet:
    """Sentences per category that show it (a tactic, or for a claim kind a claim of that
    kind), sentences that show no tactic, and sentences that use a claim kind's words and make
    no claim."""

    tactics: Mapping[str, Sequence[str]]
    others: Sequence[str]
    claimless: Sequence[str] = ()
    # For each tactic sentence (in the order of ``tactics``), the categories its file was
    # written for; a category a file leaves out learns nothing from that file's tactic
    # sentences. Empty: every sentence speaks to every category.
    written_for: Mapping[str, Sequence[frozenset[str]]] = field(default_factory=dict)
    # For each no-tactic sentence (in the order of ``others``), the categories whose honest
    # near-miss it was written as, or None for ordinary mail, which is every category's.
    others_written_for: Sequence[frozenset[str] | None] = ()


def _fit(samples: Sequence[tuple[tuple[str, ...], int, float]]
         ) -> tuple[float, dict[str, float]]:
    """Logistic regression by stochastic gradient descent: (bias, weights)."""
    weights: dict[str, float] = {}
    bias = 0.0
    order = list(range(len(samples)))
    shuffle = random.Random(SEED).shuffle
    for epoch in range(EPOCHS):
        shuffle(order)
        rate = LEARNING_RATE / (1 + epoch * 0.05)
        for index in order:
            features, label, weight = samples[index]
            z = bias + sum(weights.get(feature, 0.0) for feature in features)
            probability = 1 / (1 + math.exp(-max(min(z, 30.0), -30.0)))
            step = rate * (probability - label) * weight
            for feature in features:
                weights[feature] = weights.get(feature, 0.0) * (1 - rate * L2_PENALTY) - step
            bias -= step
    return bias, {feature: round(value, 4) for feature, value in sorted(weights.items())
                  if abs(value) >= MIN_WEIGHT}


def train(training: TrainingSet) -> dict[str, CategoryWeights]:
    """One model per category: its tactic sentences against the sentences with no tactic and,
    weighing less, the other categories' tactic sentences. A sentence's features are those the
    engine gives it (:func:`sentence_features` of its tokens).

    A tactic sentence is a negative only for the categories its file was written for: a file
    of urgency and scarcity tactics says nothing of whether its sentences also pressure or
    deceive, so pressure and deception do not learn from it that they do not. A file's honest
    sentences are near-misses of its own categories and teach those alone; ordinary mail
    teaches every category.

    A claim kind also learns against the claimless sentences and, weighing less, every
    manipulation category's tactic sentences; a manipulation category learns from the
    manipulation categories and the no-tactic sentences alone. A claim is neither a tactic nor
    its absence ("as we discussed, the price goes up Friday" is both), and this way adding
    claim sentences leaves the manipulation weights exactly as they were."""

    def features(text: str) -> tuple[str, ...]:
        # In sorted order, so that the sums come out the same in every process (a set's order
        # depends on the process's string hashing).
        return tuple(sorted(sentence_features(tokenize(text).norms)))

    tactics = {name: [features(text) for text in texts]
               for name, texts in training.tactics.items()}
    others = [features(text) for text in training.others]
    claimless = [features(text) for text in training.claimless]
    # (an honest sentence teaches the categories of its file; ordinary mail, every category)
    others_scopes = training.others_written_for or [None] * len(others)
    samples_of: dict[str, list[tuple[tuple[str, ...], int, float]]] = {}
    for name, positives in tactics.items():
        samples = [(features, 1, 1.0) for features in positives]
        samples += [(features, 0, 1.0) for features, scope in zip(others, others_scopes)
                    if scope is None or is_claim(name) or name in scope]
        if is_claim(name):
            samples += [(features, 0, 1.0) for features in claimless]
        for other, sentences in tactics.items():
            if other != name and (is_claim(name) or not is_claim(other)):
                scopes = training.written_for.get(other)
                samples += [(features, 0, OTHER_TACTIC_WEIGHT)
                            for index, features in enumerate(sentences)
                            if scopes is None or is_claim(name) or name in scopes[index]]
        samples_of[name] = samples
    # Each category is fitted on its own, so on every core at once: the same weights (each fit
    # has its own seeded shuffle), in a fraction of the time. A small set is quicker in-process.
    workers = min(len(samples_of), os.cpu_count() or 1)
    if workers > 1 and sum(map(len, samples_of.values())) > PARALLEL_FROM:
        # imported here: a check never trains, and its start-up should not pay for the import
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            fitted = list(pool.map(_fit, samples_of.values()))
    else:
        fitted = list(map(_fit, samples_of.values()))
    return {name: CategoryWeights(round(bias, 4), weights)
            for name, (bias, weights) in zip(samples_of, fitted)}


def model_document(models: Mapping[str, CategoryWeights],
                   sources: Mapping[str, bytes]) -> dict[str, object]:
    """The model file's content: the weights, and a digest of each training file."""
    return {
        "features_version": FEATURES_VERSION,
        "length_norm": LENGTH_NORM,
        "trained_on": {name: hashlib.sha256(data).hexdigest()
                       for name, data in sorted(sources.items())},
        "categories": {name: {"bias": model.bias, "weights": dict(model.weights)}
                       for name, model in sorted(models.items())},
    }


def read_training(folder: Path) -> tuple[TrainingSet, dict[str, bytes]]:
    """The training sentences of ``folder``'s YAML files, and each file's bytes (by name).

    A file maps a category to ``{tactic: [...], honest: [...]}`` and may hold ``ordinary: [...]``
    (mail with no tactic); honest and ordinary sentences are the no-tactic class, except a claim
    kind's honest sentences, which are claimless (see :func:`train`)."""
    tactics: dict[str, list[str]] = {}
    written_for: dict[str, list[frozenset[str]]] = {}
    others: list[str] = []
    others_written_for: list[frozenset[str] | None] = []
    claimless: list[str] = []
    sources: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = path.read_bytes()
        sources[path.name] = data
        document = yaml.safe_load(data) or {}
        categories = frozenset(name for name in document if name != "ordinary")
        for name, entry in document.items():
            if name == "ordinary":
                others.extend(entry)
                others_written_for.extend([None] * len(entry))
            else:
                sentences = entry.get("tactic", ())
                tactics.setdefault(name, []).extend(sentences)
                written_for.setdefault(name, []).extend([categories] * len(sentences))
                honest = entry.get("honest", ())
                if is_claim(name):
                    claimless.extend(honest)
                else:
                    others.extend(honest)
                    others_written_for.extend([categories] * len(honest))
    return TrainingSet(tactics, others, claimless, written_for, others_written_for), sources
