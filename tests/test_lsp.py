"""``honestreach lsp`` over its real protocol: a subprocess speaking JSON-RPC on stdio, driven the
way an editor drives it (initialize, open, change, hover, code action, shutdown)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

FIXTURES = Path(__file__).parent / "fixtures"
ROBERT = "robert.lang@harbourline.example.com"
OPT_OUT = "Prefer not to hear from us? Reply STOP and we will not write again."
DRAFT = (f"Subject: Re: route planning\nTo: {ROBERT}\nDate: 2026-06-01\n\n"
         "Hi Robert,\n\n"
         "\U0001F680 Our planner is $39 a month and this price expires at midnight tonight.\n\n"
         "Ana\n")


class Client:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdio."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "honestreach", "lsp", *args], cwd=cwd,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            if not headers:
                return
            self.messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in reply, reply
        return reply["result"]

    def wait(self, wanted: Any, timeout: float = 90) -> dict[str, Any]:
        while True:
            message = self.messages.get(timeout=timeout)
            if wanted(message):
                return message

    def diagnostics(self, uri: str, version: int) -> list[dict[str, Any]]:
        message = self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri
                            and m["params"].get("version") == version)
        return message["params"]["diagnostics"]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("lsp")
    (folder / ".honestreach.yaml").write_text(f'opt-out-line: "{OPT_OUT}"\n', encoding="utf-8")
    running = Client(folder, "--crm", str(FIXTURES / "verify-crm"))
    result = running.request("initialize", {
        "processId": None, "rootUri": folder.as_uri(), "capabilities": {}})
    capabilities = result["capabilities"]
    assert capabilities["hoverProvider"] and capabilities["codeActionProvider"]
    running.notify("initialized", {})
    running.folder = folder  # type: ignore[attr-defined]
    yield running
    running.close()


def _open(client: Any, name: str, text: str, language: str = "plaintext") -> str:
    uri = (client.folder / name).as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": language, "version": 1, "text": text}})
    return uri


def test_diagnostics_hover_and_fixes(client: Any) -> None:
    uri = _open(client, "draft.txt", DRAFT)
    found = client.diagnostics(uri, 1)
    by_rule = {d["code"]: d for d in found}
    assert {"thread-reply-subject", "same-day-deadline", "missing-unsubscribe"} <= set(by_rule)
    assert all(d["source"] == "honestreach" for d in found)
    reply = by_rule["thread-reply-subject"]
    assert reply["range"] == {"start": {"line": 0, "character": 9},
                              "end": {"line": 0, "character": 12}}
    assert reply["severity"] == 1  # an error: the CRM has no thread with Robert
    # After an emoji (two UTF-16 units), columns are counted as the editor counts them.
    deadline = by_rule["same-day-deadline"]
    line = DRAFT.splitlines()[deadline["range"]["start"]["line"]]
    start = line.index("expires at midnight")
    assert deadline["range"]["start"]["character"] == start + 1

    hover = client.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": deadline["range"]["start"]})
    assert hover["contents"]["kind"] == "markdown"
    assert "same-day-deadline" in hover["contents"]["value"]
    assert "Why it matters" in hover["contents"]["value"]
    assert client.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": 4, "character": 0}}) is None

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": reply["range"],
        "context": {"diagnostics": [reply]}})
    assert [a["title"] for a in actions] == ['Drop the "Re:" from the subject']
    edit = actions[0]["edit"]["changes"][uri][0]
    assert edit == {"range": {"start": {"line": 0, "character": 9},
                              "end": {"line": 0, "character": 13}}, "newText": ""}
    opt_out = by_rule["missing-unsubscribe"]
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": opt_out["range"],
        "context": {"diagnostics": [opt_out]}})
    assert any(OPT_OUT in a["title"] for a in actions)

    # As you type: the fix made by the editor, the finding goes.
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": edit["range"], "text": ""}]})
    assert "thread-reply-subject" not in {d["code"] for d in client.diagnostics(uri, 2)}


def test_templates_and_other_files(client: Any) -> None:
    template = ("{# Subject: A note for {{ contact.first_name }} #}\n"
                "Hi *|FNAME|*,\n\nGreat meeting you at SaaStr last week.\n")
    uri = _open(client, "welcome.txt.j2", template, "jinja")
    found = client.diagnostics(uri, 1)
    token = next(d for d in found if d["code"] == "unfilled-merge-field")
    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": token["range"],
        "context": {"diagnostics": [token]}})
    assert actions and "contact.first_name" in actions[0]["edit"]["changes"][uri][0]["newText"]
    # A claim written as fixed text in a template is reported on the template's own line.
    hardcoded = next(d for d in found if d["code"] == "template-hardcoded-claim")
    assert hardcoded["range"]["start"] == {"line": 3, "character": 0}

    eml = (f"From: ana@vendor.example.com\nTo: {ROBERT}\nSubject: Hello\n"
           "MIME-Version: 1.0\nContent-Type: text/plain\n\nOnly 2 seats left, act now!\n")
    uri = _open(client, "message.eml", eml)
    assert "few-left" in {d["code"] for d in client.diagnostics(uri, 1)}
    # A buffer with no file name is read by its language.
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": "untitled:Untitled-1", "languageId": "markdown", "version": 1,
        "text": "Hurry, only 2 seats left!"}})
    assert "few-left" in {d["code"] for d in client.diagnostics("untitled:Untitled-1", 1)}
