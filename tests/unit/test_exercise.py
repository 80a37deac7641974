"""Exercises (calls, reads, writes) and role changes read from the SQL that tests run."""

from __future__ import annotations

from tapgap.pgtap.exercise import (
    DEFAULT_ROLE_HELPERS,
    UNKNOWN_ROLE,
    Exercise,
    Prepared,
    RoleChange,
    TextError,
    executed_statement,
    ignore_nothing,
    is_builtin_call,
    is_builtin_function,
    prepared_statement,
    prepared_statement_name,
    role_change,
    role_changes,
    scan_statement,
    sql_text_exercises,
    sql_text_statements,
    statement_exercises,
)
from tapgap.schema.model import QName
from tapgap.sql import pgtree

Row = tuple[str, str | None, str]


def node(sql: str) -> pgtree.Node:
    (statement,) = pgtree.parse(sql)
    return statement.node


def rows(sql: str) -> list[Row]:
    """(action, schema, name) of each exercise of the one statement ``sql``."""
    return [(e.action, e.target.schema, e.target.name) for e in statement_exercises(node(sql))]


def calls(sql: str) -> list[tuple[str | None, str, int]]:
    return [
        (e.target.schema, e.target.name, e.args) for e in statement_exercises(node(sql)) if e.action == "call"
    ]


def changes(sql: str) -> list[RoleChange]:
    return role_changes(node(sql))


# -- calls ---------------------------------------------------------------------------------------------


def test_calls_in_the_select_list_are_exercises_with_their_location() -> None:
    sql = "select app.f(1, 2), g()"
    assert statement_exercises(node(sql)) == [
        Exercise("call", QName("app", "f"), sql.index("app.f"), 2),
        Exercise("call", QName(None, "g"), sql.index("g()"), 0),
    ]


def test_calls_in_where_from_and_subqueries_are_exercises_in_source_order() -> None:
    sql = "select * from a.f(1) x where g(2) in (select h() from u) and exists (select k())"
    assert calls(sql) == [("a", "f", 1), (None, "g", 1), (None, "h", 0), (None, "k", 0)]


def test_calls_in_rows_from_order_by_values_and_window_clauses_are_exercises() -> None:
    assert calls("select * from rows from (f(), g(1))") == [(None, "f", 0), (None, "g", 1)]
    assert calls("select 1 from t order by f(x)") == [(None, "f", 1)]
    assert calls("values (f(1)), (g(2))") == [(None, "f", 1), (None, "g", 1)]
    assert calls("select sum(x) over (partition by f(y)) from t") == [(None, "sum", 1), (None, "f", 1)]


def test_calls_in_cte_bodies_are_exercises() -> None:
    assert calls("with c as (select app.f()) select * from c") == [("app", "f", 0)]


def test_calls_nested_in_the_arguments_of_calls_are_exercises() -> None:
    assert calls("select is(app.f(app.g(1)), 2, 'desc')") == [
        (None, "is", 3),
        ("app", "f", 1),
        ("app", "g", 1),
    ]


def test_args_counts_named_arguments_and_is_unknown_for_variadic_calls() -> None:
    assert calls("select pgflow.add_step(flow_slug => 'a', step_slug => 'b')") == [("pgflow", "add_step", 2)]
    assert calls("select app.f(variadic array[1, 2])") == [("app", "f", -1)]
    assert calls("select count(*) from t") == [(None, "count", 0)]


def test_schema_qualified_names_keep_their_schema_and_quoted_names_their_case() -> None:
    assert calls('select "App"."Fn"(), app.fn(), fn()') == [
        ("App", "Fn", 0),
        ("app", "fn", 0),
        (None, "fn", 0),
    ]
    assert rows('select * from "S"."T", s.t, db.s.t2') == [
        ("select", "S", "T"),
        ("select", "s", "t"),
        ("select", "s", "t2"),
    ]


def test_ignore_functions_drops_the_call_but_keeps_the_calls_in_its_arguments() -> None:
    sql = "select ok(app.f(now()) > 0), now()"
    kept = statement_exercises(node(sql), ignore_functions=lambda q: q.name in ("ok", "now"))
    assert [(e.target.schema, e.target.name) for e in kept] == [("app", "f")]


