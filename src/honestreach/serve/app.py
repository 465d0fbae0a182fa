"""The web application: the page, the JSON API and the guards around them.

A thin layer over :class:`~honestreach.drafts.DraftChecker`, as the command line is over the
pipeline. Safe by default: the command binds it to 127.0.0.1 and requires a token on any other
address; request bodies and check times are bounded; the CRM is shown only as the names of the
contacts a search matches and the verdicts for the recipient being checked; nothing is fetched
from the network (the page's script and style are served from the package); and the log has one
line per request with no body, query or header in it.
"""

from __future__ import annotations

import difflib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import __version__
from ..drafts import DRAFT_PATH, Checked, Draft, DraftChecker, UnknownRecipient, \
    draft_text, report_dict, rule_detail, rule_summary
from ..message import parse_draft
from .openapi import openapi_document

HERE = Path(__file__).parent
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 10.0
MAX_CONTACTS = 10
# What a request body may hold, by its Content-Type, and the path it is read as.
RAW_PATHS = {"message/rfc822": "message.eml", "text/plain": DRAFT_PATH}
DRAFT_FIELDS = frozenset({"body", "subject", "to", "from", "eml", "recipient", "date",
                          "show_verified"})

log = logging.getLogger("honestreach.serve")

# The page loads only its own script and style, and talks only to this server.
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
     b"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


@dataclass(frozen=True)
class ServeSettings:
    """How the server guards itself (see the module docstring)."""

    host: str = "127.0.0.1"
    token: str | None = None
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    timeout: float = DEFAULT_TIMEOUT


def is_loopback(host: str) -> bool:
    return host.strip("[]") in LOOPBACK_HOSTS or host.startswith("127.")


class ApiError(Exception):
    """A request the API refuses, with its status and one clear line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


class Guard:
    """ASGI middleware: the Host check (bound to loopback, only loopback names are served, so a
    web page cannot reach the API through DNS rebinding), the token, the size limit on bodies,
    security headers, and one log line per request without its body, query or headers."""

    def __init__(self, app: ASGIApp, settings: ServeSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                message = {**message, "headers": headers}
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, _limited(receive, self.settings.max_request_bytes),
                               send_with_headers)
        except Exception as exc:
            # Already answered with a 500; the server's own log would print the traceback,
            # whose values may quote the message.
            log.error("internal error: %s", type(exc).__name__)
        finally:
            log.info("%s %s %d %.1f ms", scope["method"], path, status,
                     (time.perf_counter() - started) * 1000)

    def _refusal(self, scope: Scope) -> Response | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if is_loopback(self.settings.host):
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if not is_loopback(name):
                return error_response(421, "this server answers only to localhost names")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return error_response(400, "invalid Content-Length")
            if int(length) > self.settings.max_request_bytes:
                return _too_large(self.settings.max_request_bytes)
        token = self.settings.token
        needs_token = scope["path"].startswith("/v1/")
        if token and needs_token and not _token_matches(headers, token):
            response = error_response(401, "a token is required: send 'Authorization: Bearer "
                                           "TOKEN' (the token given to honestreach serve)")
            response.headers["www-authenticate"] = "Bearer"
            return response
        return None


def _token_matches(headers: dict[str, str], token: str) -> bool:
    given = headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(),
                                                              token.encode())


class BodyTooLarge(Exception):
    pass


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops a body (sent without a length, or lying about it) at ``limit``."""
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return limited


def _too_large(limit: int) -> JSONResponse:
    return error_response(413, f"the request body is larger than the {limit} byte limit")


