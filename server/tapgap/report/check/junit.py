"""JUnit XML, as GitLab, Jenkins and Azure Pipelines read test results.

A test suite per kind of object, with a test case per object that has requirements: it fails when the
object is untested, and is skipped when its gaps are accepted (by the baseline) or silenced (inline). A suite
``tapgap.findings`` holds a test case per other finding, and a suite ``tapgap.gate`` one test case, the gate's
decision. Cases are named by what they check, never by line, so that a CI's test history follows them as
lines move.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Sequence

import msgspec

from tapgap.report.check import Reporter
from tapgap.report.check.model import CheckReport, FindingRow, KindRow, ObjectRow, Summary, verdict
from tapgap.report.check.places import Places

# What a finding of each severity makes of its test case; info (dynamic-target, or untested at the lenient
# level) is shown but fails nothing.
OUTCOME = {"error": "failure", "warning": "failure", "info": "skipped", "hint": "skipped"}

# XML 1.0 cannot carry these at all, not even escaped; a message quoting odd SQL must not break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Place = tuple[str | None, int | None, str | None]  # file, line, object key


class Case(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    file: str | None = None  # relative to the repository root
    line: int | None = None
    outcome: str | None = None  # "failure" or "skipped"; None: passed
    message: str = ""
    type: str = ""  # the finding code
    detail: str = ""
    finding: FindingRow | None = None  # the finding it tells


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _finding_case(name: str, f: FindingRow, places: Places) -> Case:
    where = places.path(f.file)
    return Case(
        name=name,
        file=where,
        line=None if f.whole_file else f.line,
        outcome=OUTCOME.get(f.severity, "failure"),
        message=f.message,
        type=f.code,
        detail=f"{where}:{f.line}:{f.column}: {f.message}",
        finding=f,
    )


def _object_case(obj: ObjectRow, untested: dict[Place, list[FindingRow]], places: Places) -> Case:
    # A table and its row-level security share key and definition: the finding's message names the kind.
    found = untested.get((obj.file, obj.line, obj.key), [])
    finding = next((f for f in found if f.message.startswith(f"{obj.kind} ")), None)
    if finding is not None:
        return _finding_case(obj.key, finding, places)
    case = Case(name=obj.key, file=places.path(obj.file) if obj.file else None, line=obj.line)
    missing = [r.facet for r in obj.requirements if not r.covered and not r.accepted]
    accepted = [r.facet for r in obj.requirements if r.accepted]
    if missing:  # untested, with no finding to say so
        why = "silenced inline" if obj.file else "defined outside the project"
        return msgspec.structs.replace(
            case, outcome="skipped", message=f"untested ({why}): no test checks {', '.join(missing)}"
        )
    if accepted:
        return msgspec.structs.replace(
            case, outcome="skipped", message=f"accepted by the baseline: no test checks {', '.join(accepted)}"
        )
    return case


def _gate_case(summary: Summary) -> Case:
    return Case(
        name=f"coverage and blocking findings (level {summary.level})",
        outcome=None if summary.passed else "failure",
        message=verdict(summary),
        type="gate",
        detail="\n".join(summary.reasons),
    )


def _coverage(row: KindRow) -> dict[str, object]:
    return msgspec.structs.asdict(row)  # kind, objects, requirements, covered, coverage


def _counts(cases: Sequence[Case]) -> dict[str, str]:
    outcomes = Counter(c.outcome for c in cases)
    return {
        "tests": str(len(cases)),
        "failures": str(outcomes["failure"]),
        "errors": "0",  # an error is a test that could not run: every check here ran
        "skipped": str(outcomes["skipped"]),
        "time": "0",
    }


def _suite(name: str, properties: dict[str, object], cases: Sequence[Case]) -> ET.Element:
    suite = ET.Element("testsuite", {"name": name, **_counts(cases)})
    if properties:
        props = ET.SubElement(suite, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", name=key, value=str(value))
    for case in cases:
        attrs = {"classname": name, "name": _clean(case.name), "time": "0"}
        if case.file is not None:
            attrs["file"] = _clean(case.file)
        if case.line is not None:
            attrs["line"] = str(case.line)
        testcase = ET.SubElement(suite, "testcase", attrs)
        if case.outcome is not None:
            result = ET.SubElement(testcase, case.outcome, message=_clean(case.message))
            if case.type:
                result.set("type", case.type)
            if case.detail:
                result.text = _clean(case.detail)
    return suite


def render(report: CheckReport, places: Places) -> bytes:
    summary = report.summary
    suites = [("tapgap.gate", {**_coverage(summary.total), "level": summary.level}, [_gate_case(summary)])]
    untested: dict[Place, list[FindingRow]] = defaultdict(list)
    for f in report.findings:
        if f.code == "untested":
            untested[f.file, f.line, f.object].append(f)
    by_kind: dict[str, list[ObjectRow]] = defaultdict(list)
    for obj in report.objects:
        if obj.requirements:  # an object nothing is required of is no test
            by_kind[obj.kind].append(obj)
    for row in report.kinds:
        if by_kind[row.kind]:
            cases = [_object_case(obj, untested, places) for obj in by_kind[row.kind]]
            suites.append((f"tapgap.{row.kind}", _coverage(row), cases))
    told = {id(c.finding) for _, _, cases in suites for c in cases if c.finding is not None}
    others = [
        _finding_case(f"{f.code}: {places.path(f.file)}: {f.object or f.message}", f, places)
        for f in report.findings
        if id(f) not in told  # every finding an object's case did not tell
    ]
    if others:
        suites.append(("tapgap.findings", {}, others))
    root = ET.Element("testsuites", {"name": "tapgap check", **_counts([c for *_, cs in suites for c in cs])})
    root.extend(_suite(*suite) for suite in suites)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


_: Reporter = render  # the registry loads this module by name: mypy checks it against the protocol here
