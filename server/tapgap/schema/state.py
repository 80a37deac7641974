"""Schema state: replay the operations of every schema file, in order, the way PostgreSQL would apply them.

The state is an object graph (schema → relations, functions, types; table → columns, constraints, triggers,
policies) rather than tables of names, so that a rename is one assignment: a foreign key holds the column
objects it references, a column holds the type object it uses, and every key is computed from the current
names when it is read.

Replay follows PostgreSQL's semantics where the statements say enough: search_path resolution (``SET`` and
``SET LOCAL``, reset at each file start as ``psql -f`` does), CREATE / OR REPLACE / IF [NOT] EXISTS, ALTER,
RENAME, SET SCHEMA, DROP with CASCADE, and the names PostgreSQL generates for unnamed constraints, indexes
and sequences. A statement that PostgreSQL would reject (creating what exists, altering what does not) is
skipped, as an ``ON_ERROR_STOP`` run would never get past it anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from tapgap.schema import model as m
from tapgap.schema.naming import choose_name, index_column_names, name_addition
from tapgap.sql.names import quote_identifier
from tapgap.sql.source import Span
from tapgap.sql.types import strip_typmod


class Loc(msgspec.Struct, frozen=True, array_like=True):
    """Where an object was (last) defined."""

    file: str
    span: Span


# Types that common extensions add; an unqualified use resolves to the schema the extension was created in.
EXTENSION_TYPES = {
    "citext": "citext",
    "hstore": "hstore",
    "ltree": "ltree",
    "lquery": "ltree",
    "ltxtquery": "ltree",
    "cube": "cube",
    "earth": "earthdistance",
    "isbn": "isn",
    "ean13": "isn",
    "vector": "vector",
    "halfvec": "vector",
    "sparsevec": "vector",
    "geometry": "postgis",
    "geography": "postgis",
    "box2d": "postgis",
    "seg": "seg",
}


# ---------------------------------------------------------------------------------------------- objects


@dataclass(eq=False)
class Schema:
    name: str
    loc: Loc | None
    builtin: bool = False
    relations: dict[str, Relation] = field(default_factory=dict)
    functions: dict[str, list[Function]] = field(default_factory=dict)
    types: dict[str, UserType] = field(default_factory=dict)
    constraint_names: Counter[str] = field(default_factory=Counter)


@dataclass(eq=False)
class Relation:
    name: str
    schema: Schema
    loc: Loc
    # Reverse references, kept by the state's mutations so that a DROP touches only what depends on the
    # object instead of scanning the whole schema (replay stays linear on big projects).
    indexes: list[Index] = field(default_factory=list, repr=False)
    readers: list[View] = field(default_factory=list, repr=False)
    referenced_by: list[tuple[Table, Constraint]] = field(default_factory=list, repr=False)

    @property
    def qualified(self) -> str:
        return f"{quote_identifier(self.schema.name)}.{quote_identifier(self.name)}"


@dataclass(eq=False)
class TypeUse:
    """A column's, domain's or argument's type: a fixed spelling, or a user type that may be renamed later."""

    text: str = ""
    obj: UserType | Relation | None = None
    array: bool = False

    def display(self) -> str:
        if self.obj is None:
            return self.text
        return self.obj.qualified + ("[]" if self.array else "")


@dataclass(eq=False)
class Column:
    name: str
    type: TypeUse
    not_null: bool
    has_default: bool
    identity: bool
    loc: Loc
    sequence: Sequence_ | None = None


@dataclass(eq=False)
class Constraint:
    name: str
    type: m.ConstraintType
    columns: list[Column]
    loc: Loc
    ref_table: Table | None = None
    ref_columns: list[Column] = field(default_factory=list)
    index: Index | None = None
    # A foreign key to a table the project does not create (``auth.users``): (schema, table, columns).
    ref_external: tuple[str, str, tuple[str, ...]] | None = None


@dataclass(eq=False)
class Trigger:
    name: str
    function: str
    loc: Loc
    events: tuple[str, ...] = ()


@dataclass(eq=False)
class Policy:
    name: str
    command: str
    roles: tuple[str, ...]
    permissive: bool
    loc: Loc


@dataclass(eq=False)
class Table(Relation):
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    partitioned: bool = False
    columns_known: bool = True  # False for CREATE TABLE AS / OF type: columns come from elsewhere
    external: bool = False  # not created by the project (e.g. Supabase's auth.users), but given members


@dataclass(eq=False)
class View(Relation):
    materialized: bool = False
    reads: list[Relation] = field(default_factory=list)


@dataclass(eq=False)
class Index(Relation):
    table: Table | View | None = None
    unique: bool = False
    primary: bool = False
    columns: list[Column] = field(default_factory=list)


