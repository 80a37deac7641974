"""A 50 MB SQL file written into the project: the server stays up and answering (the file is left out)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import codes, request, uri, wait_until

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio(loop_scope="function")]

TABLES = "migrations/20240102000000_tables.sql"
BIG = "migrations/20250101000000_dump.sql"
SMALL = "create table app.dumped (id bigint primary key);\n"


async def test_a_50_mb_sql_file_leaves_the_server_answering(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: codes(client, root, TABLES))
    (root / BIG).write_text(SMALL)
    await wait_until(lambda: ("untested", "app.dumped") in codes(client, root, BIG))

    # grows to 50 MB (on disk, written by another process)
    with (root / BIG).open("w") as out:
        out.write(SMALL)
        chunk = "insert into app.dumped (id) values (1);\n" * 25_000
        while out.tell() < 50_000_000:
            out.write(chunk)
    assert (root / BIG).stat().st_size >= 50_000_000
    await wait_until(lambda: not codes(client, root, BIG), timeout=20)
    warned = await wait_until(
        lambda: [m for m in client.messages if "20250101000000_dump.sql is left out" in m.message]
    )
    assert warned[0].type == types.MessageType.Warning

    started = time.monotonic()
    summary = await request(client, "tapgap/summary")
    assert summary["total"]["kind"] == "total" and time.monotonic() - started < 5
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri(root, TABLES)),
            position=types.Position(line=20, character=3),
        )
    )
    assert hover is not None
    assert ("untested", "app.projects") in codes(client, root, TABLES)

    # back under the limit: analysed again
    (root / BIG).write_text(SMALL)
    await wait_until(lambda: ("untested", "app.dumped") in codes(client, root, BIG), timeout=20)
