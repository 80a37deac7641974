"""The projects the live-catalogue oracle applies to a real PostgreSQL 15, as data.

Each project names its schema files in the order they are applied, the prelude that stands in for the platform
it runs on (created before the project, so its objects are not the project's), psql variables, placeholders
(text that both PostgreSQL and tapgap must see substituted, e.g. ``@extschema@``), live-only replacements
(edits that only make ``psql -f`` possible on a stock server and change no schema object: the static side
reads the file unchanged), and the known differences between tapgap's static inventory and the catalogue,
each with its reason. Known differences are asserted exactly: one that disappears fails the test too.

Corpora that cannot be applied to a stock PostgreSQL 15 + contrib + pgTAP, and why:

- dbdev: needs the pg_cron, http and pg_tle extensions (its packages are pg_tle extensions).
- pgflow: needs the pgmq extension (queues are created through its functions).
- linz-bde-schema: needs PostGIS; besides, its whole schema is created inside one ``DO`` block, so a static
  reading sees no objects at all.
- supabase-postgres: needs pgjwt, pg_graphql, pgsodium, pg_net and Supabase's own roles and extensions.
- pgsodium: the extension's functions are ``LANGUAGE c`` in the pgsodium library.
- postgrest-fixtures ``spec`` fixtures: need PostGIS (``big_schema.sql`` of the ``io`` fixtures is applied).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.corpora import CORPORA

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class KnownDifference:
    kind: str
    key: str
    # "missing from static", "missing from catalogue", or "attr NAME" (the attribute that differs)
    problem: str
    reason: str


@dataclass(frozen=True)
class OracleProject:
    name: str
    root: Path  # file paths in reports are relative to it
    files: tuple[str, ...]  # relative to root, in the order they are applied
    prelude: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    placeholders: dict[str, str] = field(default_factory=dict)
    live_replacements: dict[str, str] = field(default_factory=dict)
    known: tuple[KnownDifference, ...] = ()
    corpus: bool = True

    def paths(self) -> list[Path]:
        return [self.root / f for f in self.files]


# Roles are cluster-wide and the oracle's cluster is shared by every test database: create them only once.
SUPABASE_PRELUDE = r"""
-- Supabase platform objects a project relies on but does not create.
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;
create schema extensions;
grant usage on schema extensions to anon, authenticated, service_role;
create schema auth;
grant usage on schema auth to anon, authenticated, service_role;
create table auth.users (
  id uuid primary key default gen_random_uuid(),
  email text,
  phone text,
  raw_user_meta_data jsonb,
  raw_app_meta_data jsonb,
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
create function auth.uid() returns uuid language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
create function auth.role() returns text language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
"""


def _sorted_sql(root: Path, folder: str) -> tuple[str, ...]:
    return tuple(sorted(p.relative_to(root).as_posix() for p in (root / folder).glob("*.sql")))


def example_project() -> OracleProject:
    root = EXAMPLES / "supabase"
    return OracleProject(
        name="example",
        root=root,
        files=_sorted_sql(root, "migrations"),
        prelude=SUPABASE_PRELUDE,
        corpus=False,
    )


def corpus_projects() -> list[OracleProject]:
    """The corpus projects (their file lists are read from the corpora folder, so call only when present)."""
    partman = CORPORA / "pg_partman"
    return [
        OracleProject(
            name="pg_partman",
            root=partman,
            # The extension's build concatenates types, tables, functions, procedures in this order.
            files=(
                "sql/types/types.sql",
                "sql/tables/tables.sql",
                *_sorted_sql(partman, "sql/functions"),
                *_sorted_sql(partman, "sql/procedures"),
            ),
            prelude="create schema partman;",
            placeholders={"@extschema@": "partman"},
            live_replacements={
                # Only CREATE EXTENSION may call it; the call marks a table for pg_dump and defines nothing.
                "SELECT pg_catalog.pg_extension_config_dump(": "SELECT pg_catalog.concat(",
            },
        ),
        OracleProject(
            name="postgrest-fixtures",
            root=CORPORA / "postgrest-fixtures",
            files=("test/io/fixtures/big_schema.sql",),
            variables={"PGUSER": "postgres"},
            live_replacements={
                # The included file is not part of the corpus; it only sets OrioleDB options.
                "\\ir ../../orioledb.sql": "",
            },
            known=tuple(
                KnownDifference(
                    "table",
                    f"fuzzysearch.unknown_table_{n}",
                    "missing from static",
                    "created by EXECUTE in a DO loop (format(...) over generate_series): dynamic SQL",
                )
                for n in range(1, 500)
            ),
        ),
        OracleProject(
            name="supabase-test-helpers",
            root=CORPORA / "supabase-test-helpers",
            # The newest complete install script; the older ones are earlier versions of the same objects.
            files=("supabase_test_helpers--0.0.6.sql",),
            prelude=SUPABASE_PRELUDE
            + 'create extension if not exists "uuid-ossp" with schema extensions;\n'
            + "create extension if not exists pgtap;\n",
            live_replacements={
                # Guard against running the script outside CREATE EXTENSION (psql stops at \quit).
                '\\echo Use "CREATE EXTENSION supabase_test_helpers" to load this file. \\quit': "",
            },
        ),
        OracleProject(
            name="pgtap",
            root=CORPORA / "pgtap",
            files=("sql/pgtap.sql.in",),
            live_replacements={
                # Build-time substitutions; all three sit inside string literals (function bodies).
                "__OS__": "linux",
                "__VERSION__": "1.3",
                "__TAP_ROLLBACK__": "ROLLBACK",
            },
        ),
    ]
