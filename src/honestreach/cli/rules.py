"""``honestreach rules``, ``explain`` and ``test-rules``: the rules ``check`` loads (your own
rule folders included), what each does, and whether their examples hold."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import click

from ..locate import builtin_rules_dir
from ..taxonomy import CATEGORIES
from .options import EXIT_ERROR, config_option, configured_ruleset, load_crm, report_errors

if TYPE_CHECKING:
    from ..rules import Example, Rule, RuleSet

_CONFIG_HELP = ("Use this configuration file's rule folders (default: the nearest "
                "configuration above the current folder).")


@click.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@config_option(_CONFIG_HELP)
def list_rules(output_format: str, config_path: Path | None) -> None:
    """List every rule: id, category, severity and name."""
    ruleset = configured_ruleset(config_path)
    if output_format == "json":
        click.echo(json.dumps([
            {"id": r.id, "name": r.name, "category": r.category, "severity": r.severity,
             "kind": r.kind, "scope": list(r.scope), "builtin": r.builtin}
            for r in ruleset.rules], indent=2))
        return
    width = max((len(r.id) for r in ruleset.rules), default=2)
    cat_width = max((len(r.category) for r in ruleset.rules), default=8)
    click.echo(f"{'ID':<{width}}  {'CATEGORY':<{cat_width}}  {'SEVERITY':<8}  NAME")
    for rule in ruleset.rules:
        own = "" if rule.builtin else f"  ({rule.path})"
        click.echo(f"{rule.id:<{width}}  {rule.category:<{cat_width}}  "
                   f"{rule.severity:<8}  {rule.name}{own}")
    custom = sum(not rule.builtin for rule in ruleset.rules)
    click.echo(f"\n{len(ruleset.rules)} rules" + (f" ({custom} your own)" if custom else ""))


@click.command()
@click.argument("name", metavar="RULE-ID|CATEGORY")
@config_option(_CONFIG_HELP)
def explain(name: str, config_path: Path | None) -> None:
    """Explain a rule: what it does, why it hurts, examples, what to write instead. Given a
    category (urgency) or a family (compliance), list its rules."""
    ruleset = configured_ruleset(config_path)
    rule = ruleset.get(name)
    if rule is not None:
        _explain_rule(rule)
        return
    members = [r for r in ruleset.rules if name in (r.category, r.category.split(".")[0])]
    if members:
        _explain_category(name, members)
        return
    names = sorted(ruleset.ids | set(CATEGORIES) | {c.split(".")[0] for c in CATEGORIES})
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    click.echo(f"honestreach: no rule or category {name!r}.{hint} See 'honestreach rules'.",
               err=True)
    sys.exit(EXIT_ERROR)


def _explain_category(name: str, members: Sequence[Rule]) -> None:
    width = max(len(rule.id) for rule in members)
    click.echo(f"{name}: {len(members)} rule{'s' if len(members) != 1 else ''}\n")
    for rule in members:
        click.echo(f"  {rule.id:<{width}}  {rule.severity:<7}  {rule.name}")
    click.echo(f"\n'honestreach explain RULE-ID' explains one; 'ignore: [{name}]' in the "
               "configuration turns them all off.")


def _explain_rule(rule: Rule) -> None:
    # Imported here, not at the top: every command (and --help) imports this module.
    from ..ruletypes import describe_patterns, example_text

    def examples(items: Sequence[Example]) -> str:
        return "\n".join(f"  - {example_text(example)}" for example in items)

    click.echo(f"{rule.id}: {rule.name}\n")
    click.echo(f"Category: {rule.category}    Severity: {rule.severity}    "
               f"Scope: {', '.join(rule.scope)}\n")
    if not rule.builtin:
        click.echo(f"Defined in {rule.path}\n")
    click.echo(f"What it does\n  Reports: {rule.message}\n")
    click.echo(f"Why is this bad?\n  {rule.rationale}\n")
    click.echo(f"Example (reported)\n{examples(rule.bad_examples)}\n")
    click.echo(f"Not reported\n{examples(rule.good_examples)}\n")
    click.echo(f"Use instead\n  {rule.suggestion}\n")
    click.echo("Matches\n" + "\n".join(f"  {line}" for line in describe_patterns(rule)))
    click.echo(f"\nDisable it for a file with a header line (never sent as text):\n"
               f"  X-Honestreach: disable={rule.id}\n"
               f"in a template's comment: {{# honestreach: disable-next-line={rule.id} #}}\n"
               f"or for a folder in .honestreach.yaml: per-file-ignores: {{\"drafts/*\": "
               f"[{rule.id}]}}")


@click.command("test-rules")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@config_option(_CONFIG_HELP)
@click.option("--crm", "crm_source", metavar="PATH|URL",
              help="The CRM that CRM rules' examples are verified against (without one they "
                   "are skipped; the built-in ones are written for examples/crm).")
def test_rules(paths: Sequence[Path], config_path: Path | None,
               crm_source: str | None) -> None:
    """Run every rule's good and bad examples: the rules the configuration loads (built-in and
    your own), or only those in the rule files and folders PATH... (exit 1 when one fails)."""
    # Imported here, not at the top: every command imports this module, and the examples run
    # through the engine, the templates and a campaign audit.
    from ..ruletest import ExampleRunner, rules_under

    ruleset = configured_ruleset(config_path) if not paths else _with_folders(paths)
    crm = None
    if crm_source is not None:
        crm = load_crm(crm_source, None, None, config_path, ["."])
    rules = list(rules_under(ruleset, paths)) if paths else ruleset.rules
    run = ExampleRunner(ruleset, crm).run(rules)
    for failure in run.failures:
        click.echo(str(failure))
    skipped = (f"; {len(run.skipped)} rule(s) skipped: their examples need a CRM (--crm)"
               if run.skipped else "")
    verdict = f"{len(run.failures)} failed" if run.failures else "all passed"
    click.echo(f"honestreach: {run.rules} rule(s), {run.examples} example(s): {verdict}"
               f"{skipped}", err=True)
    sys.exit(1 if run.failures else 0)


def _with_folders(paths: Sequence[Path]) -> RuleSet:
    """The built-in rules and the rule folders of ``paths`` (a file's own folder)."""
    from ..rulecache import cached_rules  # loads the rules

    builtin = builtin_rules_dir().resolve()
    folders = dict.fromkeys(
        folder for folder in ((p if p.is_dir() else p.parent).resolve() for p in paths)
        if folder != builtin and builtin not in folder.parents)  # loaded anyway
    ruleset = cached_rules(tuple(folders))
    report_errors(ruleset.errors)
    return ruleset
