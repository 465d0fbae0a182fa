"""Mass-check honestreach on the shared measuring sets (read-only, kept outside the project).

    python scripts/shared_eval.py ../shared [--detail] [--show N] [--only bank,ham,...]
                                            [--ham-half a|b]

Prints, for each source, the mass-check tables of ``honestreach mass-check``:

- ``bank``: the labelled snippets, each half on its own (develop on one, confirm on the other);
- ``ham``: legitimate real mail; every warning or error is a false alarm (``--ham-half`` keeps one
  half, fixed by a hash of each file's name: diagnose on one, confirm on the other);
- ``spam``: real unsolicited mail, unlabelled (hit counts, and whether every message is read);
- ``dark``: text of manipulative shopping-site elements, by pattern type mapped to a category;
- ``election``: coded political e-mail subjects with their sender names.

Nothing from these sets is copied into the project: they are read here, at measuring time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from honestreach.masscheck import Item, Tally, read_bank, read_mail, report, tally
from honestreach.pipeline import Linter

# Dark-pattern types and the category each is a case of.
DARK_PATTERN_CATEGORY = {
    "Low-stock Message": "scarcity",
    "High-demand Message": "scarcity",
    "Countdown Timer": "urgency",
    "Limited-time Message": "urgency",
    "Confirmshaming": "pressure",
    "Pressured Selling": "pressure",
    "Activity Notification": "deception",
    "Testimonials": "deception",
}
# Election-subject codes and the category each is a case of.
ELECTION_CATEGORY = {"urgency": "urgency", "deceptive_re_fwd": "claim.thread"}
SOURCES = ("bank", "ham", "spam", "dark", "election")


def ham_half(item: Item) -> str:
    """'a' or 'b', fixed by the message's file name (its bytes may be re-encoded, its name not)."""
    return "ab"[hashlib.sha256(Path(item.id).name.encode("utf-8")).digest()[0] % 2]


def dark_patterns(path: Path) -> list[Item]:
    items = []
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        category = DARK_PATTERN_CATEGORY.get(row["type"])
        if category:
            items.append(Item(id=f"{row['id']} {row['type']}", expect=frozenset({category}),
                              labelling="partial", body=row["body"]))
    return items


def election_subjects(path: Path) -> list[Item]:
    items = []
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        codes = {name for name, on in row["labels"].items() if on}
        expect = frozenset(ELECTION_CATEGORY[c] for c in codes if c in ELECTION_CATEGORY)
        sender = row.get("from_name") or ""
        if row.get("from_address"):
            sender = f"\"{sender}\" <{row['from_address']}>" if sender else row["from_address"]
        items.append(Item(id=row["id"], expect=expect, labelling="full" if not codes else "partial",
                          subject=row["subject"], sender=sender or None))
    return items


