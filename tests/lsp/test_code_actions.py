"""Code actions end to end: the quick fix for ``ambiguous-call`` and the test stub for ``untested``, applied
as an editor would, then re-analysed by the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import codes, open_document, replace_document, uri, wait_until

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio(loop_scope="function")]

TABLES = "migrations/20240102000000_tables.sql"
AMBIGUOUS = "tests/05_ambiguous.test.sql"
AMBIGUOUS_TEXT = """begin;
select plan(2);
select policy_cmd_is('app', 'teams',
    'teams_insert_own', 'INSERT');
select col_has_default('app', 'tasks', 'status');
select * from finish();
rollback;
"""


def apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(position: types.Position) -> int:
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: at(e.range.start), reverse=True):
        text = text[: at(edit.range.start)] + edit.new_text + text[at(edit.range.end) :]
    return text


async def _actions(client: LanguageClient, name: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    root = client.root  # type: ignore[attr-defined]
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri(root, name)),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


async def test_ambiguous_call_quick_fixes(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: codes(client, root, TABLES))
    (root / AMBIGUOUS).write_text(AMBIGUOUS_TEXT)
    await wait_until(lambda: len(codes(client, root, AMBIGUOUS)) == 2)
    text = open_document(client, AMBIGUOUS)
    version = 1
    for diagnostic in list(client.diagnostics[uri(root, AMBIGUOUS)]):
        assert diagnostic.code == "ambiguous-call"
        (action,) = await _actions(client, AMBIGUOUS, diagnostic)
        assert action.kind == types.CodeActionKind.QuickFix and action.edit and action.edit.changes
        text = apply(text, action.edit.changes[uri(root, AMBIGUOUS)])
    assert (
        "select policy_cmd_is('app'::name, 'teams'::name,\n    'teams_insert_own'::name, 'INSERT');" in text
    )
    assert "select col_has_default('app', 'tasks', 'status', 'column app.tasks.status');" in text
    version += 1
    replace_document(client, AMBIGUOUS, text, version)
    await wait_until(lambda: not codes(client, root, AMBIGUOUS))


async def test_untested_creates_a_test_file_that_covers_the_object(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects") in codes(client, root, TABLES))
    diagnostic = next(
        d
        for d in client.diagnostics[uri(root, TABLES)]
        if d.code == "untested" and d.message.startswith("rls app.projects:")
    )
    (action,) = await _actions(client, TABLES, diagnostic)
    assert action.edit is not None and action.edit.document_changes is not None
    create, edit = action.edit.document_changes
    assert isinstance(create, types.CreateFile) and isinstance(edit, types.TextDocumentEdit)
    assert create.uri == uri(root, "tests/rls_app_projects.test.sql") == edit.text_document.uri
    stub = apply("", [e for e in edit.edits if isinstance(e, types.TextEdit)])
    assert "select plan(1);" in stub and "select tests.rls_enabled('app', 'projects');" in stub
    (root / "tests/rls_app_projects.test.sql").write_text(stub)  # the editor applies the edit and saves
    await wait_until(
        lambda: (
            not any(
                d.code == "untested" and d.message.startswith("rls app.projects:")
                for d in client.diagnostics.get(uri(root, TABLES), [])
            )
        )
    )
    assert codes(client, root, "tests/rls_app_projects.test.sql") == []


async def test_untested_appends_to_an_open_test_file(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: ("untested", "app.projects") in codes(client, root, TABLES))
    rls_test = "tests/03_rls.test.sql"
    text = open_document(client, rls_test)
    diagnostic = next(
        d
        for d in client.diagnostics[uri(root, TABLES)]
        if d.code == "untested" and d.message.startswith("rls app.projects:")
    )
    found = await _actions(client, TABLES, diagnostic)
    assert [a.title for a in found] == [
        f"Add tests for rls app.projects to {rls_test}",
        "Create a pgTAP test for rls app.projects (rls_app_projects.test.sql)",
    ]
    edit = found[0].edit
    assert edit is not None and edit.document_changes is not None
    (change,) = edit.document_changes
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 1
    new = apply(text, [e for e in change.edits if isinstance(e, types.TextEdit)])
    assert "select plan(13);" in new and "select tests.rls_enabled('app', 'projects');\n" in new
    replace_document(client, rls_test, new, 2)
    await wait_until(
        lambda: (
            not any(
                d.code == "untested" and d.message.startswith("rls app.projects:")
                for d in client.diagnostics.get(uri(root, TABLES), [])
            )
        )
    )
    assert "plan-mismatch" not in [c for c, _ in codes(client, root, rls_test)]
