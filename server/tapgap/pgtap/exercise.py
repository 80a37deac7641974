"""Behavioural evidence from the SQL a test runs: what it calls, reads and writes, and under which role.

An :class:`Exercise` is one function or procedure call, or one access to a table or view with its command,
found in a raw statement node (:func:`statement_exercises`) or in the SQL text that an assertion runs
(:func:`sql_text_exercises`, e.g. the first argument of ``results_eq``, ``throws_ok``, ``lives_ok``). A
:class:`RoleChange` is what a statement does to the role in effect (:func:`role_changes`): ``SET ROLE``,
``set_config('role', ...)``, PostgREST's ``request.jwt.claims``, or a helper such as
``tests.authenticate_as``. The file-level walker combines the two: the role in effect when an exercise runs
decides which policies it exercises. It walks each statement once (:func:`scan_statement`): the same walk
gives the statement's exercises and the calls in which it looks for pgTAP assertions.

What runs, per statement (everything else, DDL included, runs nothing here):

* ``SELECT`` / ``VALUES`` / ``TABLE`` (also ``SELECT ... INTO``, ``PERFORM`` as a ``SelectStmt``): every call
  (``FuncCall``: select list, ``FROM`` functions, ``WHERE``, subqueries, ``VALUES`` rows, CTE bodies ...)
  and every relation in a ``FROM``/``JOIN`` (``select``). A ``WITH`` name referenced as a relation is the
  CTE, not a table: it is resolved with PostgreSQL's scoping (a non-recursive CTE sees the CTEs before it;
  ``WITH RECURSIVE`` sees all of them; inner ``WITH`` clauses shadow outer ones). DML targets never resolve
  to a CTE (PostgreSQL looks them up in the catalogue).
* ``INSERT``: ``insert`` on the target, plus ``update`` with ``ON CONFLICT DO UPDATE`` and ``select`` with
  ``RETURNING``. ``UPDATE``: ``update`` on the target, its ``FROM`` reads, and ``select`` of the target when
  the statement reads the target's rows (a ``WHERE``, a ``RETURNING``, or a column reference in ``SET``).
  ``DELETE``: ``delete``, its ``USING`` reads, and ``select`` with ``WHERE``/``RETURNING``. These implied
  reads follow PostgreSQL's row-level security, which applies the ``SELECT`` policies to such statements.
* ``MERGE``: ``merge`` on the target, plus ``insert``/``update``/``delete`` for each command its ``WHEN``
  clauses can run and ``select`` when a ``WHEN MATCHED`` clause updates or deletes; the source is read.
* ``TRUNCATE``: ``truncate`` of each table. ``CALL``: ``call`` of the procedure (and the calls in its
  arguments). ``COPY t TO``: ``select``; ``COPY t FROM``: ``insert``; ``COPY (query) TO``: the query.
* ``CREATE TABLE / MATERIALIZED VIEW ... AS query``: the query (not with ``WITH NO DATA``).
  ``DECLARE ... CURSOR FOR query``: the query (PostgreSQL checks permissions and applies row-level
  security when the cursor is declared). ``EXPLAIN ANALYZE stmt``: the statement (plain ``EXPLAIN`` runs
  nothing).
* ``PREPARE name AS stmt`` runs nothing: :func:`prepared_statement` gives the exercises that each
  ``EXECUTE name`` (:func:`executed_statement`) runs later, under the role in effect then. ``EXECUTE``
  itself contributes only the calls in its parameters.
* ``DO`` blocks, function bodies and SQL inside string literals are the caller's: only the walker knows
  which strings are run.

Names are as written (already folded by the parser); an unqualified name has ``schema=None``: resolving it
through the ``search_path`` is the index's job. Locations are offsets in the text that was parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import msgspec

from tapgap.schema.model import QName
from tapgap.sql import pgtree
from tapgap.sql.builtin_functions import BUILTIN_FUNCTIONS
from tapgap.sql.split import SplitOptions, split_sql

__all__ = [
    "DEFAULT_ROLE_HELPERS",
    "UNKNOWN_ROLE",
    "CallSite",
    "Exercise",
    "ExerciseAction",
    "Prepared",
    "RoleChange",
    "RoleHelpers",
    "StatementScan",
    "TextError",
    "TextStatement",
    "executed_statement",
    "ignore_nothing",
    "is_builtin_call",
    "is_builtin_function",
    "prepared_statement",
    "prepared_statement_name",
    "role_change",
    "role_changes",
    "scan_statement",
    "sql_text_exercises",
    "sql_text_statements",
    "statement_exercises",
]

ExerciseAction = Literal["call", "select", "insert", "update", "delete", "truncate", "merge"]


class Exercise(msgspec.Struct, frozen=True):
    """One call of a function or procedure, or one access of a table or view with its command."""

    action: ExerciseAction
    target: QName  # as written; schema None when unqualified
    location: int  # offset in the parsed text (libpg_query's location of the node); -1 if unknown
    args: int = -1  # calls: number of arguments as written (named ones included); -1 unknown (VARIADIC)


class RoleChange(msgspec.Struct, frozen=True):
    """What one statement does to the role in effect.

    ``role`` is the role now in effect, ``None`` for "back to the session's role" (``RESET ROLE``,
    ``SET ROLE NONE``), or :data:`UNKNOWN_ROLE` when the statement computes it.

    ``local``: ``SET LOCAL`` / ``set_config(..., true)``: the change ends at the end of the transaction.

    ``claims_role``: the role comes from PostgREST's JWT claims (``request.jwt.claims`` naming a ``role``,
    or the older ``request.jwt.claim.role``): PostgREST would run the request as that role. Setting the
    claims does not change ``current_user`` itself: policies ``TO authenticated`` apply only after a real
    ``SET ROLE``, while ``auth.role()`` / ``auth.jwt()`` read the claims. Claims without a role, cleared
    claims (NULL, ``''``) and ``RESET`` of them are no role change (the database role stays), so such a
    change never has ``role=None``.

    ``session``: ``SET SESSION AUTHORIZATION``: the session's role itself becomes ``role`` (``None``: back
    to the role that logged in), and any ``SET ROLE`` is undone; a later ``RESET ROLE`` returns to it.
    """

    role: str | None
    local: bool
    claims_role: bool = False
    session: bool = False


RoleHelpers = Mapping[str, str | RoleChange | None]
"""Function name as written (``schema.name``, or ``name`` for unqualified calls) → what calling it does to the
role: a ``str``/``None`` value is a local change of the database role (as ``set_config('role', v, true)``
does); give a :class:`RoleChange` for anything else."""

UNKNOWN_ROLE: Final = "?"
"""The role of a :class:`RoleChange` whose value is computed (not a constant)."""

from tapgap.pgtap.roles import DEFAULT_ROLE_HELPERS  # noqa: E402  (re-exported)


class Prepared(msgspec.Struct, frozen=True):
    """``PREPARE name AS stmt``: what each ``EXECUTE name`` runs (locations are in the PREPARE's text)."""

    name: str
    exercises: tuple[Exercise, ...] = ()
    role_changes: tuple[RoleChange, ...] = ()


class TextStatement(msgspec.Struct, frozen=True):
    """One statement of an SQL text, with locations as offsets in that text."""

    location: int
    exercises: tuple[Exercise, ...] = ()
    role_changes: tuple[RoleChange, ...] = ()
    prepares: Prepared | None = None  # a PREPARE: runs nothing now
    executes: str | None = None  # EXECUTE name (or a prepared-statement name given to pgTAP)


class TextError(msgspec.Struct, frozen=True):
    """Why (part of) an SQL text cannot run: a syntax error, at an offset in the text (-1 unknown)."""

    message: str
    location: int = -1


# -- builtins ------------------------------------------------------------------------------------------

_SYSTEM_SCHEMAS: Final = frozenset({"pg_catalog", "information_schema"})


def ignore_nothing(name: QName) -> bool:
    """The default ``ignore_functions``: every call is reported."""
    return False


def is_builtin_function(name: QName) -> bool:
    """Whether a call of ``name`` (as written) is a call of one of PostgreSQL's own functions.

    True for names qualified with ``pg_catalog`` or ``information_schema`` (the parser also writes SQL
    syntax such as ``trim(x)`` or ``extract(...)`` as ``pg_catalog`` calls), and for unqualified names of any
    ``pg_catalog`` routine of PostgreSQL 15 (``now``, ``count``, ``set_config``, ``jsonb_build_object``,
    ``gen_random_uuid``, ``array_agg`` ...; ``coalesce``, ``greatest``, ``nullif`` are syntax, not calls).
    ``pg_catalog`` is searched first unless a ``search_path`` names it later, so an unqualified call of such
    a name reaches the builtin in practice (a same-named function of the project is hidden by it unless its
    argument types fit better).
    """
    if name.schema is not None:
        return name.schema in _SYSTEM_SCHEMAS
    return name.name in BUILTIN_FUNCTIONS


def is_builtin_call(name: QName, args: int) -> bool:
    """Like :func:`is_builtin_function`, but for an unqualified name also some overload must accept ``args``
    arguments (``args=-1``: unknown, any)."""
    if name.schema is not None or args < 0:
        return is_builtin_function(name)
    return any(lo <= args and (hi < 0 or args <= hi) for lo, hi in BUILTIN_FUNCTIONS.get(name.name, ()))


# -- statements ----------------------------------------------------------------------------------------

_DML: Final = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})
# Nodes that hold no call and no relation: the walk does not go into them.
_LEAVES: Final = frozenset(
    {"A_Const", "String", "Integer", "Float", "Boolean", "BitString", "ParamRef", "ColumnRef", "A_Star"}
)
_MERGE_COMMANDS: Final[Mapping[str, ExerciseAction]] = {
    "CMD_INSERT": "insert",
    "CMD_UPDATE": "update",
    "CMD_DELETE": "delete",
}
# DML fields that hold no exercise: the WITH clause (its queries are walked with their own scope), SELECT ...
# INTO's new table, FOR UPDATE OF's names of FROM items, the target of a write (its actions are added apart).
_SKIPPED: Final[Mapping[str, frozenset[str]]] = {
    "SelectStmt": frozenset({"withClause", "intoClause", "lockingClause"}),
    **dict.fromkeys(
        ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"), frozenset({"withClause", "relation"})
    ),
}

