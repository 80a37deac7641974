"""Assertions bound to a project's schema, and the test-file findings that need the whole project."""

from __future__ import annotations

from pathlib import Path

from tapgap.coverage.assertions import SuiteAnalysis, analyse_tests
from tapgap.schema.load import load_schema

SCHEMA = """
create schema app;
create table app.users (id int primary key, email text not null);
create table public.profiles (id int);
create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger users_touch before update on app.users for each row execute function app.touch();
alter table app.users enable row level security;
create policy users_self on app.users for select to authenticated using (true);
"""


def analyse(tmp_path: Path, *tests: str, extra: dict[str, str] | None = None) -> SuiteAnalysis:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    paths = []
    for n, text in enumerate(tests):
        path = tmp_path / f"t{n}.test.sql"
        path.write_text(text)
        paths.append(path)
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(text)
    state = load_schema(tmp_path, [tmp_path / "schema.sql"]).state
    return analyse_tests(tmp_path, paths, state)


def codes(analysis: SuiteAnalysis) -> list[str]:
    return sorted(f.code for f in analysis.findings)


def test_plain_literals_reading_a_schema_as_a_table_are_an_ambiguous_call_with_the_fix(
    tmp_path: Path,
) -> None:
    analysis = analyse(tmp_path, "select has_table('app', 'users');")
    (finding,) = analysis.findings
    assert finding.code == "ambiguous-call"
    assert "has_table(name, text)" in finding.message
    assert "'app'::name, 'users'::name" in finding.message
    (assertion,) = analysis.assertions
    assert assertion.targets[0].objects == ()  # what PostgreSQL runs checks a table named "app"


def test_three_plain_literals_to_has_column_suggest_the_described_form(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select has_column('app', 'users', 'email');")
    (finding,) = analysis.findings
    assert finding.code == "ambiguous-call"
    assert "description" in finding.message


def test_a_real_description_is_not_ambiguous(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select has_table('profiles', 'profiles exist');")
    assert analysis.findings == []
    assert analysis.assertions[0].targets[0].objects == (("table", "public.profiles"),)


def test_a_check_of_a_missing_object_is_stale_with_the_nearest_name(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select has_table('app'::name, 'userz'::name);")
    (finding,) = analysis.findings
    assert finding.code == "stale-target"
    assert "app.users" in finding.message


def test_negated_assertions_of_absent_objects_are_not_stale(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select hasnt_table('app'::name, 'legacy'::name, 'gone');")
    assert analysis.findings == []


def test_computed_names_are_dynamic_targets(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select has_table('app'::name, ('p' || to_char(now(), 'YYYY'))::name);")
    assert codes(analysis) == ["dynamic-target"]


def test_pgtap_look_alikes_are_unknown_assertions_unless_defined(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select policy_exists('users_self');")
    assert codes(analysis) == ["unknown-assertion"]
    defined = analyse(
        tmp_path,
        "create function policy_exists(text) returns text language sql as $$ select 'ok' $$;"
        "select policy_exists('users_self');",
    )
    assert "unknown-assertion" not in codes(defined)


def test_plan_count_differing_from_the_tests_run_is_a_plan_mismatch(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path, "select plan(3); select has_table('profiles'); select has_pk('app', 'users', 'pk');"
    )
    (finding,) = analysis.findings
    assert finding.code == "plan-mismatch"
    assert "plan(3) but the file runs 2 tests" in finding.message


def test_skip_counts_its_number_and_do_blocks_count_their_assertions(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "select plan(4); select skip('later', 2); select has_table('profiles');"
        "do $$ begin perform has_column('profiles', 'id'); end $$;",
    )
    assert analysis.findings == []


def test_loops_make_the_plan_uncheckable_rather_than_wrong(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "select plan(9); do $$ begin for i in 1..3 loop perform ok(true); end loop; end $$;",
    )
    assert analysis.findings == []


def test_included_files_count_toward_the_including_plan(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "select plan(2);\n\\ir shared.inc\nselect has_table('profiles');",
        extra={"shared.inc": "select has_column('profiles', 'id');"},
    )
    assert analysis.findings == []
    assert [a.via is not None for a in analysis.assertions if a.function == "has_column"] == [True]


def test_objects_the_test_creates_are_fixtures_not_stale_targets(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "create table tmp_fixture (id int); select has_table('tmp_fixture');")
    assert analysis.findings == []
    assert analysis.assertions[0].targets[0].fixture is True


def test_pl_pgsql_test_functions_are_read_at_the_lines_of_their_calls(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "create function test_users() returns setof text language plpgsql as $$\n"
        "begin\n"
        "  return next has_trigger('app', 'users', 'users_touch', 'touch');\n"
        "  return next policy_cmd_is('app', 'users', 'users_self', 'select', 'cmd');\n"
        "end $$;\n"
        "select * from runtests();",
    )
    found = [(a.function, a.span.line, a.targets[0].objects) for a in analysis.assertions if a.targets]
    assert found == [
        ("has_trigger", 2, (("trigger", "app.users.users_touch"),)),
        ("policy_cmd_is", 3, (("policy", "app.users.users_self"),)),
    ]


def test_custom_rls_helper_checks_the_tables_row_level_security(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select tests.rls_enabled('app', 'users');")
    (assertion,) = analysis.assertions
    assert assertion.targets[0].objects == (("rls", "app.users"),)


def test_sql_under_test_is_exercised_under_the_role_in_effect(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        "select tests.authenticate_as('alice');"
        "select results_eq('select * from app.users', 'values (1)', 'reads');",
    )
    (exercise,) = [e for e in analysis.exercises if e.in_assertion]
    assert (exercise.action, exercise.target.name, exercise.role) == ("select", "users", "authenticated")


def test_ok_around_an_assertion_is_an_invalid_call(tmp_path: Path) -> None:
    analysis = analyse(tmp_path, "select ok(has_table('profiles'), 'exists');")
    assert codes(analysis) == ["invalid-call"]


def test_has_index_with_four_plain_literals_reads_the_schema_form_when_the_schema_exists(
    tmp_path: Path,
) -> None:
    analysis = analyse(tmp_path, "select has_index('app', 'users', 'users_pkey', 'the key');")
    assert analysis.findings == []
    assert analysis.assertions[0].targets[0].objects == (("index", "app.users.users_pkey"),)
