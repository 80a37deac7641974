"""Test files + schema state → assertions with the objects they check, exercises, and test-file findings.

Per-file facts (``pgtap.reader``) hold the calls as written; here each call's targets are bound to the
schema state, includes are followed, and the findings that need the whole project are made:
``ambiguous-call``, ``stale-target``, ``dynamic-target``, ``unknown-assertion``, ``plan-mismatch`` and
``invalid-call`` (a call PostgreSQL would reject).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

import msgspec

from tapgap.coverage.binding import Binding, NameHints, bind
from tapgap.files import read_bytes
from tapgap.findings import Finding
from tapgap.pgtap import catalog
from tapgap.pgtap.model import Arg, Call, LocatedExercise, LookAlike, Plan, TestFileFacts
from tapgap.pgtap.reader import TestOptions, read_test_file
from tapgap.pgtap.resolve import INDETERMINATE
from tapgap.pgtap.targets import Target, roles_for, targets_of
from tapgap.schema.model import QName
from tapgap.schema.state import SchemaState
from tapgap.sql.source import Span
from tapgap.sql.suppress import Suppression

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")


class BoundTarget(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    facet: str
    written: str  # the target as the call names it, e.g. "app.users" or "users (search_path)"
    objects: tuple[tuple[str, str], ...]  # (kind, key) of the schema objects it names
    negated: bool = False
    fixture: bool = False  # names an object the test itself creates (not the project's)


class Assertion(msgspec.Struct, frozen=True, kw_only=True):
    file: str  # the file the call is written in
    span: Span
    function: str
    signature: str | None  # the overload PostgreSQL runs, e.g. "has_table(name, text)"
    category: str
    targets: tuple[BoundTarget, ...]
    exercises: tuple[LocatedExercise, ...] = ()
    role: str | None = None
    via: str | None = None  # the test file that includes ``file`` (\i / \ir), if not ``file`` itself


class SuiteAnalysis(msgspec.Struct):
    assertions: list[Assertion]
    exercises: list[LocatedExercise]
    findings: list[Finding]
    files: int
    statements: int
    suppressions: dict[str, list[Suppression]] = msgspec.field(default_factory=dict)


def _written(target: Target) -> str:
    parts = [p for p in (target.schema, target.parent, target.name) if p is not None]
    text = ".".join(parts) if parts else "*"
    if target.signature is not None:
        text += f"({', '.join(target.signature)})"
    if target.schema is None and target.kind not in ("schema", "extension", "role"):
        text += " (any schema)" if target.any_schema else " (search_path)"
    return text


def _condition(state: SchemaState) -> Callable[[str, Arg], bool]:
    def condition(when: str, arg: Arg) -> bool:
        value = arg.value if isinstance(arg.value, str) and not arg.dynamic else None
        if when == "schema_exists":
            return value is not None and value in state.schemas
        if when == "contains_paren":
            return value is not None and "(" in value
        if when == "errcode":
            return value is not None and len(value.encode()) == 5
        return False

    return condition


TestFactsSource = Callable[[Path], "tuple[TestFileFacts | None, Finding | None]"]


def read_test_facts(root: Path, options: TestOptions) -> TestFactsSource:
    """Facts straight from the files (no cache): the source ``analyse_tests`` uses by default."""

    def source(path: Path) -> tuple[TestFileFacts | None, Finding | None]:
        rel, data, problem = read_bytes(root, path)
        return (read_test_file(rel, data, options) if data is not None else None), problem

    return source


class BindingContext:
    """What binding a test file needs of the project: a pure function of the schema state and the options,
    so it may serve every test file until the state changes (its memos with it)."""

    def __init__(
        self, root: Path, state: SchemaState, options: TestOptions, facts_of: TestFactsSource
    ) -> None:
        self.root = root
        self.state = state
        self.options = options
        self.facts_of = facts_of
        self.condition = _condition(state)
        self.text_functions = _text_functions(state)
        self.project_functions = frozenset(defined_functions(state))
        self.hints = NameHints(state)
        self._bindings: dict[tuple[Target, tuple[str, ...]], Binding] = {}

    def entry(self, call: Call) -> catalog.PgtapFunction | None:
        return self.options.custom.lookup(call.qualifier, call.function) or catalog.lookup(call.function)

    def binding(self, target: Target, call: Call) -> Binding:
        # Test files repeat the same targets over and over (a binding is a pure function of the state).
        key = (target, call.search_path)
        found = self._bindings.get(key)
        if found is None:
            found = self._bindings[key] = bind(self.state, target, call.search_path)
        return found

    def forget_bindings(self) -> None:
        """Drop the bindings memo: kept, it would hold one binding per distinct target of the project
        (6 MB at scale M) for as long as the context lives."""
        self._bindings = {}


class FileSuite(msgspec.Struct):
    """What one test file (with the files it includes) contributes: the unit the workspace recomputes."""

    file: str
    assertions: list[Assertion]
    exercises: list[LocatedExercise]
    findings: list[Finding]
    look_alikes: list[tuple[str, LookAlike]]  # (file, call): decided against every file's definitions
    defined: list[str]
    statements: int
    suppressions: dict[str, list[Suppression]]
    depends_on: list[str]  # resolved paths of the files it includes


def _include_path(root: Path, including: Path, include_path: str, relative: bool) -> Path:
    candidate = PurePosixPath(include_path)
    if candidate.is_absolute():
        return Path(candidate)
    if relative:
        return including.parent / candidate
    # \i is relative to psql's working directory: test runners usually start at the project root.
    for base in (root, including.parent):
        if (base / candidate).is_file():
            return base / candidate
    return root / candidate


def analyse_test_file(project: BindingContext, path: Path) -> FileSuite:
    """One test file bound to the schema: its assertions, exercises and findings (includes followed)."""
    facts, problem = project.facts_of(path)
    if facts is None:
        return FileSuite(path.as_posix(), [], [], [problem] if problem else [], [], [], 0, {}, [])
    findings: list[Finding] = [*facts.findings]
    chain = list(_with_includes(project, path, facts, {file_key(path)}, findings))
    assertions: list[Assertion] = []
    exercises: list[LocatedExercise] = []
    counted, uncountable, plans = 0, False, list[Plan]()
    fixtures = SchemaState(project.state.default_search_path).replay(
        (file_facts.file, file_facts.fixtures) for file_facts, _, _ in chain
    )
    text_functions = (project.text_functions, _text_functions(fixtures))
    for file_facts, via, _ in chain:
        uncountable = uncountable or file_facts.uncountable or _calls_test_helpers(text_functions, file_facts)
        exercises.extend(file_facts.exercises)
        plans.extend(file_facts.plans)
        for call in file_facts.calls:
            entry = project.entry(call)
            if entry is None:
                continue
            assertion, call_findings = _assertion(project, call, entry, file_facts, via, fixtures)
            assertions.append(assertion)
            findings.extend(call_findings)
            counted += _tests_emitted(call, entry)
            if call.function in project.project_functions:
                # The project defines the assertion function itself (pgTAP's own repository, a helper
                # library): calling it exercises it.
                exercises.append(
                    LocatedExercise(
                        file_facts.file,
                        "call",
                        QName(call.qualifier, call.function),
                        len(call.args),
                        call.span,
                        call.role,
                        False,
                        call.search_path,
                    )
                )
    findings.extend(_plan_findings(facts, plans, counted, uncountable))
    return FileSuite(
        file=facts.file,
        assertions=assertions,
        exercises=exercises,
        findings=findings,
        look_alikes=[(f.file, look) for f, _, _ in chain for look in f.look_alikes],
        defined=sorted({name for f, _, _ in chain for name in f.defined_functions}),
        statements=sum(f.statements for f, _, _ in chain),
        suppressions={f.file: f.suppressions for f, _, _ in chain if f.suppressions},
        depends_on=_include_targets(project.root, path, chain),
    )


def file_key(path: Path) -> str:
    """A file's identity for include chains: absolute and normalised (no file system calls: one per test
    file adds up at scale; a symbolic-link loop still ends, as every key is visited once)."""
    return os.path.normpath(os.path.abspath(path))


def _include_targets(
    root: Path, path: Path, chain: Sequence[tuple[TestFileFacts, str | None, str]]
) -> list[str]:
    """Every file the chain includes or tries to include (a missing one may appear later)."""
    targets = []
    for facts, _, key in chain:
        including = Path(key) if key else path
        for include in facts.includes:
            targets.append(file_key(_include_path(root, including, include.path, include.relative)))
    return targets


def merge_suites(suites: Sequence[FileSuite], state: SchemaState, files: int) -> SuiteAnalysis:
    """The project's test side from its files' parts; look-alikes are judged against every definition."""
    defined = defined_functions(state)
    for suite in suites:
        defined.update(suite.defined)
    findings: list[Finding] = []
    suppressions: dict[str, list[Suppression]] = {}
    for suite in suites:
        findings.extend(suite_findings(suite, defined))
        suppressions.update(suite.suppressions)
    return SuiteAnalysis(
        [a for s in suites for a in s.assertions],
        [e for s in suites for e in s.exercises],
        dedupe(findings),
        files,
        sum(s.statements for s in suites),
        suppressions,
    )


def suite_findings(suite: FileSuite, defined: Container[str]) -> Iterator[Finding]:
    """A test file's findings, with its look-alikes of assertions that no file defines."""
    yield from suite.findings
    for file, look_alike in suite.look_alikes:
        if look_alike.name not in defined:
            yield Finding(
                code="unknown-assertion",
                severity="warning",
                file=file,
                span=look_alike.span,
                message=f"{look_alike.name}() looks like a pgTAP assertion but is no pgTAP function "
                "and is not configured as a custom assertion: tapgap cannot tell what it checks",
            )


