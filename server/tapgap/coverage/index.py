"""The coverage index: schema objects joined to the assertions and exercises that check them.

The join is on object keys (a hash join): evidence is collected once into ``(key, facet) → evidence``, then
each object's requirements are looked up there. No object is ever compared with every assertion.

``build_index`` is the batch form (``tapgap check``). The pieces it is made of (``object_plans``,
``object_coverage``, ``count``, ``summaries``, ``untested_finding``) are shared with the live index
(``coverage/live.py``), which keeps the same figures up to date one test file at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain

import msgspec

from tapgap.coverage.assertions import SuiteAnalysis
from tapgap.coverage.evidence import Evidence, Exercises, ObjectRef, assertion_proofs, grouped
from tapgap.coverage.requirements import KINDS, Level, Requirement, requirements_for
from tapgap.findings import Finding
from tapgap.schema.inventory import state_objects
from tapgap.schema.state import SchemaState
from tapgap.sql.names import dotted
from tapgap.sql.source import Span

# Evidence kept per requirement (hover and references list it); more would only cost memory.
EVIDENCE_SHOWN = 20


class RequirementStatus(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    facet: str
    covered: bool
    evidence: tuple[Evidence, ...] = ()
    accepted: bool = False  # an accepted gap: listed in the baseline


class ObjectCoverage(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    kind: str
    key: str
    file: str | None
    span: Span | None
    requirements: tuple[RequirementStatus, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(r.facet for r in self.requirements if not r.covered and not r.accepted)


class KindSummary(msgspec.Struct, frozen=True):
    kind: str
    objects: int
    requirements: int
    covered: int

    @property
    def percent(self) -> float:
        return 100.0 if self.requirements == 0 else 100.0 * self.covered / self.requirements


class CoverageIndex(msgspec.Struct, frozen=True):
    level: Level
    objects: list[ObjectCoverage]
    kinds: list[KindSummary]
    total: KindSummary

    def by_key(self) -> dict[ObjectRef, ObjectCoverage]:
        return {(o.kind, o.key): o for o in self.objects}


class CoverageOptions(msgspec.Struct, frozen=True, kw_only=True):
    level: Level = "normal"
    overrides: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    excluded: Callable[[str], bool] | None = None  # an object key pattern test (config exclude_objects)
    accepted: frozenset[tuple[str, str, str]] = frozenset()  # (kind, key, facet) gaps in the baseline


# -- requirements ----------------------------------------------------------------------------------------


def _applies(requirement: Requirement, attrs: Mapping[str, object]) -> bool:
    when = requirement.when
    if when is None:
        return True
    if when in ("primary key", "foreign key", "unique", "check") and "type" in attrs and "columns" in attrs:
        return attrs.get("type") == when
    if when == "enum":
        return attrs.get("type") == "enum"
    if when == "plain":
        return not attrs.get("unique") and not attrs.get("primary")
    if when == "unique":
        return bool(attrs.get("unique")) and not attrs.get("primary")
    return bool(attrs.get(when.replace(" ", "_")))


class ObjectPlan(msgspec.Struct, frozen=True):
    """An object with the requirements that apply to it: a function of the schema state and the options
    alone, so that the live index can recompute an object's coverage without the state."""

    kind: str
    key: str
    file: str | None
    span: Span | None
    requirements: tuple[Requirement, ...]


def object_plans(state: SchemaState, options: CoverageOptions) -> list[ObjectPlan]:
    placed = state_objects(state)
    rls = [
        (msgspec.structs.replace(i, kind="rls"), loc)
        for i, loc in placed
        if i.kind == "table" and i.attrs.get("rls_enabled")
    ]
    backing = _constraint_indexes(state)
    plans = []
    for item, loc in [*placed, *rls]:
        if options.excluded is not None and options.excluded(item.key):
            continue
        # The index of a primary key or unique constraint is the constraint's business: its requirement is
        # the constraint's (has_pk, col_is_unique), not a second one on the index.
        requirements = (
            ()
            if (item.kind, item.key) in backing
            else requirements_for(item.kind, options.level, options.overrides)
        )
        plans.append(
            ObjectPlan(
                item.kind,
                item.key,
                loc.file if loc else None,
                loc.span if loc else None,
                tuple(r for r in requirements if _applies(r, item.attrs)),
            )
        )
    return plans


Lookup = Callable[[ObjectRef, str], Sequence[Evidence]]  # (object, facet) → evidence, in project order