# What the walk looks for below a node: the exercises it runs (_RUNS), the function calls as a reader of
# calls sees them (_CALLS), both, or neither (the subtree is skipped).
_RUNS: Final = 1
_CALLS: Final = 2


class CallSite(msgspec.Struct, frozen=True):
    """One function call of a statement, as :func:`scan_statement` finds it for a reader of calls."""

    call: pgtree.Node  # the FuncCall's fields
    name: QName  # as written
    nested_in: str | None  # what ``nests`` said of the enclosing call, when the call is in its arguments


class StatementScan(msgspec.Struct, frozen=True):
    exercises: list[Exercise]  # in source order
    calls: list[CallSite]  # in tree order (a call before the calls in its arguments); empty unless asked


def _qname(names: list[str]) -> QName:
    # catalog.schema.name: the catalogue (database) part is dropped.
    return QName(names[-2] if len(names) >= 2 else None, names[-1] if names else "")


def _location(fields: Mapping[str, Any]) -> int:
    value = fields.get("location", -1)
    return value if isinstance(value, int) else -1


def _reads_target_row(clause: Mapping[str, Any]) -> bool:
    # PostgreSQL 15's parse tree says "matched"; libpg_query 17's "matchKind" (NOT MATCHED BY SOURCE acts on
    # target rows too).
    return bool(clause.get("matched")) or clause.get("matchKind") in (
        "MERGE_WHEN_MATCHED",
        "MERGE_WHEN_NOT_MATCHED_BY_SOURCE",
    )


