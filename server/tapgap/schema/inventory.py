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
function           ``s.f(t1,t2)``      returns (as pg_get_function_result prints it)
procedure          ``s.p(t1,t2)``      {}
trigger            ``s.t.name``        function (the trigger function's unqualified name)
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

from typing import Any

import msgspec


class InventoryItem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    kind: str
    key: str
    attrs: dict[str, Any] = msgspec.field(default_factory=dict)
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