def test_is_builtin_function_knows_pg_catalog_names_unqualified_or_qualified_only() -> None:
    for name in ("now", "count", "jsonb_build_object", "gen_random_uuid", "set_config", "current_setting"):
        assert is_builtin_function(QName(None, name)), name
    assert is_builtin_function(QName("pg_catalog", "whatever"))
    assert not is_builtin_function(QName("app", "now"))
    assert not is_builtin_function(QName(None, "authenticate_as"))
    # syntax the parser writes as pg_catalog calls
    found = statement_exercises(
        node("select trim(x), extract(year from d) from t"), ignore_functions=is_builtin_function
    )
    assert [e.action for e in found] == ["select"]


def test_is_builtin_call_also_needs_an_overload_that_takes_that_many_arguments() -> None:
    assert is_builtin_call(QName(None, "now"), 0)
    assert not is_builtin_call(QName(None, "now"), 2)
    assert is_builtin_call(QName(None, "concat"), 5)  # VARIADIC
    assert is_builtin_call(QName(None, "now"), -1)


# -- relations -----------------------------------------------------------------------------------------


def test_relations_in_from_joins_and_subqueries_are_reads() -> None:
    sql = "select * from t join s.u using (id), lateral (select * from v) x where exists (select 1 from w)"
    assert rows(sql) == [
        ("select", None, "t"),
        ("select", "s", "u"),
        ("select", None, "v"),
        ("select", None, "w"),
    ]


def test_table_statement_and_select_into_read_their_sources_not_the_new_table() -> None:
    assert rows("table app.t") == [("select", "app", "t")]
    assert rows("select * into tmp from t") == [("select", None, "t")]


def test_cte_names_referenced_as_relations_are_not_reads() -> None:
    sql = "with c as (select * from base), d as (select * from c) select * from c, d, e"
    assert rows(sql) == [("select", None, "base"), ("select", None, "e")]


def test_a_schema_qualified_name_is_never_a_cte() -> None:
    assert rows("with t as (select 1) select * from t, app.t") == [("select", "app", "t")]


def test_a_non_recursive_cte_does_not_see_itself_but_a_recursive_one_does() -> None:
    assert rows("with t as (select * from t) select * from t") == [("select", None, "t")]
    assert rows("with recursive r as (select 1 union all select * from r) select * from r") == []


def test_an_inner_with_shadows_and_sees_the_outer_ctes() -> None:
    sql = "with c as (select * from t) select * from (with d as (select * from c) select * from d, c) s"
    assert rows(sql) == [("select", None, "t")]


def test_locking_clause_names_are_aliases_not_reads() -> None:
    assert rows("select * from t x for update of x") == [("select", None, "t")]


# -- writes --------------------------------------------------------------------------------------------


def test_insert_writes_its_target_and_reads_its_select() -> None:
    sql = "insert into app.t (a) select f(b) from s"
    assert rows(sql) == [("insert", "app", "t"), ("call", None, "f"), ("select", None, "s")]
    assert statement_exercises(node(sql))[0].location == sql.index("app.t")


def test_insert_returning_reads_and_on_conflict_do_update_updates_the_target() -> None:
    sql = "insert into t values (1) on conflict (id) do update set x = 1 returning *"
    assert rows(sql) == [("insert", None, "t"), ("update", None, "t"), ("select", None, "t")]
    assert rows("insert into t values (1) on conflict do nothing") == [("insert", None, "t")]


def test_update_writes_its_target_reads_its_from_and_reads_the_target_when_it_reads_rows() -> None:
    assert rows("update t set a = 1") == [("update", None, "t")]
    assert rows("update t set a = a + 1") == [("update", None, "t"), ("select", None, "t")]
    sql = "update t set a = u.b from u where t.id = u.id"
    assert rows(sql) == [("update", None, "t"), ("select", None, "t"), ("select", None, "u")]


def test_delete_writes_its_target_reads_using_and_reads_the_target_with_where_or_returning() -> None:
    assert rows("delete from t") == [("delete", None, "t")]
    assert rows("delete from t using u where t.id = u.id") == [
        ("delete", None, "t"),
        ("select", None, "t"),
        ("select", None, "u"),
    ]
    assert rows("delete from t returning 1") == [("delete", None, "t"), ("select", None, "t")]


