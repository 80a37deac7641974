"""tapgap resolves pgTAP calls to the overload PostgreSQL 15 + pgTAP 1.2 really picks, and reads them right.

Resolution (acceptance criterion 2): for every catalogued function and every call form generated from its
overloads (untyped literals of each arity; all ``::name``, all ``::text``; each overload's exact types; its
"natural" spelling with ``ARRAY['..']`` for arrays; ``::name`` on the name parameters only; the first
argument alone cast...), PostgreSQL tells which function it bound: the call becomes a temporary view, whose
``pg_depend`` rows name the exact ``pg_proc`` entry (or the view fails with "does not exist", "is not
unique", "could not determine polymorphic type"); a dozen random mixes of literals, string, array,
numeric and reg* types per function and arity come on top. ``tapgap.pgtap.resolve`` must agree on every call.

Meaning: every structural overload is called with exactly its parameter types against a fixture database
holding one object of every kind, with values chosen from the overload's roles (``schema`` -> ``app``,
``table`` -> ``users``, ``description`` -> a marker...). The catalogue's roles are right when the assertion
passes (fails, for the negated ones), the TAP line carries the marker as its description, and run-time
readings (``has_index``'s schema test...) hold when their condition does. Unqualified forms are run again
with the fixture's schema off the search_path: the ones that still find their object are the catalogue's
``any_schema`` overloads. Behavioural overloads are run with passing values: their ``sql`` arguments are
what runs, their ``description`` what the TAP line says. Finally the SPEC's verified facts are replayed
literally (one of them, about ``col_not_null``, turns out wrong: see FACTS).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from tapgap.pgtap.catalog import CATALOG, Overload, PgtapFunction
from tapgap.pgtap.resolve import (
    NO_ARRAY_TYPE,
    NO_MATCH,
    NOT_UNIQUE,
    POLYMORPHIC_UNKNOWN,
    UNKNOWN,
    Resolution,
    resolve,
)
from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle

# -- rendering calls ----------------------------------------------------------------------------------------

# A concrete type standing for a polymorphic parameter when a call form needs typed arguments.
_CONCRETE = {"anyelement": "integer", "anyarray": "integer[]"}


def _literal(arg_type: str, n: int) -> str:
    """An argument expression of type ``arg_type`` (``unknown``: an untyped literal).

    The values are NULLs: resolution does not look at them, and an untyped NULL is as untyped as ``'x'``
    while valid input for any type the call may coerce it to (``'x'`` fails for integer or name[])."""
    if arg_type == UNKNOWN:
        return "NULL"
    if arg_type == "text[]":
        return f"ARRAY['a{n}']"  # an array of untyped literals is text[]
    return {"integer": "1", "numeric": "1.5", "boolean": "true"}.get(arg_type, f"NULL::{arg_type}")


def render_call(name: str, arg_types: Sequence[str]) -> str:
    return f"{name}({', '.join(_literal(t, i) for i, t in enumerate(arg_types, 1))})"


def _expanded(overload: Overload, nargs: int) -> tuple[str, ...] | None:
    """The overload's parameter types for a call with ``nargs`` arguments (defaults, variadic), or None."""
    types = overload.types
    if overload.variadic and nargs >= len(types):
        element = types[-1][:-2] if types[-1].endswith("[]") else "anyelement"
        return types[:-1] + (element,) * (nargs - len(types) + 1)
    if len(types) - overload.defaults <= nargs <= len(types):
        return types[:nargs]
    return None


def _arities(function: PgtapFunction) -> list[int]:
    out: set[int] = set()
    for o in function.overloads:
        out.update(range(len(o.params) - o.defaults - (1 if o.variadic else 0), len(o.params) + 1))
        if o.variadic:
            out.add(len(o.params) + 1)
    return sorted(n for n in out if n >= 0)


def _natural(arg_type: str) -> str:
    """How a test author usually writes an argument of this type: literals untyped, arrays as ARRAY[...]."""
    if arg_type.endswith("[]") or arg_type == "anyarray":
        return "text[]"
    if arg_type in ("integer", "numeric", "boolean"):
        return arg_type
    return UNKNOWN


# Types mixed at random into further call forms: literals, the string types and their arrays, numbers.
_POOL = (
    *(UNKNOWN, UNKNOWN, "name", "text", "name[]", "text[]"),
    *("character varying", "character varying[]", "character", "integer", "bigint", "numeric", "boolean"),
    *("regclass", "regtype", "refcursor", "oid", "integer[]", "json"),
)
_RANDOM_FORMS = 12  # per function and arity


