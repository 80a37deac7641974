"""What a resolved pgTAP call checks: (object as written, facet) targets, from the overload's roles.

Targets are "as written": an unqualified name is resolved later against the schema state with the
search_path in force where the call runs (``tapgap.coverage``). This module is pure: call + catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import msgspec

from tapgap.pgtap.args import cast_type
from tapgap.pgtap.catalog import Overload, PgtapFunction
from tapgap.pgtap.model import Arg, Call
from tapgap.sql import pgtree

# The role that names the checked object itself, for each kind (when it differs from the kind).
_OBJECT_ROLE = {
    "materialized view": "materialized_view",
    "foreign table": "foreign_table",
    "foreign data wrapper": "fdw",
}
# Kinds whose objects belong to a table: the role "table" names the parent.
_TABLE_MEMBERS = {"column", "constraint", "index", "trigger", "rule", "policy", "rls"}


class Target(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One (object, facet) a call checks, with names as written."""

    kind: str
    facet: str
    schema: str | None = None
    name: str | None = None  # None: every object of the kind in the scope (``tests.rls_enabled('app')``)
    parent: str | None = None  # the table of a column, constraint, index, trigger or policy
    signature: tuple[str, ...] | None = None  # a function's argument types; None: any overload
    columns: tuple[str, ...] | None = None  # a constraint's columns (``col_is_pk(t, c)``), when given
    negated: bool = False
    any_schema: bool = False  # the form that finds its object in any schema, not only the search_path


class CallReading(msgspec.Struct, frozen=True):
    """A call's targets, and whether any argument naming an object was computed at run time."""

    targets: tuple[Target, ...]
    dynamic: bool


Condition = Callable[[str, Arg], bool]


def _static_condition(when: str, arg: Arg) -> bool:
    value = arg.value if isinstance(arg.value, str) else None
    if when == "contains_paren":
        return value is not None and "(" in value
    if when == "errcode":
        return value is not None and len(value.encode()) == 5
    return False


@lru_cache(maxsize=4096)
def canonical_type(text: str) -> str:
    """A type name as a test writes it in an argument list (``int``, ``varchar``) → ``format_type``'s."""
    try:
        statements = pgtree.parse(f"SELECT NULL::{text}")
        type_name = statements[0].node["SelectStmt"]["targetList"][0]["ResTarget"]["val"]["TypeCast"][
            "typeName"
        ]
    except (pgtree.SqlSyntaxError, KeyError, IndexError, TypeError):
        return text.strip()
    return cast_type(type_name)


def _string(arg: Arg | None) -> str | None:
    if arg is None or arg.dynamic:
        return None
    return arg.value if isinstance(arg.value, str) else None


def _strings(arg: Arg | None) -> tuple[str, ...] | None:
    if arg is None or arg.dynamic:
        return None
    if isinstance(arg.value, tuple):
        return tuple(v for v in arg.value if v is not None)
    return None


def roles_for(overload: Overload, args: tuple[Arg, ...], condition: Condition) -> tuple[str, ...]:
    """The parameters' roles for this call: a run-time reading whose condition holds, else the default."""
    for reading in overload.readings:
        if reading.arg < len(args) and condition(reading.when, args[reading.arg]):
            return reading.roles
    return overload.roles


def read_call(call: Call, entry: PgtapFunction, condition: Condition = _static_condition) -> CallReading:
    """The targets of a call resolved to ``call.overload``; none for behavioural and harness functions."""
    if call.overload is None or entry.category != "structural":
        return CallReading((), False)
    overload = entry.overloads[call.overload]
    return targets_of(overload, call.args, condition)


def targets_of(
    overload: Overload, args: tuple[Arg, ...], condition: Condition = _static_condition
) -> CallReading:
    kind, facet = overload.kind, overload.facet
    if kind is None or facet is None:
        return CallReading((), False)
    roles = roles_for(overload, args, condition)
    by_role: dict[str, Arg] = {}
    for role, arg in zip(roles, args, strict=False):
        by_role.setdefault(role, arg)
    naming = [r for r in roles if r not in ("description", "other")]
    dynamic = any(by_role[r].dynamic for r in naming if r in by_role and r not in _VALUE_ROLES)

    schema = _string(by_role.get("schema"))
    object_role = _OBJECT_ROLE.get(kind, kind)

    def make(**fields: Any) -> Target:
        fields.setdefault("facet", facet)
        return Target(kind=kind, negated=overload.negated, any_schema=overload.any_schema, **fields)

    if kind == "schema":
        name = _string(by_role.get("schema"))
        return CallReading((make(name=name),), dynamic or name is None)
    if kind == "function":
        name = _string(by_role.get("function"))
        signature = None
        if "args" in by_role:
            listed = _strings(by_role["args"])
            signature = tuple(canonical_type(t) for t in listed) if listed is not None else None
        target = make(schema=schema, name=name, signature=signature)
        return CallReading((target,), dynamic or name is None)
    if kind in _TABLE_MEMBERS:
        parent = _string(by_role.get("table"))
        if facet == "members" and "values" in by_role:
            return _members(make, schema, parent, by_role["values"], dynamic)
        if kind == "constraint":
            columns = _strings(by_role.get("columns"))
            if columns is None and _string(by_role.get("column")) is not None:
                columns = (_string(by_role.get("column")) or "",)
            target = make(schema=schema, parent=parent, columns=columns)
            return CallReading((target,), dynamic or parent is None)
        name = _string(by_role.get(object_role))
        if kind == "index" and name is None and "columns" in by_role:
            # is_indexed(table, columns): some index on these columns
            columns = _strings(by_role.get("columns"))
            target = make(schema=schema, parent=parent, columns=columns)
            return CallReading((target,), dynamic or parent is None)
        if kind == "rls":
            target = make(schema=schema, name=parent)
            return CallReading((target,), dynamic)
        target = make(schema=schema, name=name, parent=parent)
        return CallReading((target,), dynamic or name is None or parent is None)
    if facet == "members" and "values" in by_role:
        return _members(make, schema, None, by_role["values"], dynamic)
    name = _string(by_role.get(object_role))
    target = make(schema=schema, name=name)
    return CallReading((target,), dynamic or name is None)


# Roles whose values are expectations, not names of the checked object: computing them is not dynamic
# for the target (``col_type_is(..., my_type_var)`` still checks the column).
_VALUE_ROLES = {"values", "labels", "roles", "privileges", "expected", "default", "type", "returns", "owner"}


def _members(
    make: Callable[..., Target],
    schema: str | None,
    parent: str | None,
    values: Arg,
    dynamic: bool,
) -> CallReading:
    """``tables_are(schema, ARRAY[...])``: exactly these exist; each listed object's existence is checked."""
    listed = _strings(values)
    scope = make(facet="members", schema=schema, parent=parent)
    if listed is None:
        return CallReading((scope,), True)
    items = tuple(make(facet="exists", schema=schema, name=v, parent=parent) for v in listed)
    return CallReading((scope, *items), dynamic)
