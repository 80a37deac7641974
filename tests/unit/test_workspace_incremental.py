"""The incremental index: any sequence of file events leaves the workspace equal to a fresh analysis."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tapgap.analysis import ProjectAnalysis
from tapgap.config import Config, LoadedConfig
from tapgap.workspace import FileEvent, Workspace

SCHEMA_PIECES = [
    "create table t1 (id int primary key, name text not null);",
    "create table t2 (id int primary key, t1_id int references t1);",
    "alter table t1 add column email text unique;",
    "create index t1_name_idx on t1 (name);",
    "alter table t1 enable row level security; create policy p1 on t1 for select to authenticated using (true);",
    "create function f(a int) returns int language sql as $$ select a $$;",
    "drop table if exists t2;",
    "alter table t1 rename column name to full_name;",
    "create view v1 as select * from t1;",
    "create tabel broken (;",
]
TEST_PIECES = [
    "select plan(1); select has_table('t1');",
    "select has_column('t1', 'name');",
    "select has_column('t1', 'full_name'); select col_is_pk('t1', 'id');",
    "select has_table('t2'); select has_pk('t2');",
    "select is(f(1), 1, 'f works');",
    "select tests.authenticate_as('a'); select results_eq('select * from t1', 'values (1)');",
    "select has_index('t1', 't1_name_idx', 'idx');",
    "select policy_exists('p1');",
    "\\ir shared.inc\nselect plan(2); select has_table('t1');",
]

files = st.sampled_from(
    [
        "supabase/migrations/001_a.sql",
        "supabase/migrations/002_b.sql",
        "supabase/migrations/003_c.sql",
        "supabase/tests/a.test.sql",
        "supabase/tests/b.test.sql",
        "supabase/tests/shared.inc",
    ]
)
operation = st.one_of(
    st.tuples(st.just("write"), files, st.lists(st.integers(0, 9), min_size=1, max_size=3)),
    st.tuples(st.just("delete"), files, st.just([])),
    st.tuples(st.just("move"), files, st.lists(files, min_size=1, max_size=1)),
)


def _content(name: str, pieces: list[int]) -> str:
    source = SCHEMA_PIECES if "/migrations/" in name else TEST_PIECES
    return "\n".join(source[i % len(source)] for i in pieces) + "\n"


def _fingerprint(analysis: ProjectAnalysis) -> object:
    objects = [
        (o.kind, o.key, [(r.facet, r.covered) for r in o.requirements]) for o in analysis.index.objects
    ]
    findings = sorted((f.code, f.file, f.span.start, f.message) for f in analysis.findings)
    return objects, findings, analysis.index.kinds, analysis.index.total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=8))
def test_incremental_updates_equal_a_fresh_analysis(operations: list[tuple[str, str, list[object]]]) -> None:
    root = Path(tempfile.mkdtemp())
    try:
        (root / "supabase/migrations").mkdir(parents=True)
        (root / "supabase/tests").mkdir(parents=True)
        (root / "supabase/migrations/001_a.sql").write_text(_content("supabase/migrations/x", [0, 2]))
        (root / "supabase/tests/a.test.sql").write_text(_content("tests", [0]))
        loaded = LoadedConfig(Config(), None, root)
        workspace = Workspace(root, loaded).load()
        for kind, name, arg in operations:
            path = root / name
            if kind == "write":
                existed = path.exists()
                path.write_text(_content(name, [int(i) for i in arg]))  # type: ignore[call-overload]
                event = FileEvent("changed" if existed else "created", path)
            elif kind == "delete":
                if not path.exists():
                    continue
                path.unlink()
                event = FileEvent("deleted", path)
            else:
                dest = root / str(arg[0])
                if not path.exists() or dest == path:
                    continue
                path.replace(dest)
                event = FileEvent("moved", path, dest)
            workspace.apply([event])
            fresh = Workspace(root, loaded).load().analysis()
            assert _fingerprint(workspace.analysis()) == _fingerprint(fresh)
    finally:
        shutil.rmtree(root)


def test_an_unchanged_file_event_does_no_work(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("create table t (id int);")
    workspace = Workspace(tmp_path, LoadedConfig(Config(), None, tmp_path)).load()
    parsed = workspace.stats.parsed
    delta = workspace.apply([FileEvent("changed", tmp_path / "schema.sql")])
    assert delta.findings == {} and delta.total is None
    assert workspace.stats.parsed == parsed


def test_a_new_test_clears_the_schema_files_untested_finding(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("create table t (id int);")
    (tmp_path / "tests").mkdir()
    workspace = Workspace(tmp_path, LoadedConfig(Config(level="lenient"), None, tmp_path)).load()
    assert [f.code for f in workspace.analysis().findings] == ["untested"]
    (tmp_path / "tests" / "t.sql").write_text("select has_table('t');")
    delta = workspace.apply([FileEvent("created", tmp_path / "tests" / "t.sql")])
    assert delta.findings == {"schema.sql": []}
    assert delta.total is not None and delta.total.percent == 100.0


def test_an_unsaved_buffer_stands_for_the_file_until_closed(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("create table t (id int);")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.sql").write_text("select 1;")
    workspace = Workspace(tmp_path, LoadedConfig(Config(level="lenient"), None, tmp_path)).load()
    assert [f.code for f in workspace.analysis().findings] == ["untested"]
    delta = workspace.set_buffer(tmp_path / "tests" / "t.sql", "select has_table('t');")
    assert delta.findings == {"schema.sql": []}
    assert (tmp_path / "tests" / "t.sql").read_text() == "select 1;"  # the disk is untouched
    delta = workspace.set_buffer(tmp_path / "tests" / "t.sql", None)
    assert [f.code for f in delta.findings["schema.sql"]] == ["untested"]