def project_context(
    root: Path, state: SchemaState, options: TestOptions, facts_of: TestFactsSource | None = None
) -> BindingContext:
    return BindingContext(root, state, options, facts_of or read_test_facts(root, options))


def analyse_tests(
    root: Path,
    test_files: Sequence[Path],
    state: SchemaState,
    options: TestOptions | None = None,
) -> SuiteAnalysis:
    """Every assertion of the project's test files, bound to the schema, with the test-file findings."""
    project = project_context(root, state, options or TestOptions())
    suites = [analyse_test_file(project, path) for path in test_files]
    return merge_suites(suites, state, len(test_files))


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str, int, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.code, finding.file, finding.span.start, finding.message), finding)
    return list(seen.values())


def defined_functions(state: SchemaState) -> set[str]:
    return {fn.name for fn in state.functions()}


def _with_includes(
    project: BindingContext, path: Path, facts: TestFileFacts, seen: set[str], findings: list[Finding]
) -> Iterable[tuple[TestFileFacts, str | None, str]]:
    """The file's facts, then those of every file it includes (depth first), each once, with the
    including test file and the resolved path."""
    yield facts, None, file_key(path)
    for include in facts.includes:
        target = _include_path(project.root, path, include.path, include.relative)
        key = file_key(target)
        if key in seen:
            continue
        if not target.exists():
            findings.append(
                Finding(
                    code="unresolved-include",
                    severity="warning",
                    file=facts.file,
                    span=include.span,
                    message=f"cannot follow \\{'ir' if include.relative else 'i'} {include.path}: no such file "
                    "(its assertions are not counted)",
                )
            )
            continue
        seen.add(key)
        included, problem = project.facts_of(target)
        if problem is not None:
            findings.append(problem)
        if included is None:
            continue
        for inner, _, inner_key in _with_includes(project, target, included, seen, findings):
            yield inner, path.as_posix(), inner_key


