"""What the cache keeps of a configuration file, so that a fully cached run need not load
(and validate) it: its rule folders, file size limit, CRM and the files it names."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

from .codec import as_list, as_opt_str, as_str


@dataclass(frozen=True)
class Settings:
    """What the cache needs of one configuration before any rule is loaded."""

    rule_dirs: tuple[str, ...] = ()
    max_file_size: int | None = None
    crm: str | None = None
    crm_preset: str | None = None
    crm_mapping: str | None = None
    # The files and URLs the configuration names besides rule folders (a CRM, a sample CRM, a
    # mapping), by setting: their state is part of the key of every file below it.
    dependencies: tuple[tuple[str, str], ...] = ()


def settings_of(config: Any) -> Settings:
    """The settings of a loaded :class:`~honestreach.config.Config` (not imported here: a
    cached run must not load the configuration module)."""
    dependencies = []
    for setting in fields(config):
        value = getattr(config, setting.name)
        if setting.name not in ("path", "rule_dirs") and (
                isinstance(value, os.PathLike) or isinstance(value, str) and (
                    "://" in value or os.path.exists(value))):
            dependencies.append((setting.name, str(value)))
    return Settings(
        rule_dirs=tuple(str(d) for d in config.rule_dirs),
        max_file_size=config.max_file_size,
        crm=config.crm,
        crm_preset=config.crm_preset,
        crm_mapping=str(config.crm_mapping) if config.crm_mapping is not None else None,
        dependencies=tuple(dependencies),
    )


def encode_settings(settings: Settings) -> dict[str, Any]:
    return dict(settings.__dict__)


def decode_settings(data: Any) -> Settings | None:
    """The settings an entry holds; None when it does not have their shape."""
    try:
        if set(data) != {f.name for f in fields(Settings)}:
            return None
        max_size = data["max_file_size"]
        if max_size is not None and (type(max_size) is not int or max_size < 1):
            return None
        return Settings(
            rule_dirs=tuple(as_str(d) for d in as_list(data["rule_dirs"])),
            max_file_size=max_size,
            crm=as_opt_str(data["crm"]),
            crm_preset=as_opt_str(data["crm_preset"]),
            crm_mapping=as_opt_str(data["crm_mapping"]),
            dependencies=tuple((as_str(name), as_str(value)) for name, value in
                               (as_list(pair) for pair in as_list(data["dependencies"]))),
        )
    except (KeyError, TypeError, ValueError):
        return None
