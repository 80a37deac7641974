"""The command line: output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tapgap.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_inventory_json_lists_the_example_projects_objects(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(EXAMPLES), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == 1
    keys = {(o["kind"], o["key"]) for o in report["objects"]}
    assert ("table", "app.tasks") in keys
    assert ("policy", 'app.teams."Members can view their teams"') in keys
    assert report["findings"] == []


def test_inventory_text_groups_objects_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("detected Supabase project")
    assert "\ntable (5)\n" in out


def test_a_missing_path_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(tmp_path / "nope")]) == 1
    assert "no such file or directory" in capsys.readouterr().err


def test_a_folder_without_sql_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.md").write_text("hi")
    assert main(["inventory", str(tmp_path)]) == 1
    assert "no schema SQL files" in capsys.readouterr().err


def test_assertions_json_reports_targets_and_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "schema.sql").write_text("create table users (id int primary key);")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "a.sql").write_bytes(
        b"select plan(1);\n-- caf\xe9\nselect has_table('users');\nselect has_pk('userz');"
    )
    assert main(["assertions", str(tmp_path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    checked = [a for a in report["assertions"] if a["function"] == "has_table"]
    assert checked[0]["targets"][0]["objects"] == [{"kind": "table", "key": "public.users"}]
    assert sorted(f["code"] for f in report["findings"]) == [
        "invalid-encoding",
        "plan-mismatch",
        "stale-target",
    ]


def _configured_project(tmp_path: Path) -> Path:
    """Schema and tests where only the configuration finds them, with a custom search_path."""
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "schema.sql").write_text(
        "create schema app;\ncreate table app.users (id int primary key);"
    )
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "users.pg").write_text("select plan(1);\nselect has_table('users');\n")
    (tmp_path / "tapgap.toml").write_text(
        'schema = ["db/*.sql"]\ntests = ["checks/*.pg"]\nsearch_path = ["app", "public"]\n'
    )
    return tmp_path


def test_assertions_reads_the_configuration_as_check_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _configured_project(tmp_path)
    assert main(["assertions", str(root), "--format", "json", "--no-cache"]) == 0
    report = json.loads(capsys.readouterr().out)
    [assertion] = [a for a in report["assertions"] if a["function"] == "has_table"]
    assert assertion["file"] == "checks/users.pg"
    # has_table('users') searches the configured search_path, where app comes first.
    assert assertion["targets"][0]["objects"] == [{"kind": "table", "key": "app.users"}]


def test_inventory_reads_the_configured_schema_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _configured_project(tmp_path)
    assert main(["inventory", str(root), "--format", "json", "--no-cache"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {(o["kind"], o["key"]) for o in report["objects"]} >= {("schema", "app"), ("table", "app.users")}
    assert report["summary"] == {"files": 1, "statements": 2}


def test_search_path_flag_overrides_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _configured_project(tmp_path)
    assert main(["assertions", str(root), "--format", "json", "--no-cache", "--search-path", "public"]) == 0
    report = json.loads(capsys.readouterr().out)
    [assertion] = [a for a in report["assertions"] if a["function"] == "has_table"]
    assert assertion["targets"][0]["objects"] == []


def test_an_invalid_configuration_is_an_input_error_for_assertions_and_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _configured_project(tmp_path)
    (root / "tapgap.toml").write_text("levle = 'strict'\n")
    for command in ("assertions", "inventory"):
        assert main([command, str(root), "--no-cache"]) == 1
        assert "levle" in capsys.readouterr().err


def test_assertions_fills_and_reuses_the_cache_check_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _configured_project(tmp_path)
    assert main(["assertions", str(root), "--format", "json"]) == 0
    first = capsys.readouterr().out
    assert (root / ".tapgap" / "cache").is_dir()
    assert main(["check", str(root), "--stats", "--output", str(tmp_path / "report.txt")]) in (0, 2)
    assert "0 parsed" in capsys.readouterr().err  # check found every file's facts in the cache
    assert main(["assertions", str(root), "--format", "json"]) == 0
    assert capsys.readouterr().out == first
