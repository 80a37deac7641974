"""The throwaway PostgreSQL + pgTAP cluster that the oracle tests use really works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle


def test_pgtap_runs_in_a_fresh_database_and_prints_tap(pg_server: PgServer) -> None:
    db = pg_server.create_database("pgserver_smoke", extensions=["pgtap"])
    proc = pg_server.psql(db, sql="SELECT plan(1);\nSELECT ok(true);\nSELECT * FROM finish();\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["1..1", "ok 1"]


def test_psql_stops_on_the_first_error_when_asked(pg_server: PgServer) -> None:
    script = "SELECT 1/0;\nSELECT 'after';\n"
    stopped = pg_server.psql("postgres", sql=script)
    assert stopped.returncode == 3
    assert "division by zero" in stopped.stderr
    assert "after" not in stopped.stdout
    going_on = pg_server.psql("postgres", sql=script, on_error_stop=False)
    assert going_on.stdout.splitlines() == ["after"]


def test_psql_sets_variables_and_reads_files_relative_to_cwd(pg_server: PgServer, tmp_path: Path) -> None:
    (tmp_path / "inner.sql").write_text("SELECT :'greeting' || ' from inner';\n")
    (tmp_path / "outer.sql").write_text("\\ir inner.sql\n")
    proc = pg_server.psql("postgres", file=tmp_path / "outer.sql", variables={"greeting": "hi"}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["hi from inner"]


def test_query_json_returns_the_parsed_value(pg_server: PgServer) -> None:
    assert pg_server.query_json("postgres", "SELECT json_build_object('a', 1, 'b', ARRAY['x'])") == {
        "a": 1,
        "b": ["x"],
    }
    assert pg_server.query_json("postgres", "SELECT NULL::json") is None
    assert pg_server.query_rows("postgres", "SELECT 1 AS n UNION ALL SELECT 2") == [{"n": 1}, {"n": 2}]
