"""Configuration: ``[tool.honestreach]`` in pyproject.toml or a ``.honestreach.yaml``.

The nearest configuration file above each checked file applies to it. Keys are validated
strictly (unknown keys are errors that name the file, line and field), so a typo never
silently turns a check off.

The parts: :mod:`.schema` (the keys), :mod:`.settings` (:class:`Config`), :mod:`.loading`
(reading a file) and :mod:`.selection` (rules, severities and the gate).
"""

from __future__ import annotations

from ..locate import CONFIG_NAMES, find_config_file
from .loading import check_names, load_config, resolve_config
from .schema import COMPLIANCE_SCOPES, CONFIG_SCHEMA, DATA_MODEL_TYPES, DEFAULT_MAX_BYTES
from .selection import configured_rules, gate_failures, rule_enabled, severity_for
from .settings import Config, ConfigError

__all__ = ["COMPLIANCE_SCOPES", "CONFIG_NAMES", "CONFIG_SCHEMA", "DATA_MODEL_TYPES",
           "DEFAULT_MAX_BYTES", "Config", "ConfigError", "check_names", "configured_rules",
           "find_config_file", "gate_failures", "load_config", "resolve_config", "rule_enabled",
           "severity_for"]


