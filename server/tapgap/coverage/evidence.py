"""Evidence: which object facets an assertion or an exercise proves, as ``(object, facet, evidence)``.

Pure functions of one assertion, or of one exercise and the schema state, so that the batch index can
collect a whole project's evidence at once and the live index one test file's at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

import msgspec

from tapgap.coverage.assertions import Assertion, FileSuite
from tapgap.coverage.binding import SYSTEM_SCHEMAS
from tapgap.pgtap.model import LocatedExercise
from tapgap.schema.state import Function, Schema, SchemaState, Table, View
from tapgap.sql.names import dotted
from tapgap.sql.source import Span

ObjectRef = tuple[str, str]  # (kind, key)
Proof = tuple[ObjectRef, str, "Evidence"]  # an object, the facet proved, and by what


class Evidence(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One assertion or exercise that satisfies a requirement."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    by: str  # the assertion function, or the exercise ("select", "call", ...)
    role: str | None = None


# An assertion of one facet is evidence of another too.
_IMPLIED = {"fk target": ("fk",), "members": ("exists",)}


def _parents(kind: str, key: str) -> Iterator[ObjectRef]:
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


def _evidence(file: str, span: Span, by: str, role: str | None) -> Evidence:
    return Evidence(file=file, line=span.line + 1, column=span.col + 1, by=by, role=role)


def assertion_proofs(assertion: Assertion) -> Iterator[Proof]:
    evidence = _evidence(assertion.file, assertion.span, assertion.function, assertion.role)
    for target in assertion.targets:
        implied = _IMPLIED.get(target.facet, ())
        for ref in target.objects:
            if target.negated and target.facet == "exists":
                continue  # hasnt_table proves nothing about an object that exists
            yield ref, target.facet, evidence
            for facet in implied:
                yield ref, facet, evidence
            if not target.negated:
                # Any check of an object proves it exists (once: not again for "exists" itself).
                if target.facet != "exists" and "exists" not in implied:
                    yield ref, "exists", evidence
                for parent in _parents(*ref):
                    yield parent, "exists", evidence


class Exercises:
    """Exercise evidence needs the schema state: what a statement reads or writes, the triggers it fires,
    the policies it runs under."""

    def __init__(self, state: SchemaState) -> None:
        self.state = state
        # A fired trigger runs its function: that exercises the function too.
        self.trigger_functions: dict[str, list[ObjectRef]] = defaultdict(list)
        for fn in state.functions():
            if fn.result() == "trigger":
                self.trigger_functions[fn.name].append(("function", function_key(fn)))

    def proofs(self, exercise: LocatedExercise) -> Iterator[Proof]:
        target = exercise.target
        if target.schema in SYSTEM_SCHEMAS:
            return
        evidence = _evidence(exercise.file, exercise.span, exercise.action, exercise.role)
        if exercise.action == "call":
            overloads = _lookup_functions(self.state, target.schema, target.name, exercise.search_path)
            matching = [fn for fn in overloads if exercise.args < 0 or len(fn.args) == exercise.args]
            for fn in matching or overloads:
                yield ("procedure" if fn.procedure else "function", function_key(fn)), "exercised", evidence
            return
        rel = _lookup_relation(self.state, target.schema, target.name, exercise.search_path)
        if rel is None:
            return
        key = dotted(rel.schema.name, rel.name)
        if isinstance(rel, View):
            yield ("materialized view" if rel.materialized else "view", key), "exercised", evidence
            return
        yield ("table", key), "exercised", evidence
        command = exercise.action.upper()
        for trigger in rel.triggers.values():
            if command in trigger.events:
                yield ("trigger", dotted(rel.schema.name, rel.name, trigger.name)), "fired", evidence
                for ref in self.trigger_functions.get(trigger.function, ()):
                    yield ref, "exercised", evidence
        if exercise.role is None:
            return
        yield ("rls", key), "exercised", evidence
        for policy in rel.policies.values():
            if policy.command in ("ALL", command) and (
                "public" in policy.roles or exercise.role in policy.roles
            ):
                yield ("policy", dotted(rel.schema.name, rel.name, policy.name)), "under a role", evidence


Proved = dict[tuple[ObjectRef, str], list["Evidence"]]  # (object, facet) → evidence, in the file's order


class FileEvidence(msgspec.Struct, frozen=True):
    """What one test file (with its includes) proves. Assertions and exercises are kept apart: a
    requirement lists every file's assertions before any file's exercises."""

    asserted: Proved
    exercised: Proved

    def refs(self) -> set[ObjectRef]:
        return {ref for ref, _ in self.asserted} | {ref for ref, _ in self.exercised}


def file_evidence(suite: FileSuite, exercises: Exercises) -> FileEvidence:
    return FileEvidence(
        grouped(p for a in suite.assertions for p in assertion_proofs(a)),
        grouped(p for e in suite.exercises for p in exercises.proofs(e)),
    )


def grouped(proofs: Iterable[Proof]) -> Proved:
    by_pair: Proved = {}
    for ref, facet, evidence in proofs:
        found = by_pair.get((ref, facet))
        if found is None:
            by_pair[(ref, facet)] = [evidence]
        else:
            found.append(evidence)
    return by_pair


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


def function_key(fn: Function) -> str:
    return f"{dotted(fn.schema.name, fn.name)}({','.join(fn.signature())})"