def test_merge_writes_its_target_with_each_command_it_can_run_and_reads_its_source() -> None:
    sql = "merge into t using s on t.id = s.id when matched then update set x = f() when not matched then insert values (1)"
    assert rows(sql) == [
        ("merge", None, "t"),
        ("update", None, "t"),
        ("insert", None, "t"),
        ("select", None, "t"),
        ("select", None, "s"),
        ("call", None, "f"),
    ]


def test_truncate_truncates_each_table() -> None:
    assert rows("truncate a, b.c") == [("truncate", None, "a"), ("truncate", "b", "c")]


def test_dml_targets_are_never_resolved_to_ctes() -> None:
    assert rows("with t as (select 1) delete from t") == [("delete", None, "t")]


def test_data_modifying_ctes_write_their_targets() -> None:
    sql = "with x as (insert into t values (f()) returning *) select * from x"
    assert rows(sql) == [("insert", None, "t"), ("select", None, "t"), ("call", None, "f")]


def test_call_statement_calls_the_procedure_with_its_argument_count_and_its_argument_calls() -> None:
    sql = "call app.proc(1, app.g(2))"
    assert statement_exercises(node(sql)) == [
        Exercise("call", QName("app", "proc"), sql.index("app.proc"), 2),
        Exercise("call", QName("app", "g"), sql.index("app.g"), 1),
    ]


# -- other statements ----------------------------------------------------------------------------------


def test_copy_to_reads_copy_from_inserts_and_copy_query_runs_the_query() -> None:
    assert rows("copy t to stdout") == [("select", None, "t")]
    assert rows("copy app.t from stdin") == [("insert", "app", "t")]
    assert rows("copy (select f() from t) to stdout") == [("call", None, "f"), ("select", None, "t")]


def test_create_table_as_runs_its_query_unless_with_no_data() -> None:
    assert rows("create temp table x as select * from t") == [("select", None, "t")]
    assert rows("create materialized view m as select * from t with no data") == []


def test_declare_cursor_runs_its_query() -> None:
    assert rows("declare c cursor for select * from t") == [("select", None, "t")]


def test_explain_analyze_runs_its_statement_and_plain_explain_does_not() -> None:
    assert rows("explain analyze delete from t") == [("delete", None, "t")]
    assert rows("explain (analyze true) select f()") == [("call", None, "f")]
    assert rows("explain select f()") == []
    assert rows("explain (analyze false) select f()") == []


def test_ddl_and_settings_exercise_nothing() -> None:
    assert rows("create table t (id uuid default gen_random_uuid())") == []
    assert rows("create function f() returns int language sql as 'select g()'") == []
    assert rows("set search_path = app") == []


def test_prepare_runs_nothing_and_prepared_statement_gives_what_execute_runs() -> None:
    sql = "prepare p(int) as select app.f($1) from t"
    assert statement_exercises(node(sql)) == []
    prepared = prepared_statement(node(sql))
    assert prepared is not None and prepared.name == "p"
    assert [(e.action, e.target.name) for e in prepared.exercises] == [("call", "f"), ("select", "t")]
    assert prepared_statement(node("select 1")) is None


def test_execute_names_its_prepared_statement_and_exercises_only_its_parameters() -> None:
    assert executed_statement(node("execute p(g(1))")) == "p"
    assert rows("execute p(g(1))") == [("call", None, "g")]
    assert executed_statement(node("create table x as execute p")) == "p"
    assert executed_statement(node("explain analyze execute p")) == "p"
    assert executed_statement(node("explain execute p")) is None
    assert executed_statement(node("select 1")) is None


# -- role changes --------------------------------------------------------------------------------------


def test_set_role_sets_the_session_role_and_set_local_role_the_transaction_role() -> None:
    assert changes("set role app_user") == [RoleChange("app_user", False)]
    assert changes("set local role authenticated") == [RoleChange("authenticated", True)]
    assert changes("set role 'quoted'") == [RoleChange("quoted", False)]


def test_reset_role_set_role_none_and_default_return_to_the_session_role() -> None:
    assert changes("reset role") == [RoleChange(None, False)]
    assert changes("set role none") == [RoleChange(None, False)]
    assert changes("set role to default") == [RoleChange(None, False)]
    assert changes("set local role to default") == [RoleChange(None, True)]


