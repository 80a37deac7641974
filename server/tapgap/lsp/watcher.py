"""A watchdog observer on the workspace root: file system events, handed to the server's event loop.

The observer thread never touches the workspace; it only calls ``deliver`` (through
``loop.call_soon_threadsafe``) with a ``FileEvent`` for the files it wants (SQL files, the configuration). Debouncing and applying happen on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from tapgap.workspace import FileEvent

SQL_SUFFIXES = frozenset({".sql", ".pg", ".psql", ".inc"})


def is_sql(path: Path) -> bool:
    return path.suffix.lower() in SQL_SUFFIXES


def _path(raw: str | bytes) -> Path:
    return Path(os.fsdecode(raw))


class _Handler(FileSystemEventHandler):
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        deliver: Callable[[FileEvent], None],
        wanted: Callable[[Path], bool],
    ) -> None:
        self.loop = loop
        self.deliver = deliver
        self.wanted = wanted

    def _send(self, event: FileEvent) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: the server is going away
            self.loop.call_soon_threadsafe(self.deliver, event)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        src = _path(event.src_path)
        if event.event_type == "moved":
            dest = _path(event.dest_path)
            if self.wanted(src) or self.wanted(dest):
                self._send(FileEvent("moved", src, dest))
            return
        if not self.wanted(src):
            return
        if event.event_type == "created":
            self._send(FileEvent("created", src))
        elif event.event_type in ("modified", "closed"):
            self._send(FileEvent("changed", src))
        elif event.event_type == "deleted":
            self._send(FileEvent("deleted", src))


class Watcher:
    """Watches ``root`` recursively until ``stop``, delivering events for the paths ``wanted`` accepts."""

    def __init__(
        self,
        root: Path,
        loop: asyncio.AbstractEventLoop,
        deliver: Callable[[FileEvent], None],
        wanted: Callable[[Path], bool] = is_sql,
    ):
        self.root = root.absolute()
        self.loop = loop
        self.deliver = deliver
        self.observer: BaseObserver = Observer()
        self.observer.daemon = True
        self.observer.schedule(_Handler(loop, deliver, wanted), str(root), recursive=True)
        self.outside: ObservedWatch | None = None

    def watch_file(self, path: Path | None) -> None:
        """Also report changes of ``path`` (a configuration file named by the client) when it lies outside the
        root; the last call wins, None stops. Its folder is watched, not recursively: editors save by renaming."""
        if self.outside is not None:
            self.observer.unschedule(self.outside)
            self.outside = None
        if path is None or path.is_relative_to(self.root) or not path.parent.is_dir():
            return
        target = path.absolute()
        handler = _Handler(self.loop, self.deliver, lambda p: p.absolute() == target)
        try:
            self.outside = self.observer.schedule(handler, str(target.parent), recursive=False)
        except OSError:  # e.g. out of inotify watches: the file's changes go unnoticed, not the root's
            self.outside = None

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        if self.observer.is_alive():
            self.observer.join(timeout=2)