@dataclass(eq=False)
class Sequence_(Relation):
    owner: Table | None = None
    identity: bool = False  # an identity column's sequence: internal to the column


@dataclass(eq=False)
class Function:
    name: str
    schema: Schema
    args: list[TypeUse]
    procedure: bool
    returns: TypeUse | None  # None for procedures and RETURNS TABLE
    table_columns: list[tuple[str, TypeUse]]
    setof: bool
    loc: Loc
    security_definer: bool = False

    def signature(self) -> tuple[str, ...]:
        return tuple(a.display() for a in self.args)

    def uses(self, obj: object) -> bool:
        types = [*self.args, *(t for _, t in self.table_columns)]
        if self.returns is not None:
            types.append(self.returns)
        return any(t.obj is obj for t in types)

    def result(self) -> str | None:
        """What ``pg_get_function_result`` prints."""
        if self.procedure:
            return None
        if self.table_columns:
            cols = ", ".join(f"{quote_identifier(n)} {t.display()}" for n, t in self.table_columns)
            return f"TABLE({cols})"
        base = self.returns.display() if self.returns is not None else "void"
        return f"SETOF {base}" if self.setof else base


@dataclass(eq=False)
class UserType:
    name: str
    schema: Schema
    type: Literal["enum", "composite", "range", "domain"]
    loc: Loc
    labels: list[str] = field(default_factory=list)
    base: TypeUse | None = None
    not_null: bool = False

    @property
    def qualified(self) -> str:
        return f"{quote_identifier(self.schema.name)}.{quote_identifier(self.name)}"


@dataclass(eq=False)
class Extension:
    name: str
    schema: str
    loc: Loc


# ---------------------------------------------------------------------------------------------- the state


