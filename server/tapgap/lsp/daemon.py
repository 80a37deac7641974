"""The daemon's listeners: ``tapgap serve --socket PATH`` (Unix socket, mode 0600) and ``--tcp HOST:PORT``
(loopback, token required), with the discovery file ``<root>/.tapgap/daemon.json`` (mode 0600).

A connection is one of two kinds, told by its first message:

- ``tapgap/auth`` ``{"token": ...}``: a query connection (``tapgap query``, scripts). Requests for
  ``tapgap/summary``, ``tapgap/gaps`` and ``tapgap/object`` are answered by ``query.dispatch`` on the live
  workspace, without pygls; several query connections may be open at once, beside an editor's.
- ``initialize``: an LSP session through pygls (one at a time; the next waits). Over TCP the token goes in
  ``initializationOptions.token``. The session's ``exit`` ends the session, not the daemon.

Over TCP a first message without the right token gets error -32001 and the connection is closed. Over the
Unix socket (owner-only) the token is not required; a query connection may also start directly with a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import secrets
import signal
import socket
import stat
import threading
from pathlib import Path
from typing import Any

from pygls.io_ import run_async

from tapgap.lsp import query
from tapgap.lsp.session import TapgapServer

log = logging.getLogger("tapgap.lsp.daemon")

MAX_MESSAGE = 64 * 1024 * 1024  # a larger Content-Length closes the connection


class _NullWriter:
    """The protocol's writer while no editor is connected: what would be sent to it is dropped."""

    def write(self, data: bytes) -> None:
        return None

    def close(self) -> None:
        return None


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, Any] | None:
    """One frame: (its bytes as received, the parsed JSON); None at end of stream."""
    header = b""
    length: int | None = None
    while True:
        line = await reader.readline()
        if not line:
            return None
        header += line
        if line in (b"\r\n", b"\n"):
            if length is not None:
                break
            continue
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
            if length > MAX_MESSAGE:
                return None
    body = await reader.readexactly(length)
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    return header + body, parsed


def _send(writer: asyncio.StreamWriter, payload: dict[str, Any]) -> None:
    writer.write(query.frame({"jsonrpc": "2.0", **payload}))


class Daemon:
    def __init__(self, server: TapgapServer, root: Path) -> None:
        self.server = server
        self.root = root
        self.token = secrets.token_urlsafe(32)
        self.lsp_lock = asyncio.Lock()
        self.stopping = asyncio.Event()
        server.daemon_root = root
        server.pending_root = root
        server.protocol.set_writer(_NullWriter())

    def _token_ok(self, given: Any) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given.encode(), self.token.encode())

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tcp: bool) -> None:
        try:
            first = await _read_message(reader)
            if first is None or not isinstance(first[1], dict):
                return
            raw, message = first
            method, params = message.get("method"), message.get("params")
            params = params if isinstance(params, dict) else {}
            if method == query.AUTH:
                if tcp and not self._token_ok(params.get("token")):
                    self._refuse(writer, message)
                    return
                _send(writer, {"id": message.get("id"), "result": {"authenticated": True}})
                await self.queries(reader, writer)
            elif method == "initialize":
                options = params.get("initializationOptions")
                given = options.get("token") if isinstance(options, dict) else None
                if tcp and not self._token_ok(given):
                    self._refuse(writer, message)
                    return
                async with self.lsp_lock:
                    await self.lsp_session(raw, reader, writer)
            elif tcp:
                self._refuse(writer, message)
            else:
                self.answer(writer, message)
                await self.queries(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except Exception:
            log.exception("tapgap: a connection failed")
        finally:
            with contextlib.suppress(Exception):
                await writer.drain()
                writer.close()

    def _refuse(self, writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        error = {
            "code": query.UNAUTHORIZED,
            "message": "unauthorized: send tapgap/auth with the daemon's token",
        }
        _send(writer, {"id": message.get("id"), "error": error})

    def answer(self, writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        if "id" not in message:
            return  # a notification: nothing to answer
        method = message.get("method")
        try:
            if not isinstance(method, str):
                raise query.QueryError(-32600, "invalid request")
            self.server.ensure_project()
            project = self.server.project
            if project is None:
                raise query.QueryError(query.INVALID_PARAMS, "no workspace")
            _send(
                writer,
                {"id": message["id"], "result": query.dispatch(project, method, message.get("params"))},
            )
        except query.QueryError as exc:
            _send(writer, {"id": message["id"], "error": {"code": exc.code, "message": exc.message}})
        except Exception as exc:
            log.exception("tapgap: a query failed")
            _send(writer, {"id": message["id"], "error": {"code": -32603, "message": str(exc)}})

    async def queries(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            got = await _read_message(reader)
            if got is None:
                return
            if isinstance(got[1], dict):
                self.answer(writer, got[1])
            else:
                _send(writer, {"id": None, "error": {"code": -32700, "message": "parse error"}})
            await writer.drain()

    async def lsp_session(
        self, first: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        relay = asyncio.StreamReader(limit=MAX_MESSAGE)
        relay.feed_data(first)

        async def pump() -> None:
            try:
                while True:
                    got = await _read_message(reader)
                    if got is None or (isinstance(got[1], dict) and got[1].get("method") == "exit"):
                        break
                    relay.feed_data(got[0])
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                pass
            finally:
                relay.feed_eof()

        protocol = self.server.protocol
        protocol.set_writer(writer)
        pumping = asyncio.ensure_future(pump())
        try:
            await run_async(
                stop_event=threading.Event(),
                reader=relay,
                protocol=protocol,
                logger=log,
                error_handler=self.server.report_server_error,
            )
        finally:
            pumping.cancel()
            protocol.set_writer(_NullWriter())
            protocol._shutdown = False  # the next session starts afresh
            self.server.published.clear()

    async def run(self, socket_path: Path | None, tcp: tuple[str, int] | None) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        listener: asyncio.Server
        if socket_path is not None:
            socket_path = socket_path.absolute()
            _clear_stale_socket(socket_path)
            old = os.umask(0o177)
            try:
                listener = await asyncio.start_unix_server(
                    lambda r, w: self.connection(r, w, tcp=False), path=str(socket_path), limit=MAX_MESSAGE
                )
            finally:
                os.umask(old)
            os.chmod(socket_path, 0o600)
            record = query.Daemon(os.getpid(), "unix", str(socket_path), self.token)
        else:
            assert tcp is not None
            listener = await asyncio.start_server(
                lambda r, w: self.connection(r, w, tcp=True), tcp[0], tcp[1], limit=MAX_MESSAGE
            )
            host, port = listener.sockets[0].getsockname()[:2]
            address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            record = query.Daemon(os.getpid(), "tcp", address, self.token)
        try:
            self.server.ensure_project()  # warm: the first query is answered at once
        except Exception:
            log.exception("tapgap: cannot load the project")
        query.write_discovery(self.root, record)
        try:
            async with listener:
                await self.stopping.wait()
        finally:
            query.remove_discovery(self.root, os.getpid())
            if socket_path is not None:
                socket_path.unlink(missing_ok=True)
            self.server.stop()


def _clear_stale_socket(path: Path) -> None:
    """A socket file left by a daemon that died is removed; one a live daemon listens on is an error."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise OSError(f"{path}: exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
        return
    finally:
        probe.close()
    raise OSError(f"{path}: a daemon already listens there")


def run_daemon(
    server: TapgapServer, root: Path, socket_path: Path | None, tcp: tuple[str, int] | None
) -> None:
    async def main() -> None:
        await Daemon(server, root).run(socket_path, tcp)

    asyncio.run(main())
