#!/usr/bin/env python3
"""Generate server/tapgap/pgtap/catalog_data.py: every public pgTAP 1.2 function, as data.

Sources, in this order of authority:

1. the extension script Debian's ``postgresql-15-pgtap`` installs (``pgtap--1.2.0.sql``), read with tapgap's
   own parser: every ``CREATE FUNCTION`` whose name does not start with ``_`` gives one overload, with its
   parameter types (``format_type(..., with_typmod=False)``), ``DEFAULT``s and ``VARIADIC``;
2. the signature comment pgTAP writes above nearly every function (``-- has_table( schema, table )``):
   its words, matched by arity, give the parameters' roles;
3. for the functions without such a comment, the SQL parameter names (``skip(why text, how_many int)``) or
   the manual's signatures (``SELECT ok( :boolean, :description );``, pgtap-doc.md), matched by arity;
4. the hand-curated tables below: each function's category, kind, facet and test count; how the words
   map to tapgap's roles (``tapgap.pgtap.catalog.ROLES``); the few overloads pgTAP reads two ways at run
   time; and fixes where the sources are wrong (pgTAP's comments have typos).

The script fails when a parameter ends up without a known role, a structural overload without kind and
facet, or a hand-curated entry matches nothing. Regenerate, from the repository root:

    . .venv/bin/activate && python scripts/gen_pgtap_catalog.py [--sql PATH] [--doc PATH]

tests/unit/test_pgtap_catalog.py checks the result against the installed extension script.
"""

from __future__ import annotations

import argparse
import bisect
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "server" / "tapgap" / "pgtap" / "catalog_data.py"
DEFAULT_SQL = Path("/usr/share/postgresql/15/extension/pgtap--1.2.0.sql")
DEFAULT_DOC = ROOT.parent / "shared" / "reference" / "pgtap-doc.md"

if str(ROOT / "server") not in sys.path:
    sys.path.insert(0, str(ROOT / "server"))

from tapgap.pgtap.catalog import CONDITIONS, FACETS, KINDS, ROLES  # noqa: E402
from tapgap.sql import pgtree  # noqa: E402
from tapgap.sql.types import format_type  # noqa: E402

# -- hand-curated facts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Info:
    category: str
    kind: str | None = None
    facet: str | None = None
    negated: bool = False
    tests: int | None = 1


def S(kind: str, facet: str = "exists", negated: bool = False) -> Info:
    return Info("structural", kind, facet, negated)


B = Info("behavioural")
H0 = Info("harness", tests=0)
U0 = Info("utility", tests=0)