def _calls_test_helpers(text_functions: tuple[set[str], set[str]], facts: TestFileFacts) -> bool:
    """A plain statement calls a function that may emit TAP lines itself (a project's assertion helper,
    such as ``pgflow_tests.assert_retry_delay``): the number of tests run is then unknown."""
    for exercise in facts.exercises:
        if exercise.action != "call" or exercise.in_assertion:
            continue
        name = exercise.target.name
        if "assert" in name or "check" in name or any(name in known for known in text_functions):
            return True
    return False


def _text_functions(state: SchemaState) -> set[str]:
    return {fn.name for fn in state.functions() if (fn.result() or "").endswith("text")}


def _tests_emitted(call: Call, entry: catalog.PgtapFunction) -> int:
    if call.overload is None or not call.countable:
        return 0
    overload = entry.overloads[call.overload]
    if overload.tests is not None:
        return overload.tests
    index = overload.index("count")
    if index is not None and index < len(call.args):
        value = call.args[index].value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return 0
    return 1 if entry.name == "skip" else 0


def _plan_findings(facts: TestFileFacts, plans: list[Plan], counted: int, uncountable: bool) -> list[Finding]:
    numbered = [p for p in plans if p.count is not None]
    if uncountable or len(numbered) != 1 or len(plans) != 1:
        return []
    plan = numbered[0]
    if plan.count == counted:
        return []
    file = facts.file
    return [
        Finding(
            code="plan-mismatch",
            severity="error",
            file=file,
            span=plan.span,
            message=f"plan({plan.count}) but the file runs {counted} test{'s' if counted != 1 else ''}",
        )
    ]


