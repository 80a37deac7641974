"""A project held in memory and kept up to date file by file: the incremental index.

The workspace keeps per-file facts (never file texts), the schema state replayed from them, one
``FileSuite`` per test file, and the analysis built from those. A file event recomputes only what depends on
the file: a test file's suite (and the suites of files that include it); for a schema file, the replay of
the cached operations (no parsing of other files) and the suites bound to the old state. Then the index is
rebuilt from the parts and the findings are diffed per file. A property test checks that any sequence of
events leaves the workspace equal to a fresh analysis of the same files.

Mutations happen on one thread (the caller's); nothing here is shared with worker processes but bytes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tapgap import config as cfg
from tapgap.analysis import ProjectAnalysis, finish_analysis
from tapgap.coverage.assertions import FileSuite, analyse_test_file, file_key, merge_suites, project_context
from tapgap.coverage.baseline import Baseline
from tapgap.coverage.index import KindSummary
from tapgap.coverage.requirements import Level
from tapgap.facts import Entry, FactsLoader, FileKind, Parsers, Stats, content_digest
from tapgap.findings import Finding
from tapgap.listing import project_files
from tapgap.pgtap.model import TestFileFacts
from tapgap.pgtap.reader import TestOptions
from tapgap.schema.model import SchemaFileFacts
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
class Delta:
    """What one batch of events changed."""

    findings: dict[str, list[Finding]]  # file → its findings now, for every file whose findings changed
    kinds: list[KindSummary]  # coverage per kind now, when any figure changed (else empty)
    total: KindSummary | None  # overall coverage now, when it changed


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
        self._replay()
        self.suites = {}
        self._analyse_tests(self.test_order)
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
        project = project_context(self.root, self.state, self.parsers.tests, self._test_facts)
        for path in paths:
            self.suites[path] = analyse_test_file(project, path)
        self.stats.timed("tests", started)

    def _finish(self) -> None:
        started = time.perf_counter()
        suites = [self.suites[p] for p in self.test_order if p in self.suites]
        suite = merge_suites(suites, self.state, len(self.test_order))
        schema_findings: list[Finding] = []
        suppressions = {}
        statements = 0
        for path in self.schema_order:
            entry = self.entries.get(path)
            if entry is None:
                continue
            if entry.problem is not None:
                schema_findings.append(entry.problem)
            if isinstance(entry.facts, SchemaFileFacts):
                schema_findings.extend(entry.facts.findings)
                statements += entry.facts.statements
                if entry.facts.suppressions:
                    suppressions[entry.name] = entry.facts.suppressions
        self.current = finish_analysis(
            self.root,
            self.loaded,
            layout=self.layout,
            schema_files=self.schema_order,
            test_files=self.test_order,
            state=self.state,
            suite=suite,
            schema_findings=schema_findings,
            schema_statements=statements,
            schema_suppressions=suppressions,
            level=self.level,
            baseline=self.baseline,
        )
        self.current.included_files = sorted(self.extra)
        self.stats.timed("index", started)

    # -- events --------------------------------------------------------------------------------------------

    def apply(self, events: Sequence[FileEvent]) -> Delta:
        """Bring the workspace up to date with file events; the findings and figures that changed."""
        before = self.analysis()
        schema_changed = False
        # Every path an event names counts as changed for the files that include it, whatever it is.
        changed_tests: set[Path] = set()
        relist = False
        for event in events:
            for path in (event.path, event.dest):
                if path is None:
                    continue
                path = path.absolute()
                if self.extra.pop(path, None) is not None:
                    changed_tests.add(path)
                if event.kind in ("created", "deleted", "moved"):
                    relist = True
                    changed_tests.add(path)
                if self._refresh(path):
                    schema_changed |= self._was_schema(path) or path in set(self.schema_order)
                    changed_tests.add(path)
        if relist:
            schema_changed |= self._relist(changed_tests)
        if schema_changed:
            self._replay()
            listed = set(self.test_order)
            self.suites = {p: s for p, s in self.suites.items() if p in listed}
            self._analyse_tests(self.test_order)
        else:
            dependents = self._dependents(changed_tests)
            listed = set(self.test_order)
            for path in list(self.suites):
                if path not in listed:
                    del self.suites[path]
            self._analyse_tests(p for p in self.test_order if p in dependents or p not in self.suites)
        self._finish()
        return _diff(before, self.analysis())

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

    def _dependents(self, changed: set[Path]) -> set[Path]:
        names = {file_key(p) for p in changed}
        found = set(changed)
        for path, suite in self.suites.items():
            if names.intersection(suite.depends_on):
                found.add(path)
        return found


def _by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.file].append(finding)
    return grouped


def _diff(before: ProjectAnalysis, after: ProjectAnalysis) -> Delta:
    old, new = _by_file(before.findings), _by_file(after.findings)
    changed = {
        file: new.get(file, []) for file in set(old) | set(new) if old.get(file, []) != new.get(file, [])
    }
    kinds_changed = before.index.kinds != after.index.kinds
    total_changed = before.index.total != after.index.total
    return Delta(
        changed, after.index.kinds if kinds_changed else [], after.index.total if total_changed else None
    )