FUNCTIONS: dict[str, Info] = {
    # harness: plan and flow control; they emit no test line of their own
    "plan": H0,
    "no_plan": H0,
    "finish": H0,
    "diag": H0,
    "todo": H0,
    "todo_start": H0,
    "todo_end": H0,
    "in_todo": H0,
    "skip": Info("harness", tests=None),  # skip(n) emits n "ok # SKIP" lines; skip(why) one
    "runtests": Info("harness", tests=None),
    "do_tap": Info("harness", tests=None),
    "collect_tap": H0,  # returns the TAP of its (nested) arguments, which count themselves
    # utility: information, no test line
    "pg_version": U0,
    "pg_version_num": U0,
    "os_name": U0,
    "pgtap_version": U0,
    "num_failed": U0,
    "findfuncs": U0,
    "display_oper": U0,
    "diag_test_name": U0,
    "add_result": Info("utility", tests=1),  # records a result: the test counter advances
    # behavioural: values, SQL run, results compared
    **dict.fromkeys(
        (
            *("ok", "is", "isnt", "cmp_ok", "pass", "fail", "isa_ok", "row_eq", "check_test"),
            *(
                "matches",
                "imatches",
                "alike",
                "ialike",
                "doesnt_match",
                "doesnt_imatch",
                "unalike",
                "unialike",
            ),
            *("throws_ok", "throws_like", "throws_ilike", "throws_matching", "throws_imatching"),
            *("lives_ok", "performs_ok", "performs_within", "is_empty", "isnt_empty"),
            *("results_eq", "results_ne", "set_eq", "set_ne", "set_has", "set_hasnt"),
            *("bag_eq", "bag_ne", "bag_has", "bag_hasnt"),
        ),
        B,
    ),
    # structural: existence
    **{
        f"{prefix}_{noun}": S(kind, negated=prefix == "hasnt")
        for prefix in ("has", "hasnt")
        for noun, kind in {
            "relation": "relation",
            "table": "table",
            "view": "view",
            "materialized_view": "materialized view",
            "sequence": "sequence",
            "foreign_table": "foreign table",
            "composite": "composite",
            "column": "column",
            "function": "function",
            "index": "index",
            "trigger": "trigger",
            "schema": "schema",
            "tablespace": "tablespace",
            "type": "type",
            "domain": "domain",
            "enum": "enum",
            "role": "role",
            "user": "role",
            "group": "role",
            "cast": "cast",
            "operator": "operator",
            "leftop": "operator",
            "rightop": "operator",
            "language": "language",
            "opclass": "opclass",
            "rule": "rule",
            "extension": "extension",
        }.items()
    },
    "can": S("function"),
    "is_indexed": S("index"),
    # constraints
    "has_pk": S("constraint", "pk"),
    "hasnt_pk": S("constraint", "pk", True),
    "col_is_pk": S("constraint", "pk"),
    "col_isnt_pk": S("constraint", "pk", True),
    "has_fk": S("constraint", "fk"),
    "hasnt_fk": S("constraint", "fk", True),
    "col_is_fk": S("constraint", "fk"),
    "col_isnt_fk": S("constraint", "fk", True),
    "fk_ok": S("constraint", "fk target"),
    "has_unique": S("constraint", "unique"),
    "col_is_unique": S("constraint", "unique"),
    "has_check": S("constraint", "check"),
    "col_has_check": S("constraint", "check"),
    # columns
    "col_not_null": S("column", "nullable"),
    "col_is_null": S("column", "nullable", True),
    "col_type_is": S("column", "type"),
    "col_has_default": S("column", "default"),
    "col_hasnt_default": S("column", "default", True),
    "col_default_is": S("column", "default"),
    # indexes
    "index_is_unique": S("index", "unique"),
    "index_is_primary": S("index", "primary"),
    "is_clustered": S("index", "clustered"),
    "index_is_type": S("index", "type"),
    # triggers, rules, policies
    "trigger_is": S("trigger", "trigger function"),
    "rule_is_instead": S("rule", "instead"),
    "rule_is_on": S("rule", "event"),
    "policy_roles_are": S("policy", "policy roles"),
    "policy_cmd_is": S("policy", "policy command"),
    # types
    "enum_has_labels": S("enum", "labels"),
    "domain_type_is": S("domain", "type"),
    "domain_type_isnt": S("domain", "type", True),
    # roles, languages, casts
    "is_superuser": S("role", "superuser"),
    "isnt_superuser": S("role", "superuser", True),
    "is_member_of": S("role", "role members"),
    "isnt_member_of": S("role", "role members", True),
    "language_is_trusted": S("language", "trusted"),
    "cast_context_is": S("cast", "context"),
    # functions
    "function_lang_is": S("function", "language"),
    "function_returns": S("function", "returns"),
    "is_definer": S("function", "security definer"),
    "isnt_definer": S("function", "security definer", True),
    "is_aggregate": S("function", "aggregate"),
    "isnt_aggregate": S("function", "aggregate", True),
    "is_strict": S("function", "strict"),
    "isnt_strict": S("function", "strict", True),
    "volatility_is": S("function", "volatility"),
    "is_normal_function": S("function", "normal function"),
    "isnt_normal_function": S("function", "normal function", True),
    "is_window": S("function", "window"),
    "isnt_window": S("function", "window", True),
    "is_procedure": S("function", "procedure"),
    "isnt_procedure": S("function", "procedure", True),
    # tables: partitions and inheritance
    "is_partitioned": S("table", "partitioned"),
    "isnt_partitioned": S("table", "partitioned", True),
    "is_partition_of": S("table", "partition of"),
    "partitions_are": S("table", "partitions"),
    "has_inherited_tables": S("table", "inherited"),
    "hasnt_inherited_tables": S("table", "inherited", True),
    "is_ancestor_of": S("table", "ancestor"),
    "isnt_ancestor_of": S("table", "ancestor", True),
    "is_descendent_of": S("table", "descendent"),
    "isnt_descendent_of": S("table", "descendent", True),
    # *_are: exactly these objects exist
    **{
        f"{noun}_are": S(kind, "members")
        for noun, kind in {
            "tablespaces": "tablespace",
            "schemas": "schema",
            "tables": "table",
            "views": "view",
            "materialized_views": "materialized view",
            "foreign_tables": "foreign table",
            "sequences": "sequence",
            "functions": "function",
            "indexes": "index",
            "users": "role",
            "groups": "role",
            "roles": "role",
            "languages": "language",
            "opclasses": "opclass",
            "rules": "rule",
            "types": "type",
            "domains": "domain",
            "enums": "enum",
            "triggers": "trigger",
            "casts": "cast",
            "operators": "operator",
            "columns": "column",
            "extensions": "extension",
            "policies": "policy",
        }.items()
    },
    # owners
    **{
        f"{noun}_owner_is": S(kind, "owner")
        for noun, kind in {
            "db": "database",
            "schema": "schema",
            "tablespace": "tablespace",
            "relation": "relation",
            "table": "table",
            "view": "view",
            "materialized_view": "materialized view",
            "sequence": "sequence",
            "composite": "composite",
            "foreign_table": "foreign table",
            "index": "index",
            "function": "function",
            "language": "language",
            "opclass": "opclass",
            "type": "type",
        }.items()
    },
    # privileges
    **{
        f"{noun}_privs_are": S(kind, "privileges")
        for noun, kind in {
            "database": "database",
            "tablespace": "tablespace",
            "schema": "schema",
            "table": "table",
            "sequence": "sequence",
            "column": "column",
            "function": "function",
            "language": "language",
            "fdw": "foreign data wrapper",
            "server": "server",
        }.items()
    },
    "any_column_privs_are": S("table", "column privileges"),
}