def _has_column_ref(value: Any) -> bool:
    return any(pgtree.kind(n) == "ColumnRef" for n in pgtree.walk(value) if len(n) == 1)


def _never_nests(name: QName) -> str | None:
    return None


class _Scanner:
    """One walk over a statement's tree in tree order (fields in the order libpg_query writes them).

    ``scope`` is the set of visible CTE names; ``looking`` says what is looked for below the node (``_RUNS``,
    ``_CALLS``); ``nested`` is the enclosing call's ``nests`` answer, for the calls found below.
    """

    __slots__ = ("calls", "found", "ignore", "nests")

    def __init__(self, ignore: Callable[[QName], bool], nests: Callable[[QName], str | None]) -> None:
        self.ignore = ignore
        self.nests = nests
        self.found: list[Exercise] = []
        self.calls: list[CallSite] = []

    # generic traversal

    def visit(self, value: Any, scope: frozenset[str], looking: int, nested: str | None) -> None:
        # One method for lists, nodes and plain mappings: this runs for every part of every tree.
        if type(value) is list:
            for item in value:
                if type(item) is dict or type(item) is list:
                    self.visit(item, scope, looking, nested)
            return
        if type(value) is not dict:
            return
        if len(value) == 1:
            [(kind, fields)] = value.items()
            if type(fields) is dict and kind[:1].isupper():  # a node: {"Kind": {fields}}
                if kind in _LEAVES:
                    return
                if kind == "FuncCall":
                    self.call(fields, scope, looking, nested, True)
                    return
                if kind == "RangeVar":  # no call below a relation's name; a name in scope is a WITH query
                    if looking & _RUNS and not (
                        fields.get("schemaname") is None and fields.get("relname") in scope
                    ):
                        self.relation("select", fields)
                    return
                if kind in _DML and looking & _RUNS:
                    self.dml(kind, fields, scope, looking, nested)
                    return
                value = fields
        for item in value.values():
            if type(item) is dict or type(item) is list:
                self.visit(item, scope, looking, nested)

    # what is found

    def add(self, action: ExerciseAction, target: QName, location: int, args: int = -1) -> None:
        self.found.append(Exercise(action, target, location, args))

    def relation(self, action: ExerciseAction, fields: Mapping[str, Any]) -> None:
        name = fields.get("relname")
        if isinstance(name, str):
            self.add(action, QName(fields.get("schemaname"), name), _location(fields))

    def call(
        self, fields: dict[str, Any], scope: frozenset[str], looking: int, nested: str | None, site: bool
    ) -> None:
        """A function call: an exercise unless ignored, and (``site``) a call site. Below a call that ``nests``
        says nests, calls are looked for in its arguments only."""
        target = _qname(pgtree.strings(fields.get("funcname")))
        if looking & _RUNS and not self.ignore(target):
            args = -1 if fields.get("func_variadic") else len(fields.get("args") or ())
            self.add("call", target, _location(fields), args)
        if looking & _CALLS and site:
            self.calls.append(CallSite(fields, target, nested))
            outer = self.nests(target)
            if outer is not None:
                for key, item in fields.items():
                    if key == "args":
                        self.visit(item, scope, looking, outer)
                    elif key != "funcname" and looking & _RUNS and (type(item) is dict or type(item) is list):
                        self.visit(item, scope, _RUNS, nested)
                return
        for key, item in fields.items():
            if key != "funcname" and (type(item) is dict or type(item) is list):
                self.visit(item, scope, looking, nested)

    def apart(self, value: Any, scope: frozenset[str], looking: int, nested: str | None) -> None:
        """A subtree that runs nothing: only calls are looked for there."""
        if looking & _CALLS and (type(value) is dict or type(value) is list):
            self.visit(value, scope, _CALLS, nested)

    # statements

    def with_clause(
        self, clause: dict[str, Any], outer: frozenset[str], looking: int, nested: str | None
    ) -> None:
        """The CTE queries of a WITH, each seeing the CTEs PostgreSQL lets it see."""
        items = clause.get("ctes")
        ctes = [pgtree.body(c) for c in items or () if pgtree.kind(c) == "CommonTableExpr"]
        names = [str(c.get("ctename", "")) for c in ctes]
        everything = outer | frozenset(names)
        recursive = clause.get("recursive")
        for key, value in clause.items():
            if key != "ctes" or type(value) is not list:
                self.apart(value, outer, looking, nested)
                continue
            i = 0
            for item in value:
                if pgtree.kind(item) != "CommonTableExpr":
                    self.apart(item, outer, looking, nested)
                    continue
                inner = everything if recursive else outer | frozenset(names[:i])
                i += 1
                for field, part in pgtree.body(item).items():
                    if field == "ctequery":
                        self.visit(part, inner, looking, nested)
                    else:
                        self.apart(part, inner, looking, nested)

    def dml(
        self, kind: str, fields: dict[str, Any], outer: frozenset[str], looking: int, nested: str | None
    ) -> None:
        clause = fields.get("withClause")
        scope = outer
        if type(clause) is dict:
            ctes = clause.get("ctes") or ()
            scope = outer | frozenset(
                str(pgtree.body(c).get("ctename", "")) for c in ctes if pgtree.kind(c) == "CommonTableExpr"
            )
        target = fields.get("relation")
        target = target if isinstance(target, dict) else {}
        if kind == "InsertStmt":
            self.relation("insert", target)
            conflict = fields.get("onConflictClause")
            if isinstance(conflict, dict) and conflict.get("action") == "ONCONFLICT_UPDATE":
                self.relation("update", target)
            if fields.get("returningList"):
                self.relation("select", target)
        elif kind == "UpdateStmt":
            self.relation("update", target)
            values = [pgtree.body(t).get("val") for t in fields.get("targetList") or ()]
            if fields.get("whereClause") or fields.get("returningList") or _has_column_ref(values):
                self.relation("select", target)
        elif kind == "DeleteStmt":
            self.relation("delete", target)
            if fields.get("whereClause") or fields.get("returningList"):
                self.relation("select", target)
        elif kind == "MergeStmt":
            self.relation("merge", target)
            clauses = [pgtree.body(c) for c in fields.get("mergeWhenClauses") or ()]
            commands = [str(c.get("commandType", "")) for c in clauses]
            for command in dict.fromkeys(commands):
                if command in _MERGE_COMMANDS:
                    self.relation(_MERGE_COMMANDS[command], target)
            if fields.get("returningList") or any(
                _reads_target_row(c) and cmd in ("CMD_UPDATE", "CMD_DELETE")
                for c, cmd in zip(clauses, commands, strict=True)
            ):
                self.relation("select", target)
        skipped = _SKIPPED[kind]
        for key, value in fields.items():
            if type(value) is not dict and type(value) is not list:
                continue
            if key not in skipped:
                self.visit(value, scope, looking, nested)
            elif key == "withClause" and type(value) is dict:
                self.with_clause(value, outer, looking, nested)
            else:
                self.apart(value, scope, looking, nested)

    def statement(self, node: pgtree.Node, looking: int) -> None:
        """A statement as it runs: only the parts the module documentation lists run anything."""
        kind, fields = pgtree.kind(node), pgtree.body(node)
        empty: frozenset[str] = frozenset()
        if kind in _DML:
            self.dml(kind, fields, empty, looking | _RUNS, None)
            return
        runs: dict[str, Callable[[Any], None]] = {}  # the fields that run something, and how
        query = fields.get("query")
        if kind == "CallStmt":
            if isinstance(fields.get("funccall"), dict):
                runs["funccall"] = lambda call: self.call(call, empty, looking | _RUNS, None, False)
        elif kind == "TruncateStmt":
            for rel in fields.get("relations") or ():
                if pgtree.kind(rel) == "RangeVar":
                    self.relation("truncate", pgtree.body(rel))
        elif kind == "CopyStmt":
            if isinstance(query, dict):
                runs["query"] = lambda query: self.statement(query, looking)
            elif isinstance(fields.get("relation"), dict):
                self.relation("insert" if fields.get("is_from") else "select", fields["relation"])
                runs["whereClause"] = lambda where: self.visit(where, empty, looking | _RUNS, None)
        elif kind == "CreateTableAsStmt":
            into = fields.get("into")
            if not (isinstance(into, dict) and into.get("skipData")) and isinstance(query, dict):
                runs["query"] = lambda query: self.statement(query, looking)
        elif kind == "DeclareCursorStmt" or (kind == "ExplainStmt" and _explain_analyze(fields)):
            if isinstance(query, dict):
                runs["query"] = lambda query: self.statement(query, looking)
        elif kind == "ExecuteStmt":
            runs["params"] = lambda params: self.visit(params, empty, looking | _RUNS, None)
        for key, value in fields.items():
            run = runs.get(key)
            if run is not None:
                run(value)
            else:
                self.apart(value, empty, looking, None)


