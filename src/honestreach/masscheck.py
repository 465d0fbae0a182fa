"""Run the rules over labelled collections and count what they hit, as SpamAssassin's
mass-check and hit-frequencies do: per rule, hits on positives and on negatives; per category,
recall and the false-alarm rate.

A collection is a list of :class:`Item`. Three readers make them from files:

- a *bank*: a folder of YAML lists, each item ``text:`` (or ``subject:``) with ``expect:``
  (categories; empty for a negative);
- a *mail folder*: ``.eml``/``.txt``/``.md`` files, all negatives (legitimate mail) or all
  unlabelled (only hit counts are kept);
- *JSONL*: one object a line with ``subject``, ``body``, ``from`` and ``expect``.

How hits are counted follows the bank's scoring: a positive is found when it gets a finding
of its category, at warning or error for the tactics and at any severity for personal claims
(detecting a claim is the linter's job, judging it the CRM's). A negative is a false alarm
when it gets a warning or error outside the ``compliance.*`` categories, or a claim finding of
any severity; :attr:`Tally.any_alarm` also counts compliance, as real mail is judged.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Literal, Sequence

import yaml

from .message import ParseError, parse_draft
from .model import FileResult, Finding, InputError, Message, first_line
from .pipeline import Linter
from .sources import MESSAGE_SUFFIXES, InputFile, parse_input

if TYPE_CHECKING:  # configuration loading imports jsonschema: only runs that read one need it
    from .config import Config

Labelling = Literal["full", "partial", "none"]


@dataclass(frozen=True)
class Item:
    """One labelled piece of text, checked as its own message.

    ``labelling`` says what ``expect`` means: ``full`` (every category the item shows; an
    empty set makes it a negative), ``partial`` (only these categories are known: recall is
    counted, false alarms are not) or ``none`` (hit counts only).
    """

    id: str
    expect: frozenset[str] = frozenset()
    labelling: Labelling = "full"
    subject: str | None = None
    body: str = ""
    sender: str | None = None
    raw: bytes | None = None  # an .eml or draft file as read, parsed like `check` parses it
    near: str | None = None  # for a negative: the category whose vocabulary it comes close to
    written: str | None = None  # the item as its file writes it, when it was split into fields

    @property
    def is_negative(self) -> bool:
        return self.labelling == "full" and not self.expect

    @property
    def half(self) -> str:
        """'a' or 'b', fixed by the item's text: develop on one half, confirm on the other."""
        if self.written is not None:
            key: str | bytes = self.written
        else:
            key = (self.subject or "") + "\n" + self.body if self.raw is None else self.raw
        data = key.encode("utf-8") if isinstance(key, str) else key
        return "ab"[hashlib.sha256(data).digest()[0] % 2]


def counts_as_found(finding: Finding, category: str) -> bool:
    """Whether ``finding`` detects ``category`` in a positive."""
    if finding.category != category:
        return False
    return category.startswith("claim.") or finding.severity in ("warning", "error")


def is_false_alarm(finding: Finding) -> bool:
    """Whether ``finding`` on a negative is a false alarm (compliance is not what snippets
    test; a claim at any severity would be sent to the CRM and reported)."""
    if finding.category.startswith("claim."):
        return True
    return finding.severity in ("warning", "error") and \
        not finding.category.startswith("compliance.")