# Words of pgTAP's comments and manual -> roles. Array-typed parameters named in the singular get the plural
# role where one exists (``column`` name[] -> ``columns``).
WORDS: dict[str, str] = {
    "schema": "schema",
    "scheam": "schema",  # sic, col_is_unique's comment
    "schemaname": "schema",
    "table": "table",
    "view": "view",
    "materialized_view": "materialized_view",
    "foreign_table": "foreign_table",
    "sequence": "sequence",
    "relation": "relation",
    "composite": "composite",
    "type": "type",
    "domain": "domain",
    "enum": "enum",
    "column": "column",
    "column/expression": "column",
    "column[]": "columns",
    "columns[]": "columns",
    "columns": "columns",
    "index": "index",
    "trigger": "trigger",
    "rule": "rule",
    "policy": "policy",
    "function": "function",
    "args[]": "args",
    "args": "args",
    "role": "role",
    "user": "owner",  # *_owner_is; the privilege and role functions map it themselves
    "group": "role",
    "member": "member",
    "members[]": "members",
    "members": "members",
    "db": "database",
    "dbname": "database",
    "tablespace": "tablespace",
    "tablespacename": "tablespace",
    "location": "location",
    "language": "language",
    "lang": "language",
    "languagename": "language",
    "extension": "extension",
    "opclass": "opclass",
    "left_type": "left_type",
    "right_type": "right_type",
    "return_type": "returns",
    "source_type": "source_type",
    "target_type": "target_type",
    "context": "context",
    "fdw": "fdw",
    "server": "server",
    "fk_schema": "schema",
    "fk_table": "table",
    "fk_column": "column",
    "fk_column[]": "columns",
    "pk_schema": "pk_schema",
    "pk_table": "pk_table",
    "pk_column": "pk_column",
    "pk_column[]": "pk_columns",
    "child_schema": "schema",
    "child_table": "table",
    "parent_schema": "parent_schema",
    "parent_table": "parent_table",
    "depth": "depth",
    "labels": "labels",
    "roles[]": "roles",
    "command": "command",
    "privileges[]": "privileges",
    "volatility": "volatility",
    "event": "event",
    "default": "default",
    "default::text": "default",
    "value": "default",
    "description": "description",
    "test_description": "description",
    # behavioural
    "have": "got",
    "this": "got",
    "boolean": "got",
    "want": "expected",
    "record": "expected",
    "sql": "sql",
    "query": "sql",
    "cursor": "cursor",
    "array": "values",
    "regex": "pattern",
    "like": "pattern",
    "pattern": "pattern",
    "match": "pattern",
    "exclude_pattern": "exclude_pattern",
    "op": "operator",
    "errcode": "errcode",
    "errmsg": "errmsg",
    "milliseconds": "milliseconds",
    "average_milliseconds": "milliseconds",
    "within": "within",
    "iterations": "iterations",
    "regtype": "type",
    "test_output": "tap",
    "tap[]": "tap",
    "lines": "tap",
    "pass": "expected",
    "diag": "expected_diag",
    "match_diag": "other",
    "test_name": "description",
    # harness (SQL parameter names)
    "why": "reason",
    "how_many": "count",
    "msg": "message",
    "exception_on_failure": "other",
}

