"""The finding codes, described for reports that carry rule metadata (SARIF's ``tool.driver.rules``)."""

from __future__ import annotations

import msgspec


class Code(msgspec.Struct, frozen=True, kw_only=True):
    name: str  # a readable identifier, as SARIF's reportingDescriptor.name wants one
    severity: str  # the usual severity; a finding's own may differ (``untested`` is info at lenient)
    summary: str  # one sentence
    help: str  # what it means and what to do about it


CODES: dict[str, Code] = {
    "untested": Code(
        name="UntestedObject",
        severity="warning",
        summary="A schema object has a requirement that no pgTAP test satisfies.",
        help="At the configured level, every listed facet of the object must be checked by an assertion "
        "or exercised by the SQL a test runs. Add a test (has_table, col_type_is, results_eq, ...), exclude "
        "the object with exclude_objects, silence it with '-- tapgap: ignore[untested]' on the line before "
        "its definition, or accept it with 'tapgap check --write-baseline'.",
    ),
    "stale-target": Code(
        name="StaleTarget",
        severity="error",
        summary="An assertion checks an object the schema does not define.",
        help="The object was dropped, renamed or misspelled, so the assertion fails or checks nothing. "
        "The message suggests the nearest existing names.",
    ),
    "ambiguous-call": Code(
        name="AmbiguousCall",
        severity="warning",
        summary="Plain literals make PostgreSQL pick an overload under which the call checks nothing "
        "that exists.",
        help="Another reading of the same values names existing objects. Cast the arguments "
        "('app'::name, 'users'::name) or add a description argument, as the message says.",
    ),
    "dynamic-target": Code(
        name="DynamicTarget",
        severity="info",
        summary="An argument naming the checked object is computed at run time.",
        help="tapgap reads tests statically and cannot tell which object such a call checks; the call is "
        "not counted as coverage. Write the name as a literal where possible.",
    ),
    "unknown-assertion": Code(
        name="UnknownAssertion",
        severity="warning",
        summary="A call that looks like pgTAP is no pgTAP function and no configured assertion.",
        help="Fix the name, or declare your own assertion function under [[assertions]] in the "
        "configuration so that its calls count.",
    ),
    "plan-mismatch": Code(
        name="PlanMismatch",
        severity="error",
        summary="plan(N) differs from the number of tests the file runs.",
        help="pgTAP fails a file whose plan does not match. Update plan(N) or use no_plan().",
    ),
    "invalid-call": Code(
        name="InvalidCall",
        severity="error",
        summary="PostgreSQL would reject the call: no overload matches, or more than one does.",
        help="Check the arguments against pgTAP's documented signatures; cast literals to pick an overload.",
    ),
    "unresolved-include": Code(
        name="UnresolvedInclude",
        severity="warning",
        summary="A \\i or \\ir include names a file that does not exist.",
        help="The included file's assertions are not counted. Fix the path.",
    ),
    "parse-error": Code(
        name="ParseError",
        severity="error",
        summary="PostgreSQL's grammar rejects a statement.",
        help="The statement is skipped; the rest of the file still counts. Fix the SQL.",
    ),
    "invalid-encoding": Code(
        name="InvalidEncoding",
        severity="error",
        summary="A SQL file is not valid UTF-8.",
        help="Invalid bytes were replaced and the rest of the file read. Save the file as UTF-8.",
    ),
    "unreadable-file": Code(
        name="UnreadableFile",
        severity="error",
        summary="A SQL file could not be read.",
        help="The file is missing, a broken link or not readable; its objects and tests are not counted.",
    ),
    "internal-error": Code(
        name="InternalError",
        severity="warning",
        summary="tapgap could not interpret a statement.",
        help="A statement shape tapgap does not handle yet; the rest of the file still counts. Please "
        "report it with the statement.",
    ),
}


def describe(code: str) -> Code:
    """A code's description; one unknown here (a newer code) is described by its name."""
    return CODES.get(code) or Code(name=code, severity="warning", summary=code, help=code)
