"""The predecessor's conformance examples E1, E2 and E5 (reference/predecessor.md §8), read the way
PostgreSQL and pgTAP really run them."""

from __future__ import annotations

from pathlib import Path

from tapgap.analysis import ProjectAnalysis, analyse_project
from tapgap.config import Config, LoadedConfig
from tapgap.coverage.gate import decide
from tapgap.coverage.requirements import Level

E1_SCHEMA = """
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('active', 'inactive');
CREATE TABLE app.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE,
  status app.status NOT NULL DEFAULT 'active', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE app.posts (id bigserial, author_id uuid NOT NULL, title text NOT NULL,
  CONSTRAINT posts_pkey PRIMARY KEY (id),
  CONSTRAINT posts_author_fk FOREIGN KEY (author_id) REFERENCES app.users(id));
CREATE INDEX idx_posts_author ON app.posts (author_id);
CREATE FUNCTION app.post_count(p_user uuid) RETURNS integer LANGUAGE sql STABLE AS $$ SELECT count(*)::int FROM app.posts WHERE author_id = p_user $$;
ALTER TABLE app.posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY posts_select_own ON app.posts FOR SELECT TO authenticated USING (author_id = auth.uid());
CREATE TRIGGER trg_posts_audit AFTER INSERT ON app.posts FOR EACH ROW EXECUTE FUNCTION app.audit();
CREATE VIEW app.active_users AS SELECT * FROM app.users WHERE status = 'active';
"""

E1_TEST = """
BEGIN; SELECT plan(9);
SELECT has_table('app', 'users');
SELECT has_column('app', 'users', 'email');
SELECT col_not_null('app', 'users', 'email');
SELECT has_table('app', 'posts', 'posts table exists');
SELECT has_pk('app', 'posts', 'posts has a pk');
SELECT has_function('app', 'post_count', ARRAY['uuid']);
SELECT policy_roles_are('app', 'posts', 'posts_select_own', ARRAY['authenticated']);
SELECT has_index('app', 'posts', 'idx_posts_author', 'index exists');
SELECT has_view('app', 'active_users');
SELECT * FROM finish(); ROLLBACK;
"""


def run(tmp_path: Path, schema: str, test: str, level: Level, **config: object) -> ProjectAnalysis:
    (tmp_path / "schema.sql").write_text(schema)
    (tmp_path / "tests").mkdir(exist_ok=True)
    (tmp_path / "tests" / "app.test.sql").write_text(test)
    loaded = LoadedConfig(Config(level=level, **config), None, tmp_path)  # type: ignore[arg-type]
    return analyse_project(tmp_path, loaded)


def gaps(analysis: ProjectAnalysis) -> dict[str, tuple[str, ...]]:
    return {f"{o.kind} {o.key}": o.missing for o in analysis.index.objects if o.missing}


def test_e1_ambiguous_calls_are_flagged_and_their_objects_stay_gaps(tmp_path: Path) -> None:
    analysis = run(tmp_path, E1_SCHEMA, E1_TEST, "normal")
    ambiguous = sorted(f.span.line + 1 for f in analysis.findings if f.code == "ambiguous-call")
    # has_table('app','users'), has_column(...), col_not_null(...), has_view('app','active_users')
    assert ambiguous == [3, 4, 5, 11]
    assert not [f for f in analysis.findings if f.code == "plan-mismatch"]  # all 9 calls are read
    assert gaps(analysis) == {
        "type app.status": ("exists",),
        "table app.users": ("exists",),
        "column app.users.id": ("exists",),
        "column app.users.email": ("exists",),
        "column app.users.status": ("exists",),
        "column app.users.created_at": ("exists",),
        "column app.posts.id": ("exists",),
        "column app.posts.author_id": ("exists",),
        "column app.posts.title": ("exists",),
        "constraint app.users.users_pkey": ("pk",),
        "constraint app.users.users_email_key": ("unique",),
        "constraint app.posts.posts_author_fk": ("fk",),
        "function app.post_count(uuid)": ("exercised",),
        "rls app.posts": ("enabled",),
        "trigger app.posts.trg_posts_audit": ("exists",),
        "view app.active_users": ("exists",),
    }


