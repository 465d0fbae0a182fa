"""The published JSON Schemas (schemas/) are the ones the code validates with, and py.typed
ships in the package."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from honestreach.config import CONFIG_SCHEMA
from honestreach.rules import RULE_SCHEMA

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name, schema", [("config", CONFIG_SCHEMA), ("rule", RULE_SCHEMA)])
def test_published_schema_is_the_code_s(name, schema):
    published = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(published)
    for key in ("$schema", "$id", "title"):
        published.pop(key)
    assert published == json.loads(json.dumps(schema)), \
        f"schemas/{name}.schema.json is out of date: regenerate it from the code"


def test_the_published_schemas_validate_real_files():
    config = json.loads((REPO / "schemas" / "config.schema.json").read_text())
    jsonschema.validate({"fail-on": "warning", "outreach-files": ["drafts/"],
                         "templates": [{"files": "sequences/", "dialect": "outreach"}]}, config)
    rule = json.loads((REPO / "schemas" / "rule.schema.json").read_text())
    some_rule = next((REPO / "rules").rglob("*.yaml"))
    data = yaml.safe_load(some_rule.read_text())
    if isinstance(data, dict) and "id" in data:
        jsonschema.validate(data, rule)


def test_the_package_is_typed():
    assert (REPO / "src" / "honestreach" / "py.typed").is_file()
