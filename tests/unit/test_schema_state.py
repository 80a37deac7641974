"""Schema replay: what exists after the statements of several files, as PostgreSQL would have it."""

from __future__ import annotations

from pathlib import Path

from tests.unit.schema_helpers import attrs, inventory_of, keys


def test_unnamed_constraints_get_postgresql_generated_names(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        """
        create table customers (id int primary key);
        create table orders (
          id bigserial primary key,
          email text unique,
          qty int check (qty > 0),
          a int, b int,
          customer_id int references customers,
          check (a < b),
          unique (a, b)
        );
        """,
    )
    assert keys(inv, "constraint") == [
        "public.customers.customers_pkey",
        "public.orders.orders_a_b_key",
        "public.orders.orders_check",
        "public.orders.orders_customer_id_fkey",
        "public.orders.orders_email_key",
        "public.orders.orders_pkey",
        "public.orders.orders_qty_check",
    ]
    assert attrs(inv, "constraint", "public.orders.orders_check")["columns"] == ["a", "b"]
    assert "public.orders_id_seq" in keys(inv, "sequence")


def test_foreign_key_name_and_target_default_to_referenced_primary_key(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table app_users (id uuid primary key);"
        "create table posts (id int, author uuid references app_users, editor uuid,"
        " foreign key (editor) references app_users (id));",
    )
    assert attrs(inv, "constraint", "public.posts.posts_author_fkey")["references"] == "public.app_users(id)"
    assert attrs(inv, "constraint", "public.posts.posts_editor_fkey")["columns"] == ["editor"]


def test_index_names_follow_columns_and_expressions(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table users (id int, email text, org int);"
        "create index on users (lower(email));"
        "create index on users (org, id);"
        "create index on users (org, id);"
        "create unique index if not exists users_email on users (email) where org is not null;",
    )
    assert keys(inv, "index") == [
        "public.users.users_email",
        "public.users.users_lower_idx",
        "public.users.users_org_id_idx",
        "public.users.users_org_id_idx1",
    ]
    assert attrs(inv, "index", "public.users.users_email")["unique"] is True


def test_generated_names_are_truncated_to_63_bytes(tmp_path: Path) -> None:
    long_table = "t" * 40
    long_column = "c" * 40
    inv = inventory_of(tmp_path, f"create table {long_table} ({long_column} int unique);")
    (name,) = keys(inv, "constraint")
    generated = name.split(".")[-1]
    assert len(generated) == 63
    assert generated.endswith("_key")


def test_search_path_set_in_a_file_applies_until_the_file_ends(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create schema app; set search_path to app, public; create table a (id int);",
        "create table b (id int);",
    )
    assert keys(inv, "table") == ["app.a", "public.b"]


def test_set_local_search_path_ends_with_the_transaction(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create schema app; begin; set local search_path = app; create table a (id int); commit;"
        "create table b (id int);",
    )
    assert keys(inv, "table") == ["app.a", "public.b"]


def test_pg_dump_set_config_search_path_is_honoured(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create schema app; select pg_catalog.set_config('search_path', 'app', false); create table a (x int);",
    )
    assert keys(inv, "table") == ["app.a"]


def test_renames_follow_through_to_foreign_keys_and_constraints(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table users (id int primary key, mail text unique);"
        "create table posts (author int references users (id));",
        "alter table users rename to members; alter table members rename column id to member_id;",
    )
    assert keys(inv, "table") == ["public.members", "public.posts"]
    assert attrs(inv, "constraint", "public.posts.posts_author_fkey")["references"] == (
        "public.members(member_id)"
    )
    # Renaming a table keeps its constraints' and indexes' names.
    assert "public.members.users_pkey" in keys(inv, "constraint")
    assert "public.members.users_mail_key" in keys(inv, "index")


def test_dropping_a_column_drops_its_constraints_and_indexes(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table t (a int, b int unique, c int check (c > b));"
        "create index t_b on t (b);"
        "alter table t drop column b;",
    )
    assert keys(inv, "constraint") == []
    assert keys(inv, "index") == []
    assert keys(inv, "column") == ["public.t.a", "public.t.c"]


def test_alter_table_changes_columns_and_rls_flags(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table t (a int, b text default 'x', c varchar(10));",
        "alter table t add column if not exists d timestamptz not null default now(),"
        " alter column a set not null, alter column b drop default, alter column c type varchar(20),"
        " enable row level security, force row level security;",
    )
    assert attrs(inv, "column", "public.t.a") == {"type": "integer", "not_null": True, "has_default": False}
    assert attrs(inv, "column", "public.t.b")["has_default"] is False
    assert attrs(inv, "column", "public.t.c")["type"] == "character varying(20)"
    assert attrs(inv, "column", "public.t.d") == {
        "type": "timestamp with time zone",
        "not_null": True,
        "has_default": True,
    }
    assert attrs(inv, "table", "public.t") == {"rls_enabled": True, "rls_forced": True}