# Per function: word -> role where the global meaning does not apply.
FUNCTION_WORDS: dict[str, dict[str, str]] = {
    **{f: {"name": "opclass"} for f in ("has_opclass", "hasnt_opclass")},
    **{f: {"name": "extension"} for f in ("has_extension", "hasnt_extension")},
    **{
        f: {"name": "operator", "type": "right_type"}
        for f in ("has_operator", "hasnt_operator", "has_leftop", "hasnt_leftop")
    },
    **{f: {"name": "operator", "type": "left_type"} for f in ("has_rightop", "hasnt_rightop")},
    **{f: {"schema": "function_schema"} for f in ("has_cast", "hasnt_cast")},
    **{f: {"user": "role"} for f in ("has_user", "hasnt_user", "is_superuser", "isnt_superuser")},
    **{
        f"{noun}_privs_are": {"user": "grantee", "role": "grantee"}
        for noun in (
            *("database", "tablespace", "schema", "table", "sequence", "column", "function", "language"),
            *("fdw", "server", "any_column"),
        )
    },
    **{
        f: {"table": "foreign_table"}
        for f in ("has_foreign_table", "hasnt_foreign_table", "foreign_table_owner_is")
    },
    **{f: {"type": "composite"} for f in ("has_composite", "hasnt_composite")},
    "hasnt_view": {"table": "view"},  # its comment says table
    "function_returns": {"type": "returns"},
    "isa_ok": {"name": "description", "value": "got"},
    "check_test": {"description": "expected_description", "name": "description"},
    "diag": {"lines": "message"},
    "display_oper": {"opername": "operator", "operoid": "other"},
    "findfuncs": {"schema": "schema"},
    "col_type_is": {"type": "type"},
}

# Per function: the role a word takes at its second occurrence in one signature.
SECOND: dict[str, dict[str, str]] = {
    "col_type_is": {"schema": "type_schema"},
    "domain_type_is": {"schema": "type_schema"},
    "domain_type_isnt": {"schema": "type_schema"},
    "trigger_is": {"schema": "function_schema"},
    "fk_ok": {"fk_schema": "pk_schema"},  # sic: one comment says fk_schema for pk_schema
    **{
        f: {"schema": "descendent_schema", "table": "descendent_table"}
        for f in ("is_ancestor_of", "isnt_ancestor_of")
    },
    **{
        f: {"schema": "ancestor_schema", "table": "ancestor_table"}
        for f in ("is_descendent_of", "isnt_descendent_of")
    },
}

