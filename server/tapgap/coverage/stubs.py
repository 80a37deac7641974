"""pgTAP test stubs: for one object, the assertions that satisfy its missing facets.

``stub_for`` is a pure function from an object's coverage and the schema state to the text of a test file
(``begin; select plan(N); ...; select * from finish(); rollback;``) whose plan count equals its assertions.
Every identifier argument is cast to ``name`` so that PostgreSQL picks the overload the stub means.

A facet with no assertion that satisfies it without knowing the test's data (a function ``exercised``: the
call needs argument values) gets a ``-- TODO`` comment instead, and, when ``exists`` is not already written,
a ``has_function`` so that the stub still checks something.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tapgap.coverage.index import ObjectCoverage
from tapgap.schema.inventory import InventoryItem, state_items
from tapgap.schema.state import SchemaState


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _name(value: str) -> str:
    return f"{_lit(value)}::name"


def _names(values: Sequence[str]) -> str:
    if not values:
        return "ARRAY[]::name[]"
    return "ARRAY[" + ", ".join(_lit(v) for v in values) + "]::name[]"


def _call(function: str, *args: str) -> str:
    return f"select {function}({', '.join(args)});"


def _split_key(key: str) -> tuple[list[str], list[str]]:
    """``s.t.c`` → (["s", "t", "c"], []); ``s.f(int, text)`` → (["s", "f"], ["int", "text"])."""
    args: list[str] = []
    head = key
    if key.endswith(")") and "(" in key:
        head, _, rest = key.partition("(")
        inner = rest[:-1].strip()
        args = [a.strip() for a in inner.split(",")] if inner else []
    return _parts(head), args


def _parts(name: str) -> list[str]:
    """Split a dotted name; a double-quoted part keeps its dots and loses its quotes."""
    parts: list[str] = []
    current = ""
    quoted = False
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == '"':
            if quoted and name[i + 1 : i + 2] == '"':
                current += '"'
                i += 1
            else:
                quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    return parts


def _item(state: SchemaState, kind: str, key: str) -> InventoryItem | None:
    for item in state_items(state):
        if item.kind == kind and item.key == key:
            return item
    return None


def assertions_for(obj: ObjectCoverage, state: SchemaState) -> list[str]:
    """One line per assertion (``select ...;``) or comment (``-- TODO ...``), for the missing facets."""
    item = _item(state, obj.kind, obj.key)
    attrs: dict[str, Any] = dict(item.attrs) if item is not None else {}
    parts, fargs = _split_key(obj.key)
    lines: list[str] = []
    for facet in obj.missing:
        lines.extend(_facet(obj.kind, obj.key, facet, parts, fargs, attrs, lines))
    return lines


def _desc(key: str, facet: str) -> str:
    return _lit(f"{key}: {facet}")


def _facet(
    kind: str,
    key: str,
    facet: str,
    parts: list[str],
    fargs: list[str],
    attrs: dict[str, Any],
    written: list[str],
) -> list[str]:
    d = _desc(key, facet)
    n = [_name(p) for p in parts]
    if kind == "table" and facet == "exists":
        return [_call("has_table", *n, d)]
    if kind == "column":
        if facet == "exists":
            return [_call("has_column", *n, d)]
        if facet == "type" and attrs.get("type"):
            return [_call("col_type_is", *n, _lit(str(attrs["type"])), d)]
        if facet == "nullable":
            return [_call("col_not_null" if attrs.get("not_null") else "col_is_null", *n, d)]
        if facet == "default":
            return [_call("col_has_default", *n, d)]
    if kind == "constraint":
        table = n[:2]
        cols = _names(list(attrs.get("columns") or []))
        if facet == "pk":
            return [_call("col_is_pk", *table, cols, d)]
        if facet == "fk":
            return [_call("col_is_fk", *table, cols, d)]
        if facet == "fk target" and attrs.get("references"):
            target, _, rest = str(attrs["references"]).partition("(")
            ref = _parts(target)
            ref_cols = [c.strip() for c in rest.rstrip(")").split(",") if c.strip()]
            if len(ref) == 2 and ref_cols:
                return [_call("fk_ok", *table, cols, *(_name(p) for p in ref), _names(ref_cols), d)]
        if facet == "unique":
            return [_call("col_is_unique", *table, cols, d)]
        if facet == "check":
            return [_call("col_has_check", *table, cols, d)]
    if kind == "index":
        if facet == "exists":
            return [_call("has_index", *n, d)]
        if facet == "unique":
            return [_call("index_is_unique", *n)]
        if facet == "primary":
            return [_call("index_is_primary", *n)]
        if facet == "type":  # the access method is not in the schema state: the author writes it
            return [
                f"-- TODO: select index_is_type({', '.join(n)}, 'btree'::name, {d}); -- its access method"
            ]
    if kind == "view" and facet == "exists":
        return [_call("has_view", *n, d)]
    if kind == "materialized view" and facet == "exists":
        return [_call("has_materialized_view", *n, d)]
    if kind in ("function", "procedure"):
        has = _call("has_function", *n, _names(fargs), _desc(key, "exists"))
        if facet == "exists":
            return [] if has in written else [has]
        if facet == "exercised":
            todo = f"-- TODO: call {key} with real arguments (in lives_ok, is, ...) to exercise it"
            return [todo] if has in written else [todo, has]
        if facet == "returns" and attrs.get("returns"):
            return [_call("function_returns", *n, _names(fargs), _lit(str(attrs["returns"])), d)]
        if facet == "security definer":
            return [_call("is_definer", *n, _names(fargs), d)]
    if kind == "trigger":
        if facet == "exists":
            return [_call("has_trigger", *n, d)]
        if facet == "trigger function" and attrs.get("function"):
            return [_call("trigger_is", *n, n[0], _name(str(attrs["function"])), d)]
    if kind == "policy":
        if facet in ("exists", "policy command") and attrs.get("command"):
            return [_call("policy_cmd_is", *n, _lit(str(attrs["command"])), d)]
        if facet == "policy roles":
            return [_call("policy_roles_are", *n, _names(list(attrs.get("roles") or [])), d)]
    if kind == "rls" and facet == "enabled":
        return [_call("tests.rls_enabled", *(_lit(p) for p in parts))]
    if kind == "type":
        if facet == "exists":
            return [_call("has_enum" if attrs.get("type") == "enum" else "has_type", *n, d)]
        if facet == "labels":
            return [_call("enum_has_labels", *n, _names(list(attrs.get("labels") or [])), d)]
    if kind == "domain":
        if facet == "exists":
            return [_call("has_domain", *n, d)]
        if facet == "type" and attrs.get("base_type"):
            return [_call("domain_type_is", *n, _lit(str(attrs["base_type"])), d)]
    if kind == "schema" and facet == "exists":
        return [_call("has_schema", *n, d)]
    if kind == "sequence" and facet == "exists":
        return [_call("has_sequence", *n, d)]
    if kind == "extension" and facet == "exists":
        return [_call("has_extension", *n, d)]
    if kind == "role" and facet == "exists":
        return [_call("has_role", *n, d)]
    return [f"-- TODO: no stub for the {facet} of {kind} {key}"]


def stub_for(obj: ObjectCoverage, state: SchemaState) -> str:
    """A whole pgTAP test file for ``obj``'s missing facets; its plan count equals its assertions."""
    lines = assertions_for(obj, state)
    count = sum(1 for line in lines if line.startswith("select "))
    body = "\n".join(lines)
    return f"-- tapgap: tests for {obj.kind} {obj.key}\nbegin;\nselect plan({count});\n\n{body}\n\nselect * from finish();\nrollback;\n"


_PLAN = re.compile(r"(select\s+plan\s*\(\s*)(\d+)(\s*\))", re.IGNORECASE)
_FINISH = re.compile(r"^[ \t]*select\s+\*\s+from\s+finish\s*\(", re.IGNORECASE | re.MULTILINE)


def append_stub(text: str, obj: ObjectCoverage, state: SchemaState) -> str | None:
    """``text`` (an existing test file) with ``obj``'s assertions inserted before its ``finish()`` and its
    ``plan(N)`` raised by their number; None when the file has not exactly one literal plan and one finish."""
    plans = list(_PLAN.finditer(text))
    finishes = list(_FINISH.finditer(text))
    if len(plans) != 1 or len(finishes) != 1 or finishes[0].start() < plans[0].end():
        return None
    lines = assertions_for(obj, state)
    count = sum(1 for line in lines if line.startswith("select "))
    plan = plans[0]
    block = f"-- tapgap: tests for {obj.kind} {obj.key}\n" + "\n".join(lines) + "\n\n"
    at = finishes[0].start()
    raised = f"{plan.group(1)}{int(plan.group(2)) + count}{plan.group(3)}"
    return text[: plan.start()] + raised + text[plan.end() : at] + block + text[at:]