def call_forms(function: PgtapFunction) -> list[tuple[str, ...]]:
    """Argument-type vectors worth asking PostgreSQL about, without duplicates."""
    rng = random.Random(function.name)
    forms: list[tuple[str, ...]] = []

    def add(form: Iterable[str]) -> None:
        form = tuple(form)
        if form not in forms:
            forms.append(form)

    for n in _arities(function):
        add([UNKNOWN] * n)
        add(["name"] * n)
        add(["text"] * n)
        if n:
            add(["name"] + [UNKNOWN] * (n - 1))
            add([UNKNOWN] * (n - 1) + ["text"])
        for overload in function.overloads:
            types = _expanded(overload, n)
            if types is None:
                continue
            add(_CONCRETE.get(t, t) for t in types)
            add(_natural(t) for t in types)
            add(t if t in ("name", "name[]") else _natural(t) for t in types)
            add(t if t.endswith("[]") else UNKNOWN for t in types)
            add("text" if t == "name" else _CONCRETE.get(t, t) for t in types)
        for _ in range(_RANDOM_FORMS):
            add(rng.choice(_POOL) for _ in range(n))
    return forms


# -- asking PostgreSQL --------------------------------------------------------------------------------------

_PROBE = r"""
CREATE SCHEMA tapgap_probe;
CREATE FUNCTION tapgap_probe.resolve(calls text[]) RETURNS TABLE(i int, bound text, err text)
LANGUAGE plpgsql AS $$
DECLARE
    c text;
    n int := 0;
BEGIN
    FOREACH c IN ARRAY calls LOOP
        n := n + 1;
        BEGIN
            EXECUTE 'CREATE TEMP VIEW tapgap_probe_view AS SELECT ' || c;
            SELECT string_agg(p.proname || '(' || array_to_string(ARRAY(
                       SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o)
                        ORDER BY o), ', ') || ')', ' | ')
              INTO bound
              FROM pg_depend d
              JOIN pg_rewrite w ON w.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
              JOIN pg_proc p ON p.oid = d.refobjid AND d.refclassid = 'pg_proc'::regclass
             WHERE w.ev_class = 'tapgap_probe_view'::regclass;
            EXECUTE 'DROP VIEW tapgap_probe_view';
            i := n; err := NULL; RETURN NEXT;
        EXCEPTION WHEN OTHERS THEN
            i := n; bound := NULL; err := SQLERRM; RETURN NEXT;
        END;
    END LOOP;
END $$;
"""


def _json_literal(values: Any) -> str:
    text = json.dumps(values)
    assert "$j$" not in text
    return f"$j${text}$j$::json"


def _postgres_binds(pg: PgServer, db: str, calls: Sequence[str]) -> list[tuple[str | None, str | None]]:
    """What PostgreSQL binds each call to: (signature, None) or (None, error message)."""
    out: list[tuple[str | None, str | None]] = []
    batch = 250  # each view's locks last until the end of the transaction (max_locks_per_transaction)
    for start in range(0, len(calls), batch):
        chunk = list(calls[start : start + batch])
        rows = pg.query_rows(
            db,
            "SELECT * FROM tapgap_probe.resolve(ARRAY(SELECT json_array_elements_text("
            + _json_literal(chunk)
            + ")))",
        )
        assert [r["i"] for r in rows] == list(range(1, len(chunk) + 1))
        out += [(r["bound"], r["err"]) for r in rows]
    return out


def _postgres_outcome(bound: str | None, err: str | None) -> str:
    """PostgreSQL's answer in the vocabulary of ``Resolution``: a signature or an error code."""
    if err is None:
        assert bound is not None
        return bound
    if err.endswith("does not exist"):
        return NO_MATCH
    if err.endswith("is not unique"):
        return NOT_UNIQUE
    if err.startswith("could not determine polymorphic type"):
        return POLYMORPHIC_UNKNOWN
    if err.startswith("could not find array type"):
        return NO_ARRAY_TYPE
    return f"ERROR {err}"


def _tapgap_outcome(function: PgtapFunction, resolution: Resolution) -> str:
    if resolution.error is not None:
        return resolution.error
    assert resolution.overload is not None
    return resolution.overload.signature(function.name)


@pytest.fixture(scope="module")
def probe_db(pg_server: PgServer) -> str:
    db = pg_server.create_database("pgtap_resolution", extensions=("pgtap",))
    proc = pg_server.psql(db, sql=_PROBE)
    assert proc.returncode == 0, proc.stderr
    return db


def test_no_builtin_function_competes_with_pgtap_names(pg_server: PgServer, probe_db: str) -> None:
    # resolve() considers only pgTAP's overloads: true when pg_catalog has no function of the same name.
    names = sorted(CATALOG)
    rows = pg_server.query_rows(
        probe_db,
        "SELECT proname FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace AND proname IN "
        f"(SELECT json_array_elements_text({_json_literal(names)}))",
    )
    assert rows == []