# Per function: role of an array-typed parameter that names the expected members (``*_are``, ``can``).
VALUES_FUNCTIONS = {name for name, info in FUNCTIONS.items() if info.facet == "members"} | {
    "can",
    "partitions_are",
}

# Roles for overloads that neither a comment, parameter names nor the manual describe (or describe wrongly).
# Key: "name(type, type)" as regprocedure prints it.
ROLE_OVERRIDES: dict[str, tuple[str, ...]] = {
    "plan(integer)": ("count",),
    "add_result(boolean, boolean, text, text, text)": ("other", "other", "description", "other", "other"),
    "diag(text[])": ("message",),
    "diag(anyarray)": ("message",),
    "todo_start(text)": ("reason",),
    "findfuncs(text, text)": ("pattern", "exclude_pattern"),  # the manual's (:pattern, :exclude_pattern)
    "extensions_are(name[])": ("values",),  # its comment says (schema, extensions)
}


@dataclass(frozen=True)
class Extra:
    """Per-overload facts beyond roles. ``roles``: the reading when no condition holds (for overloads pgTAP
    reads two ways, whose comments list both readings)."""

    roles: tuple[str, ...] | None = None
    readings: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    tests: int | None = -1  # -1: the function's default
    note: str | None = None


_CHECK_TEST_NOTE = (
    "replaces the nested assertion's test: that one does not count; check_test emits one test, plus one "
    "per non-NULL expected description and expected diagnostics"
)

# Overloads whose signature comments do not say what the body does.
COMMENT_ERRATA = {
    # "-- has_index( schema, table, index, column/expression )": with a schema first, the body passes the
    # fourth argument to ok() as the description and checks no columns.
    "has_index(name, name, name, text)",
}

# Keyed by "name(type, type)". Readings: (condition, argument index, roles under the condition).
EXTRAS: dict[str, Extra] = {
    "has_index(name, name, name, text)": Extra(
        roles=("table", "index", "column", "description"),
        readings=(("schema_exists", 0, ("schema", "table", "index", "description")),),
        note="(table, index, column, description) unless the first argument names a schema",
    ),
    "has_index(name, name, name)": Extra(
        roles=("table", "index", "column"),
        readings=(("schema_exists", 0, ("schema", "table", "index")),),
        note="(table, index, column) unless the first argument names a schema",
    ),
    "has_index(name, name, text)": Extra(
        readings=(("contains_paren", 2, ("table", "index", "column")),),
        note="the third argument is a description unless it contains '(' (then an index expression)",
    ),
    "is_indexed(name, name, name)": Extra(
        roles=("table", "column", "description"),
        readings=(("schema_exists", 0, ("schema", "table", "column")),),
        note="(table, column, description) unless the first argument names a schema",
    ),
    "throws_ok(text, text, text)": Extra(
        roles=("sql", "errmsg", "description"),
        readings=(("errcode", 1, ("sql", "errcode", "errmsg")),),
        note="(sql, errmsg, description) unless the second argument is 5 bytes long (an SQLSTATE)",
    ),
    "throws_ok(text, text)": Extra(
        roles=("sql", "errmsg"),
        readings=(("errcode", 1, ("sql", "errcode")),),
        note="(sql, errmsg) unless the second argument is 5 bytes long (an SQLSTATE)",
    ),
    "skip(text, integer)": Extra(tests=None),
    "skip(integer, text)": Extra(tests=None),
    "skip(integer)": Extra(tests=None),
    "skip(text)": Extra(tests=1),
    "check_test(text, boolean)": Extra(tests=1, note=_CHECK_TEST_NOTE),
    "check_test(text, boolean, text)": Extra(tests=1, note=_CHECK_TEST_NOTE),
    "check_test(text, boolean, text, text)": Extra(tests=2, note=_CHECK_TEST_NOTE),
    "check_test(text, boolean, text, text, text)": Extra(tests=3, note=_CHECK_TEST_NOTE),
    "check_test(text, boolean, text, text, text, boolean)": Extra(tests=3, note=_CHECK_TEST_NOTE),
}

