"""Targets as written → the schema objects they name, by the rules PostgreSQL and pgTAP use.

An unqualified name is looked up through the search_path in force where the call runs (pgTAP's table-only
forms use ``pg_table_is_visible``); pgTAP's few "any schema" forms look in every schema. The result is the
object's inventory key, so coverage joins assertions to objects on keys (a hash join, never pairwise).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import msgspec

from tapgap.pgtap.targets import Target
from tapgap.schema.state import (
    Function,
    Index,
    Relation,
    Schema,
    SchemaState,
    Sequence_,
    Table,
    UserType,
    View,
)
from tapgap.sql.names import dotted, join_types

# Schemas whose objects come with PostgreSQL: a test may check them, but they are never stale.
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema"})

_RELATION_KINDS: dict[str, tuple[type, ...]] = {
    "table": (Table,),
    "foreign table": (Table,),
    "view": (View,),
    "materialized view": (View,),
    "sequence": (Sequence_,),
    "relation": (Table, View, Sequence_, Index),
}

_CONSTRAINT_TYPES = {"pk": "p", "fk": "f", "fk target": "f", "unique": "u", "check": "c"}


class Binding(msgspec.Struct, frozen=True):
    """The objects a target names (``kind``, ``key``), or why it names none."""

    objects: tuple[tuple[str, str], ...]
    # The schema the target was looked for in belongs to the project, so finding nothing there is news.
    in_project: bool


def _schemas(state: SchemaState, target: Target, search_path: Sequence[str]) -> Iterator[Schema]:
    if target.schema is not None:
        schema = state.schemas.get(target.schema)
        if schema is not None:
            yield schema
        return
    if target.any_schema:
        yield from state.schemas.values()
        return
    for name in search_path:
        schema = state.schemas.get(name)
        if schema is not None:
            yield schema


def _in_project(state: SchemaState, target: Target, search_path: Sequence[str]) -> bool:
    names = [target.schema] if target.schema is not None else list(search_path)
    for name in names:
        if name in SYSTEM_SCHEMAS:
            return False
        schema = state.schemas.get(name)
        if schema is not None and (not schema.builtin or name == "public"):
            return True
    return False


def _parent(
    state: SchemaState, target: Target, search_path: Sequence[str], name: str | None
) -> Table | View | None:
    """The table (or view) a column, constraint, index, trigger or policy target belongs to."""
    if name is None:
        return None
    for schema in _schemas(state, target, search_path):
        rel = schema.relations.get(name)
        if isinstance(rel, Table | View):
            return rel
        if rel is not None and not target.any_schema:
            return None  # another relation with that name hides tables further down the path
    return None


def _relation_matches(rel: Relation, kind: str) -> bool:
    classes = _RELATION_KINDS.get(kind, ())
    if not isinstance(rel, classes):
        return False
    if isinstance(rel, View):
        return rel.materialized == (kind == "materialized view") or kind == "relation"
    return not (isinstance(rel, Table) and rel.external)


def relation_kind(rel: Relation) -> str:
    if isinstance(rel, View):
        return "materialized view" if rel.materialized else "view"
    if isinstance(rel, Sequence_):
        return "sequence"
    if isinstance(rel, Index):
        return "index"
    return "table"


def function_key(fn: Function) -> str:
    return f"{dotted(fn.schema.name, fn.name)}({join_types(fn.signature())})"


def bind(state: SchemaState, target: Target, search_path: Sequence[str]) -> Binding:
    """The objects ``target`` names in ``state``."""
    found = list(_bind(state, target, search_path))
    return Binding(tuple(found), _in_project(state, target, search_path))


def _bind(state: SchemaState, target: Target, search_path: Sequence[str]) -> Iterator[tuple[str, str]]:
    kind, name = target.kind, target.name
    if kind == "schema":
        schema = state.schemas.get(name or "")
        if schema is not None and not schema.builtin:
            yield "schema", dotted(schema.name)
        return
    if kind == "extension":
        if name in state.extensions:
            yield "extension", dotted(name)
        return
    if kind == "role":
        if name in state.roles:
            yield "role", dotted(name)
        return
    if kind in _RELATION_KINDS:
        for schema in _schemas(state, target, search_path):
            if name is None:
                for member in schema.relations.values():
                    if _relation_matches(member, kind):
                        yield relation_kind(member), dotted(schema.name, member.name)
                continue
            found_rel = schema.relations.get(name)
            if found_rel is not None:
                if _relation_matches(found_rel, kind):
                    yield relation_kind(found_rel), dotted(schema.name, found_rel.name)
                if not target.any_schema:
                    return
        return
    if kind in ("type", "enum", "domain", "composite"):
        for schema in _schemas(state, target, search_path):
            found = schema.types.get(name or "")
            if found is not None and _type_matches(found, kind):
                yield ("domain" if found.type == "domain" else "type"), dotted(schema.name, found.name)
                return
        return
    if kind == "function":
        for schema in _schemas(state, target, search_path):
            overloads = schema.functions.get(name or "", [])
            matching = [
                fn for fn in overloads if target.signature is None or fn.signature() == target.signature
            ]
            for fn in matching:
                yield ("procedure" if fn.procedure else "function"), function_key(fn)
            if matching and not target.any_schema:
                return
        return
    if kind == "rls":
        if name is None:  # tests.rls_enabled('app'): every table of the schema
            for schema in _schemas(state, target, search_path):
                for rel in schema.relations.values():
                    if isinstance(rel, Table) and not rel.external:
                        yield "rls", dotted(schema.name, rel.name)
            return
        rls_table = _parent(state, target, search_path, name)
        if isinstance(rls_table, Table):
            yield "rls", dotted(rls_table.schema.name, rls_table.name)
        return
    parent = _parent(state, target, search_path, target.parent)
    if parent is None:
        return
    prefix = (parent.schema.name, parent.name)
    if isinstance(parent, View):
        # Views' columns are not modelled (they come from the query): a column check on a view checks the
        # view. Indexes of materialized views are known.
        if kind == "index":
            yield from _indexes(parent, target, prefix)
        elif kind == "column":
            yield relation_kind(parent), dotted(*prefix)
        return
    table = parent
    if kind == "column":
        if name is None:
            for column in table.columns.values():
                yield "column", dotted(*prefix, column.name)
        elif name in table.columns:
            yield "column", dotted(*prefix, name)
    elif kind == "constraint":
        wanted = _CONSTRAINT_TYPES.get(target.facet)
        for con in table.constraints.values():
            if wanted is not None and con.type != wanted:
                continue
            if target.columns is not None and [c.name for c in con.columns] != list(target.columns):
                continue
            yield "constraint", dotted(*prefix, con.name)
    elif kind == "index":
        yield from _indexes(table, target, prefix)
    elif kind == "trigger":
        for trigger in table.triggers.values():
            if name is None or trigger.name == name:
                yield "trigger", dotted(*prefix, trigger.name)
    elif kind == "policy":
        for policy in table.policies.values():
            if name is None or policy.name == name:
                yield "policy", dotted(*prefix, policy.name)


def _indexes(parent: Table | View, target: Target, prefix: tuple[str, str]) -> Iterator[tuple[str, str]]:
    for rel in parent.indexes:
        if target.name is not None and rel.name != target.name:
            continue
        if (
            target.name is None
            and target.columns is not None
            and [c.name for c in rel.columns] != list(target.columns)
        ):
            continue
        yield "index", dotted(*prefix, rel.name)


def _type_matches(found: UserType, kind: str) -> bool:
    if kind == "type":
        return True
    if kind == "composite":
        return found.type == "composite"
    return found.type == kind


_MEMBER_KINDS = ("column", "constraint", "index", "trigger", "policy")


class NameHints:
    """ "Did you mean" hints: the existing names closest to a missing one, of the same kind.

    Candidates are listed once per kind and compared on as many trailing name parts as the call wrote, case
    ignored ('Users' for users is the commonest slip). Only names of similar length that share a first or
    last letter are scored, so a project with thousands of objects answers in microseconds, not seconds.
    """

    def __init__(self, state: SchemaState) -> None:
        self.state = state
        self._tails: dict[tuple[str, int], dict[str, list[str]]] = {}
        self._memo: dict[tuple[str, str], list[str]] = {}
        self._sorted: dict[tuple[str, int], tuple[list[str], list[str]]] = {}

    def _candidates(self, kind: str) -> list[str]:
        found: list[str] = []
        for schema in self.state.schemas.values():
            if kind in _RELATION_KINDS or kind in _MEMBER_KINDS:
                for rel in schema.relations.values():
                    if isinstance(rel, Table) and kind in ("column", "trigger", "policy"):
                        members: dict[str, list[str]] = {
                            "column": list(rel.columns),
                            "trigger": list(rel.triggers),
                            "policy": list(rel.policies),
                        }
                        found.extend(dotted(schema.name, rel.name, m) for m in members[kind])
                    elif _relation_matches(rel, kind) or (kind == "index" and isinstance(rel, Index)):
                        found.append(dotted(schema.name, rel.name))
            elif kind == "function":
                found.extend(dotted(schema.name, n) for n in schema.functions)
            elif kind in ("type", "enum", "domain", "composite"):
                found.extend(dotted(schema.name, n) for n in schema.types)
        return found

    def nearest(self, target: Target) -> list[str]:
        import difflib

        wanted = ".".join(p for p in (target.schema, target.parent, target.name) if p).lower()
        depth = wanted.count(".") + 1
        memo_key = (target.kind, wanted)
        if memo_key in self._memo:
            return self._memo[memo_key]
        tails = self._tails.get((target.kind, depth))
        if tails is None:
            tails = {}
            for candidate in self._candidates(target.kind):
                tails.setdefault(".".join(candidate.split(".")[-depth:]).lower(), []).append(candidate)
            self._tails[(target.kind, depth)] = tails
            self._sorted[(target.kind, depth)] = (sorted(tails), sorted(t[::-1] for t in tails))
        forward, backward = self._sorted[(target.kind, depth)]
        # Neighbours in name order and in reversed-name order: names sharing a beginning or an ending.
        shortlist = set(_neighbours(forward, wanted)) | {t[::-1] for t in _neighbours(backward, wanted[::-1])}
        close = difflib.get_close_matches(wanted, sorted(shortlist), n=3, cutoff=0.6)
        result = [c for tail in close for c in tails[tail]][:3]
        self._memo[memo_key] = result
        return result


def _neighbours(ordered: list[str], wanted: str, reach: int = 3) -> list[str]:
    from bisect import bisect_left

    at = bisect_left(ordered, wanted)
    return ordered[max(0, at - reach) : at + reach]
