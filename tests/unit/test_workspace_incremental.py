"""The incremental index: any sequence of file events leaves the workspace equal to a fresh analysis."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tapgap.analysis import ProjectAnalysis
from tapgap.config import Config, LoadedConfig
from tapgap.coverage.baseline import Baseline
from tapgap.coverage.requirements import Level
from tapgap.findings import Finding
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
    "-- tapgap: ignore[untested]\ncreate table t3 (id int);",
    "create function thing_is(int) returns text language sql as $$ select 'ok' $$;",
    "create function audit() returns trigger language plpgsql as $$ begin return new; end $$;\n"
    "create trigger t1_audit after insert on t1 for each row execute function audit();",
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
    "select has_table('t3'); select has_column('t1', 'email');",
    "select has_table('missing_one');",
    "-- tapgap: ignore\nselect has_table('missing_two');",
    "select thing_is(1);",
    "create function thing_is(int) returns text language sql as $$ select 'ok' $$;",
    "select lives_ok('insert into t1 (id) values (1)'); select * from v1;",
    "\\ir b.test.sql\nselect has_view('v1');",
    "select fk_ok('t2', 't1_id', 't1', 'id'); select col_not_null('t1', 'name');",
    "select plan(5); select hasnt_table('t2');",
]
SHARED = "supabase/tests/shared.inc"
PREPENDED = ["\n", "-- a comment\n", "-- tapgap: ignore[untested]\n"]

files = st.sampled_from(
    [
        "supabase/migrations/001_a.sql",
        "supabase/migrations/002_b.sql",
        "supabase/migrations/003_c.sql",
        "supabase/tests/a.test.sql",
        "supabase/tests/b.test.sql",
        "supabase/tests/c.test.sql",
        SHARED,
    ]
)
# Test files are edited more often than schema files, as in an editor.
test_files = st.sampled_from(["supabase/tests/a.test.sql", "supabase/tests/b.test.sql", SHARED])
pieces = st.lists(st.integers(0, 20), min_size=1, max_size=4)
operation = st.one_of(
    st.tuples(st.just("write"), files, pieces),
    st.tuples(st.just("write"), test_files, pieces),
    st.tuples(st.just("buffer"), test_files, pieces),
    st.tuples(st.just("close"), test_files, st.just([])),
    # Lines added above: the schema files' operations stay, their objects move (and may be suppressed).
    st.tuples(st.just("prepend"), files, st.lists(st.integers(0, 2), min_size=1, max_size=1)),
    st.tuples(st.just("delete"), files, st.just([])),
    st.tuples(st.just("move"), files, st.lists(files, min_size=1, max_size=1)),
)
# Accepted gaps and findings, so that the baseline's part of every file's findings is exercised too.
BASELINE = Baseline(
    gaps=frozenset({("table", "t1", "exists"), ("column", "t1.id", "exists")}),
    findings=frozenset(
        {
            ("untested", "supabase/migrations/001_a.sql", "t2"),
            ("stale-target", "supabase/tests/b.test.sql", "missing_one (search_path)"),
        }
    ),
)


def _content(name: str, pieces: list[int]) -> str:
    source = SCHEMA_PIECES if "/migrations/" in name else TEST_PIECES
    return "\n".join(source[i % len(source)] for i in pieces) + "\n"


def _fingerprint(analysis: ProjectAnalysis) -> object:
    """Everything a client can see: each object's requirements with their evidence, every finding in
    order, the figures, the counts and the test side."""
    index = analysis.index
    return (
        index.level,
        index.objects,
        index.kinds,
        index.total,
        analysis.findings,
        (analysis.suppressed, analysis.baselined, analysis.statements),
        analysis.suite,
        (analysis.schema_files, analysis.test_files, analysis.included_files),
    )


def _by_file(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.file, []).append(finding)
    return grouped


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(operation, min_size=1, max_size=10),
    st.sampled_from(["lenient", "normal", "strict"]),
    st.booleans(),
)
def test_incremental_updates_equal_a_fresh_analysis(
    operations: list[tuple[str, str, list[object]]], level: Level, with_baseline: bool
) -> None:
    root = Path(tempfile.mkdtemp())
    try:
        (root / "supabase/migrations").mkdir(parents=True)
        (root / "supabase/tests").mkdir(parents=True)
        (root / "supabase/migrations/001_a.sql").write_text(_content("supabase/migrations/x", [0, 2, 1]))
        (root / "supabase/tests/a.test.sql").write_text(_content("tests", [0, 8]))
        (root / SHARED).write_text(_content("tests", [1, 10]))
        loaded = LoadedConfig(Config(level=level), None, root)
        baseline = BASELINE if with_baseline else None

        def fresh(workspace: Workspace, incremental: bool) -> ProjectAnalysis:
            again = Workspace(root, loaded, baseline=baseline, incremental=incremental)
            again.loader.overlays = dict(workspace.loader.overlays)  # unsaved buffers stand for files
            return again.load().analysis()

        workspace = Workspace(root, loaded, baseline=baseline, incremental=True).load()
        assert _fingerprint(workspace.analysis()) == _fingerprint(fresh(workspace, False))
        published = _by_file(workspace.analysis().findings)
        figures = (workspace.analysis().index.kinds, workspace.analysis().index.total)
        for kind, name, arg in operations:
            path = root / name
            if kind in ("buffer", "close"):
                if not path.exists():
                    continue
                text = _content(name, [int(i) for i in arg]) if kind == "buffer" else None  # type: ignore[call-overload]
                delta = workspace.set_buffer(path, text)
            else:
                if kind == "write":
                    existed = path.exists()
                    path.write_text(_content(name, [int(i) for i in arg]))  # type: ignore[call-overload]
                    event = FileEvent("changed" if existed else "created", path)
                elif kind == "prepend":
                    if not path.exists():
                        continue
                    path.write_text(PREPENDED[int(arg[0])] + path.read_text())  # type: ignore[call-overload]
                    event = FileEvent("changed", path)
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
                delta = workspace.apply([event])
            expected = fresh(workspace, False)
            assert _fingerprint(workspace.analysis()) == _fingerprint(expected)
            # The delta is exactly what a client must be told: applied to what it was told before, it
            # gives every file's findings and the figures now.
            published.update(delta.findings)
            published = {file: found for file, found in published.items() if found}
            assert published == _by_file(expected.findings)
            if delta.total is not None:
                figures = (delta.kinds, delta.total)
            assert figures == (expected.index.kinds, expected.index.total)
        # A live analysis built at once equals one built from the edits and the batch one.
        assert _fingerprint(fresh(workspace, True)) == _fingerprint(workspace.analysis())
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


def _same_as_fresh(workspace: Workspace) -> None:
    again = Workspace(workspace.root, workspace.loaded, baseline=workspace.baseline, files=workspace.files)
    again.loader.overlays = dict(workspace.loader.overlays)
    assert _fingerprint(workspace.analysis()) == _fingerprint(again.load().analysis())


def _project(root: Path, tests: dict[str, str]) -> Workspace:
    (root / "schema.sql").write_text("create table t1 (id int primary key);\n")
    (root / "tests").mkdir()
    for name, text in tests.items():
        (root / "tests" / name).write_text(text)
    return Workspace(root, LoadedConfig(Config(level="strict"), None, root), incremental=True).load()


def test_a_test_file_edit_updates_the_live_index_in_place(tmp_path: Path) -> None:
    workspace = _project(tmp_path, {"a.sql": "select has_table('t1');", "b.sql": "select has_pk('t1');"})
    live, context, other = workspace.live, workspace.context, workspace.suites[tmp_path / "tests" / "b.sql"]
    delta = workspace.set_buffer(tmp_path / "tests" / "a.sql", "select has_column('t1', 'id');")
    # Only the edited file was bound again, with the context kept since the load, into the same index.
    assert workspace.live is live and workspace.context is context
    assert workspace.suites[tmp_path / "tests" / "b.sql"] is other
    assert set(delta.findings) == {"schema.sql"}
    _same_as_fresh(workspace)
    # Lines moved, operations unchanged: the objects move, no suite is bound again.
    (tmp_path / "schema.sql").write_text("-- the tables\n\ncreate table t1 (id int primary key);\n")
    delta = workspace.apply([FileEvent("changed", tmp_path / "schema.sql")])
    assert workspace.live is live and workspace.suites[tmp_path / "tests" / "b.sql"] is other
    assert {f.span.line for f in delta.findings["schema.sql"]} == {2}
    _same_as_fresh(workspace)
    (tmp_path / "schema.sql").write_text("create table t1 (id int primary key, name text);\n")
    workspace.apply([FileEvent("changed", tmp_path / "schema.sql")])
    # A new state: every suite bound again, a new live analysis.
    assert workspace.live is not live and workspace.suites[tmp_path / "tests" / "b.sql"] is not other
    _same_as_fresh(workspace)


def test_a_definition_in_one_test_file_settles_a_look_alike_in_another(tmp_path: Path) -> None:
    workspace = _project(tmp_path, {"a.sql": "select thing_is(1);", "b.sql": "select 1;"})
    assert [f.code for f in workspace.analysis().findings if f.file == "tests/a.sql"] == ["unknown-assertion"]
    definition = "create function thing_is(int) returns text language sql as $$ select 'ok' $$;"
    delta = workspace.set_buffer(tmp_path / "tests" / "b.sql", definition)
    assert delta.findings["tests/a.sql"] == []  # a.sql itself did not change
    _same_as_fresh(workspace)
    delta = workspace.set_buffer(tmp_path / "tests" / "b.sql", None)
    assert [f.code for f in delta.findings["tests/a.sql"]] == ["unknown-assertion"]
    _same_as_fresh(workspace)


def test_evidence_past_what_is_shown_keeps_the_test_file_order(tmp_path: Path) -> None:
    tests = {f"t{i:02}.sql": "select has_table('t1');\n" * 3 for i in range(12)}
    workspace = _project(tmp_path, tests)
    [table] = [o for o in workspace.analysis().index.objects if o.kind == "table"]
    assert len(table.requirements[0].evidence) == 20  # 36 assertions, the first 20 in file order
    for name in ("t00.sql", "t05.sql", "t11.sql"):
        workspace.set_buffer(tmp_path / "tests" / name, "select 1;\nselect has_table('t1');")
        _same_as_fresh(workspace)


def test_test_files_that_change_places_rebuild_the_live_index(tmp_path: Path) -> None:
    workspace = _project(tmp_path, {"a.sql": "select has_table('t1');", "b.sql": "select has_pk('t1');"})
    schema, a, b = tmp_path / "schema.sql", tmp_path / "tests" / "a.sql", tmp_path / "tests" / "b.sql"
    workspace.files = ([schema], [a, b])
    workspace.load()
    live = workspace.live
    workspace.files = ([schema], [b, a])  # as a configuration listing the files in another order would
    workspace.apply([FileEvent("created", b)])
    assert workspace.live is not live
    _same_as_fresh(workspace)
