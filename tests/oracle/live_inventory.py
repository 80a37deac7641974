"""The inventory as PostgreSQL's catalogue sees it: the oracle for tapgap's static schema state.

``live_inventory(server, db)`` reads the catalogue of ``db`` and builds the items of the contract in
:mod:`tapgap.schema.inventory` (same kinds, keys and attrs). Left out: objects in ``pg_catalog``,
``information_schema``, ``pg_toast`` and temporary schemas; objects that belong to an extension (``pg_depend``
deptype ``e``) and everything on their tables; objects PostgreSQL makes as an internal part of another (range
constructor functions, multirange and array types, table row types, identity sequences; a ``serial`` column's
sequence is an object of its own and stays). Roles are cluster-wide, not part of one database: left out too.

Objects that existed before the project was applied (the platform prelude) are told apart with
:func:`project_items`: snapshot with :func:`live_objects` after the prelude, again after the project, and keep
what is new, re-created (another oid) or altered (other attrs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from tapgap.schema.inventory import InventoryItem
from tapgap.sql.names import dotted, join_types, quote_ident


class Server(Protocol):
    def query_json(self, db: str, sql: str) -> Any: ...


# (kind, key) -> (item, identity); the identity (oid, attnum) tells a re-created object from an untouched one.
LiveObjects = dict[tuple[str, str], tuple[InventoryItem, str]]

_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}
_CONSTRAINT_TYPES = {"p": "primary key", "f": "foreign key", "u": "unique", "c": "check", "x": "exclusion"}

# Every query returns rows of (kind, parts, attrs, ident); parts name the object, the last one may carry a
# function's argument types. format_type and pg_get_function_result qualify every type outside pg_catalog
# because the search_path is pg_catalog alone.
_QUERY = r"""
SET search_path = pg_catalog;
WITH
ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
nsp AS (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname !~ '^pg_(toast_)?temp_'
),
rel AS (
  SELECT c.oid, c.relname, c.relkind, n.nspname, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
  WHERE c.relpersistence <> 't'
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
),
items AS (
  SELECT 'schema' AS kind, json_build_array(n.nspname) AS parts, '{}'::json AS attrs, n.oid::text AS ident
  FROM nsp n
  WHERE n.nspname <> 'public' AND n.nspname !~ '^pg_'
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid)

  UNION ALL
  SELECT 'table', json_build_array(r.nspname, r.relname),
         json_build_object('rls_enabled', r.relrowsecurity, 'rls_forced', r.relforcerowsecurity), r.oid::text
  FROM rel r WHERE r.relkind IN ('r', 'p')

  UNION ALL
  SELECT 'column', json_build_array(r.nspname, r.relname, a.attname),
         json_build_object('type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
                           'has_default', a.atthasdef),
         r.oid::text || ':' || a.attnum
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
  WHERE r.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped

  UNION ALL
  SELECT 'constraint', json_build_array(r.nspname, r.relname, con.conname),
         json_build_object(
           'contype', con.contype,
           -- CHECK: table column order (conkey keeps the order of appearance in the expression)
           'columns', (SELECT coalesce(json_agg(a.attname ORDER BY CASE WHEN con.contype = 'c' THEN a.attnum
                                                                       ELSE k.ord END), '[]')
                       FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
           'ref_parts', CASE WHEN con.contype = 'f' THEN json_build_array(fn.nspname, fc.relname) END,
           'ref_columns', CASE WHEN con.contype = 'f' THEN
             (SELECT json_agg(a.attname ORDER BY k.ord)
              FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) END),
         con.oid::text
  FROM rel r JOIN pg_constraint con ON con.conrelid = r.oid
  LEFT JOIN pg_class fc ON fc.oid = con.confrelid
  LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
  WHERE r.relkind IN ('r', 'p') AND con.contype IN ('c', 'f', 'p', 'u', 'x')

  UNION ALL
  SELECT 'index', json_build_array(r.nspname, r.relname, ic.relname),
         json_build_object('unique', i.indisunique, 'primary', i.indisprimary), ic.oid::text
  FROM rel r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
  WHERE r.relkind IN ('r', 'p', 'm')

  UNION ALL
  SELECT CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'sequence' END,
         json_build_array(r.nspname, r.relname), '{}'::json, r.oid::text
  FROM rel r
  WHERE r.relkind IN ('v', 'm')
     OR (r.relkind = 'S' AND NOT EXISTS (  -- identity sequences are part of their column
           SELECT 1 FROM pg_depend d
           WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype = 'i'))

  UNION ALL
  SELECT CASE p.prokind WHEN 'f' THEN 'function' ELSE 'procedure' END,
         json_build_array(n.nspname, p.proname,
           (SELECT coalesce(json_agg(format_type(t.oid, NULL) ORDER BY t.ord), '[]')
            FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS t(oid, ord))),
         CASE p.prokind WHEN 'f' THEN json_build_object('returns', pg_get_function_result(p.oid),
                                                        'security_definer', p.prosecdef)
                        ELSE '{}'::json END,
         p.oid::text
  FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p')
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
    AND NOT EXISTS (  -- range constructors and the like are part of their type
      SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')

  UNION ALL
  SELECT 'trigger', json_build_array(r.nspname, r.relname, tg.tgname),
         json_build_object('function', fp.proname,
           'events', (SELECT json_agg(ev.name ORDER BY ev.n)
                      FROM (VALUES (1, 'INSERT', 4), (2, 'UPDATE', 16), (3, 'DELETE', 8), (4, 'TRUNCATE', 32))
                           AS ev(n, name, bit)
                      WHERE tg.tgtype::int & ev.bit <> 0)),
         tg.oid::text
  FROM rel r JOIN pg_trigger tg ON tg.tgrelid = r.oid JOIN pg_proc fp ON fp.oid = tg.tgfoid
  WHERE NOT tg.tgisinternal

  UNION ALL
  SELECT 'policy', json_build_array(r.nspname, r.relname, pol.polname),
         json_build_object(
           'polcmd', pol.polcmd,
           'roles', (SELECT json_agg(CASE WHEN ro.oid = 0 THEN 'public' ELSE rl.rolname END)
                     FROM unnest(pol.polroles) AS ro(oid) LEFT JOIN pg_roles rl ON rl.oid = ro.oid),
           'permissive', pol.polpermissive),
         pol.oid::text
  FROM rel r JOIN pg_policy pol ON pol.polrelid = r.oid

  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END,
         json_build_array(n.nspname, t.typname),
         CASE t.typtype
           WHEN 'd' THEN json_build_object('base_type', format_type(t.typbasetype, t.typtypmod),
                                           'not_null', t.typnotnull)
           WHEN 'e' THEN json_build_object('type', 'enum', 'labels',
             (SELECT coalesce(json_agg(e.enumlabel ORDER BY e.enumsortorder), '[]')
              FROM pg_enum e WHERE e.enumtypid = t.oid))
           WHEN 'c' THEN json_build_object('type', 'composite')
           ELSE json_build_object('type', 'range') END,
         t.oid::text
  FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
  WHERE (t.typtype IN ('d', 'e', 'r')
         OR (t.typtype = 'c'
             AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')
             AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass
                                                AND ext.objid = t.typrelid)))
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)

  UNION ALL
  SELECT 'extension', json_build_array(e.extname), json_build_object('schema', n.nspname), e.oid::text
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
)
SELECT coalesce(json_agg(json_build_array(kind, parts, attrs, ident)), '[]') FROM items
"""


def live_objects(server: Server, db: str) -> LiveObjects:
    """Every object of ``db`` outside the system schemas and extensions, with its identity."""
    rows = server.query_json(db, _QUERY)
    objects: LiveObjects = {}
    for kind, parts, attrs, ident in rows:
        item = _item(kind, parts, attrs)
        objects[(item.kind, item.key)] = (item, ident)
    return objects


def live_inventory(server: Server, db: str) -> list[InventoryItem]:
    """The inventory of ``db`` as the catalogue has it, sorted by kind and key."""
    return sorted((item for item, _ in live_objects(server, db).values()), key=lambda i: (i.kind, i.key))


def project_items(
    current: LiveObjects, baseline: Mapping[tuple[str, str], tuple[InventoryItem, str]]
) -> list[InventoryItem]:
    """The objects of ``current`` that the project made: new, re-created (another identity) or altered since
    ``baseline`` (the snapshot taken after the prelude). A prelude object left alone is not one."""
    kept = [item for ref, (item, ident) in current.items() if baseline.get(ref) != (item, ident)]
    return sorted(kept, key=lambda i: (i.kind, i.key))


def _item(kind: str, parts: list[Any], attrs: dict[str, Any]) -> InventoryItem:
    if kind in ("function", "procedure"):
        schema, name, types = parts
        return InventoryItem(kind=kind, key=f"{dotted(schema, name)}({join_types(types)})", attrs=attrs)
    if kind == "constraint":
        ref = None
        if attrs["ref_parts"] is not None:
            columns = ",".join(quote_ident(c) for c in attrs["ref_columns"])
            ref = f"{dotted(*attrs['ref_parts'])}({columns})"
        attrs = {
            "type": _CONSTRAINT_TYPES[attrs["contype"]],
            "columns": attrs["columns"],
            "references": ref,
        }
    elif kind == "policy":
        attrs = {
            "command": _COMMANDS[attrs["polcmd"]],
            "roles": sorted(attrs["roles"] or []),
            "permissive": attrs["permissive"],
        }
    return InventoryItem(kind=kind, key=dotted(*parts), attrs=attrs)


def by_ref(items: Iterable[InventoryItem]) -> dict[tuple[str, str], InventoryItem]:
    return {(item.kind, item.key): item for item in items}