@dataclass
class Tally:
    """Counts over one collection."""

    items: int = 0
    errors: list[str] = field(default_factory=list)
    positives: Counter[str] = field(default_factory=Counter)  # category -> items expecting it
    found: Counter[str] = field(default_factory=Counter)  # category -> of those, detected
    negatives: int = 0
    false_alarms: int = 0  # negatives with any false alarm
    alarms_by_category: Counter[str] = field(default_factory=Counter)  # negatives flagged, per cat
    any_alarm: int = 0  # negatives with any warning or error (compliance included)
    # Negatives with a warning or error outside compliance (a tactic, a claim, a merge field).
    manipulation_alarm: int = 0
    unlabelled: int = 0
    rule_category: dict[str, str] = field(default_factory=dict)
    rule_positive: Counter[str] = field(default_factory=Counter)  # rule -> positives it found
    rule_negative: Counter[str] = field(default_factory=Counter)  # rule -> negatives it flagged
    rule_unlabelled: Counter[str] = field(default_factory=Counter)
    misses: dict[str, list[str]] = field(default_factory=dict)  # category -> item ids missed
    # Respect scores of items expecting a tactic or claim, and of negatives.
    respect_positive: list[int] = field(default_factory=list)
    respect_negative: list[int] = field(default_factory=list)
    alarms: list[tuple[str, str, str]] = field(default_factory=list)  # (item id, rule, text)

    def add(self, item: Item, result: FileResult) -> None:
        self.items += 1
        if result.errors and not result.findings and result.scores is None:
            self.errors.append(f"{item.id}: {'; '.join(e.message for e in result.errors)}")
        for finding in result.findings:
            self.rule_category.setdefault(finding.rule, finding.category)
        if result.scores is not None and item.labelling != "none":
            if item.expect:
                self.respect_positive.append(result.scores.respect)
            elif item.is_negative:
                self.respect_negative.append(result.scores.respect)
        if item.labelling == "none":
            self.unlabelled += 1
            for rule in {f.rule for f in result.findings if f.severity != "info"}:
                self.rule_unlabelled[rule] += 1
            return
        for category in sorted(item.expect):
            self.positives[category] += 1
            hits = [f for f in result.findings if counts_as_found(f, category)]
            if hits:
                self.found[category] += 1
            else:
                self.misses.setdefault(category, []).append(item.id)
            for rule in {f.rule for f in hits}:
                self.rule_positive[rule] += 1
        if not item.is_negative:
            return
        self.negatives += 1
        alarms = [f for f in result.findings if is_false_alarm(f)]
        if alarms:
            self.false_alarms += 1
        for category in {f.category for f in alarms}:
            self.alarms_by_category[category] += 1
        for rule in {f.rule for f in alarms}:
            self.rule_negative[rule] += 1
        for finding in alarms:
            self.alarms.append((item.id, finding.rule, " ".join(finding.text.split())[:80]))
        serious = [f for f in result.findings if f.severity in ("warning", "error")]
        self.any_alarm += bool(serious)
        self.manipulation_alarm += any(not f.category.startswith("compliance.") for f in serious)

    def respect_auc(self) -> float | None:
        """How well respect ranks the items showing a tactic or claim below the negatives:
        the chance that a random negative scores higher (ties count half)."""
        return ranking_auc(self.respect_negative, self.respect_positive)

    def recall(self, category: str) -> float | None:
        expected = self.positives[category]
        return self.found[category] / expected if expected else None


def ranking_auc(higher: Sequence[float], lower: Sequence[float]) -> float | None:
    """The chance that a value of ``higher`` exceeds one of ``lower`` (ties count half): the
    area under the ROC curve of a score meant to put ``higher`` first."""
    if not higher or not lower:
        return None
    wins = sum((h > low) + 0.5 * (h == low) for h in higher for low in lower)
    return wins / (len(higher) * len(lower))


def check_items(items: Sequence[Item], linter: object | None = None,
                config: Config | None = None) -> Iterator[tuple[Item, FileResult]]:
    """Each item with the result of checking it under ``config`` (the built-in rules when
    None; no CRM: claims are detected, not judged)."""
    checker = linter if linter is not None else Linter()
    assert isinstance(checker, Linter)
    messages: list[Message] = []
    parsed: list[tuple[Item, Message | FileResult]] = []
    for item in items:
        outcome = _message(item)
        parsed.append((item, outcome))
        if isinstance(outcome, Message):
            messages.append(outcome)
    results = iter(checker.check_messages(messages, config))
    for item, outcome in parsed:
        yield item, next(results) if isinstance(outcome, Message) else outcome


def _message(item: Item) -> Message | FileResult:
    try:
        if item.raw is not None:
            kind = MESSAGE_SUFFIXES.get(Path(item.id).suffix.lower(), "auto")
            return parse_input(InputFile(item.id, kind, item.raw))
        headers = ""
        if item.sender:
            headers += f"From: {item.sender}\n"
        if item.subject is not None:
            headers += f"Subject: {item.subject}\n"
        body = item.body
        text = f"{headers}\n{body}" if headers else "\n" + body
        return parse_draft(item.id, text)
    except ParseError as exc:
        return FileResult(item.id, errors=(InputError(exc.message, exc.line),))
    except Exception as exc:  # measured, not hidden: an input the parser cannot take
        return FileResult(item.id, errors=(InputError(f"internal error: {first_line(exc)}"),))


