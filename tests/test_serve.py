"""``honestreach serve`` as people use it: a real server in a subprocess, its API over HTTP, and
its page in headless Chromium (driven by Playwright, as tests/test_audit_html.py does)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import jsonschema  # noqa: E402
from conftest import REPORT_SCHEMA  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
CRM = FIXTURES / "verify-crm"
ROBERT = "robert.lang@harbourline.example.com"
OPT_OUT = "Prefer not to hear from us? Reply STOP and we will not write again."
ADDRESS = "Quayside Tools Ltd, 4 Anchor Lane, Bristol BS1 4DB, United Kingdom"
# A first email to Robert that pressures him and fakes a thread. The meeting it mentions is in
# the CRM (a coffee at the LogiTech Summit on 13 May 2026).
SUBJECT = "Re: your route planning"
BODY = ("Hi Robert,\n\n"
        "Great meeting you at the LogiTech Summit in May. Our route planner is $39 a month, "
        "and this price expires at midnight tonight, so act now!\n\n"
        "Ana\n")
SECRET_BODY = "Hi Pat,\n\nThe pelican-marmalade quote is ready: $12 a seat.\n\nAna\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running ``honestreach serve`` and what it logged."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"server-{self.port}.log"
        self._log_file = open(self.log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "honestreach", "serve", "--port", str(self.port), *args],
            cwd=cwd, stdout=self._log_file, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=body, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        return status, json.loads(data) if data else None

    def check(self, fields: dict[str, Any], **headers: str) -> tuple[int, Any]:
        return self.request("POST", "/v1/check", json.dumps(fields).encode(),
                            {"Content-Type": "application/json", **headers})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    (folder / ".honestreach.yaml").write_text(
        f"opt-out-line: \"{OPT_OUT}\"\npostal-address: \"{ADDRESS}\"\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[Server]:
    running = Server(["--crm", str(CRM), "--max-request-bytes", "65536"], workdir)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def openapi(server: Server) -> dict[str, Any]:
    status, document = server.request("GET", "/openapi.json")
    assert status == 200
    return document


def assert_matches(document: dict[str, Any], schema_name: str, value: Any) -> None:
    """``value`` is valid against a schema of the server's own OpenAPI document."""
    schema = {"$ref": f"#/components/schemas/{schema_name}",
              "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(value)


# -- the API ---------------------------------------------------------------------------------

def test_health_and_openapi(server: Server, openapi: dict[str, Any]) -> None:
    status, health = server.request("GET", "/health")
    assert status == 200 and health["status"] == "ok" and health["crm"] is True
    assert_matches(openapi, "Health", health)
    assert openapi["openapi"].startswith("3.1")
    assert {"/v1/check", "/v1/rules", "/v1/rules/{rule_id}", "/health"} <= set(openapi["paths"])
    jsonschema.Draft202012Validator.check_schema({"components": openapi["components"]})


def test_check_a_draft(server: Server, openapi: dict[str, Any]) -> None:
    status, report = server.check({"subject": SUBJECT, "body": BODY, "recipient": ROBERT,
                                   "date": "2026-06-01"})
    assert status == 200
    # The report of `check --format json`, and what the OpenAPI document says it is.
    jsonschema.validate(report, REPORT_SCHEMA)
    assert_matches(openapi, "Report", report)
    file = report["files"][0]
    rules = {f["rule"] for f in file["findings"]}
    assert {"thread-reply-subject", "same-day-deadline", "missing-unsubscribe",
            "missing-postal-address"} <= rules
    assert file["recipient"] == ROBERT and file["scores"]["respect"] < 50
    assert file["scores"]["respect_reasons"]
    # Findings point into the draft as laid out: the subject on line 1 after "Subject: ".
    reply = next(f for f in file["findings"] if f["rule"] == "thread-reply-subject")
    assert (reply["line"], reply["column"]) == (1, report["layout"]["subject_column"])
    # The meeting is in the CRM; the thread is not.
    outcomes = {c["rule"]: c["outcome"] for c in report["claims"]}
    assert outcomes["thread-reply-subject"] == "contradicted"
    assert "supported" in outcomes.values()
    fixes = {fix["id"]: fix for fix in report["fixes"]}
    assert set(fixes) == {"drop-thread-prefix", "add-opt-out", "add-postal-address"}
    assert fixes["drop-thread-prefix"]["draft"]["subject"] == "your route planning"
    assert fixes["add-opt-out"]["draft"]["body"].rstrip().endswith(OPT_OUT)
    assert fixes["add-postal-address"]["draft"]["body"].rstrip().endswith(ADDRESS)


def test_a_fix_removes_its_finding(server: Server) -> None:
    status, report = server.check({"subject": SUBJECT, "body": BODY, "recipient": ROBERT,
                                   "date": "2026-06-01"})
    for fix in report["fixes"]:
        fixed = {**fix["draft"], "recipient": ROBERT, "date": "2026-06-01"}
        status, after = server.check(fixed)
        assert status == 200
        assert fix["rule"] not in {f["rule"] for f in after["files"][0]["findings"]}, fix["id"]


def test_merge_token_is_filled_from_the_crm(server: Server) -> None:
    status, report = server.check({"body": "Hi *|FNAME|*,\n\nA short note about routes.\n",
                                   "recipient": ROBERT})
    fix = next(f for f in report["fixes"] if f["id"] == "replace-merge-token")
    assert fix["draft"]["body"].startswith("Hi Robert,")
    # Without a recipient there is nothing to fill it with.
    status, report = server.check({"body": "Hi *|FNAME|*,\n\nA short note about routes.\n"})
    assert not [f for f in report["fixes"] if f["id"] == "replace-merge-token"]


def test_raw_eml_and_text(server: Server, openapi: dict[str, Any]) -> None:
    eml = (f"From: Ana <ana@vendor.example.com>\nTo: {ROBERT}\nSubject: {SUBJECT}\n"
           "Date: Mon, 1 Jun 2026 09:00:00 +0000\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable"
           "\n\n" + BODY.replace("$39", "=2439")).encode()
    status, report = server.request("POST", "/v1/check", eml,
                                    {"Content-Type": "message/rfc822"})
    assert status == 200, report
    assert_matches(openapi, "Report", report)
    assert report["layout"] is None
    assert report["files"][0]["recipient"] == ROBERT
    assert "same-day-deadline" in {f["rule"] for f in report["files"][0]["findings"]}
    # The same message inside JSON, and a text/plain draft with its header block.
    status, inside = server.check({"eml": eml.decode()})
    assert status == 200 and inside["files"][0]["findings"] == report["files"][0]["findings"]
    status, plain = server.request(
        "POST", f"/v1/check?recipient={ROBERT}&date=2026-06-01",
        f"Subject: {SUBJECT}\n\n{BODY}".encode(), {"Content-Type": "text/plain"})
    assert status == 200 and plain["files"][0]["recipient"] == ROBERT


def test_rules(server: Server, openapi: dict[str, Any]) -> None:
    status, rules = server.request("GET", "/v1/rules")
    assert status == 200 and len(rules) > 50
    for rule in rules[:5]:
        assert_matches(openapi, "RuleSummary", rule)
    status, rule = server.request("GET", "/v1/rules/same-day-deadline")
    assert status == 200
    assert_matches(openapi, "Rule", rule)
    assert rule["rationale"] and rule["examples"]["bad"] and rule["suggestion"]
    status, error = server.request("GET", "/v1/rules/same-day-deadlin")
    assert status == 404 and "same-day-deadline" in error["error"]["message"]


@pytest.mark.parametrize("body, headers, status, words", [
    (b'{"subject": "Hi", "body": ', {"Content-Type": "application/json"}, 400, "not valid JSON"),
    (b'["a draft"]', {"Content-Type": "application/json"}, 400, "JSON object"),
    (b'{"body": 42}', {"Content-Type": "application/json"}, 400, "body must be a string"),
    (b'{"body": "Hi", "sent": "today"}', {"Content-Type": "application/json"}, 400,
     "unknown field 'sent'"),
    (b'{"body": "Hi", "date": "next Tuesday"}', {"Content-Type": "application/json"}, 400,
     "YYYY-MM-DD"),
    (b'{"subject": "Hi"}', {"Content-Type": "application/json"}, 400, "body"),
    (b"<p>Hi</p>", {"Content-Type": "application/xml"}, 415, "application/json"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", {"Content-Type": "message/rfc822"}, 422,
     "binary"),
    (b"From: a@example.com\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n"
     b"iVBORw0KGgo=\n", {"Content-Type": "message/rfc822"}, 422, "no text/plain"),
    (b'{"body": "   "}', {"Content-Type": "application/json"}, 422, "empty"),
    (b'{"body": "Hi Robert", "recipient": "nobody@nowhere.example"}',
     {"Content-Type": "application/json"}, 422, "unknown recipient"),
])
def test_bad_requests_get_a_clear_4xx(server: Server, openapi: dict[str, Any], body: bytes,
                                      headers: dict[str, str], status: int, words: str) -> None:
    got, error = server.request("POST", "/v1/check", body, headers)
    assert got == status, error
    assert_matches(openapi, "Error", error)
    assert words in error["error"]["message"]
    assert str(status) in openapi["paths"]["/v1/check"]["post"]["responses"]


def test_size_limit(server: Server) -> None:
    big = json.dumps({"body": "Hello there. " * 6000}).encode()
    status, error = server.request("POST", "/v1/check", big,
                                   {"Content-Type": "application/json"})
    assert status == 413 and "65536 byte limit" in error["error"]["message"]
    # Without a Content-Length (chunked), the body is cut off at the limit all the same.
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    chunk = b"a" * 16384
    head = (b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    payload = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6)) + b"0\r\n\r\n"
    try:
        connection.sendall(head + payload)
        reply = b""
        while data := connection.recv(65536):
            reply += data
    except ConnectionResetError:
        pass
    finally:
        connection.close()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_only_localhost_names_are_served(server: Server) -> None:
    status, error = server.request("GET", "/v1/rules", headers={"Host": "attacker.example"})
    assert status == 421
    status, _ = server.request("GET", "/v1/rules", headers={"Host": f"localhost:{server.port}"})
    assert status == 200


