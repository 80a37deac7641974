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
    assert out.startswith("Supabase project")
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