def tally(items: Sequence[Item], linter: object | None = None,
          config: Config | None = None) -> Tally:
    counts = Tally()
    for item, result in check_items(items, linter, config):
        counts.add(item, result)
    return counts


# -- readers -------------------------------------------------------------------------------------
def read_bank(folder: Path) -> list[Item]:
    """A folder of YAML lists: ``text:`` or ``subject:``, ``expect:``, optional ``near:``."""
    items = []
    for path in sorted(folder.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for index, entry in enumerate(entries):
            subject = entry.get("subject")
            items.append(Item(
                id=f"{path.stem}:{index + 1}",
                expect=frozenset(entry.get("expect") or ()),
                subject=str(subject) if subject is not None else None,
                body=str(entry.get("text") or ""),
                near=entry.get("near"),
            ))
    return items


def read_sentences(path: Path) -> list[Item]:
    """A YAML file of sentences, as ``training/sentences`` holds them: each category maps to
    ``tactic:`` sentences (positives for it) and ``honest:`` ones (negatives); ``ordinary:``
    sentences are negatives too. Each sentence is checked as a message's body, except one that
    starts with ``Subject:``: that is a subject line, followed by its body after `` -- `` or a
    line break when it has one."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"not a YAML file of sentences: {first_line(exc)}") from exc
    if not isinstance(document, dict):
        raise ValueError("not a YAML file of sentences: expected a mapping of categories")
    items: list[Item] = []
    for category, entry in document.items():
        groups: list[tuple[str, frozenset[str], object]]
        if category == "ordinary":
            groups = [("ordinary", frozenset(), entry)]
        elif isinstance(entry, dict):
            groups = [("tactic", frozenset({str(category)}), entry.get("tactic") or []),
                      ("honest", frozenset(), entry.get("honest") or [])]
        else:
            raise ValueError(f"{category}: expected tactic: and honest: lists")
        for kind, expect, sentences in groups:
            if not isinstance(sentences, list):
                raise ValueError(f"{category}: {kind}: expected a list of sentences")
            prefix = "ordinary" if kind == "ordinary" else f"{category}:{kind}"
            items.extend(_sentence_item(f"{path.stem}:{prefix}:{number}", expect,
                                        None if kind == "ordinary" or expect else str(category),
                                        str(sentence))
                         for number, sentence in enumerate(sentences, 1))
    return items


_SUBJECT_LINE = re.compile(r"Subject:[ \t]*(?P<subject>.*?)(?:[ \t]+--[ \t]+|\n|$)(?P<body>.*)",
                           re.DOTALL)


def _sentence_item(ident: str, expect: frozenset[str], near: str | None, sentence: str) -> Item:
    """One sentence of a sentences file; the half stays the one its written text gives."""
    written = _SUBJECT_LINE.match(sentence)
    if written is None:
        return Item(id=ident, expect=expect, near=near, body=sentence)
    return Item(id=ident, expect=expect, near=near, subject=written["subject"].strip(),
                body=written["body"].strip(), written="\n" + sentence)


def read_mail(folder: Path, labelling: Labelling = "full",
              expect: Iterable[str] = ()) -> list[Item]:
    """Every ``.eml``, ``.txt`` and ``.md`` file under ``folder``, read as ``check`` reads it."""
    suffixes = {".eml", ".txt", ".md"}
    return [
        Item(id=str(path), expect=frozenset(expect), labelling=labelling, raw=path.read_bytes())
        for path in sorted(folder.rglob("*")) if path.is_file() and path.suffix.lower() in suffixes
    ]


def read_jsonl(path: Path) -> list[Item]:
    """One JSON object a line: ``id``, ``subject``, ``body``, ``from``, ``expect``; an item with
    ``"labelling": "partial"`` or ``"none"`` is counted as such."""
    items = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            items.append(Item(
                id=str(row.get("id", f"{path.name}:{number}")),
                expect=frozenset(row.get("expect") or ()),
                labelling=row.get("labelling", "full"),
                subject=row.get("subject"),
                body=row.get("body") or "",
                sender=row.get("from"),
            ))
    return items


# -- the report ----------------------------------------------------------------------------------
def report(counts: Tally, title: str = "", show_misses: int = 0) -> list[str]:
    """Per category and per rule tables, as lines of text."""
    lines = [title, "=" * len(title)] if title else []
    lines.append(f"{counts.items} items: {sum(counts.positives.values())} positive labels, "
                 f"{counts.negatives} negatives, {counts.unlabelled} unlabelled, "
                 f"{len(counts.errors)} not checked")
    if counts.positives or counts.negatives:
        lines += ["", f"{'category':<24} {'positives':>9} {'found':>6} {'recall':>7} "
                      f"{'neg. flagged':>13}"]
        categories = sorted(set(counts.positives) | set(counts.alarms_by_category))
        for category in categories:
            recall = counts.recall(category)
            flagged = counts.alarms_by_category[category]
            rate = f"{flagged} ({flagged / counts.negatives:.1%})" if counts.negatives else "-"
            lines.append(f"{category:<24} {counts.positives[category]:>9} "
                         f"{counts.found[category]:>6} "
                         f"{'-' if recall is None else f'{recall:.2f}':>7} {rate:>13}")
        total = sum(counts.positives.values())
        found = sum(counts.found.values())
        if total:
            lines.append(f"{'all':<24} {total:>9} {found:>6} {found / total:>7.2f}")
    if counts.negatives:
        n = counts.negatives
        lines += ["", f"negatives: {counts.false_alarms} of {n} flagged "
                      f"({counts.false_alarms / n:.1%}); any warning or error: "
                      f"{counts.any_alarm} ({counts.any_alarm / n:.1%}); a warning or error "
                      f"outside compliance: {counts.manipulation_alarm} ({counts.manipulation_alarm / n:.1%})"]
    auc = counts.respect_auc()
    if auc is not None:
        lines.append(f"respect ranks negatives above positives: AUC {auc:.2f}")
    rules = sorted(set(counts.rule_positive) | set(counts.rule_negative)
                   | set(counts.rule_unlabelled))
    if rules:
        lines += ["", f"{'rule':<34} {'category':<20} {'pos':>5} {'neg':>5} {'unl':>5} "
                      f"{'precision':>9}"]
        for rule in sorted(rules, key=lambda r: (-(counts.rule_positive[r]
                                                   + counts.rule_negative[r]
                                                   + counts.rule_unlabelled[r]), r)):
            pos, neg = counts.rule_positive[rule], counts.rule_negative[rule]
            precision = f"{pos / (pos + neg):.2f}" if pos + neg else "-"
            lines.append(f"{rule:<34} {counts.rule_category.get(rule, ''):<20} {pos:>5} "
                         f"{neg:>5} {counts.rule_unlabelled[rule]:>5} {precision:>9}")
    if show_misses:
        for category, ids in sorted(counts.misses.items()):
            lines.append(f"missed {category}: {', '.join(ids[:show_misses])}"
                         + (" ..." if len(ids) > show_misses else ""))
        for item_id, rule, text in counts.alarms[:show_misses]:
            lines.append(f"false alarm {item_id}: {rule}: {text!r}")
    for error in counts.errors[:10]:
        lines.append(f"not checked: {error}")
    return lines


def read_collection(path: Path, kind: str = "auto", mail_labelling: Labelling = "full") -> list[Item]:
    """Items from a bank folder, a mail folder, a YAML file of sentences or a JSONL file
    (``kind`` ``auto``: a folder of ``.yaml`` files is a bank, another folder is mail, a
    ``.yaml`` file holds sentences, another file is JSONL)."""
    if kind == "auto":
        if path.is_dir():
            kind = "bank" if any(path.glob("*.yaml")) else "mail"
        else:
            kind = "sentences" if path.suffix.lower() in (".yaml", ".yml") else "jsonl"
    if kind == "bank":
        return read_bank(path)
    if kind == "sentences":
        return read_sentences(path)
    if kind == "mail":
        return read_mail(path, mail_labelling)
    return read_jsonl(path)