def _explain_analyze(fields: Mapping[str, Any]) -> bool:
    for option in fields.get("options") or ():
        opt = pgtree.body(option)
        if opt.get("defname") == "analyze":
            arg = opt.get("arg")
            if arg is None:
                return True
            value = _bool_value(arg)
            return True if value is None else value
    return False


def _source_order(found: list[Exercise]) -> list[Exercise]:
    return sorted(found, key=lambda e: e.location if e.location >= 0 else 1 << 62)


def statement_exercises(
    node: pgtree.Node, *, ignore_functions: Callable[[QName], bool] = ignore_nothing
) -> list[Exercise]:
    """The exercises one raw statement runs now, in source order (see the module documentation).

    ``ignore_functions`` drops calls (of functions and procedures) by name, e.g. :func:`is_builtin_function`
    or pgTAP's own functions; the calls in their arguments are still reported.
    """
    scanner = _Scanner(ignore_functions, _never_nests)
    scanner.statement(node, 0)
    return _source_order(scanner.found)


def scan_statement(
    node: pgtree.Node, *, ignore_functions: Callable[[QName], bool], nests: Callable[[QName], str | None]
) -> StatementScan:
    """:func:`statement_exercises` and, in the same walk, the statement's calls as a reader of calls sees them.

    The calls are every ``FuncCall`` of the tree, wherever it stands (DDL included), in tree order, except
    that below a call for which ``nests(name)`` is not None only the arguments are looked at, and the calls
    there carry that value in ``nested_in``. A ``CALL`` statement's procedure is no call site (the calls in
    its arguments are).
    """
    scanner = _Scanner(ignore_functions, nests)
    scanner.statement(node, _CALLS)
    return StatementScan(_source_order(scanner.found), scanner.calls)


