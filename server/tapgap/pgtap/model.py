"""Test-file facts: the pgTAP calls, plans, includes and exercises of one file, as plain data.

Like schema facts they are a pure function of the file's bytes (and the configuration), so they can be
cached by content hash. Which schema object a call names is resolved later, against the schema state.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tapgap.findings import Finding
from tapgap.schema.model import Located, QName
from tapgap.sql.source import Span
from tapgap.sql.suppress import Suppression

UNKNOWN = "unknown"
EXPR = "expr"  # a value whose type tapgap cannot know without running it

ArgValue = str | tuple[str | None, ...] | None


class Arg(msgspec.Struct, frozen=True, array_like=True):
    """One argument: ``type`` for resolution, ``value`` when constant (a string, or a tuple for arrays)."""

    type: str
    value: ArgValue = None
    dynamic: bool = False
    # A plain string literal (no cast): the arguments a ``::name`` cast would change the reading of.
    literal: bool = False
    location: int = -1


CallContext = Literal["top", "do", "function"]


class Call(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """One call of a pgTAP (or configured custom) assertion function."""

    function: str  # catalogue name, e.g. "has_table", or "tests.rls_enabled" for a custom assertion
    qualifier: str | None  # schema as written (``tap.has_table``)
    args: tuple[Arg, ...]
    span: Span
    context: CallContext
    countable: bool  # runs exactly once where it stands, so it counts toward plan(N)
    overload: int | None = None  # index into the catalogue's overloads: what PostgreSQL runs
    intent: int | None = None  # the overload with every plain string literal read as ``name``
    error: str | None = None  # PostgreSQL would reject the call: no such overload / not unique
    nested_in: str | None = None  # the enclosing pgTAP call (collect_tap, check_test, ok ...)
    role: str | None = None  # role in effect when it runs
    search_path: tuple[str, ...] = ("public",)


class Plan(msgspec.Struct, frozen=True, array_like=True):
    count: int | None  # None: no_plan()
    span: Span


class Include(msgspec.Struct, frozen=True, array_like=True):
    path: str  # as written
    relative: bool  # \ir: relative to the including file; \i: relative to the working directory
    span: Span


class LocatedExercise(msgspec.Struct, frozen=True, array_like=True):
    file: str
    action: str
    target: QName
    args: int
    span: Span
    role: str | None
    in_assertion: bool  # SQL text of an assertion argument (results_eq, throws_ok ...), not a plain statement
    search_path: tuple[str, ...] = ("public",)


class LookAlike(msgspec.Struct, frozen=True, array_like=True):
    """A call that looks like pgTAP but is no pgTAP function (``policy_exists``)."""

    name: str
    qualifier: str | None
    span: Span


class TestFileFacts(msgspec.Struct, frozen=True, array_like=True):
    file: str
    calls: list[Call]
    plans: list[Plan]
    includes: list[Include]
    exercises: list[LocatedExercise]
    look_alikes: list[LookAlike]
    defined_functions: list[str]  # functions the file creates (helpers are not look-alikes)
    # DDL the test runs itself (fixture tables, helper functions): objects its assertions may check
    # without their being the project's.
    fixtures: list[Located]
    findings: list[Finding]
    statements: int
    suppressions: list[Suppression]
    # Some assertion runs a number of times the file does not say (a loop, runtests(), a function body):
    # plan(N) cannot be checked statically.
    uncountable: bool = False
