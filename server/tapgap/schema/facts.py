"""Statement → schema operations. Pure: the same parse tree always gives the same facts.

Only DDL that shapes the schema becomes an operation; everything else (DML, GRANT, COMMENT, ...) is ignored
here. Names are folded by the grammar already; resolution against the search_path happens at replay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tapgap.schema import model as m
from tapgap.sql import pgtree
from tapgap.sql.pgtree import Node, body, kind, strings
from tapgap.sql.types import format_type


class _Deferred(Exception):
    def __init__(self, ref: m.TypeRef) -> None:
        self.ref = ref


class _DeferringResolver:
    """Lets ``format_type`` spell built-in types and hands user types back for resolution at replay."""

    def __init__(self, array: bool) -> None:
        self.array = array

    def user_type(self, schema: str | None, name: str) -> str | None:
        raise _Deferred(m.TypeRef(schema=schema, name=name, array=self.array))

    def column_type(self, names: Sequence[str]) -> str | None:
        raise _Deferred(m.TypeRef(pct=tuple(names), array=self.array))


def type_ref(type_name: Node, *, with_typmod: bool) -> m.TypeRef:
    resolver = _DeferringResolver(bool(type_name.get("arrayBounds")))
    try:
        return m.TypeRef(display=format_type(type_name, resolver, with_typmod=with_typmod))
    except _Deferred as deferred:
        return deferred.ref


def qname(names: Sequence[str]) -> m.QName:
    if len(names) >= 2:
        return m.QName(names[-2], names[-1])
    return m.QName(None, names[-1] if names else "")


def range_var(rel: Node) -> m.QName:
    return m.QName(rel.get("schemaname") or None, rel.get("relname", ""))


def _is_temp(rel: Node) -> bool:
    return rel.get("relpersistence") == "t"


# ---------------------------------------------------------------------------------------------- columns


def column_refs(expr: Any) -> list[str]:
    """Distinct single-name column references in an expression, in order of appearance."""
    seen: dict[str, None] = {}
    for node in pgtree.walk(expr):
        ref = node.get("ColumnRef")
        if ref is not None:
            fields = strings(ref.get("fields"))
            if fields:
                seen.setdefault(fields[-1], None)
    return list(seen)


def _constraint(con: Node, column: str | None) -> m.ConstraintDef | None:
    contype = con.get("contype", "")
    name = con.get("conname") or None
    if contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
        keys = tuple(strings(con.get("keys"))) or ((column,) if column else ())
        return m.ConstraintDef(
            type="p" if contype == "CONSTR_PRIMARY" else "u",
            name=name,
            columns=keys,
            using_index=con.get("indexname") or None,
        )
    if contype == "CONSTR_FOREIGN":
        fk = tuple(strings(con.get("fk_attrs"))) or ((column,) if column else ())
        return m.ConstraintDef(
            type="f",
            name=name,
            columns=fk,
            references=range_var(con.get("pktable", {})),
            ref_columns=tuple(strings(con.get("pk_attrs"))),
        )
    if contype == "CONSTR_CHECK":
        return m.ConstraintDef(type="c", name=name, columns=tuple(column_refs(con.get("raw_expr"))))
    if contype == "CONSTR_EXCLUSION":
        cols: list[str] = []
        for pair in con.get("exclusions") or ():
            elem = (pair.get("List", {}).get("items") or [{}])[0].get("IndexElem", {})
            cols.append(elem.get("name") or _element_name(elem))
        return m.ConstraintDef(type="x", name=name, columns=tuple(cols))
    return None


def column_def(node: Node) -> tuple[m.ColumnDef, list[m.ConstraintDef]]:
    col = node.get("ColumnDef", node)
    name = col.get("colname", "")
    type_name = col.get("typeName", {})
    type_names = strings(type_name.get("names"))
    serial = len(type_names) == 1 and type_names[0] in _SERIALS and not type_name.get("arrayBounds")
    not_null = bool(col.get("is_not_null")) or serial
    has_default = serial or col.get("raw_default") is not None or col.get("cooked_default") is not None
    identity = bool(col.get("identity"))
    constraints: list[m.ConstraintDef] = []
    for item in col.get("constraints") or ():
        con = item.get("Constraint", {})
        contype = con.get("contype", "")
        if contype == "CONSTR_NOTNULL" or contype == "CONSTR_PRIMARY":
            not_null = True
        elif contype == "CONSTR_NULL":
            not_null = False
        elif contype in ("CONSTR_DEFAULT", "CONSTR_GENERATED"):
            has_default = True
        elif contype == "CONSTR_IDENTITY":
            identity = True
            not_null = True
        converted = _constraint(con, name)
        if converted is not None:
            constraints.append(converted)
    return (
        m.ColumnDef(
            name=name,
            type=type_ref(type_name, with_typmod=True),
            not_null=not_null,
            has_default=has_default,
            identity=identity,
            serial=serial,
        ),
        constraints,
    )


_SERIALS = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}


# ---------------------------------------------------------------------------------------------- indexes

_SQL_VALUE_NAMES = {
    "SVFOP_CURRENT_DATE": "current_date",
    "SVFOP_CURRENT_TIME": "current_time",
    "SVFOP_CURRENT_TIME_N": "current_time",
    "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
    "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp",
    "SVFOP_LOCALTIME": "localtime",
    "SVFOP_LOCALTIME_N": "localtime",
    "SVFOP_LOCALTIMESTAMP": "localtimestamp",
    "SVFOP_LOCALTIMESTAMP_N": "localtimestamp",
    "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_CURRENT_USER": "current_user",
    "SVFOP_USER": "user",
    "SVFOP_SESSION_USER": "session_user",
    "SVFOP_CURRENT_CATALOG": "current_catalog",
    "SVFOP_CURRENT_SCHEMA": "current_schema",
}


def figure_colname(node: Any) -> tuple[str | None, int]:
    """PostgreSQL's ``FigureColnameInternal``: a name for an expression, with its strength (0 = none)."""
    if not isinstance(node, dict) or not node:
        return None, 0
    k, b = kind(node), body(node)
    if k == "ColumnRef":
        fields = strings(b.get("fields"))
        return (fields[-1], 2) if fields else (None, 0)
    if k == "A_Indirection":
        for ind in reversed(b.get("indirection") or ()):
            if "String" in ind:
                return ind["String"].get("sval"), 2
        return figure_colname(b.get("arg"))
    if k == "FuncCall":
        names = strings(b.get("funcname"))
        return (names[-1], 2) if names else (None, 0)
    if k == "TypeCast":
        name, strength = figure_colname(b.get("arg"))
        if strength <= 1:
            type_names = strings(b.get("typeName", {}).get("names"))
            if type_names:
                return type_names[-1], 1
        return name, strength
    if k == "CollateClause":
        return figure_colname(b.get("arg"))
    fixed = {
        "CaseExpr": "case",
        "A_ArrayExpr": "array",
        "RowExpr": "row",
        "CoalesceExpr": "coalesce",
        "NullIfExpr": "nullif",
        "XmlSerialize": "xmlserialize",
    }
    if k in fixed:
        return fixed[k], 2 if k != "CaseExpr" else 1
    if k == "MinMaxExpr":
        return ("greatest" if b.get("op") == "IS_GREATEST" else "least"), 2
    if k == "SQLValueFunction":
        return _SQL_VALUE_NAMES.get(b.get("op", "")), 2
    if k == "A_Expr" and b.get("kind") == "AEXPR_NULLIF":
        return "nullif", 2
    return None, 0