class SchemaState:
    """What exists after the operations replayed so far."""

    def __init__(self, search_path: Sequence[str] = ("public",)) -> None:
        self.default_search_path = tuple(search_path)
        self.schemas: dict[str, Schema] = {"public": Schema("public", None, builtin=True)}
        self.extensions: dict[str, Extension] = {}
        self.roles: dict[str, Loc] = {}
        self._path: tuple[str, ...] = self.default_search_path
        self._session_path: tuple[str, ...] = self.default_search_path
        self._file = ""

    # -- replay ------------------------------------------------------------------------------------------

    def begin_file(self, file: str) -> None:
        """Each schema file runs in a session of its own (``psql -f``): the search_path starts afresh."""
        self._file = file
        self._path = self._session_path = self.default_search_path

    def apply(self, located: m.Located) -> None:
        handler = _REPLAY.get(type(located.op))
        if handler is not None:
            handler(self, located.op, Loc(self._file, located.span))

    def replay(self, files: Iterable[tuple[str, Iterable[m.Located]]]) -> SchemaState:
        for name, operations in files:
            self.begin_file(name)
            for located in operations:
                self.apply(located)
        return self

    # -- name resolution ---------------------------------------------------------------------------------

    def _search_path(self) -> Iterator[str]:
        for entry in self._path:
            if not entry.startswith("$") and entry != "pg_catalog":
                yield entry

    def creation_schema(self, name: m.QName) -> Schema:
        """Where CREATE puts ``name``: its schema, or the first existing schema of the search_path."""
        if name.schema is not None:
            return self.schemas.get(name.schema) or self._external_schema(name.schema)
        first = None
        for entry in self._search_path():
            if entry in self.schemas:
                return self.schemas[entry]
            first = first or entry
        return self._external_schema(first or "public")

    def _external_schema(self, name: str) -> Schema:
        # A schema the project uses but does not create (Supabase's ``auth``, an extension's schema).
        schema = self.schemas.get(name)
        if schema is None:
            schema = self.schemas[name] = Schema(name, None, builtin=True)
        return schema

    def _lookup(self, name: m.QName, find: Callable[[Schema], Any]) -> Any:
        if name.schema is not None:
            schema = self.schemas.get(name.schema)
            return find(schema) if schema is not None else None
        for entry in self._search_path():
            schema = self.schemas.get(entry)
            if schema is not None:
                found = find(schema)
                if found is not None:
                    return found
        return None

    def relation(self, name: m.QName) -> Relation | None:
        found: Relation | None = self._lookup(name, lambda s: s.relations.get(name.name))
        return found

    def table(self, name: m.QName) -> Table | None:
        rel = self.relation(name)
        return rel if isinstance(rel, Table) else None

    def member_table(self, name: m.QName, loc: Loc) -> Table | None:
        """The table a trigger, policy, index or ALTER applies to; a table the project does not create
        (a platform table such as ``auth.users``) is stood in for, so that the project's members on it count."""
        rel = self.relation(name)
        if rel is not None:
            return rel if isinstance(rel, Table) else None
        if name.schema is None:
            return None
        schema = self.creation_schema(name)
        table = Table(name.name, schema, loc, columns_known=False, external=True)
        self._add_relation(table)
        return table

    def user_type(self, name: m.QName) -> UserType | None:
        found: UserType | None = self._lookup(name, lambda s: s.types.get(name.name))
        return found

    def resolve_type(self, ref: m.TypeRef) -> TypeUse:
        if ref.display is not None:
            return TypeUse(ref.display)
        if ref.pct:
            return self._column_type(ref)
        qname = m.QName(ref.schema, ref.name)
        obj: UserType | Relation | None = self.user_type(qname) or self.relation(qname)
        if obj is not None:
            return TypeUse(obj=obj, array=ref.array)
        schema = ref.schema or self._extension_type_schema(ref.name)
        text = (
            f"{quote_identifier(schema)}.{quote_identifier(ref.name)}"
            if schema
            else quote_identifier(ref.name)
        )
        return TypeUse(text + ("[]" if ref.array else ""))

    def _extension_type_schema(self, type_name: str) -> str | None:
        extension = self.extensions.get(EXTENSION_TYPES.get(type_name, ""))
        if extension is not None:
            return extension.schema
        return next(self._search_path(), None)

    def _column_type(self, ref: m.TypeRef) -> TypeUse:
        names = ref.pct
        if len(names) >= 2:
            table = self.table(m.QName(names[-3] if len(names) >= 3 else None, names[-2]))
            column = table.columns.get(names[-1]) if table else None
            if column is not None:
                base = column.type
                # Function signatures never carry a typmod: strip "(n)" from built-in spellings.
                text = strip_typmod(base.text) if base.obj is None else ""
                return TypeUse(text, base.obj, base.array or ref.array)
        return TypeUse(".".join(names) + "%TYPE")

    # -- constraint / relation naming --------------------------------------------------------------------

    def _relation_taken(self, schema: Schema, constraint_too: bool) -> Callable[[str], bool]:
        def taken(candidate: str) -> bool:
            return candidate in schema.relations or (
                constraint_too and schema.constraint_names[candidate] > 0
            )

        return taken

    def _constraint_taken(self, schema: Schema, others: Sequence[str]) -> Callable[[str], bool]:
        return lambda candidate: schema.constraint_names[candidate] > 0 or candidate in others

    # -- mutations (every change of names goes through here, to keep the per-schema counters right) ------

    def _add_relation(self, rel: Relation) -> None:
        rel.schema.relations[rel.name] = rel
        if isinstance(rel, Index) and rel.table is not None:
            rel.table.indexes.append(rel)
        elif isinstance(rel, View):
            for read in rel.reads:
                read.readers.append(rel)

    def _set_reads(self, view: View, reads: list[Relation]) -> None:
        for read in view.reads:
            _discard(read.readers, view)
        view.reads = reads
        for read in reads:
            read.readers.append(view)

    def _add_constraint(self, table: Table, con: Constraint) -> None:
        table.constraints[con.name] = con
        table.schema.constraint_names[con.name] += 1
        if con.ref_table is not None:
            con.ref_table.referenced_by.append((table, con))

    def _remove_constraint(self, table: Table, con: Constraint) -> None:
        if table.constraints.get(con.name) is con:
            del table.constraints[con.name]
            table.schema.constraint_names[con.name] -= 1
            if con.ref_table is not None:
                con.ref_table.referenced_by = [
                    pair for pair in con.ref_table.referenced_by if pair[1] is not con
                ]
        if con.index is not None:
            self._remove_relation(con.index)

    def _rename_constraint(self, table: Table, con: Constraint, new: str) -> None:
        del table.constraints[con.name]
        table.schema.constraint_names[con.name] -= 1
        con.name = new
        table.constraints[new] = con
        table.schema.constraint_names[new] += 1

    def _remove_relation(self, rel: Relation) -> None:
        if rel.schema.relations.get(rel.name) is rel:
            del rel.schema.relations[rel.name]
        if isinstance(rel, Index) and rel.table is not None:
            _discard(rel.table.indexes, rel)
        if isinstance(rel, View):
            for read in rel.reads:
                _discard(read.readers, rel)
        for index in list(rel.indexes):
            self._remove_relation(index)
        if isinstance(rel, Table):
            for con in list(rel.constraints.values()):
                self._remove_constraint(rel, con)
            for column in rel.columns.values():
                if column.sequence is not None:
                    self._remove_relation(column.sequence)

    def _rename_relation(self, rel: Relation, new: str) -> None:
        if rel.schema.relations.get(rel.name) is rel:
            del rel.schema.relations[rel.name]
        rel.name = new
        rel.schema.relations[new] = rel

    def _drop_relation(self, rel: Relation, cascade: bool) -> None:
        self._remove_relation(rel)
        for other, con in list(rel.referenced_by):
            self._remove_constraint(other, con)
        if cascade:
            for dependent in list(rel.readers):
                self._drop_relation(dependent, cascade)

    # -- reading -----------------------------------------------------------------------------------------

    def tables(self) -> Iterator[Table]:
        for schema in self.schemas.values():
            for rel in schema.relations.values():
                if isinstance(rel, Table):
                    yield rel

    def functions(self) -> Iterator[Function]:
        for schema in self.schemas.values():
            for overloads in schema.functions.values():
                yield from overloads

    def find_function(
        self, name: m.QName, signature: Sequence[m.TypeRef] | None, procedure: bool | None = None
    ) -> Function | None:
        wanted = None if signature is None else tuple(self.resolve_type(t).display() for t in signature)

        def find(schema: Schema) -> Function | None:
            for fn in schema.functions.get(name.name, ()):
                if procedure is not None and fn.procedure != procedure:
                    continue
                if wanted is None or fn.signature() == wanted:
                    return fn
            return None

        found: Function | None = self._lookup(name, find)
        return found