def prepared_statement(
    node: pgtree.Node,
    *,
    ignore_functions: Callable[[QName], bool] = ignore_nothing,
    helpers: RoleHelpers = DEFAULT_ROLE_HELPERS,
) -> Prepared | None:
    """For ``PREPARE name AS stmt``: the name and what each ``EXECUTE name`` runs. None for anything else."""
    if pgtree.kind(node) != "PrepareStmt":
        return None
    fields = pgtree.body(node)
    query = fields.get("query")
    if not isinstance(query, dict):
        return Prepared(str(fields.get("name", "")))
    return Prepared(
        str(fields.get("name", "")),
        tuple(statement_exercises(query, ignore_functions=ignore_functions)),
        tuple(role_changes(query, helpers)),
    )


def executed_statement(node: pgtree.Node) -> str | None:
    """The name of the prepared statement that ``node`` runs: ``EXECUTE name``, ``CREATE TABLE ... AS EXECUTE
    name``, ``EXPLAIN ANALYZE EXECUTE name``. None for anything else."""
    kind, fields = pgtree.kind(node), pgtree.body(node)
    if kind == "ExecuteStmt":
        name = fields.get("name")
        return name if isinstance(name, str) else None
    inner = fields.get("query")
    if not isinstance(inner, dict):
        return None
    if kind == "CreateTableAsStmt":
        into = fields.get("into")
        return None if isinstance(into, dict) and into.get("skipData") else executed_statement(inner)
    if kind == "ExplainStmt" and _explain_analyze(fields):
        return executed_statement(inner)
    return None


# -- role changes --------------------------------------------------------------------------------------

_CLAIMS: Final = "request.jwt.claims"
_CLAIM_ROLE: Final = "request.jwt.claim.role"
_JSON_ROLE_RX: Final = re.compile(r'"role"\s*:\s*"((?:[^"\\]|\\.)*)"')
_TRUE_WORDS: Final = frozenset({"t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"})
_FALSE_WORDS: Final = frozenset({"f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"})


class _Unknown:
    """A value that is not a constant."""


_UNKNOWN: Final = _Unknown()
_Value = str | int | float | bool | _Unknown | None