def _element_name(elem: Node) -> str:
    if elem.get("indexcolname"):
        return str(elem["indexcolname"])
    if elem.get("name"):
        return str(elem["name"])
    name, _ = figure_colname(elem.get("expr"))
    return name or "expr"


def index_def(stmt: Node) -> m.IndexDef:
    elements = [p.get("IndexElem", {}) for p in stmt.get("indexParams") or ()]
    mentioned: dict[str, None] = {}
    for elem in elements:
        if elem.get("name"):
            mentioned.setdefault(elem["name"], None)
        for col in column_refs(elem.get("expr")):
            mentioned.setdefault(col, None)
    for extra in [*(stmt.get("indexIncludingParams") or ()), stmt.get("whereClause")]:
        for col in column_refs(extra):
            mentioned.setdefault(col, None)
        if isinstance(extra, dict) and extra.get("IndexElem", {}).get("name"):
            mentioned.setdefault(extra["IndexElem"]["name"], None)
    return m.IndexDef(
        table=range_var(stmt.get("relation", {})),
        name=stmt.get("idxname") or None,
        element_names=tuple(_element_name(e) for e in elements),
        columns=tuple(mentioned),
        unique=bool(stmt.get("unique") or stmt.get("primary")),
        if_not_exists=bool(stmt.get("if_not_exists")),
    )