def _assertion(
    project: BindingContext,
    call: Call,
    entry: catalog.PgtapFunction,
    facts: TestFileFacts,
    via: str | None,
    fixtures: SchemaState,
) -> tuple[Assertion, list[Finding]]:
    findings: list[Finding] = []
    file = facts.file
    overload = entry.overloads[call.overload] if call.overload is not None else None
    signature = overload.signature(entry.name) if overload is not None else None
    bound: list[BoundTarget] = []
    if call.error is not None and call.error != INDETERMINATE:
        findings.append(
            Finding(
                code="invalid-call",
                severity="error",
                file=file,
                span=call.span,
                message=f"PostgreSQL would reject this call: {call.error}",
            )
        )
    if overload is not None and entry.category == "structural":
        reading = targets_of(overload, call.args, project.condition)
        for target in reading.targets:
            binding = project.binding(target, call)
            fixture = not binding.objects and bool(bind(fixtures, target, call.search_path).objects)
            bound.append(
                BoundTarget(
                    kind=target.kind,
                    facet=target.facet,
                    written=_written(target),
                    objects=binding.objects,
                    negated=target.negated,
                    fixture=fixture,
                )
            )
        ambiguous = _ambiguous(project, call, entry, overload, reading.targets, file)
        findings.extend(ambiguous)
        if reading.dynamic:
            findings.append(
                Finding(
                    code="dynamic-target",
                    severity="info",
                    file=file,
                    span=call.span,
                    message=f"{entry.name}() names its object with a value computed at run time: "
                    "tapgap cannot tell statically which object it checks",
                )
            )
        elif not ambiguous and call.nested_in != "check_test":
            # Under check_test the call's outcome is what is tested: it may be meant to fail.
            findings.extend(_stale(project, call, reading.targets, bound, file))
    exercises = tuple(
        e for e in facts.exercises if e.in_assertion and call.span.start <= e.span.start < call.span.end
    )
    assertion = Assertion(
        file=file,
        span=call.span,
        function=entry.name,
        signature=signature,
        category=entry.category,
        targets=tuple(bound),
        exercises=exercises,
        role=call.role,
        via=via,
    )
    return assertion, findings


def _stale(
    project: BindingContext, call: Call, targets: Sequence[Target], bound: Sequence[BoundTarget], file: str
) -> list[Finding]:
    findings = []
    for target, result in zip(targets, bound, strict=True):
        if target.negated or result.objects or result.fixture or target.facet == "members":
            continue
        if target.kind not in _STALE_KINDS or (target.name is None and target.kind != "constraint"):
            continue
        if not project.binding(target, call).in_project or _extension_schema(project.state, target, call):
            continue
        hint = project.hints.nearest(target)
        suggestion = f"; did you mean {' or '.join(hint)}?" if hint else ""
        findings.append(
            Finding(
                code="stale-target",
                severity="error",
                file=file,
                span=call.span,
                message=f"{call.function}() checks {target.kind} {result.written}, which the schema does not "
                f"define{suggestion}",
                object=result.written,
            )
        )
    return findings