# Forms without a schema argument that find their table or index in any schema (except pg_catalog and
# information_schema) instead of through the search_path, as the oracle observes (tests/oracle/
# test_pgtap_resolution.py runs them with the object's schema off the search_path).
ANY_SCHEMA = {
    "is_indexed(name, name[], text)",
    "is_indexed(name, name[])",
    "is_indexed(name, name, name)",
    "is_indexed(name, name)",
    "is_clustered(name, name)",
    "is_clustered(name)",
    "index_is_type(name, name, name)",
    "index_is_type(name, name)",
    "rule_is_on(name, name, text, text)",
    "rule_is_on(name, name, text)",
    "triggers_are(name, name[], text)",
    "triggers_are(name, name[])",
    "policies_are(name, name[], text)",
    "policies_are(name, name[])",
    "policy_roles_are(name, name, name[], text)",
    "policy_roles_are(name, name, name[])",
    "policy_cmd_is(name, name, text, text)",
    "policy_cmd_is(name, name, text)",
}

# -- reading the sources ------------------------------------------------------------------------------------


class _NoUserTypes:
    def user_type(self, schema: str | None, name: str) -> str | None:
        return None

    def column_type(self, names: Sequence[str]) -> str | None:
        return None


@dataclass
class RawOverload:
    name: str
    types: tuple[str, ...]
    param_names: tuple[str | None, ...]
    defaults: int
    variadic: bool
    comments: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.name}({', '.join(self.types)})"