def create_app(checker: DraftChecker, settings: ServeSettings = ServeSettings()) -> ASGIApp:
    """The application for one checker (its rules, configuration and CRM)."""
    pages = Environment(loader=FileSystemLoader(str(HERE / "page")),
                        autoescape=select_autoescape(["html"]))
    document = openapi_document(bool(settings.token))
    ruleset = checker.linter.ruleset(checker.linter.config_for(DRAFT_PATH))
    rules = {rule.id: rule for rule in ruleset.rules}

    async def page(request: Request) -> Response:
        html = pages.get_template("page.html").render(
            version=__version__, crm=checker.crm is not None,
            token_required=bool(settings.token), redact=checker.redact)
        return HTMLResponse(html)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "rules": len(rules),
                             "crm": checker.crm is not None})

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    async def list_rules(request: Request) -> Response:
        return JSONResponse([rule_summary(rule) for rule in rules.values()])

    async def get_rule(request: Request) -> Response:
        rule_id = request.path_params["rule_id"]
        rule = rules.get(rule_id)
        if rule is None:
            close = difflib.get_close_matches(rule_id, sorted(rules), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            return error_response(404, f"no rule {rule_id!r}{hint}")
        return JSONResponse(rule_detail(rule))

    async def contacts(request: Request) -> Response:
        query = request.query_params.get("q", "").strip().casefold()
        if len(query) < 2:
            return error_response(400, "q must have at least 2 characters")
        found = []
        for contact in checker.crm.contacts if checker.crm is not None else ():
            name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
            if any(query in (value or "").casefold()
                   for value in (name, contact.email, contact.company)):
                found.append({"email": contact.email, "name": name,
                              "company": contact.company, "title": contact.title})
                if len(found) == MAX_CONTACTS:
                    break
        return JSONResponse(found)

    async def check(request: Request) -> Response:
        try:
            return await _check(request, checker, settings)
        except ApiError as exc:
            return error_response(exc.status, exc.message)
        except BodyTooLarge:
            return _too_large(settings.max_request_bytes)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        return error_response(500, f"internal error: {type(exc).__name__}")

    routes = [
        Route("/", page),
        Route("/health", health),
        Route("/openapi.json", openapi),
        Route("/v1/check", check, methods=["POST"]),
        Route("/v1/rules", list_rules),
        Route("/v1/rules/{rule_id}", get_rule),
        Route("/v1/contacts", contacts),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error,
                                                       Exception: server_error})
    return Guard(app, settings)


async def _check(request: Request, checker: DraftChecker, settings: ServeSettings) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    layout = None
    draft: Draft | None = None
    if media == "application/json":
        fields = _json_fields(body)
        recipient = _optional_text(fields, "recipient")
        day = _day(fields.get("date"))
        show_verified = fields.get("show_verified", False)
        if not isinstance(show_verified, bool):
            raise ApiError(400, "show_verified must be true or false")
        if "eml" in fields:
            path, data = "message.eml", _text(fields, "eml").encode("utf-8")
        else:
            draft = Draft(_text(fields, "body"), _optional_text(fields, "subject"),
                          _optional_text(fields, "to"), _optional_text(fields, "from"))
            text, layout = draft_text(draft)
            path, data = DRAFT_PATH, text.encode("utf-8")
    elif media in RAW_PATHS:
        path, data = RAW_PATHS[media], body
        recipient = request.query_params.get("recipient") or None
        day = _day(request.query_params.get("date"))
        show_verified = request.query_params.get("show_verified", "").lower() in ("1", "true")
    else:
        raise ApiError(415, "send application/json (a draft's fields), message/rfc822 (a raw "
                            "message) or text/plain (a draft)")

    def run() -> Checked:
        return checker.check(path, data, recipient, day, show_verified)

    try:
        with anyio.fail_after(settings.timeout):
            checked = await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
    except TimeoutError:
        raise ApiError(503, f"the check took longer than {settings.timeout:g} s") from None
    except UnknownRecipient as exc:
        raise ApiError(422, str(exc)) from None
    if not checked.checked:
        reason = "; ".join(e.message for e in checked.result.errors) or "not checked"
        raise ApiError(422, f"cannot check this input: {reason}")
    report = report_dict(checked, checker.linter)
    report["layout"] = None
    if draft is not None and layout is not None:
        report["layout"] = {"subject_column": layout.subject_column,
                            "body_line": layout.body_line}
        for fix, entry in zip(checked.fixes, report["fixes"]):
            entry["draft"] = _fixed_fields(fix.apply(checked.text), draft)
    return JSONResponse(report)


def _fixed_fields(text: str, draft: Draft) -> dict[str, Any]:
    """A draft's subject and body after a fix, read back from its laid-out text."""
    fixed = parse_draft(DRAFT_PATH, text)
    subject = fixed.headers.get("subject") if draft.subject is not None else None
    return {"subject": subject, "body": fixed.body.text}


def _json_fields(body: bytes) -> dict[str, Any]:
    try:
        fields = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise ApiError(400, "the request body must be a JSON object")
    unknown = sorted(set(fields) - DRAFT_FIELDS)
    if unknown:
        raise ApiError(400, f"unknown field {unknown[0]!r}; the fields are "
                            f"{', '.join(sorted(DRAFT_FIELDS))}")
    if "eml" in fields and "body" in fields:
        raise ApiError(400, "send either eml (a raw message) or body (a draft), not both")
    if "eml" not in fields and "body" not in fields:
        raise ApiError(400, "body (a draft) or eml (a raw message) is required")
    return fields


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string")
    return value


def _optional_text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string or null")
    return value.strip() or None


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ApiError(400, "date must be a date written YYYY-MM-DD")