def test_set_session_authorization_changes_the_session_role() -> None:
    assert changes("set session authorization bobo") == [RoleChange("bobo", False, session=True)]
    assert changes("reset session authorization") == [RoleChange(None, False, session=True)]
    assert changes("set session authorization default") == [RoleChange(None, False, session=True)]
    assert changes("discard all") == [RoleChange(None, False, session=True)]


def test_set_config_role_is_local_when_its_third_argument_is_true() -> None:
    assert changes("select set_config('role', 'authenticated', true)") == [RoleChange("authenticated", True)]
    assert changes("select pg_catalog.set_config('role', 'anon', false)") == [RoleChange("anon", False)]
    assert changes("select set_config('role', null, true)") == [RoleChange(None, True)]
    assert changes("select set_config('role', r, true) from roles") == [RoleChange(UNKNOWN_ROLE, True)]


def test_other_settings_are_no_role_change() -> None:
    assert changes("set search_path = app") == []
    assert changes("select set_config('app.settings.jwt_secret', 'x', true)") == []
    assert changes("reset all") == []
    assert changes("select 1") == []


def test_jwt_claims_with_a_literal_role_set_the_claims_role() -> None:
    assert changes("""set local "request.jwt.claims" to '{"sub": "u1", "role": "authenticated"}'""") == [
        RoleChange("authenticated", True, claims_role=True)
    ]
    sql = """select set_config('request.jwt.claims', '{"role": "anon"}'::text, true)"""
    assert changes(sql) == [RoleChange("anon", True, claims_role=True)]


def test_jwt_claims_built_with_json_build_object_and_constant_keys_set_the_claims_role() -> None:
    sql = "select set_config('request.jwt.claims', json_build_object('sub', id, 'role', 'authenticated')::text, true)"
    assert changes(sql) == [RoleChange("authenticated", True, claims_role=True)]
    sql = "select set_config('request.jwt.claims', jsonb_build_object('role', 'service_role')::text, false)"
    assert changes(sql) == [RoleChange("service_role", False, claims_role=True)]


def test_jwt_claims_in_a_scalar_subquery_or_a_format_template_set_the_claims_role() -> None:
    sql = (
        "select set_config('request.jwt.claims', (select json_build_object('sub', id, 'role', 'authenticated')::text"
        " from auth.users where email = $1), true)"
    )
    assert changes(sql) == [RoleChange("authenticated", True, claims_role=True)]
    sql = """select set_config('request.jwt.claims', format('{"sub": "%s", "role": "authenticated"}', id), true)"""
    assert changes(sql) == [RoleChange("authenticated", True, claims_role=True)]


def test_jwt_claims_with_a_computed_role_are_an_unknown_role() -> None:
    sql = """select set_config('request.jwt.claims', '{"role": "' || r || '"}', true)"""
    assert changes(sql) == [RoleChange(UNKNOWN_ROLE, True, claims_role=True)]
    assert changes("select set_config('request.jwt.claims', claims_of(u), true)") == [
        RoleChange(UNKNOWN_ROLE, True, claims_role=True)
    ]


def test_jwt_claims_without_a_role_or_cleared_change_no_role() -> None:
    assert changes("""set local request.jwt.claims to '{"sub": "u1"}'""") == []
    assert changes("select set_config('request.jwt.claims', json_build_object('sub', id)::text, true)") == []
    assert changes("select set_config('request.jwt.claims', null, true)") == []
    assert changes("select set_config('request.jwt.claims', '', true)") == []
    assert changes("reset request.jwt.claims") == []


def test_older_postgrest_claim_role_setting_sets_the_claims_role() -> None:
    assert changes("set request.jwt.claim.role = 'authenticated'") == [
        RoleChange("authenticated", False, claims_role=True)
    ]
    assert changes("select set_config('request.jwt.claim.role', 'anon', true)") == [
        RoleChange("anon", True, claims_role=True)
    ]
    assert changes("select set_config('request.jwt.claim.role', null, true)") == []


def test_supabase_test_helpers_switch_roles_locally() -> None:
    assert changes("select tests.authenticate_as('owner')") == [RoleChange("authenticated", True)]
    assert changes("select tests.authenticate_as_service_role()") == [RoleChange("service_role", True)]
    assert changes("select tests.clear_authentication()") == [RoleChange("anon", True)]
    assert changes("select authenticate_as('owner')") == []  # unqualified: not the configured name
    assert dict(DEFAULT_ROLE_HELPERS) == {
        "tests.authenticate_as": "authenticated",
        "tests.authenticate_as_service_role": "service_role",
        "tests.clear_authentication": "anon",
    }


