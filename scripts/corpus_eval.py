"""Measure honestreach on a labelled corpus: recall per category, false positives, scores.

    python scripts/corpus_eval.py ../shared/corpus [--no-crm] [--check]

Templates listed in labels.yaml are rendered with the CRM's contacts as sample records and
reported in a second table; campaign.jsonl is audited against campaign-labels.yaml in a third.

The corpus holds ``messages/*.eml``, ``labels.yaml`` (expect / allow / forbid categories per
message, ``respectful`` or ``manipulative``, and a relevance label) and ``crm/``, which claims
are verified against (``--no-crm`` measures without it: claims are then found at any severity,
as they are only detected). For each category the table shows recall over the messages that
expect it and which messages got a warning or error in that category without being labelled
with it. ``--check`` exits 1 when a category misses its recall
target (0.8; 0.85 for claims and suppression), a respectful message gets a warning/error outside
``allow``, or a message gets a finding its ``forbid`` list names.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from honestreach.crm import load_crm
from honestreach.masscheck import ranking_auc
from honestreach.pipeline import Linter
from honestreach.taxonomy import CATEGORIES

RECALL_TARGET = 0.8
CRM_RECALL_TARGET = 0.85
# Categories whose findings need CRM data.
NEEDS_CRM = {c for c in CATEGORIES if c.startswith("claim.")} | {"compliance.suppressed"}
# Categories that other commands measure (templates, campaigns).
ELSEWHERE = {c for c in CATEGORIES if c.startswith(("campaign.", "template."))}


def evaluate(corpus: Path, use_crm: bool = True) -> tuple[list[str], bool]:
    """The report's lines and whether every target was met."""
    labels = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))["messages"]
    paths = [str(corpus / entry["file"]) for entry in labels]
    crm = load_crm(corpus / "crm") if use_crm and (corpus / "crm").is_dir() else None
    results = {r.path: r for r in Linter(crm=crm).run(paths)}
    expected: dict[str, int] = defaultdict(int)
    found: dict[str, int] = defaultdict(int)
    unexpected: dict[str, list[str]] = defaultdict(list)
    respectful_fp: list[str] = []
    forbidden: list[str] = []
    scores: dict[str, list[tuple[int, int]]] = defaultdict(list)
    errors: list[str] = []
    for entry, path in zip(labels, paths):
        result = results[path]
        name = entry["file"]
        if result.errors:
            errors.append(f"{name}: {'; '.join(e.message for e in result.errors)}")
        reported = {f.category for f in result.findings if f.severity in ("error", "warning")}
        # Without a CRM a detected claim is an unverified info: it counts as found, not as a
        # false alarm.
        detected = reported | {f.category for f in result.findings
                               if crm is None and f.category.startswith("claim.")}
        expect = set(entry.get("expect") or ())
        allowed = expect | set(entry.get("allow") or ())
        for category in expect:
            expected[category] += 1
            found[category] += category in detected
        for category in sorted(reported - allowed):
            unexpected[category].append(name)
            if entry["label"] == "respectful" and (crm is not None or category not in NEEDS_CRM):
                respectful_fp.append(f"{name}: {category}")
        for category in sorted(reported & set(entry.get("forbid") or ())):
            forbidden.append(f"{name}: {category}")
        if result.scores:
            scores[entry["label"]].append((result.scores.respect, result.scores.relevance))
            scores["relevance:" + str(entry.get("relevance"))].append(
                (result.scores.respect, result.scores.relevance))
    lines = [f"{'category':<26} {'expected':>8} {'found':>6} {'recall':>7}  unlabelled hits",
             "-" * 72]
    ok = True
    for category in CATEGORIES:
        if not expected[category] and not unexpected[category]:
            continue
        recall = found[category] / expected[category] if expected[category] else None
        note = ""
        target = CRM_RECALL_TARGET if category in NEEDS_CRM else RECALL_TARGET
        if category in ELSEWHERE or (category in NEEDS_CRM and crm is None):
            note = "  (not measured here)" if category in ELSEWHERE else "  (needs the CRM)"
        elif recall is not None and recall < target:
            ok = False
            note = "  BELOW TARGET"
        shown = f"{recall:.2f}" if recall is not None else "-"
        stray = ", ".join(Path(n).stem for n in unexpected[category]) or "-"
        lines.append(f"{category:<26} {expected[category]:>8} {found[category]:>6} {shown:>7}  "
                     f"{stray}{note}")
    lines.append("")
    lines.append(f"CRM: {crm!r}" if crm is not None else "CRM: none (claims detected, unverified)")
    lines.append(f"respectful messages with a warning/error outside 'allow': {len(respectful_fp)}")
    lines.extend(f"  {item}" for item in respectful_fp)
    lines.append(f"findings in a category the message's 'forbid' list names: {len(forbidden)}")
    lines.extend(f"  {item}" for item in forbidden)
    ok = ok and not respectful_fp and not forbidden
    lines.append("")
    for group in sorted(scores):
        values = scores[group]
        lines.append(f"{group:<22} n={len(values):>2}  mean respect "
                     f"{statistics.mean(v[0] for v in values):5.1f}  mean relevance "
                     f"{statistics.mean(v[1] for v in values):5.1f}")
    auc = ranking_auc([v[0] for v in scores["respectful"]], [v[0] for v in scores["manipulative"]])
    if auc is not None:
        lines.append(f"respect ranks respectful above manipulative messages: AUC {auc:.2f}")
    if errors:
        ok = False
        lines.append("")
        lines.append("files with errors:")
        lines.extend(f"  {e}" for e in errors)
    return lines, ok