# ---------------------------------------------------------------------------------------------- statements


def _create_table(stmt: Node) -> list[m.Operation]:
    rel = stmt.get("relation", {})
    columns: list[m.ColumnDef] = []
    constraints: list[m.ConstraintDef] = []
    like: list[tuple[m.QName, bool]] = []
    for elt in stmt.get("tableElts") or ():
        k = kind(elt)
        if k == "ColumnDef":
            col, cons = column_def(elt)
            columns.append(col)
            constraints.extend(cons)
        elif k == "Constraint":
            con = _constraint(elt["Constraint"], None)
            if con is not None:
                constraints.append(con)
            if elt["Constraint"].get("contype") == "CONSTR_PRIMARY":
                keys = set(strings(elt["Constraint"].get("keys")))
                columns = [
                    m.ColumnDef(c.name, c.type, True, c.has_default, c.identity, c.serial)
                    if c.name in keys
                    else c
                    for c in columns
                ]
        elif k == "TableLikeClause":
            b = elt["TableLikeClause"]
            options = int(b.get("options", 0))
            # CREATE_TABLE_LIKE_DEFAULTS = 1 << 3, ALL = 0x7FFFFFFF
            like.append((range_var(b.get("relation", {})), bool(options & (1 << 3))))
    partbound = stmt.get("partbound")
    parents = [range_var(r.get("RangeVar", {})) for r in stmt.get("inhRelations") or ()]
    return [
        m.CreateTable(
            name=range_var(rel),
            columns=tuple(columns),
            constraints=tuple(constraints),
            if_not_exists=bool(stmt.get("if_not_exists")),
            like=tuple(like),
            inherits=() if partbound else tuple(parents),
            partition_of=parents[0] if partbound and parents else None,
            partitioned=stmt.get("partspec") is not None,
            temporary=_is_temp(rel),
            of_type=stmt.get("ofTypename") is not None,
        )
    ]


def _relations_read(query: Any) -> tuple[m.QName, ...]:
    found: dict[m.QName, None] = {}
    for node in pgtree.walk(query):
        rv = node.get("RangeVar")
        if rv is not None:
            found.setdefault(range_var(rv), None)
    return tuple(found)


def _create_table_as(stmt: Node) -> list[m.Operation]:
    into = stmt.get("into", {})
    rel = into.get("rel", {})
    if stmt.get("objtype") == "OBJECT_MATVIEW":
        return [
            m.CreateView(
                name=range_var(rel),
                materialized=True,
                if_not_exists=bool(stmt.get("if_not_exists")),
                relations=_relations_read(stmt.get("query")),
            )
        ]
    return [
        m.CreateTable(
            name=range_var(rel),
            if_not_exists=bool(stmt.get("if_not_exists")),
            temporary=_is_temp(rel),
            of_type=True,
        )
    ]


def _view(stmt: Node) -> list[m.Operation]:
    rel = stmt.get("view", {})
    return [
        m.CreateView(
            name=range_var(rel),
            replace=bool(stmt.get("replace")),
            temporary=_is_temp(rel),
            relations=_relations_read(stmt.get("query")),
        )
    ]


_ALTER_ACTIONS = {
    "AT_AddColumn": "add_column",
    "AT_AddColumnToView": "add_column",
    "AT_DropColumn": "drop_column",
    "AT_AlterColumnType": "set_type",
    "AT_SetNotNull": "set_not_null",
    "AT_DropNotNull": "drop_not_null",
    "AT_ColumnDefault": "default",
    "AT_DropExpression": "drop_default",
    "AT_AddConstraint": "add_constraint",
    "AT_DropConstraint": "drop_constraint",
    "AT_EnableRowSecurity": "enable_rls",
    "AT_DisableRowSecurity": "disable_rls",
    "AT_ForceRowSecurity": "force_rls",
    "AT_NoForceRowSecurity": "no_force_rls",
    "AT_AddIdentity": "add_identity",
    "AT_DropIdentity": "drop_identity",
    "AT_AttachPartition": "attach_partition",
    "AT_DetachPartition": "detach_partition",
}


