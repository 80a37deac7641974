"""A project held in memory and kept up to date file by file: the incremental index.

The workspace keeps per-file facts (never file texts), the schema state replayed from them, one
``FileSuite`` per test file, and the analysis built from those. A file event recomputes only what depends on
the file. A test file: its suite and the suites of files that include it, bound with the binding context
kept since the last schema change; the live analysis (``live.py``) then takes only those suites'
difference. A schema file: the replay of the cached operations (no parsing of other files), every suite
bound again to the new state, and a new live analysis compared with the old one file by file. A property
test checks that any sequence of events leaves the workspace equal to a fresh batch analysis.

Mutations happen on one thread (the caller's); nothing here is shared with worker processes but bytes.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tapgap import config as cfg
from tapgap.analysis import ProjectAnalysis, ProjectInputs, SchemaSide, finish_analysis
from tapgap.coverage.assertions import (
    BindingContext,
    FileSuite,
    analyse_test_file,
    file_key,
    merge_suites,
    project_context,
)
from tapgap.coverage.baseline import Baseline
from tapgap.coverage.requirements import Level
from tapgap.facts import Entry, FactsLoader, FileKind, Parsers, Stats, content_digest
from tapgap.findings import Finding
from tapgap.listing import project_files
from tapgap.live import Delta, LiveAnalysis
from tapgap.pgtap.model import TestFileFacts
from tapgap.pgtap.reader import TestOptions
from tapgap.schema.model import Operation, SchemaFileFacts
from tapgap.schema.state import SchemaState
from tapgap.sql.split import SplitOptions
from tapgap.store import FactStore

EventKind = Literal["created", "changed", "deleted", "moved"]


@dataclass(frozen=True)
class FileEvent:
    kind: EventKind
    path: Path
    dest: Path | None = None  # for "moved"


@dataclass
class _Change:
    tests: set[Path] = field(default_factory=set)  # paths whose includers are to be bound again
    relist: bool = False  # files came or went: list the project again
    schema: bool = False  # a schema file's operations changed: a new state, every suite bound again
    moved_only: bool = False  # a schema file changed, its operations did not: new locations only


def _operations(entry: Entry | None) -> list[Operation] | None:
    if entry is None or not isinstance(entry.facts, SchemaFileFacts):
        return None
    return [located.op for located in entry.facts.operations]


@contextmanager
def _one_collection() -> Iterator[None]:
    """Binding every test file again makes a few hundred thousand objects that all live on. With the
    cyclic collector on, it passed over them (and the rest of the daemon's heap) several times during the
    work, and a pause alone only moved those passes to the next edit; one full pass at the end costs
    less, and frees the old state's cycles at once."""
    if not gc.isenabled():
        yield  # a batch run: no collector to pause
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@dataclass
class Workspace:
    root: Path
    loaded: cfg.LoadedConfig
    level: Level | None = None
    baseline: Baseline | None = None
    store: FactStore = field(default_factory=FactStore.disabled)
    stats: Stats = field(default_factory=Stats)
    # Schema and test files given explicitly (a corpus's manifest, a benchmark) instead of discovered.
    files: tuple[list[Path], list[Path]] | None = None
    # Build the live analysis at load (the daemon, which applies edits), not the batch one (a check):
    # the live one costs more to build and is only worth it when edits follow.
    incremental: bool = False

    def __post_init__(self) -> None:
        config = self.loaded.config
        split = SplitOptions(placeholders=cfg.placeholders(config))
        self.search_path = tuple(config.search_path)
        self.parsers = Parsers(
            split,
            TestOptions(
                search_path=self.search_path,
                custom=cfg.custom_assertions(config),
                role_helpers=cfg.role_helpers(config),
                split=split,
            ),
        )
        self.loader = FactsLoader(self.root, self.parsers, self.store, self.stats)
        self.entries: dict[Path, Entry] = {}
        self.extra: dict[Path, Entry] = {}  # included files that are not test files themselves
        self.schema_order: list[Path] = []
        self.test_order: list[Path] = []
        self.layout = ""
        self.state = SchemaState(self.search_path)
        self.suites: dict[Path, FileSuite] = {}
        self.includers: dict[str, set[Path]] = {}  # an included file's key → the test files including it
        self.context: BindingContext | None = None  # for this schema state; dropped by a replay
        self.schema_side: SchemaSide | None = None  # likewise
        self.live: LiveAnalysis | None = None
        self.current: ProjectAnalysis | None = None

    # -- building ------------------------------------------------------------------------------------------

    def load(self) -> Workspace:
        started = time.perf_counter()
        schema, tests, self.layout = self._list()
        self.stats.timed("discover", started)
        self.schema_order = [p.absolute() for p in schema]
        self.test_order = [p.absolute() for p in tests]
        files: list[tuple[Path, FileKind]] = [(p, "schema") for p in self.schema_order]
        files += [(p, "test") for p in self.test_order]
        self.entries = {entry.path: entry for entry in self.loader.load(files)}
        self.extra = {}
        self._replay()
        self.suites, self.includers = {}, {}
        self._bind_all()
        self.live = None
        if self.incremental:
            self._go_live()
        else:
            self._finish()
        return self

    def live_keys(self) -> list[tuple[bytes, str]]:
        """The cache keys of every file the workspace holds (for pruning the cache)."""
        entries = [*self.entries.values(), *self.extra.values()]
        return [(e.digest, e.kind) for e in entries if e.digest is not None]

    def _list(self) -> tuple[list[Path], list[Path], str]:
        if self.files is not None:
            return self.files[0], self.files[1], "files given"
        return project_files(self.root, self.loaded)

    def analysis(self) -> ProjectAnalysis:
        if self.current is None:
            self.load()
        assert self.current is not None
        return self.current

    def _replay(self) -> None:
        started = time.perf_counter()
        state = SchemaState(self.search_path)
        for path in self.schema_order:
            entry = self.entries.get(path)
            if entry is not None and isinstance(entry.facts, SchemaFileFacts):
                state.begin_file(entry.name)
                for located in entry.facts.operations:
                    state.apply(located)
        self.state = state
        self.context = None
        self.schema_side = None
        self.stats.timed("replay", started)

    def _test_facts(self, path: Path) -> tuple[TestFileFacts | None, Finding | None]:
        path = path.absolute()
        entry = (
            self.entries.get(path)
            if self.entries.get(path, None) and self.entries[path].kind == "test"
            else None
        )
        if entry is None:
            entry = self.extra.get(path)
            if entry is None:
                (entry,) = self.loader.load([(path, "test")])
                self.extra[path] = entry
        facts = entry.facts if isinstance(entry.facts, TestFileFacts) else None
        return facts, entry.problem

    def _analyse_tests(self, paths: Iterable[Path]) -> None:
        started = time.perf_counter()
        if self.context is None:
            self.context = project_context(self.root, self.state, self.parsers.tests, self._test_facts)
        for path in paths:
            self._set_suite(path, analyse_test_file(self.context, path))
        self.stats.timed("tests", started)

    def _bind_all(self) -> None:
        self._analyse_tests(self.test_order)
        if not self.incremental:
            self.context = None  # a batch run binds nothing more: its memos are 5-10 MB at scale M
        elif self.context is not None:
            # Kept for edits, which bind a file at a time: its name hints ("did you mean") cost 0.1-0.2 s
            # to gather again; its bindings memo pays only while every file is bound.
            self.context.forget_bindings()

    def _schema_side(self) -> SchemaSide:
        """What the schema files report; kept until they change (a replay)."""
        if self.schema_side is not None:
            return self.schema_side
        findings: list[Finding] = []
        suppressions = {}
        statements = 0
        for path in self.schema_order:
            entry = self.entries.get(path)
            if entry is None:
                continue
            if entry.problem is not None:
                findings.append(entry.problem)
            if isinstance(entry.facts, SchemaFileFacts):
                findings.extend(entry.facts.findings)
                statements += entry.facts.statements
                if entry.facts.suppressions:
                    suppressions[entry.name] = entry.facts.suppressions
        self.schema_side = SchemaSide(findings, statements, suppressions)
        return self.schema_side

    def _inputs(self) -> ProjectInputs:
        return ProjectInputs(
            self.root,
            self.loaded,
            self.level,
            self.baseline,
            self.layout,
            self.schema_order,
            self.test_order,
            self.state,
            self._schema_side(),
        )

    def _finish(self) -> None:
        started = time.perf_counter()
        suites = [self.suites[p] for p in self.test_order if p in self.suites]
        self.current = finish_analysis(self._inputs(), merge_suites(suites, self.state, len(self.test_order)))
        self.current.included_files = sorted(self.extra)
        self.stats.timed("index", started)

    def _go_live(self) -> LiveAnalysis:
        """A new live analysis of the workspace as it stands."""
        started = time.perf_counter()
        self.live = LiveAnalysis(self._inputs(), self.suites, sorted(self.extra))
        self.current = self.live.analysis()
        self.stats.timed("index", started)
        return self.live

    # -- events --------------------------------------------------------------------------------------------

    def apply(self, events: Sequence[FileEvent]) -> Delta:
        """Bring the workspace up to date with file events; the findings and figures that changed."""
        if self.current is None:
            self.load()
        live = self.live or self._go_live()
        change = self._take(events)
        gone: list[Path] = []
        if change.relist:
            change.schema |= self._relist(change.tests)
            listed = set(self.test_order)
            gone = [p for p in self.suites if p not in listed]
            for path in gone:
                self._set_suite(path, None)
        if change.schema:
            with _one_collection():
                self._replay()
                self._bind_all()
                self._forget_includes()
                return self._go_live().changes_since(live)
        started = time.perf_counter()
        if change.moved_only:
            # The schema files still apply the same operations: the state differs in locations alone,
            # which no binding reads. The suites stand; the objects take their new places.
            self._replay()
        dependents = self._dependents(change.tests)
        if change.relist:
            redo = [p for p in self.test_order if p in dependents or p not in self.suites]
        else:  # every listed test file has its suite: only those depending on the change are redone
            redo = [p for p in dependents if p in self.suites]
        included_before = any(self.suites[p].depends_on for p in redo if p in self.suites)
        self._analyse_tests(redo)
        if included_before or gone:
            self._forget_includes()
        suites: dict[Path, FileSuite | None] = {p: self.suites[p] for p in redo}
        suites.update((p, None) for p in gone)
        delta = live.update(self._inputs(), suites, sorted(self.extra), moved=change.moved_only)
        if delta is None:
            return self._go_live().changes_since(live)
        self.current = live.analysis()
        self.stats.timed("index", started)
        return delta

    def _take(self, events: Sequence[FileEvent]) -> _Change:
        """Re-read what the events name; what kind of change that makes."""
        change = _Change()
        schema_files = set(self.schema_order)
        for event in events:
            for path in (event.path, event.dest):
                if path is None:
                    continue
                path = path.absolute()
                # Every path an event names counts as changed for the files that include it.
                if self.extra.pop(path, None) is not None:
                    change.tests.add(path)
                if event.kind in ("created", "deleted", "moved"):
                    change.relist = True
                    change.tests.add(path)
                old = self.entries.get(path)
                if self._refresh(path):
                    if self._was_schema(path) or path in schema_files:
                        if _operations(old) == _operations(self.entries.get(path)):
                            change.moved_only = True
                        else:
                            change.schema = True
                    change.tests.add(path)
        return change

    def set_buffer(self, path: Path, text: str | None) -> Delta:
        """An editor buffer's unsaved text stands for the file (``None``: back to the file on disk)."""
        path = path.absolute()
        if text is None:
            self.loader.overlays.pop(path, None)
        else:
            self.loader.overlays[path] = text.encode("utf-8", "surrogatepass")
        return self.apply([FileEvent("changed", path)])

    def _was_schema(self, path: Path) -> bool:
        entry = self.entries.get(path)
        return entry is not None and entry.kind == "schema"

    def _refresh(self, path: Path) -> bool:
        """Re-read one file if it is part of the project; whether its facts changed."""
        old = self.entries.get(path)
        if old is None:
            return path.suffix.lower() in (".sql", ".pg", ".psql")
        if path not in self.loader.overlays and not path.exists() and not path.is_symlink():
            del self.entries[path]
            return True
        try:
            data = self.loader.overlays.get(path)
            same = content_digest(old.name, data if data is not None else path.read_bytes()) == old.digest
        except OSError:
            same = False
        if same:
            return False  # same bytes: no work
        (entry,) = self.loader.load([(path, old.kind)])
        self.entries[path] = entry
        return True

    def _relist(self, changed: set[Path]) -> bool:
        """Files appeared, vanished or moved: list the project again; whether the schema files changed."""
        schema, tests, self.layout = self._list()
        schema_order = [p.absolute() for p in schema]
        test_order = [p.absolute() for p in tests]
        schema_changed = schema_order != self.schema_order
        new_files: list[tuple[Path, FileKind]] = [
            (p, "schema") for p in schema_order if p not in self.entries
        ]
        new_files += [(p, "test") for p in test_order if p not in self.entries]
        for path in [*schema_order, *test_order]:
            entry = self.entries.get(path)
            wanted: FileKind = "schema" if path in schema_order else "test"
            if entry is not None and entry.kind != wanted:
                new_files.append((path, wanted))
        for entry in self.loader.load(new_files):
            self.entries[entry.path] = entry
            changed.add(entry.path)
        keep = set(schema_order) | set(test_order)
        for path in [p for p in self.entries if p not in keep]:
            del self.entries[path]
            changed.add(path)
        self.schema_order, self.test_order = schema_order, test_order
        return schema_changed

    def _forget_includes(self) -> None:
        """Drop included files no test file includes any more (a fresh load would not read them)."""
        for path in [p for p in self.extra if file_key(p) not in self.includers]:
            del self.extra[path]

    def _set_suite(self, path: Path, suite: FileSuite | None) -> None:
        old = self.suites.pop(path, None) if suite is None else self.suites.get(path)
        for key in set(old.depends_on) if old is not None else ():
            including = self.includers[key]
            including.discard(path)
            if not including:
                del self.includers[key]
        if suite is not None:
            self.suites[path] = suite
            for key in suite.depends_on:
                self.includers.setdefault(key, set()).add(path)

    def _dependents(self, changed: set[Path]) -> set[Path]:
        found = set(changed)
        for path in changed:
            found |= self.includers.get(file_key(path), set())
        return found