def test_tapgap_resolves_every_call_form_as_postgresql_does(pg_server: PgServer, probe_db: str) -> None:
    cases: list[tuple[PgtapFunction, tuple[str, ...], str]] = []
    for function in CATALOG.values():
        for form in call_forms(function):
            cases.append((function, form, render_call(function.name, form)))
    answers = _postgres_binds(pg_server, probe_db, [call for _, _, call in cases])

    disagreements = []
    per_outcome: dict[str, int] = {}
    structural_forms = structural_agreements = 0
    for (function, form, call), (bound, err) in zip(cases, answers, strict=True):
        expected = _postgres_outcome(bound, err)
        got = _tapgap_outcome(function, resolve(function, form))
        outcome = "resolved" if "(" in expected else expected
        per_outcome[outcome] = per_outcome.get(outcome, 0) + 1
        if got != expected:
            disagreements.append(f"{call}  [{', '.join(form)}]: PostgreSQL {expected}, tapgap {got}")
        if function.category == "structural":
            structural_forms += 1
            structural_agreements += got == expected
    structural = sum(1 for f in CATALOG.values() if f.category == "structural")
    summary = (
        f"{len(CATALOG)} functions, {len(cases)} call forms, {len(cases) - len(disagreements)} agreements "
        f"(structural: {structural} functions, {structural_forms} call forms, {structural_agreements} "
        f"agreements); PostgreSQL outcomes: {per_outcome}"
    )
    print(summary)
    assert not disagreements, summary + "\n" + "\n".join(disagreements[:60])
    # Every outcome kind must be exercised, or the comparison proves less than it seems to.
    assert {NO_MATCH, NOT_UNIQUE, POLYMORPHIC_UNKNOWN, "resolved"} <= set(per_outcome)


def test_every_overload_is_reached_by_some_call_form() -> None:
    for function in CATALOG.values():
        reached = {resolve(function, form).overload for form in call_forms(function)}
        assert set(function.overloads) <= reached, function.name


# -- meaning: the roles, against a fixture with one object of every kind -------------------------------------

MARK = "tapgap-description-marker"

_FIXTURE = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tapgap_sem_group') THEN
        CREATE ROLE tapgap_sem_group NOLOGIN;
        CREATE ROLE tapgap_sem_member LOGIN IN ROLE tapgap_sem_group;
    END IF;
END $$;
CREATE SCHEMA app;
CREATE TABLE public.app (id integer);  -- a table named like the schema
CREATE TABLE app.orgs (id integer PRIMARY KEY);
CREATE TABLE app.users (
    id integer PRIMARY KEY,
    email text NOT NULL DEFAULT 'x' CHECK (email <> '') UNIQUE,
    org_id integer REFERENCES app.orgs (id),
    n integer DEFAULT 42
);
CREATE INDEX users_org_idx ON app.users (org_id);
CREATE INDEX users_lower_idx ON app.users (lower(email));
CLUSTER app.users USING users_org_idx;
CREATE VIEW app.v AS SELECT id FROM app.users;
CREATE RULE v_ins AS ON INSERT TO app.v DO INSTEAD NOTHING;
CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS one;
CREATE SEQUENCE app.seq;
CREATE TYPE app.comp AS (a integer);
CREATE DOMAIN app.dom AS integer;
CREATE TYPE app.mood AS ENUM ('sad', 'ok');
CREATE FUNCTION app.fn(integer) RETURNS integer LANGUAGE sql STABLE STRICT SECURITY DEFINER AS 'SELECT $1';
CREATE FUNCTION app.trg_fn() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER trg BEFORE INSERT ON app.users FOR EACH ROW EXECUTE FUNCTION app.trg_fn();
CREATE PROCEDURE app.proc() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE app.agg(integer) (SFUNC = int4pl, STYPE = integer);
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON app.users FOR SELECT TO tapgap_sem_group USING (true);
CREATE TABLE app.parted (k integer) PARTITION BY RANGE (k);
CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
CREATE TABLE app.parent (a integer);
CREATE TABLE app.child () INHERITS (app.parent);
CREATE FOREIGN DATA WRAPPER tapgap_sem_fdw;
CREATE SERVER tapgap_sem_srv FOREIGN DATA WRAPPER tapgap_sem_fdw;
CREATE FOREIGN TABLE app.ft (a integer) SERVER tapgap_sem_srv;
GRANT USAGE ON SCHEMA app TO tapgap_sem_group;
GRANT SELECT ON app.users TO tapgap_sem_group;
GRANT USAGE ON SEQUENCE app.seq TO tapgap_sem_group;
GRANT USAGE ON FOREIGN DATA WRAPPER tapgap_sem_fdw TO tapgap_sem_group;
GRANT USAGE ON FOREIGN SERVER tapgap_sem_srv TO tapgap_sem_group;

CREATE FUNCTION tapgap_probe.run(calls text[], path text) RETURNS TABLE(i int, tap text, err text)
LANGUAGE plpgsql AS $$
DECLARE
    c text;
    n int := 0;
BEGIN
    PERFORM set_config('search_path', path, false);
    PERFORM no_plan();
    FOREACH c IN ARRAY calls LOOP
        n := n + 1;
        BEGIN
            EXECUTE 'SELECT ' || c INTO tap;
            i := n; err := NULL; RETURN NEXT;
        EXCEPTION WHEN OTHERS THEN
            i := n; tap := NULL; err := SQLERRM; RETURN NEXT;
        END;
    END LOOP;
