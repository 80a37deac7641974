"""Type names as format_type prints them, without a server (the oracle test checks against PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pgparse
import pytest

from tapgap.sql import builtin_types, names
from tapgap.sql.types import format_type, strip_typmod


class Resolver:
    def __init__(
        self, types: dict[tuple[str | None, str], str] | None = None, columns: dict[str, str] | None = None
    ):
        self.types = types or {}
        self.columns = columns or {}
        self.asked: list[tuple[str | None, str]] = []

    def user_type(self, schema: str | None, name: str) -> str | None:
        self.asked.append((schema, name))
        return self.types.get((schema, name))

    def column_type(self, names: Sequence[str]) -> str | None:
        return self.columns.get(".".join(names))


def column_type(spelling: str) -> dict[str, Any]:
    stmt = pgparse.parse(f"CREATE TABLE t (c {spelling})")[0]["stmt"]
    type_name: dict[str, Any] = stmt["CreateStmt"]["tableElts"][0]["ColumnDef"]["typeName"]
    return type_name


def argument_type(spelling: str) -> dict[str, Any]:
    stmt = pgparse.parse(f"CREATE FUNCTION f({spelling}) RETURNS void LANGUAGE sql AS ''")[0]["stmt"]
    type_name: dict[str, Any] = stmt["CreateFunctionStmt"]["parameters"][0]["FunctionParameter"]["argType"]
    return type_name


def column(spelling: str, resolver: Resolver | None = None) -> str:
    return format_type(column_type(spelling), resolver or Resolver())


def argument(spelling: str, resolver: Resolver | None = None) -> str:
    return format_type(argument_type(spelling), resolver or Resolver(), with_typmod=False)


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("int", "integer"),
        ("double precision", "double precision"),
        ("float(24)", "real"),
        ("timestamptz", "timestamp with time zone"),
        ("varchar", "character varying"),
        ('"char"', '"char"'),
        ("_int4", "integer[]"),
    ],
)
def test_keywords_and_catalogue_names_print_as_format_type(spelling: str, expected: str) -> None:
    assert column(spelling) == expected


def test_bare_char_and_bit_mean_length_one_but_bpchar_and_quoted_bit_have_no_length() -> None:
    assert column("char") == "character(1)"
    assert column("bit") == "bit(1)"
    assert column("bpchar") == "bpchar"
    assert column('"bit"') == '"bit"'
    assert column("bpchar[]") == "bpchar[]"


def test_numeric_precision_alone_prints_scale_zero() -> None:
    assert column("numeric(10)") == "numeric(10,0)"
    assert column("decimal(10, 2)") == "numeric(10,2)"
    assert column("numeric(3,-1)") == "numeric(3,-1)"


def test_time_precision_prints_before_the_time_zone_and_is_capped_at_six() -> None:
    assert column("time(3)") == "time(3) without time zone"
    assert column("timestamptz(2)") == "timestamp(2) with time zone"
    assert column("timestamp(9)") == "timestamp(6) without time zone"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("interval", "interval"),
        ("interval(3)", "interval(3)"),
        ("interval year", "interval year"),
        ("interval year to month", "interval year to month"),
        ("interval day to second(3)", "interval day to second(3)"),
        ("interval minute to second", "interval minute to second"),
        ("interval second(9)", "interval second(6)"),
    ],
)
def test_interval_field_bitmask_prints_like_intervaltypmodout(spelling: str, expected: str) -> None:
    assert column(spelling) == expected


def test_any_array_bounds_print_one_pair_of_brackets() -> None:
    assert column("int[3][4]") == "integer[]"
    assert column("int array[5]") == "integer[]"
    assert column("varchar(3)[]") == "character varying(3)[]"


def test_signatures_drop_typmods_and_print_bpchar_as_character() -> None:
    assert argument("varchar(20)") == "character varying"
    assert argument("char(2)[]") == "character[]"
    assert argument("bpchar") == "character"
    assert argument("bit") == "bit"
    assert argument("interval day to second(3)") == "interval"


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("serial", "integer"), ("serial4", "integer"), ("bigserial", "bigint"), ("smallserial", "smallint")],
)
def test_serial_names_are_their_integer_types(spelling: str, expected: str) -> None:
    assert column(spelling) == expected


def test_user_types_come_from_the_resolver_with_or_without_schema() -> None:
    resolver = Resolver({(None, "status"): "app.status", ("app", "mood"): "app.mood"})
    assert column("status[]", resolver) == "app.status[]"
    assert column("app.mood", resolver) == "app.mood"
    assert resolver.asked == [(None, "status"), ("app", "mood")]


def test_builtin_names_win_over_user_types_unless_qualified_with_another_schema() -> None:
    resolver = Resolver({("public", "text"): "public.text"})
    assert column("text", resolver) == "text"
    assert column("pg_catalog.text", resolver) == "text"
    assert column("public.text", resolver) == "public.text"
    assert resolver.asked == [("public", "text")]


def test_unknown_types_print_as_written_quoted_like_quote_ident() -> None:
    assert column("widget") == "widget"
    assert column('"Widget"') == '"Widget"'
    assert column('app."user"') == 'app."user"'
    assert column('"my$type"[]') == '"my$type"[]'
    assert column("geometry(Point, 4326)") == "geometry(point,4326)"


def test_names_quotes_the_keywords_the_live_catalogue_says_quote_ident_quotes() -> None:
    # builtin_types.QUOTED_KEYWORDS is generated from pg_get_keywords() and checked by the oracle test.
    assert names.QUOTED_KEYWORDS == builtin_types.QUOTED_KEYWORDS
    assert names.quote_identifier("user") == '"user"'
    assert names.quote_identifier("trigger") == "trigger"


def test_pct_type_asks_the_resolver_and_signatures_drop_the_column_typmod() -> None:
    resolver = Resolver(columns={"items.name": "character varying(20)", "app.items.code": "bpchar"})
    assert format_type(argument_type("items.name%TYPE"), resolver) == "character varying(20)"
    assert argument("items.name%TYPE", resolver) == "character varying"
    assert argument("app.items.code%TYPE", resolver) == "character"


def test_unknown_pct_type_falls_back_to_its_dotted_text() -> None:
    assert argument("items.name%TYPE") == "items.name%TYPE"
    assert argument('app."Items".name%TYPE') == 'app."Items".name%TYPE'


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("character varying(20)", "character varying"),
        ("numeric(10,2)[]", "numeric[]"),
        ("time(3) with time zone", "time with time zone"),
        ("timestamp(0) without time zone", "timestamp without time zone"),
        ("interval day to second(3)", "interval"),
        ("interval year", "interval"),
        ("bpchar[]", "character[]"),
        ('"bit"', "bit"),
        ("bit(4)", "bit"),
        ("public.geometry(Point,4326)", "public.geometry"),
        ('app."odd(1)"', 'app."odd(1)"'),
        ("app.status", "app.status"),
    ],
)
def test_strip_typmod_gives_the_signature_spelling(spelling: str, expected: str) -> None:
    assert strip_typmod(spelling) == expected