def by_type(items: list[Item], counts_by_item: dict[str, bool]) -> list[str]:
    """Recall per dark-pattern type."""
    lines = []
    types: dict[str, list[bool]] = {}
    for item in items:
        types.setdefault(item.id.split(" ", 1)[1], []).append(counts_by_item[item.id])
    for name, found in sorted(types.items()):
        lines.append(f"  {name:<24} {sum(found):>4} / {len(found):<4} {sum(found) / len(found):.2f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shared", type=Path)
    parser.add_argument("--only", default=",".join(SOURCES))
    parser.add_argument("--detail", action="store_true", help="per-rule tables too")
    parser.add_argument("--show", type=int, default=0, help="list N misses and false alarms")
    parser.add_argument("--ham-half", choices=("a", "b"), help="only this half of the real ham")
    args = parser.parse_args()
    only = set(args.only.split(","))
    linter = Linter()
    summary: list[str] = []

    def run(title: str, items: list[Item]) -> Tally:
        counts = tally(items, linter)
        if linter.errors:  # a rule that did not load would count as finding nothing
            sys.exit("rule errors:\n" + "\n".join(str(error) for error in linter.errors))
        lines = report(counts, title, args.show)
        if not args.detail:
            lines = [line for line in lines[:lines.index("") if "" in lines else None]] + \
                lines[next((i for i, l in enumerate(lines) if l.startswith("category")), len(lines)):
                      next((i for i, l in enumerate(lines) if l.startswith("rule ")), len(lines))]
            if args.show:
                lines += [line for line in report(counts, "", args.show)
                          if line.startswith(("missed", "false alarm"))]
        print("\n".join(lines) + "\n")
        return counts

    bank = args.shared / "corpus" / "bank"
    if "bank" in only and bank.is_dir():
        items = read_bank(bank)
        for half in "ab":
            counts = run(f"bank, half {half}", [i for i in items if i.half == half])
            total = sum(counts.positives.values())
            summary.append(f"bank {half}: recall {sum(counts.found.values()) / total:.2f}, "
                           f"worst category {min(counts.positives, key=counts.recall)} "
                           f"{min(counts.recall(c) or 0 for c in counts.positives):.2f}, "
                           f"negatives flagged {counts.false_alarms / counts.negatives:.1%}")
    real = args.shared / "real"
    if "ham" in only and (real / "spamassassin" / "ham").is_dir():
        # The corpus names its own parts: "easy" ham is personal and mailing-list mail, "hard"
        # ham is commercial newsletters people subscribed to, whose marketing tactics and
        # missing postal addresses are not false alarms by the corpus README's own measure.
        ham = [i for i in read_mail(real / "spamassassin" / "ham")
               if args.ham_half in (None, ham_half(i))]
        parts = {"personal and list mail (easy ham)": [i for i in ham if "easy-ham" in i.id],
                 "subscribed newsletters (hard ham)": [i for i in ham if "easy-ham" not in i.id]}
        manipulation = alarms = negatives = 0
        for name, items in parts.items():
            counts = run(f"real ham, {name}: every warning or error counted as a false alarm",
                         items)
            summary.append(f"ham, {name}: warning/error outside compliance "
                           f"{counts.manipulation_alarm / max(counts.negatives, 1):.1%}, any "
                           f"warning/error {counts.any_alarm / max(counts.negatives, 1):.1%}")
            manipulation += counts.manipulation_alarm
            alarms += counts.any_alarm
            negatives += counts.negatives
        half = f", half {args.ham_half}" if args.ham_half else ""
        summary.append(f"ham{half}, all {negatives}: warning/error outside compliance "
                       f"{manipulation / max(negatives, 1):.1%}, any warning/error "
                       f"{alarms / max(negatives, 1):.1%}")
    if "spam" in only and (real / "spamassassin" / "spam").is_dir():
        counts = run("real spam (unlabelled)", read_mail(real / "spamassassin" / "spam", "none"))
        summary.append(f"spam: {counts.items - len(counts.errors)} of {counts.items} checked")
    if "dark" in only and (real / "dark-patterns-dev.jsonl").is_file():
        items = dark_patterns(real / "dark-patterns-dev.jsonl")
        found: dict[str, bool] = {}
        counts = Tally()
        from honestreach.masscheck import check_items, counts_as_found

        for item, result in check_items(items, linter):
            counts.add(item, result)
            (category,) = item.expect
            found[item.id] = any(counts_as_found(f, category) for f in result.findings)
        lines = by_type(items, found)
        print("dark patterns, recall by type\n" + "\n".join(lines) + "\n")
        summary.append("dark patterns: " + "; ".join(" ".join(l.split()) for l in lines))
    if "election" in only and (real / "election-subjects-dev.jsonl").is_file():
        counts = run("election subjects", election_subjects(real / "election-subjects-dev.jsonl"))
        summary.append(f"election: urgency recall {counts.recall('urgency') or 0:.2f}, "
                       f"claim.thread recall {counts.recall('claim.thread') or 0:.2f}, "
                       f"uncoded flagged {counts.false_alarms / max(counts.negatives, 1):.1%}")
    print("summary\n=======\n" + "\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