END $$;
"""


class Raw(str):
    """An SQL expression used as an argument value as it is (cast to the parameter's type)."""


# The value of each role in the fixture, so that the positive assertion passes.
ROLE_VALUES: dict[str, object] = {
    "schema": "app",
    "table": "users",
    "column": "email",
    "columns": ["email"],
    "view": "v",
    "materialized_view": "mv",
    "sequence": "seq",
    "foreign_table": "ft",
    "composite": "comp",
    "relation": "users",
    "type": "mood",
    "type_schema": "pg_catalog",
    "domain": "dom",
    "enum": "mood",
    "labels": ["sad", "ok"],
    "index": "users_org_idx",
    "trigger": "trg",
    "rule": "v_ins",
    "policy": "pol",
    "function": "fn",
    "function_schema": "app",
    "args": ["integer"],
    "role": "tapgap_sem_group",
    "member": "tapgap_sem_member",
    "members": ["tapgap_sem_member"],
    "database": Raw("current_database()"),
    "tablespace": "pg_default",
    "location": "",
    "language": "plpgsql",
    "extension": "pgtap",
    "opclass": "int4_ops",
    "owner": "postgres",
    "grantee": "tapgap_sem_group",
    "privileges": ["SELECT"],
    "command": "select",
    "roles": ["tapgap_sem_group"],
    "volatility": "stable",
    "event": "insert",
    "default": "x",
    "depth": 1,
    "description": MARK,
    "values": [],
}

# Per function (the negated ones share their positive's values): role values that differ from ROLE_VALUES.
FUNCTION_VALUES: dict[str, dict[str, object]] = {
    "has_rule": {"table": "v"},
    "rule_is_instead": {"table": "v"},
    "rule_is_on": {"table": "v"},
    "col_is_pk": {"column": "id", "columns": ["id"]},
    "col_is_fk": {"column": "org_id", "columns": ["org_id"]},
    "fk_ok": {
        "column": "org_id",
        "columns": ["org_id"],
        "pk_schema": "app",
        "pk_table": "orgs",
        "pk_column": "id",
        "pk_columns": ["id"],
    },
    "has_index": {"column": "org_id", "columns": ["org_id"]},
    "is_indexed": {"column": "org_id", "columns": ["org_id"]},
    "index_is_unique": {"index": "users_email_key"},
    "index_is_primary": {"index": "users_pkey"},
    "index_is_type": {"type": "btree"},
    "trigger_is": {"function": "trg_fn"},
    "col_type_is": {"type": "text"},
    "col_default_is": {"column": "email", "default": "x"},
    "domain_type_is": {"type": "integer"},
    "function_returns": {"returns": "integer"},
    "function_lang_is": {"language": "sql"},
    "is_aggregate": {"function": "agg"},
    "is_window": {"schema": "pg_catalog", "function": "row_number", "args": []},
    "is_procedure": {"function": "proc", "args": []},
    "has_cast": {
        "source_type": "integer",
        "target_type": "bigint",
        "function_schema": "pg_catalog",
        "function": "int8",
    },
    "cast_context_is": {"source_type": "integer", "target_type": "bigint", "context": "implicit"},
    "has_operator": {
        "left_type": "integer",
        "schema": "pg_catalog",
        "operator": "=",
        "right_type": "integer",
        "returns": "boolean",
    },
    "has_leftop": {"schema": "pg_catalog", "operator": "-", "right_type": "integer", "returns": "integer"},
    "has_rightop": {"schema": "pg_catalog", "operator": "!", "left_type": "bigint", "returns": "numeric"},
    "has_opclass": {"schema": "pg_catalog"},
    "opclass_owner_is": {"schema": "pg_catalog"},
    "has_extension": {"schema": "public"},
    "has_user": {"role": "postgres"},
    "is_superuser": {"role": "postgres"},
    "is_partitioned": {"table": "parted"},
    "is_partition_of": {"table": "part1", "parent_schema": "app", "parent_table": "parted"},
    "partitions_are": {"table": "parted", "values": ["part1"]},
    "has_inherited_tables": {"table": "parent"},
    "is_ancestor_of": {"table": "parent", "descendent_schema": "app", "descendent_table": "child"},
    "is_descendent_of": {"table": "child", "ancestor_schema": "app", "ancestor_table": "parent"},
    # *_are: exactly the fixture's objects of the scope
    "policies_are": {"values": ["pol"]},
    "columns_are": {"values": ["id", "email", "org_id", "n"]},
    "indexes_are": {"values": ["users_pkey", "users_email_key", "users_org_idx", "users_lower_idx"]},
    "triggers_are": {"values": ["trg"]},
    "rules_are": {"table": "v", "values": ["_RETURN", "v_ins"]},
    "tables_are": {"values": ["orgs", "users", "parted", "part1", "parent", "child"]},
    "views_are": {"values": ["v"]},
    "materialized_views_are": {"values": ["mv"]},
    "sequences_are": {"values": ["seq"]},
    "foreign_tables_are": {"values": ["ft"]},
    "functions_are": {"values": ["fn", "trg_fn", "proc", "agg"]},
    "types_are": {"values": ["comp", "dom", "mood"]},
    "domains_are": {"values": ["dom"]},
    "enums_are": {"values": ["mood"]},
    "opclasses_are": {"values": []},
    "operators_are": {"values": []},
    "extensions_are": {"schema": "public", "values": ["pgtap"]},
    "type_owner_is": {"type": "mood"},
    "function_privs_are": {"privileges": ["EXECUTE"]},
    "sequence_privs_are": {"privileges": ["USAGE"]},
    "schema_privs_are": {"privileges": ["USAGE"]},
    "language_privs_are": {"privileges": ["USAGE"]},
    "database_privs_are": {"privileges": ["CONNECT", "TEMPORARY"]},
    "tablespace_privs_are": {"privileges": []},
    "fdw_privs_are": {"fdw": "tapgap_sem_fdw", "privileges": ["USAGE"]},
    "server_privs_are": {"server": "tapgap_sem_srv", "privileges": ["USAGE"]},
    "foreign_table_owner_is": {},
}

# Values for one overload, by signature.
OVERLOAD_VALUES: dict[str, dict[str, object]] = {
    **{
        sig: {"column": "n", "default": 42}
        for sig in (
            "col_default_is(name, name, name, anyelement, text)",
            "col_default_is(name, name, anyelement, text)",
            "col_default_is(name, name, anyelement)",
        )
    },
}

# Values under a run-time reading, by (overload signature, condition).
READING_VALUES: dict[tuple[str, str], dict[str, object]] = {
    ("has_index(name, name, text)", "contains_paren"): {"index": "users_lower_idx", "column": "lower(email)"},
}

# Assertions whose outcome in the fixture says nothing about their roles: only the description is checked.
DESCRIPTION_ONLY = {
    "has_rightop",  # PostgreSQL 14 removed postfix operators
    "hasnt_rightop",
}


def _positive(name: str) -> str:
    """The positive assertion whose values a negated one shares (hasnt_table -> has_table)."""
    for negative, positive in (
        ("col_is_null", "col_not_null"),
        ("hasnt_", "has_"),
        ("col_hasnt_", "col_has_"),
        ("col_isnt_", "col_is_"),
        ("isnt_", "is_"),
        ("domain_type_isnt", "domain_type_is"),
    ):
        if name.startswith(negative):
            return positive + name[len(negative) :]
    return name


def _arg_type(value: object, param_type: str) -> str:
    """The type an argument is given: the parameter's, or for a polymorphic one the value's."""
    if param_type == "anyelement":
        return "integer" if isinstance(value, int) else "text"
    return param_type


def _value_sql(value: object, arg_type: str) -> str:
    if isinstance(value, Raw):
        return f"({value})::{arg_type}"
    if isinstance(value, list):
        items = ",".join('"' + str(v).replace('"', '\\"') + '"' for v in value)
        return "'{" + items.replace("'", "''") + "}'::" + arg_type
    if isinstance(value, int) and arg_type == "integer":
        return str(value)
    return "'" + str(value).replace("'", "''") + "'::" + arg_type


def _values(name: str) -> dict[str, object]:
    return {**ROLE_VALUES, **FUNCTION_VALUES.get(_positive(name), {})}


# What the run-time conditions of Overload.readings test, on the fixture's values.
_SCHEMAS = {"app", "public", "pg_catalog", "information_schema", "tapgap_probe"}
CONDITION_HOLDS = {
    "schema_exists": lambda value: value in _SCHEMAS,
    "contains_paren": lambda value: "(" in str(value),
    "errcode": lambda value: len(str(value).encode()) == 5,
}


class Probe:
    """One call of a structural overload, built from its roles, and what its TAP line must show."""

    def __init__(
        self,
        function: PgtapFunction,
        overload: Overload,
        roles: Sequence[str],
        values: dict[str, object],
        reading: str | None = None,
    ) -> None:
        self.function = function
        self.overload = overload
        self.roles = tuple(roles)
        self.values = [values[r] for r in roles]
        self.arg_types = [_arg_type(v, p.type) for v, p in zip(self.values, overload.params, strict=True)]
        args = [_value_sql(v, t) for v, t in zip(self.values, self.arg_types, strict=True)]
        self.call = f"{function.name}({', '.join(args)})"
        # The values must select the reading the probe is about: the condition holds for that reading's
        # probe and for no other.
        for r in overload.readings:
            holds = CONDITION_HOLDS[r.when](self.values[r.arg])
            assert holds == (r.when == reading), (self.call, r.when)
        self.expect_ok: bool | None = None if function.name in DESCRIPTION_ONLY else not overload.negated
        if overload.facet == "members" and not {"schema", "table"} & set(roles):
            self.expect_ok = None  # the whole search path or cluster: the outcome is not about roles
        self.expect_description = MARK if "description" in roles else None

    def check(self, tap: str | None, err: str | None) -> str | None:
        """What is wrong with the outcome, or None."""
        if err is not None or tap is None:
            return f"error: {err}"
        first = tap.split("\n", 1)[0]
        match = re.match(r"(not )?ok \d+(?: - (.*))?$", first)
        if match is None:
            return f"not a TAP line: {first!r}"
        if self.expect_ok is not None and (match[1] is None) != self.expect_ok:
            return f"expected {'ok' if self.expect_ok else 'not ok'}: {tap!r}"
        if self.expect_description is not None and match[2] != self.expect_description:
            return f"description {match[2]!r}, expected the marker"
        if self.expect_description is None and MARK in first:
            return "the marker appears without a description role"
        return None


def semantic_probes() -> list[Probe]:
    probes = []
    for function in CATALOG.values():
        if function.category != "structural":
            continue
        for overload in function.overloads:
            sig = overload.signature(function.name)
            values = {**_values(function.name), **OVERLOAD_VALUES.get(sig, {})}
            probes.append(Probe(function, overload, overload.roles, values))
            for reading in overload.readings:
                reading_values = {**values, **READING_VALUES.get((sig, reading.when), {})}
                probes.append(Probe(function, overload, reading.roles, reading_values, reading.when))
    return probes


@pytest.fixture(scope="module")
def fixture_db(pg_server: PgServer, probe_db: str) -> str:
    proc = pg_server.psql(probe_db, sql=_FIXTURE)
    assert proc.returncode == 0, proc.stderr
    return probe_db


def _run(pg: PgServer, db: str, calls: Sequence[str], path: str) -> list[tuple[str | None, str | None]]:
    rows = pg.query_rows(
        db,
        "SELECT * FROM tapgap_probe.run(ARRAY(SELECT json_array_elements_text("
        + _json_literal(list(calls))
        + f")), '{path}')",
    )
    assert [r["i"] for r in rows] == list(range(1, len(calls) + 1))
    return [(r["tap"], r["err"]) for r in rows]


def test_structural_overloads_read_their_arguments_as_the_catalogue_says(
    pg_server: PgServer, fixture_db: str
) -> None:
    probes = semantic_probes()
    # Each call resolves to the overload it was built for (exact types), so the outcome is about roles.
    for probe in probes:
        assert resolve(probe.function, probe.arg_types).overload == probe.overload, probe.call
    outcomes = _run(pg_server, fixture_db, [p.call for p in probes], "app, public")
    problems = [
        f"{p.overload.signature(p.function.name)} as {p.roles}: {p.call}\n    {problem}"
        for p, (tap, err) in zip(probes, outcomes, strict=True)
        if (problem := p.check(tap, err)) is not None
    ]
    checked = sum(1 for p in probes if p.expect_ok is not None)
    print(f"{len(probes)} structural calls, {checked} with pass/fail checked, {len(problems)} problems")
    assert not problems, "\n".join(problems)


# Kinds whose fixture objects live in schema app (off the search_path "public").
_APP_KINDS = {
    *("table", "view", "materialized view", "foreign table", "sequence", "relation", "composite", "type"),
    *("domain", "enum", "column", "constraint", "index", "trigger", "rule", "policy", "function"),
}


def test_unqualified_forms_find_objects_off_the_search_path_exactly_when_any_schema(
    pg_server: PgServer, fixture_db: str
) -> None:
    probes = [
        p
        for p in semantic_probes()
        if "schema" not in p.roles
        and ("values" not in p.roles or "table" in p.roles)
        and p.overload.kind in _APP_KINDS
        and p.expect_ok is not None
        and not p.overload.negated  # a negated assertion also fails when it finds no object at all
        and p.function.name != "is_window"
        and p.roles == p.overload.roles
    ]
    outcomes = _run(pg_server, fixture_db, [p.call for p in probes], "public")
    observed = {}
    for probe, (tap, err) in zip(probes, outcomes, strict=True):
        assert err is None and tap is not None, (probe.call, err)
        found = tap.startswith("ok")
        observed[probe.overload.signature(probe.function.name)] = (found, probe.overload.any_schema)
    wrong = {sig: found for sig, (found, flag) in observed.items() if found != flag}
    print(f"{len(observed)} unqualified forms, {sum(f for f, _ in observed.values())} find any schema")
    assert not wrong, f"any_schema differs from what pgTAP does (signature: finds off the path): {wrong}"


# -- the SPEC's verified facts, replayed -------------------------------------------------------------------

U = UNKNOWN

# (call, argument types as tapgap sees them, search_path, expected TAP line or error, roles tapgap reads)
FACTS: list[tuple[str, list[str], str, str, tuple[str, ...] | str]] = [
    # plain literals bind the (object, description) forms
    ("has_table('app', 'users')", [U, U], "app, public", "ok - users", ("table", "description")),
    ("has_table('app'::name, 'users'::name)", ["name", "name"], "public", "ok", ("schema", "table")),
    ("has_table('app'::name, 'carts')", ["name", U], "public", "ok - carts", ("table", "description")),
    (
        "has_column('app', 'users', 'email')",
        [U, U, U],
        "public",
        "not ok - email",
        ("table", "column", "description"),
    ),
    (
        "col_type_is('app', 'users', 'email', 'text')",
        [U, U, U, U],
        "public",
        "not ok - text | Column app.users does not exist",
        ("table", "column", "type", "description"),
    ),
    # three ::name arguments: no schema form at that arity...
    *(
        (
            f"{fn}('app'::name, 'users'::name, 'email'::name)",
            ["name"] * 3,
            "public",
            "not ok - email",
            ("table", "column", "description"),
        )
        for fn in ("has_column", "col_is_pk", "col_is_fk", "col_has_check", "col_has_default")
    ),
    # ... but col_not_null has one (its 4th parameter, the description, has a DEFAULT): the SPEC's list
    # of functions without a schema form at three arguments is wrong about col_not_null (and col_is_null).
    (
        "col_not_null('app'::name, 'users'::name, 'email'::name)",
        ["name"] * 3,
        "public",
        "ok",
        ("schema", "table", "column", "description"),
    ),
    (
        "col_is_null('app'::name, 'users'::name, 'email'::name)",
        ["name"] * 3,
        "public",
        "not ok",
        ("schema", "table", "column", "description"),
    ),
    # has_index: the third string is a description unless it contains "("
    (
        "has_index('users', 'users_org_idx', 'x')",
        [U, U, U],
        "app, public",
        "ok - x",
        ("table", "index", "description"),
    ),
    (
        "has_index('users', 'users_lower_idx', 'lower(email)')",
        [U, U, U],
        "app, public",
        "ok",
        ("table", "index", "description"),
    ),
    # an uncast '{...}' makes has_function ignore the argument list...
    (
        "has_function('app', 'fn', '{bigint}')",
        [U, U, U],
        "public",
        "ok - {bigint}",
        ("schema", "function", "description"),
    ),
    # ... and is "not unique" in these
    (
        "policy_roles_are('app', 'users', 'pol', '{tapgap_sem_group}')",
        [U] * 4,
        "public",
        "ERROR is not unique",
        NOT_UNIQUE,
    ),
    ("policies_are('app', 'users', '{pol}')", [U] * 3, "public", "ERROR is not unique", NOT_UNIQUE),
    ("columns_are('app', 'users', '{id}')", [U] * 3, "public", "ERROR is not unique", NOT_UNIQUE),
    ("enum_has_labels('app', 'mood', '{sad,ok}')", [U] * 3, "public", "ERROR is not unique", NOT_UNIQUE),
    (
        "domain_type_is('app', 'dom', 'integer')",
        [U] * 3,
        "public",
        "not ok - integer",
        ("domain", "type", "description"),
    ),
    # the table-only policy_cmd_is finds the table in any schema
    ("policy_cmd_is('users', 'pol', 'select')", [U] * 3, "public", "ok", ("table", "policy", "command")),
    ("ok(has_table('users'))", ["text"], "app, public", "ERROR function ok(text) does not exist", NO_MATCH),
    # throws_ok's second argument is an error code when 5 bytes long, else a message
    ("throws_ok('SELECT 1/0', '22012')", [U, U], "public", "ok", ("sql", "errmsg")),
    ("throws_ok('SELECT 1/0', 'division by zero')", [U, U], "public", "ok", ("sql", "errmsg")),
    (
        "throws_ok('SELECT 1/0', '22012', 'division by zero')",
        [U, U, U],
        "public",
        "ok",
        ("sql", "errmsg", "description"),
    ),
    (
        "throws_ok('SELECT 1/0', 'division by zero', 'd')",
        [U, U, U],
        "public",
        "ok - d",
        ("sql", "errmsg", "description"),
    ),
]


@pytest.mark.parametrize("call, types, path, expected, roles", FACTS, ids=[f[0] for f in FACTS])
def test_spec_facts(
    pg_server: PgServer,
    fixture_db: str,
    call: str,
    types: list[str],
    path: str,
    expected: str,
    roles: tuple[str, ...] | str,
) -> None:
    function = CATALOG[call.split("(", 1)[0]]
    resolution = resolve(function, types)
    if isinstance(roles, str):
        assert resolution.error == roles
    else:
        assert resolution.error is None and resolution.overload is not None
        assert resolution.overload.roles == roles
    [(tap, err)] = _run(pg_server, fixture_db, [call], path)
    if expected.startswith("ERROR "):
        assert err is not None and expected[6:] in err
        return
    assert err is None and tap is not None
    # expected: the TAP line without its number ("ok" alone: any description), " | " a diagnostic excerpt
    line, _, diagnostic = expected.partition(" | ")
    first = re.sub(r"^((?:not )?ok) \d+", r"\1", tap.split("\n", 1)[0])
    assert (first if " - " in line else first.split(" - ", 1)[0]) == line, tap
    assert diagnostic in tap, tap


def test_plan_counting_facts(pg_server: PgServer, fixture_db: str) -> None:
    # skip(why, n) emits n tests; an assertion PERFORMed in a DO block counts although its line is lost.
    script = """
SELECT plan(4);
SELECT skip('not today', 2);
DO $$ BEGIN PERFORM pass('in a DO block'); END $$;
SELECT pass('last');
SELECT * FROM finish();
"""
    proc = pg_server.psql(fixture_db, sql=script)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    assert lines[:4] == [
        "1..4",
        "ok 1 # SKIP not today",
        "ok 2 # SKIP not today",
        "ok 4 - last",
    ], lines
    assert "planned" not in proc.stdout  # finish() complains when the count differs from the plan
    skip = CATALOG["skip"]
    overload = resolve(skip, [U, "integer"]).overload
    assert overload is not None and overload.tests is None and overload.roles == ("reason", "count")
    assert resolve(skip, [U]).overload == next(o for o in skip.overloads if o.types == ("text",))


# -- behavioural assertions: which argument is the SQL run, which the description ---------------------------

# Per function: an SQL expression per role such that the assertion passes (roles not listed: ROLE_SQL).
ROLE_SQL: dict[str, str] = {
    "sql": "'SELECT 1'",
    "got": "1",
    "expected": "1",
    "values": "ARRAY[1]",
    "milliseconds": "100000",
    "within": "100000",
    "iterations": "1",
    "description": "'" + MARK + "'",
}
BEHAVIOUR_SQL: dict[str, dict[str, str]] = {
    "ok": {"got": "true"},
    "isnt": {"expected": "2"},
    "matches": {"got": "'abc'::text", "pattern": "'b'"},
    "imatches": {"got": "'abc'::text", "pattern": "'B'"},
    "doesnt_match": {"got": "'abc'::text", "pattern": "'z'"},
    "doesnt_imatch": {"got": "'abc'::text", "pattern": "'Z'"},
    "alike": {"got": "'abc'::text", "pattern": "'%b%'"},
    "ialike": {"got": "'abc'::text", "pattern": "'%B%'"},
    "unalike": {"got": "'abc'::text", "pattern": "'%z%'"},
    "unialike": {"got": "'abc'::text", "pattern": "'%Z%'"},
    "cmp_ok": {"operator": "'='"},
    "throws_ok": {"sql": "'SELECT 1/0'", "errcode": "'22012'", "errmsg": "'division by zero'"},
    "throws_like": {"sql": "'SELECT 1/0'", "pattern": "'%division%'"},
    "throws_ilike": {"sql": "'SELECT 1/0'", "pattern": "'%DIVISION%'"},
    "throws_matching": {"sql": "'SELECT 1/0'", "pattern": "'division'"},
    "throws_imatching": {"sql": "'SELECT 1/0'", "pattern": "'DIVISION'"},
    "performs_within": {"milliseconds": "0"},
    "is_empty": {"sql": "'SELECT 1 WHERE false'"},
    "row_eq": {"expected": "ROW(1)::app.comp"},
    "isa_ok": {"type": "'integer'::regtype"},
}
_SECOND_SQL = {
    "set_ne": "'SELECT 2'",
    "bag_ne": "'SELECT 2'",
    "results_ne": "'SELECT 2'",
    "set_hasnt": "'SELECT 2'",
}
_SECOND_SQL |= {"bag_hasnt": "'SELECT 2'"}


def behavioural_probes() -> list[tuple[PgtapFunction, Overload, str]]:
    out = []
    for function in CATALOG.values():
        if function.category != "behavioural" or function.name in ("check_test", "fail"):
            continue
        for overload in function.overloads:
            if "cursor" in overload.roles:
                continue  # needs an open cursor
            values = {**ROLE_SQL, **BEHAVIOUR_SQL.get(function.name, {})}
            args = []
            for i, param in enumerate(overload.params):
                value = values[param.role]
                if param.role == "sql" and i > 0 and function.name in _SECOND_SQL:
                    value = _SECOND_SQL[function.name]
                if param.role == "values" and function.name in _SECOND_SQL:
                    value = "ARRAY[2]"
                if param.role == "errcode" and param.type == "integer":
                    value = "22012"
                cast = "bpchar" if param.type == "character" else param.type  # ::character is char(1)
                args.append(f"({value})::{cast}" if param.type not in ("anyelement", "anyarray") else value)
            out.append((function, overload, f"{function.name}({', '.join(args)})"))
    return out


def test_behavioural_overloads_run_their_sql_and_take_their_description(
    pg_server: PgServer, fixture_db: str
) -> None:
    probes = behavioural_probes()
    outcomes = _run(pg_server, fixture_db, [call for _, _, call in probes], "app, public")
    problems = []
    for (function, overload, call), (tap, err) in zip(probes, outcomes, strict=True):
        assert resolve(function, [_arg_sql_type(p.type) for p in overload.params]).overload == overload, call
        first = (tap or "").split("\n", 1)[0]
        match = re.match(r"ok \d+(?: - (.*))?$", first)
        description = match[1] if match else None
        if "description" in overload.roles:
            expected_ok = description is not None and description.startswith(MARK)  # isa_ok appends " isa"
        else:
            expected_ok = match is not None and MARK not in first
        if err is not None or not expected_ok:
            problems.append(f"{overload.signature(function.name)} {overload.roles}: {call}\n    {err or tap}")
    print(f"{len(probes)} behavioural calls, {len(problems)} problems")
    assert not problems, "\n".join(problems)


def _arg_sql_type(param_type: str) -> str:
    return {"anyelement": "integer", "anyarray": "integer[]"}.get(param_type, param_type)