def test_e1_lenient_level_counts_existence_of_the_function(tmp_path: Path) -> None:
    analysis = run(tmp_path, E1_SCHEMA, E1_TEST, "lenient")
    assert "function app.post_count(uuid)" not in gaps(analysis)
    assert "table app.posts" not in gaps(analysis)


E2A_SCHEMA = """
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE,
  created_at timestamp DEFAULT now());
CREATE INDEX idx_users_email ON users (email);
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_select_own ON users FOR SELECT USING (auth.uid() = id);
"""
E2A_TEST = (
    "SELECT has_table('public','users'); SELECT has_column('users','id'); SELECT has_column('users','email');"
)


def test_e2a_reports_the_expected_gaps_plus_what_the_level_demands(tmp_path: Path) -> None:
    analysis = run(tmp_path, E2A_SCHEMA, E2A_TEST, "normal")
    assert gaps(analysis) == {
        # what DATA's authors expected
        "index public.users.idx_users_email": ("exists",),
        "rls public.users": ("enabled",),
        "policy public.users.users_select_own": ("exists",),
        # what the normal level adds: every column, the keys
        "column public.users.created_at": ("exists",),
        "constraint public.users.users_pkey": ("pk",),
        "constraint public.users.users_email_key": ("unique",),
    }
    assert analysis.index.total.percent < 50
    gate = decide(analysis.index.total, analysis.index.kinds, analysis.findings, fail_under=80)
    assert not gate.passed
    # has_table('public','users') checks a table named "public": the author meant public.users
    assert [f.code for f in analysis.findings if f.code != "untested"] == ["ambiguous-call"]


E2B_SCHEMA = "CREATE TABLE posts (id serial PRIMARY KEY, title text NOT NULL);"
E2B_TEST = """SELECT has_table('public','posts'); SELECT has_column('posts','id'); SELECT has_column('posts','title');
SELECT col_type_is('posts','id','integer'); SELECT col_not_null('posts','title');"""


def test_e2b_passes_with_no_gaps(tmp_path: Path) -> None:
    analysis = run(tmp_path, E2B_SCHEMA, E2B_TEST, "lenient")
    assert gaps(analysis) == {}
    assert analysis.index.total.percent > 80
    assert decide(analysis.index.total, analysis.index.kinds, analysis.findings, fail_under=80).passed


E5_SCHEMA = """
CREATE TABLE users (email text);
CREATE FUNCTION get_user() RETURNS users LANGUAGE sql AS $$ SELECT * FROM users LIMIT 1 $$;
CREATE INDEX idx ON users (email);
CREATE TABLE old (id int);
DROP TABLE old;
"""
E5_TEST = "SELECT has_table('Users'); SELECT has_function('get_user'); SELECT has_column('users', 'email');"


def test_e5_decision_with_requirements_configured_like_the_enforcers(tmp_path: Path) -> None:
    analysis = run(
        tmp_path,
        E5_SCHEMA,
        E5_TEST,
        "normal",
        requirements={
            "table": ["exists"],
            "function": ["exists", "returns"],
            "index": ["exists"],
            "column": ["exists"],
        },
    )
    # The dropped table is no requirement; the table is covered through has_column's table.
    assert gaps(analysis) == {
        "function public.get_user()": ("returns",),
        "index public.users.idx": ("exists",),
    }
    assert analysis.index.total.requirements == 5
    assert analysis.index.total.percent == 60.0
    # has_table('Users') compares names as strings, as pgTAP does: table "Users" is not table users.
    (stale,) = [f for f in analysis.findings if f.code != "untested"]
    assert stale.code == "stale-target" and "public.users" in stale.message
    blocked = decide(analysis.index.total, analysis.index.kinds, analysis.findings, fail_under=60)
    assert blocked.reasons == ("1 blocking finding (stale-target)",)
    untested = [f for f in analysis.findings if f.code == "untested"]
    assert decide(analysis.index.total, analysis.index.kinds, untested, fail_under=60).passed
    assert not decide(analysis.index.total, analysis.index.kinds, untested, fail_under=61).passed


def test_no_requirements_is_full_coverage(tmp_path: Path) -> None:
    analysis = run(tmp_path, "CREATE SEQUENCE s;", "SELECT pass('x');", "normal")
    assert analysis.index.total.requirements == 0
    assert analysis.index.total.percent == 100.0
    assert decide(analysis.index.total, analysis.index.kinds, analysis.findings, fail_under=100).passed