_VALUE_NODES: Final[Mapping[str, str]] = {
    "String": "sval",
    "Integer": "ival",
    "Float": "fval",
    "Boolean": "boolval",
}


def _strip_casts(node: Any) -> Any:
    while isinstance(node, dict) and pgtree.kind(node) == "TypeCast":
        node = pgtree.body(node).get("arg")
    return node


def _is_null(node: Any) -> bool:
    node = _strip_casts(node)
    return isinstance(node, dict) and pgtree.kind(node) == "A_Const" and bool(node["A_Const"].get("isnull"))


def _constant(node: Any) -> _Value:
    """The value of a (cast) constant, folding ``||`` of string constants; ``_UNKNOWN`` otherwise."""
    node = _strip_casts(node)
    if not isinstance(node, dict):
        return _UNKNOWN
    kind = pgtree.kind(node)
    if kind == "A_Const":
        return None if node["A_Const"].get("isnull") else pgtree.const_value(node)
    if kind in _VALUE_NODES:  # bare values, e.g. the argument of an EXPLAIN option
        return pgtree.const_value({"A_Const": {_VALUE_NODES[kind]: node[kind]}})
    if kind == "A_Expr":
        expr = pgtree.body(node)
        if expr.get("kind") == "AEXPR_OP" and pgtree.strings(expr.get("name")) == ["||"]:
            left, right = _constant(expr.get("lexpr")), _constant(expr.get("rexpr"))
            if isinstance(left, str) and isinstance(right, str):
                return left + right
    return _UNKNOWN


def _fragments(node: Any) -> list[str]:
    """String constants inside a computed text (``||`` operands, ``format``/``concat`` arguments)."""
    node = _strip_casts(node)
    out: list[str] = []
    if not isinstance(node, dict):
        return out
    kind, fields = pgtree.kind(node), pgtree.body(node)
    if kind == "A_Const":
        value = pgtree.const_value(node)
        if isinstance(value, str):
            out.append(value)
    elif kind == "A_Expr" and pgtree.strings(fields.get("name")) == ["||"]:
        out += _fragments(fields.get("lexpr")) + _fragments(fields.get("rexpr"))
    elif kind == "FuncCall" and pgtree.strings(fields.get("funcname"))[-1:] in (["format"], ["concat"]):
        for arg in fields.get("args") or ():
            out += _fragments(arg)
    return out


def _bool_value(node: Any) -> bool | None:
    value = _constant(node)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def _role_text(value: _Value) -> str | None:
    if isinstance(value, _Unknown):
        return UNKNOWN_ROLE
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value).lower()
    return None if text == "none" else text


def _claims_role_of_json(text: str) -> str | None:
    if not text.strip():
        return None  # empty claims
    try:
        claims = json.loads(text)
    except ValueError:
        return UNKNOWN_ROLE
    if not isinstance(claims, dict):
        return UNKNOWN_ROLE
    role = claims.get("role")
    if role is None:
        return None
    return role if isinstance(role, str) else UNKNOWN_ROLE


def _claims_role(node: Any) -> str | None:
    """The role in a ``request.jwt.claims`` value: literal JSON, ``json(b)_build_object(...)``, NULL."""
    value = _constant(node)
    if value is None:
        return None
    if isinstance(value, str):
        return _claims_role_of_json(value)
    if not isinstance(value, _Unknown):
        return UNKNOWN_ROLE
    built = _strip_casts(node)
    if pgtree.kind(built) == "SubLink" and pgtree.body(built).get("subLinkType") == "EXPR_SUBLINK":
        # (SELECT json_build_object(...)::text FROM ...): the value of its one column
        select = pgtree.body(pgtree.body(built).get("subselect") or {})
        targets: list[pgtree.Node] = select.get("targetList") or []
        if len(targets) == 1 and select.get("op", "SETOP_NONE") == "SETOP_NONE":
            return _claims_role(pgtree.body(targets[0]).get("val"))
    if pgtree.kind(built) == "FuncCall":
        fields = pgtree.body(built)
        name = pgtree.strings(fields.get("funcname"))
        if name[-1:] in (["json_build_object"], ["jsonb_build_object"]) and not fields.get("func_variadic"):
            args = list(fields.get("args") or ())
            if len(args) % 2 == 0:
                keys = [_constant(k) for k in args[0::2]]
                if all(isinstance(k, str) for k in keys):
                    for key, arg in zip(keys, args[1::2], strict=True):
                        if key == "role":
                            role = _constant(arg)
                            return role if isinstance(role, str) or role is None else UNKNOWN_ROLE
                    return None  # no role key
    for fragment in _fragments(node):
        if match := _JSON_ROLE_RX.search(fragment):
            return match.group(1)
    return UNKNOWN_ROLE


