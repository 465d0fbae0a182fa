"""``honestreach mcp`` with the SDK's own client over stdio, as an AI writing assistant uses it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

pytest.importorskip("mcp")

from mcp import ClientSession, StdioServerParameters, stdio_client  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
ROBERT = "robert.lang@harbourline.example.com"
BODY = ("Hi Robert,\n\nGreat meeting you at the LogiTech Summit in May. Jonas suggested I "
        "reach out. Our planner is $39 a month and the offer ends tonight, so act now.\n\nAna\n")


def _structured(result: Any) -> dict[str, Any]:
    content = getattr(result, "structured_content", None)
    return content if content is not None else result.structuredContent


def _is_error(result: Any) -> bool:
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


async def _session_calls(folder: Path) -> dict[str, Any]:
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "honestreach", "mcp", "--crm",
                                      str(FIXTURES / "verify-crm")], cwd=str(folder))
    found: dict[str, Any] = {}
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            found["tools"] = tools
            found["check"] = await session.call_tool("check_draft", {
                "subject": "Re: route planning", "body": BODY, "recipient": ROBERT,
                "date": "2026-06-01"})
            found["claims"] = await session.call_tool("verify_claims", {
                "body": BODY, "recipient": ROBERT, "date": "2026-06-01"})
            found["no_crm_contact"] = await session.call_tool("verify_claims", {
                "body": BODY, "recipient": "someone@elsewhere.example"})
            found["explain"] = await session.call_tool("explain_rule",
                                                       {"rule_id": "same-day-deadline"})
            found["unknown_rule"] = await session.call_tool("explain_rule",
                                                            {"rule_id": "same-day-deadlin"})
    return found


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return asyncio.run(asyncio.wait_for(_session_calls(tmp_path_factory.mktemp("mcp")), 180))


def _output_schema(tool: Any) -> dict[str, Any]:
    schema = getattr(tool, "output_schema", None)
    return schema if schema is not None else tool.outputSchema


def test_tools_declare_structured_outputs(calls: dict[str, Any]) -> None:
    tools = calls["tools"]
    assert {"check_draft", "verify_claims", "explain_rule"} <= set(tools)
    for name in ("check_draft", "verify_claims", "explain_rule"):
        assert _output_schema(tools[name])["type"] == "object"
        assert tools[name].description


def test_check_draft(calls: dict[str, Any]) -> None:
    result = calls["check"]
    assert not _is_error(result)
    report = _structured(result)
    jsonschema.validate(report, _output_schema(calls["tools"]["check_draft"]))
    rules = {f["rule"] for f in report["findings"]}
    assert {"thread-reply-subject", "last-chance", "missing-unsubscribe"} <= rules
    assert report["recipient"] == ROBERT and report["checked"]
    assert 0 <= report["scores"]["respect"] < 50 and report["scores"]["respect_reasons"]
    deadline = next(f for f in report["findings"] if f["rule"] == "last-chance")
    assert deadline["suggestion"] and deadline["text"].lower() == "act now"
    assert report["text"].splitlines()[deadline["line"] - 1][deadline["column"] - 1:].lower() \
        .startswith("act now")
    assert {fix["id"] for fix in report["fixes"]} >= {"drop-thread-prefix", "add-opt-out"}


def test_verify_claims(calls: dict[str, Any]) -> None:
    claims = _structured(calls["claims"])
    jsonschema.validate(claims, _output_schema(calls["tools"]["verify_claims"]))
    assert claims["crm"] is True and claims["recipient"] == ROBERT
    by_category = {c["category"]: c for c in claims["claims"]}
    assert by_category["claim.meeting"]["outcome"] == "supported"
    assert "LogiTech Summit" in by_category["claim.meeting"]["reason"]
    # The CRM records Grace as the referrer, not Jonas.
    assert by_category["claim.referral"]["outcome"] == "contradicted"
    # A recipient the CRM does not hold is an error, said plainly.
    assert _is_error(calls["no_crm_contact"])
    assert "not in the CRM" in calls["no_crm_contact"].content[0].text


def test_explain_rule(calls: dict[str, Any]) -> None:
    rule = _structured(calls["explain"])
    jsonschema.validate(rule, _output_schema(calls["tools"]["explain_rule"]))
    assert rule["id"] == "same-day-deadline" and rule["rationale"] and rule["examples"]["bad"]
    assert _is_error(calls["unknown_rule"])
    assert "same-day-deadline" in calls["unknown_rule"].content[0].text
