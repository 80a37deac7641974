"""tapgap's type names equal PostgreSQL 15's ``format_type`` for every way of writing a type.

Each spelling becomes a column of one table and an argument of a function in a real database; PostgreSQL's
``format_type(atttypid, atttypmod)`` and ``format_type(proargtypes[i], NULL)`` (with ``search_path =
pg_catalog``) are the expected names, and tapgap's ``format_type`` reads the same CREATE statements parsed by
libpg_query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pgparse
import pytest

from tapgap.sql.types import format_type
from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle

_INTERVAL_FIELDS = [
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "year to month",
    "day to hour",
    "day to minute",
    "day to second",
    "hour to minute",
    "hour to second",
    "minute to second",
]

# Spellings valid both as a column type and as a function argument type.
SPELLINGS: list[str] = [
    # integers and floats, keyword and catalogue names
    "int", "integer", "INTEGER", "int4", "pg_catalog.int4", '"int4"', "smallint", "int2", "bigint", "int8",
    "real", "float4", "float", "float(1)", "float(24)", "float(25)", "float(53)", "double precision",
    "float8", "pg_catalog.float8",
    # numeric
    "decimal", "decimal(10)", "decimal(10, 2)", "dec", "dec(5,1)", "numeric", "numeric(10)", "numeric(10,2)",
    "numeric(1000, 0)", "numeric(3,-1)", "numeric(2,5)", "numeric(1,0)", "pg_catalog.numeric(7,3)", "money",
    "boolean", "bool",
    # character types
    "char", "character", "char(5)", "character(5)", "nchar", "nchar(3)", "national character",
    "national char(4)", "national character varying", "national character varying(6)",
    "national char varying(7)", "nchar varying(8)", "char varying", "char varying(9)", "character varying",
    "character varying(20)", "varchar", "varchar(20)", "pg_catalog.varchar(5)", '"varchar"(3)', "bpchar",
    "bpchar(4)", "pg_catalog.bpchar", '"char"', 'pg_catalog."char"', "text", "name", '"name"', "citext",
    # bit strings
    "bit", "bit(5)", "bit varying", "bit varying(4)", "varbit", "varbit(4)", '"bit"', '"bit"(3)',
    "pg_catalog.bit", "pg_catalog.varbit(2)",
    # date/time
    "date", "timestamp", "timestamp(0)", "timestamp(3)", "timestamp(6)", "timestamp(7)",
    "timestamp without time zone", "timestamp(2) without time zone", "timestamp with time zone",
    "timestamp(4) with time zone", "timestamptz", "timestamptz(1)", "pg_catalog.timestamptz(5)",
    '"timestamp"(2)', "time", "time(0)", "time(3)", "time(9)", "time without time zone",
    "time(2) without time zone", "time with time zone", "time(5) with time zone", "timetz", "timetz(2)",
    "interval", "interval(0)", "interval(3)", "interval(6)", "interval(8)",
    *[f"interval {fields}" for fields in _INTERVAL_FIELDS],
    "interval second(0)", "interval second(3)", "interval day to second(2)", "interval hour to second(4)",
    "interval minute to second(5)", "interval day to second(6)", "interval minute to second(9)",
    # other built-in base types
    "bytea", "uuid", "json", "jsonb", "jsonpath", "xml", "inet", "cidr", "macaddr", "macaddr8", "point",
    "line", "lseg", "box", "path", "polygon", "circle", "tsvector", "tsquery", "oid", "regclass", "regtype",
    "regproc", "regprocedure", "regoper", "regoperator", "regconfig", "regdictionary", "regnamespace",
    "regrole", "regcollation", "xid", "xid8", "cid", "tid", "pg_lsn", "pg_snapshot", "txid_snapshot",
    "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "int4multirange",
    "datemultirange", "oidvector", "int2vector", "aclitem", "refcursor", "pg_catalog.pg_class",
    # arrays
    "integer[]", "int[3]", "int[]", "int[][]", "int[3][4]", "int array", "int array[5]", "integer ARRAY",
    "varchar(3)[]", "character varying[]", "text[][]", "numeric(10,2)[]", "timestamptz(3)[]",
    "timestamp(2) with time zone[]", "time with time zone[]", "double precision[]", "char(2)[]", "char[]",
    "bpchar[]", '"char"[]', "bit(3)[]", "bit[]", '"bit"[]', "bit varying(2)[]",
    "interval day to second(3)[]", "interval[]", "_int4", "_text", "_bpchar", "_bit", "_varchar(5)",
    "pg_catalog._int8", "_numeric", "int2vector[]", "name[]", "jsonb[]", "uuid[]", "citext[]",
    # user-defined types: enums, domains, composites, in app and public (search_path = public, app)
    "mood", "public.mood", "mood[]", "status", "public.status", "app.status", "APP.STATUS", "app.status[]",
    "positive", "app.positive", "email", "public.email[]", "public.citext", 'app."user"', 'app."user"[]',
    'app."Weird Name"', "app.items",
]  # fmt: skip

# Column only: serial is not a type, CREATE TABLE makes it an integer column with a sequence.
COLUMN_ONLY: list[str] = ["serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"]

# Function argument only: pseudo types cannot be column types; %TYPE is not allowed in CREATE TABLE.
FUNCTION_ONLY: list[str] = [
    "trigger", "event_trigger", "void", "record", "record[]", "_record", "anyelement", "anyarray",
    "anynonarray", "anyenum", "anyrange", "anymultirange", "anycompatible", "anycompatiblearray",
    "anycompatiblenonarray", "anycompatiblerange", "anycompatiblemultirange", "internal", "cstring", '"any"',
    "language_handler", "fdw_handler", "index_am_handler", "tsm_handler", "table_am_handler", "unknown",
    "pg_ddl_command",
    "items.name%TYPE", "app.items.price%TYPE", "items.tags%TYPE", "items.at%TYPE", "items.code%TYPE",
    "items.flag%TYPE", "items.span%TYPE", "items.state%TYPE", "public.widgets.id%TYPE", "widgets.id%type",
]  # fmt: skip

SETUP = """
CREATE EXTENSION citext;
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('draft', 'live');
CREATE TYPE public.status AS ENUM ('on', 'off');
CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
CREATE TYPE public.mood AS ENUM ('sad', 'happy');
CREATE DOMAIN public.email AS text;
CREATE TYPE app."user" AS (id integer);
CREATE TYPE app."Weird Name" AS ENUM ('x');
CREATE TABLE app.items (name varchar(20), price numeric(10,2), tags text[], at timestamptz(3), code char(2),
                        flag "bit", span interval hour to minute, state app.status);
