"""In process: an update that fails leaves a server that reloads from disk and keeps publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tapgap.live import Delta
from tapgap.lsp.session import TapgapServer, plain
from tapgap.lsp.settings import ClientSettings
from tapgap.workspace import FileEvent, Workspace
from tests.lsp.conftest import copy_example

pytestmark = pytest.mark.lsp

TABLES = "migrations/20240102000000_tables.sql"


class Recording(TapgapServer):
    def __init__(self) -> None:
        super().__init__(use_cache=False)
        self.sent: list[types.PublishDiagnosticsParams] = []
        self.notified: list[tuple[str, Any]] = []

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        self.sent.append(params)

    def notify_coverage(self) -> None:
        self.notified.append(("tapgap/coverageChanged", self.analysis().index.total))


def test_a_failed_update_reloads_the_project(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    server = Recording()
    server.root = root
    server.open_project(root)
    server.publish_all()
    assert any(p.uri.endswith(TABLES) and p.diagnostics for p in server.sent)
    server.sent.clear()

    (root / TABLES).unlink()  # the file vanished; then the update blows up half-way

    def failing(project: Workspace) -> Delta:
        project.entries.clear()
        raise FileNotFoundError(root / TABLES)

    server.mutate(failing)
    tables = [p for p in server.sent if p.uri.endswith(TABLES)]
    assert tables and tables[-1].diagnostics == []  # reloaded from disk: the file's findings are gone
    assert server.notified  # and the figures changed
    assert server.analysis().index.total.requirements > 0

    # the next update works as usual
    test = root / "tests" / "09_new.test.sql"
    test.write_text("select has_table('app', 'nothing_here');\n")
    server.mutate(lambda project: project.apply([FileEvent("created", test)]))
    assert any(p.uri.endswith("09_new.test.sql") for p in server.sent)
    server.stop()


def test_a_request_before_initialized_gets_the_new_sessions_settings(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    server = Recording()
    params = types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri())
    list(server.protocol.lsp_initialize(params))  # pygls's own part of initialize: its workspace
    server.root = root
    server.open_project(root)
    # A daemon's next session: initialize brought a level; its initialized has not run yet.
    server.reconfigured = server.configure({"level": "lenient"}, ClientSettings())
    assert server.reconfigured
    assert server.analysis().index.level == "lenient"
    assert not server.reconfigured  # initialized has nothing left to apply
    server.stop()


def test_plain_turns_namedtuples_back_into_dicts() -> None:
    from collections import namedtuple

    point = namedtuple("point", ["line", "character"])
    assert plain({"a": [point(1, 2)]}) == {"a": [{"line": 1, "character": 2}]}
    assert plain(point(1, 2)) == {"line": 1, "character": 2}
