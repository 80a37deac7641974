"""The tapgap language server (pygls 2.x): wiring of LSP messages and custom methods to the session."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path

from tapgap.coverage.requirements import Level
from tapgap.lsp import actions, diagnostics, features, methods, query
from tapgap.lsp.session import TapgapServer, log, plain
from tapgap.lsp.settings import ClientSettings
from tapgap.lsp.tcp import parse_tcp
from tapgap.workspace import FileEvent

__all__ = ["TapgapServer", "build_server", "plain", "serve"]


_WATCHED = {
    types.FileChangeType.Created: "created",
    types.FileChangeType.Changed: "changed",
    types.FileChangeType.Deleted: "deleted",
}


def _root_of(params: types.InitializeParams) -> Path | None:
    if params.workspace_folders:
        path = to_fs_path(params.workspace_folders[0].uri)
        if path:
            return Path(path)
    if params.root_uri:
        path = to_fs_path(params.root_uri)
        if path:
            return Path(path)
    if params.root_path:
        return Path(params.root_path)
    return None


def build_server(
    cache_dir: Path | None = None, use_cache: bool = True, level: Level | None = None
) -> TapgapServer:
    server = TapgapServer(cache_dir, use_cache, level)

    @server.feature(types.INITIALIZE)
    def initialize(ls: TapgapServer, params: types.InitializeParams) -> None:
        root = _root_of(params)
        if root is not None and ls.daemon_root is None:
            ls.pending_root = root.absolute()
        # Each session starts from the defaults: a daemon's next editor does not inherit the last one's.
        changed = ls.configure(params.initialization_options, ClientSettings())
        ls.reconfigured = changed and ls.project is not None

    @server.feature(types.INITIALIZED)
    async def initialized(ls: TapgapServer, params: types.InitializedParams) -> None:
        if ls.project is not None:  # a daemon's next editor session: everything is news to this client
            ls.published.clear()
            if ls.reconfigured:
                ls.reconfigured = False
                ls.reload()
            else:
                ls.publish_all()
            return
        if ls.pending_root is None:
            return
        window = ls.client_capabilities.window
        token: str | None = None
        if window is not None and window.work_done_progress:
            token = f"tapgap-load-{uuid.uuid4()}"
            try:
                await ls.work_done_progress.create_async(token)
                ls.work_done_progress.begin(
                    token, types.WorkDoneProgressBegin(title="tapgap", message="analysing the project")
                )
            except Exception:
                token = None
        try:
            ls.ensure_project()
        except Exception as exc:
            log.exception("tapgap: cannot load the project")
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"tapgap: {exc}")
            )
            return
        finally:
            if token is not None:
                ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: TapgapServer, params: None) -> None:
        if ls.daemon_root is None:  # a daemon outlives its editor sessions
            ls.stop()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: TapgapServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule_document(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TapgapServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: TapgapServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule_document(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TapgapServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close_document(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: TapgapServer, params: types.DidChangeConfigurationParams) -> None:
        if ls.configure(params.settings, ls.settings):
            ls.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: TapgapServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path and ls.watched(Path(path)):
                kind = _WATCHED.get(change.type, "changed")
                ls.file_event(FileEvent(kind, Path(path).absolute()))  # type: ignore[arg-type]

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: TapgapServer, params: types.HoverParams) -> types.Hover | None:
        where = ls.relative_name(params.text_document.uri)
        return None if where is None else features.hover(ls.analysis(), where[1], params.position)

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: TapgapServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        where = ls.relative_name(params.text_document.uri)
        return [] if where is None else features.code_lenses(ls.analysis(), where[1])

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: TapgapServer, params: types.DefinitionParams) -> list[types.Location]:
        where = ls.relative_name(params.text_document.uri)
        return [] if where is None else features.definition(ls.analysis(), where[1], params.position)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: TapgapServer, params: types.ReferenceParams) -> list[types.Location]:
        where = ls.relative_name(params.text_document.uri)
        return [] if where is None else features.references(ls.analysis(), where[1], params.position)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: TapgapServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        found: list[types.CodeAction] = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != diagnostics.SOURCE:
                continue
            action: types.CodeAction | None = None
            if diagnostic.code == "ambiguous-call":
                action = actions.ambiguous_action(uri, ls.workspace.get_text_document(uri).source, diagnostic)
            elif diagnostic.code == "untested":
                analysis = ls.analysis()
                assert ls.project is not None and ls.root is not None
                folder = actions.test_folder(ls.root, ls.project.test_order)
                action = actions.untested_action(analysis, folder, diagnostic)
                tests = set(ls.project.test_order)
                for doc in list(ls.workspace.text_documents.values()):  # open test files: append there
                    where = ls.relative_name(doc.uri)
                    if where is not None and where[0] in tests:
                        extra = actions.append_action(
                            analysis, diagnostic, doc.uri, where[1], doc.source, doc.version
                        )
                        if extra is not None:
                            found.append(extra)
            if action is not None:
                found.append(action)
        return found

    @server.command(features.SHOW_OBJECT)
    def show_object(ls: TapgapServer, key: str) -> dict[str, Any] | None:
        """The code lens command: the object, as ``tapgap/object`` answers it."""
        found = methods.find_object(ls.analysis(), key)
        return None if found is None else methods.object_json(found)

    def answer(ls: TapgapServer, method: str, params: Any) -> Any:
        ls.analysis()
        assert ls.project is not None
        try:
            return query.dispatch(ls.project, method, plain(params))
        except query.QueryError as exc:
            raise JsonRpcInvalidParams(exc.message) from exc

    @server.feature(methods.SUMMARY)
    def summary(ls: TapgapServer, params: Any) -> Any:
        return answer(ls, methods.SUMMARY, params)

    @server.feature(methods.GAPS)
    def gaps(ls: TapgapServer, params: Any) -> Any:
        return answer(ls, methods.GAPS, params)

    @server.feature(methods.OBJECT)
    def object_(ls: TapgapServer, params: Any) -> Any:
        return answer(ls, methods.OBJECT, params)

    return server


def serve(
    tcp: str | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    level: Level | None = None,
    socket_path: Path | None = None,
    root: Path | None = None,
) -> None:
    """stdio by default; with ``socket_path`` or ``tcp``, a daemon for ``root`` (see ``daemon.py``)."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    server = build_server(cache_dir, use_cache, level)
    try:
        if tcp is None and socket_path is None:
            server.start_io()
        else:
            from tapgap.lsp.daemon import run_daemon

            address = None if tcp is None else parse_tcp(tcp)
            run_daemon(server, (root or Path.cwd()).absolute(), socket_path, address)
    finally:
        server.stop()
