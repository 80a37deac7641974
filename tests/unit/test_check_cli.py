"""``tapgap check``: the bundled example project's known result, exit codes and input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tapgap.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# kind → (objects, requirements, covered) at the default level (normal)
EXPECTED_KINDS = {
    "table": [5, 5, 5],
    "column": [31, 31, 12],
    "constraint": [20, 20, 7],
    "index": [14, 6, 4],
    "view": [1, 1, 1],
    "materialized view": [1, 1, 1],
    "function": [8, 8, 4],
    "procedure": [1, 1, 0],
    "trigger": [3, 3, 3],
    "policy": [12, 12, 8],
    "rls": [5, 5, 3],
    "type": [4, 4, 2],
    "domain": [1, 1, 1],
    "schema": [1, 0, 0],
    "sequence": [2, 0, 0],
    "extension": [1, 0, 0],
}
EXPECTED_FINDINGS = [
    ("untested", "20240101000000_init.sql", 8, "app.member_role"),
    ("untested", "20240101000000_init.sql", 18, "app.date_span"),
    ("untested", "20240102000000_tables.sql", 2, "app.teams.teams_name_check"),
    ("untested", "20240102000000_tables.sql", 11, "app.team_members.joined_at"),
    ("untested", "20240102000000_tables.sql", 11, "app.team_members.team_id"),
    ("untested", "20240102000000_tables.sql", 11, "app.team_members.user_id"),
    ("untested", "20240102000000_tables.sql", 11, "app.team_members.memberships_team_id_fkey"),
    ("untested", "20240102000000_tables.sql", 11, "app.team_members.memberships_user_id_fkey"),
    ("untested", "20240102000000_tables.sql", 19, "app.team_members.memberships_user_idx"),
    ("untested", "20240102000000_tables.sql", 21, "app.projects.archived"),
    ("untested", "20240102000000_tables.sql", 21, "app.projects.id"),
    ("untested", "20240102000000_tables.sql", 21, "app.projects.name"),
    ("untested", "20240102000000_tables.sql", 21, "app.projects.sprint"),
    ("untested", "20240102000000_tables.sql", 21, "app.projects.team_id"),
    ("untested", "20240102000000_tables.sql", 21, "app.projects"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.assignee_id"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.created_at"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.created_by"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.id"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.project_id"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.status"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.updated_at"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.tasks_assignee_id_fkey"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.tasks_due_on_check"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.tasks_pkey"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.tasks_project_id_fkey"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks.tasks_updated_after_created"),
    ("untested", "20240102000000_tables.sql", 31, "app.tasks"),
    ("untested", "20240102000000_tables.sql", 54, "public.profiles.avatar_url"),
    ("untested", "20240102000000_tables.sql", 54, "public.profiles.id"),
    ("untested", "20240102000000_tables.sql", 54, "public.profiles.profiles_email_key"),
    ("untested", "20240102000000_tables.sql", 54, "public.profiles.profiles_id_fkey"),
    ("untested", "20240102000000_tables.sql", 54, "public.profiles.profiles_pkey"),
    ("untested", "20240103000000_functions.sql", 2, "app.set_updated_at()"),
    ("untested", "20240103000000_functions.sql", 65, "app.archive_project(integer)"),
    ("untested", "20240104000000_security.sql", 46, "app.tasks.tasks_insert"),
    ("untested", "20240104000000_security.sql", 51, "app.tasks.tasks_update"),
    ("untested", "20240104000000_security.sql", 56, "app.tasks.tasks_delete_only_creator"),
    ("untested", "20240104000000_security.sql", 61, "app.tasks.tasks_delete"),
    ("untested", "20240105000000_task_changes.sql", 4, "app.tasks.notes"),
    ("untested", "20240105000000_task_changes.sql", 35, "app.projects.projects_name_team_id_key"),
    ("untested", "20240105000000_task_changes.sql", 37, "app.projects.projects_name_not_blank"),
    ("untested", "20240105000000_task_changes.sql", 40, "app.tasks.tasks_due_date_idx"),
    ("untested", "20240106000000_views.sql", 17, "app.task_label(app.tasks)"),
    ("untested", "20240107000000_team_members.sql", 4, "app.team_members.title"),
    ("untested", "20240107000000_team_members.sql", 6, "app.is_team_member(bigint)"),
    ("untested", "20240107000000_team_members.sql", 21, "app.team_role(bigint)"),
]


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["check", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_example_project_gives_its_known_coverage_and_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, str(EXAMPLES))
    assert code == 0
    kinds = {k["kind"]: [k["objects"], k["requirements"], k["covered"]] for k in report["kinds"]}  # type: ignore[attr-defined, index]
    assert kinds == EXPECTED_KINDS
    findings = [
        (f["code"], f["file"].split("/")[-1], f["line"], f["object"])  # type: ignore[index]
        for f in report["findings"]  # type: ignore[attr-defined]
    ]
    assert findings == EXPECTED_FINDINGS
    assert report["version"] == 1


def test_coverage_under_the_threshold_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLES), "--fail-under", "90"]) == 2
    out = capsys.readouterr().out
    assert "FAILED: coverage" in out and "under fail_under 90%" in out


def test_strict_level_requires_more_than_normal(capsys: pytest.CaptureFixture[str]) -> None:
    _, normal = check_json(capsys, str(EXAMPLES))
    _, strict = check_json(capsys, str(EXAMPLES), "--level", "strict")
    assert strict["summary"]["requirements"] > normal["summary"]["requirements"]  # type: ignore[index]


def test_report_can_be_written_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    assert main(["check", str(EXAMPLES), "--format", "json", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["summary"]["objects"] == 110
    assert capsys.readouterr().out == ""


def project(tmp_path: Path, schema: str, test: str) -> Path:
    (tmp_path / "schema.sql").write_text(schema)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.sql").write_text(test)
    return tmp_path


def test_a_wrong_config_key_names_the_key_and_file_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "create table t (id int);", "select has_table('t');")
    (root / "tapgap.toml").write_text('levle = "strict"\n')
    assert main(["check", str(root)]) == 1
    err = capsys.readouterr().err
    assert "tapgap.toml" in err and '"levle"' in err


def test_an_unreadable_file_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, "create table t (id int);", "select has_table('t');")
    (root / "broken.sql").symlink_to(root / "missing.sql")
    assert main(["check", str(root)]) == 1
    captured = capsys.readouterr()
    assert "broken.sql" in captured.err and "unreadable-file" in captured.out


def test_a_folder_without_sql_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("no sql here")
    assert main(["check", str(tmp_path)]) == 1
    assert "no SQL files found" in capsys.readouterr().err


def test_a_non_utf8_file_is_reported_with_its_location_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "create table t (id int);\n-- caf\xe9\n", "select has_table('t');")
    (root / "schema.sql").write_bytes(b"create table t (id int);\n-- caf\xe9\n")
    assert main(["check", str(root)]) == 1
    captured = capsys.readouterr()
    assert "schema.sql:2:7: invalid-encoding" in captured.out
    assert "could not be read as UTF-8" in captured.err


def test_a_blocking_finding_fails_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path, "create table t (id int);", "select plan(2); select has_table('t');")
    assert main(["check", str(root)]) == 2
    assert "plan-mismatch" in capsys.readouterr().out


def test_inline_suppression_silences_the_next_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(
        tmp_path,
        "create table t (id int);\n-- tapgap: ignore[untested]\ncreate table audit_log (id int);\n",
        "select has_table('t'); select has_column('t', 'id');",
    )
    code, report = check_json(capsys, str(root))
    assert code == 0
    assert [f["object"] for f in report["findings"]] == []  # type: ignore[attr-defined]
    assert report["summary"]["suppressed"] == 2  # type: ignore[index]


def test_baseline_accepts_current_gaps_and_fails_only_on_new_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "create table t (id int);\ncreate table u (id int);\n", "select has_table('t');")
    assert main(["check", str(root), "--fail-under", "100"]) == 2
    assert main(["check", str(root), "--write-baseline"]) == 0
    assert (root / ".tapgap" / "baseline.json").is_file()
    capsys.readouterr()
    assert main(["check", str(root), "--fail-under", "100"]) == 0
    (root / "schema.sql").write_text(
        "create table t (id int);\ncreate table u (id int);\ncreate table v (id int);\n"
    )
    assert main(["check", str(root), "--fail-under", "100"]) == 2
    assert "public.v" in capsys.readouterr().out
