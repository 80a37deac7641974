"""The server's state: the workspace, open documents, pending file events, what was published.

Every mutation of the ``Workspace`` runs on the server's event loop, one at a time: debounced timers and
the watchdog thread only schedule callbacks there. Analysis is synchronous, so two mutations never overlap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from tapgap import __version__
from tapgap.analysis import ProjectAnalysis
from tapgap.cli import DEFAULT_BASELINE
from tapgap.config import CONFIG_FILE, PYPROJECT_FILE, ConfigError, load_config
from tapgap.coverage.baseline import BaselineError, load_baseline
from tapgap.coverage.requirements import Level
from tapgap.facts import namespace
from tapgap.files import relative
from tapgap.findings import Finding
from tapgap.live import Delta
from tapgap.lsp import diagnostics, methods
from tapgap.lsp.settings import ClientSettings, parse_settings
from tapgap.lsp.watcher import Watcher, is_sql
from tapgap.store import FactStore
from tapgap.workspace import FileEvent, Workspace

log = logging.getLogger("tapgap.lsp")

MAX_FILE_BYTES = (
    16 * 1024 * 1024
)  # larger SQL files are left out of the server's analysis (not of tapgap check)
DOCUMENT_DEBOUNCE = 0.15  # seconds of quiet per document before its buffer is analysed
FILES_DEBOUNCE = 0.1  # seconds of quiet before a batch of file system events is applied


def plain(value: Any) -> Any:
    """pygls hands custom params over as namedtuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class EditorWorkspace(Workspace):
    """The server's workspace: a SQL file over ``MAX_FILE_BYTES`` (a data dump written into the project) is
    left out, so that it cannot stall the server for a minute and gigabytes; ``tapgap check`` still reads it.
    A file that grows over the limit leaves the analysis, one that shrinks under it comes back."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.skipped: dict[Path, int] = {}  # path → its size

    def _skip(self, path: Path) -> bool:
        path = path.absolute()
        if path in self.loader.overlays:
            return False
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size > MAX_FILE_BYTES:
            self.skipped[path] = size
            return True
        self.skipped.pop(path, None)
        return False

    def _list(self) -> tuple[list[Path], list[Path], str]:
        schema, tests, layout = super()._list()
        return [p for p in schema if not self._skip(p)], [p for p in tests if not self._skip(p)], layout

    def _refresh(self, path: Path) -> bool:
        if self._skip(path):
            return self.entries.pop(path.absolute(), None) is not None
        return super()._refresh(path)

    def apply(self, events: Sequence[FileEvent]) -> Delta:
        # A file crossing the limit enters or leaves the file list: list the project again ("created").
        fixed = []
        for event in events:
            was = event.path.absolute() in self.skipped
            if event.kind == "changed" and (self._skip(event.path) or was):
                event = FileEvent("created", event.path)
            fixed.append(event)
        return super().apply(fixed)


class TapgapProtocol(LanguageServerProtocol):
    """Answers a request whose params do not fit its method with an error (pygls only logs it), and
    takes a custom request or notification without ``params`` (optional in JSON-RPC; pygls 2.1 rejects it)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" in data and "method" in data and "params" not in data:
            data = {**data, "params": None}
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                self._send_response(data["id"], error=exc.to_response_error())
            raise