def _setting_change(name: str, value: Any | None, local: bool) -> RoleChange | None:
    """A change of setting ``name`` to the expression ``value`` (None: back to its default)."""
    if name == "role":
        return RoleChange(None if value is None else _role_text(_constant(value)), local)
    if name == "session_authorization":
        return RoleChange(None if value is None else _role_text(_constant(value)), local, session=True)
    if name in (_CLAIMS, _CLAIM_ROLE):
        if value is None:
            return None  # claims reset: the database role stays
        role = _claims_role(value) if name == _CLAIMS else _role_text(_constant(value))
        return None if role is None else RoleChange(role, local, claims_role=True)
    return None


def _set_statement(fields: Mapping[str, Any]) -> list[RoleChange]:
    kind = fields.get("kind")
    local = bool(fields.get("is_local"))
    if kind == "VAR_RESET_ALL":
        return []  # RESET ALL resets the claims, but neither role nor session_authorization
    name = str(fields.get("name", "")).lower()
    change: RoleChange | None
    if kind == "VAR_SET_VALUE":
        args = list(fields.get("args") or ())
        if name == _CLAIMS and len(args) != 1:
            change = RoleChange(UNKNOWN_ROLE, local, claims_role=True)
        else:
            change = _setting_change(name, args[0] if args else None, local)
    elif kind in ("VAR_SET_DEFAULT", "VAR_RESET"):
        change = _setting_change(name, None, local and kind == "VAR_SET_DEFAULT")
    else:
        return []
    return [change] if change is not None else []


def _helper(target: QName, helpers: RoleHelpers) -> RoleChange | None:
    key = target.name if target.schema is None else f"{target.schema}.{target.name}"
    if key not in helpers:
        return None
    value = helpers[key]
    return value if isinstance(value, RoleChange) else RoleChange(value, True)


def _set_config(fields: Mapping[str, Any]) -> RoleChange | None:
    args = list(fields.get("args") or ())
    if len(args) != 3 or fields.get("func_variadic"):
        return None
    setting = _constant(args[0])
    if not isinstance(setting, str):
        return None
    local = _bool_value(args[2])
    return _setting_change(
        setting.lower(), None if _is_null(args[1]) else args[1], True if local is None else local
    )


def role_changes(
    node: pgtree.Node, helpers: RoleHelpers = DEFAULT_ROLE_HELPERS, *, calls: Sequence[CallSite] | None = None
) -> list[RoleChange]:
    """Every change one raw statement makes to the role in effect or to the JWT claims' role, in order.

    ``SET [LOCAL] ROLE x`` / ``SET ROLE NONE`` / ``RESET ROLE``; ``SET [LOCAL] SESSION AUTHORIZATION x`` /
    ``... DEFAULT`` / ``RESET SESSION AUTHORIZATION`` and ``DISCARD ALL`` (``session=True``);
    ``SET [LOCAL] request.jwt.claims`` / ``request.jwt.claim.role`` naming a role (``claims_role=True``);
    ``set_config(setting, value, is_local)`` for those settings anywhere in the statement (``is_local`` not
    constant: taken as true); calls of the ``helpers``. A statement may make several, e.g.
    ``SELECT set_config('request.jwt.claims', ...), set_config('role', ...)``.

    ``calls``: the statement's calls as :func:`scan_statement` found them with nothing nested, when the
    caller has them (saves walking the tree again).
    """
    kind = pgtree.kind(node)
    if kind == "VariableSetStmt":
        return _set_statement(pgtree.body(node))
    if kind == "DiscardStmt" and pgtree.body(node).get("target") == "DISCARD_ALL":
        return [RoleChange(None, False, session=True)]
    found: list[tuple[int, RoleChange]] = []
    if calls is None:
        funccalls = [pgtree.body(item) for item in pgtree.walk(node) if len(item) == 1 and "FuncCall" in item]
    else:
        funccalls = [site.call for site in calls]
    if kind == "CallStmt" and isinstance(pgtree.body(node).get("funccall"), dict):
        funccalls.append(pgtree.body(node)["funccall"])  # held without its FuncCall wrapper
    for fields in funccalls:
        target = _qname(pgtree.strings(fields.get("funcname")))
        if target.name == "set_config" and target.schema in (None, "pg_catalog"):
            change = _set_config(fields)
        else:
            change = _helper(target, helpers)
        if change is not None:
            found.append((_location(fields), change))
    found.sort(key=lambda pair: pair[0])
    return [change for _, change in found]


def role_change(node: pgtree.Node, helpers: RoleHelpers = DEFAULT_ROLE_HELPERS) -> RoleChange | None:
    """The change that decides the role in effect after the statement (None when it makes none): the last
    change of the database role, else the last role set through the claims.

    :func:`role_changes` gives them all, for a caller that tracks the claims' role apart.
    """
    changes = role_changes(node, helpers)
    real = [c for c in changes if not c.claims_role] or changes
    return real[-1] if real else None


# -- SQL text run by an assertion ----------------------------------------------------------------------