def _discard(items: list[Any], item: object) -> None:
    for i, candidate in enumerate(items):
        if candidate is item:
            del items[i]
            return


# ---------------------------------------------------------------------------------------------- replay


def _set_search_path(state: SchemaState, op: m.SetSearchPath, loc: Loc) -> None:
    path = state.default_search_path if op.path is None else op.path
    if op.local:
        state._path = path
    else:
        state._path = state._session_path = path


def _end_transaction(state: SchemaState, op: m.EndTransaction, loc: Loc) -> None:
    state._path = state._session_path


def _create_schema(state: SchemaState, op: m.CreateSchema, loc: Loc) -> None:
    existing = state.schemas.get(op.name)
    if existing is not None:
        if existing.builtin and existing.loc is None and op.name != "public":
            existing.loc = loc
            existing.builtin = False
        return
    state.schemas[op.name] = Schema(op.name, loc)


def _make_column(state: SchemaState, col: m.ColumnDef, loc: Loc) -> Column:
    return Column(
        name=col.name,
        type=state.resolve_type(col.type),
        not_null=col.not_null,
        has_default=col.has_default,
        identity=col.identity,
        loc=loc,
    )


def _owned_sequence(state: SchemaState, table: Table, column: Column, loc: Loc) -> None:
    name = choose_name(table.name, column.name, "seq", state._relation_taken(table.schema, False))
    seq = Sequence_(name, table.schema, loc, owner=table, identity=column.identity)
    state._add_relation(seq)
    column.sequence = seq


def _create_table(state: SchemaState, op: m.CreateTable, loc: Loc) -> None:
    if op.temporary:
        return
    schema = state.creation_schema(op.name)
    if op.name.name in schema.relations:
        return
    table = Table(op.name.name, schema, loc, partitioned=op.partitioned, columns_known=not op.of_type)
    sources: list[tuple[Table, bool]] = []
    for parent in [op.partition_of] if op.partition_of else op.inherits:
        found = state.table(parent)
        if found is not None:
            sources.append((found, True))
    for like, defaults in op.like:
        found = state.table(like)
        if found is not None:
            sources.append((found, defaults))
    for source, defaults in sources:
        for parent_col in source.columns.values():
            table.columns[parent_col.name] = Column(
                parent_col.name,
                parent_col.type,
                parent_col.not_null,
                parent_col.has_default and defaults,
                parent_col.identity and defaults and op.partition_of is not None,
                loc,
            )
    for col in op.columns:
        inherited = table.columns.get(col.name)
        column = _make_column(state, col, loc)
        if inherited is not None:
            # A column both inherited and declared merges: constraints add up.
            column.not_null = column.not_null or inherited.not_null
            column.has_default = column.has_default or inherited.has_default
        table.columns[col.name] = column
    state._add_relation(table)
    for col in op.columns:
        if col.serial or col.identity:
            _owned_sequence(state, table, table.columns[col.name], loc)
    inherited_checks = [
        con
        for source, _ in sources[: 1 if op.partition_of else len(op.inherits)]
        for con in source.constraints.values()
        if con.type == "c"
    ]
    for con in inherited_checks:
        if con.name not in table.constraints:
            state._add_constraint(
                table, Constraint(con.name, "c", [table.columns[c.name] for c in con.columns], loc)
            )
    _add_constraints(state, table, op.constraints, loc)