def object_coverage(
    plan: ObjectPlan, lookup: Lookup, accepted: frozenset[tuple[str, str, str]]
) -> ObjectCoverage:
    """One object's requirements against the evidence; ``lookup`` may stop at ``EVIDENCE_SHOWN`` items."""
    ref = (plan.kind, plan.key)
    statuses = []
    for requirement in plan.requirements:
        found = list(lookup(ref, requirement.facet))
        for alternative in requirement.alternatives:
            if len(found) >= EVIDENCE_SHOWN:
                break
            found.extend(lookup(ref, alternative))
        statuses.append(
            RequirementStatus(
                facet=requirement.facet,
                covered=bool(found),
                evidence=tuple(found[:EVIDENCE_SHOWN]),
                accepted=not found and (plan.kind, plan.key, requirement.facet) in accepted,
            )
        )
    return ObjectCoverage(
        kind=plan.kind, key=plan.key, file=plan.file, span=plan.span, requirements=tuple(statuses)
    )


def build_index(
    state: SchemaState, suite: SuiteAnalysis, options: CoverageOptions | None = None
) -> CoverageIndex:
    options = options or CoverageOptions()
    exercises = Exercises(state)
    # Every assertion's evidence before any exercise's: the order evidence is shown in.
    proved = grouped(
        chain(
            (p for a in suite.assertions for p in assertion_proofs(a)),
            (p for e in suite.exercises for p in exercises.proofs(e)),
        )
    )
    empty: list[Evidence] = []
    objects = [
        object_coverage(plan, lambda ref, facet: proved.get((ref, facet), empty), options.accepted)
        for plan in object_plans(state, options)
    ]
    kinds, total = summaries(count(objects))
    return CoverageIndex(options.level, objects, kinds, total)


def _constraint_indexes(state: SchemaState) -> set[ObjectRef]:
    return {
        ("index", dotted(table.schema.name, table.name, con.index.name))
        for table in state.tables()
        for con in table.constraints.values()
        if con.index is not None
    }


Counts = dict[str, list[int]]  # kind → [objects, requirements, covered]


def count(objects: Iterable[ObjectCoverage]) -> Counts:
    counts: Counts = {kind: [0, 0, 0] for kind in KINDS}
    for obj in objects:
        tally(counts, obj, 1)
    return counts


def tally(counts: Counts, obj: ObjectCoverage, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) one object's figures."""
    row = counts.setdefault(obj.kind, [0, 0, 0])
    row[0] += sign
    row[1] += sign * len(obj.requirements)
    # An accepted gap counts as covered for thresholds: CI fails only on new gaps.
    row[2] += sign * sum(1 for r in obj.requirements if r.covered or r.accepted)


def summaries(counts: Counts) -> tuple[list[KindSummary], KindSummary]:
    """Coverage per kind (kinds without objects left out) and overall."""
    kinds = [KindSummary(kind, *row) for kind, row in counts.items() if row[0]]
    total = KindSummary(
        "total",
        sum(k.objects for k in kinds),
        sum(k.requirements for k in kinds),
        sum(k.covered for k in kinds),
    )
    return kinds, total


# How a missing facet reads in a finding: "no test checks that it exists, its type".
_PHRASES = {
    "exists": "that it exists",
    "exercised": "it by calling or using it",
    "type": "its type",
    "nullable": "its NOT NULL",
    "default": "its default",
    "pk": "the primary key",
    "fk": "the foreign key",
    "fk target": "what the foreign key references (fk_ok)",
    "unique": "that it is unique",
    "check": "the check constraint",
    "primary": "that it is the primary key's index",
    "enabled": "that row-level security is enabled",
    "labels": "its labels",
    "returns": "its return type",
    "security definer": "that it is SECURITY DEFINER",
    "trigger function": "its trigger function",
    "policy command": "its command",
    "policy roles": "its roles",
}


def untested_findings(index: CoverageIndex) -> list[Finding]:
    """One ``untested`` finding per object with requirements no test satisfies, at its definition."""
    found = (untested_finding(obj, index.level) for obj in index.objects)
    return [f for f in found if f is not None]


def untested_finding(obj: ObjectCoverage, level: Level) -> Finding | None:
    missing = obj.missing
    if not missing or obj.file is None or obj.span is None:
        return None
    return Finding(
        code="untested",
        severity="info" if level == "lenient" else "warning",
        file=obj.file,
        span=obj.span,
        message=f"{obj.kind} {obj.key}: no test checks {', '.join(_PHRASES.get(m, m) for m in missing)}",
        object=obj.key,
    )
