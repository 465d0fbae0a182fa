"""What a configuration file may say: its keys and their values (a JSON schema), checked
strictly so that a typo never silently turns a check off."""

from __future__ import annotations

from typing import Any

from ..filekinds import DEFAULT_MAX_BYTES, DIALECTS
from ..model import SEND_FIELDS, SEVERITIES

COMPLIANCE_SCOPES = ("commercial", "all")
# The value types a data-model field may declare (see docs/templates.md).
DATA_MODEL_TYPES = ("string", "integer", "number", "boolean", "date", "list", "email", "url")

_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": _NAMES,
        "ignore": _NAMES,
        "severity": {"type": "object", "additionalProperties": {"enum": list(SEVERITIES)}},
        "fail-on": {"enum": list(SEVERITIES)},
        "min-respect": {"type": "integer", "minimum": 0, "maximum": 100},
        "min-relevance": {"type": "integer", "minimum": 0, "maximum": 100},
        "rules": _NAMES,
        "max-file-size": {"type": "integer", "minimum": 1},
        "crm": {"type": "string", "minLength": 1},
        "crm-preset": {"type": "string", "minLength": 1},
        "crm-mapping": {"type": "string", "minLength": 1},
        # Which messages must offer an opt-out and a postal address: commercial ones (the
        # laws' scope; checks/commercial.yaml decides) or every message.
        "compliance-applies-to": {"enum": list(COMPLIANCE_SCOPES)},
        # The sender's opt-out line and postal address, offered as safe fixes by the page, the
        # API and the editor server when a commercial message lacks them (fixes.py).
        "opt-out-line": {"type": "string", "minLength": 1},
        "postal-address": {"type": "string", "minLength": 1},
        # Templates (honestreach.templates): the variables a template may use, and the CRM whose
        # records templates are rendered against.
        "data-model": {"$ref": "#/$defs/data-model"},
        "sample-crm": {"type": "string", "minLength": 1},
        # Campaign audits: at most N messages to one contact in any D days ("3/7d").
        "campaign-cap": {"type": "string", "pattern": "^[1-9][0-9]*/[1-9][0-9]*d$"},
        # ... and the campaign export's column names for the canonical fields ({to: email};
        # html_body: the column holding the body as HTML).
        "campaign-columns": {
            "type": "object",
            "propertyNames": {"enum": [*SEND_FIELDS, "html_body"]},
            "additionalProperties": {"type": "string", "minLength": 1},
        },
        # ... and the encoding its files are written in (default: UTF-8, else Windows-1252).
        "campaign-encoding": {"type": "string", "minLength": 1},
        # Templates kept under other suffixes, and the sending tool's merge-tag dialect they
        # are written in (templates/dialects.py): [{files: "sequences/**/*.txt", dialect: ...}]
        # Folders and files of plain drafts (.txt, .md, .html) that are outreach: the pre-commit
        # hook (check --outreach-only) checks them, and never a README or docs.
        "outreach-files": {"oneOf": [{"type": "string", "minLength": 1}, _NAMES]},
        # Rules, categories or families switched off in the files a glob (relative to the
        # configuration file) names, like flake8's per-file-ignores:
        # {"templates/legal/*.txt": [missing-postal-address]}
        "per-file-ignores": {"type": "object", "additionalProperties": _NAMES},
        "templates": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["files", "dialect"],
                "additionalProperties": False,
                "properties": {
                    "files": {"oneOf": [{"type": "string", "minLength": 1}, _NAMES]},
                    "dialect": {"enum": list(DIALECTS)},
                },
            },
        },
    },
    "$defs": {
        "field-type": {"enum": list(DATA_MODEL_TYPES)},
        "field": {
            "oneOf": [
                {"$ref": "#/$defs/field-type"},
                {
                    "type": "object",
                    "required": ["type"],
                    "additionalProperties": False,
                    "properties": {
                        "type": {"$ref": "#/$defs/field-type"},
                        "required": {"type": "boolean"},
                    },
                },
                {"type": "null"},  # removes a field of the default model
            ]
        },
        "data-model": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {
                "oneOf": [
                    # an object's fields: "contact: {met_at: date}"
                    {
                        "type": "object",
                        "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                        "additionalProperties": {"$ref": "#/$defs/field"},
                    },
                    {"type": "null"},  # removes an object of the default model
                ]
            },
        },
    },
}