CREATE TABLE public.widgets (id bigserial);
"""


class FakeResolver:
    """Knows the test schema, searching ``public, app`` like the session that creates the objects; leaves
    ``app."user"`` and ``app."Weird Name"`` unknown so that the fallback spelling is checked too."""

    SEARCH_PATH = ("public", "app")
    TYPES: ClassVar[dict[tuple[str, str], str]] = {
        ("app", "status"): "app.status",
        ("public", "status"): "public.status",
        ("app", "positive"): "app.positive",
        ("public", "mood"): "public.mood",
        ("public", "email"): "public.email",
        ("public", "citext"): "public.citext",
        ("app", "items"): "app.items",
        ("public", "widgets"): "public.widgets",
    }
    COLUMNS: ClassVar[dict[tuple[str, str, str], str]] = {
        ("app", "items", "name"): "character varying(20)",
        ("app", "items", "price"): "numeric(10,2)",
        ("app", "items", "tags"): "text[]",
        ("app", "items", "at"): "timestamp(3) with time zone",
        ("app", "items", "code"): "character(2)",
        ("app", "items", "flag"): '"bit"',
        ("app", "items", "span"): "interval hour to minute",
        ("app", "items", "state"): "app.status",
        ("public", "widgets", "id"): "bigint",
    }

    def user_type(self, schema: str | None, name: str) -> str | None:
        for candidate in [schema] if schema is not None else self.SEARCH_PATH:
            if (candidate, name) in self.TYPES:
                return self.TYPES[(candidate, name)]
        return None

    def column_type(self, names: Sequence[str]) -> str | None:
        *table, column = names
        schemas = [table[0]] if len(table) == 2 else list(self.SEARCH_PATH)
        for schema in schemas:
            if (schema, table[-1], column) in self.COLUMNS:
                return self.COLUMNS[(schema, table[-1], column)]
        return None


_TABLE_SPELLINGS = SPELLINGS + COLUMN_ONLY
_FUNCTION_SPELLINGS = SPELLINGS + FUNCTION_ONLY
_MAX_ARGS = 100  # FUNC_MAX_ARGS


def _create_table() -> str:
    columns = ",\n  ".join(f"c{i} {spelling}" for i, spelling in enumerate(_TABLE_SPELLINGS))
    return f"CREATE TABLE public.spellings (\n  {columns}\n);\n"


def _create_functions() -> str:
    # LANGUAGE internal accepts every pseudo type as an argument; the body is never called.
    statements = []
    for n, start in enumerate(range(0, len(_FUNCTION_SPELLINGS), _MAX_ARGS)):
        args = ", ".join(_FUNCTION_SPELLINGS[start : start + _MAX_ARGS])
        statements.append(
            f"CREATE FUNCTION public.sig{n}({args}) RETURNS void LANGUAGE internal AS 'int4in';\n"
        )
    return "".join(statements)


def _type_names(sql: str) -> list[dict[str, Any]]:
    """Every TypeName of the columns or function arguments in ``sql``, in order, as libpg_query parses it."""
    found: list[dict[str, Any]] = []
    for raw in pgparse.parse(sql):
        stmt = raw["stmt"]
        if "CreateStmt" in stmt:
            found += [elt["ColumnDef"]["typeName"] for elt in stmt["CreateStmt"]["tableElts"]]
        elif "CreateFunctionStmt" in stmt:
            found += [p["FunctionParameter"]["argType"] for p in stmt["CreateFunctionStmt"]["parameters"]]
    return found


@pytest.fixture(scope="module")
def postgres_names(pg_server: PgServer) -> dict[str, dict[str, str]]:
    """What PostgreSQL prints for each spelling: {"column": {spelling: name}, "function": {...}}."""
    db = pg_server.create_database("type_names")
    script = "SET search_path = public, app;\n" + SETUP + _create_table() + _create_functions()
    proc = pg_server.psql(db, sql=script)
    assert proc.returncode == 0, proc.stderr
    columns: list[str] = pg_server.query_json(
        db,
        """SET search_path = pg_catalog;
        SELECT json_agg(format_type(atttypid, atttypmod) ORDER BY attnum) FROM pg_attribute
         WHERE attrelid = 'public.spellings'::regclass AND attnum > 0 AND NOT attisdropped""",
    )
    arguments: list[str] = pg_server.query_json(
        db,
        """SET search_path = pg_catalog;
        SELECT json_agg(format_type(a.t, NULL) ORDER BY substr(p.proname, 4)::int, a.i)
          FROM pg_proc p, unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)
         WHERE p.pronamespace = 'public'::regnamespace AND p.proname ~ '^sig[0-9]+$'""",
    )
    assert len(columns) == len(_TABLE_SPELLINGS) and len(arguments) == len(_FUNCTION_SPELLINGS)
    return {
        "column": dict(zip(_TABLE_SPELLINGS, columns, strict=True)),
        "function": dict(zip(_FUNCTION_SPELLINGS, arguments, strict=True)),
    }


_COLUMN_TYPE_NAMES = dict(zip(_TABLE_SPELLINGS, _type_names(_create_table()), strict=True))
_ARGUMENT_TYPE_NAMES = dict(zip(_FUNCTION_SPELLINGS, _type_names(_create_functions()), strict=True))


def test_spellings_are_distinct() -> None:
    assert len(set(_TABLE_SPELLINGS)) == len(_TABLE_SPELLINGS)
    assert len(set(_FUNCTION_SPELLINGS)) == len(_FUNCTION_SPELLINGS)


@pytest.mark.parametrize("spelling", _TABLE_SPELLINGS)
def test_column_type_name_equals_format_type_of_atttypid_atttypmod(
    spelling: str, postgres_names: dict[str, dict[str, str]]
) -> None:
    ours = format_type(_COLUMN_TYPE_NAMES[spelling], FakeResolver(), with_typmod=True)
    assert ours == postgres_names["column"][spelling]


@pytest.mark.parametrize("spelling", _FUNCTION_SPELLINGS)
def test_argument_type_name_equals_format_type_of_proargtypes(
    spelling: str, postgres_names: dict[str, dict[str, str]]
) -> None:
    ours = format_type(_ARGUMENT_TYPE_NAMES[spelling], FakeResolver(), with_typmod=False)
    assert ours == postgres_names["function"][spelling]