def test_configured_helpers_map_a_function_name_to_a_role_or_a_role_change() -> None:
    helpers = {"app.login_as": "member", "logout": None, "app.sudo": RoleChange("postgres", False)}
    assert role_changes(node("select app.login_as('x')"), helpers) == [RoleChange("member", True)]
    assert role_changes(node("select logout()"), helpers) == [RoleChange(None, True)]
    assert role_changes(node("call app.sudo()"), helpers) == [RoleChange("postgres", False)]
    assert role_changes(node("select tests.authenticate_as('x')"), helpers) == []


def test_a_role_change_in_a_perform_expression_is_read_from_its_select_node() -> None:
    # The walker hands PERFORM's expression over as a SelectStmt.
    assert changes("SELECT tests.authenticate_as('x')") == [RoleChange("authenticated", True)]


def test_a_statement_can_change_the_claims_role_and_the_role_and_role_change_prefers_the_role() -> None:
    sql = (
        "select set_config('role', 'authenticated', true),"
        """ set_config('request.jwt.claims', '{"role": "anon"}', true)"""
    )
    assert changes(sql) == [RoleChange("authenticated", True), RoleChange("anon", True, claims_role=True)]
    assert role_change(node(sql)) == RoleChange("authenticated", True)
    assert role_change(node("""set request.jwt.claims = '{"role": "anon"}'""")) == RoleChange(
        "anon", False, True
    )
    assert role_change(node("select 1")) is None


# -- SQL text run by assertions ------------------------------------------------------------------------


def test_sql_text_exercises_reads_one_statement_with_locations_in_the_text() -> None:
    text = " select * from app.posts where id = app.f() "
    exercises, error = sql_text_exercises(text)
    assert error is None
    assert exercises == [
        Exercise("select", QName("app", "posts"), text.index("app.posts")),
        Exercise("call", QName("app", "f"), text.index("app.f"), 0),
    ]


def test_sql_text_exercises_reads_every_statement_of_a_multi_statement_text() -> None:
    text = "insert into t values (1);\nselect f();\n delete from t"
    exercises, error = sql_text_exercises(text)
    assert error is None
    assert [(e.action, e.target.name, e.location) for e in exercises] == [
        ("insert", "t", text.index("t values")),
        ("call", "f", text.index("f()")),
        ("delete", "t", text.rindex("t")),
    ]


def test_sql_text_exercises_keeps_the_statements_that_parse_and_reports_the_first_error() -> None:
    text = "select f(); selec g(); select h(); select from from"
    exercises, error = sql_text_exercises(text)
    assert [e.target.name for e in exercises] == ["f", "h"]
    assert error is not None and "syntax error" in error
    _, text_error = sql_text_statements(text)
    assert text_error == TextError(error, text.index("selec g"))


def test_sql_text_that_is_a_prepared_statement_name_runs_that_prepared_statement() -> None:
    assert sql_text_exercises("mythrow") == ([], None)
    statements, error = sql_text_statements("mythrow")
    assert error is None and [(s.location, s.executes, s.exercises) for s in statements] == [
        (0, "mythrow", ())
    ]
    assert prepared_statement_name("MyThrow") == "mythrow"
    assert prepared_statement_name('"my test"') == "my test"
    assert prepared_statement_name("p(1)") == "p"
    assert prepared_statement_name("select * from t") is None
    # pgTAP runs 'EXECUTE p(g(1))': the parameters' calls run, with locations in the text given
    statements, error = sql_text_statements("p(g(1))")
    assert error is None and statements[0].executes == "p"
    assert statements[0].exercises == (Exercise("call", QName(None, "g"), 2, 1),)
    statements, _ = sql_text_statements("EXECUTE expect( true, 'A%' )")
    assert [s.executes for s in statements] == ["expect"]


def test_sql_text_without_whitespace_that_is_no_statement_name_is_an_error_as_in_pgtap() -> None:
    # pgTAP runs 'EXECUTE app.f()', which the grammar rejects.
    exercises, error = sql_text_exercises("app.f()")
    assert exercises == [] and error is not None and "EXECUTE app.f()" in error
    assert prepared_statement_name("app.f()") is None


