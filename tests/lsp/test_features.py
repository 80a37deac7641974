"""Hover, code lens, definition and references, end to end."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import plain, uri

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio(loop_scope="module")]

TABLES = "migrations/20240102000000_tables.sql"
SCHEMA_TEST = "tests/00_schema.test.sql"
TASKS_TEST = "tests/01_tasks.test.sql"
TASK_CHANGES = "migrations/20240105000000_task_changes.sql"


def _doc(client: LanguageClient, name: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri(client.root, name))  # type: ignore[attr-defined]


async def test_hover_on_a_definition_lists_requirements_and_evidence(shared: LanguageClient) -> None:
    hover = await shared.text_document_hover_async(
        types.HoverParams(text_document=_doc(shared, TABLES), position=types.Position(line=20, character=3))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "table `app.projects`" in text
    assert "exists: ✓" in text and f"[{SCHEMA_TEST}:10]" in text  # a file:line link to the has_table
    assert "enabled: ✗ untested" in text  # row-level security


async def test_hover_on_an_assertion_says_what_it_checks(shared: LanguageClient) -> None:
    hover = await shared.text_document_hover_async(
        types.HoverParams(
            text_document=_doc(shared, TASKS_TEST), position=types.Position(line=4, character=9)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "has_column(name, name, name, text)" in hover.contents.value
    assert "column `app.tasks.priority`" in hover.contents.value
    throws = await shared.text_document_hover_async(
        types.HoverParams(
            text_document=_doc(shared, TASKS_TEST), position=types.Position(line=21, character=9)
        )
    )
    assert throws is not None and isinstance(throws.contents, types.MarkupContent)
    assert "exercises `app.tasks` (insert)" in throws.contents.value
    nothing = await shared.text_document_hover_async(
        types.HoverParams(
            text_document=_doc(shared, TASKS_TEST), position=types.Position(line=0, character=1)
        )
    )
    assert nothing is None


async def test_code_lens(shared: LanguageClient) -> None:
    lenses = await shared.text_document_code_lens_async(
        types.CodeLensParams(text_document=_doc(shared, TABLES))
    )
    titles = {lens.range.start.line: lens.command.title for lens in lenses if lens.command}
    assert titles[20] == "4 assertions in 2 files"  # create table app.projects
    assert titles[18] == "untested"  # create index memberships_user_idx


async def test_definition_goes_from_an_assertion_to_the_ddl(shared: LanguageClient) -> None:
    found = await shared.text_document_definition_async(
        types.DefinitionParams(
            text_document=_doc(shared, TASKS_TEST), position=types.Position(line=4, character=9)
        )
    )
    assert isinstance(found, list) and len(found) == 1
    location = found[0]
    assert isinstance(location, types.Location)
    assert location.uri == uri(shared.root, TASK_CHANGES)  # type: ignore[attr-defined]
    assert location.range.start.line == 1  # alter table ... add column priority


async def test_references_go_from_the_ddl_to_its_assertions(shared: LanguageClient) -> None:
    found = await shared.text_document_references_async(
        types.ReferenceParams(
            text_document=_doc(shared, TABLES),
            position=types.Position(line=20, character=3),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert found is not None
    where = {(loc.uri.rsplit("/", 2)[-2:][1], loc.range.start.line) for loc in found}
    assert ("00_schema.test.sql", 9) in where  # has_table('app', 'projects')
    assert ("03_rls.test.sql", 10) in where


async def test_the_lens_command_answers_the_object(shared: LanguageClient) -> None:
    lenses = await shared.text_document_code_lens_async(
        types.CodeLensParams(text_document=_doc(shared, TABLES))
    )
    command = next(lens.command for lens in lenses if lens.command and lens.range.start.line == 18)
    assert command is not None
    answer = await shared.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert plain(answer)["key"] == "app.team_members.memberships_user_idx"
