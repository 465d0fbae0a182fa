"""The API's OpenAPI 3.1 document, written out by hand: the schemas are the JSON report's
(``check --format json``), so that a client written against one reads the other."""

from __future__ import annotations

from typing import Any

from .._version import __version__

_STRING = {"type": "string"}
_INTEGER = {"type": "integer", "minimum": 0}
_STRINGS = {"type": "array", "items": _STRING}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: list[str] | None = None,
            additional: bool = True, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": required if required is not None else list(properties)}
    if not additional:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


_LOCATED = {
    "rule": {"type": "string", "description": "the rule's id"},
    "category": {"type": "string", "description": "one of the taxonomy's categories"},
    "line": {"type": "integer", "minimum": 1},
    "column": {"type": "integer", "minimum": 1},
    "end_line": {"type": "integer", "minimum": 1},
    "end_column": {"type": "integer", "minimum": 1, "description": "exclusive"},
    "field": {"type": "string", "description": "subject, sender, body or headers"},
    "text": {"type": "string", "description": "the text that triggered the finding"},
}
_NOTE = _object({"message": _STRING, "line": {"type": "integer", "minimum": 1}}, ["message"])

SCHEMAS: dict[str, Any] = {
    "Finding": _object({
        **_LOCATED,
        "severity": {"enum": ["error", "warning", "info"]},
        "message": _STRING,
        "suggestion": _STRING,
    }),
    "Scores": _object({
        "respect": {"type": "integer", "minimum": 0, "maximum": 100},
        "relevance": {"type": "integer", "minimum": 0, "maximum": 100},
        "respect_reasons": _STRINGS,
        "relevance_reasons": _STRINGS,
    }, description="0-100, with what moved each score"),
    "FileReport": _object({
        "path": _STRING,
        "recipient": {"type": ["string", "null"]},
        "subject": {"type": ["string", "null"]},
        "checked": {"type": "boolean"},
        "scores": _ref("Scores"),
        "findings": {"type": "array", "items": _ref("Finding")},
        "errors": {"type": "array", "items": _NOTE},
        "notes": {"type": "array", "items": _NOTE},
        "gate_failures": _STRINGS,
    }),
    "Summary": _object({
        "files": _INTEGER, "findings": _INTEGER, "files_with_errors": _INTEGER,
        "files_failing": _INTEGER,
        "by_severity": {"type": "object", "additionalProperties": _INTEGER},
        "by_category": {"type": "object", "additionalProperties": _INTEGER},
        "by_rule": {"type": "object", "additionalProperties": _INTEGER},
        "mean_respect": {"type": ["number", "null"]},
        "mean_relevance": {"type": ["number", "null"]},
        "exit_code": {"enum": [0, 1, 2]},
    }),
    "ClaimVerdict": _object({
        **_LOCATED,
        "outcome": {"enum": ["supported", "contradicted", "unverifiable", "unchecked"]},
        "reason": {"type": "string", "description": "what the CRM holds, or why it cannot say"},
    }, description="A personal claim and what the CRM says of it"),
    "Edit": _object({
        "line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1},
        "end_line": {"type": "integer", "minimum": 1},
        "end_column": {"type": "integer", "minimum": 1},
        "start": _INTEGER, "end": _INTEGER, "text": _STRING,
    }, description="Replace the checked text from start to end (offsets) with text"),
    "Fix": _object({
        "id": {"enum": ["drop-thread-prefix", "add-opt-out", "add-postal-address",
                        "replace-merge-token"]},
        "rule": _STRING, "title": _STRING,
        "line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1},
        "edits": {"type": "array", "items": _ref("Edit")},
        "draft": _object({"subject": {"type": ["string", "null"]}, "body": _STRING},
                         description="the draft's fields with the fix made (drafts sent as "
                                     "fields only)"),
    }, ["id", "rule", "title", "line", "column", "edits"],
        description="A safe fix: offered, never applied by the server"),
    "Layout": _object({
        "subject_column": {"type": ["integer", "null"]},
        "body_line": {"type": "integer", "minimum": 1},
    }, description="Where the fields of a draft sent as fields stand in the checked text"),
    "Report": _object({
        "version": _STRING,
        "files": {"type": "array", "items": _ref("FileReport"), "minItems": 1, "maxItems": 1},
        "summary": _ref("Summary"),
        "errors": {"type": "array", "items": _object({
            "path": {"type": ["string", "null"]}, "line": {"type": ["integer", "null"]},
            "field": {"type": ["string", "null"]}, "message": _STRING})},
        "claims": {"type": "array", "items": _ref("ClaimVerdict")},
        "fixes": {"type": "array", "items": _ref("Fix")},
        "layout": {"oneOf": [_ref("Layout"), {"type": "null"}]},
    }, description="The JSON report of `honestreach check --format json` for one input, plus "
                   "the CRM's verdicts on its claims and the safe fixes"),
    "DraftRequest": _object({
        "body": {"type": "string", "description": "the draft's body"},
        "subject": {"type": ["string", "null"]},
        "to": {"type": ["string", "null"], "description": "the draft's To: line"},
        "from": {"type": ["string", "null"], "description": "the draft's From: line"},
        "eml": {"type": "string", "description": "a raw RFC 5322 message instead of fields"},
        "recipient": {"type": ["string", "null"],
                      "description": "the CRM contact to verify claims against (replaces To:); "
                                     "422 when a CRM is configured and does not hold it"},
        "date": {"type": ["string", "null"], "format": "date",
                 "description": "the sending date, YYYY-MM-DD (default: Date:, else today)"},
        "show_verified": {"type": "boolean",
                          "description": "also report claims the CRM supports, as info"},
    }, required=[], additional=False,
        description="A draft as fields (body required) or as a raw message (eml)"),
    "Error": _object({"error": _object({
        "status": {"type": "integer"}, "message": _STRING})}),
    "RuleSummary": _object({
        "id": _STRING, "name": _STRING, "category": _STRING,
        "severity": {"enum": ["error", "warning", "info"]}, "kind": _STRING,
        "scope": _STRINGS, "builtin": {"type": "boolean"},
    }),
    "Rule": {"allOf": [_ref("RuleSummary"), _object({
        "message": _STRING, "rationale": _STRING, "suggestion": _STRING,
        "examples": _object({"bad": _STRINGS, "good": _STRINGS}),
        "matches": _STRINGS,
    })]},
    "Contact": _object({
        "email": _STRING, "name": _STRING, "company": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]},
    }, description="Who a contact is, to pick a recipient; nothing else of the CRM"),
    "Health": _object({
        "status": {"const": "ok"}, "version": _STRING, "rules": _INTEGER,
        "crm": {"type": "boolean"},
    }),
}


