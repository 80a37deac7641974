"""Test stubs for untested objects: read back by tapgap, a stub covers exactly its object's missing facets."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tapgap.analysis import ProjectAnalysis
from tapgap.config import load_config
from tapgap.coverage.index import ObjectCoverage
from tapgap.coverage.requirements import Level
from tapgap.coverage.stubs import append_stub, stub_for
from tapgap.workspace import Workspace

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "supabase"
STUB = "supabase/tests/zz_stub.test.sql"


def _analyse(root: Path, level: Level) -> ProjectAnalysis:
    return Workspace(root, load_config(root), level).load().analysis()


def _state(objects: list[ObjectCoverage]) -> dict[tuple[str, str], dict[str, bool]]:
    return {(o.kind, o.key): {r.facet: r.covered for r in o.requirements} for o in objects}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stubs") / "project"
    shutil.copytree(EXAMPLE, root / "supabase", ignore=shutil.ignore_patterns(".tapgap"))
    return root


CASES = [
    ("strict", "column", "app.teams.created_at"),
    ("strict", "column", "app.tasks.status"),
    ("strict", "constraint", "app.tasks.tasks_pkey"),
    ("strict", "constraint", "app.tasks.tasks_project_id_fkey"),
    ("strict", "constraint", "public.profiles.profiles_email_key"),
    ("strict", "index", "app.team_stats.team_stats_team_id_idx"),
    ("strict", "function", "public.handle_new_user()"),
    ("strict", "function", "app.task_count(integer,app.task_status)"),
    ("strict", "trigger", "auth.users.on_auth_user_created"),
    ("strict", "policy", "app.tasks.tasks_delete"),
    ("strict", "policy", 'app.teams."Members can view their teams"'),
    ("strict", "column", "app.team_members.joined_at"),
    ("strict", "constraint", "app.teams.teams_name_check"),
    ("strict", "rls", "app.teams"),
    ("strict", "type", "app.member_role"),
    ("strict", "domain", "app.slug"),
    ("strict", "type", "app.date_span"),
    ("strict", "sequence", "app.projects_id_seq"),
]


def _check(project: Path, level: Level, kind: str, key: str, left: tuple[str, ...] = ()) -> str:
    (project / STUB).unlink(missing_ok=True)
    before = _analyse(project, level)
    target = next(o for o in before.index.objects if (o.kind, o.key) == (kind, key))
    assert target.missing, f"{kind} {key} is already covered"
    stub = stub_for(target, before.state)
    (project / STUB).write_text(stub)
    try:
        after = _analyse(project, level)
    finally:
        (project / STUB).unlink()
    old, new = _state(before.index.objects), _state(after.index.objects)
    expected = dict(old)
    expected[(kind, key)] = {
        facet: facet not in left or old[(kind, key)][facet] for facet in old[(kind, key)]
    }
    for ref, facets in old.items():  # checking a member proves its table exists: nothing else may change
        if ref[0] == "table" and key.startswith(ref[1] + ".") and "exists" in facets:
            expected[ref] = {**facets, "exists": True}
    assert new == expected, stub
    assert [f for f in after.findings if f.file == STUB] == []
    plan = re.search(r"select plan\((\d+)\);", stub)
    assert plan is not None
    assert int(plan.group(1)) == len(re.findall(r"^select (?!plan|\* from finish)", stub, re.M))
    for facet in left:
        assert "-- TODO" in stub, facet
    return stub


@pytest.mark.parametrize(("level", "kind", "key"), CASES)
def test_stub_covers_exactly_the_missing_facets(project: Path, level: Level, kind: str, key: str) -> None:
    _check(project, level, kind, key)


NEW_TABLE = """
create table app.audit_log (
    id bigint generated always as identity primary key,
    team_id bigint not null references app.teams (id),
    note text default '' unique,
    check (note <> 'x')
);
create index audit_log_team_idx on app.audit_log (team_id);
alter table app.audit_log enable row level security;
"""


@pytest.mark.parametrize(
    ("level", "kind", "key"),
    [
        ("normal", "table", "app.audit_log"),
        ("strict", "column", "app.audit_log.note"),
        ("normal", "index", "app.audit_log.audit_log_team_idx"),
        ("normal", "rls", "app.audit_log"),
    ],
)
def test_stub_for_a_new_table(tmp_path: Path, level: Level, kind: str, key: str) -> None:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root / "supabase", ignore=shutil.ignore_patterns(".tapgap"))
    (root / "supabase/migrations/20240201000000_audit.sql").write_text(NEW_TABLE)
    stub = _check(root, level, kind, key)
    if kind == "table":
        assert "select has_table('app'::name, 'audit_log'::name, " in stub


def test_function_exercised_is_left_to_the_author(project: Path) -> None:
    """No argument values: ``exercised`` gets a TODO; ``exists`` and ``returns`` are written."""
    stub = _check(project, "strict", "function", "app.team_role(bigint)", left=("exercised",))
    assert "-- TODO: call app.team_role(bigint)" in stub
    assert stub.count("has_function(") == 1


def test_index_type_is_left_to_the_author(project: Path) -> None:
    stub = _check(project, "strict", "index", "app.tasks.tasks_due_date_idx", left=("type",))
    assert "has_index('app'::name, 'tasks'::name, 'tasks_due_date_idx'::name," in stub


@pytest.mark.parametrize(
    ("kind", "key"),
    [("rls", "app.teams"), ("constraint", "app.teams.teams_name_check"), ("column", "app.tasks.status")],
)
def test_appended_to_an_existing_file(project: Path, kind: str, key: str) -> None:
    name = project / "supabase/tests/03_rls.test.sql"
    original = name.read_text()
    before = _analyse(project, "strict")
    target = next(o for o in before.index.objects if (o.kind, o.key) == (kind, key))
    text = append_stub(original, target, before.state)
    assert text is not None
    name.write_text(text)
    try:
        after = _analyse(project, "strict")
    finally:
        name.write_text(original)
    old, new = _state(before.index.objects), _state(after.index.objects)
    assert new[(kind, key)] == {facet: True for facet in old[(kind, key)]}
    assert {ref for ref in new if new[ref] != old[ref]} <= {(kind, key), ("table", key.rsplit(".", 1)[0])}
    assert [f.code for f in after.findings if f.file == "supabase/tests/03_rls.test.sql"] == [
        f.code for f in before.findings if f.file == "supabase/tests/03_rls.test.sql"
    ]  # the plan still matches: no plan-mismatch


def test_append_needs_one_plan_and_one_finish(project: Path) -> None:
    before = _analyse(project, "strict")
    target = next(o for o in before.index.objects if o.missing)
    assert append_stub("select has_table('a');\n", target, before.state) is None
    assert (
        append_stub("select plan(1);\nselect plan(2);\nselect * from finish();\n", target, before.state)
        is None
    )