def _add_constraints(
    state: SchemaState, table: Table, constraints: Sequence[m.ConstraintDef], loc: Loc
) -> None:
    # PostgreSQL's order: CHECK constraints with the table, then indexes (primary key first), then FKs.
    order = {"c": 0, "p": 1, "u": 2, "x": 2, "f": 3}
    checks: list[str] = []
    for con in sorted(constraints, key=lambda c: order[c.type]):
        _add_constraint(state, table, con, loc, checks)


def _add_constraint(
    state: SchemaState, table: Table, con: m.ConstraintDef, loc: Loc, checks: list[str] | None = None
) -> None:
    schema = table.schema
    columns = [table.columns[c] for c in con.columns if c in table.columns]
    if con.type == "c":
        # Only table columns count, and PostgreSQL keeps them in column order.
        order = list(table.columns)
        columns.sort(key=lambda c: order.index(c.name))
        name = con.name or choose_name(
            table.name,
            columns[0].name if len(columns) == 1 else None,
            "check",
            state._constraint_taken(schema, checks or []),
        )
        if checks is not None:
            checks.append(name)
        state._add_constraint(table, Constraint(name, "c", columns, loc))
        return
    if con.type == "f":
        ref_table = state.table(con.references) if con.references else None
        if (
            ref_table is None
            and con.references is not None
            and con.references.name == table.name
            and (con.references.schema in (None, schema.name))
        ):
            ref_table = table
        ref_columns: list[Column] = []
        if ref_table is not None:
            if con.ref_columns:
                ref_columns = [ref_table.columns[c] for c in con.ref_columns if c in ref_table.columns]
            else:
                pk = next((c for c in ref_table.constraints.values() if c.type == "p"), None)
                ref_columns = list(pk.columns) if pk else []
        name = con.name or choose_name(
            table.name,
            name_addition(c.name for c in columns),
            "fkey",
            state._constraint_taken(schema, []),
        )
        constraint = Constraint(name, "f", columns, loc, ref_table=ref_table, ref_columns=ref_columns)
        if ref_table is None and con.references is not None:
            ref_schema = state.creation_schema(con.references).name
            constraint.ref_external = (ref_schema, con.references.name, con.ref_columns)
        state._add_constraint(table, constraint)
        return
    # Index-backed: primary key, unique, exclusion.
    if con.type == "p":
        for column in columns:
            column.not_null = True
    existing_index = None
    if con.using_index is not None:
        rel = schema.relations.get(con.using_index)
        existing_index = rel if isinstance(rel, Index) else None
    if con.name:
        name = con.name
    elif existing_index is not None:
        name = existing_index.name
    elif con.type == "p":
        name = choose_name(table.name, None, "pkey", state._relation_taken(schema, True))
    else:
        label = "key" if con.type == "u" else "excl"
        name = choose_name(
            table.name,
            name_addition(index_column_names(con.columns)),
            label,
            state._relation_taken(schema, True),
        )
    if existing_index is not None:
        index = existing_index
        state._rename_relation(index, name)
        index.unique = con.type in ("p", "u") or index.unique
        index.primary = con.type == "p"
    else:
        index = Index(name, schema, loc, table=table, unique=con.type != "x", primary=con.type == "p")
        index.columns = list(columns)
        state._add_relation(index)
    state._add_constraint(table, Constraint(name, con.type, columns, loc, index=index))


def _create_view(state: SchemaState, op: m.CreateView, loc: Loc) -> None:
    if op.temporary:
        return
    schema = state.creation_schema(op.name)
    existing = schema.relations.get(op.name.name)
    reads = [r for r in (state.relation(q) for q in op.relations) if r is not None]
    if existing is not None:
        if op.replace and isinstance(existing, View) and not existing.materialized:
            existing.loc = loc
            state._set_reads(existing, reads)
        return
    state._add_relation(View(op.name.name, schema, loc, materialized=op.materialized, reads=reads))


def _create_index(state: SchemaState, op: m.CreateIndex, loc: Loc) -> None:
    idx = op.index
    rel = state.relation(idx.table)
    table = rel if isinstance(rel, View) and rel.materialized else state.member_table(idx.table, loc)
    if table is None:
        return
    schema = table.schema
    if idx.name is not None and idx.name in schema.relations:
        return
    name = idx.name or choose_name(
        table.name,
        name_addition(index_column_names(idx.element_names)),
        "idx",
        state._relation_taken(schema, False),
    )
    columns = (
        [table.columns[c] for c in idx.columns if c in table.columns] if isinstance(table, Table) else []
    )
    state._add_relation(Index(name, schema, loc, table=table, unique=idx.unique, columns=columns))


