"""Language-server latency: a file saved → its diagnostics published, a keystroke → diagnostics, daemon RSS.

    .venv/bin/python bench/lsp_latency.py [--scale M] [--edits 20]

Starts a real ``tapgap serve`` over stdio (a generated project at the scale, see bench/generate.py), waits
for the first diagnostics, then:

- **save**: appends an assertion to a test file on disk, sends ``didSave`` for it (as an editor does after
  writing), and times until ``publishDiagnostics`` arrives for that file;
- **keystroke**: sends ``didChange`` with a new buffer text for an open test file and times until its
  diagnostics arrive; the server debounces changes (150 ms), which the figure reports separately;
- **RSS**: the server's peak resident memory (``VmHWM``) after the edits.

Figures are p50 and p95 over ``--edits`` edits. The client is a minimal JSON-RPC over stdio written here, so
that the measurement does not depend on a client library's scheduling.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty, Queue
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bytecode import precompile  # noqa: E402

DEBOUNCE_S = 0.150


class Client:
    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.messages: Queue[tuple[float, dict[str, Any]]] = Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        while True:
            _, message = self.messages.get(timeout=600)
            if message.get("id") == ident and "method" not in message:
                return message.get("result")
            self._answer(message)

    def _answer(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" in message:  # a request from the server (progress, config)
            self.send({"id": message["id"], "result": None})

    def wait_diagnostics(self, uri: str | None, timeout: float = 600) -> float:
        """When diagnostics for ``uri`` (any document, for None) arrive."""
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(uri)
            try:
                at, message = self.messages.get(timeout=remaining)
            except Empty:
                raise TimeoutError(uri) from None
            self._answer(message)
            if message.get("method") == "textDocument/publishDiagnostics" and uri in (
                None,
                message["params"]["uri"],
            ):
                return at

    def drain(self, quiet: float = 1.0) -> None:
        while True:
            try:
                _, message = self.messages.get(timeout=quiet)
            except Empty:
                return
            self._answer(message)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="M")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--project", type=Path, help="use this project instead of generating one")
    args = parser.parse_args()
    root = args.project
    if root is None:
        root = Path(tempfile.mkdtemp(prefix=f"tapgap-lsp-{args.scale}-"))
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--scale", args.scale, "--out", str(root)], check=True
        )
    root = root.resolve()
    tests = sorted((root / "supabase" / "tests").glob("*.sql"))
    precompile(sys.executable)
    tapgap = Path(sys.executable).with_name("tapgap")
    client = Client([str(tapgap), "serve"], root)
    started = time.perf_counter()
    client.request(
        "initialize",
        {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}, "workspaceFolders": None},
    )
    client.send({"method": "initialized", "params": {}})
    client.wait_diagnostics(None, timeout=900)  # the first publication: the project is loaded
    client.drain(2.0)
    load = time.perf_counter() - started

    saves: list[float] = []
    for n in range(args.edits):
        path = tests[(7 * n) % len(tests)]
        path.write_text(path.read_text() + f"\nselect has_table('bench_{n}');\n")
        sent = time.perf_counter()
        client.send({"method": "textDocument/didSave", "params": {"textDocument": {"uri": path.as_uri()}}})
        saves.append(client.wait_diagnostics(path.as_uri()) - sent)
        client.drain(0.3)

    keys: list[float] = []
    path = tests[len(tests) // 2]
    uri = path.as_uri()
    text = path.read_text()
    client.send(
        {
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}},
        }
    )
    client.drain(1.0)
    for n in range(args.edits):
        text += f"\nselect has_column('t', 'c{n}');"
        sent = time.perf_counter()
        client.send(
            {
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": n + 2},
                    "contentChanges": [{"text": text}],
                },
            }
        )
        keys.append(client.wait_diagnostics(uri) - sent - DEBOUNCE_S)
        client.drain(0.3)

    status = Path(f"/proc/{client.process.pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024
    client.process.kill()
    report = {
        "scale": args.scale,
        "load_s": round(load, 2),
        "save_to_diagnostics_ms": {
            "p50": _ms(statistics.median(saves)),
            "p95": _ms(_percentile(saves, 0.95)),
        },
        "keystroke_to_diagnostics_ms_after_debounce": {
            "p50": _ms(statistics.median(keys)),
            "p95": _ms(_percentile(keys, 0.95)),
        },
        "daemon_peak_rss_mb": round(rss),
    }
    print(json.dumps(report, indent=2))
    return 0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


if __name__ == "__main__":
    sys.exit(main())
