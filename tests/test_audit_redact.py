"""``audit --redact``: no address or name of the campaign in any output (the text and JSON
summaries, the JSONL and CSV results, the HTML report, as a browser shows it), nothing plain on
disk, and the same findings and counts as the audit unredacted."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from honestreach.cli import main

# A campaign whose rows carry the CRM's people: recipients (one upper-case, one with a quoted
# local part), senders with display names, names in subjects, variants, greetings, bodies and
# sign-offs (upper case, lower case, accents, particles, possessives), addresses written with
# %40, &#64; and an IP literal, an id that is an address, a file name that is a name, and rows
# that fail with names in their fields.
PRIVACY = Path(__file__).parent / "fixtures" / "campaign" / "privacy"
CAMPAIGN = "Ingrid Hagebakken campaign.jsonl"
SECRETS = re.compile(
    r"\b(?:jordan|quayle|ingrid|hagebakken|cruz|delacruz|dyke|vandyke|pieter|tobias|wren|"
    r"siobhan|o'brien|zo[eë]|[aå]berg|anne|annemarie|dupont|mar[ií]a)\b|"
    r"192\.0\.2\.7|%40|&#64;|nordfjord|polder|liffey|seine|fjall|sol\.example|quayle\.example",
    re.IGNORECASE)


def _audit(folder: Path, *options: str) -> str:
    result = CliRunner().invoke(main, ["audit", CAMPAIGN, "--crm", "crm", "--jobs", "1",
                                       *options], catch_exceptions=False)
    assert result.exit_code == 2, result.output  # rows that fail
    return result.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every output of the audit, redacted and not, by name."""
    folder = tmp_path_factory.mktemp("audit") / "privacy"
    shutil.copytree(PRIVACY, folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        shown = {
            "text": _audit(folder, "--redact", "--output", "red.jsonl", "--html", "red.html"),
            "json": _audit(folder, "--redact", "--format", "json", "--output", "red.csv"),
            "plain json": _audit(folder, "--format", "json", "--output", "plain.jsonl"),
        }
    for name in ("red.jsonl", "red.csv", "red.html", "plain.jsonl"):
        shown[name] = (folder / name).read_text(encoding="utf-8")
    shown["folder"] = str(folder)
    return shown


def test_no_name_or_address_in_any_output(runs: dict[str, str]) -> None:
    for output in ("text", "json", "red.jsonl", "red.csv", "red.html"):
        found = [match.group() for match in SECRETS.finditer(runs[output])]
        assert found == [], output
        assert "<email>" in runs[output] or "\\u003cemail\\u003e" in runs[output], output
        assert "<name>" in runs[output] or "\\u003cname\\u003e" in runs[output], output
    # The campaign does hold what is hidden, and the unredacted run shows it.
    held = {match.group().lower() for match in SECRETS.finditer(
        (PRIVACY / CAMPAIGN).read_text(encoding="utf-8"))}
    assert {"ingrid", "quayle", "cruz", "dyke", "pieter", "siobhan", "maría", "%40", "&#64;",
            "192.0.2.7", "sol.example"} <= held
    plain = {match.group().lower() for match in SECRETS.finditer(runs["plain.jsonl"])}
    assert {"ingrid", "quayle", "dyke", "pieter", "siobhan", "maría", "sol.example"} <= plain
    assert "<title>Audit of &lt;name&gt; campaign.jsonl</title>" in runs["red.html"]


def test_findings_and_counts_are_those_of_the_unredacted_run(runs: dict[str, str]) -> None:
    red, plain = json.loads(runs["json"]), json.loads(runs["plain json"])
    for key in ("rows", "failed_by_reason", "source", "errors", "by_category", "by_rule",
                "scores"):
        assert red[key] == plain[key], key
    assert [(f["rule"], f["severity"], len(f["ids"])) for f in red["campaign_findings"]] == \
        [(f["rule"], f["severity"], len(f["ids"])) for f in plain["campaign_findings"]] == \
        [("campaign-frequency", "error", 5), ("campaign-duplicate", "warning", 2),
         ("campaign-mass-claim", "error", 6)]
    assert [f.get("contact") for f in red["campaign_findings"][:2]] == ["<email>", "<email>"]
    assert red["campaign_findings"][2]["recipients"] == 6
    # Senders, variants and suppressed recipients masked alike stay apart, with their counts.
    for table in ("senders", "variants"):
        assert len(red[table]) == len(plain[table]), table
        assert sorted(map(json.dumps, red[table].values())) == \
            sorted(map(json.dumps, plain[table].values())), table
    assert list(red["senders"]) == ["(unknown)", "<email>", "<email> (2)"]
    assert {k: v for k, v in red["suppressed"].items() if k != "list"} == \
        {k: v for k, v in plain["suppressed"].items() if k != "list"}
    assert red["suppressed"]["list"] == {"<email>": ["s1"]}
    assert [(w["respect"], w["relevance"], w["findings"]) for w in red["worst"]] == \
        [(w["respect"], w["relevance"], w["findings"]) for w in plain["worst"]]
    # Record by record: the same rows, scores and findings.
    red_records = [json.loads(line) for line in runs["red.jsonl"].splitlines()]
    plain_records = [json.loads(line) for line in runs["plain.jsonl"].splitlines()]

    def shape(record: dict) -> tuple:
        return (record["row"], record["checked"], record["respect"], record["relevance"],
                [(f["rule"], f["line"], f["column"]) for f in record["findings"]],
                len(record["errors"]))

    assert list(map(shape, red_records)) == list(map(shape, plain_records))
    assert len(red_records) == 15
    assert not any(key.startswith("_") for record in red_records for key in record)
    assert Counter(r["recipient"] for r in red_records) == Counter({"<email>": 14, "<name>": 1})


def test_no_cache_and_no_plain_database(runs: dict[str, str], monkeypatch) -> None:
    # The run wrote no result cache; the campaign rules' temporary database holds pseudonyms
    # and redacted sentences only.
    assert not (Path(runs["folder"]) / ".honestreach_cache").exists()
    from honestreach.campaign import aggregate
    from honestreach.campaign.api import audit

    dumps: list[str] = []
    findings = aggregate.CampaignRules.findings

    def dumped(self: aggregate.CampaignRules) -> list:
        self._flush()
        dumps.append("\n".join(self._db.iterdump()))
        return findings(self)

    monkeypatch.setattr(aggregate.CampaignRules, "findings", dumped)
    result = audit(PRIVACY / CAMPAIGN, crm=PRIVACY / "crm", jobs=2, redact=True)
    assert len(result.campaign_findings) == 3
    (database,) = dumps
    assert "INSERT INTO" in database and SECRETS.findall(database) == []
    assert "@" not in database
    assert SECRETS.findall(json.dumps(result.summary, ensure_ascii=False)) == []


def test_the_report_in_a_browser_shows_no_name_or_address(runs: dict[str, str]) -> None:
    from test_audit_html import CHROMIUM_ARGS, _browser_or_skip

    chromium = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    report = Path(runs["folder"]) / "red.html"
    shown: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            shown.append(page.inner_text("body"))
            rows = page.locator("#message-rows tr.message")
            assert rows.count() == 15
            # Every message opened: its text with the findings highlighted, or its error.
            for index in range(rows.count()):
                rows.nth(index).click()
                detail = page.locator("tr.detail")
                assert detail.count() == 1
                shown.append(detail.inner_text())
                rows.nth(index).click()
            page.fill("#filter-text", "<email>")
            assert page.locator("#shown-count").inner_text() == "14 of 15 messages shown"  # one "to" is a name
        finally:
            browser.close()
    text = "\n".join(shown)
    assert SECRETS.findall(text) == []
    assert "<email>" in text and "<name>" in text and "Great meeting you" in text
    assert "unreadable sent_at" in text