def _drop_column(state: SchemaState, table: Table, column: Column) -> None:
    del table.columns[column.name]
    for con in list(table.constraints.values()):
        if column in con.columns:
            state._remove_constraint(table, con)
    for index in list(table.indexes):
        if column in index.columns:
            state._remove_relation(index)
    for other, con in list(table.referenced_by):
        if column in con.ref_columns:
            state._remove_constraint(other, con)
    if column.sequence is not None:
        state._remove_relation(column.sequence)


def _alter_table(state: SchemaState, op: m.AlterTable, loc: Loc) -> None:
    table = state.member_table(op.name, loc)
    if table is None:
        return
    for action in op.actions:
        column = table.columns.get(action.column or "") if action.column else None
        kind = action.action
        if kind == "add_column" and action.column_def is not None:
            if column is not None:
                continue
            column = _make_column(state, action.column_def, loc)
            table.columns[column.name] = column
            if action.column_def.serial or action.column_def.identity:
                _owned_sequence(state, table, column, loc)
        elif kind == "add_constraint" and action.constraint is not None:
            _add_constraint(state, table, action.constraint, loc)
        elif kind == "drop_constraint":
            con = table.constraints.get(action.column or "")
            if con is not None:
                state._remove_constraint(table, con)
        elif kind in _TABLE_FLAGS:
            attr, value = _TABLE_FLAGS[kind]
            setattr(table, attr, value)
        elif column is not None:
            _alter_column(state, table, column, action, loc)


_TABLE_FLAGS = {
    "enable_rls": ("rls_enabled", True),
    "disable_rls": ("rls_enabled", False),
    "force_rls": ("rls_forced", True),
    "no_force_rls": ("rls_forced", False),
}


def _alter_column(state: SchemaState, table: Table, column: Column, action: m.AlterColumn, loc: Loc) -> None:
    kind = action.action
    if kind == "drop_column":
        _drop_column(state, table, column)
    elif kind == "set_type" and action.type is not None:
        column.type = state.resolve_type(action.type)
    elif kind == "set_not_null":
        column.not_null = True
    elif kind == "drop_not_null":
        column.not_null = False
    elif kind == "set_default":
        column.has_default = True
    elif kind == "drop_default":
        column.has_default = False
    elif kind == "add_identity":
        column.identity = column.not_null = True
        _owned_sequence(state, table, column, loc)
    elif kind == "drop_identity":
        column.identity = False
        if column.sequence is not None:
            state._remove_relation(column.sequence)
            column.sequence = None


def _rename(state: SchemaState, op: m.Rename, loc: Loc) -> None:
    obj = op.object
    if obj in ("table", "view", "materialized view", "index", "sequence") and op.sub is None:
        rel = state.relation(op.target)
        if rel is not None and op.new_name not in rel.schema.relations:
            state._rename_relation(rel, op.new_name)
            if isinstance(rel, Index):
                _rename_index_constraint(state, rel)
        return
    table = state.table(op.target) if obj in ("column", "constraint", "trigger", "policy", "table") else None
    if obj in ("column", "table") and table is not None and op.sub is not None:
        column = table.columns.get(op.sub)
        if column is not None and op.new_name not in table.columns:
            table.columns = {(op.new_name if k == op.sub else k): v for k, v in table.columns.items()}
            column.name = op.new_name
    elif obj == "constraint" and table is not None and op.sub is not None:
        con = table.constraints.get(op.sub)
        if con is not None:
            state._rename_constraint(table, con, op.new_name)
            if con.index is not None:
                state._rename_relation(con.index, op.new_name)
    elif obj == "trigger" and table is not None and op.sub is not None:
        _rename_member(table.triggers, op.sub, op.new_name)
    elif obj == "policy" and table is not None and op.sub is not None:
        _rename_member(table.policies, op.sub, op.new_name)
    elif obj in ("function", "procedure", "routine"):
        fn = state.find_function(op.target, op.signature)
        if fn is not None:
            overloads = fn.schema.functions[fn.name]
            overloads.remove(fn)
            if not overloads:
                del fn.schema.functions[fn.name]
            fn.name = op.new_name
            fn.schema.functions.setdefault(fn.name, []).append(fn)
    elif obj in ("type", "domain"):
        utype = state.user_type(op.target)
        if utype is not None and op.new_name not in utype.schema.types:
            del utype.schema.types[utype.name]
            utype.name = op.new_name
            utype.schema.types[utype.name] = utype
    elif obj == "schema":
        schema = state.schemas.get(op.target.name)
        if schema is not None and op.new_name not in state.schemas:
            del state.schemas[schema.name]
            schema.name = op.new_name
            state.schemas[schema.name] = schema


