"""What a call's argument is, statically: its type as PostgreSQL's resolver sees it, and its value if constant.

PostgreSQL gives a plain literal (``'x'``, ``$$x$$``, ``E'x'``, ``NULL``) the pseudo-type *unknown* and lets
overload resolution decide; a cast fixes the type. tapgap needs both the type (to pick the overload pgTAP
really runs) and the value (to know which object the call names). Anything computed at run time is dynamic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tapgap.pgtap.model import EXPR, UNKNOWN, Arg, ArgValue
from tapgap.sql import pgtree
from tapgap.sql.names import dotted
from tapgap.sql.pgtree import Node, body, kind, strings
from tapgap.sql.types import format_type


class _TypeSpeller:
    def user_type(self, schema: str | None, name: str) -> str | None:
        return dotted(schema, name) if schema else dotted(name)

    def column_type(self, names: Sequence[str]) -> str | None:
        return None


_SPELLER = _TypeSpeller()


def cast_type(type_name: Mapping[str, Any]) -> str:
    return format_type(type_name, _SPELLER, with_typmod=False)


def parse_array_literal(text: str) -> tuple[str | None, ...] | None:
    """PostgreSQL's text form of a one-dimensional array, ``{a,"b c",NULL}``; None if not of that form."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    inner = text[1:-1]
    items: list[str | None] = []
    i, n = 0, len(inner)
    if not inner.strip():
        return ()
    while i <= n:
        while i < n and inner[i].isspace():
            i += 1
        if i < n and inner[i] == '"':
            i += 1
            buf = []
            while i < n and inner[i] != '"':
                if inner[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(inner[i])
                i += 1
            i += 1
            items.append("".join(buf))
            while i < n and inner[i] != ",":
                i += 1
        else:
            j = inner.find(",", i)
            j = n if j == -1 else j
            word = inner[i:j].strip()
            if word.startswith("{"):
                return None  # multi-dimensional: not a list of names
            items.append(None if word.upper() == "NULL" else word)
            i = j
        i += 1
    return tuple(items)


CallType = Callable[[Node], str | None]


def evaluate(node: Node, is_call: CallType | None = None) -> Arg:
    """The static view of an argument expression. ``is_call(funccall_body)`` gives the result type of a
    nested pgTAP call (``"text"`` for assertions), or None for any other function."""
    k, b = kind(node), body(node)
    location = int(b.get("location", -1))
    if k == "A_Const":
        if b.get("isnull"):
            return Arg(UNKNOWN, None, literal=True, location=location)
        value = pgtree.const_value(node)
        if isinstance(value, bool):
            return Arg("boolean", "true" if value else "false", location=location)
        if isinstance(value, int):
            return Arg("integer" if -(2**31) <= value < 2**31 else "bigint", str(value), location=location)
        if isinstance(value, float) or "fval" in b:
            return Arg("numeric", str(b.get("fval", {}).get("fval", value)), location=location)
        return Arg(UNKNOWN, str(value), literal=True, location=location)
    if k == "TypeCast":
        inner = evaluate(b.get("arg", {}), is_call)
        target = cast_type(b.get("typeName", {}))
        cast_value: ArgValue = inner.value
        if target.endswith("[]") and isinstance(cast_value, str):
            parsed = parse_array_literal(cast_value)
            cast_value = parsed if parsed is not None else cast_value
        return Arg(target, cast_value, inner.dynamic, location=location if location >= 0 else inner.location)
    if k == "A_ArrayExpr":
        elements = [evaluate(e, is_call) for e in b.get("elements") or ()]
        types = {e.type for e in elements}
        if EXPR in types:
            array_type = EXPR  # ARRAY[f(), g()]: the element type is the functions' result type
        elif not elements or types <= {UNKNOWN, "text"}:
            array_type = "text[]" if elements else "unknown[]"
        elif len(types) == 1:
            array_type = f"{types.pop()}[]"
        else:
            array_type = EXPR
        dynamic = any(e.dynamic or isinstance(e.value, tuple) for e in elements)
        values = tuple(e.value if isinstance(e.value, str) else None for e in elements)
        return Arg(array_type, values, dynamic, location=location)
    if k == "A_Expr" and b.get("kind") == "AEXPR_OP" and strings(b.get("name")) == ["||"]:
        left = evaluate(b.get("lexpr", {}), is_call)
        right = evaluate(b.get("rexpr", {}), is_call)
        if (
            isinstance(left.value, str)
            and isinstance(right.value, str)
            and not (left.dynamic or right.dynamic)
        ):
            return Arg("text", left.value + right.value, location=location)
        return Arg("text", None, True, location=location)
    if k == "FuncCall" and is_call is not None:
        # A pgTAP call as argument (collect_tap(...), check_test(...)): assertions return text.
        result_type = is_call(b)
        if result_type is not None:
            return Arg(result_type, None, True, location=location)
    return Arg(EXPR, None, True, location=location)