def test_sql_text_statements_carry_role_changes_prepares_and_executes_in_order() -> None:
    text = "set local role anon; select f(); prepare p as select g(); execute p"
    statements, error = sql_text_statements(text)
    assert error is None
    assert [s.location for s in statements] == [
        0,
        text.index("select f"),
        text.index("prepare"),
        text.index("execute"),
    ]
    assert statements[0].role_changes == (RoleChange("anon", True),)
    assert [e.target.name for e in statements[1].exercises] == ["f"]
    prepared = statements[2].prepares
    assert prepared == Prepared("p", (Exercise("call", QName(None, "g"), text.index("g()"), 0),))
    assert statements[2].exercises == ()
    assert statements[3].executes == "p"


def test_sql_text_of_a_helper_call_changes_the_role() -> None:
    statements, _ = sql_text_statements(" select tests.authenticate_as('test') ")
    assert statements[0].role_changes == (RoleChange("authenticated", True),)


def test_blank_sql_text_exercises_nothing() -> None:
    assert sql_text_exercises("") == ([], None)
    assert sql_text_exercises("  -- nothing\n") == ([], None)


# -- one walk: exercises and call sites ----------------------------------------------------------------


def _nests_ok(name: QName) -> str | None:
    return name.name if name.name in ("ok", "collect_tap") else None


def sites(sql: str) -> list[tuple[str, str | None]]:
    """(name, nested_in) of each call site scan_statement finds, in its order."""
    scan = scan_statement(node(sql), ignore_functions=ignore_nothing, nests=_nests_ok)
    return [(site.name.name, site.nested_in) for site in scan.calls]


def test_scan_gives_the_exercises_of_statement_exercises() -> None:
    for sql in (
        "with w as (select f()) insert into t select * from w, u where g(u.a) returning *",
        "update t set a = b from u where t.id = u.id",
        "merge into t using s on t.id = s.id when matched then delete",
        "copy (select f() from t) to stdout",
        "create table n as select * from t",
        "explain analyze delete from t",
        "call p(f())",
        "truncate a, b",
    ):
        scan = scan_statement(node(sql), ignore_functions=is_builtin_function, nests=_nests_ok)
        assert scan.exercises == statement_exercises(node(sql), ignore_functions=is_builtin_function), sql


def test_scan_finds_calls_in_tree_order_a_call_before_its_arguments() -> None:
    assert sites("select f(g(1)), h()") == [("f", None), ("g", None), ("h", None)]


def test_calls_in_an_assertions_arguments_are_nested_in_it() -> None:
    assert sites("select collect_tap(ok(f()), g())") == [
        ("collect_tap", None),
        ("ok", "collect_tap"),
        ("f", "ok"),
        ("g", "collect_tap"),
    ]


def test_only_an_assertions_arguments_are_looked_at_for_calls_but_all_of_it_runs() -> None:
    sql = "select ok(true) filter (where f())"
    assert sites(sql) == [("ok", None)]
    assert [e.target.name for e in statement_exercises(node(sql))] == ["ok", "f"]


def test_calls_anywhere_are_call_sites_even_where_nothing_runs() -> None:
    # DDL runs nothing here, and a PREPAREd query runs later: both still hold calls.
    assert sites("create table t (a int default f())") == [("f", None)]
    assert statement_exercises(node("create table t (a int default f())")) == []
    assert sites("explain select f()") == [("f", None)]


def test_a_call_statements_procedure_is_no_call_site_but_its_arguments_are() -> None:
    assert sites("call p(f())") == [("f", None)]
    assert [e.target.name for e in statement_exercises(node("call p(f())"))] == ["p", "f"]


def test_role_changes_from_the_call_sites_equal_those_from_walking_the_tree() -> None:
    sql = "select set_config('role', 'anon', true), tests.authenticate_as('bob')"
    scan = scan_statement(node(sql), ignore_functions=ignore_nothing, nests=lambda _: None)
    expected = [RoleChange("anon", True), RoleChange("authenticated", True)]
    assert role_changes(node(sql), calls=scan.calls) == role_changes(node(sql)) == expected
