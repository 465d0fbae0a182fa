"""Lint one template file: static checks on its source, then the full rule set on renderings.

Order: split the file into subject and body (source.py) -> parse and compile each in the
sandbox (syntax errors, undefined filters) -> static checks (sandbox, includes, data model,
empty-able fields, foreign merge tokens, hard-coded claims) -> render for every sample
(sandbox.py) -> run the engine and the CRM verification on each rendering, the sample being
the recipient -> merge the findings of all samples (one per rule and place, naming the samples)
-> the end every message has (finish.py: configuration, suppressions, gate), scored as the
fullest sample reads.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from jinja2 import ChoiceLoader, DictLoader, Template
from jinja2.exceptions import TemplateAssertionError, TemplateSyntaxError

from ..checks import CHECKS
from ..config import Config
from ..engine import Engine
from ..message import ParseError, build_message
from ..model import (
    FileResult,
    Finding,
    InputError,
    Location,
    Message,
    SourceText,
    TextField,
)
from ..rules import Rule, RuleSet
from ..finish import Outcome, by_rule, finish
from ..policy import Policy
from ..score import Signal
from ..stages import rule_finding
from ..verify import CLAIM_WORDS, verify_message
from . import liquid
from .datamodel import DataModel, Sample, empty_in
from .dialects import DIALECT_BY_NAME, translate
from .environment import TemplateEnvironment
from .guards import crm_aliases, guarded_segments
from .limits import Limits, clock
from .loader import FolderLoader
from .merging import Rendered, merge_findings, scored_rendering
from .origins import marked_source
from .rendering import (HTML_SUFFIXES, Compiled, field_origins, inner_path, literal_message,
                        render_unit, rendered_message)
from .source import Segment, Unit, count_tags, scan, split_template
from .static import JINJA_NAMES, Issue, Locator, include_issues, sandbox_issues, unknown_filters
from .variables import Analyzer

# Findings about the recipient rather than the template: every sample is a real contact.
RECIPIENT_CATEGORIES = frozenset({"compliance.suppressed"})
_PROBLEM_RULES = {"limit": "template-render-limit", "sandbox": "template-sandbox-violation",
                  "include": "template-include-error", "error": "template-render-error"}


class TemplateChecker:
    """Checks template files with one configuration, rule set, data model and sample set."""

    def __init__(self, ruleset: RuleSet, engine: Engine, config: Config, model: DataModel,
                 samples: Sequence[Sample], today: date, show_verified: bool = False,
                 limits: Limits | None = None) -> None:
        self.ruleset = ruleset
        self.rules = {rule.id: rule for rule in ruleset.rules}
        self.engine = engine
        self.config = config
        self.policy = Policy(config, self.rules)
        self.model = model
        self.samples = list(samples)
        self.today = today
        self.show_verified = show_verified
        self.limits = limits or Limits()
        self.liquid = False  # whether the file being checked is rendered by python-liquid

    # -- the file ------------------------------------------------------------------------------
    def check(self, path: str, text: str, dialect: str = "jinja2") -> FileResult:
        """Check one template file written in ``dialect`` (see dialects.py)."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        source_text = SourceText(text)
        split = split_template(text)
        if dialect != "jinja2":  # the tool's tags rewritten into its engine's syntax
            split = replace(split, body=translate(split.body, dialect), subject=translate(
                split.subject, dialect) if split.subject is not None else None)
        self.liquid = DIALECT_BY_NAME[dialect].engine == "liquid"
        partial = Path(path).name.startswith("_")
        environment = self._environment(path, split.body.text)
        issues: list[Issue] = []
        if split.problem is not None:
            offset = split.problem.offset
            issues.append(Issue("template-syntax-error", split.body, offset,
                                _line_end(text, offset), {"error": split.problem.message}))
        compiled: list[Compiled] = []
        units = [u for u in (split.subject, split.body) if u is not None]
        blocked = False
        claim_units: list[tuple[Unit, list[Segment], set[int]]] = []
        for unit in units:
            unit_issues, unit_compiled, guarded = self._static(unit, environment, partial)
            issues.extend(unit_issues)
            if unit_compiled is None:
                blocked = True
                continue
            compiled.append(unit_compiled)
            claim_units.append((unit, unit_compiled.segments, guarded))
        blocked = blocked or any(i.rule in ("template-sandbox-violation",
                                            "template-include-error",
                                            "template-undefined-filter") for i in issues)
        static_message = literal_message(path, source_text, split, claim_units)
        issues.extend(self._merge_tokens(path, source_text, split))
        static_findings = [f for f in (self._issue_finding(i, source_text) for i in issues) if f]
        renderings: list[Rendered] = []
        problems: list[tuple[Finding | None, str]] = []
        if not blocked and not partial:
            renderings, problems = self._render_all(path, source_text, split, compiled,
                                                    {i.values.get("variable") for i in issues})
        results = list(self.engine.check_many([static_message] + [r.message for r in renderings]))
        static_result, rendered_results = results[0], results[1:]
        static_findings.extend(self._hardcoded_claims(static_message, static_result.claims,
                                                      claim_units))
        static_findings.extend(self._literal_findings(static_result.findings))
        per_sample: list[tuple[Rendered, list[Finding], list[Signal]]] = []
        errors: list[InputError] = list(static_result.errors)
        for rendered, result in zip(renderings, rendered_results):
            verification = verify_message(rendered.message, result.claims, rendered.sample.crm,
                                          self.today, rendered.sample.email, self.show_verified,
                                          rules=self.rules)
            found = [f for f in result.findings + verification.findings
                     if f.category not in RECIPIENT_CATEGORIES]
            per_sample.append((rendered, found, verification.signals))
            errors.extend(e for e in result.errors if e not in errors)
        merged = merge_findings(static_findings, problems, per_sample,
                                len(self.samples))
        scored_message, scored, signals = scored_rendering(static_message, static_findings,
                                                           per_sample)
        return finish(scored_message, Outcome(
            findings=tuple(by_rule(merged)), signals=tuple(signals), scored=tuple(scored),
            errors=tuple(errors)), self.policy)

    def _environment(self, path: str, body_text: str) -> Any:
        html = inner_path(path).lower().endswith(HTML_SUFFIXES)
        if self.liquid:
            return liquid.environment(self.limits, autoescape=html)
        own = Path(path).name if path != "-" else "<stdin>"
        folder = Path(path).resolve().parent if path != "-" else Path.cwd()
        search = [folder]
        root = Path(self.config.path).resolve().parent if self.config.path else None
        if root is not None and root in folder.parents:
            search.extend(p for p in folder.parents if p == root or root in p.parents)
        loader = ChoiceLoader([DictLoader({own: body_text}),
                               FolderLoader([str(p) for p in search])])
        environment = TemplateEnvironment(loader, autoescape=html, limits=self.limits)
        environment.own_names = (own,)
        return environment

    # -- static checks ---------------------------------------------------------------------------
    def _static(self, unit: Unit, environment: Any,
                partial: bool) -> tuple[list[Issue], Compiled | None, set[int]]:
        tags = count_tags(unit.text)
        if tags > self.limits.tags:
            # Parsing, compiling and locating each tag cost time and memory per tag: 171,000
            # tags took a minute and 2.5 GB before anything was reported.
            return [Issue("template-render-limit", unit, 0, _line_end(unit.text, 0),
                          {"detail": f"the template has {tags:,} tags, more than the "
                                     f"{self.limits.tags:,} a template is read with"})], \
                None, set()
        if self.liquid:
            return self._static_liquid(unit, environment)
        try:
            tree = environment.parse(unit.text)
            template = environment.from_string(unit.text)
        except TemplateSyntaxError as exc:
            rule = "template-syntax-error"
            message = exc.message or "invalid syntax"
            if isinstance(exc, TemplateAssertionError) and \
                    message.startswith(("No filter named", "No test named")):
                rule = "template-undefined-filter"
                message = self._close_filter(message, environment)
            start = unit.line_offset(exc.lineno or 1)
            while start < len(unit.text) and unit.text[start] in " \t":
                start += 1
            message = message.strip().rstrip(".") + _foreign_hint(unit.text, start)
            return [Issue(rule, unit, start, _line_end(unit.text, start), {"error": message})], \
                None, set()
        except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
            # nested too deeply to compile, or a constant Jinja could not fold
            return [Issue("template-syntax-error", unit, 0, _line_end(unit.text, 0),
                          {"error": f"it cannot be compiled ({type(exc).__name__})"})], \
                None, set()
        segments = scan(unit.text)
        locator = Locator(unit, segments)
        issues = sandbox_issues(tree, unit, locator)
        issues.extend(unknown_filters(tree, unit, locator, environment))
        own = {f"name:{name}" for name in environment.own_names}
        issues.extend(include_issues(tree, unit, locator, environment, own,
                                     self.limits.include_depth))
        analyzer = Analyzer(self.model, unit, locator, self._empty_in,
                            report_unknown_names=not partial)
        issues.extend(analyzer.run(tree))
        guarded = guarded_segments(segments, crm_aliases(tree, self.model.crm_variables()))
        marked, spans = self._marked(environment, unit, segments)
        return issues, Compiled(unit, segments, template, marked, spans,
                                 analyzer.declared), guarded

    @staticmethod
    def _static_liquid(unit: Unit, environment: Any) -> tuple[list[Issue], Compiled | None,
                                                                set[int]]:
        """A Liquid unit: its syntax, its literal text and the claims its conditions guard
        (unknown names are reported while rendering)."""
        template = liquid.parse(environment, unit.text)
        if isinstance(template, liquid.SyntaxProblem):
            start = template.offset
            line_start = unit.text.rfind("\n", 0, start) + 1
            return [Issue("template-syntax-error", unit, line_start,
                          _line_end(unit.text, line_start),
                          {"error": template.message.rstrip(".")})], None, set()
        segments = liquid.comment_blocks(unit.text, scan(unit.text))
        guarded = guarded_segments(liquid.guard_segments(segments), set(liquid.CRM_NAMES))
        return [], Compiled(unit, segments, template, None, [], set()), guarded

    def _empty_in(self, variable: str, obj: str, name: str) -> list[str]:
        return empty_in(self.samples, variable, obj, name)

    @staticmethod
    def _close_filter(message: str, environment: TemplateEnvironment) -> str:
        match = re.search(r"named '([^']+)'", message)
        if not match:
            return message.rstrip(".")
        known = environment.tests if "No test" in message else environment.filters
        close = difflib.get_close_matches(match.group(1), list(known), n=1)
        return message.rstrip(".") + (f" (did you mean '{close[0]}'?)" if close else "")

    @staticmethod
    def _marked(environment: TemplateEnvironment, unit: Unit,
                segments: list[Segment]) -> tuple[Template | None, list[tuple[int, int, bool]]]:
        text, spans = marked_source(unit.text, segments)
        try:
            return environment.from_string(text), spans
        except Exception:  # the plain source compiled; alignment will do without markers
            return None, spans

    def _merge_tokens(self, path: str, source: SourceText, split: Any) -> list[Issue]:
        """Other tools' merge tokens in the source (*|FNAME|*, [First Name], %%x%%...)."""
        issues = []
        subject = TextField(split.subject.text, field_origins(split.subject.origins)) \
            if split.subject else None
        message = build_message(path, source, subject,
                                TextField.verbatim(split.body.text, 0), {})
        for rule in self.ruleset.rules:
            if rule.check != "merge_fields":
                continue
            for hit in CHECKS["merge_fields"](message, {**rule.options, "template": True}):
                unit = split.subject if hit.field == "subject" else split.body
                issues.append(Issue(rule.id, unit, hit.start, hit.end, {}))
        return issues

    def _hardcoded_claims(self, message: Message, claims: Sequence[Any],
                          units: list[tuple[Unit, list[Segment], set[int]]]) -> list[Finding]:
        findings = []
        rule = self.rules.get("template-hardcoded-claim")
        if rule is None:
            return []
        for claim in claims:
            unit_info = next((u for u in units if u[0].field == claim.field), None)
            if unit_info is None:
                continue
            _, segments, guarded = unit_info
            index = next((i for i, s in enumerate(segments)
                          if s.kind == "data" and s.start <= claim.start < s.end), None)
            if index is None or index in guarded:
                continue
            what = CLAIM_WORDS.get(claim.category, "a personal claim")
            details = ", ".join(f"{k} '{v}'" for k, v in claim.specifics
                                if k not in ("kind", "stage"))
            findings.append(self._finding(rule, message.location(claim.field, claim.start,
                                                                 claim.end),
                                          claim.text, claim.field, {
                                              "text": " ".join(claim.text.split()),
                                              "claim": what + (f": {details}" if details else ""),
                                              "category": claim.category}))
        return findings

    def _literal_findings(self, findings: Sequence[Finding]) -> list[Finding]:
        """Pattern rules on the literal text, so text in a branch no sample reaches is read
        too. Python checks (which judge the message as a whole) and merge fields (blanked tags
        leave gaps such as "Hi ,") are left to the renderings."""
        kept = []
        for finding in findings:
            rule = self.rules.get(finding.rule)
            if rule is not None and rule.kind == "patterns" and \
                    finding.category != "merge_field" and \
                    not finding.category.startswith("claim."):
                kept.append(finding)
        return kept

    # -- rendering -------------------------------------------------------------------------------
    def _render_all(self, path: str, source: SourceText, split: Any, compiled: list[Compiled],
                    reported: set[Any]) -> tuple[list[Rendered],
                                                 list[tuple[Finding | None, str]]]:
        deadline = clock() + self.limits.file_seconds
        renderings: list[Rendered] = []
        problems: list[tuple[Finding | None, str]] = []
        by_field = {c.unit.field: c for c in compiled}
        for sample in self.samples:
            outputs: dict[str, tuple[str, list[int]]] = {}
            stop = False
            for field_name, unit_compiled in by_field.items():
                text, origins, problem, undefined = render_unit(unit_compiled, sample.context,
                                                                deadline, self.limits, self.liquid)
                for name, line in undefined:
                    if name in reported or name in self.model.variables() \
                            or name in unit_compiled.declared or name in JINJA_NAMES \
                            or (self.liquid and name in liquid.ALIASES):
                        continue
                    reported.add(name)
                    problems.append((self._line_finding(
                        "template-unknown-variable", unit_compiled.unit, line, source,
                        {"variable": name, "hint": " (used while rendering)"}), sample.name))
                if problem is not None:
                    stop = problem.kind in ("limit", "sandbox", "include")
                    finding = self._line_finding(
                        _PROBLEM_RULES[problem.kind], unit_compiled.unit, problem.line, source,
                        {"detail": problem.message.rstrip("."),
                         "error": problem.message.rstrip(".")})
                    # A problem that stops rendering altogether is the template's, not a sample's.
                    problems.append((finding, "" if stop else sample.name))
                    break
                outputs[field_name] = (text, origins)
            if stop:
                break
            if "body" not in outputs:
                continue
            try:
                message = rendered_message(path, source, sample, outputs)
            except ParseError as exc:
                problems.append((self._line_finding(
                    "template-render-error", split.body, None, source,
                    {"error": f"the rendered output cannot be read: {exc.message}"}),
                    sample.name))
                continue
            renderings.append(Rendered(sample, message))
        return renderings, problems

    # -- findings ------------------------------------------------------------------------------------
    def _finding(self, rule: Rule, location: Location, text: str, field: str,
                 values: dict[str, Any]) -> Finding:
        return rule_finding(rule, location, text, field,
                            {"text": " ".join(text.split())[:80], **values})

    def _issue_finding(self, issue: Issue, source: SourceText) -> Finding | None:
        rule = self.rules.get(issue.rule)
        if rule is None:
            return None
        start = issue.unit.file_offset(issue.start)
        end = max(start + 1, issue.unit.file_offset(max(issue.start, issue.end - 1)) + 1)
        return self._finding(rule, _location(source, start, end), source.text[start:end],
                             issue.unit.field, issue.values)

    def _line_finding(self, rule_id: str, unit: Unit, line: int | None, source: SourceText,
                      values: dict[str, Any]) -> Finding | None:
        start = unit.line_offset(line or 1)
        while start < len(unit.text) and unit.text[start] in " \t":
            start += 1
        return self._issue_finding(Issue(rule_id, unit, start, _line_end(unit.text, start),
                                         values), source)


# From "{{" to the next "}}" with no brace or line break between: linear, as each run between
# braces is read once (two lazy runs around a space were cubic on a long line of "{{").
_FOREIGN_BRACES = re.compile(r"\{\{[^{}\n]*\}\}")


def _foreign_hint(text: str, start: int) -> str:
    """A syntax error caused by another tool's merge field ('{{lead.First Name}}')."""
    line = text[start:_line_end(text, start)]
    for match in _FOREIGN_BRACES.finditer(line):
        inner = match.group()[2:-2].strip()
        if re.fullmatch(r"[A-Za-z_][\w.]*(?: [A-Za-z][\w.]*)+", inner) and \
                not re.search(r"\b(?:if|else|or|and|not|in|is)\b", inner):
            return f" ('{match.group()}' looks like another tool's merge field)"
    return ""


def _location(source: SourceText, start: int, end: int) -> Location:
    line, column = source.position(start)
    end_line, end_column = source.position(max(start, end - 1))
    return Location(line, column, end_line, end_column + 1)


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    return max(end, min(len(text), start + 1))
