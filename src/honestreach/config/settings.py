"""The settings a configuration file gives (:class:`Config`), and :class:`ConfigError` for one
that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from ..filekinds import dialect_for, matches_any
from ..rules import RuleError
from .schema import DEFAULT_MAX_BYTES


class ConfigError(Exception):
    """A configuration file that cannot be used, with every problem found in it (``error`` is
    the first)."""

    def __init__(self, error: RuleError | Sequence[RuleError],
                 partial: Config | None = None) -> None:
        errors = (error,) if isinstance(error, RuleError) else tuple(error)
        super().__init__("; ".join(str(e) for e in errors))
        self.errors: tuple[RuleError, ...] = errors
        self.error = errors[0]
        # The settings of the keys that are valid, so the rest can still be checked (the rule
        # folders loaded, the rule names looked up) and reported at once.
        self.partial = partial


@dataclass(frozen=True)
class Config:
    """Settings for the files below one configuration file (or the defaults)."""

    path: str | None = None
    select: tuple[str, ...] = ("all",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict, hash=False)
    fail_on: str = "error"
    min_respect: int | None = None
    min_relevance: int | None = None
    rule_dirs: tuple[Path, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    # The CRM to verify claims against: a folder or file (relative to the config) or a URL.
    crm: str | None = None
    crm_preset: str | None = None
    crm_mapping: Path | None = None
    # Templates: the declared data model (merged over the default one) and the sample CRM.
    data_model: dict[str, Any] | None = field(default=None, hash=False, compare=False)
    sample_crm: str | None = None
    campaign_cap: str | None = None
    campaign_columns: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    campaign_encoding: str | None = None
    # None keeps the compliance rules' own option (commercial messages only).
    compliance_applies_to: str | None = None
    opt_out_line: str | None = None
    postal_address: str | None = None
    # (glob relative to the configuration file, dialect), first match wins
    templates: tuple[tuple[str, str], ...] = ()
    outreach_files: tuple[str, ...] = ()  # globs relative to the configuration file
    # (glob relative to the configuration file, names switched off in the files it names)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def ignored_in(self, path: str) -> frozenset[str]:
        """The names ``per-file-ignores`` switches off in ``path``."""
        if not self.per_file_ignores:
            return frozenset()
        base = str(Path(self.path).parent) if self.path else None
        return frozenset(name for pattern, names in self.per_file_ignores
                         if matches_any(path, (pattern,), base) for name in names)

    def dialect_for(self, path: str) -> str | None:
        """The template dialect of ``path`` (by these globs, else by its suffix), or None
        when it is not a template."""
        base = str(Path(self.path).parent) if self.path else None
        return dialect_for(path, self.templates, base)

    def is_outreach_file(self, path: str) -> bool:
        """Whether ``path`` is an outreach file: a message (.eml), a template (by suffix or
        the ``templates`` globs) or a file the ``outreach-files`` globs name."""
        if path.lower().endswith(".eml") or self.dialect_for(path) is not None:
            return True
        base = str(Path(self.path).parent) if self.path else None
        return matches_any(path, self.outreach_files, base)

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the command line's values (None means 'keep')."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
