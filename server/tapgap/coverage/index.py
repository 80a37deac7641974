"""The coverage index: schema objects joined to the assertions and exercises that check them.

The join is on object keys (a hash join): evidence is collected once into ``key → facet → evidence``, then
each object's requirements are looked up there. No object is ever compared with every assertion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import msgspec

from tapgap.coverage.assertions import SuiteAnalysis
from tapgap.coverage.binding import SYSTEM_SCHEMAS
from tapgap.coverage.requirements import KINDS, Level, Requirement, requirements_for
from tapgap.findings import Finding, Severity
from tapgap.pgtap.model import LocatedExercise
from tapgap.schema.inventory import state_objects
from tapgap.schema.state import Function, Schema, SchemaState, Table, View
from tapgap.sql.names import dotted
from tapgap.sql.source import Span

ObjectRef = tuple[str, str]  # (kind, key)


class Evidence(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One assertion or exercise that satisfies a requirement."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    by: str  # the assertion function, or the exercise ("select", "call", ...)
    role: str | None = None


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


# -- evidence --------------------------------------------------------------------------------------------

# An assertion of one facet is evidence of another too.
_IMPLIED = {"fk target": ("fk",), "members": ("exists",)}


def _parents(kind: str, key: str) -> Iterable[ObjectRef]:
    """The objects whose existence an assertion on (kind, key) proves: a column's table, etc."""
    if kind in ("column", "constraint", "index", "trigger", "policy"):
        parts = _split_key(key)
        if len(parts) == 3:
            yield "table", dotted(parts[0], parts[1])


def _split_key(key: str) -> list[str]:
    if '"' not in key:
        return key.split(".")
    parts, buf, quoted, i = [], [], False, 0
    while i < len(key):
        ch = key[i]
        if ch == '"':
            if quoted and i + 1 < len(key) and key[i + 1] == '"':
                buf.append('"')
                i += 2
                continue
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


class _Evidence:
    def __init__(self) -> None:
        self.facets: dict[ObjectRef, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))

    def add(self, ref: ObjectRef, facet: str, evidence: Evidence) -> None:
        self.facets[ref][facet].append(evidence)

    def get(self, ref: ObjectRef, facet: str) -> list[Evidence]:
        found = self.facets.get(ref)
        return found.get(facet, []) if found else []


def _collect_assertions(suite: SuiteAnalysis, into: _Evidence) -> None:
    for assertion in suite.assertions:
        evidence = Evidence(
            file=assertion.file,
            line=assertion.span.line + 1,
            column=assertion.span.col + 1,
            by=assertion.function,
            role=assertion.role,
        )
        for target in assertion.targets:
            for ref in target.objects:
                if target.negated and target.facet == "exists":
                    continue  # hasnt_table proves nothing about an object that exists
                into.add(ref, target.facet, evidence)
                for implied in _IMPLIED.get(target.facet, ()):
                    into.add(ref, implied, evidence)
                if not target.negated:
                    # Any check of an object proves it exists (once: not again for "exists" itself).
                    if target.facet != "exists" and "exists" not in _IMPLIED.get(target.facet, ()):
                        into.add(ref, "exists", evidence)
                    for parent in _parents(*ref):
                        into.add(parent, "exists", evidence)


def _lookup_relation(
    state: SchemaState, schema: str | None, name: str, path: Sequence[str]
) -> Table | View | None:
    schemas: Iterable[str] = [schema] if schema else path
    for candidate in schemas:
        found = state.schemas.get(candidate)
        rel = found.relations.get(name) if found else None
        if isinstance(rel, Table | View):
            return rel
    return None


def _lookup_functions(
    state: SchemaState, schema: str | None, name: str, path: Sequence[str]
) -> list[Function]:
    schemas: Iterable[str] = [schema] if schema else path
    for candidate in schemas:
        found: Schema | None = state.schemas.get(candidate)
        if found is not None and name in found.functions:
            return found.functions[name]
    return []