# Kinds the schema files define: a check of one the replay does not know is stale. Roles, databases,
# languages and the like come from outside the project's SQL.
_STALE_KINDS = frozenset(
    {
        "table",
        "view",
        "materialized view",
        "sequence",
        "column",
        "constraint",
        "index",
        "trigger",
        "policy",
        "function",
        "type",
        "enum",
        "domain",
        "composite",
        "rls",
    }
)
# Schemas are not among them: extensions and platforms create schemas the project's SQL never shows.


def _extension_schema(state: SchemaState, target: Target, call: Call) -> bool:
    """The target's schema holds an extension the project creates: the object may be the extension's."""
    schemas = [target.schema] if target.schema is not None else list(call.search_path)
    hosts = {ext.schema for ext in state.extensions.values()}
    return any(s in hosts and (s != "public" or target.kind in _EXTENSION_KINDS) for s in schemas)


_EXTENSION_KINDS = frozenset({"function", "type", "enum", "domain", "composite"})


def _ambiguous(
    project: BindingContext,
    call: Call,
    entry: catalog.PgtapFunction,
    overload: catalog.Overload,
    targets: Sequence[Target],
    file: str,
) -> list[Finding]:
    """Plain literals made PostgreSQL pick a reading under which the call checks nothing that exists, while
    another overload of the same function, given the same values, would check existing objects."""
    if overload.negated or not any(a.literal for a in call.args):
        return []
    actual_found = any(project.binding(t, call).objects for t in targets if not t.negated)
    actual_roles = roles_for(overload, call.args, project.condition)
    described = [
        call.args[i]
        for i, role in enumerate(actual_roles)
        if role == "description" and i < len(call.args) and isinstance(call.args[i].value, str)
    ]
    if actual_found and not any(_IDENTIFIER.match(str(a.value)) for a in described):
        return []
    # Same arity first (the fix is a cast), then one more argument (the fix is a description).
    for alternative in sorted(entry.overloads, key=lambda o: len(o.params) != len(call.args)):
        if alternative is overload or len(alternative.params) - alternative.defaults > len(call.args) + 1:
            continue
        if len(alternative.params) < len(call.args):
            continue
        if alternative.kind != overload.kind:
            continue
        reading = targets_of(alternative, call.args, project.condition)
        if reading.dynamic or not reading.targets:
            continue
        checked = [t for t in reading.targets if not t.negated]
        if not checked or not all(project.binding(t, call).objects for t in checked):
            continue
        if [(t.kind, t.schema, t.parent, t.name) for t in reading.targets] == [
            (t.kind, t.schema, t.parent, t.name) for t in targets
        ]:
            continue
        fix = _fix(call, alternative)
        meant = ", ".join(f"{t.kind} {_written(t)}" for t in reading.targets)
        checks = ", ".join(f"{t.kind} {_written(t)}" for t in targets) or "nothing"
        return [
            Finding(
                code="ambiguous-call",
                severity="warning",
                file=file,
                span=call.span,
                message=f"PostgreSQL runs {overload.signature(entry.name)}, which checks {checks}; "
                f"{meant} was probably meant: {fix}",
            )
        ]
    return []


def _fix(call: Call, alternative: catalog.Overload) -> str:
    if len(alternative.params) > len(call.args):
        return f"add a description argument (call {alternative.signature(call.function)})"
    casts = []
    for param, arg in zip(alternative.params, call.args, strict=False):
        if arg.literal and param.type in ("name", "name[]") and isinstance(arg.value, str):
            casts.append(f"'{arg.value}'::{param.type}")
        elif isinstance(arg.value, str):
            casts.append(f"'{arg.value}'")
        else:
            casts.append("…")
    return f"write {call.function}({', '.join(casts)})"
