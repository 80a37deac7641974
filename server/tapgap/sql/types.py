"""Type names exactly as PostgreSQL's ``format_type`` prints them with ``search_path = pg_catalog``.

tapgap identifies a column's type and a function's signature by these canonical names: built-in types bare
(``integer``, ``character varying(20)``, ``timestamp with time zone``, ``integer[]``, ``"char"``), every other
type schema-qualified (``public.citext``, ``app.status``).

``format_type`` reads a libpg_query ``TypeName`` node (as pgparse returns it). The grammar has already turned
SQL's keyword spellings into pg_catalog names (``int`` -> ``pg_catalog.int4``, ``double precision`` ->
``pg_catalog.float8``, bare ``char`` -> ``pg_catalog.bpchar`` with typmod 1, ``float(p)`` -> float4/float8,
``interval day to second(3)`` -> ``pg_catalog.interval`` with a field bitmask typmod), so this module maps
pg_catalog type names through the generated table in :mod:`tapgap.sql.builtin_types` and renders typmods as
the types' ``typmodout`` functions do. The ``SETOF`` flag is not part of a type's name: callers read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tapgap.sql.builtin_types import BUILTIN_TYPES, TYPE_FACTS, WITHOUT_TYPMOD
from tapgap.sql.names import dotted, quote_identifier

__all__ = ["TypeResolver", "format_type", "strip_typmod"]


class TypeResolver(Protocol):
    """What ``format_type`` needs to know about the schema being read."""

    def user_type(self, schema: str | None, name: str) -> str | None:
        """The canonical spelling (e.g. ``app.status``) of the user-defined type, domain, enum or table row
        type visible as (schema, name); schema None searches the search_path. None when unknown."""
        ...

    def column_type(self, names: Sequence[str]) -> str | None:
        """The canonical type (with typmod, e.g. ``character varying(20)``) of the column named by
        ``tbl.col%TYPE`` / ``schema.tbl.col%TYPE``; None when unknown."""
        ...


# serial types are not types: CREATE TABLE turns a bare serial name into the integer type + a sequence.
_SERIALS: Mapping[str, str] = {
    "smallserial": "int2",
    "serial2": "int2",
    "serial": "int4",
    "serial4": "int4",
    "bigserial": "int8",
    "serial8": "int8",
}


def format_type(type_name: Mapping[str, Any], resolver: TypeResolver, *, with_typmod: bool = True) -> str:
    """The canonical name of a ``TypeName`` node, as ``format_type(oid, typmod)`` prints it.

    ``with_typmod=True`` spells a column's type (``format_type(atttypid, atttypmod)``);
    ``with_typmod=False`` a function argument's (``format_type(oid, NULL)``: signatures carry no typmods).
    Any array bounds (``int[3][4]``, ``int ARRAY``) give a single ``[]``, as in PostgreSQL.
    """
    names = [_string(node) for node in type_name.get("names", ())]
    is_array = bool(type_name.get("arrayBounds"))

    if type_name.get("pct_type"):
        column = resolver.column_type(names)
        if column is None:
            return dotted(*names) + "%TYPE" + ("[]" if is_array else "")
        if not with_typmod:
            column = strip_typmod(column)
        return column + "[]" if is_array and not column.endswith("[]") else column

    typmods = type_name.get("typmods") or ()
    builtin = _builtin_typname(names)
    if builtin is not None:
        return _format_builtin(builtin, typmods if with_typmod else (), with_typmod, is_array)

    if len(names) == 3:  # catalog.schema.name: the catalog can only be the current database
        names = names[1:]
    if len(names) == 1:
        spelling = resolver.user_type(None, names[0]) or quote_identifier(names[0])
    elif len(names) == 2:
        spelling = resolver.user_type(names[0], names[1]) or ".".join(quote_identifier(n) for n in names)
    else:
        spelling = ".".join(quote_identifier(n) for n in names)
    if with_typmod and typmods:  # a user type with a typmodin (e.g. PostGIS geometry(Point,4326))
        spelling += "(" + ",".join(_typmod_text(m) for m in typmods) + ")"
    if is_array and not spelling.endswith("[]"):
        spelling += "[]"
    return spelling


def strip_typmod(spelling: str) -> str:
    """A canonical type name without its typmod, as a function signature prints that type.

    ``character varying(20)`` -> ``character varying``, ``numeric(10,2)[]`` -> ``numeric[]``,
    ``time(3) with time zone`` -> ``time with time zone``, ``interval day to second(3)`` -> ``interval``,
    ``bpchar`` -> ``character``, ``"bit"`` -> ``bit``.
    """
    suffix = ""
    if spelling.endswith("[]"):
        spelling, suffix = spelling[:-2], "[]"
    spelling = _UNMODIFIED_TO_PLAIN.get(spelling, spelling)
    if _INTERVAL_SPELLING.fullmatch(spelling):
        return "interval" + suffix
    if match := _TYPMOD_SPELLING.fullmatch(spelling):
        return match["head"] + match["tail"] + suffix
    return spelling + suffix


_UNMODIFIED_TO_PLAIN = {WITHOUT_TYPMOD[name]: BUILTIN_TYPES[name] for name in WITHOUT_TYPMOD}
_INTERVAL_SPELLING = re.compile(
    r"interval(?: (?:year|month|day|hour|minute|second)(?: to (?:month|hour|minute|second))?)?(?:\(\d+\))?"
)
_TYPMOD_SPELLING = re.compile(r'(?P<head>.*?)\([^()"]*\)(?P<tail>(?: with(?:out)? time zone)?)')


# -- built-in types --------------------------------------------------------------------------------------


def _builtin_typname(names: Sequence[str]) -> str | None:
    """The pg_catalog typname that ``names`` denote, or None for a user type."""
    if len(names) == 1:
        name = names[0]
        if name in BUILTIN_TYPES:  # pg_catalog is searched first (unless placed later in search_path)
            return name
        return _SERIALS.get(name)
    if 2 <= len(names) <= 3 and names[-2] == "pg_catalog" and names[-1] in BUILTIN_TYPES:
        return names[-1]
    return None


def _format_builtin(typname: str, typmods: Sequence[Any], with_typmod: bool, is_array: bool) -> str:
    element = TYPE_FACTS[typname].element
    if element is not None:  # e.g. _varchar(3): an array type's typmod applies to its element
        typname, is_array = element, True
    suffix = "[]" if is_array else ""
    if typmods:
        values = [_typmod_int(m) for m in typmods]
        if None not in values:
            rendered = _render_typmod(typname, [v for v in values if v is not None])
            if rendered is not None:
                return rendered + suffix
        return BUILTIN_TYPES[typname] + "(" + ",".join(_typmod_text(m) for m in typmods) + ")" + suffix
    if with_typmod:  # format_type(oid, -1): bpchar and bit without a length print differently
        return WITHOUT_TYPMOD.get(typname, BUILTIN_TYPES[typname]) + suffix
    return BUILTIN_TYPES[typname] + suffix


# The SQL-standard names the typmodout functions print after (format_type.c's special cases).
_LENGTH_TYPES = {
    "bpchar": "character",
    "varchar": "character varying",
    "bit": "bit",
    "varbit": "bit varying",
}
_TIME_TYPES = {
    "time": ("time", " without time zone"),
    "timetz": ("time", " with time zone"),
    "timestamp": ("timestamp", " without time zone"),
    "timestamptz": ("timestamp", " with time zone"),
}
_MAX_TIME_PRECISION = 6  # MAX_TIME_PRECISION = MAX_TIMESTAMP_PRECISION = MAX_INTERVAL_PRECISION

# datetime.h field bits, and INTERVAL_FULL_RANGE: the grammar's encoding of INTERVAL's field qualifier.
_MONTH, _YEAR, _DAY, _HOUR, _MINUTE, _SECOND = (1 << 1, 1 << 2, 1 << 3, 1 << 10, 1 << 11, 1 << 12)
_INTERVAL_FULL_RANGE = 0x7FFF
_INTERVAL_FIELDS: Mapping[int, str] = {  # intervaltypmodout's switch
    _YEAR: " year",
    _MONTH: " month",
    _DAY: " day",
    _HOUR: " hour",
    _MINUTE: " minute",
    _SECOND: " second",
    _YEAR | _MONTH: " year to month",
    _DAY | _HOUR: " day to hour",
    _DAY | _HOUR | _MINUTE: " day to minute",
    _DAY | _HOUR | _MINUTE | _SECOND: " day to second",
    _HOUR | _MINUTE: " hour to minute",
    _HOUR | _MINUTE | _SECOND: " hour to second",
    _MINUTE | _SECOND: " minute to second",
    _INTERVAL_FULL_RANGE: "",
}


def _render_typmod(typname: str, mods: Sequence[int]) -> str | None:
    """``format_type`` of a built-in type with the typmod that its typmodin makes of ``mods``.

    None when PostgreSQL would reject these modifiers (the caller then prints them as written).
    """
    if typname in _LENGTH_TYPES:
        return f"{_LENGTH_TYPES[typname]}({mods[0]})" if len(mods) == 1 and mods[0] >= 1 else None
    if typname == "numeric":
        if len(mods) == 1:
            return f"numeric({mods[0]},0)"
        return f"numeric({mods[0]},{mods[1]})" if len(mods) == 2 else None
    if typname in _TIME_TYPES:
        if len(mods) != 1 or mods[0] < 0:
            return None
        head, zone = _TIME_TYPES[typname]
        return f"{head}({min(mods[0], _MAX_TIME_PRECISION)}){zone}"
    if typname == "interval":
        return _render_interval(mods)
    return None


def _render_interval(mods: Sequence[int]) -> str | None:
    """intervaltypmodin followed by intervaltypmodout."""
    fields = _INTERVAL_FIELDS.get(mods[0]) if mods else None
    if fields is None or len(mods) > 2:
        return None
    if len(mods) == 1:  # no precision: INTERVAL_FULL_PRECISION
        return "interval" + fields  # full range with full precision is typmod -1: plain "interval"
    if mods[1] < 0:
        return None
    return f"interval{fields}({min(mods[1], _MAX_TIME_PRECISION)})"


# -- parse tree helpers ----------------------------------------------------------------------------------


def _string(node: Mapping[str, Any]) -> str:
    value = node.get("String", {}).get("sval", "")
    return str(value)


def _typmod_int(node: Mapping[str, Any]) -> int | None:
    """An integer type modifier (``A_Const`` ival; protobuf JSON omits zero), else None."""
    const = node.get("A_Const")
    if const is None or "ival" not in const:
        return None
    return int(const["ival"].get("ival", 0))


def _typmod_text(node: Mapping[str, Any]) -> str:
    """A type modifier as written, for types whose typmodout we do not know."""
    const = node.get("A_Const")
    if const is not None:
        if "ival" in const:
            return str(const["ival"].get("ival", 0))
        if "fval" in const:
            return str(const["fval"].get("fval", ""))
        if "sval" in const:
            return "'" + str(const["sval"].get("sval", "")).replace("'", "''") + "'"
    ref = node.get("ColumnRef")
    if ref is not None:
        return ".".join(_string(field) for field in ref.get("fields", ()))
    return "?"
