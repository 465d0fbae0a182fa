"""JSON Schema validation of configuration and rule files: the one place that imports jsonschema.

jsonschema takes about a tenth of a second to import, so it is imported on first use: only runs
that read a configuration file or a rule file that is not built in pay for it, and a fully
cached ``check`` never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

if TYPE_CHECKING:
    from jsonschema import ValidationError


def schema_errors(schema: Mapping[str, Any], data: Any) -> Iterator[ValidationError]:
    """Every way ``data`` breaks ``schema`` (JSON Schema draft 2020-12)."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema).iter_errors(data)
