"""PostgreSQL's overload resolution over the pgTAP catalogue, without a server.

The oracle (tests/oracle/test_pgtap_resolution.py) compares ``resolve`` with PostgreSQL on thousands of
calls; these tests pin the SPEC's verified facts, each rule of the algorithm on made-up overloads, and the
``expr`` argument that PostgreSQL has no equivalent for.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tapgap.pgtap.catalog import CATALOG, Overload, Param, PgtapFunction
from tapgap.pgtap.resolve import (
    EXPR,
    INDETERMINATE,
    NO_ARRAY_TYPE,
    NO_MATCH,
    NOT_UNIQUE,
    POLYMORPHIC_UNKNOWN,
    UNKNOWN,
    category,
    coercible,
    resolve,
)

U = UNKNOWN


def roles(name: str, *args: str) -> tuple[str, ...] | str:
    resolution = resolve(CATALOG[name], args)
    if resolution.error is not None:
        return resolution.error
    assert resolution.overload is not None
    return resolution.overload.roles


def fn(
    *signatures: Sequence[str], defaults: Sequence[int] = (), variadic: Sequence[bool] = ()
) -> PgtapFunction:
    overloads = tuple(
        Overload(
            tuple(Param(t, f"p{i}") for i, t in enumerate(sig)),
            defaults=defaults[n] if defaults else 0,
            variadic=variadic[n] if variadic else False,
        )
        for n, sig in enumerate(signatures)
    )
    return PgtapFunction("f", "utility", overloads)


def picked(function: PgtapFunction, *args: str) -> tuple[str, ...] | str:
    resolution = resolve(function, args)
    if resolution.error is not None:
        return resolution.error
    assert resolution.overload is not None
    return resolution.overload.types


# -- the SPEC's facts (verified on PostgreSQL 15 + pgTAP 1.2) ------------------------------------------------


def test_plain_literals_bind_the_description_forms() -> None:
    assert roles("has_table", U, U) == ("table", "description")
    assert roles("has_table", "name", "name") == ("schema", "table")
    assert roles("has_table", "name", U) == ("table", "description")  # casting only the first does not help
    assert roles("has_column", U, U, U) == ("table", "column", "description")
    assert roles("col_type_is", U, U, U, U) == ("table", "column", "type", "description")
    assert roles("domain_type_is", U, U, U) == ("domain", "type", "description")


@pytest.mark.parametrize("name", ["has_column", "col_is_pk", "col_is_fk", "col_has_check", "col_has_default"])
def test_three_names_have_no_schema_form(name: str) -> None:
    assert roles(name, "name", "name", "name") == ("table", "column", "description")


def test_col_not_null_has_a_schema_form_at_three_names() -> None:
    # Its 4-parameter form has DEFAULT NULL for the description: an exact match for three names.
    assert roles("col_not_null", "name", "name", "name") == ("schema", "table", "column", "description")
    assert roles("col_not_null", U, U, U) == ("table", "column", "description")
    assert roles("col_not_null", U, U) == ("table", "column", "description")


def test_untyped_arrays() -> None:
    assert roles("has_function", U, U, U) == ("schema", "function", "description")  # '{bigint}' ignored
    for name, n in (("policy_roles_are", 4), ("policies_are", 3), ("columns_are", 3), ("enum_has_labels", 3)):
        assert roles(name, *[U] * n) == NOT_UNIQUE, name
    assert roles("has_function", U, "text[]") == ("function", "args")  # ARRAY['integer'] is text[]


def test_nesting_and_harness() -> None:
    assert roles("ok", "text") == NO_MATCH  # ok(has_table(...))
    assert roles("collect_tap", "text", "text") == ("tap",)
    assert roles("skip", U, "integer") == ("reason", "count")
    assert roles("skip", "integer") == ("count",)
    assert roles("finish") == ("other",)  # its only parameter has a DEFAULT
    assert roles("diag", U, U) == ("message",)  # VARIADIC text[]


def test_polymorphic() -> None:
    assert roles("is", U, U) == POLYMORPHIC_UNKNOWN
    assert roles("is", "integer", U) == ("got", "expected")
    assert roles("is", "integer", "numeric") == NO_MATCH  # anyelement must be one type
    assert roles("results_eq", U, "text[]") == ("sql", "values")
    assert roles("results_eq", U, U) == ("sql", "sql")
    assert roles("diag", "text[]") == ("message",)  # diag(anyelement), not the variadic forms
    assert roles("diag", "name[]", U) == NO_ARRAY_TYPE  # diag(VARIADIC anyarray) of arrays


def test_polymorphic_unknown_keeps_the_chosen_overload() -> None:
    resolution = resolve(CATALOG["is"], [U, U, U])
    assert resolution.error == POLYMORPHIC_UNKNOWN
    assert resolution.overload is not None and resolution.overload.types == (
        "anyelement",
        "anyelement",
        "text",
    )


# -- the algorithm, rule by rule -----------------------------------------------------------------------------


def test_exact_match_wins() -> None:
    f = fn(("name", "text"), ("text", "name"))
    assert picked(f, "text", "name") == ("text", "name")


def test_no_candidate() -> None:
    assert picked(fn(("integer",)), "text") == NO_MATCH
    assert picked(fn(("integer",)), U, U) == NO_MATCH  # arity


def test_implicit_casts() -> None:
    assert coercible("name", "text") and coercible("text", "name") and coercible("character varying", "name")
    assert coercible("integer", "bigint") and not coercible("bigint", "integer")
    assert coercible("text[]", "name[]") and coercible("character varying[]", "text[]")
    assert not coercible("text", "name[]") and not coercible("text[]", "text")
    assert picked(fn(("bigint",), ("text",)), "integer") == ("bigint",)


def test_most_exact_matches() -> None:
    f = fn(("name", "name"), ("text", "text"))
    assert picked(f, "name", U) == ("name", "name")


def test_preferred_type_of_the_same_category() -> None:
    f = fn(("text",), ("character varying",))
    assert picked(f, "name") == ("text",)  # both coercible; text is the preferred string type
    g = fn(("double precision",), ("numeric",))
    assert picked(g, "integer") == ("double precision",)


def test_unknown_literals_prefer_string_then_the_preferred_type() -> None:
    assert picked(fn(("integer",), ("name",)), U) == ("name",)
    assert picked(fn(("name",), ("text",)), U) == ("text",)
    assert picked(fn(("integer",), ("boolean",)), U) == NOT_UNIQUE  # no string candidate, categories differ


def test_category_filter_rejecting_all_keeps_all() -> None:
    f = fn(("name", "name", "name[]"), ("name", "name[]", "text"))
    assert picked(f, U, U, U) == NOT_UNIQUE


def test_last_gasp_assumes_the_known_type() -> None:
    # (both checked on PostgreSQL 15)
    f = fn(("bigint", "bigint"), ("numeric", "boolean"))
    assert picked(f, "integer", U) == ("bigint", "bigint")  # integer -> boolean does not coerce
    g = fn(("integer", "integer"), ("bigint", "bigint"), ("integer", "bigint"))
    assert picked(g, "integer", U) == NOT_UNIQUE  # integer coerces to both finalists


def test_defaults_and_variadic() -> None:
    f = fn(("name", "name", "text"), defaults=[1])
    assert picked(f, U, U) == ("name", "name", "text")
    assert picked(f, U) == NO_MATCH
    same = fn(("integer", "text"), ("integer",), defaults=[1, 0])
    assert picked(same, "integer") == NOT_UNIQUE  # foo(int) and foo(int, text DEFAULT ...)
    v = fn(("text[]",), ("text",), variadic=[True, False])
    assert picked(v, U) == ("text",)  # the non-variadic one wins over the expanded variadic one
    assert picked(v, U, U, U) == ("text[]",)


def test_categories() -> None:
    assert category("text") == "S" and category("name") == "S" and category("unknown") == "X"
    assert category("name[]") == "A" and category("app.status[]") == "A" and category("app.status") == "U"


# -- expressions of unknown type --------------------------------------------------------------------------


def test_expr_matches_anything_without_string_bias() -> None:
    assert roles("has_table", EXPR, U) == ("table", "description")
    assert picked(fn(("integer",), ("name",)), EXPR) == INDETERMINATE
    resolution = resolve(fn(("integer",), ("name",)), [EXPR])
    assert len(resolution.candidates) == 2
    assert roles("is", EXPR, U) == ("got", "expected")  # the expression may supply the type
    assert roles("ok", EXPR) == ("got",)


def test_not_unique_lists_the_finalists() -> None:
    resolution = resolve(CATALOG["columns_are"], [U, U, U])
    assert resolution.overload is None
    assert {o.types for o in resolution.candidates} == {
        ("name", "name", "name[]"),
        ("name", "name[]", "text"),
    }
