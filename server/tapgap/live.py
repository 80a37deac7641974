"""The daemon's analysis: a ``ProjectAnalysis`` kept up to date one test file at a time.

A test file's edit reaches the index (``coverage/live.py``) as that file's old and new suite; the findings
are kept per file and settled again (inline suppressions, baseline, order) only for the files whose parts
changed: the edited file, the files it includes, the schema files defining objects whose gaps changed, and
the files holding a look-alike whose name a definition just added or removed. ``Delta`` says what changed.

It follows ``analysis.finish_analysis`` part for part: for every file, the schema files' findings, then the
test files' (deduplicated, in test file order), then ``untested``, then suppression and the baseline. The
workspace's property test checks that both always agree.

A schema edit that leaves every operation as it was (comments, blank lines, a statement's layout) only
moves objects: their locations are taken as they are, and the schema files' findings are
settled again. Any other schema change is not applied here: the workspace builds a new ``LiveAnalysis``
and compares the two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from tapgap.analysis import ProjectAnalysis, ProjectInputs, SchemaSide, Settled, settle
from tapgap.coverage.assertions import FileSuite, dedupe, defined_functions, merge_suites, suite_findings
from tapgap.coverage.index import KindSummary, summaries, untested_finding
from tapgap.coverage.live import LiveIndex
from tapgap.findings import Finding
from tapgap.sql.suppress import Suppression


@dataclass
class Delta:
    """What one batch of events changed."""

    findings: dict[str, list[Finding]]  # file → its findings now, for every file whose findings changed
    kinds: list[KindSummary]  # coverage per kind now, when any figure changed (else empty)
    total: KindSummary | None  # overall coverage now, when it changed


_NONE = Settled([], 0, 0)


class LiveAnalysis:
    def __init__(
        self, project: ProjectInputs, suites: Mapping[Path, FileSuite], included: list[Path]
    ) -> None:
        self.project, self.included = project, included
        options = project.options()
        self.level = options.level
        self.index = LiveIndex(project.state, options, project.test_files, suites)
        self.suites = {p: suites[p] for p in project.test_files if p in suites}
        self.statements = sum(s.statements for s in self.suites.values())
        self.schema_part: dict[str, list[Finding]] = {}
        self.schema_marks: dict[str, list[Suppression]] = {}
        self.schema_statements = 0
        self._put_schema(project.schema)
        self.state_defined = defined_functions(project.state)
        self.defined = Counter(name for s in self.suites.values() for name in s.defined)
        # file → test file → what that test file's suite says about it (findings, suppressions)
        self.test_part: dict[str, dict[Path, list[Finding]]] = {}
        self.reported_by: dict[Path, dict[str, list[Finding]]] = {}  # the same, by test file
        self.test_marks: dict[str, dict[Path, list[Suppression]]] = {}
        for path, suite in self.suites.items():
            self._put_findings(path, suite)
            self._put_marks(path, None, suite)
        self.settled: dict[str, Settled] = {}  # files with findings reported or dropped
        self.suppressed = self.baselined = 0
        for file in {*self.schema_part, *self.test_part, *self.index.in_file}:
            self._settle(file)

    # -- results -------------------------------------------------------------------------------------------

    def analysis(self) -> ProjectAnalysis:
        project = self.project
        suites = list(self.suites.values())
        return ProjectAnalysis(
            project=project,
            suite_source=partial(merge_suites, suites, project.state, len(project.test_files)),
            index=self.index.index(),
            findings_source=partial(_joined, dict(self.settled)),
            statements=self.statements,
            suppressed=self.suppressed,
            baselined=self.baselined,
            included_files=self.included,
        )

    def changes_since(self, before: LiveAnalysis) -> Delta:
        """What differs from another analysis of the same project (after a schema change)."""
        files = {*before.settled, *self.settled}
        return self._delta(before.settled, files, before.index.counts != self.index.counts)

    # -- updates -------------------------------------------------------------------------------------------

    def update(
        self,
        project: ProjectInputs,
        suites: Mapping[Path, FileSuite | None],
        included: list[Path],
        *,
        moved: bool = False,
    ) -> Delta | None:
        """Replace test files' suites (``None``: the file left the project); with ``moved``, take a schema
        state whose objects are the live ones at new locations. ``None`` when files that stay changed
        places in the test file order, or the state's objects are not the live ones: build a new
        analysis then."""
        if not self.index.reorder(project.test_files):
            return None
        counts = {kind: [*row] for kind, row in self.index.counts.items()}
        dirty: set[str] = set()
        if moved:
            relocated = self.index.relocate(project.state)
            if relocated is None:
                return None
            dirty = relocated | self._put_schema(project.schema)
        self.project, self.included = project, included
        added = any(suite is not None and path not in self.suites for path, suite in suites.items())
        dirty |= self._redefine(suites)
        for path, suite in suites.items():
            old = self.suites.get(path)
            if suite is not None:
                self.suites[path] = suite  # in place: the dict keeps the test file order
            elif old is not None:
                del self.suites[path]
            self.statements += (suite.statements if suite else 0) - (old.statements if old else 0)
            dirty |= self._put_marks(path, old, suite)
            dirty |= self._put_findings(path, suite)
        if added:
            self.suites = {p: self.suites[p] for p in project.test_files if p in self.suites}  # in order
        dirty |= self.index.update(suites)
        before = {file: self._settle(file) for file in dirty}
        return self._delta(before, dirty, counts != self.index.counts)

    def _redefine(self, suites: Mapping[Path, FileSuite | None]) -> set[str]:
        """Update the names test files define; re-judge the look-alikes of a name that appeared or vanished.
        The files whose findings that changed."""
        names: Counter[str] = Counter()
        for path, suite in suites.items():
            old = self.suites.get(path)
            names.subtract(old.defined if old else ())
            names.update(suite.defined if suite else ())
        was = {name: self._defined(name) for name in names}
        self.defined.update(names)
        flipped = {name for name in names if was[name] != self._defined(name)}
        dirty: set[str] = set()
        if flipped:
            for path, suite in self.suites.items():
                if path not in suites and any(look.name in flipped for _, look in suite.look_alikes):
                    dirty |= self._put_findings(path, suite)
        return dirty

    def _put_schema(self, schema: SchemaSide) -> set[str]:
        """Take what the schema files report; the files whose part changed."""
        part: dict[str, list[Finding]] = {}
        for finding in schema.findings:
            part.setdefault(finding.file, []).append(finding)
        dirty = {f for f in {*part, *self.schema_part} if part.get(f) != self.schema_part.get(f)}
        marks = schema.suppressions
        dirty.update(f for f in {*marks, *self.schema_marks} if marks.get(f) != self.schema_marks.get(f))
        self.schema_part, self.schema_marks = part, marks
        self.statements += schema.statements - self.schema_statements
        self.schema_statements = schema.statements
        return dirty

    def _defined(self, name: str) -> bool:
        return name in self.state_defined or self.defined[name] > 0

    def _put_findings(self, path: Path, suite: FileSuite | None) -> set[str]:
        """Store what one test file's suite reports, per file; the files whose part changed."""
        new: dict[str, list[Finding]] = {}
        if suite is not None:
            for finding in suite_findings(suite, _Defined(self)):
                new.setdefault(finding.file, []).append(finding)
        old = self.reported_by.pop(path, {})
        if new:
            self.reported_by[path] = new
        return _put(self.test_part, path, new, old)

    def _put_marks(self, path: Path, old: FileSuite | None, suite: FileSuite | None) -> set[str]:
        return _put(
            self.test_marks, path, suite.suppressions if suite else {}, old.suppressions if old else {}
        )

    # -- per file --------------------------------------------------------------------------------------------

    def _settle(self, file: str) -> Settled:
        """Make one file's findings again from its parts; what they were."""
        findings = [*self.schema_part.get(file, ())]
        findings += dedupe(f for part in self._ordered(self.test_part.get(file)) for f in part)
        untested = (untested_finding(obj, self.level) for obj in self.index.objects_in(file))
        findings += [f for f in untested if f is not None]
        # A test file's suppressions of a file win over the schema's (as in the batch analysis's merge).
        by_tests = self._ordered(self.test_marks.get(file))
        marks = by_tests[-1] if by_tests else self.schema_marks.get(file)
        settled = settle(
            findings,
            {file: marks} if marks else {},
            self.project.baseline,
            self.project.loaded.config.severity,
        )
        old = self.settled.pop(file, _NONE)
        if settled.findings or settled.suppressed or settled.baselined:
            self.settled[file] = settled
        self.suppressed += settled.suppressed - old.suppressed
        self.baselined += settled.baselined - old.baselined
        return old

    def _ordered(self, parts: Mapping[Path, T] | None) -> list[T]:
        """Test files' parts of one file, in test file order."""
        if not parts:
            return []
        return [parts[p] for p in sorted(parts, key=self.index.position.__getitem__)]

    def _delta(self, before: Mapping[str, Settled], files: Iterable[str], figures: bool) -> Delta:
        changed = {}
        for file in files:
            old, new = before.get(file, _NONE).findings, self.settled.get(file, _NONE).findings
            if old != new:
                changed[file] = new
        if not figures:
            return Delta(changed, [], None)
        kinds, total = summaries(self.index.counts)
        return Delta(changed, kinds, total)


def _joined(settled: Mapping[str, Settled]) -> list[Finding]:
    return [f for file in sorted(settled) for f in settled[file].findings]


class _Defined:
    """Membership in every definition of a function name: the state's and the test files'."""

    def __init__(self, live: LiveAnalysis) -> None:
        self.live = live

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.live._defined(name)


T = TypeVar("T")


def _put(parts: dict[str, dict[Path, T]], path: Path, new: Mapping[str, T], old: Mapping[str, T]) -> set[str]:
    """Replace ``path``'s part of each file (``parts``: file → path → part, ``old`` and ``new``: file →
    part); the files whose part changed."""
    dirty = set()
    for file in old.keys() - new.keys():
        by_path = parts[file]
        del by_path[path]
        if not by_path:
            del parts[file]
        dirty.add(file)
    for file, part in new.items():
        if old.get(file) != part:
            parts.setdefault(file, {})[path] = part
            dirty.add(file)
    return dirty