def test_policy_dropped_and_recreated_takes_the_new_definition(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table t (id int); create policy p on t for select to anon using (true);",
        "drop policy if exists p on t; create policy p on t as restrictive for update to authenticated, anon"
        " using (true);",
    )
    assert attrs(inv, "policy", "public.t.p") == {
        "command": "UPDATE",
        "roles": ["anon", "authenticated"],
        "permissive": False,
    }
    (policy,) = [i for i in inv.items if i.kind == "policy"]
    assert policy.file == "001.sql"


def test_functions_are_identified_by_input_argument_types(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create type mood as enum ('ok');"
        "create function f(a int, out b text, inout c varchar(3), variadic d int[]) returns record"
        " language sql as 'select 1';"
        "create function f(m mood) returns setof mood language sql as 'select 1';"
        "create function g() returns table (id int, \"user\" text) language sql as 'select 1';"
        "create function h(x int, out y int) language sql as 'select 1';"
        "create procedure p(x text) language sql as 'select 1';",
    )
    assert keys(inv, "function") == [
        "public.f(integer,character varying,integer[])",
        "public.f(public.mood)",
        "public.g()",
        "public.h(integer)",
    ]
    assert attrs(inv, "function", "public.f(integer,character varying,integer[])")["returns"] == "record"
    assert attrs(inv, "function", "public.f(public.mood)")["returns"] == "SETOF public.mood"
    assert attrs(inv, "function", "public.g()")["returns"] == 'TABLE(id integer, "user" text)'
    assert attrs(inv, "function", "public.h(integer)")["returns"] == "integer"
    assert keys(inv, "procedure") == ["public.p(text)"]


def test_replace_drop_and_overloads_of_functions(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create function f(int) returns int language sql as 'select 1';"
        "create function f(text) returns int language sql as 'select 1';",
        "create or replace function f(integer) returns int language sql as 'select 2';drop function f(text);",
    )
    (fn,) = [i for i in inv.items if i.kind == "function"]
    assert (fn.key, fn.file) == ("public.f(integer)", "001.sql")


def test_enum_values_added_and_renamed_in_order(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create type s as enum ('b', 'd');",
        "alter type s add value 'a' before 'b'; alter type s add value 'c' after 'b';"
        "alter type s add value if not exists 'd'; alter type s rename value 'd' to 'e'; alter type s add value 'f';",
    )
    assert attrs(inv, "type", "public.s") == {"type": "enum", "labels": ["a", "b", "c", "e", "f"]}


def test_renamed_type_is_followed_by_the_columns_that_use_it(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create schema app; create domain app.cents as bigint not null check (value >= 0);"
        "create table app.t (price app.cents, tags app.cents[]);"
        "alter domain app.cents rename to money_cents;",
    )
    assert attrs(inv, "column", "app.t.price")["type"] == "app.money_cents"
    assert attrs(inv, "column", "app.t.tags")["type"] == "app.money_cents[]"
    assert attrs(inv, "domain", "app.money_cents") == {"base_type": "bigint", "not_null": True}


def test_drop_table_cascade_drops_views_and_foreign_keys(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create table a (id int primary key); create table b (a_id int references a);"
        "create view v as select * from a; create materialized view mv as select id from a;",
        "drop table if exists a cascade; drop table if exists nothing;",
    )
    assert keys(inv, "table") == ["public.b"]
    assert keys(inv, "view") == []
    assert keys(inv, "materialized view") == []
    assert keys(inv, "constraint") == []


def test_unparseable_statement_is_a_parse_error_and_the_rest_still_counts(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path, "create table a (id int);\ncreate tabel b (id int);\ncreate table c (id int);"
    )
    assert keys(inv, "table") == ["public.a", "public.c"]
    (finding,) = inv.findings
    assert finding.code == "parse-error"
    assert (finding.span.line, finding.file) == (1, "000.sql")
    assert "tabel" in finding.message


def test_invalid_utf8_is_reported_and_the_file_still_read(tmp_path: Path) -> None:
    path = tmp_path / "000.sql"
    path.write_bytes(b"create table a (id int);\n-- caf\xe9\ncreate table b (id int);")
    from tapgap.schema.inventory import build_inventory

    inv = build_inventory(tmp_path, [path])
    assert keys(inv, "table") == ["public.a", "public.b"]
    assert [f.code for f in inv.findings] == ["invalid-encoding"]
    assert inv.findings[0].span.line == 1


def test_triggers_views_sequences_and_schemas_are_listed(tmp_path: Path) -> None:
    inv = inventory_of(
        tmp_path,
        "create schema if not exists app; create table app.t (id int generated always as identity);"
        "create function app.touch() returns trigger language plpgsql as $$begin return new; end$$;"
        "create trigger t_touch before update on app.t for each row execute function app.touch();"
        "create or replace view app.v as select 1; create sequence app.s;",
    )
    assert keys(inv, "schema") == ["app"]
    assert attrs(inv, "trigger", "app.t.t_touch") == {"function": "touch", "events": ["UPDATE"]}
    assert keys(inv, "sequence") == ["app.s"]  # an identity column's sequence is internal to it
    assert attrs(inv, "column", "app.t.id") == {"type": "integer", "not_null": True, "has_default": False}
    assert keys(inv, "view") == ["app.v"]
