"""Lint Jinja2 templates (``.j2``, ``.jinja``, ``.jinja2``): see docs/templates.md.

:func:`check_template` is what the pipeline calls for an input of kind ``"template"``;
:class:`TemplateChecker` checks template text with a given rule set, data model and samples.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Protocol

from ..config import Config
from ..crm import CRM, CRMError, load_crm
from ..engine import Engine
from ..message import ParseError
from ..model import FileResult, InputError
from ..rules import RuleSet
from ..sources import InputFile, decode_text, is_binary
from .check import TemplateChecker
from .datamodel import DataModel, builtin_samples, samples_from_crm
from .limits import Limits

__all__ = ["TEMPLATE_SUFFIXES", "check_template", "checker_for", "template_checker"]

TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".liquid", ".outreach", ".salesloft", ".hubl",
                     ".mailchimp", ".sfmc")


class _Overrides(Protocol):
    @property
    def date(self) -> date | None: ...
    @property
    def show_verified(self) -> bool: ...


class Linter(Protocol):
    """What the templates use of :class:`honestreach.pipeline.Linter` (described, not imported:
    the pipeline imports this package)."""

    crm: CRM | None
    sample_crm: CRM | None
    template_checkers: dict[tuple[object, ...], TemplateChecker | InputError]
    sample_crms: dict[str, CRM | InputError]

    @property
    def overrides(self) -> _Overrides: ...
    def ruleset(self, config: Config) -> RuleSet: ...
    def engine(self, config: Config) -> Engine: ...


def check_template(linter: Linter, item: InputFile, config: Config) -> FileResult:
    """Check one template file read by the pipeline."""
    if is_binary(item.data):
        return FileResult(item.path, errors=(InputError("binary file, not a template"),))
    try:
        text = decode_text(item.data, "(e.g. save as UTF-8)")
    except ParseError as exc:
        return FileResult(item.path, errors=(InputError(exc.message, exc.line),))
    checker = checker_for(linter, config)
    if isinstance(checker, InputError):
        return FileResult(item.path, errors=(checker,))
    try:
        return checker.check(item.path, text, config.dialect_for(item.path) or "jinja2")
    except Exception as exc:  # one template must never stop the run (HONESTREACH_DEBUG shows it)
        if os.environ.get("HONESTREACH_DEBUG"):
            raise
        return FileResult(item.path, errors=(InputError(
            f"internal error while checking the template: {type(exc).__name__}: {exc}"),))


def checker_for(linter: Linter, config: Config) -> TemplateChecker | InputError:
    """The checker for ``config`` (made once per linter and configuration): its samples come
    from the linter's sample CRM (--sample-crm), else the configuration's ``sample-crm``, else
    the CRM claims are verified against, else the built-in samples."""
    cache = linter.template_checkers
    key = (config.path, config.rule_dirs, config.sample_crm)
    if key in cache:
        return cache[key]
    today = linter.overrides.date or date.today()
    crm: CRM | None | InputError = linter.sample_crm
    if crm is None and config.sample_crm:
        crm = _load_sample_crm(linter, config.sample_crm)
    if crm is None:
        crm = linter.crm
    if isinstance(crm, InputError):
        cache[key] = crm
        return crm
    checker = template_checker(linter.ruleset(config), linter.engine(config), config, crm,
                               today, linter.overrides.show_verified)
    cache[key] = checker
    return checker


def template_checker(ruleset: RuleSet, engine: Engine, config: Config | None = None,
                     crm: CRM | None = None, today: date | None = None,
                     show_verified: bool = False,
                     limits: Limits | None = None) -> TemplateChecker:
    """A checker rendering against ``crm``'s contacts (or the built-in samples)."""
    config = config or Config()
    today = today or date.today()
    model = DataModel.from_config(config.data_model)
    samples = samples_from_crm(crm, model, today) if crm is not None and len(crm) else \
        builtin_samples(model, today)
    return TemplateChecker(ruleset, engine, config, model, samples, today, show_verified,
                           limits or Limits())


def _load_sample_crm(linter: Linter, source: str) -> CRM | InputError:
    crms = linter.sample_crms
    if source not in crms:
        try:
            crms[source] = load_crm(source)
        except CRMError as exc:
            crms[source] = InputError(f"not checked: cannot read the sample CRM: {exc}")
    return crms[source]
