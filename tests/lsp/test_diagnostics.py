"""Diagnostics on open, buffer edits and files changed on disk, end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    codes,
    copy_example,
    open_document,
    replace_document,
    request,
    run_stdio,
    session,
    uri,
    wait_until,
)

pytestmark = [pytest.mark.lsp]

TABLES = "migrations/20240102000000_tables.sql"
TEST = "tests/01_tasks.test.sql"


@pytest.mark.asyncio(loop_scope="function")
async def test_diagnostics_on_open(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    found = await wait_until(lambda: codes(client, root, TABLES))
    assert ("untested", "app.projects") in found
    diagnostic = client.diagnostics[uri(root, TABLES)][0]
    assert diagnostic.source == "tapgap"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    # the load reported work-done progress
    assert any(client.progress_reports.values())


async def _open(client: LanguageClient, name: str) -> str:
    root = client.root  # type: ignore[attr-defined]
    text = (root / name).read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri(root, name), language_id="sql", version=1, text=text)
        )
    )
    return text


@pytest.mark.asyncio(loop_scope="function")
async def test_editing_a_test_buffer_clears_a_schema_diagnostic(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects") in codes(client, root, TABLES))
    text = await _open(client, TEST)
    edited = text + "\nselect table_privs_are('app', 'projects', 'x', array['select']);\n"
    edited += "select tables_are('app', array['projects']);\nselect has_table('app', 'projects');\n"
    edited += "select has_column('app', 'projects', 'id', 'projects have ids');\nselect policies_are('app', 'projects', array[]::name[]);\n"
    edited += "select is(true, (select relrowsecurity from pg_class where oid = 'app.projects'::regclass));\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(root, TEST), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    await wait_until(lambda: ("untested", "app.projects.id") not in codes(client, root, TABLES))
    # the file on disk did not change: closing the buffer brings the diagnostic back
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(root, TEST)))
    )
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))


@pytest.mark.asyncio(loop_scope="function")
async def test_incremental_edits_and_stale_versions(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))
    text = await _open(client, TEST)
    end = types.Position(line=len(text.splitlines()), character=0)
    for version, line in enumerate(
        ["select 1;\n", "select has_column('app', 'projects', 'id', 'projects have ids');\n"], start=2
    ):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri(root, TEST), version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text=line)
                ],
            )
        )
    await wait_until(lambda: ("untested", "app.projects.id") not in codes(client, root, TABLES))


@pytest.mark.asyncio(loop_scope="function")
async def test_a_file_written_on_disk_updates_diagnostics(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))
    (root / "tests" / "09_new.test.sql").write_text(
        "begin;\nselect plan(1);\nselect has_column('app', 'projects', 'id', 'projects have ids');\nselect * from finish();\nrollback;\n"
    )
    await wait_until(lambda: ("untested", "app.projects.id") not in codes(client, root, TABLES))
    (root / "tests" / "09_new.test.sql").unlink()
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))


@pytest.mark.asyncio(loop_scope="function")
async def test_did_change_watched_files_is_honoured(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))
    path = root / "tests" / "09_new.test.sql"
    path.write_text("select has_column('app', 'projects', 'id', 'projects have ids');\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await wait_until(lambda: ("untested", "app.projects.id") not in codes(client, root, TABLES))
    # the observer saw the same change: it is analysed once (one coverageChanged, not two)
    await asyncio.sleep(0.5)
    assert len(client.coverage) == 1  # type: ignore[attr-defined]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_file_moved_on_disk(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    path = root / "tests" / "09_new.test.sql"
    path.write_text("select has_column('app', 'projects', 'id', 'projects have ids');\n")
    await wait_until(lambda: ("untested", "app.projects.id") not in codes(client, root, TABLES))
    path.rename(root / "tests" / "09_new.test.sql.off")  # no longer a test file
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))
    (root / "tests" / "09_new.test.sql.off").rename(root / "tests" / "10_back.test.sql")
    await wait_until(lambda: ("untested", "app.projects.id") not in codes(client, root, TABLES))


@pytest.mark.asyncio(loop_scope="function")
async def test_coverage_changed_is_notified(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: codes(client, root, TABLES))
    text = open_document(client, TEST)
    replace_document(client, TEST, text + "select has_column('app', 'projects', 'id', 'ids');\n", 2)
    coverage: list[Any] = client.coverage  # type: ignore[attr-defined]
    await wait_until(lambda: coverage)
    assert coverage[-1]["total"]["covered"] == 52
    summary = await request(client, "tapgap/summary")
    assert summary["total"] == coverage[-1]["total"]


def test_lenient_level_makes_untested_an_information(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    (root / "tapgap.toml").write_text('level = "lenient"\n')
    published = [
        m["params"] for m in run_stdio(session(root)) if m.get("method") == "textDocument/publishDiagnostics"
    ]
    untested = [d for p in published for d in p["diagnostics"] if d["code"] == "untested"]
    assert untested and {d["severity"] for d in untested} == {types.DiagnosticSeverity.Information.value}
    assert all(d["source"] == "tapgap" and d["data"]["object"] for d in untested)


@pytest.mark.asyncio(loop_scope="function")
async def test_a_new_configuration_reloads_the_project(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects.id") in codes(client, root, TABLES))

    def severities() -> set[Any]:
        return {d.severity for d in client.diagnostics.get(uri(root, TABLES), []) if d.code == "untested"}

    assert severities() == {types.DiagnosticSeverity.Warning}
    (root / "tapgap.toml").write_text('level = "lenient"\n')
    await wait_until(lambda: severities() == {types.DiagnosticSeverity.Information})
    summary = await request(client, "tapgap/summary")
    assert summary["level"] == "lenient"
