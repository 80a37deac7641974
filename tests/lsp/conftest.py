"""End-to-end fixtures: a real ``tapgap serve`` process over stdio, driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "supabase"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lsp: end-to-end test against a real `tapgap serve` process")


def copy_example(target: Path) -> Path:
    root = target / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tapgap"))
    return root.resolve()


def uri(root: Path, name: str) -> str:
    return (root / name).as_uri()


async def wait_until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (the server publishes asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.05)


def codes(client: LanguageClient, root: Path, name: str) -> list[tuple[str, Any]]:
    return [(str(d.code), (d.data or {}).get("object")) for d in client.diagnostics.get(uri(root, name), [])]


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "tapgap", "serve", "--no-cache"])


async def start_session(client: LanguageClient, root: Path, options: Any = None) -> None:
    """initialize (with ``options`` as initializationOptions) and initialized; notes coverageChanged."""
    client.root = root  # type: ignore[attr-defined]
    coverage: list[Any] = []
    client.coverage = coverage  # type: ignore[attr-defined]

    @client.feature("tapgap/coverageChanged")
    def coverage_changed(params: Any) -> None:
        coverage.append(plain(params))

    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True)
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=options,
        )
    )


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server of its own on a fresh copy of the example: for tests that change files or buffers."""
    await start_session(lsp_client, copy_example(tmp_path))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def unstarted(lsp_client: LanguageClient, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server of its own, not initialized yet: the test calls ``start_session`` with its options."""
    lsp_client.root = copy_example(tmp_path)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER, scope="module")
async def shared(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One server per test module, for tests that only ask (run with ``loop_scope="module"``)."""
    await start_session(lsp_client, copy_example(tmp_path_factory.mktemp("shared")))
    yield
    await lsp_client.shutdown_session()


async def request(client: LanguageClient, method: str, params: Any = None) -> Any:
    """A custom request; the answer as plain dicts and lists (pygls hands back namedtuples)."""
    return plain(await client.protocol.send_request_async(method, params))


def plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def open_document(client: LanguageClient, name: str) -> str:
    root = client.root  # type: ignore[attr-defined]
    text = (root / name).read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri(root, name), language_id="sql", version=1, text=text)
        )
    )
    return text


def replace_document(client: LanguageClient, name: str, text: str, version: int) -> None:
    root = client.root  # type: ignore[attr-defined]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri(root, name), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


# -- raw JSON-RPC, for what a well-behaved client cannot send ------------------------------------------------


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(payload: object) -> bytes:
    return frame(json.dumps(payload).encode())


def session(root: Path, *middle: bytes) -> bytes:
    """initialize, initialized, ``middle``, shutdown and exit, as bytes on the wire."""
    start = {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}
    return b"".join(
        [
            message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": start}),
            message({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
            *middle,
            message({"jsonrpc": "2.0", "id": 999, "method": "shutdown"}),
            message({"jsonrpc": "2.0", "method": "exit"}),
        ]
    )


def messages_of(wire: bytes) -> list[dict[str, Any]]:
    found = []
    while wire:
        header, _, rest = wire.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        found.append(json.loads(rest[:length]))
        wire = rest[length:]
    return found


def run_stdio(wire: bytes, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "tapgap", "serve", "--no-cache", *args],
        input=wire,
        capture_output=True,
        timeout=30,
    )
    return messages_of(done.stdout)
