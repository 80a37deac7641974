"""The ``tapgap/...`` queries without pygls: dispatch on a workspace, the discovery file, and a client.

Imported by ``tapgap query`` (which must stay fast: no pygls, lsprotocol or watchdog) and by the server,
which answers its custom methods and its query connections with the same ``dispatch``.

Discovery: a daemon (``tapgap serve --socket PATH`` or ``--tcp HOST:PORT``) writes ``<root>/.tapgap/
daemon.json`` (mode 0600) with ``{"pid", "transport": "unix"|"tcp", "address", "token"}`` and removes it
when it stops. A query connection sends ``tapgap/auth`` ``{"token": ...}`` first (required over TCP), then
requests; one JSON-RPC frame (``Content-Length`` header) each way per request.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from tapgap.analysis import ProjectAnalysis
from tapgap.config import load_config
from tapgap.coverage.baseline import BaselineError, load_baseline
from tapgap.coverage.index import ObjectCoverage
from tapgap.coverage.requirements import Level
from tapgap.facts import namespace
from tapgap.files import relative
from tapgap.lsp import methods
from tapgap.store import FactStore
from tapgap.workspace import Workspace

AUTH = "tapgap/auth"
METHODS = (methods.SUMMARY, methods.GAPS, methods.OBJECT)
DISCOVERY = Path(".tapgap") / "daemon.json"

INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601
UNAUTHORIZED = -32001  # a server-defined error code (JSON-RPC reserves -32000..-32099 for them)


class QueryError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- answering -------------------------------------------------------------------------------------------


def _contains(obj: ObjectCoverage, line: int, character: int) -> bool:
    span = obj.span
    if span is None:
        return False
    return (span.line, span.col) <= (line, character) <= (span.end_line, span.end_col)


def objects_at(analysis: ProjectAnalysis, file: str, line: int, character: int) -> list[ObjectCoverage]:
    """The objects whose definition is the narrowest one around the position (several share a CREATE)."""
    around = [o for o in analysis.index.objects if o.file == file and _contains(o, line, character)]
    if not around:
        return []
    sizes = {id(o): o.span.end - o.span.start for o in around if o.span is not None}
    narrowest = min(sizes.values())
    site = [o for o in around if sizes[id(o)] == narrowest]
    # The object the CREATE is about first (a table before its columns), then those with requirements.
    return sorted(site, key=lambda o: (o.key.count("."), not o.requirements))


def relative_name(root: Path, value: str) -> str:
    """A file as the index names it: a ``file:`` URI or a path, made relative to the root."""
    if value.startswith("file:"):
        value = unquote(urlparse(value).path)
    path = Path(value)
    return relative(root, path.absolute()) if path.is_absolute() else value


def _params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise QueryError(INVALID_PARAMS, "params must be an object")
    return params


def dispatch(workspace: Workspace, method: str, params: Any) -> Any:
    """The answer to ``method`` (one of ``METHODS``) on the workspace's current analysis."""
    args = _params(params)
    analysis = workspace.analysis()
    if method == methods.SUMMARY:
        return methods.summary(analysis)
    if method == methods.GAPS:
        level = args.get("level")
        if level is not None and level not in methods.LEVELS:
            raise QueryError(INVALID_PARAMS, f"level must be one of {', '.join(methods.LEVELS)}")
        kind, file = args.get("kind"), args.get("file")
        if not all(v is None or isinstance(v, str) for v in (kind, file)):
            raise QueryError(INVALID_PARAMS, "kind and file are strings")
        if file is not None:
            file = relative_name(workspace.root, file)
        return methods.gaps(workspace, kind, file, level)
    if method == methods.OBJECT:
        key = args.get("key")
        if isinstance(key, str):
            found = methods.find_object(analysis, key)
            return None if found is None else methods.object_json(found)
        try:
            uri = args["textDocument"]["uri"]
            line, character = int(args["position"]["line"]), int(args["position"]["character"])
            if not isinstance(uri, str):
                raise TypeError(uri)
        except (KeyError, TypeError, ValueError) as exc:
            raise QueryError(INVALID_PARAMS, "give key, or textDocument and position") from exc
        objects = objects_at(analysis, relative_name(workspace.root, uri), line, character)
        return methods.object_json(objects[0]) if objects else None
    raise QueryError(METHOD_NOT_FOUND, f"{method}: no such method (known: {', '.join(METHODS)})")


def open_workspace(
    root: Path, cache_dir: Path | None = None, use_cache: bool = True, level: Level | None = None
) -> tuple[Workspace, FactStore]:
    """The project as ``tapgap serve`` loads it (same cache, configuration and baseline)."""
    loaded = load_config(root)
    if use_cache:
        store = FactStore(
            cache_dir or root / ".tapgap" / "cache", namespace=namespace(loaded.config.fingerprint())
        )
    else:
        store = FactStore.disabled()
    baseline_path = root / (loaded.config.baseline or ".tapgap/baseline.json")
    try:
        accepted = load_baseline(baseline_path)
    except BaselineError:
        accepted = None
    return Workspace(root, loaded, level, accepted, store=store).load(), store


# -- discovery --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Daemon:
    pid: int
    transport: str  # "unix" or "tcp"
    address: str  # a socket path, or HOST:PORT
    token: str


def write_discovery(root: Path, daemon: Daemon) -> Path:
    path = root / DISCOVERY
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".daemon.{os.getpid()}.json")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, json.dumps(daemon.__dict__).encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def remove_discovery(root: Path, pid: int) -> None:
    """Remove the discovery file if it is still this daemon's."""
    found = read_discovery(root, check_alive=False)
    if found is not None and found.pid == pid:
        (root / DISCOVERY).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_discovery(root: Path, check_alive: bool = True) -> Daemon | None:
    """The running daemon of ``root``; None when there is none, the file is unreadable or its pid is dead."""
    try:
        data = json.loads((root / DISCOVERY).read_text())
        daemon = Daemon(int(data["pid"]), str(data["transport"]), str(data["address"]), str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if check_alive and not _alive(daemon.pid):
        return None
    return daemon


# -- a client ---------------------------------------------------------------------------------------------


def frame(payload: Any) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(stream: Any) -> Any:
    """One JSON-RPC message from a binary file object; None at end of stream."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if length is not None:
                break
            continue
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return json.loads(stream.read(length))


def connect(daemon: Daemon, timeout: float = 60.0) -> socket.socket:
    if daemon.transport == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(daemon.address)
        return sock
    host, _, port = daemon.address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def ask(daemon: Daemon, method: str, params: Any, token: str | None = None) -> dict[str, Any]:
    """Authenticate with ``token`` (the daemon's own by default), send one request, return its response
    (a JSON-RPC response object: ``result`` or ``error``)."""
    with connect(daemon) as sock, sock.makefile("rb") as stream:
        sock.sendall(
            frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": AUTH,
                    "params": {"token": daemon.token if token is None else token},
                }
            )
        )
        answer = read_frame(stream)
        if not isinstance(answer, dict) or "error" in answer:
            return (
                answer if isinstance(answer, dict) else {"error": {"code": UNAUTHORIZED, "message": "closed"}}
            )
        sock.sendall(frame({"jsonrpc": "2.0", "id": 2, "method": method, "params": params}))
        response = read_frame(stream)
        if not isinstance(response, dict):
            return {"error": {"code": -32603, "message": "the daemon closed the connection"}}
        return response