def read_sql(path: Path) -> list[RawOverload]:
    """Every public ``CREATE FUNCTION`` of the script, in file order, with the signature comments above it."""
    text = path.read_text()
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    out: list[RawOverload] = []
    for stmt in pgtree.parse(text):
        if pgtree.kind(stmt.node) != "CreateFunctionStmt":
            continue
        body = pgtree.body(stmt.node)
        name = pgtree.strings(body["funcname"])[-1]
        if name.startswith("_"):
            continue
        types, names, defaults, variadic = [], [], 0, False
        for param in body.get("parameters", ()):
            fp = param["FunctionParameter"]
            types.append(format_type(fp["argType"], _NoUserTypes(), with_typmod=False))
            names.append(fp.get("name"))
            if "defexpr" in fp:
                defaults += 1
            variadic = fp.get("mode") == "FUNC_PARAM_VARIADIC"
        raw = RawOverload(name, tuple(types), tuple(names), defaults, variadic)
        segment = text[stmt.location : stmt.location + stmt.length]
        create = re.search(r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION", segment, re.I)
        assert create is not None
        line_no = bisect.bisect_right(starts, stmt.location + create.start()) - 1
        i = line_no - 1
        while i >= 0 and lines[i].startswith("--"):
            match = re.match(r"--\s*(\w+)\s*\((.*)\)\s*$", lines[i])
            if match and match[1] == name:
                raw.comments.insert(0, tuple(a.strip() for a in match[2].split(",") if a.strip()))
            i -= 1
        out.append(raw)
    return out


def read_doc(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """The manual's signatures: ``SELECT fn( :a, :b );`` lines of its sql code blocks, per function."""
    sigs: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    if not path.is_file():
        return sigs
    in_block = False
    for line in path.read_text().split("\n"):
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        match = re.match(r"\s*(?:SELECT|PERFORM)\s+(\w+)\s*\((.*)\)\s*;?\s*$", line)
        if match and "'" not in match[2]:
            args = tuple(a.strip().lstrip(":") for a in match[2].split(",") if a.strip())
            if all(re.fullmatch(r"\w+", a) for a in args) and args not in sigs[match[1]]:
                sigs[match[1]].append(args)
    return sigs


# -- deriving roles -----------------------------------------------------------------------------------------

_ARRAY_PLURAL = {"column": "columns", "member": "members", "pk_column": "pk_columns"}


def _role(function: str, word: str, type_: str, seen: set[str]) -> str | None:
    info = FUNCTIONS[function]
    if word in seen and word in SECOND.get(function, {}):
        return SECOND[function][word]
    if type_.endswith("[]") and function in VALUES_FUNCTIONS and not word.startswith(("privileges", "args")):
        return "values"
    role = FUNCTION_WORDS.get(function, {}).get(word) or WORDS.get(word)
    if role is None and word == info.kind:
        role = word
    if role is None:
        return None
    if type_.endswith("[]"):
        role = _ARRAY_PLURAL.get(role, role)
    if info.kind == "role" and role == "owner":
        role = "role"
    return role


def _roles_from(function: str, words: Sequence[str], types: Sequence[str]) -> tuple[str, ...] | None:
    roles: list[str] = []
    seen: set[str] = set()
    for word, type_ in zip(words, types, strict=True):
        role = _role(function, word, type_, seen)
        if role is None:
            return None
        seen.add(word)
        roles.append(role)
    return tuple(roles)


_TEXT_ROLES = {
    "description",
    "sql",
    "pattern",
    "errmsg",
    "reason",
    "message",
    "exclude_pattern",
    "errcode",
}


def _compatible(roles: Sequence[str], types: Sequence[str]) -> bool:
    """Whether the manual's roles can describe these parameter types (text-ish roles on text, etc.)."""
    for role, type_ in zip(roles, types, strict=True):
        if role in _TEXT_ROLES and type_ not in ("text", "character"):
            return False
        if role == "count" and type_ != "integer":
            return False
        if role in ("values", "tap") and not (type_.endswith("[]") or type_ == "anyarray"):
            return False
        if role == "cursor" and type_ != "refcursor":
            return False
    return True


def derive_roles(raw: RawOverload, doc: Mapping[str, list[tuple[str, ...]]]) -> tuple[str, ...]:
    if raw.key in ROLE_OVERRIDES:
        return ROLE_OVERRIDES[raw.key]
    n = len(raw.types)
    if all(raw.param_names) and n:
        roles = _roles_from(raw.name, [str(p) for p in raw.param_names], raw.types)
        if roles is not None:
            return roles
    for words in raw.comments:
        if len(words) == n:
            roles = _roles_from(raw.name, words, raw.types)
            if roles is None:
                raise SystemExit(f"{raw.key}: unknown word in comment {words}")
            return roles
    if n == 0:
        return ()
    for words in doc.get(raw.name, ()):
        if len(words) == n:
            roles = _roles_from(raw.name, words, raw.types)
            if roles is not None and _compatible(roles, raw.types):
                return roles
    raise SystemExit(f"{raw.key}: no comment, parameter names or manual signature gives its roles")


# -- building and checking the catalogue --------------------------------------------------------------------


# The role that names the checked object itself, per kind (kinds without one: constraints, casts).
OWN_ROLE = {kind: kind.replace(" ", "_") for kind in KINDS if kind.replace(" ", "_") in ROLES}
OWN_ROLE["foreign data wrapper"] = "fdw"


def _check_own_role(raw: RawOverload, info: Info, roles: Sequence[str]) -> None:
    """A structural overload names the checked object by the role named like its kind (*_are and can list
    them in ``values``; is_indexed names an index by its columns)."""
    own = OWN_ROLE.get(info.kind or "")
    if own is None or raw.name == "is_indexed":
        return
    if own not in roles and "values" not in roles:
        raise SystemExit(f"{raw.key}: no {own!r} role naming the checked {info.kind}: {roles}")


def build(sql: Path, doc_path: Path) -> list[dict[str, Any]]:
    raws = read_sql(sql)
    doc = read_doc(doc_path)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    used_overrides: set[str] = set()
    for raw in raws:
        if raw.name not in FUNCTIONS:
            raise SystemExit(f"{raw.key}: function not in FUNCTIONS (category, kind, facet)")
        info = FUNCTIONS[raw.name]
        extra = EXTRAS.get(raw.key, Extra())
        roles = extra.roles or derive_roles(raw, doc)
        used_overrides.add(raw.key)
        full_arity = [c for c in raw.comments if len(c) == len(raw.types)]
        if len(full_arity) > 1:
            readings = {roles, *(alt for _, _, alt in extra.readings)}
            described = {_roles_from(raw.name, words, raw.types) for words in full_arity}
            if readings != described and raw.key not in COMMENT_ERRATA:
                raise SystemExit(f"{raw.key}: comments give the readings {described}; EXTRAS says {readings}")
        for role in roles:
            if role not in ROLES:
                raise SystemExit(f"{raw.key}: role {role!r} not in catalog.ROLES")
        overload: dict[str, Any] = {"params": tuple(zip(raw.types, roles, strict=True))}
        if info.kind is not None:
            assert info.kind in KINDS and info.facet in FACETS, raw.key
            overload["kind"] = info.kind
            overload["facet"] = info.facet
        if info.negated:
            overload["negated"] = True
        if raw.defaults:
            overload["defaults"] = raw.defaults
        if raw.variadic:
            overload["variadic"] = True
        tests = info.tests if extra.tests == -1 else extra.tests
        if tests != 1:
            overload["tests"] = tests
        if extra.readings:
            for when, _arg, alt in extra.readings:
                assert when in CONDITIONS and len(alt) == len(roles) and set(alt) <= set(ROLES), raw.key
            overload["readings"] = extra.readings
        if raw.key in ANY_SCHEMA:
            overload["any_schema"] = True
        if extra.note:
            overload["note"] = extra.note
        _check_own_role(raw, info, roles)
        by_name[raw.name].append(overload)
    for key in (*ROLE_OVERRIDES, *EXTRAS, *COMMENT_ERRATA, *ANY_SCHEMA):
        if key not in used_overrides:
            raise SystemExit(f"hand-curated entry {key} matches no overload")
    missing = set(FUNCTIONS) - set(by_name)
    if missing:
        raise SystemExit(f"FUNCTIONS lists functions the script does not define: {sorted(missing)}")
    return [
        {"name": name, "category": FUNCTIONS[name].category, "overloads": tuple(overloads)}
        for name, overloads in by_name.items()
    ]


def render_module(functions: list[dict[str, Any]], sql: Path) -> str:
    out = [
        '"""Every public function of pgTAP 1.2 with its overloads: the data behind ``tapgap.pgtap.catalog``.',
        "",
        f"GENERATED by scripts/gen_pgtap_catalog.py from {sql.name}, pgTAP's manual and the script's",
        "hand-curated tables: do not edit by hand; change the script and regenerate (see its header).",
        "Overloads are in the extension script's order; keys at their default are left out.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Final",
        "",
        "FUNCTIONS: Final[tuple[dict[str, Any], ...]] = (",
    ]
    for function in functions:
        out.append("    {")
        out.append(f"        'name': {function['name']!r},")
        out.append(f"        'category': {function['category']!r},")
        out.append("        'overloads': (")
        for overload in function["overloads"]:
            out.append(f"            {overload!r},")
        out.append("        ),")
        out.append("    },")
    out += [")", ""]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sql", type=Path, default=DEFAULT_SQL)
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC)
    args = parser.parse_args()
    functions = build(args.sql, args.doc)
    TARGET.write_text(render_module(functions, args.sql))
    if ruff := shutil.which("ruff"):
        subprocess.run([ruff, "format", "--quiet", str(TARGET)], check=True)
    overloads = sum(len(f["overloads"]) for f in functions)
    print(
        f"wrote {TARGET.relative_to(ROOT)}: {len(functions)} functions, {overloads} overloads",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
