"""Bad input leaves the server running and answering."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tapgap.lsp.query import read_discovery
from tests.lsp.conftest import (
    codes,
    copy_example,
    frame,
    message,
    messages_of,
    open_document,
    replace_document,
    request,
    run_stdio,
    session,
    wait_until,
)

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
    """Garbage JSON and params that do not fit: errors, and the server answers the next request."""
    root = copy_example(tmp_path)
    answers = run_stdio(
        session(
            root,
            frame(b"{this is not json"),
            message(
                {"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params": {"textDocument": 1}}
            ),
            message({"jsonrpc": "2.0", "id": 2, "method": "tapgap/summary", "params": {}}),
        )
    )
    by_id = {a["id"]: a for a in answers if "id" in a}
    assert by_id[9]["error"]["code"] == -32602  # invalid params
    assert by_id[2]["result"]["total"]["kind"] == "total"
    assert by_id[999]["result"] is None  # and it shut down cleanly


def test_tcp_serves_loopback(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tapgap",
            "serve",
            "--no-cache",
            "--tcp",
            f"127.0.0.1:{port}",
            "--root",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=20)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        while (daemon := read_discovery(root)) is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with connection:
            start = {
                "processId": None,
                "rootUri": root.as_uri(),
                "capabilities": {},
                "initializationOptions": {"token": daemon.token},  # the token of .tapgap/daemon.json
            }
            wire = b"".join(
                message(m)
                for m in (
                    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": start},
                    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
                    {"jsonrpc": "2.0", "id": 2, "method": "tapgap/summary"},
                    {"jsonrpc": "2.0", "id": 999, "method": "shutdown"},
                )
            )
            connection.sendall(wire)
            received = b""
            while b'"id": 999' not in received:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                received += chunk
        by_id = {a["id"]: a for a in messages_of(received) if "id" in a}
        assert by_id[2]["result"]["total"]["kind"] == "total"
    finally:
        server.kill()
        server.wait(timeout=10)


def test_tcp_refuses_other_hosts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tapgap", "serve", "--tcp", "0.0.0.0:2087"], capture_output=True, timeout=30
    )
    assert done.returncode == 1 and b"loopback" in done.stderr
