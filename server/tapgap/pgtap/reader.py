"""One test file's bytes → its test facts: every pgTAP call where PostgreSQL would run one.

Calls are found in the parse tree, so a call inside a comment or a string literal is never an assertion
(``throws_ok($$SELECT has_table('x')$$)`` exercises SQL; it does not check table ``x``). Call sites: top-level
statements (``SELECT fn(...)``, ``SELECT * FROM fn(...)``), nested calls (``collect_tap(...)``,
``check_test(...)``), and PL/pgSQL bodies of functions and ``DO`` blocks (``RETURN NEXT``, ``RETURN QUERY``,
``PERFORM``, any expression). Includes (``\\i``, ``\\ir``) are recorded here and followed by the project.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from tapgap.findings import Finding
from tapgap.pgtap import catalog
from tapgap.pgtap.args import evaluate
from tapgap.pgtap.custom import CustomAssertions, default_custom_assertions
from tapgap.pgtap.exercise import (
    DEFAULT_ROLE_HELPERS,
    CallSite,
    Exercise,
    Prepared,
    RoleChange,
    executed_statement,
    is_builtin_function,
    prepared_statement,
    role_change,
    scan_statement,
    sql_text_statements,
)
from tapgap.pgtap.model import (
    EXPR,
    Arg,
    Call,
    CallContext,
    Include,
    LocatedExercise,
    LookAlike,
    Plan,
    TestFileFacts,
)
from tapgap.pgtap.resolve import resolve
from tapgap.schema import model as schema_model
from tapgap.schema.facts import statement_operations
from tapgap.schema.model import QName
from tapgap.sql import pgtree
from tapgap.sql.pgtree import Node, body, kind, strings
from tapgap.sql.source import LineIndex
from tapgap.sql.split import SplitOptions, split_sql
from tapgap.sql.suppress import find_suppressions
from tapgap.sql.text import decode_sql

ToFile = Callable[[int], int]

# Names that read like pgTAP assertions; a call of one that is no pgTAP function is worth a finding.
_LOOK_ALIKE = re.compile(
    r"^(has|hasnt|col|fk|policy|policies|trigger|index|rls|enum|domain|schema|sequence|table|view|function)_\w+$"
    r"|^\w+_(is|isnt|are|ok|exists|enabled)$"
)

# Statements that change the role without calling a function.
_ROLE_STATEMENTS = frozenset({"VariableSetStmt", "DiscardStmt", "CallStmt"})

# Assertions that run their SQL in a block rolled back when it throws: its role changes do not last.
_ROLLED_BACK = {"throws_ok", "throws_like", "throws_ilike", "throws_matching", "throws_imatching"}

# PL/pgSQL statements whose body runs a number of times the text does not say.
_CONTROL = {
    "PLpgSQL_stmt_fors",
    "PLpgSQL_stmt_fori",
    "PLpgSQL_stmt_forc",
    "PLpgSQL_stmt_foreach_a",
    "PLpgSQL_stmt_dynfors",
    "PLpgSQL_stmt_while",
    "PLpgSQL_stmt_loop",
    "PLpgSQL_stmt_if",
    "PLpgSQL_stmt_case",
}


class TestOptions(msgspec.Struct, frozen=True):
    search_path: tuple[str, ...] = ("public",)
    custom: CustomAssertions = msgspec.field(default_factory=default_custom_assertions)
    role_helpers: dict[str, str | None] = msgspec.field(default_factory=lambda: dict(DEFAULT_ROLE_HELPERS))
    split: SplitOptions | None = None


class _Walker:
    def __init__(self, path: str, text: str, options: TestOptions) -> None:
        self.path = path
        self.text = text
        self.index = LineIndex(text)
        self.options = options
        self.calls: list[Call] = []
        self.plans: list[Plan] = []
        self.includes: list[Include] = []
        self.exercises: list[LocatedExercise] = []
        self.look_alikes: list[LookAlike] = []
        self.defined: list[str] = []
        self.findings: list[Finding] = []
        self.statements = 0
        self.uncountable = False
        self.search_path = options.search_path
        self.session_path = options.search_path
        self.role: str | None = None
        self.session_role: str | None = None
        self.prepared: dict[str, Prepared] = {}
        self._called: set[str] = set()
        self._entries: dict[tuple[str | None, str], catalog.PgtapFunction | None] = {}
        self._role_functions = frozenset(
            {"set_config", *(name.rpartition(".")[2] for name in options.role_helpers)}
        )
        self.fixtures: list[schema_model.Located] = []

    # -- entry ---------------------------------------------------------------------------------------------

    def run(self, findings: list[Finding]) -> TestFileFacts:
        self.findings.extend(findings)
        pieces = split_sql(self.text, self.options.split) if self.options.split else split_sql(self.text)
        for piece in pieces:
            if piece.kind == "meta":
                if piece.command in ("i", "ir", "include", "include_relative") and piece.argument:
                    relative = piece.command in ("ir", "include_relative")
                    target = piece.argument.split()[0].strip("'\"")
                    self.includes.append(Include(target, relative, piece.span))
                continue
            if piece.kind != "sql":
                continue
            self.statements += 1
            try:
                raw_statements = pgtree.parse(piece.text)
            except pgtree.SqlSyntaxError as exc:
                at = piece.file_offset(exc.position) if exc.position is not None else piece.span.start
                self.findings.append(
                    Finding(
                        code="parse-error",
                        severity="error",
                        file=self.path,
                        span=self.index.span(at, at + 1),
                        message=f"PostgreSQL's grammar rejects this statement: {exc.message}",
                    )
                )
                continue
            for raw in raw_statements:
                stmt_text = piece.text[raw.location : raw.location + raw.length]
                self._guarded(raw.node, piece.file_offset, "top", stmt_text, raw.location)
        return TestFileFacts(
            file=self.path,
            calls=self.calls,
            plans=self.plans,
            includes=self.includes,
            exercises=self.exercises,
            look_alikes=self.look_alikes,
            defined_functions=sorted(set(self.defined)),
            fixtures=self.fixtures,
            findings=self.findings,
            statements=self.statements,
            suppressions=find_suppressions(self.text),
            uncountable=self.uncountable,
        )

    def _guarded(
        self, node: Node, to_file: ToFile, context: CallContext, text: str, text_offset: int
    ) -> None:
        try:
            self.statement(node, to_file, context, True, text, text_offset)
        except Exception as exc:  # an unforeseen tree shape must not lose the rest of the file
            start = to_file(text_offset)
            self.findings.append(
                Finding(
                    code="internal-error",
                    severity="warning",
                    file=self.path,
                    span=self.index.span(start, start + max(1, len(text))),
                    message=f"tapgap could not read this statement ({type(exc).__name__}: {exc})",
                )
            )

    # -- statements ----------------------------------------------------------------------------------------

    def statement(
        self,
        node: Node,
        to_file: ToFile,
        context: CallContext,
        straight: bool,
        text: str = "",
        text_offset: int = 0,
    ) -> None:
        k, b = kind(node), body(node)
        operations = statement_operations(node)
        if operations and k not in ("VariableSetStmt", "SelectStmt", "TransactionStmt"):
            at = to_file(text_offset)
            span = self.index.span(at, at + max(1, len(text)))
            self.fixtures.extend(schema_model.Located(op, span) for op in operations)
        if k == "CreateFunctionStmt":
            self._create_function(b, to_file, text, text_offset)
            return
        if k == "DoStmt":
            self._do(b, to_file, text, text_offset, context, straight)
            return
        if k == "TransactionStmt" and b.get("kind") in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            self.search_path = self.session_path
            self.role = self.session_role
            return
        for op in operations:
            if isinstance(op, schema_model.SetSearchPath):
                path = self.options.search_path if op.path is None else op.path
                self.search_path = path
                if not op.local:
                    self.session_path = path
        prepared = prepared_statement(node, ignore_functions=self._ignored, helpers=self.options.role_helpers)
        if prepared is not None:
            self.prepared[prepared.name] = prepared
            return
        scan = scan_statement(node, ignore_functions=self._ignored, nests=self._nests)
        self._calls(scan.calls, _top_level_calls(node) if straight else set(), to_file, context)
        self._exercised(scan.exercises, to_file, text_offset, False)
        executed = executed_statement(node)
        if executed is not None:
            self._execute(executed, to_file(text_offset))
        # Only statements that could change the role are read for it: a SET, or a call of set_config or of a
        # role helper (the walk above noted every function called).
        if k in _ROLE_STATEMENTS or not self._called.isdisjoint(self._role_functions):
            change = role_change(node, self.options.role_helpers)
            if change is not None:
                self._change_role(change)
        self._called.clear()

    def _change_role(self, change: RoleChange) -> None:
        self.role = change.role if change.role is not None else self.session_role
        if change.session:
            self.session_role = change.role
        elif not change.local:
            self.session_role = self.role

    def _exercised(
        self, exercises: Sequence[Exercise], to_file: ToFile, fallback: int, in_assertion: bool
    ) -> None:
        for exercise in exercises:
            at = (
                to_file(exercise.location)
                if exercise.location >= 0 and not in_assertion
                else to_file(fallback)
            )
            self.exercises.append(
                LocatedExercise(
                    self.path,
                    exercise.action,
                    exercise.target,
                    exercise.args,
                    self.index.span(at, at + 1),
                    self.role,
                    in_assertion,
                    self.search_path,
                )
            )

    def _execute(self, name: str, at: int) -> None:
        """``EXECUTE name`` (or a prepared statement's name given to an assertion) runs what PREPARE kept."""
        prepared = self.prepared.get(name)
        if prepared is None:
            return
        self._exercised(prepared.exercises, lambda _: at, 0, True)
        for change in prepared.role_changes:
            self._change_role(change)

    def _ignored(self, name: QName) -> bool:
        """Calls that are no exercise of the project's schema: assertions and PostgreSQL's own functions."""
        return self._is_assertion_name(name) or is_builtin_function(name)

    def _is_assertion_name(self, name: QName) -> bool:
        return self._entry(name.schema, name.name) is not None

    def _entry(self, qualifier: str | None, name: str) -> catalog.PgtapFunction | None:
        key = (qualifier, name)
        if key in self._entries:  # each call is looked up by the walk, by the exercises and by the reader
            return self._entries[key]
        custom = self.options.custom.lookup(qualifier, name)
        entry = custom if custom is not None else catalog.lookup(name)
        self._entries[key] = entry
        return entry

    # -- calls ---------------------------------------------------------------------------------------------

    def _nests(self, name: QName) -> str | None:
        """Calls in the arguments of an assertion are nested in it (``collect_tap``, ``check_test``, ``ok``)."""
        entry = self._entry(name.schema, name.name)
        return None if entry is None else entry.name

    def _calls(
        self, sites: Sequence[CallSite], countable: set[int], to_file: ToFile, context: CallContext
    ) -> None:
        """Record the assertions among a statement's calls (in tree order), and the look-alikes."""
        for site in sites:
            call, qualifier, name = site.call, site.name.schema, site.name.name
            self._called.add(name)
            entry = self._entry(qualifier, name)
            if entry is None:
                if _LOOK_ALIKE.match(name) and not is_builtin_function(site.name):
                    at = to_file(int(call.get("location", 0)))
                    self.look_alikes.append(LookAlike(name, qualifier, self.index.span(at, at + len(name))))
                continue
            counted = id(call) in countable
            self._record(entry, call, qualifier, to_file, context, counted, site.nested_in)
            if counted and entry.name == "collect_tap":
                # collect_tap(a(), b()) runs each assertion of its argument list once.
                countable.update(id(a["FuncCall"]) for a in call.get("args") or () if "FuncCall" in a)

    def _record(
        self,
        entry: catalog.PgtapFunction,
        call: Node,
        qualifier: str | None,
        to_file: ToFile,
        context: CallContext,
        countable: bool,
        nested_in: str | None,
    ) -> None:
        args = tuple(evaluate(a, self._is_call) for a in call.get("args") or ())
        start = to_file(int(call.get("location", 0)))
        end = _call_end(self.text, start)
        span = self.index.span(start, end)
        if entry.category == "harness" and entry.name in ("plan", "no_plan"):
            count = None
            if entry.name == "plan" and args and args[0].value is not None and not args[0].dynamic:
                try:
                    count = int(str(args[0].value))
                except ValueError:
                    count = None
            if entry.name == "plan" and count is None:
                self.uncountable = True
            else:
                self.plans.append(Plan(count, span))
        resolution = resolve(entry, [a.type for a in args])
        overload = _index_of(entry, resolution.overload)
        intent_types = ["name" if a.literal and a.value is not None else a.type for a in args]
        intent = (
            _index_of(entry, resolve(entry, intent_types).overload) if any(a.literal for a in args) else None
        )
        if not countable and entry.counts != 0:
            self.uncountable = True
        self.calls.append(
            Call(
                function=entry.name,
                qualifier=qualifier,
                args=args,
                span=span,
                context=context,
                countable=countable,
                overload=overload,
                intent=intent if intent != overload else None,
                error=resolution.error,
                nested_in=nested_in,
                role=self.role,
                search_path=self.search_path,
            )
        )
        if resolution.overload is not None:
            self._assertion_sql(entry, resolution.overload, args, to_file)

    def _is_call(self, funccall: Node) -> str | None:
        """Assertions return text; pgTAP's utility functions return other types (``findfuncs``: text[])."""
        names = strings(funccall.get("funcname"))
        if not names:
            return None
        entry = self._entry(names[-2] if len(names) >= 2 else None, names[-1])
        if entry is None:
            return None
        return "text" if entry.category in ("structural", "behavioural") else EXPR

    def _assertion_sql(
        self, entry: catalog.PgtapFunction, overload: catalog.Overload, args: Sequence[Arg], to_file: ToFile
    ) -> None:
        """SQL given to an assertion as text (``results_eq('select f()', ...)``) is exercised by it."""
        for param, arg in zip(overload.params, args, strict=False):
            if param.role != "sql" or not isinstance(arg.value, str) or arg.dynamic:
                continue
            statements, error = sql_text_statements(
                arg.value, ignore_functions=self._ignored, helpers=self.options.role_helpers
            )
            if error is not None:
                continue  # PostgreSQL parses the whole text first: none of it runs
            at = arg.location if arg.location >= 0 else 0
            saved = (self.role, self.session_role)
            for statement in statements:
                self._exercised(statement.exercises, to_file, at, True)
                if statement.prepares is not None:
                    self.prepared[statement.prepares.name] = statement.prepares
                if statement.executes is not None:
                    self._execute(statement.executes, to_file(at))
                for change in statement.role_changes:
                    self._change_role(change)
            if entry.name in _ROLLED_BACK:
                # throws_ok runs its SQL in a block that is rolled back when it throws.
                self.role, self.session_role = saved

    # -- bodies --------------------------------------------------------------------------------------------

    def _create_function(self, b: Node, to_file: ToFile, text: str, text_offset: int) -> None:
        names = strings(b.get("funcname"))
        if names:
            self.defined.append(names[-1])
        options = {
            o["DefElem"].get("defname"): o["DefElem"] for o in b.get("options") or () if "DefElem" in o
        }
        language = str(
            options.get("language", {}).get("arg", {}).get("String", {}).get("sval", "sql")
        ).lower()
        source = strings(options.get("as", {}).get("arg", {}).get("List", {}).get("items"))
        if not source:
            return
        body_text = source[0]
        found = text.find(body_text) if body_text else -1
        body_offset = text_offset + (found if found >= 0 else 0)
        saved = (self.role, self.search_path)
        if language == "plpgsql":
            self._plpgsql(text, body_text, body_offset, to_file, "function", False)
        elif language == "sql":
            self._sql_body(body_text, body_offset, to_file)
        self.role, self.search_path = saved

    def _do(
        self, b: Node, to_file: ToFile, text: str, text_offset: int, context: CallContext, straight: bool
    ) -> None:
        items = {o["DefElem"].get("defname"): o["DefElem"] for o in b.get("args") or () if "DefElem" in o}
        body_text = str(items.get("as", {}).get("arg", {}).get("String", {}).get("sval", ""))
        language = str(items.get("language", {}).get("arg", {}).get("String", {}).get("sval", "plpgsql"))
        if language.lower() != "plpgsql" or not body_text:
            return
        found = text.find(body_text)
        body_offset = text_offset + (found if found >= 0 else 0)
        wrapper = (
            f"CREATE FUNCTION tapgap_do() RETURNS void LANGUAGE plpgsql AS $tapgap_do${body_text}$tapgap_do$"
        )
        self._plpgsql(wrapper, body_text, body_offset, to_file, "do", straight)

    def _sql_body(self, body_text: str, body_offset: int, to_file: ToFile) -> None:
        for piece in split_sql(body_text):
            if piece.kind != "sql":
                continue
            try:
                raw_statements = pgtree.parse(piece.text)
            except pgtree.SqlSyntaxError:
                continue
            for raw in raw_statements:

                def mapped(loc: int, piece_start: int = piece.span.start) -> int:
                    return to_file(body_offset + piece_start + loc)

                self.statement(raw.node, mapped, "function", False)

    def _plpgsql(
        self,
        create_sql: str,
        body_text: str,
        body_offset: int,
        to_file: ToFile,
        context: CallContext,
        straight: bool,
    ) -> None:
        try:
            functions = pgtree.parse_plpgsql(create_sql)
        except pgtree.SqlSyntaxError:
            return
        line_starts = [0] + [m.end() for m in re.finditer("\n", body_text)]
        for function in functions:
            action = function.get("PLpgSQL_function", {}).get("action")
            self._pl_statement(action, body_text, body_offset, line_starts, to_file, context, straight, 1)

    def _pl_statement(
        self,
        node: Any,
        body_text: str,
        body_offset: int,
        line_starts: list[int],
        to_file: ToFile,
        context: CallContext,
        straight: bool,
        lineno: int,
    ) -> None:
        if isinstance(node, list):
            for item in node:
                self._pl_statement(
                    item, body_text, body_offset, line_starts, to_file, context, straight, lineno
                )
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "PLpgSQL_expr":
                self._pl_expr(value, body_text, body_offset, line_starts, to_file, context, straight, lineno)
                continue
            if isinstance(value, dict | list):
                inner_straight = straight and key not in _CONTROL and key != "exceptions"
                inner_line = int(value.get("lineno", lineno)) if isinstance(value, dict) else lineno
                self._pl_statement(
                    value, body_text, body_offset, line_starts, to_file, context, inner_straight, inner_line
                )

    def _pl_expr(
        self,
        expr: Node,
        body_text: str,
        body_offset: int,
        line_starts: list[int],
        to_file: ToFile,
        context: CallContext,
        straight: bool,
        lineno: int,
    ) -> None:
        query = str(expr.get("query", ""))
        if not query:
            return
        mode = int(expr.get("parseMode", 0))
        prefix = "SELECT " if mode != 0 else ""
        sql = prefix + query
        # PERFORM x is stored as "SELECT x": look for the text after SELECT in the source.
        needle = query[7:] if mode == 0 and query.startswith("SELECT ") else query
        skipped = len(query) - len(needle)
        line_start = line_starts[min(max(lineno - 1, 0), len(line_starts) - 1)]
        found = body_text.find(needle, line_start)
        if found < 0:
            found = body_text.find(needle)
        base = body_offset + (found if found >= 0 else line_start) - skipped - len(prefix)
        try:
            raw_statements = pgtree.parse(sql)
        except pgtree.SqlSyntaxError:
            return
        for raw in raw_statements:

            def mapped(loc: int, base: int = base) -> int:
                return to_file(base + loc)

            self.statement(raw.node, mapped, context, straight and context == "do")


def _top_level_calls(node: Node) -> set[int]:
    """The FuncCall nodes that run exactly once where they stand: a plain ``SELECT fn(...)`` list or
    ``SELECT * FROM fn(...)``."""
    select = node.get("SelectStmt")
    if select is None:
        return set()
    if any(
        select.get(k) for k in ("whereClause", "groupClause", "havingClause", "valuesLists", "withClause")
    ):
        return set()
    found: set[int] = set()
    for item in select.get("fromClause") or ():
        functions = item.get("RangeFunction", {}).get("functions")
        if not functions:
            return set()
        for pair in functions:
            for element in pair.get("List", {}).get("items") or ():
                if "FuncCall" in element:
                    found.add(id(element["FuncCall"]))
    for target in select.get("targetList") or ():
        value = target.get("ResTarget", {}).get("val", {})
        if "FuncCall" in value:
            found.add(id(value["FuncCall"]))
    return found


_CALL_TOKEN = re.compile(r"[()';$]")
_DOLLAR_TAG = re.compile(r"\$[A-Za-z_]*\$")


def _call_end(text: str, start: int) -> int:
    """The end of a call's text: its closing parenthesis (quotes and nesting respected), or the name."""
    depth = 0
    n = len(text)
    search = _CALL_TOKEN.search
    i = start
    while (token := search(text, i)) is not None:
        i = token.start()
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch == "'":
            i = text.find("'", i + 1)
            while i != -1 and i + 1 < n and text[i + 1] == "'":
                i = text.find("'", i + 2)
            if i == -1:
                return n
        elif ch == "$":
            tag = _DOLLAR_TAG.match(text, i)
            if tag:
                close = text.find(tag.group(0), i + len(tag.group(0)))
                if close == -1:
                    return n
                i = close + len(tag.group(0)) - 1
        elif depth == 0:  # ;
            return i
        i += 1
    return n


def _index_of(entry: catalog.PgtapFunction, overload: catalog.Overload | None) -> int | None:
    if overload is None:
        return None
    for i, candidate in enumerate(entry.overloads):
        if candidate is overload or candidate == overload:
            return i
    return None


def read_test_file(path: str, data: bytes, options: TestOptions | None = None) -> TestFileFacts:
    """Find every pgTAP call of a test file. Never raises: bad input becomes findings."""
    text, findings = decode_sql(path, data)
    return _Walker(path, text, options or TestOptions()).run(findings)
