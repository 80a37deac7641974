"""The live coverage index: the batch index's figures, kept up to date one test file at a time.

It holds each test file's evidence apart (``FileEvidence``) and, per object, the test files holding some.
When a test file's suite changes, only its old and new evidence are compared; the objects named in the
difference have their requirements looked up again, and the figures per kind are adjusted by the
difference of those objects alone. The evidence of a requirement lists the files' assertions, then their
exercises, each in the project's test file order: the batch index's order, so that both give equal results.

One index serves one schema state: a schema change (new objects, new exercise targets) builds a new one,
but for an edit that leaves every operation as it was, whose objects only move (``relocate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path

import msgspec

from tapgap.coverage.assertions import FileSuite
from tapgap.coverage.evidence import Evidence, Exercises, FileEvidence, ObjectRef, Proved, file_evidence
from tapgap.coverage.index import (
    EVIDENCE_SHOWN,
    CoverageIndex,
    CoverageOptions,
    ObjectCoverage,
    ObjectPlan,
    count,
    object_coverage,
    object_plans,
    summaries,
    tally,
)
from tapgap.schema.state import SchemaState

_NO_EVIDENCE = FileEvidence({}, {})


class LiveIndex:
    def __init__(
        self,
        state: SchemaState,
        options: CoverageOptions,
        order: Sequence[Path],
        suites: Mapping[Path, FileSuite],
    ) -> None:
        self.options = options
        self.exercises = Exercises(state)
        self.plans = object_plans(state, options)
        self.at: dict[ObjectRef, list[int]] = {}  # object → its positions in ``plans`` (and ``objects``)
        for i, plan in enumerate(self.plans):
            self.at.setdefault((plan.kind, plan.key), []).append(i)
        self.in_file = _by_file(self.plans)
        self.order = order
        self.position = {path: i for i, path in enumerate(order)}
        self.evidence: dict[Path, FileEvidence] = {}
        self.holders: dict[ObjectRef, list[Path]] = {}  # object → the test files with evidence about it
        for path in order:
            suite = suites.get(path)
            if suite is not None:
                self._hold(path, _NO_EVIDENCE, file_evidence(suite, self.exercises))
        self.objects = [object_coverage(p, self._lookup, options.accepted) for p in self.plans]
        self.counts = count(self.objects)

    def index(self) -> CoverageIndex:
        kinds, total = summaries(self.counts)
        return CoverageIndex(self.options.level, list(self.objects), kinds, total)

    def reorder(self, order: Sequence[Path]) -> bool:
        """Take the project's new test file order; False when files that stay changed places (evidence
        would be listed in another order: build a new index then)."""
        if order is self.order:
            return True  # the workspace lists its files anew only when files come and go
        position = {path: i for i, path in enumerate(order)}
        kept = [p for p in order if p in self.evidence]
        if sorted(kept, key=self.position.__getitem__) != kept:
            return False
        self.order, self.position = order, position
        return True

    def relocate(self, state: SchemaState) -> set[str] | None:
        """Take a state whose objects are the live ones at new locations (a schema file edited without
        changing what it does); the files whose objects moved. ``None`` if the objects are not the same."""
        plans = object_plans(state, self.options)
        if len(plans) != len(self.plans) or any(
            (new.kind, new.key, new.requirements) != (old.kind, old.key, old.requirements)
            for new, old in zip(plans, self.plans, strict=True)
        ):
            return None
        files: set[str] = set()
        for i, (new, old) in enumerate(zip(plans, self.plans, strict=True)):
            if (new.file, new.span) != (old.file, old.span):
                self.objects[i] = msgspec.structs.replace(self.objects[i], file=new.file, span=new.span)
                files.update(f for f in (new.file, old.file) if f is not None)
        self.plans = plans
        self.in_file = _by_file(plans)
        self.exercises = Exercises(state)
        return files

    def update(self, suites: Mapping[Path, FileSuite | None]) -> set[str]:
        """Replace test files' suites (``None``: the file left the project); the files defining objects
        whose gaps changed (their ``untested`` findings are to be made again)."""
        touched: set[ObjectRef] = set()
        for path, suite in suites.items():
            new = _NO_EVIDENCE if suite is None else file_evidence(suite, self.exercises)
            touched |= self._put(path, new)
        return self._refresh(touched)

    def objects_in(self, file: str) -> Iterable[ObjectCoverage]:
        return (self.objects[i] for i in self.in_file.get(file, ()))

    def _put(self, path: Path, new: FileEvidence) -> set[ObjectRef]:
        """Store one file's evidence; the objects whose evidence changed."""
        old = self.evidence.get(path, _NO_EVIDENCE)
        self._hold(path, old, new)
        return _changed(old.asserted, new.asserted) | _changed(old.exercised, new.exercised)

    def _hold(self, path: Path, old: FileEvidence, new: FileEvidence) -> None:
        if new.asserted or new.exercised:
            self.evidence[path] = new
        else:
            self.evidence.pop(path, None)
        old_refs, new_refs = old.refs(), new.refs()
        for ref in old_refs - new_refs:
            holders = self.holders[ref]
            holders.remove(path)
            if not holders:
                del self.holders[ref]
        for ref in new_refs - old_refs:
            self.holders.setdefault(ref, []).append(path)

    def _refresh(self, refs: Iterable[ObjectRef]) -> set[str]:
        files = set()
        for ref in refs:
            for i in self.at.get(ref, ()):
                old = self.objects[i]
                new = object_coverage(self.plans[i], self._lookup, self.options.accepted)
                if new == old:
                    continue
                tally(self.counts, old, -1)
                tally(self.counts, new, 1)
                self.objects[i] = new
                if new.missing != old.missing and new.file is not None:
                    files.add(new.file)
        return files

    def _lookup(self, ref: ObjectRef, facet: str) -> list[Evidence]:
        holders = self.holders.get(ref)
        if not holders:
            return []
        if len(holders) > 1:
            holders = sorted(holders, key=self.position.__getitem__)
        pair = (ref, facet)
        found: list[Evidence] = []
        parts = [self.evidence[path] for path in holders]
        for proved in chain((p.asserted for p in parts), (p.exercised for p in parts)):
            more = proved.get(pair)
            if more:
                found.extend(more)
                if len(found) >= EVIDENCE_SHOWN:
                    return found[:EVIDENCE_SHOWN]
        return found


def _by_file(plans: Sequence[ObjectPlan]) -> dict[str, list[int]]:
    """File → the positions of the objects it defines."""
    found: dict[str, list[int]] = {}
    for i, plan in enumerate(plans):
        if plan.file is not None:
            found.setdefault(plan.file, []).append(i)
    return found


def _changed(old: Proved, new: Proved) -> set[ObjectRef]:
    if old is new:
        return set()
    refs = {ref for (ref, facet), evidence in new.items() if old.get((ref, facet)) != evidence}
    refs.update(ref for (ref, facet) in old if (ref, facet) not in new)
    return refs
