"""The one module that talks to the libpg_query binding.

Everything else sees PostgreSQL's raw parse tree as plain dicts in libpg_query's JSON shape
(``{"CreateStmt": {...}}``), so the binding (today ``pgparse``, BSD-3) can be swapped without touching callers.
libpg_query's JSON omits fields that hold their default (false, 0, empty), so readers use ``.get``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pgparse

Node = dict[str, Any]


class SqlSyntaxError(Exception):
    """The PostgreSQL grammar rejected a statement. ``position`` is a 0-based offset in its text, if known."""

    def __init__(self, message: str, position: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class RawStatement:
    """One statement of a parsed text: its node and where it sits in that text."""

    __slots__ = ("length", "location", "node")

    def __init__(self, node: Node, location: int, length: int) -> None:
        self.node = node
        self.location = location
        self.length = length


def _error(exc: Exception) -> SqlSyntaxError:
    message = str(getattr(exc, "message", None) or exc)
    position = getattr(exc, "position", None)
    # libpg_query reports 1-based cursor positions; 0 means "unknown".
    offset = position - 1 if isinstance(position, int) and position > 0 else None
    return SqlSyntaxError(message, offset)


def parse(text: str) -> list[RawStatement]:
    """Parse SQL text (usually one statement from the splitter) into raw statements.

    Raises :class:`SqlSyntaxError` when the grammar rejects it.
    """
    try:
        result = pgparse.parse(text)
    except pgparse.PGQueryError as exc:
        raise _error(exc) from None
    except Exception as exc:  # the binding can fail on input it cannot encode (e.g. lone surrogates)
        raise SqlSyntaxError(f"cannot parse: {exc}", None) from None
    statements = []
    for raw in result or ():
        location = raw.get("stmt_location", 0)
        length = raw.get("stmt_len") or (len(text) - location)
        statements.append(RawStatement(raw.get("stmt", {}), location, length))
    return statements


def parse_plpgsql(function_sql: str) -> list[Node]:
    """Parse a ``CREATE FUNCTION ... LANGUAGE plpgsql`` statement's body into PL/pgSQL tree nodes."""
    try:
        result = pgparse.parse_pgsql(function_sql)
    except pgparse.PGQueryError as exc:
        raise _error(exc) from None
    except Exception as exc:
        raise SqlSyntaxError(f"cannot parse PL/pgSQL: {exc}", None) from None
    return list(result or ())


def kind(node: Node) -> str:
    """The node's type name, e.g. ``"CreateStmt"``."""
    return next(iter(node), "")


def body(node: Node) -> Node:
    """The node's fields, without the type wrapper."""
    value: Any = next(iter(node.values()), None)
    return value if isinstance(value, dict) else {}


def strings(items: list[Node] | None) -> list[str]:
    """``[{"String": {"sval": "a"}}, ...]`` → ``["a", ...]`` (name lists, option values)."""
    out = []
    for item in items or ():
        value = item.get("String")
        if value is not None:
            out.append(value.get("sval", ""))
    return out


def const_value(node: Node) -> str | int | float | bool | None:
    """The value of an ``A_Const`` (``None`` for SQL NULL or a non-constant)."""
    const = node.get("A_Const")
    if const is None:
        return None
    if "sval" in const:
        return str(const["sval"].get("sval", ""))
    if "ival" in const:
        return int(const["ival"].get("ival", 0))
    if "fval" in const:
        return float(const["fval"].get("fval", "0"))
    if "boolval" in const:
        return bool(const["boolval"].get("boolval", False))
    return None


def walk(node: Any) -> Iterator[Node]:
    """Every dict node below ``node`` (depth first), the node itself included."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