def _alter_table(stmt: Node) -> list[m.Operation]:
    if stmt.get("objtype") not in (None, "OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
        return []
    actions: list[m.AlterColumn] = []
    for item in stmt.get("cmds") or ():
        cmd = item.get("AlterTableCmd", {})
        action = _ALTER_ACTIONS.get(cmd.get("subtype", ""))
        if action is None:
            continue
        definition = cmd.get("def") or {}
        name = cmd.get("name") or None
        missing_ok = bool(cmd.get("missing_ok"))
        cascade = cmd.get("behavior") == "DROP_CASCADE"
        if action == "add_column":
            col, cons = column_def(definition)
            actions.append(m.AlterColumn("add_column", col.name, column_def=col, missing_ok=missing_ok))
            actions.extend(m.AlterColumn("add_constraint", col.name, constraint=c) for c in cons)
        elif action == "set_type":
            type_name = definition.get("ColumnDef", {}).get("typeName", {})
            actions.append(m.AlterColumn("set_type", name, type=type_ref(type_name, with_typmod=True)))
        elif action == "default":
            actions.append(m.AlterColumn("set_default" if definition else "drop_default", name))
        elif action == "add_constraint":
            con = _constraint(definition.get("Constraint", {}), None)
            if con is not None:
                actions.append(m.AlterColumn("add_constraint", constraint=con))
        elif action in ("attach_partition", "detach_partition"):
            part = definition.get("PartitionCmd", {}).get("name", {})
            actions.append(m.AlterColumn(action, partition=range_var(part)))
        else:
            actions.append(m.AlterColumn(action, name, missing_ok=missing_ok, cascade=cascade))
    if not actions:
        return []
    return [
        m.AlterTable(
            name=range_var(stmt.get("relation", {})),
            actions=tuple(actions),
            if_exists=bool(stmt.get("missing_ok")),
        )
    ]


_OBJECT_KINDS = {
    "OBJECT_TABLE": "table",
    "OBJECT_FOREIGN_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_INDEX": "index",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_COLUMN": "column",
    "OBJECT_TABCONSTRAINT": "constraint",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_ROUTINE": "routine",
    "OBJECT_TRIGGER": "trigger",
    "OBJECT_POLICY": "policy",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "domain",
    "OBJECT_SCHEMA": "schema",
    "OBJECT_EXTENSION": "extension",
    "OBJECT_ROLE": "role",
    "OBJECT_ATTRIBUTE": "attribute",
}


def _signature(owa: Node) -> tuple[m.TypeRef, ...] | None:
    if owa.get("args_unspecified"):
        return None
    params = owa.get("objfuncargs")
    if params:
        return tuple(
            type_ref(p["FunctionParameter"].get("argType", {}), with_typmod=False)
            for p in params
            if p.get("FunctionParameter", {}).get("mode") not in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE")
        )
    return tuple(type_ref(t.get("TypeName", t), with_typmod=False) for t in owa.get("objargs") or ())


def _object_name(obj: Node) -> list[str]:
    if "List" in obj:
        return strings(obj["List"].get("items"))
    if "String" in obj:
        return [obj["String"].get("sval", "")]
    if "TypeName" in obj:
        return strings(obj["TypeName"].get("names"))
    if "ObjectWithArgs" in obj:
        return strings(obj["ObjectWithArgs"].get("objname"))
    return []


def _drop(stmt: Node) -> list[m.Operation]:
    obj_kind = _OBJECT_KINDS.get(stmt.get("removeType", ""))
    if obj_kind is None:
        return []
    targets: list[m.DropTarget] = []
    for obj in stmt.get("objects") or ():
        names = _object_name(obj)
        if not names:
            continue
        if obj_kind in ("trigger", "policy"):
            targets.append(m.DropTarget(m.QName(None, names[-1]), parent=qname(names[:-1])))
        elif obj_kind in ("function", "procedure", "routine"):
            targets.append(m.DropTarget(qname(names), signature=_signature(obj.get("ObjectWithArgs", {}))))
        else:
            targets.append(m.DropTarget(qname(names)))
    if not targets:
        return []
    return [
        m.Drop(
            object=obj_kind,
            targets=tuple(targets),
            if_exists=bool(stmt.get("missing_ok")),
            cascade=stmt.get("behavior") == "DROP_CASCADE",
        )
    ]


def _rename(stmt: Node) -> list[m.Operation]:
    obj_kind = _OBJECT_KINDS.get(stmt.get("renameType", ""))
    if obj_kind is None:
        return []
    new = stmt.get("newname", "")
    if_exists = bool(stmt.get("missing_ok"))
    sub = stmt.get("subname") or None
    if stmt.get("relation"):
        target = range_var(stmt["relation"])
    elif obj_kind in ("schema", "role"):
        target = m.QName(None, stmt.get("subname", ""))
        sub = None
    else:
        obj = stmt.get("object") or {}
        if obj_kind in ("function", "procedure", "routine"):
            owa = obj.get("ObjectWithArgs", {})
            return [
                m.Rename(
                    obj_kind,
                    qname(strings(owa.get("objname"))),
                    new,
                    signature=_signature(owa),
                    if_exists=if_exists,
                )
            ]
        target = qname(_object_name(obj))
    return [m.Rename(obj_kind, target, new, sub=sub, if_exists=if_exists)]


def _set_schema(stmt: Node) -> list[m.Operation]:
    obj_kind = _OBJECT_KINDS.get(stmt.get("objectType", ""))
    if obj_kind is None:
        return []
    new_schema = stmt.get("newschema", "")
    if_exists = bool(stmt.get("missing_ok"))
    if stmt.get("relation"):
        return [m.SetSchema(obj_kind, range_var(stmt["relation"]), new_schema, if_exists=if_exists)]
    obj = stmt.get("object") or {}
    if "ObjectWithArgs" in obj:
        owa = obj["ObjectWithArgs"]
        return [
            m.SetSchema(
                obj_kind,
                qname(strings(owa.get("objname"))),
                new_schema,
                signature=_signature(owa),
                if_exists=if_exists,
            )
        ]
    return [m.SetSchema(obj_kind, qname(_object_name(obj)), new_schema, if_exists=if_exists)]


def _function(stmt: Node) -> list[m.Operation]:
    args: list[m.TypeRef] = []
    outs: list[tuple[str, m.TypeRef]] = []
    table: list[tuple[str, m.TypeRef]] = []
    for item in stmt.get("parameters") or ():
        param = item.get("FunctionParameter", {})
        mode = param.get("mode", "FUNC_PARAM_DEFAULT")
        ref = type_ref(param.get("argType", {}), with_typmod=False)
        if mode in ("FUNC_PARAM_IN", "FUNC_PARAM_DEFAULT", "FUNC_PARAM_VARIADIC", "FUNC_PARAM_INOUT"):
            args.append(ref)
        if mode in ("FUNC_PARAM_OUT", "FUNC_PARAM_INOUT"):
            outs.append((param.get("name", ""), ref))
        elif mode == "FUNC_PARAM_TABLE":
            table.append((param.get("name", ""), ref))
    procedure = bool(stmt.get("is_procedure"))
    returns = None
    if not procedure:
        ret = stmt.get("returnType")
        returns = m.ReturnDef(
            setof=bool(ret and ret.get("setof")),
            type=type_ref(ret, with_typmod=False) if ret else None,
            table=tuple(table),
            outs=tuple(outs),
        )
    security_definer = any(
        o.get("DefElem", {}).get("defname") == "security"
        and o["DefElem"].get("arg", {}).get("Boolean", {}).get("boolval", False)
        for o in stmt.get("options") or ()
    )
    return [
        m.CreateFunction(
            name=qname(strings(stmt.get("funcname"))),
            args=tuple(args),
            returns=returns,
            procedure=procedure,
            replace=bool(stmt.get("replace")),
            security_definer=bool(security_definer),
        )
    ]


def _trigger(stmt: Node) -> list[m.Operation]:
    names = strings(stmt.get("funcname"))
    return [
        m.CreateTrigger(
            name=stmt.get("trigname", ""),
            table=range_var(stmt.get("relation", {})),
            function=names[-1] if names else "",
            replace=bool(stmt.get("replace")),
            events=tuple(name for bit, name in _TRIGGER_EVENTS if int(stmt.get("events", 0)) & bit),
        )
    ]


# TRIGGER_TYPE_* bits of CreateTrigStmt.events, in the order pg_trigger's readers print them.
_TRIGGER_EVENTS = ((1 << 2, "INSERT"), (1 << 4, "UPDATE"), (1 << 3, "DELETE"), (1 << 5, "TRUNCATE"))


def role_names(specs: Iterable[Node]) -> tuple[str, ...]:
    names = []
    for spec in specs:
        role = spec.get("RoleSpec", {})
        roletype = role.get("roletype")
        if roletype == "ROLESPEC_PUBLIC":
            names.append("public")
        elif roletype == "ROLESPEC_CSTRING":
            names.append(role.get("rolename", ""))
        elif roletype in ("ROLESPEC_CURRENT_USER", "ROLESPEC_CURRENT_ROLE", "ROLESPEC_SESSION_USER"):
            names.append("current_user")
    return tuple(sorted(set(names)))


def _policy(stmt: Node) -> list[m.Operation]:
    return [
        m.CreatePolicy(
            name=stmt.get("policy_name", ""),
            table=range_var(stmt.get("table", {})),
            command=(stmt.get("cmd_name") or "all").upper(),
            roles=role_names(stmt.get("roles") or ()) or ("public",),
            permissive=bool(stmt.get("permissive")),
        )
    ]


def _alter_policy(stmt: Node) -> list[m.Operation]:
    roles = stmt.get("roles")
    return [
        m.AlterPolicy(
            name=stmt.get("policy_name", ""),
            table=range_var(stmt.get("table", {})),
            roles=role_names(roles) if roles else None,
        )
    ]


def _enum(stmt: Node) -> list[m.Operation]:
    labels = tuple(strings(stmt.get("vals")))
    return [m.CreateType(qname(strings(stmt.get("typeName"))), "enum", labels)]


def _alter_enum(stmt: Node) -> list[m.Operation]:
    name = qname(strings(stmt.get("typeName")))
    if stmt.get("oldVal"):
        return [m.AlterEnum(name, stmt.get("newVal", ""), rename_from=stmt["oldVal"])]
    return [
        m.AlterEnum(
            name,
            stmt.get("newVal", ""),
            neighbor=stmt.get("newValNeighbor") or None,
            after=bool(stmt.get("newValIsAfter")),
            if_not_exists=bool(stmt.get("skipIfNewValExists")),
        )
    ]


def _domain(stmt: Node) -> list[m.Operation]:
    not_null = any(
        c.get("Constraint", {}).get("contype") == "CONSTR_NOTNULL" for c in stmt.get("constraints") or ()
    )
    return [
        m.CreateDomain(
            qname(strings(stmt.get("domainname"))),
            type_ref(stmt.get("typeName", {}), with_typmod=True),
            not_null,
        )
    ]


def _alter_domain(stmt: Node) -> list[m.Operation]:
    subtype = stmt.get("subtype")
    name = qname(strings(stmt.get("typeName")))
    if subtype == "O":
        return [m.AlterDomain(name, True)]
    if subtype == "N":
        return [m.AlterDomain(name, False)]
    return []


def _search_path_value(items: Iterable[str]) -> tuple[str, ...]:
    path = []
    for item in items:
        for part in _split_identifiers(item):
            path.append(part)
    return tuple(path)


def _split_identifiers(value: str) -> list[str]:
    """PostgreSQL's ``SplitIdentifierString`` on a comma list: quoted parts keep case, others fold."""
    parts: list[str] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " \t\n\r,":
            i += 1
        if i >= n:
            break
        if value[i] == '"':
            j = i + 1
            buf = []
            while j < n:
                if value[j] == '"':
                    if j + 1 < n and value[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(value[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        else:
            j = i
            while j < n and value[j] not in ",":
                j += 1
            word = value[i:j].strip()
            if word:
                parts.append(word.lower())
            i = j
    return parts


def _set(stmt: Node) -> list[m.Operation]:
    if stmt.get("name") != "search_path":
        return []
    local = bool(stmt.get("is_local"))
    if stmt.get("kind") == "VAR_SET_VALUE":
        values = [str(pgtree.const_value(a)) for a in stmt.get("args") or () if "A_Const" in a]
        # SET search_path TO a, b gives folded words; SET search_path = 'a, b' a string list.
        if len(values) == 1:
            return [m.SetSearchPath(_search_path_value(values), local)]
        return [m.SetSearchPath(tuple(values), local)]
    if stmt.get("kind") in ("VAR_SET_DEFAULT", "VAR_RESET"):
        return [m.SetSearchPath(None, local)]
    return []


def _select(stmt: Node) -> list[m.Operation]:
    ops: list[m.Operation] = []
    for target in stmt.get("targetList") or ():
        call = target.get("ResTarget", {}).get("val", {}).get("FuncCall")
        if call is None or strings(call.get("funcname"))[-1:] != ["set_config"]:
            continue
        args = call.get("args") or []
        values = [pgtree.const_value(a) for a in args]
        if len(values) == 3 and values[0] == "search_path" and isinstance(values[1], str):
            ops.append(m.SetSearchPath(_search_path_value([values[1]]), bool(values[2])))
    return ops


def _transaction(stmt: Node) -> list[m.Operation]:
    if stmt.get("kind") in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED"):
        return [m.EndTransaction()]
    return []


def _create_schema(stmt: Node) -> list[m.Operation]:
    name = stmt.get("schemaname") or (stmt.get("authrole") or {}).get("RoleSpec", {}).get("rolename", "")
    ops: list[m.Operation] = [m.CreateSchema(name, bool(stmt.get("if_not_exists")))]
    elements = stmt.get("schemaElts") or ()
    if elements:
        # Elements of CREATE SCHEMA are created in that schema whatever the search_path says.
        ops.append(m.SetSearchPath((name,), local=False))
        for element in elements:
            ops.extend(statement_operations(element))
        ops.append(m.SetSearchPath(None, local=False))
    return ops


_HANDLERS: dict[str, Callable[[Node], list[m.Operation]]] = {
    "CreateSchemaStmt": _create_schema,
    "CreateStmt": _create_table,
    "CreateForeignTableStmt": lambda s: _create_table(s.get("base", {})),
    "CreateTableAsStmt": _create_table_as,
    "ViewStmt": _view,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "AlterObjectSchemaStmt": _set_schema,
    "DropStmt": _drop,
    "IndexStmt": lambda s: [m.CreateIndex(index_def(s))],
    "CreateFunctionStmt": _function,
    "CreateTrigStmt": _trigger,
    "CreatePolicyStmt": _policy,
    "AlterPolicyStmt": _alter_policy,
    "CreateEnumStmt": _enum,
    "AlterEnumStmt": _alter_enum,
    "CompositeTypeStmt": lambda s: [m.CreateType(range_var(s.get("typevar", {})), "composite")],
    "CreateRangeStmt": lambda s: [m.CreateType(qname(strings(s.get("typeName"))), "range")],
    "CreateDomainStmt": _domain,
    "AlterDomainStmt": _alter_domain,
    "CreateSeqStmt": lambda s: [
        m.CreateSequence(
            range_var(s.get("sequence", {})),
            bool(s.get("if_not_exists")),
            _is_temp(s.get("sequence", {})),
        )
    ],
    "CreateExtensionStmt": lambda s: [
        m.CreateExtension(
            s.get("extname", ""),
            next(
                (
                    str(o["DefElem"]["arg"].get("String", {}).get("sval", ""))
                    for o in s.get("options") or ()
                    if o.get("DefElem", {}).get("defname") == "schema"
                ),
                None,
            ),
            bool(s.get("if_not_exists")),
        )
    ],
    "CreateRoleStmt": lambda s: [m.CreateRole(s.get("role", ""))],
    "VariableSetStmt": _set,
    "SelectStmt": _select,
    "TransactionStmt": _transaction,
}


def statement_operations(node: Node) -> list[m.Operation]:
    """The schema operations of one raw statement node (``{"CreateStmt": {...}}``)."""
    handler = _HANDLERS.get(kind(node))
    if handler is None:
        return []
    return handler(body(node))