# pgTAP's _query(): text starting with a double quote or without whitespace ([[:space:]] in the C locale) is
# the name of a prepared statement, and is run as 'EXECUTE ' || text.
_PGTAP_SPACE_RX: Final = re.compile(r"[ \t\n\r\f\v]")
_TEXT_SPLIT: Final = SplitOptions(placeholders={}, variables={})
_EXECUTE: Final = "EXECUTE "


def _names_a_prepared_statement(sql: str) -> bool:
    return bool(sql) and (sql.startswith('"') or _PGTAP_SPACE_RX.search(sql) is None)


def prepared_statement_name(sql: str) -> str | None:
    """The prepared statement that pgTAP runs for ``sql`` (``throws_ok('mythrow')``, ``'"my test"'``), or None
    when pgTAP runs ``sql`` itself.

    pgTAP (``_query()``) treats text that starts with ``"`` or has no whitespace as a prepared statement
    name and runs ``EXECUTE`` text. The name is folded as PostgreSQL folds it (``MyThrow`` → ``mythrow``). Text
    for which ``EXECUTE`` text is no valid statement (``'app.f()'``) has no name: :func:`sql_text_statements`
    reports the error.
    """
    if not _names_a_prepared_statement(sql):
        return None
    try:
        statements = pgtree.parse(_EXECUTE + sql)
    except pgtree.SqlSyntaxError:
        return None
    if len(statements) != 1:
        return None
    return executed_statement(statements[0].node)


def _shift(exercises: Iterable[Exercise], offset: Callable[[int], int]) -> tuple[Exercise, ...]:
    return tuple(
        msgspec.structs.replace(e, location=offset(e.location)) if e.location >= 0 else e for e in exercises
    )


def sql_text_statements(
    sql: str,
    *,
    ignore_functions: Callable[[QName], bool] = ignore_nothing,
    helpers: RoleHelpers = DEFAULT_ROLE_HELPERS,
) -> tuple[list[TextStatement], TextError | None]:
    """Each statement of an SQL text that an assertion runs, with what it exercises and its role changes.

    The text is read as pgTAP reads it: a prepared statement name (see :func:`prepared_statement_name`)
    gives one statement that ``executes`` it; otherwise the text is split into statements (PostgreSQL runs
    every statement of an ``EXECUTE``d string) and each is parsed on its own, so the statements that parse
    are returned even when another does not; the first syntax error is returned with its offset. Note that
    PostgreSQL parses the whole string before running any of it: a text with an error runs nothing.
    """
    if _names_a_prepared_statement(sql):
        why = f"pgTAP runs text without whitespace as the prepared statement {_EXECUTE}{sql}"
        try:
            statements = pgtree.parse(_EXECUTE + sql)
        except pgtree.SqlSyntaxError as exc:
            where = -1 if exc.position is None else max(0, exc.position - len(_EXECUTE))
            return [], TextError(f"{why}: {exc.message}", where)
        node = statements[0].node if len(statements) == 1 else {}
        name = executed_statement(node)
        if name is None:
            return [], TextError(f"{why}: not one EXECUTE statement", 0)
        in_params = statement_exercises(node, ignore_functions=ignore_functions)
        return [TextStatement(0, _shift(in_params, lambda o: max(0, o - len(_EXECUTE))), executes=name)], None
    result: list[TextStatement] = []
    error: TextError | None = None
    for piece in split_sql(sql, _TEXT_SPLIT):
        if piece.kind == "meta":
            if error is None:
                error = TextError(f"not SQL: psql meta-command \\{piece.command}", piece.span.start)
            continue
        if piece.kind != "sql":
            continue
        try:
            parsed = pgtree.parse(piece.text)
        except pgtree.SqlSyntaxError as exc:
            if error is None:
                where = piece.span.start if exc.position is None else piece.file_offset(exc.position)
                error = TextError(exc.message, where)
            continue
        for raw in parsed:
            prepared = prepared_statement(raw.node, ignore_functions=ignore_functions, helpers=helpers)
            if prepared is not None:
                prepared = msgspec.structs.replace(
                    prepared, exercises=_shift(prepared.exercises, piece.file_offset)
                )
            scan = scan_statement(raw.node, ignore_functions=ignore_functions, nests=_never_nests)
            result.append(
                TextStatement(
                    piece.file_offset(raw.location),
                    _shift(scan.exercises, piece.file_offset),
                    tuple(role_changes(raw.node, helpers, calls=scan.calls)),
                    prepared,
                    executed_statement(raw.node),
                )
            )
    return result, error


def sql_text_exercises(
    sql: str, *, ignore_functions: Callable[[QName], bool] = ignore_nothing
) -> tuple[list[Exercise], str | None]:
    """The exercises of an SQL text that an assertion runs, with locations in ``sql``, and the first syntax
    error's message (None when it all parses). A prepared statement name gives no exercise here: see
    :func:`sql_text_statements`, whose statement then names it in ``executes``."""
    statements, error = sql_text_statements(sql, ignore_functions=ignore_functions)
    return [e for s in statements for e in s.exercises], None if error is None else error.message