def _response(description: str, schema: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema)}}}


_ERRORS = {
    "401": _response("A token is required and was missing or wrong", "Error"),
}
_RAW_QUERY = [
    {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
    for name, schema, text in (
        ("recipient", _STRING, "the CRM contact to verify claims against (raw bodies)"),
        ("date", {"type": "string", "format": "date"}, "the sending date (raw bodies)"),
        ("show_verified", {"type": "boolean"}, "also report supported claims (raw bodies)"),
    )
]


def openapi_document(token_required: bool) -> dict[str, Any]:
    """The document served at /openapi.json."""
    security: list[dict[str, list[str]]] = [{"token": []}] if token_required else []
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "honestreach",
            "version": __version__,
            "description": "Check an outreach email before it is sent: manipulative patterns, "
                           "personal claims the CRM does not support, compliance gaps, respect "
                           "and relevance. The same engine and report as `honestreach check "
                           "--format json`.",
        },
        "paths": {
            "/v1/check": {"post": {
                "summary": "Check one draft or raw message",
                "operationId": "check",
                "security": security,
                "parameters": _RAW_QUERY,
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("DraftRequest")},
                    "message/rfc822": {"schema": {"type": "string"}},
                    "text/plain": {"schema": {"type": "string"},
                                   "description": "a draft with an optional header block"},
                }},
                "responses": {
                    "200": _response("The report (findings do not make it fail)", "Report"),
                    "400": _response("Malformed request: invalid JSON or fields", "Error"),
                    **_ERRORS,
                    "413": _response("The request body is over the size limit", "Error"),
                    "415": _response("Not JSON, message/rfc822 or text/plain", "Error"),
                    "422": _response("The input cannot be checked (empty, binary, not a "
                                     "readable message) or the recipient is unknown", "Error"),
                    "503": _response("The check took longer than the time limit", "Error"),
                },
            }},
            "/v1/rules": {"get": {
                "summary": "Every rule", "operationId": "listRules", "security": security,
                "responses": {"200": {"description": "The rules", "content": {
                    "application/json": {"schema": {"type": "array",
                                                    "items": _ref("RuleSummary")}}}},
                              **_ERRORS},
            }},
            "/v1/rules/{rule_id}": {"get": {
                "summary": "One rule: what it reports, why, examples, what to write instead",
                "operationId": "getRule", "security": security,
                "parameters": [{"name": "rule_id", "in": "path", "required": True,
                                "schema": _STRING}],
                "responses": {"200": _response("The rule", "Rule"), **_ERRORS,
                              "404": _response("No such rule", "Error")},
            }},
            "/v1/contacts": {"get": {
                "summary": "Contacts whose name, address or company contains q (at most 10)",
                "operationId": "searchContacts", "security": security,
                "parameters": [{"name": "q", "in": "query", "required": True,
                                "schema": {"type": "string", "minLength": 2}}],
                "responses": {"200": {"description": "Matching contacts", "content": {
                    "application/json": {"schema": {"type": "array",
                                                    "items": _ref("Contact")}}}},
                              "400": _response("q is missing or shorter than 2 characters",
                                               "Error"),
                              **_ERRORS},
            }},
            "/health": {"get": {
                "summary": "Whether the server is up", "operationId": "health",
                "responses": {"200": _response("Up", "Health")},
            }},
        },
        "components": {"schemas": SCHEMAS},
    }
    if token_required:
        document["components"]["securitySchemes"] = {
            "token": {"type": "http", "scheme": "bearer",
                      "description": "the token given with --token or HONESTREACH_TOKEN"}}
    return document
