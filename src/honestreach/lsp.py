"""``honestreach lsp``: a Language Server (pygls) for drafts and templates.

Diagnostics as you type (debounced) for ``.txt``, ``.md``, ``.eml``, ``.html`` and Jinja2
template files, with the rules, configuration (the nearest ``.honestreach.yaml`` above the file)
and CRM that ``check`` would use; a hover shows the rule's explanation; code actions offer the
safe fixes of :mod:`honestreach.fixes`. Needs the ``serve`` extra.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from ._version import __version__
from .drafts import Checked, DraftChecker
from .model import SourceText
from .sources import MESSAGE_SUFFIXES

# Wait this long after the last keystroke before checking: a check per keystroke is wasted.
DEBOUNCE_SECONDS = 0.25
SOURCE = "honestreach"
SEVERITIES = {"error": types.DiagnosticSeverity.Error,
              "warning": types.DiagnosticSeverity.Warning,
              "info": types.DiagnosticSeverity.Information}
# Documents without a file name (an unsaved buffer) are read by their language.
LANGUAGE_SUFFIXES = {"plaintext": ".txt", "markdown": ".md", "html": ".html", "eml": ".eml",
                     "jinja": ".j2", "jinja-html": ".j2", "jinja2": ".j2"}


class HonestreachServer(LanguageServer):
    """The language server, holding the last check of each open document."""

    def __init__(self, checker: DraftChecker) -> None:
        super().__init__(SOURCE, __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.checker = checker
        self.results: dict[str, Checked] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}

    def path_for(self, document: TextDocument) -> str | None:
        """The file path a document is checked as, or None for documents not checked."""
        path = to_fs_path(document.uri) if document.uri.startswith("file:") else None
        if path and Path(path).suffix.lower() in MESSAGE_SUFFIXES:
            return path
        suffix = LANGUAGE_SUFFIXES.get(document.language_id or "")
        if suffix is None:
            return None
        return str(Path(path).with_suffix(suffix)) if path else "untitled" + suffix

    def schedule(self, uri: str, delay: float) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        document = self.workspace.get_text_document(uri)
        path = self.path_for(document)
        if path is None:
            return
        version, text = document.version, document.source
        checked = await asyncio.to_thread(self.checker.check, path, text.encode("utf-8"))
        document = self.workspace.get_text_document(uri)
        if document.version != version:
            return  # edited meanwhile: the next check is on its way
        self.results[uri] = checked
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=diagnostics(document, checked)))

    def forget(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.results.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _range(document: TextDocument, line: int, column: int, end_line: int,
           end_column: int) -> types.Range:
    """A 1-based span in code points as an LSP range in the client's units."""
    return document.range_to_client_units(ServerTextRange(
        ServerTextPosition(line - 1, column - 1), ServerTextPosition(end_line - 1,
                                                                     end_column - 1)))


def diagnostics(document: TextDocument, checked: Checked) -> list[types.Diagnostic]:
    """The findings and errors of a check, as diagnostics."""
    result = checked.result
    found = []
    for finding in result.findings:
        loc = finding.location
        found.append(types.Diagnostic(
            range=_range(document, loc.line, loc.column, loc.end_line, loc.end_column),
            message=finding.message + (f"\nInstead: {finding.suggestion}"
                                       if finding.suggestion else ""),
            severity=SEVERITIES[finding.severity], code=finding.rule, source=SOURCE,
            data={"category": finding.category}))
    for error in result.errors:
        line = error.line or 1
        found.append(types.Diagnostic(
            range=_range(document, line, 1, line, 1), message=error.message,
            severity=types.DiagnosticSeverity.Error, source=SOURCE))
    return found


def hover_text(server: HonestreachServer, document: TextDocument,
               position: types.Position) -> str | None:
    """The explanation of each rule whose finding covers ``position``, as Markdown."""
    checked = server.results.get(document.uri)
    path = server.path_for(document)
    if checked is None or path is None:
        return None
    where = document.position_from_client_units(position)
    line, column = where.line + 1, where.character + 1
    linter = server.checker.linter
    ruleset = linter.ruleset(linter.config_for(path))
    parts = []
    for finding in checked.result.findings:
        loc = finding.location
        if (loc.line, loc.column) <= (line, column) <= (loc.end_line, loc.end_column):
            rule = ruleset.get(finding.rule)
            if rule is None:
                continue
            parts.append(f"**{rule.name}** (`{rule.id}`, {rule.category}, {finding.severity})"
                         f"\n\n{finding.message}\n\n**Why it matters:** "
                         f"{' '.join(rule.rationale.split())}\n\n**Instead:** "
                         f"{' '.join(rule.suggestion.split())}")
    return "\n\n---\n\n".join(parts) or None


def code_actions(server: HonestreachServer, document: TextDocument,
                 params: types.CodeActionParams) -> list[types.CodeAction]:
    """The safe fixes of the findings in the requested range."""
    checked = server.results.get(document.uri)
    if checked is None or checked.text != document.source:
        return []  # a fix computed on other text would land in the wrong place
    wanted = document.range_from_client_units(params.range)
    source = SourceText(checked.text)
    actions = []
    for fix in checked.fixes:
        finding = next((f for f in checked.result.findings
                        if f.rule == fix.rule and (f.location.line, f.location.column)
                        == (fix.line, fix.column)), None)
        if finding is None:
            continue
        loc = finding.location
        span = ServerTextRange(ServerTextPosition(loc.line - 1, loc.column - 1),
                               ServerTextPosition(loc.end_line - 1, loc.end_column - 1))
        if not span.overlaps(wanted):
            continue
        edits = []
        for edit in fix.edits:
            start, end = source.position(edit.start), source.position(edit.end)
            edits.append(types.TextEdit(range=_range(document, *start, *end),
                                        new_text=edit.text))
        related = [d for d in params.context.diagnostics if d.code == fix.rule]
        actions.append(types.CodeAction(
            title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=related or None,
            is_preferred=True,
            edit=types.WorkspaceEdit(changes={document.uri: edits})))
    return actions


def create_server(checker: DraftChecker) -> HonestreachServer:
    """A language server for one checker (rules, configuration, CRM)."""
    server = HonestreachServer(checker)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: HonestreachServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: HonestreachServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: HonestreachServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: HonestreachServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: HonestreachServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        text = hover_text(ls, document, params.position)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=text))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: HonestreachServer,
                    params: types.CodeActionParams) -> list[types.CodeAction]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        return code_actions(ls, document, params)

    return server


def run_lsp(checker: DraftChecker) -> None:
    """Serve the Language Server Protocol on standard input and output."""
    create_server(checker).start_io()


__all__ = ["HonestreachServer", "create_server", "diagnostics", "run_lsp"]
