"""The custom JSON-RPC methods and the coverageChanged notification, end to end."""

from __future__ import annotations

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.conftest import request, uri

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio(loop_scope="module")]

TABLES = "migrations/20240102000000_tables.sql"
TEST = "tests/01_tasks.test.sql"


async def test_summary(shared: LanguageClient) -> None:
    answer = await request(shared, "tapgap/summary", {})
    assert answer["level"] == "normal"
    total = answer["total"]
    assert total["kind"] == "total" and total["requirements"] == 98 and total["covered"] == 51
    assert {k["kind"] for k in answer["kinds"]} >= {"table", "column", "function"}
    assert sum(k["requirements"] for k in answer["kinds"]) == total["requirements"]


async def test_gaps_filters(shared: LanguageClient) -> None:
    everything = await request(shared, "tapgap/gaps", {})
    assert everything["count"] == len(everything["objects"]) > 0
    columns = await request(shared, "tapgap/gaps", {"kind": "column", "file": TABLES})
    assert columns["count"] > 0
    assert all(o["kind"] == "column" and o["file"] == TABLES and o["missing"] for o in columns["objects"])
    assert "app.projects.id" in {o["key"] for o in columns["objects"]}
    by_uri = await request(shared, "tapgap/gaps", {"kind": "column", "file": uri(shared.root, TABLES)})  # type: ignore[attr-defined]
    assert by_uri == columns
    lenient = await request(shared, "tapgap/gaps", {"level": "lenient"})
    assert lenient["level"] == "lenient" and lenient["count"] < everything["count"]


async def test_object_by_key_and_by_position(shared: LanguageClient) -> None:
    root = shared.root  # type: ignore[attr-defined]
    by_key = await request(shared, "tapgap/object", {"key": "app.projects"})
    assert by_key["kind"] == "table" and by_key["file"] == TABLES
    exists = next(r for r in by_key["requirements"] if r["facet"] == "exists")
    assert exists["covered"] and exists["evidence"][0]["file"] == "tests/00_schema.test.sql"
    at = await request(
        shared,
        "tapgap/object",
        {"textDocument": {"uri": uri(root, TABLES)}, "position": {"line": 21, "character": 2}},
    )
    assert at["key"] == "app.projects"
    assert await request(shared, "tapgap/object", {"key": "app.nothing"}) is None