def _collect_exercises(state: SchemaState, exercises: Iterable[LocatedExercise], into: _Evidence) -> None:
    # A fired trigger runs its function: that exercises the function too.
    trigger_functions: dict[str, list[ObjectRef]] = defaultdict(list)
    for fn in state.functions():
        if fn.result() == "trigger":
            trigger_functions[fn.name].append(("function", _function_key(fn)))
    for exercise in exercises:
        target = exercise.target
        if target.schema in SYSTEM_SCHEMAS:
            continue
        evidence = Evidence(
            file=exercise.file,
            line=exercise.span.line + 1,
            column=exercise.span.col + 1,
            by=exercise.action,
            role=exercise.role,
        )
        if exercise.action == "call":
            overloads = _lookup_functions(state, target.schema, target.name, exercise.search_path)
            matching = [fn for fn in overloads if exercise.args < 0 or len(fn.args) == exercise.args]
            for fn in matching or overloads:
                into.add(
                    ("procedure" if fn.procedure else "function", _function_key(fn)), "exercised", evidence
                )
            continue
        rel = _lookup_relation(state, target.schema, target.name, exercise.search_path)
        if rel is None:
            continue
        key = dotted(rel.schema.name, rel.name)
        if isinstance(rel, View):
            into.add(("materialized view" if rel.materialized else "view", key), "exercised", evidence)
            continue
        into.add(("table", key), "exercised", evidence)
        command = exercise.action.upper()
        for trigger in rel.triggers.values():
            if command in trigger.events:
                into.add(("trigger", dotted(rel.schema.name, rel.name, trigger.name)), "fired", evidence)
                for ref in trigger_functions.get(trigger.function, ()):
                    into.add(ref, "exercised", evidence)
        if exercise.role is None:
            continue
        into.add(("rls", key), "exercised", evidence)
        for policy in rel.policies.values():
            if policy.command in ("ALL", command) and (
                "public" in policy.roles or exercise.role in policy.roles
            ):
                into.add(("policy", dotted(rel.schema.name, rel.name, policy.name)), "under a role", evidence)


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


def build_index(
    state: SchemaState, suite: SuiteAnalysis, options: CoverageOptions | None = None
) -> CoverageIndex:
    options = options or CoverageOptions()
    evidence = _Evidence()
    _collect_assertions(suite, evidence)
    _collect_exercises(state, suite.exercises, evidence)
    objects: list[ObjectCoverage] = []
    placed = state_objects(state)
    rls = [
        (msgspec.structs.replace(i, kind="rls"), loc)
        for i, loc in placed
        if i.kind == "table" and i.attrs.get("rls_enabled")
    ]
    backing = _constraint_indexes(state)
    for item, loc in [*placed, *rls]:
        if options.excluded is not None and options.excluded(item.key):
            continue
        statuses = []
        # The index of a primary key or unique constraint is the constraint's business: its requirement is
        # the constraint's (has_pk, col_is_unique), not a second one on the index.
        requirements = (
            ()
            if (item.kind, item.key) in backing
            else requirements_for(item.kind, options.level, options.overrides)
        )
        for requirement in requirements:
            if not _applies(requirement, item.attrs):
                continue
            found = list(evidence.get((item.kind, item.key), requirement.facet))
            for alternative in requirement.alternatives:
                found.extend(evidence.get((item.kind, item.key), alternative))
            accepted = not found and (item.kind, item.key, requirement.facet) in options.accepted
            statuses.append(
                RequirementStatus(
                    facet=requirement.facet,
                    covered=bool(found),
                    evidence=tuple(found[:20]),
                    accepted=accepted,
                )
            )
        objects.append(
            ObjectCoverage(
                kind=item.kind,
                key=item.key,
                file=loc.file if loc else None,
                span=loc.span if loc else None,
                requirements=tuple(statuses),
            )
        )
    kinds = _summaries(objects)
    total = KindSummary(
        "total",
        sum(k.objects for k in kinds),
        sum(k.requirements for k in kinds),
        sum(k.covered for k in kinds),
    )
    return CoverageIndex(options.level, objects, kinds, total)


def _function_key(fn: Function) -> str:
    return f"{dotted(fn.schema.name, fn.name)}({','.join(fn.signature())})"


def _constraint_indexes(state: SchemaState) -> set[ObjectRef]:
    return {
        ("index", dotted(table.schema.name, table.name, con.index.name))
        for table in state.tables()
        for con in table.constraints.values()
        if con.index is not None
    }


def _summaries(objects: Sequence[ObjectCoverage]) -> list[KindSummary]:
    counts: dict[str, list[int]] = {kind: [0, 0, 0] for kind in KINDS}
    for obj in objects:
        row = counts.setdefault(obj.kind, [0, 0, 0])
        row[0] += 1
        row[1] += len(obj.requirements)
        # An accepted gap counts as covered for thresholds: CI fails only on new gaps.
        row[2] += sum(1 for r in obj.requirements if r.covered or r.accepted)
    return [KindSummary(kind, *row) for kind, row in counts.items() if row[0]]


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
    severity: Severity = "info" if index.level == "lenient" else "warning"
    findings = []
    for obj in index.objects:
        missing = obj.missing
        if not missing or obj.file is None or obj.span is None:
            continue
        findings.append(
            Finding(
                code="untested",
                severity=severity,
                file=obj.file,
                span=obj.span,
                message=f"{obj.kind} {obj.key}: no test checks {', '.join(_PHRASES.get(m, m) for m in missing)}",
                object=obj.key,
            )
        )
    return findings