class TapgapServer(LanguageServer):
    def __init__(
        self, cache_dir: Path | None = None, use_cache: bool = True, level: Level | None = None
    ) -> None:
        super().__init__(
            "tapgap",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=TapgapProtocol,
        )
        self.cache_dir = cache_dir
        self.level = level  # --level; the client's level wins over it
        self.settings = ClientSettings()
        self.reconfigured = False  # initialize brought settings the loaded project does not have yet
        self.use_cache = use_cache
        self.project: Workspace | None = None
        self.store: FactStore | None = None
        self.root: Path | None = None
        self.published: dict[str, list[Finding]] = {}
        self.doc_timers: dict[str, asyncio.TimerHandle] = {}
        self.fs_events: list[FileEvent] = []
        self.fs_timer: asyncio.TimerHandle | None = None
        self.watcher: Watcher | None = None
        self.pending_root: Path | None = None  # from initialize; loaded on initialized or first need
        self.baseline_path: Path | None = None
        self.settings_changed = False  # the configuration or the baseline changed on disk: reload
        self.announced: set[Path] = set()  # files over MAX_FILE_BYTES the user was told about
        self.daemon_root: Path | None = None  # a daemon serves this root, whatever a client's initialize says

    # -- the project -----------------------------------------------------------------------------------

    def open_project(self, root: Path) -> Workspace:
        loaded = load_config(root, self.settings.config_file(root))
        if self.store is not None:
            self.store.close()
        if self.use_cache:
            path = self.cache_dir or root / ".tapgap" / "cache"
            self.store = FactStore(path, namespace=namespace(loaded.config.fingerprint()))
        else:
            self.store = FactStore.disabled()
        self.root = root
        baseline = self.baseline_path = root / (loaded.config.baseline or DEFAULT_BASELINE)
        try:
            accepted = load_baseline(baseline)
        except BaselineError as exc:  # the editor still gets diagnostics, all of them
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=f"tapgap: {exc}")
            )
            accepted = None
        level = self.settings.level or self.level
        self.project = EditorWorkspace(
            root, loaded, level, accepted, store=self.store, incremental=True
        ).load()
        self.announce_skipped()
        return self.project

    def announce_skipped(self) -> None:
        project = self.project
        if not isinstance(project, EditorWorkspace):
            return
        for path, size in project.skipped.items():
            if path not in self.announced:
                self.announced.add(path)
                self.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message=f"tapgap: {relative(project.root, path)} is left out "
                        f"({size / 1e6:.1f} MB, over {MAX_FILE_BYTES // 2**20} MiB); tapgap check reads it",
                    )
                )
        self.announced &= set(project.skipped)

    def ensure_project(self) -> Workspace | None:
        """The workspace, loading it now if a request comes before ``initialized`` finished loading."""
        if self.project is None and self.pending_root is not None:
            root, self.pending_root = self.pending_root, None
            self.root = root
            self.start_watching()  # before the load: a change made during it is applied after it
            self.open_project(root)
            self.publish_all()
        elif self.reconfigured:
            # A daemon's next session brought other settings, and a request came before ``initialized``
            # applied them: pygls runs that async handler as a task, after requests already read.
            self.reconfigured = False
            self.reload()
        return self.project

    def is_settings(self, path: Path) -> bool:
        """The configuration or the baseline: a change means a new workspace."""
        if self.root is None:
            return False
        path = path.absolute()
        explicit = self.settings.config_file(self.root)
        return path in (self.root / CONFIG_FILE, self.root / PYPROJECT_FILE, self.baseline_path, explicit)

    def watched(self, path: Path) -> bool:
        return is_sql(path) or self.is_settings(path)

    def configure(self, raw: Any, current: ClientSettings) -> bool:
        """Take the client's settings (``current`` updated by ``raw``), telling the user what was refused.
        True when they differ from those in force: the project is to be loaded again."""
        settings, errors = parse_settings(plain(raw), current)
        for error in errors:
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"tapgap: settings: {error}")
            )
        changed, self.settings = settings != self.settings, settings
        if changed and self.watcher is not None and self.root is not None:
            self.watcher.watch_file(self.settings.config_file(self.root))
        return changed

    def reload(self) -> None:
        """Load the project again (new configuration or baseline); open buffers still stand for their files.

        Also after a load that failed (an invalid configuration at start): fixing it brings the project up."""
        if self.root is None:
            return  # not loaded yet: the first load reads the configuration anyway
        before = None if self.project is None else self.project.analysis().index
        try:
            project = self.open_project(self.root)
        except ConfigError as exc:
            self.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"tapgap: {exc}")
            )
            return
        for doc in list(self.workspace.text_documents.values()):
            where = self.relative_name(doc.uri)
            if where is not None and is_sql(where[0]):
                project.set_buffer(where[0], doc.source)
        self.publish_all()
        after = project.analysis().index
        figures = (after.level, after.total, after.kinds)
        if before is None or (before.level, before.total, before.kinds) != figures:
            self.notify_coverage()

    def analysis(self) -> ProjectAnalysis:
        project = self.ensure_project()
        if project is None:
            raise JsonRpcInvalidParams("no workspace: the server has not been initialized with a root")
        return project.analysis()

    def relative_name(self, uri: str) -> tuple[Path, str] | None:
        self.ensure_project()
        path = to_fs_path(uri)
        if path is None or self.root is None:
            return None
        absolute = Path(path).absolute()
        return absolute, relative(self.root, absolute)

    def mutate(self, change: Callable[[Workspace], Delta]) -> None:
        """Run one change of the workspace and publish what it changed; on failure, reload from disk."""
        project = self.ensure_project()
        if project is None:
            return
        try:
            delta = change(project)
        except Exception:
            log.exception("tapgap: an update failed; reloading the workspace")
            before = project.current.index if project.current is not None else None
            try:
                project.load()
            except Exception:
                log.exception("tapgap: reloading the workspace failed")
                return
            self.publish_all()
            after = project.analysis().index
            if before is None or (before.total, before.kinds) != (after.total, after.kinds):
                self.notify_coverage()
            return
        self.announce_skipped()
        for name, findings in delta.findings.items():
            self.publish(name, findings)
        if delta.total is not None or delta.kinds:
            self.notify_coverage()

    def publish(self, name: str, findings: list[Finding]) -> None:
        assert self.root is not None
        if findings:
            self.published[name] = findings
        else:
            self.published.pop(name, None)
        self.text_document_publish_diagnostics(diagnostics.publish_params(self.root, name, findings))

    def publish_all(self) -> None:
        now = diagnostics.by_file(self.analysis().findings)
        for name in sorted(set(now) | set(self.published)):
            if now.get(name, []) != self.published.get(name, []):
                self.publish(name, now.get(name, []))

    def notify_coverage(self) -> None:
        index = self.analysis().index
        self.protocol.notify(methods.COVERAGE_CHANGED, methods.coverage_changed(index.total, index.kinds))

    # -- documents ---------------------------------------------------------------------------------------

    def schedule_document(self, uri: str, delay: float = DOCUMENT_DEBOUNCE) -> None:
        doc = self.workspace.get_text_document(uri)
        timer = self.doc_timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        self.doc_timers[uri] = loop.call_later(delay, self.flush_document, uri, doc.version)

    def flush_document(self, uri: str, version: int | None) -> None:
        self.doc_timers.pop(uri, None)
        doc = self.workspace.get_text_document(uri)
        if doc.version != version:
            return  # a newer version has its own timer
        where = self.relative_name(uri)
        if where is None or not is_sql(where[0]):
            return
        text = doc.source
        if len(text) > MAX_FILE_BYTES:  # the file on disk stands (or is left out)
            return
        self.mutate(lambda project: project.set_buffer(where[0], text))

    def close_document(self, uri: str) -> None:
        timer = self.doc_timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        where = self.relative_name(uri)
        if where is None or not is_sql(where[0]):
            return
        self.mutate(lambda project: project.set_buffer(where[0], None))

    # -- files on disk ----------------------------------------------------------------------------------

    def file_event(self, event: FileEvent) -> None:
        if any(p is not None and self.is_settings(p) for p in (event.path, event.dest)):
            self.settings_changed = True
        else:
            self.fs_events.append(event)
        if self.fs_timer is not None:
            self.fs_timer.cancel()
        self.fs_timer = asyncio.get_running_loop().call_later(FILES_DEBOUNCE, self.flush_files)

    def flush_files(self) -> None:
        self.fs_timer = None
        events, self.fs_events = _coalesce(self.fs_events), []
        if self.settings_changed:
            self.settings_changed = False
            self.reload()  # reads every file again: no need to apply the events
            return
        if events:
            self.mutate(lambda project: project.apply(events))

    def start_watching(self) -> None:
        if self.root is None or self.watcher is not None:
            return
        try:
            self.watcher = Watcher(self.root, asyncio.get_running_loop(), self.file_event, self.watched)
            self.watcher.start()
            self.watcher.watch_file(self.settings.config_file(self.root))
        except OSError as exc:  # e.g. out of inotify watches: the editor's events still work
            log.warning("tapgap: cannot watch %s: %s", self.root, exc)
            self.watcher = None

    def stop(self) -> None:
        for timer in [*self.doc_timers.values(), self.fs_timer]:
            if timer is not None:
                timer.cancel()
        self.doc_timers.clear()
        self.fs_timer = None
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        if self.store is not None:
            self.store.close()
            self.store = None


def _coalesce(events: list[FileEvent]) -> list[FileEvent]:
    """Drop repeats of the same event (an editor save fires several); keep the order of the first."""
    seen: set[FileEvent] = set()
    kept = []
    for event in events:
        if event not in seen:
            seen.add(event)
            kept.append(event)
    return kept
