"""The inventory: the schema state flattened to comparable items (``tapgap inventory``, the oracle tests).

Item keys and attributes (the contract the live-catalogue oracle compares against):

=================  ==================  ==========================================================================
kind               key                 attrs
=================  ==================  ==========================================================================
schema             ``s``               {}
table              ``s.t``             rls_enabled, rls_forced (bool)
column             ``s.t.c``           type (format_type with typmod), not_null, has_default (bool)
constraint         ``s.t.name``        type ("primary key", "foreign key", "unique", "check", "exclusion"),
                                       columns (list: declared order; CHECK: table column order),
                                       references ("s.t(c1,c2)" for foreign keys, else None)
index              ``s.t.name``        unique, primary (bool)
view               ``s.v``             {}
materialized view  ``s.v``             {}
function           ``s.f(t1,t2)``      returns (as pg_get_function_result prints it), security_definer
procedure          ``s.p(t1,t2)``      {}
trigger            ``s.t.name``        function (the trigger function's unqualified name), events (INSERT,
                                       UPDATE, DELETE, TRUNCATE, in that order)
policy             ``s.t.name``        command ("ALL", "SELECT", ...), roles (sorted; PUBLIC is "public"),
                                       permissive (bool)
type               ``s.t``             type ("enum", "composite", "range"); labels (list, enums only)
domain             ``s.d``             base_type (format_type with typmod), not_null (bool)
sequence           ``s.q``             {}
extension          ``e``               schema
role               ``r``               {}
=================  ==================  ==========================================================================

Key parts are joined with ``.`` and quoted only when they could not be written bare
(:func:`tapgap.sql.names.dotted`). Type names are spelled as PostgreSQL's ``format_type`` prints them with
``search_path = pg_catalog``: built-in types bare (``integer``, ``character varying(20)``), every other type
schema-qualified (``app.status``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from tapgap.findings import Finding
from tapgap.schema.load import load_schema
from tapgap.schema.state import Index, Loc, SchemaState, Sequence_, Table, View
from tapgap.sql.names import dotted, join_types, quote_ident


class InventoryItem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    kind: str
    key: str
    attrs: dict[str, Any] = msgspec.field(default_factory=dict)
    file: str | None = None
    line: int | None = None
    end_line: int | None = None


class Inventory(msgspec.Struct, frozen=True):
    items: list[InventoryItem]
    findings: list[Finding]
    files: int
    statements: int


def _item(kind: str, key: str, loc: Loc | None, **attrs: Any) -> tuple[InventoryItem, Loc | None]:
    if loc is None:
        return InventoryItem(kind=kind, key=key, attrs=attrs), None
    item = InventoryItem(
        kind=kind,
        key=key,
        attrs=attrs,
        file=loc.file,
        line=loc.span.line + 1,
        end_line=loc.span.end_line + 1,
    )
    return item, loc


_CONSTRAINT_TYPES = {
    "p": "primary key",
    "f": "foreign key",
    "u": "unique",
    "c": "check",
    "x": "exclusion",
}


def state_items(state: SchemaState) -> list[InventoryItem]:
    """The schema state as inventory items, sorted by kind and key."""
    return [item for item, _ in state_objects(state)]


def state_objects(state: SchemaState) -> list[tuple[InventoryItem, Loc | None]]:
    """Inventory items with the location of their definition, sorted by kind and key."""
    items: list[tuple[InventoryItem, Loc | None]] = []
    add = items.append
    for schema in state.schemas.values():
        if not schema.builtin:
            add(_item("schema", dotted(schema.name), schema.loc))
        for rel in schema.relations.values():
            key = dotted(schema.name, rel.name)
            if isinstance(rel, Table):
                if not rel.external:
                    add(_item("table", key, rel.loc, rls_enabled=rel.rls_enabled, rls_forced=rel.rls_forced))
                for col in rel.columns.values():
                    add(
                        _item(
                            "column",
                            dotted(schema.name, rel.name, col.name),
                            col.loc,
                            type=col.type.display(),
                            not_null=col.not_null,
                            has_default=col.has_default,
                        )
                    )
                for con in rel.constraints.values():
                    references = None
                    if con.ref_table is not None:
                        cols = ",".join(quote_ident(c.name) for c in con.ref_columns)
                        references = f"{dotted(con.ref_table.schema.name, con.ref_table.name)}({cols})"
                    elif con.ref_external is not None:
                        ref_schema, ref_name, ref_cols = con.ref_external
                        cols = ",".join(quote_ident(c) for c in ref_cols)
                        references = f"{dotted(ref_schema, ref_name)}({cols})"
                    add(
                        _item(
                            "constraint",
                            dotted(schema.name, rel.name, con.name),
                            con.loc,
                            type=_CONSTRAINT_TYPES[con.type],
                            columns=[c.name for c in con.columns],
                            references=references,
                        )
                    )
                for trg in rel.triggers.values():
                    add(
                        _item(
                            "trigger",
                            dotted(schema.name, rel.name, trg.name),
                            trg.loc,
                            function=trg.function,
                            events=list(trg.events),
                        )
                    )
                for pol in rel.policies.values():
                    add(
                        _item(
                            "policy",
                            dotted(schema.name, rel.name, pol.name),
                            pol.loc,
                            command=pol.command,
                            roles=sorted(pol.roles),
                            permissive=pol.permissive,
                        )
                    )
            elif isinstance(rel, View):
                add(_item("materialized view" if rel.materialized else "view", key, rel.loc))
            elif isinstance(rel, Index) and rel.table is not None:
                add(
                    _item(
                        "index",
                        dotted(schema.name, rel.table.name, rel.name),
                        rel.loc,
                        unique=rel.unique,
                        primary=rel.primary,
                    )
                )
            elif isinstance(rel, Sequence_) and not rel.identity:
                add(_item("sequence", key, rel.loc))
        for overloads in schema.functions.values():
            for fn in overloads:
                fkey = f"{dotted(schema.name, fn.name)}({join_types(fn.signature())})"
                if fn.procedure:
                    add(_item("procedure", fkey, fn.loc))
                else:
                    add(
                        _item(
                            "function",
                            fkey,
                            fn.loc,
                            returns=fn.result(),
                            security_definer=fn.security_definer,
                        )
                    )
        for utype in schema.types.values():
            tkey = dotted(schema.name, utype.name)
            if utype.type == "domain":
                base = utype.base.display() if utype.base else ""
                add(_item("domain", tkey, utype.loc, base_type=base, not_null=utype.not_null))
            elif utype.type == "enum":
                add(_item("type", tkey, utype.loc, type="enum", labels=list(utype.labels)))
            else:
                add(_item("type", tkey, utype.loc, type=utype.type))
    for ext in state.extensions.values():
        add(_item("extension", dotted(ext.name), ext.loc, schema=ext.schema))
    for role, loc in state.roles.items():
        add(_item("role", dotted(role), loc))
    items.sort(key=lambda pair: (KIND_ORDER.get(pair[0].kind, 99), pair[0].key))
    return items


KIND_ORDER = {
    kind: n
    for n, kind in enumerate(
        [
            "schema",
            "extension",
            "role",
            "type",
            "domain",
            "sequence",
            "table",
            "column",
            "constraint",
            "index",
            "view",
            "materialized view",
            "function",
            "procedure",
            "trigger",
            "policy",
        ]
    )
}


def build_inventory(
    root: Path,
    files: Sequence[Path],
    *,
    placeholders: Mapping[str, str] | None = None,
    search_path: Sequence[str] = ("public",),
) -> Inventory:
    """Read ``files`` (schema files, in the order they are applied) and flatten the resulting state."""
    loaded = load_schema(root, files, placeholders=placeholders, search_path=search_path)
    return Inventory(state_items(loaded.state), loaded.findings, loaded.files, loaded.statements)
