"""The one module that talks to the libpg_query binding.

Everything else sees PostgreSQL's raw parse tree as plain dicts in libpg_query's JSON shape
(``{"CreateStmt": {...}}``), so the binding (today ``pgparse``, BSD-3) can be swapped without touching callers.
libpg_query's JSON omits fields that hold their default (false, 0, empty), so readers use ``.get``.

pgparse decodes libpg_query's JSON with the standard library's ``json``, which costs as much as the grammar
itself. The libpg_query functions it links are exported from its extension module, so they are called here
through ``ctypes`` and the same JSON is decoded with msgspec (about twice as fast), with pgparse's own
functions as the fallback when the extension does not export them or answers a probe unexpectedly.
Either way the trees, messages and positions are the same (a corpus test compares them).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import msgspec
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


class _GrammarError(Exception):
    """libpg_query's error, as pgparse reports it: a message and a 1-based cursor position (0: unknown)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# libpg_query's result structs (pg_query.h, unchanged since libpg_query 10).
class _PgQueryError(ctypes.Structure):
    _fields_ = (
        ("message", ctypes.c_char_p),
        ("funcname", ctypes.c_char_p),
        ("filename", ctypes.c_char_p),
        ("lineno", ctypes.c_int),
        ("cursorpos", ctypes.c_int),
        ("context", ctypes.c_char_p),
    )


class _PgQueryParseResult(ctypes.Structure):
    _fields_ = (
        ("parse_tree", ctypes.c_char_p),
        ("stderr_buffer", ctypes.c_char_p),
        ("error", ctypes.POINTER(_PgQueryError)),
    )


class _PgQueryPlpgsqlParseResult(ctypes.Structure):
    _fields_ = (("plpgsql_funcs", ctypes.c_char_p), ("error", ctypes.POINTER(_PgQueryError)))


_decode_json = msgspec.json.Decoder().decode

Grammar = Callable[[str], Any]


def _native_call(function: Any, free: Any, field: str) -> Grammar:
    def call(text: str) -> Any:
        result = function(text.encode("utf-8"))
        try:
            if result.error:
                error = result.error.contents
                raise _GrammarError(error.message.decode("utf-8"), error.cursorpos)
            return _decode_json(getattr(result, field))
        finally:
            free(result)

    return call


def _pgparse_parse(text: str) -> Any:
    try:
        return {"stmts": pgparse.parse(text)}
    except pgparse.PGQueryError as exc:
        raise _GrammarError(str(exc.message), exc.position) from None


def _pgparse_plpgsql(text: str) -> Any:
    try:
        return pgparse.parse_pgsql(text)
    except pgparse.PGQueryError as exc:
        raise _GrammarError(str(exc.message), exc.position) from None


def _native() -> tuple[Grammar, Grammar] | None:
    """libpg_query's parse functions in pgparse's extension module, if exported and answering as expected."""
    try:
        lib = ctypes.CDLL(pgparse.__file__)
        parse_sql, free_sql = lib.pg_query_parse, lib.pg_query_free_parse_result
        parse_pl, free_pl = lib.pg_query_parse_plpgsql, lib.pg_query_free_plpgsql_parse_result
    except (OSError, AttributeError, TypeError):
        return None
    parse_sql.argtypes, parse_sql.restype = (ctypes.c_char_p,), _PgQueryParseResult
    free_sql.argtypes, free_sql.restype = (_PgQueryParseResult,), None
    parse_pl.argtypes, parse_pl.restype = (ctypes.c_char_p,), _PgQueryPlpgsqlParseResult
    free_pl.argtypes, free_pl.restype = (_PgQueryPlpgsqlParseResult,), None
    sql = _native_call(parse_sql, free_sql, "parse_tree")
    plpgsql = _native_call(parse_pl, free_pl, "plpgsql_funcs")
    try:
        if _answers(sql, plpgsql) != _answers(_pgparse_parse, _pgparse_plpgsql):
            return None
    except Exception:  # a layout this module does not know: keep pgparse's own functions
        return None
    return sql, plpgsql


_PROBE = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$"


def _answers(sql: Grammar, plpgsql: Grammar) -> tuple[Any, ...]:
    """What a pair of grammar functions answers for a function, its PL/pgSQL body and a syntax error."""
    try:
        sql("SELEC 1")
        failure = None
    except _GrammarError as exc:
        failure = (exc.message, exc.position)
    return sql(_PROBE).get("stmts"), plpgsql(_PROBE), failure


@cache
def _grammar() -> tuple[Grammar, Grammar]:
    return _native() or (_pgparse_parse, _pgparse_plpgsql)


def _error(exc: _GrammarError) -> SqlSyntaxError:
    # libpg_query reports 1-based cursor positions; 0 means "unknown".
    offset = exc.position - 1 if exc.position > 0 else None
    # pgparse's exception prints as "message at position N", which stood in for an empty message.
    return SqlSyntaxError(exc.message or f" at position {exc.position}", offset)


# Test files repeat short statements (BEGIN, ROLLBACK, SELECT * FROM finish(), SET ROLE ...): their trees
# are kept and shared, so callers never mutate a tree. Bounded: emptied when full (clear() is atomic, should
# two threads parse at once).
_SHARED_MAX_TEXT = 160
_SHARED_MAX_ENTRIES = 256
_shared: dict[str, tuple[RawStatement, ...]] = {}


def parse(text: str) -> tuple[RawStatement, ...]:
    """Parse SQL text (usually one statement from the splitter) into raw statements.

    Raises :class:`SqlSyntaxError` when the grammar rejects it. The trees may be shared with other callers
    that parsed the same text: read them, never change them.
    """
    short = len(text) <= _SHARED_MAX_TEXT
    known = _shared.get(text) if short else None
    if known is not None:
        return known
    try:
        result = _grammar()[0](text)
    except _GrammarError as exc:
        raise _error(exc) from None
    except Exception as exc:  # the binding can fail on input it cannot encode (e.g. lone surrogates)
        raise SqlSyntaxError(f"cannot parse: {exc}", None) from None
    statements = []
    for raw in result.get("stmts") or ():
        location = raw.get("stmt_location", 0)
        length = raw.get("stmt_len") or (len(text) - location)
        statements.append(RawStatement(raw.get("stmt", {}), location, length))
    parsed = tuple(statements)
    if short:
        if len(_shared) >= _SHARED_MAX_ENTRIES:
            _shared.clear()
        _shared[text] = parsed
    return parsed


def parse_plpgsql(function_sql: str) -> list[Node]:
    """Parse a ``CREATE FUNCTION ... LANGUAGE plpgsql`` statement's body into PL/pgSQL tree nodes."""
    try:
        result = _grammar()[1](function_sql)
    except _GrammarError as exc:
        raise _error(exc) from None
    except Exception as exc:
        raise SqlSyntaxError(f"cannot parse PL/pgSQL: {exc}", None) from None
    return list(result or ())


def kind(node: Node) -> str:
    """The node's type name, e.g. ``"CreateStmt"``."""
    for key in node:  # the first key (cheaper than next(iter(...)) for this hot helper)
        return key
    return ""


def body(node: Node) -> Node:
    """The node's fields, without the type wrapper."""
    for value in node.values():
        return value if isinstance(value, dict) else {}
    return {}


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
