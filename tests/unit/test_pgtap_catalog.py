"""The pgTAP catalogue (tapgap.pgtap.catalog) is complete and well-formed.

Acceptance criterion 1: every public function of the installed pgTAP 1.2 extension script, every (name,
parameter types) overload, is in the catalogue, and nothing else is. The script is read at test time with
tapgap's own parser, independently of the generator (scripts/gen_pgtap_catalog.py). Without the script
(Debian's postgresql-15-pgtap, installed by scripts/ensure-postgres.sh) the test is skipped on a
developer's machine and fails under CI.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

from tapgap.pgtap.catalog import CATALOG, CONDITIONS, FACETS, KINDS, ROLES, PgtapFunction, lookup
from tapgap.pgtap.catalog_data import FUNCTIONS
from tapgap.pgtap.resolve import POLYMORPHIC
from tapgap.sql import pgtree
from tapgap.sql.builtin_types import BUILTIN_TYPES
from tapgap.sql.types import format_type

PGTAP_SQL = Path("/usr/share/postgresql/15/extension/pgtap--1.2.0.sql")
GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "gen_pgtap_catalog.py"


class _NoUserTypes:
    def user_type(self, schema: str | None, name: str) -> str | None:
        return None

    def column_type(self, names: Sequence[str]) -> str | None:
        return None


def _installed() -> dict[tuple[str, tuple[str, ...]], tuple[int, bool]]:
    """(name, parameter types) -> (number of DEFAULT parameters, VARIADIC) of every public function."""
    if not PGTAP_SQL.is_file():
        reason = f"{PGTAP_SQL} not installed (scripts/ensure-postgres.sh installs postgresql-15-pgtap)"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}", pytrace=False)
        pytest.skip(reason)
    out: dict[tuple[str, tuple[str, ...]], tuple[int, bool]] = {}
    for statement in pgtree.parse(PGTAP_SQL.read_text()):
        if pgtree.kind(statement.node) != "CreateFunctionStmt":
            continue
        body = pgtree.body(statement.node)
        name = pgtree.strings(body["funcname"])[-1]
        if name.startswith("_"):
            continue
        params = [p["FunctionParameter"] for p in body.get("parameters", ())]
        types = tuple(format_type(p["argType"], _NoUserTypes(), with_typmod=False) for p in params)
        defaults = sum(1 for p in params if "defexpr" in p)
        variadic = any(p.get("mode") == "FUNC_PARAM_VARIADIC" for p in params)
        assert (name, types) not in out, f"{name}{types} declared twice"
        out[(name, types)] = (defaults, variadic)
    return out


def test_catalogue_holds_exactly_the_public_functions_of_the_installed_extension() -> None:
    installed = _installed()
    catalogued = {(f.name, o.types): (o.defaults, o.variadic) for f in CATALOG.values() for o in f.overloads}
    missing = sorted(set(installed) - set(catalogued))
    extra = sorted(set(catalogued) - set(installed))
    assert not missing, f"overloads of pgtap--1.2.0.sql missing from the catalogue: {missing}"
    assert not extra, f"catalogued overloads pgtap--1.2.0.sql does not declare: {extra}"
    assert catalogued == installed  # DEFAULT and VARIADIC as declared
    assert len(CATALOG) == len({name for name, _ in installed})


def test_every_parameter_type_is_canonical() -> None:
    known = set(BUILTIN_TYPES.values())
    for function in CATALOG.values():
        for overload in function.overloads:
            for param in overload.params:
                assert param.type in known, (function.name, param.type)
                if param.type in POLYMORPHIC:
                    assert param.type in ("anyelement", "anyarray"), function.name  # what resolve models


def test_every_role_kind_facet_and_condition_is_in_the_vocabulary() -> None:
    for function in CATALOG.values():
        for overload in function.overloads:
            assert set(overload.roles) <= set(ROLES), (function.name, overload.roles)
            assert overload.kind is None or overload.kind in KINDS, function.name
            assert overload.facet is None or overload.facet in FACETS, function.name
            for reading in overload.readings:
                assert reading.when in CONDITIONS
                assert 0 <= reading.arg < len(overload.params)
                assert len(reading.roles) == len(overload.params)
                assert set(reading.roles) <= set(ROLES)


def test_every_structural_overload_has_kind_facet_and_a_role_per_parameter() -> None:
    structural = [f for f in CATALOG.values() if f.category == "structural"]
    assert structural
    for function in structural:
        for overload in function.overloads:
            assert overload.kind is not None and overload.facet is not None, function.name
            assert len(overload.roles) == len(overload.params)
            assert all(overload.roles), function.name
            assert overload.tests == 1, function.name
            # a structural assertion names what it checks
            assert overload.roles, function.name
            assert set(overload.roles) - {"description"}, function.name


def test_only_structural_overloads_have_kind_facet_readings_of_objects() -> None:
    for function in CATALOG.values():
        for overload in function.overloads:
            if function.category != "structural":
                assert overload.kind is None and overload.facet is None and not overload.negated
                assert not overload.any_schema


def test_descriptions_are_text_and_last() -> None:
    for function in CATALOG.values():
        for overload in function.overloads:
            for i in (i for i, role in enumerate(overload.roles) if role == "description"):
                assert overload.params[i].type in ("text", "name"), function.name
                if function.category == "structural":
                    assert i == len(overload.params) - 1, function.name


def test_categories_and_counting() -> None:
    assert {f.category for f in CATALOG.values()} == {"structural", "behavioural", "harness", "utility"}
    for name in ("plan", "no_plan", "finish", "diag", "todo", "todo_start", "todo_end", "in_todo"):
        assert CATALOG[name].category == "harness" and not CATALOG[name].counts, name
    for name in ("ok", "is", "isnt", "matches", "results_eq", "set_eq", "throws_ok", "lives_ok", "row_eq"):
        assert CATALOG[name].category == "behavioural" and CATALOG[name].counts, name
        assert all(o.tests == 1 for o in CATALOG[name].overloads)
    assert CATALOG["pass"].category == "behavioural" and CATALOG["pass"].counts
    skip = {o.types: o for o in CATALOG["skip"].overloads}
    assert skip[("text",)].tests == 1
    assert skip[("text", "integer")].tests is None and skip[("text", "integer")].index("count") == 1
    assert skip[("integer",)].tests is None and skip[("integer",)].index("count") == 0
    assert all(o.tests is None and o.index("count") is None for o in CATALOG["runtests"].overloads)
    assert all(o.tests == 0 for o in CATALOG["collect_tap"].overloads)


def test_sql_roles_mark_the_sql_text_of_behavioural_assertions() -> None:
    for name in ("throws_ok", "lives_ok", "performs_ok", "is_empty", "isnt_empty", "set_eq", "bag_has"):
        for overload in CATALOG[name].overloads:
            assert overload.roles[0] == "sql" and overload.types[0] == "text", name
    sigs = {o.types: o.roles for o in CATALOG["results_eq"].overloads}
    assert sigs[("text", "text", "text")] == ("sql", "sql", "description")
    assert sigs[("refcursor", "anyarray")] == ("cursor", "values")


def test_known_roles() -> None:
    def roles(name: str, *types: str) -> tuple[str, ...]:
        function = lookup(name)
        assert function is not None
        return next(o for o in function.overloads if o.types == types).roles

    assert roles("has_table", "name", "name", "text") == ("schema", "table", "description")
    assert roles("has_table", "name", "text") == ("table", "description")
    assert roles("has_column", "name", "name", "text") == ("table", "column", "description")
    assert roles("col_type_is", "name", "name", "name", "name", "text", "text") == (
        "schema",
        "table",
        "column",
        "type_schema",
        "type",
        "description",
    )
    assert roles("col_not_null", "name", "name", "name", "text") == (
        "schema",
        "table",
        "column",
        "description",
    )
    assert roles("fk_ok", "name", "name[]", "name", "name[]") == (
        "table",
        "columns",
        "pk_table",
        "pk_columns",
    )
    assert roles("has_function", "name", "name", "name[]") == ("schema", "function", "args")
    assert roles("function_privs_are", "name", "name[]", "name", "name[]") == (
        "function",
        "args",
        "grantee",
        "privileges",
    )
    assert roles("policy_roles_are", "name", "name", "name[]") == ("table", "policy", "roles")
    assert roles("policy_cmd_is", "name", "name", "text") == ("table", "policy", "command")
    assert roles("trigger_is", "name", "name", "name", "name", "name") == (
        "schema",
        "table",
        "trigger",
        "function_schema",
        "function",
    )
    assert roles("tables_are", "name", "name[]") == ("schema", "values")
    assert roles("enum_has_labels", "name", "name[]") == ("enum", "labels")
    assert roles("domain_type_is", "text", "text", "text") == ("domain", "type", "description")
    assert roles("table_owner_is", "name", "name") == ("table", "owner")
    assert roles("has_foreign_table", "name", "name") == ("schema", "foreign_table")
    assert roles("has_composite", "name") == ("composite",)


def test_run_time_readings() -> None:
    has_index = {o.types: o for o in CATALOG["has_index"].overloads}
    text3 = has_index[("name", "name", "text")]
    assert text3.roles == ("table", "index", "description")
    [reading] = text3.readings
    assert (reading.when, reading.arg, reading.roles) == ("contains_paren", 2, ("table", "index", "column"))
    name3 = has_index[("name", "name", "name")]
    assert name3.roles == ("table", "index", "column")
    assert name3.readings[0].roles == ("schema", "table", "index")
    throws = {o.types: o for o in CATALOG["throws_ok"].overloads}
    assert throws[("text", "text")].roles == ("sql", "errmsg")
    assert throws[("text", "text")].readings[0].when == "errcode"


def test_lookup() -> None:
    assert lookup("has_table") is CATALOG["has_table"]
    assert lookup("policy_exists") is None
    assert lookup("_hasc") is None
    assert lookup("HAS_TABLE") is None  # names arrive folded


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_pgtap_catalog", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_committed_data_is_what_the_generator_derives() -> None:
    _installed()  # skips (or fails under CI) without the extension script
    generator = _generator()
    if not generator.DEFAULT_DOC.is_file():
        pytest.skip(f"pgTAP's manual not found at {generator.DEFAULT_DOC}: the generator needs it")
    derived = msgspec.convert(generator.build(PGTAP_SQL, generator.DEFAULT_DOC), tuple[PgtapFunction, ...])
    committed = msgspec.convert(FUNCTIONS, tuple[PgtapFunction, ...])
    assert derived == committed, "regenerate: python scripts/gen_pgtap_catalog.py"
