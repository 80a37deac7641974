"""Schema facts: what one SQL statement does to the schema, as plain data.

Facts are produced per file by pure functions (``facts.py``) and cached by content hash, so they hold only
what the statement itself says. Anything that depends on other files (which schema an unqualified name
lands in, which type ``status`` means, the name PostgreSQL generates for an unnamed constraint) is decided
later, when ``state.py`` replays the operations of all files in order.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tapgap.findings import Finding
from tapgap.sql.source import Span
from tapgap.sql.suppress import Suppression


class QName(msgspec.Struct, frozen=True, array_like=True):
    """A possibly unqualified object name as written (already folded)."""

    schema: str | None
    name: str


class TypeRef(msgspec.Struct, frozen=True, array_like=True):
    """A type as written. Built-in types are spelled out at once (``display``); others are resolved at replay."""

    display: str | None = None
    schema: str | None = None
    name: str = ""
    array: bool = False
    pct: tuple[str, ...] = ()  # ``tbl.col%TYPE``


ConstraintType = Literal["p", "f", "u", "c", "x"]


class ConstraintDef(msgspec.Struct, frozen=True, array_like=True):
    type: ConstraintType
    name: str | None = None
    # p/u/x: key columns in order; f: referencing columns; c: columns the expression mentions, in order.
    columns: tuple[str, ...] = ()
    references: QName | None = None
    ref_columns: tuple[str, ...] = ()
    using_index: str | None = None


class ColumnDef(msgspec.Struct, frozen=True, array_like=True):
    name: str
    type: TypeRef
    not_null: bool = False
    has_default: bool = False
    identity: bool = False
    serial: bool = False


class IndexDef(msgspec.Struct, frozen=True, array_like=True):
    table: QName
    name: str | None = None
    # Per index element: the name PostgreSQL derives for it (column name, function name, "expr").
    element_names: tuple[str, ...] = ()
    # Every column the index mentions (keys, expressions, predicate): dropping one of them drops the index.
    columns: tuple[str, ...] = ()
    unique: bool = False
    if_not_exists: bool = False


class ReturnDef(msgspec.Struct, frozen=True, array_like=True):
    setof: bool = False
    type: TypeRef | None = None
    table: tuple[tuple[str, TypeRef], ...] = ()  # RETURNS TABLE (...)
    outs: tuple[tuple[str, TypeRef], ...] = ()  # OUT / INOUT parameters


class _Op(msgspec.Struct, frozen=True, tag=True, tag_field="op", array_like=True):
    """Base of the operations: encoded with their class name under ``"op"``."""


class SetSearchPath(_Op, frozen=True):
    path: tuple[str, ...] | None  # None: back to the default
    local: bool = False


class EndTransaction(_Op, frozen=True):
    pass


class CreateSchema(_Op, frozen=True):
    name: str
    if_not_exists: bool = False


class CreateTable(_Op, frozen=True):
    name: QName
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[ConstraintDef, ...] = ()
    if_not_exists: bool = False
    like: tuple[tuple[QName, bool], ...] = ()  # (source, copy defaults)
    inherits: tuple[QName, ...] = ()
    partition_of: QName | None = None
    partitioned: bool = False
    temporary: bool = False
    of_type: bool = False  # CREATE TABLE ... AS / OF type: columns unknown statically


class CreateView(_Op, frozen=True):
    name: QName
    materialized: bool = False
    replace: bool = False
    if_not_exists: bool = False
    temporary: bool = False
    relations: tuple[QName, ...] = ()  # what its query reads (DROP ... CASCADE drops the view)


class AlterColumn(msgspec.Struct, frozen=True, array_like=True):
    """One ALTER TABLE action. ``action`` names it; the other fields are its arguments."""

    action: str
    column: str | None = None
    column_def: ColumnDef | None = None
    constraint: ConstraintDef | None = None
    type: TypeRef | None = None
    missing_ok: bool = False
    cascade: bool = False
    partition: QName | None = None


class AlterTable(_Op, frozen=True):
    name: QName
    actions: tuple[AlterColumn, ...]
    if_exists: bool = False


class Rename(_Op, frozen=True):
    object: str  # "table", "column", "constraint", "index", "view", "function", "trigger", "policy", ...
    target: QName
    new_name: str
    sub: str | None = None  # column / constraint / trigger / policy name, or enum label
    signature: tuple[TypeRef, ...] | None = None
    if_exists: bool = False


class SetSchema(_Op, frozen=True):
    object: str
    target: QName
    new_schema: str
    signature: tuple[TypeRef, ...] | None = None
    if_exists: bool = False


class DropTarget(msgspec.Struct, frozen=True, array_like=True):
    name: QName
    parent: QName | None = None  # the table of a trigger / policy
    signature: tuple[TypeRef, ...] | None = None  # None: any (``DROP FUNCTION f``)


class Drop(_Op, frozen=True):
    object: str
    targets: tuple[DropTarget, ...]
    if_exists: bool = False
    cascade: bool = False


class CreateIndex(_Op, frozen=True):
    index: IndexDef


class CreateFunction(_Op, frozen=True):
    name: QName
    args: tuple[TypeRef, ...]
    returns: ReturnDef | None = None
    procedure: bool = False
    replace: bool = False
    security_definer: bool = False


class CreateTrigger(_Op, frozen=True):
    name: str
    table: QName
    function: str
    replace: bool = False
    events: tuple[str, ...] = ()  # INSERT, UPDATE, DELETE, TRUNCATE


class CreatePolicy(_Op, frozen=True):
    name: str
    table: QName
    command: str = "ALL"
    roles: tuple[str, ...] = ("public",)
    permissive: bool = True


class AlterPolicy(_Op, frozen=True):
    name: str
    table: QName
    roles: tuple[str, ...] | None = None


class CreateType(_Op, frozen=True):
    name: QName
    type: Literal["enum", "composite", "range"]
    labels: tuple[str, ...] = ()


class AlterEnum(_Op, frozen=True):
    name: QName
    value: str
    neighbor: str | None = None
    after: bool = False
    rename_from: str | None = None
    if_not_exists: bool = False


class CreateDomain(_Op, frozen=True):
    name: QName
    base: TypeRef
    not_null: bool = False


class AlterDomain(_Op, frozen=True):
    name: QName
    not_null: bool


class CreateSequence(_Op, frozen=True):
    name: QName
    if_not_exists: bool = False
    temporary: bool = False


class CreateExtension(_Op, frozen=True):
    name: str
    schema: str | None = None
    if_not_exists: bool = False


class CreateRole(_Op, frozen=True):
    name: str


Operation = (
    SetSearchPath
    | EndTransaction
    | CreateSchema
    | CreateTable
    | CreateView
    | AlterTable
    | Rename
    | SetSchema
    | Drop
    | CreateIndex
    | CreateFunction
    | CreateTrigger
    | CreatePolicy
    | AlterPolicy
    | CreateType
    | AlterEnum
    | CreateDomain
    | AlterDomain
    | CreateSequence
    | CreateExtension
    | CreateRole
)


class Located(msgspec.Struct, frozen=True, array_like=True):
    """An operation and the statement it came from."""

    op: Operation
    span: Span


class SchemaFileFacts(msgspec.Struct, frozen=True, array_like=True):
    operations: list[Located]
    findings: list[Finding]
    statements: int
    suppressions: list[Suppression]
