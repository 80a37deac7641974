"""Identifier rules: folding, quoting, and the dotted keys objects are known by."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*\Z")
_SAFE = re.compile(r"[a-z_][a-z0-9_]*\Z")


def fold(identifier: str, *, quoted: bool) -> str:
    """PostgreSQL folds unquoted identifiers to lower case (ASCII only, like ``downcase_identifier``)."""
    if quoted:
        return identifier
    return identifier.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def quote_ident(name: str) -> str:
    """Quote ``name`` when it could not be written bare (upper case, spaces, dots, ...).

    Unlike PostgreSQL's ``quote_ident`` this does not quote keywords: keys are for people and for joins,
    and a key must only be unambiguous, not re-parseable.
    """
    if _PLAIN.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def dotted(*parts: str) -> str:
    """The key of an object from its name parts, e.g. ``dotted("app", "users", "email")``."""
    return ".".join(quote_ident(p) for p in parts)


def join_types(types: Iterable[str]) -> str:
    """A function signature's argument list as it appears in keys: ``integer,text``."""
    return ",".join(types)


# PostgreSQL 15 keywords that are not UNRESERVED (``SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'``):
# ``quote_identifier`` quotes these, so type names and RETURNS TABLE columns print quoted.
QUOTED_KEYWORDS = frozenset(
    (
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "between",
        "bigint",
        "binary",
        "bit",
        "boolean",
        "both",
        "case",
        "cast",
        "char",
        "character",
        "check",
        "coalesce",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "dec",
        "decimal",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "exists",
        "extract",
        "false",
        "fetch",
        "float",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "greatest",
        "group",
        "grouping",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "inout",
        "int",
        "integer",
        "intersect",
        "interval",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "least",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "national",
        "natural",
        "nchar",
        "none",
        "normalize",
        "not",
        "notnull",
        "null",
        "nullif",
        "numeric",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "out",
        "outer",
        "overlaps",
        "overlay",
        "placing",
        "position",
        "precision",
        "primary",
        "real",
        "references",
        "returning",
        "right",
        "row",
        "select",
        "session_user",
        "setof",
        "similar",
        "smallint",
        "some",
        "substring",
        "symmetric",
        "table",
        "tablesample",
        "then",
        "time",
        "timestamp",
        "to",
        "trailing",
        "treat",
        "trim",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "values",
        "varchar",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
        "xmlattributes",
        "xmlconcat",
        "xmlelement",
        "xmlexists",
        "xmlforest",
        "xmlnamespaces",
        "xmlparse",
        "xmlpi",
        "xmlroot",
        "xmlserialize",
        "xmltable",
    )
)


def quote_identifier(name: str) -> str:
    """Exactly PostgreSQL's ``quote_identifier``: also quotes keywords that are not unreserved."""
    if _SAFE.match(name) and name not in QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'