def evaluate_templates(corpus: Path, use_crm: bool = True) -> tuple[list[str], bool]:
    """The templates' table: each rendered against the corpus CRM's contacts (or the built-in
    samples with --no-crm); every expected category found, nothing outside ``allow`` on the
    respectful ones."""
    labels = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))
    entries = labels.get("templates") or []
    if not entries:
        return [], True
    crm = load_crm(corpus / "crm") if use_crm and (corpus / "crm").is_dir() else None
    paths = [str(corpus / entry["file"]) for entry in entries]
    results = {r.path: r for r in Linter(sample_crm=crm).run(paths)}
    lines = [f"{'template':<14} {'label':<13} {'expected':<38} found (warning/error)", "-" * 100]
    ok = True
    for entry, path in zip(entries, paths):
        result = results[path]
        found = {f.category for f in result.findings if f.severity in ("error", "warning")}
        expect = set(entry.get("expect") or ())
        allowed = expect | set(entry.get("allow") or ())
        good = expect <= found and not result.errors and (
            entry["label"] != "respectful" or found <= allowed)
        ok = ok and good
        lines.append(f"{Path(path).name:<14} {entry['label']:<13} "
                     f"{', '.join(sorted(expect)) or '-':<38} {', '.join(sorted(found)) or '-'}"
                     f"{'' if good else '   MISSED'}")
    return lines, ok


def evaluate_campaign(corpus: Path, use_crm: bool = True) -> tuple[list[str], bool]:
    """The campaign table: every entry of campaign-labels.yaml found, nothing else reported."""
    labels_path = corpus / "campaign-labels.yaml"
    if not labels_path.is_file() or not (corpus / "campaign.jsonl").is_file():
        return [], True
    from honestreach.campaign import Cap, WorkerSettings, audit

    labels = yaml.safe_load(labels_path.read_text(encoding="utf-8"))
    crm_source = str(corpus / "crm") if use_crm and (corpus / "crm").is_dir() else None
    result = audit(WorkerSettings(str(corpus / "campaign.jsonl"), crm_source=crm_source),
                   jobs=1, cap=Cap(labels["cap"]["messages"], labels["cap"]["days"]))
    found = result.campaign_findings
    rows = result.summary["rows"]
    lines = [f"campaign rows: {rows['read']} read, {rows['checked']} checked, "
             f"{rows['failed']} failed", f"{'category':<22} {'expected':<52} found", "-" * 80]
    ok = rows["read"] == rows["checked"] + rows["failed"]
    for entry in labels.get("expect") or []:
        if "contact" in entry:
            what = entry["contact"]
            hit = any(f["category"] == entry["category"] and f.get("contact") == what
                      for f in found)
        else:
            what = ", ".join(entry["ids"])
            hit = any(f["category"] == entry["category"] and set(f["ids"]) == set(entry["ids"])
                      for f in found)
        ok = ok and hit
        lines.append(f"{entry['category']:<22} {what:<52} {'yes' if hit else 'MISSED'}")
    extra = len(found) - len(labels.get("expect") or [])
    lines.append(f"campaign findings beyond the labels (negatives reported): {max(0, extra)}")
    return lines, ok and extra <= 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder with labels.yaml and messages/")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--no-crm", action="store_true", help="do not verify against crm/")
    args = parser.parse_args(argv)
    if not (args.corpus / "labels.yaml").is_file():
        print(f"corpus_eval: no labels.yaml in {args.corpus}", file=sys.stderr)
        return 2
    lines, ok = evaluate(args.corpus, use_crm=not args.no_crm)
    template_lines, templates_ok = evaluate_templates(args.corpus, use_crm=not args.no_crm)
    campaign_lines, campaign_ok = evaluate_campaign(args.corpus, use_crm=not args.no_crm)
    print("\n".join(lines + [""] + template_lines + [""] + campaign_lines))
    ok = ok and templates_ok and campaign_ok
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