def _rename_member(members: dict[str, Any], old: str, new: str) -> None:
    item = members.get(old)
    if item is not None and new not in members:
        del members[old]
        item.name = new
        members[new] = item


def _rename_index_constraint(state: SchemaState, index: Index) -> None:
    # Renaming the index of a primary key / unique / exclusion constraint renames the constraint too.
    table = index.table
    if not isinstance(table, Table):
        return
    for con in list(table.constraints.values()):
        if con.index is index and con.name != index.name:
            state._rename_constraint(table, con, index.name)


def _set_schema(state: SchemaState, op: m.SetSchema, loc: Loc) -> None:
    target = state.schemas.get(op.new_schema) or state._external_schema(op.new_schema)
    if op.object in ("table", "view", "materialized view", "sequence"):
        rel = state.relation(op.target)
        if rel is None or rel.name in target.relations:
            return
        members: list[Relation] = [rel]
        if isinstance(rel, Table):
            members += [r for r in rel.schema.relations.values() if isinstance(r, Index) and r.table is rel]
            members += [c.sequence for c in rel.columns.values() if c.sequence is not None]
            for con in rel.constraints.values():
                rel.schema.constraint_names[con.name] -= 1
                target.constraint_names[con.name] += 1
        for member in members:
            member.schema.relations.pop(member.name, None)
            member.schema = target
            target.relations[member.name] = member
    elif op.object in ("function", "procedure", "routine"):
        fn = state.find_function(op.target, op.signature)
        if fn is not None:
            overloads = fn.schema.functions[fn.name]
            overloads.remove(fn)
            if not overloads:
                del fn.schema.functions[fn.name]
            fn.schema = target
            target.functions.setdefault(fn.name, []).append(fn)
    elif op.object in ("type", "domain"):
        utype = state.user_type(op.target)
        if utype is not None and utype.name not in target.types:
            del utype.schema.types[utype.name]
            utype.schema = target
            target.types[utype.name] = utype


def _drop(state: SchemaState, op: m.Drop, loc: Loc) -> None:
    for target in op.targets:
        _drop_one(state, op, target)


def _drop_one(state: SchemaState, op: m.Drop, target: m.DropTarget) -> None:
    obj = op.object
    if obj in ("table", "view", "materialized view", "index", "sequence"):
        rel = state.relation(target.name)
        if rel is not None and _relation_kind(rel) == obj:
            state._drop_relation(rel, op.cascade)
    elif obj in ("trigger", "policy") and target.parent is not None:
        table = state.table(target.parent)
        if table is not None:
            (table.triggers if obj == "trigger" else table.policies).pop(target.name.name, None)
    elif obj in ("function", "procedure", "routine"):
        procedure = None if obj == "routine" else obj == "procedure"
        fn = state.find_function(target.name, target.signature, procedure)
        if fn is not None:
            overloads = fn.schema.functions[fn.name]
            overloads.remove(fn)
            if not overloads:
                del fn.schema.functions[fn.name]
    elif obj in ("type", "domain"):
        utype = state.user_type(target.name)
        if utype is not None:
            del utype.schema.types[utype.name]
            if op.cascade:
                _drop_type_users(state, utype)
    elif obj == "schema":
        schema = state.schemas.get(target.name.name)
        if schema is not None and (op.cascade or not (schema.relations or schema.functions or schema.types)):
            for rel in list(schema.relations.values()):
                state._drop_relation(rel, True)
            del state.schemas[schema.name]
    elif obj == "extension":
        state.extensions.pop(target.name.name, None)
    elif obj == "role":
        state.roles.pop(target.name.name, None)


def _drop_type_users(state: SchemaState, utype: UserType) -> None:
    for table in list(state.tables()):
        for column in list(table.columns.values()):
            if column.type.obj is utype:
                _drop_column(state, table, column)
    for fn in list(state.functions()):
        if fn.uses(utype):
            fn.schema.functions[fn.name].remove(fn)
            if not fn.schema.functions[fn.name]:
                del fn.schema.functions[fn.name]


def _relation_kind(rel: Relation) -> str:
    if isinstance(rel, Table):
        return "table"
    if isinstance(rel, View):
        return "materialized view" if rel.materialized else "view"
    if isinstance(rel, Index):
        return "index"
    return "sequence"


