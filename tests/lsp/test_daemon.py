"""The daemon: ``tapgap serve --socket`` / ``--tcp`` with the discovery file, and ``tapgap query``."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tapgap.lsp import query
from tests.lsp.conftest import copy_example

pytestmark = pytest.mark.lsp

PROBE = """
import sys
from tapgap.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("pygls", "lsprotocol", "watchdog") if m in sys.modules)
print("loaded:", ",".join(heavy))
"""


def tapgap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tapgap", *args], capture_output=True, text=True, timeout=60)


def _start(root: Path, *listen: str) -> Iterator[tuple[subprocess.Popen[bytes], query.Daemon]]:
    # --level strict: the in-process answer would say "normal", so an answer at "strict" came from the daemon
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tapgap",
            "serve",
            *listen,
            "--root",
            str(root),
            "--level",
            "strict",
            "--no-cache",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while (daemon := query.read_discovery(root)) is None:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the daemon wrote no discovery file"
            time.sleep(0.05)
        yield process, daemon
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.fixture
def unix_daemon(root: Path) -> Iterator[tuple[subprocess.Popen[bytes], query.Daemon]]:
    folder = Path(tempfile.mkdtemp(prefix="tg", dir="/tmp"))  # a socket path must be short
    try:
        yield from _start(root, "--socket", str(folder / "d.sock"))
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


@pytest.fixture
def tcp_daemon(root: Path) -> Iterator[tuple[subprocess.Popen[bytes], query.Daemon]]:
    yield from _start(root, "--tcp", "127.0.0.1:0")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _summary(root: Path) -> dict[str, Any]:
    done = tapgap("query", "tapgap/summary", "--root", str(root))
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_query_over_the_unix_socket(
    root: Path, unix_daemon: tuple[subprocess.Popen[bytes], query.Daemon]
) -> None:
    process, daemon = unix_daemon
    assert daemon.transport == "unix" and daemon.pid == process.pid
    assert _mode(Path(daemon.address)) == 0o600
    assert _mode(root / ".tapgap/daemon.json") == 0o600
    assert _summary(root)["level"] == "strict"
    done = tapgap("query", "tapgap/gaps", "--root", str(root), "--params", '{"kind": "rls"}')
    gaps = json.loads(done.stdout)
    assert gaps["level"] == "strict" and {o["kind"] for o in gaps["objects"]} == {"rls"}
    found = tapgap("query", "tapgap/object", "--root", str(root), "--params", '{"key": "app.teams"}')
    assert json.loads(found.stdout)["kind"] == "table"
    bad = tapgap("query", "tapgap/gaps", "--root", str(root), "--params", '{"level": "extreme"}')
    assert bad.returncode == 1 and "-32602" in bad.stderr
    # the socket does not need the token; the daemon keeps answering after each connection
    assert query.ask(daemon, "tapgap/summary", None, token="")["result"]["level"] == "strict"
    assert process.poll() is None


def test_query_over_tcp_needs_the_token(
    root: Path, tcp_daemon: tuple[subprocess.Popen[bytes], query.Daemon]
) -> None:
    process, daemon = tcp_daemon
    assert daemon.transport == "tcp" and daemon.address.startswith("127.0.0.1:")
    assert _mode(root / ".tapgap/daemon.json") == 0o600
    assert _summary(root)["level"] == "strict"  # tapgap query presents the token it read
    assert "result" in query.ask(daemon, "tapgap/summary", None)
    refused = query.ask(daemon, "tapgap/summary", None, token="not the token")
    assert refused["error"]["code"] == query.UNAUTHORIZED
    # a request without tapgap/auth first: refused, then the connection is closed
    with query.connect(daemon) as sock, sock.makefile("rb") as stream:
        sock.sendall(query.frame({"jsonrpc": "2.0", "id": 7, "method": "tapgap/summary"}))
        answer = query.read_frame(stream)
        assert answer["id"] == 7 and answer["error"]["code"] == query.UNAUTHORIZED
        assert query.read_frame(stream) is None
    # an editor's initialize without the token in initializationOptions: refused too
    with query.connect(daemon) as sock, sock.makefile("rb") as stream:
        start = {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}
        sock.sendall(query.frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": start}))
        assert query.read_frame(stream)["error"]["code"] == query.UNAUTHORIZED
        assert query.read_frame(stream) is None
    assert process.poll() is None
    assert "result" in query.ask(daemon, "tapgap/summary", None)


def _editor_session(
    root: Path, daemon: query.Daemon, options: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    """initialize (``options`` as initializationOptions), tapgap/summary, shutdown and exit: the summary's
    level and every message the session got."""
    with query.connect(daemon) as sock, sock.makefile("rb") as stream:
        start = {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {},
            "initializationOptions": options,
        }
        sock.sendall(query.frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": start}))
        assert "capabilities" in query.read_frame(stream)["result"]
        sock.sendall(query.frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        sock.sendall(query.frame({"jsonrpc": "2.0", "id": 2, "method": "tapgap/summary"}))
        seen: list[dict[str, Any]] = []
        while not any(m.get("id") == 2 for m in seen):
            seen.append(query.read_frame(stream))
        level = next(m for m in seen if m.get("id") == 2)["result"]["level"]
        sock.sendall(query.frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}))
        sock.sendall(query.frame({"jsonrpc": "2.0", "method": "exit"}))
        while (message := query.read_frame(stream)) is not None and message.get("id") != 3:
            seen.append(message)
        return str(level), seen


def test_an_editor_session_over_tcp_with_the_token(
    root: Path, tcp_daemon: tuple[subprocess.Popen[bytes], query.Daemon]
) -> None:
    process, daemon = tcp_daemon
    for _ in range(2):  # a second session after the first one's shutdown and exit: the daemon stays
        level, seen = _editor_session(root, daemon, {"token": daemon.token})
        assert level == "strict"
        # every file's diagnostics are published to each new session
        assert any(m.get("method") == "textDocument/publishDiagnostics" for m in seen)
    time.sleep(0.2)
    assert process.poll() is None
    assert _summary(root)["level"] == "strict"


def test_an_editor_session_settings_apply_to_the_daemon_until_the_next_session(
    root: Path, tcp_daemon: tuple[subprocess.Popen[bytes], query.Daemon]
) -> None:
    _, daemon = tcp_daemon
    level, _ = _editor_session(root, daemon, {"token": daemon.token, "level": "lenient"})
    assert level == "lenient"
    assert _summary(root)["level"] == "lenient"  # the daemon's queries too, after the session
    level, _ = _editor_session(root, daemon, {"token": daemon.token})
    assert level == "strict"  # a session without settings: back to the daemon's --level


def test_query_without_a_daemon_answers_in_process(root: Path) -> None:
    assert _summary(root)["level"] == "normal"
    assert (root / ".tapgap/cache").is_dir()  # the warm cache the daemon shares
    # a discovery file left by a daemon that died is ignored
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = {"pid": int(dead.stdout), "transport": "tcp", "address": "127.0.0.1:9", "token": "x"}
    (root / ".tapgap/daemon.json").write_text(json.dumps(stale))
    assert query.read_discovery(root) is None
    assert _summary(root)["level"] == "normal"
    unknown = tapgap("query", "tapgap/nothing", "--root", str(root))
    assert unknown.returncode == 1 and "-32601" in unknown.stderr
    nowhere = tapgap("query", "tapgap/summary", "--root", str(root / "nowhere"))
    assert nowhere.returncode == 1 and "not a folder" in nowhere.stderr
    bad = tapgap("query", "tapgap/gaps", "--root", str(root), "--params", "[1")
    assert bad.returncode == 1 and "not JSON" in bad.stderr


def test_query_never_imports_the_server(root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "query", "tapgap/summary", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "loaded: \n" in done.stdout, done.stdout + done.stderr


def test_a_live_socket_is_not_taken_over(
    root: Path, unix_daemon: tuple[subprocess.Popen[bytes], query.Daemon]
) -> None:
    _, daemon = unix_daemon
    done = tapgap("serve", "--socket", daemon.address, "--root", str(root), "--no-cache")
    assert done.returncode == 1 and "already listens" in done.stderr
    assert os.path.exists(daemon.address)
    with socket.socket(socket.AF_UNIX) as probe:
        probe.connect(daemon.address)
