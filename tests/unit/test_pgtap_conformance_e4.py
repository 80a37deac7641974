"""The predecessor's assertion-parsing conformance table (reference/predecessor.md §8 E4), read the way
PostgreSQL resolves each call and pgTAP runs it. Each row: the SQL, then (function, [targets as written]).

A target is (kind, facet, schema, parent, name, signature); ``None`` where the call leaves it open.
"""

from __future__ import annotations

import pytest

from tapgap.pgtap.catalog import lookup
from tapgap.pgtap.reader import read_test_file
from tapgap.pgtap.targets import read_call

Row = tuple[str, list[tuple[str, list[tuple[object, ...]]]]]

E4: list[Row] = [
    ("SELECT has_table('users');", [("has_table", [("table", "exists", None, None, "users", None)])]),
    # Plain literals go to has_table(name, text): table "app", description "users".
    ("SELECT has_table('app','users');", [("has_table", [("table", "exists", None, None, "app", None)])]),
    (
        "SELECT has_table('app'::name,'users'::name);",
        [("has_table", [("table", "exists", "app", None, "users", None)])],
    ),
    ("SELECT has_table('users','desc');", [("has_table", [("table", "exists", None, None, "users", None)])]),
    # ok(text, unknown) does not exist (has_table returns text): the inner call still names table users.
    (
        "SELECT ok(has_table('users'),'exists');",
        [("ok", []), ("has_table", [("table", "exists", None, None, "users", None)])],
    ),
    (
        "RETURN NEXT tap.has_table('public','users','x');",
        [("has_table", [("table", "exists", "public", None, "users", None)])],
    ),
    (
        "SELECT has_column('users','email','users should have email');",
        [("has_column", [("column", "exists", None, "users", "email", None)])],
    ),
    (
        "SELECT has_column('public','users','email','has email');",
        [("has_column", [("column", "exists", "public", "users", "email", None)])],
    ),
    (
        "SELECT col_type_is('users','email','text','email is text');",
        [("col_type_is", [("column", "type", None, "users", "email", None)])],
    ),
    (
        "SELECT has_pk('public','users','has pk');",
        [("has_pk", [("constraint", "pk", "public", "users", None, None)])],
    ),
    ("SELECT has_fk('orders');", [("has_fk", [("constraint", "fk", None, "orders", None, None)])]),
    (
        "SELECT has_function('get_user', ARRAY[]::text[]);",
        [("has_function", [("function", "exists", None, None, "get_user", ())])],
    ),
    (
        "SELECT has_function('lower','{text}'::name[]);",
        [("has_function", [("function", "exists", None, None, "lower", ("text",))])],
    ),
    (
        "SELECT has_index('public','users','idx',ARRAY['email']);",
        [("has_index", [("index", "exists", "public", "users", "idx", None)])],
    ),
    (
        "SELECT has_trigger('users','trg_audit','audit trigger exists');",
        [("has_trigger", [("trigger", "exists", None, "users", "trg_audit", None)])],
    ),
    (
        "SELECT trigger_is('users','trg','fn','desc');",
        [("trigger_is", [("trigger", "trigger function", None, "users", "trg", None)])],
    ),
    (
        "SELECT table_privs_are('users','anon',ARRAY['SELECT'],'d');",
        [("table_privs_are", [("table", "privileges", None, None, "users", None)])],
    ),
    (
        "SELECT has_column('users','it''s');",
        [("has_column", [("column", "exists", None, "users", "it's", None)])],
    ),
    (
        "SELECT has_table('x'); -- SELECT has_table('y');",
        [("has_table", [("table", "exists", None, None, "x", None)])],
    ),
    ("/* SELECT has_table('blockcommented'); */", []),
    (
        "SELECT has_column('users','email','a -- b');",
        [("has_column", [("column", "exists", None, "users", "email", None)])],
    ),
    ("SELECT throws_ok($$SELECT has_table('ghost')$$,'x');", [("throws_ok", [])]),
]


def _read(sql: str) -> list[tuple[str, list[tuple[object, ...]]]]:
    if sql.startswith("RETURN NEXT"):
        sql = f"CREATE FUNCTION t() RETURNS SETOF TEXT LANGUAGE plpgsql AS $$ BEGIN {sql} END $$;"
    facts = read_test_file("e4.sql", sql.encode())
    assert not facts.findings, facts.findings
    result = []
    for call in facts.calls:
        entry = lookup(call.function)
        assert entry is not None
        reading = read_call(call, entry)
        result.append(
            (
                call.function,
                [(t.kind, t.facet, t.schema, t.parent, t.name, t.signature) for t in reading.targets],
            )
        )
    return result


@pytest.mark.parametrize(("sql", "expected"), E4, ids=[row[0][:60] for row in E4])
def test_e4_call_reads_as_pgtap_runs_it(
    sql: str, expected: list[tuple[str, list[tuple[object, ...]]]]
) -> None:
    assert _read(sql) == expected


def test_ok_around_an_assertion_is_a_call_postgresql_rejects() -> None:
    facts = read_test_file("e4.sql", b"SELECT ok(has_table('users'),'exists');")
    outer = next(c for c in facts.calls if c.function == "ok")
    assert outer.error is not None and outer.overload is None


def test_sql_under_test_is_exercised_not_asserted() -> None:
    facts = read_test_file("e4.sql", b"SELECT throws_ok($$SELECT app.f()$$, 'x');")
    assert [c.function for c in facts.calls] == ["throws_ok"]
    assert [(e.action, e.target.schema, e.target.name, e.in_assertion) for e in facts.exercises] == [
        ("call", "app", "f", True)
    ]
