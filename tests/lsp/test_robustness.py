"""Bad input leaves the server running and answering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import codes, copy_example, open_document, replace_document, request, wait_until

pytestmark = [pytest.mark.lsp]

TABLES = "migrations/20240102000000_tables.sql"
TEST = "tests/01_tasks.test.sql"


async def _still_answers(client: LanguageClient) -> None:
    answer = await request(client, "tapgap/summary")
    assert answer["total"]["kind"] == "total"


@pytest.mark.asyncio(loop_scope="function")
async def test_unknown_method_and_bad_params(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException):
        await request(client, "tapgap/nothing", {})
    with pytest.raises(JsonRpcException):
        await request(client, "tapgap/gaps", {"level": "extreme"})
    with pytest.raises(JsonRpcException):
        await request(client, "tapgap/object", {"position": 3})
    await _still_answers(client)


@pytest.mark.asyncio(loop_scope="function")
async def test_a_file_that_vanishes(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: codes(client, root, TABLES))
    text = open_document(client, TEST)
    (root / TABLES).unlink()  # the schema file goes while the editor has a test buffer in flight
    replace_document(client, TEST, text + "select 1;\n", 2)
    await wait_until(lambda: not codes(client, root, TABLES))
    (root / TEST).unlink()
    replace_document(client, TEST, text, 3)
    await _still_answers(client)
    gone = await request(client, "tapgap/object", {"key": "app.projects"})
    assert gone is None


def test_malformed_frames_over_stdio(tmp_path: Path) -> None:
    """Garbage JSON on the wire: the server logs it and answers the next request."""
    root = copy_example(tmp_path)

    def frame(body: bytes) -> bytes:
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def message(payload: object) -> bytes:
        return frame(json.dumps(payload).encode())

    wire = b"".join(
        [
            message(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
                }
            ),
            message({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
            frame(b"{this is not json"),
            message(
                {"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params": {"textDocument": 1}}
            ),
            message({"jsonrpc": "2.0", "id": 2, "method": "tapgap/summary", "params": {}}),
            message({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}),
            message({"jsonrpc": "2.0", "method": "exit"}),
        ]
    )
    done = subprocess.run(
        [sys.executable, "-m", "tapgap", "serve", "--no-cache"],
        input=wire,
        capture_output=True,
        timeout=30,
    )
    out = done.stdout
    assert b'"id": 2' in out or b'"id":2' in out
    answers = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in out.split(b"Content-Length")[1:]]
    assert next(a for a in answers if a.get("id") == 9)["error"]["code"] == -32602  # invalid params
    summary = next(a for a in answers if a.get("id") == 2)
    assert summary["result"]["total"]["kind"] == "total"


def test_tcp_refuses_other_hosts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tapgap", "serve", "--tcp", "0.0.0.0:2087"], capture_output=True, timeout=30
    )
    assert done.returncode == 1 and b"loopback" in done.stderr
