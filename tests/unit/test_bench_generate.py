"""The benchmark generator (bench/generate.py): its projects parse, count what the scale says, are deterministic,
give tapgap something to find, and apply to a real PostgreSQL 15 whose pgTAP runs the generated tests.

The oracle test applies the whole hidden XS project (100 schema operations, 50 test files) and checks:

- every migration applies (``psql --single-transaction -v ON_ERROR_STOP=1``, as ``supabase db reset`` does);
- every test file runs to its end with no SQL error (exit status 0, no ``ERROR:``). Failing assertions are
  fine: some calls are stale or ambiguous on purpose, and a few plans are wrong;
- the generator's model of the schema is right: at least 85% of the TAP results are ``ok`` (the deliberately
  wrong calls are a few percent; a broken model would fail far more).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from tapgap import cli
from tapgap.pgtap.reader import read_test_file
from tapgap.schema.reader import read_schema_file

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def xs_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "xs"
    gen.generate(out, "XS", seed=7)
    return out


def _files(root: Path) -> tuple[list[Path], list[Path]]:
    return (
        sorted((root / "supabase" / "migrations").glob("*.sql")),
        sorted((root / "supabase" / "tests").glob("*.test.sql")),
    )


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != gen.MANIFEST):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def test_counts_match_the_scale_and_the_manifest(xs_project: Path) -> None:
    schema, tests = _files(xs_project)
    manifest = json.loads((xs_project / gen.MANIFEST).read_text())
    statements = sum(read_schema_file(p.name, p.read_bytes()).statements for p in schema)
    assert statements == manifest["operations"] == 100
    assert len(tests) == manifest["test_files"] == 50
    assert len(schema) == manifest["schema_files"]
    assert sum(p.stat().st_size for p in schema) == manifest["schema_bytes"]
    assert sum(p.stat().st_size for p in tests) == manifest["test_bytes"]


def test_nothing_fails_to_parse(xs_project: Path) -> None:
    schema, tests = _files(xs_project)
    codes: Counter[str] = Counter()
    for path in schema:
        codes.update(f.code for f in read_schema_file(path.name, path.read_bytes()).findings)
    for path in tests:
        codes.update(f.code for f in read_test_file(path.name, path.read_bytes()).findings)
    assert codes["parse-error"] == 0
    assert codes["internal-error"] == 0


def test_check_finds_assertions_exercises_and_gaps(
    xs_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    status = cli.main(["check", str(xs_project), "--format", "json", "--output", str(report)])
    assert status in (0, 2)
    summary = json.loads(report.read_text())["summary"]
    assert summary["schema_files"] > 0 and summary["test_files"] == 50
    assert summary["assertions"] > 200
    assert summary["exercises"] > 20
    assert 0 < summary["coverage"] < 100
    findings = json.loads(report.read_text())["findings"]
    codes = Counter(f["code"] for f in findings)
    # the deliberate mistakes are there, and nothing unexpected
    assert codes["stale-target"] > 0
    assert codes["parse-error"] == 0 and codes["invalid-call"] == 0


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    gen.generate(a, "XS", seed=3)
    gen.generate(b, "XS", seed=3)
    gen.generate(c, "XS", seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_regenerating_replaces_only_a_generated_project(tmp_path: Path) -> None:
    out = tmp_path / "p"
    gen.generate(out, "XS", seed=1)
    first = _digest(out)
    gen.generate(out, "XS", seed=1)
    assert _digest(out) == first
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit):
        gen.generate(other, "XS", seed=1)
    assert (other / "keep.txt").read_text() == "mine"


def test_command_line_prints_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["--scale", "xs", "--out", str(tmp_path / "p"), "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "100 schema operations" in out and "50 test files" in out and " MB" in out


# -- the oracle: PostgreSQL 15 + pgTAP ---------------------------------------------------------------------

# Stand-ins for supabase-test-helpers (written here from its documented behaviour): a Supabase project installs
# them, the generated tests call them.
TEST_HELPERS = r"""
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create function tests.create_supabase_user(identifier text, email text default null, phone text default null,
                                           metadata jsonb default null)
returns uuid language plpgsql security definer set search_path = '' as $$
declare
  uid uuid := gen_random_uuid();
begin
  insert into auth.users (id, email, phone, raw_user_meta_data)
  values (uid, coalesce(email, identifier || '@example.test'), phone,
          jsonb_build_object('test_identifier', identifier) || coalesce(metadata, '{}'::jsonb));
  return uid;
end;
$$;

create function tests.get_supabase_uid(identifier text) returns uuid
language sql stable security definer set search_path = '' as $$
  select id from auth.users where raw_user_meta_data ->> 'test_identifier' = identifier limit 1
$$;

create function tests.authenticate_as(identifier text) returns void language plpgsql as $$
declare
  uid uuid := tests.get_supabase_uid(identifier);
begin
  if uid is null then
    raise exception 'no test user %', identifier;
  end if;
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims', json_build_object('sub', uid, 'role', 'authenticated')::text, true);
end;
$$;

create function tests.authenticate_as_service_role() returns void language plpgsql as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', null, true);
end;
$$;

create function tests.clear_authentication() returns void language plpgsql as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', null, true);
end;
$$;

create function tests.rls_enabled(testing_schema text) returns text language sql as $$
  select is(
    (select count(*) from pg_catalog.pg_tables where schemaname = testing_schema and not rowsecurity),
    0::bigint,
    'every table of ' || testing_schema || ' has row level security'
  )
$$;

create function tests.rls_enabled(testing_schema text, test_table text) returns text language sql as $$
  select is(
    (select rowsecurity from pg_catalog.pg_tables where schemaname = testing_schema and tablename = test_table),
    true,
    testing_schema || '.' || test_table || ' has row level security'
  )
$$;
"""

_TAP = re.compile(r"^\s*(not ok|ok) \d+", re.MULTILINE)


@pytest.mark.oracle
def test_xs_project_applies_and_its_tests_run_under_pgtap(xs_project: Path, pg_server) -> None:  # type: ignore[no-untyped-def]
    from tests.oracle.corpus_projects import SUPABASE_PRELUDE

    db = pg_server.create_database(f"bench_xs_{id(xs_project) % 100000}", extensions=["pgtap"])
    prelude = pg_server.psql(db, sql=SUPABASE_PRELUDE + TEST_HELPERS)
    assert prelude.returncode == 0, prelude.stderr
    schema, tests = _files(xs_project)
    for path in schema:
        proc = pg_server.psql(db, file=path, args=["--single-transaction"])
        assert proc.returncode == 0 and "ERROR" not in proc.stderr, f"{path.name}: {proc.stderr}"
    results: Counter[str] = Counter()
    for path in tests:
        proc = pg_server.psql(db, file=path)
        assert proc.returncode == 0 and "ERROR" not in proc.stderr, (
            f"{path.name}: {proc.stderr}\n{proc.stdout}"
        )
        results.update(m.group(1) for m in _TAP.finditer(proc.stdout))
    total = results["ok"] + results["not ok"]
    assert total > 300
    assert results["ok"] / total >= 0.85, results