def test_contact_search_shows_only_who_they_are(server: Server,
                                                openapi: dict[str, Any]) -> None:
    status, found = server.request("GET", "/v1/contacts?q=harbour")
    assert status == 200 and {c["email"] for c in found} == {
        ROBERT, "mira.holt@harbourline.example.com"}
    for contact in found:
        assert_matches(openapi, "Contact", contact)
        assert set(contact) == {"email", "name", "company", "title"}
    assert server.request("GET", "/v1/contacts?q=r")[0] == 400


def test_logs_hold_no_message_bodies(server: Server) -> None:
    status, _ = server.check({"body": SECRET_BODY, "to": "pat@example.com"})
    assert status == 200
    server.request("POST", "/v1/check?recipient=pat%40example.com",
                   SECRET_BODY.encode(), {"Content-Type": "text/plain"})
    time.sleep(0.3)
    log = server.log.read_text(encoding="utf-8")
    assert "POST /v1/check 200" in log
    for secret in ("pelican", "marmalade", "pat@example.com", "pat%40example.com"):
        assert secret not in log


def test_token_required_off_localhost(workdir: Path) -> None:
    refused = subprocess.run([sys.executable, "-m", "honestreach", "serve", "--host", "0.0.0.0",
                              "--port", str(free_port())], cwd=workdir, capture_output=True,
                             text=True, timeout=60, env={**os.environ, "HONESTREACH_TOKEN": ""})
    assert refused.returncode == 2 and "--token" in refused.stderr
    running = Server(["--host", "0.0.0.0", "--redact", "--crm", str(CRM)], workdir,
                     env={"HONESTREACH_TOKEN": "s3cret-token"})
    try:
        draft = {"body": "Hi Robert,\n\nWe met at the summit.\n", "recipient": ROBERT}
        assert running.check(draft)[0] == 401
        assert running.check(draft, Authorization="Bearer wrong")[0] == 401
        assert running.request("GET", "/v1/rules")[0] == 401
        assert running.request("GET", "/health")[0] == 200
        status, report = running.check(draft, Authorization="Bearer s3cret-token")
        assert status == 200
        # --redact: no address and no name of the CRM in the answer.
        text = json.dumps(report)
        assert ROBERT not in text and "Robert" not in text and "<email>" in text
        status, document = running.request("GET", "/openapi.json")
        assert "token" in document["components"]["securitySchemes"]
    finally:
        running.stop()