def _create_function(state: SchemaState, op: m.CreateFunction, loc: Loc) -> None:
    schema = state.creation_schema(op.name)
    args = [state.resolve_type(a) for a in op.args]
    signature = tuple(a.display() for a in args)
    returns: TypeUse | None = None
    table_columns: list[tuple[str, TypeUse]] = []
    ret = op.returns
    if ret is not None:
        if ret.table:
            table_columns = [(n, state.resolve_type(t)) for n, t in ret.table]
        elif len(ret.outs) == 1:
            returns = state.resolve_type(ret.outs[0][1])
        elif ret.outs:
            returns = TypeUse("record")
        elif ret.type is not None:
            returns = state.resolve_type(ret.type)
    fn = Function(
        op.name.name,
        schema,
        args,
        op.procedure,
        returns,
        table_columns,
        bool(ret and (ret.setof or ret.table)),
        loc,
        op.security_definer,
    )
    overloads = schema.functions.setdefault(op.name.name, [])
    for i, existing in enumerate(overloads):
        if existing.signature() == signature:
            if op.replace:
                overloads[i] = fn
            return
    overloads.append(fn)


def _create_trigger(state: SchemaState, op: m.CreateTrigger, loc: Loc) -> None:
    table = state.member_table(op.table, loc)
    if table is None or (op.name in table.triggers and not op.replace):
        return
    table.triggers[op.name] = Trigger(op.name, op.function, loc, op.events)


def _create_policy(state: SchemaState, op: m.CreatePolicy, loc: Loc) -> None:
    table = state.member_table(op.table, loc)
    if table is None or op.name in table.policies:
        return
    table.policies[op.name] = Policy(op.name, op.command, op.roles, op.permissive, loc)


def _alter_policy(state: SchemaState, op: m.AlterPolicy, loc: Loc) -> None:
    table = state.table(op.table)
    policy = table.policies.get(op.name) if table else None
    if policy is not None and op.roles is not None:
        policy.roles = op.roles


def _create_type(state: SchemaState, op: m.CreateType, loc: Loc) -> None:
    schema = state.creation_schema(op.name)
    if op.name.name in schema.types:
        return
    schema.types[op.name.name] = UserType(op.name.name, schema, op.type, loc, labels=list(op.labels))


def _alter_enum(state: SchemaState, op: m.AlterEnum, loc: Loc) -> None:
    utype = state.user_type(op.name)
    if utype is None or utype.type != "enum":
        return
    labels = utype.labels
    if op.rename_from is not None:
        if op.rename_from in labels:
            labels[labels.index(op.rename_from)] = op.value
        return
    if op.value in labels:
        return
    if op.neighbor is not None and op.neighbor in labels:
        at = labels.index(op.neighbor) + (1 if op.after else 0)
        labels.insert(at, op.value)
    else:
        labels.append(op.value)


def _create_domain(state: SchemaState, op: m.CreateDomain, loc: Loc) -> None:
    schema = state.creation_schema(op.name)
    if op.name.name in schema.types:
        return
    schema.types[op.name.name] = UserType(
        op.name.name, schema, "domain", loc, base=state.resolve_type(op.base), not_null=op.not_null
    )


def _alter_domain(state: SchemaState, op: m.AlterDomain, loc: Loc) -> None:
    utype = state.user_type(op.name)
    if utype is not None and utype.type == "domain":
        utype.not_null = op.not_null


def _create_sequence(state: SchemaState, op: m.CreateSequence, loc: Loc) -> None:
    if op.temporary:
        return
    schema = state.creation_schema(op.name)
    if op.name.name not in schema.relations:
        state._add_relation(Sequence_(op.name.name, schema, loc))


def _create_extension(state: SchemaState, op: m.CreateExtension, loc: Loc) -> None:
    if op.name not in state.extensions:
        schema = op.schema or state.creation_schema(m.QName(None, op.name)).name
        state.extensions[op.name] = Extension(op.name, schema, loc)


def _create_role(state: SchemaState, op: m.CreateRole, loc: Loc) -> None:
    state.roles.setdefault(op.name, loc)


_REPLAY: dict[type, Callable[[SchemaState, Any, Loc], None]] = {
    m.SetSearchPath: _set_search_path,
    m.EndTransaction: _end_transaction,
    m.CreateSchema: _create_schema,
    m.CreateTable: _create_table,
    m.CreateView: _create_view,
    m.AlterTable: _alter_table,
    m.Rename: _rename,
    m.SetSchema: _set_schema,
    m.Drop: _drop,
    m.CreateIndex: _create_index,
    m.CreateFunction: _create_function,
    m.CreateTrigger: _create_trigger,
    m.CreatePolicy: _create_policy,
    m.AlterPolicy: _alter_policy,
    m.CreateType: _create_type,
    m.AlterEnum: _alter_enum,
    m.CreateDomain: _create_domain,
    m.AlterDomain: _alter_domain,
    m.CreateSequence: _create_sequence,
    m.CreateExtension: _create_extension,
    m.CreateRole: _create_role,
}