# -- the page, in a browser ------------------------------------------------------------------

def test_page_in_a_browser(server: Server) -> None:
    from test_audit_html import CHROMIUM_ARGS, _browser_or_skip

    chromium = _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    elsewhere: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda r: None if r.url.startswith(server.url)
                    else elsewhere.append(r.url))
            page.goto(server.url + "/")
            page.fill("#date", "2026-06-01")

            # Type a manipulative draft: the findings are marked in the text as it is typed.
            page.locator("#subject").press_sequentially(SUBJECT, delay=5)
            page.locator("#body").press_sequentially(BODY, delay=2)
            expect(page.locator("#body-backdrop mark.sev-warning").first).to_be_visible()
            expect(page.locator("#subject-backdrop mark").first).to_have_text("Re:")
            marked = page.locator("#body-backdrop mark").all_text_contents()
            assert any("expires at midnight" in text for text in marked), marked
            respect = int(page.locator("#respect .value").inner_text())
            assert respect < 50
            expect(page.locator("#respect .reasons li").first).to_be_visible()
            expect(page.locator("#relevance .value")).not_to_have_text("–")
            deadline = page.locator('#findings li[data-rule="same-day-deadline"]')
            expect(deadline).to_contain_text("Instead:")

            # The explain view shows why the rule exists.
            deadline.locator(".explain-button").click()
            expect(deadline.locator(".explain")).to_contain_text("Why it matters")

            # Without a recipient the meeting cannot be verified; pick Robert from the CRM.
            meeting = page.locator('#claims li[data-outcome]', has_text="Great meeting you")
            expect(meeting).to_have_attribute("data-outcome", "unverifiable")
            page.locator("#to").press_sequentially("harbour", delay=20)
            page.locator(f'#contacts button[data-email="{ROBERT}"]').click()
            expect(page.locator("#picked-name")).to_contain_text("Robert Lang")
            expect(meeting).to_have_attribute("data-outcome", "supported")
            expect(page.locator("#body-backdrop mark.verified").first).to_be_visible()

            # Safe fixes are offered, and applied only when accepted.
            fix = page.locator('#fixes li[data-fix="drop-thread-prefix"]')
            expect(fix).to_be_visible()
            assert page.input_value("#subject") == SUBJECT
            page.screenshot(path="/tmp/serve-page.png", full_page=True)
            fix.locator("button.apply").click()
            expect(page.locator("#subject")).to_have_value("your route planning")
            expect(page.locator('#findings li[data-rule="thread-reply-subject"]')).to_have_count(0)
            page.locator('#fixes li[data-fix="add-opt-out"] button.apply').click()
            expect(page.locator("#body")).to_have_value(BODY + "\n" + OPT_OUT + "\n")
            expect(page.locator('#findings li[data-rule="missing-unsubscribe"]')).to_have_count(0)
        finally:
            browser.close()
    assert not problems, problems
    assert not elsewhere, elsewhere


def test_generated_requests_match_the_openapi_document(server: Server,
                                                       openapi: dict[str, Any]) -> None:
    """Requests generated from the DraftRequest schema, with right and wrong types: never a
    500, and every answer is one the document lists, in the schema it gives."""
    import random

    rng = random.Random(14)
    fields = openapi["components"]["schemas"]["DraftRequest"]["properties"]
    values: list[Any] = [None, True, 7, -1.5, [], {}, "", " ", "Hi Robert", "2026-06-01",
                         "Re: quick one", ROBERT, "\x00\x01", "\U0001F680 only 2 left!",
                         "a" * 3000, BODY, "From: x@y.example\n\nHello\n", "{{first_name}}"]
    responses = openapi["paths"]["/v1/check"]["post"]["responses"]
    for _ in range(60):
        chosen = rng.sample(sorted(fields), rng.randint(0, 4))
        if rng.random() < 0.7:
            chosen.append("body")
        request = {name: rng.choice(values) for name in chosen}
        if rng.random() < 0.1:
            request["unexpected"] = 1
        status, answer = server.check(request)
        assert status != 500 and str(status) in responses, (request, answer)
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        schema_name = schema["$ref"].rsplit("/", 1)[-1]
        assert_matches(openapi, schema_name, answer)
