"""``tapgap check --format junit``: JUnit XML with a case per required object, per other finding, and the gate."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tapgap.report.check.junit import render

from .report_helpers import PLACES, Examples, finding, report, required


def parse(document: bytes | str) -> ET.Element:
    return ET.fromstring(document.encode() if isinstance(document, str) else document)


def cases(root: ET.Element, suite: str) -> dict[str, ET.Element]:
    found = root.find(f"testsuite[@name='{suite}']")
    assert found is not None, f"no suite {suite}"
    return {case.get("name", ""): case for case in found.iter("testcase")}


def outcome(case: ET.Element) -> str:
    return next((child.tag for child in case if child.tag in ("failure", "skipped", "error")), "passed")


def test_example_project_has_a_case_per_required_object_failing_each_untested_one(examples: Examples) -> None:
    expected = examples.expected()
    code, out = examples.check("junit")
    assert code == 0
    root = parse(out)
    required_objects = [o for o in expected["objects"] if o["requirements"]]
    untested = [f for f in expected["findings"] if f["code"] == "untested"]
    assert int(root.get("tests", "")) == len(required_objects) + 1  # and the gate's case
    assert int(root.get("failures", "")) == len(untested) == len(root.findall(".//failure"))
    assert root.findall(".//error") == [] and root.get("errors") == "0"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["tapgap.gate"] + [
        f"tapgap.{k['kind']}" for k in expected["kinds"] if k["requirements"]
    ]
    for suite in suites:  # each suite's counts are its own cases'
        assert int(suite.get("tests", "")) == len(suite.findall("testcase"))
        assert int(suite.get("failures", "")) == len(suite.findall("testcase/failure"))
    failed = {(c.get("classname"), c.get("name")) for c in root.iter("testcase") if outcome(c) == "failure"}
    assert failed == {
        (f"tapgap.{o['kind']}", o["key"])
        for o in required_objects
        if any(not r["covered"] and not r["accepted"] for r in o["requirements"])
    }
    for case in root.iter("testcase"):  # every located case names a file of the checkout
        if case.get("file"):
            assert (examples.repository / case.get("file", "")).is_file()


def test_a_table_and_its_row_level_security_fail_separately() -> None:
    table_ok = required("table", "app.t", ("exists", True, False))
    rls_gap = required("rls", "app.t", ("enabled", False, False))
    rls_finding = finding(message="rls app.t: no test checks that row-level security is enabled")
    root = parse(render(report([rls_finding], objects=[table_ok, rls_gap]), PLACES))
    assert outcome(cases(root, "tapgap.table")["app.t"]) == "passed"
    failure = cases(root, "tapgap.rls")["app.t"].find("failure")
    assert failure is not None and failure.get("message") == rls_finding.message
    assert failure.get("type") == "untested"


def test_accepted_and_silenced_gaps_are_skipped_not_failed() -> None:
    accepted = required("column", "app.t.a", ("exists", False, True))
    silenced = required("column", "app.t.b", ("exists", False, False))  # no finding: ignore[untested]
    root = parse(render(report([], objects=[accepted, silenced]), PLACES))
    by_name = cases(root, "tapgap.column")
    skipped = {name: case.find("skipped") for name, case in by_name.items()}
    assert "accepted by the baseline" in (skipped["app.t.a"].get("message") or "")  # type: ignore[union-attr]
    assert "silenced inline" in (skipped["app.t.b"].get("message") or "")  # type: ignore[union-attr]
    assert root.get("failures") == "0" and root.get("skipped") == "2"


def test_other_findings_fail_by_severity_and_info_is_skipped() -> None:
    findings = [
        finding("stale-target", "error", file="t.sql", object=None, message="table app.gone does not exist"),
        finding("ambiguous-call", "warning", file="t.sql", object=None, message="cast the literals"),
        finding("dynamic-target", "info", file="t.sql", object=None, message="computed at run time"),
    ]
    root = parse(render(report(findings), PLACES))
    outcomes = {case.find("*").get("type"): outcome(case) for case in cases(root, "tapgap.findings").values()}  # type: ignore[union-attr]
    assert outcomes == {"stale-target": "failure", "ambiguous-call": "failure", "dynamic-target": "skipped"}
    names = list(cases(root, "tapgap.findings"))
    assert (
        names[0] == "stale-target: db/t.sql: table app.gone does not exist"
    )  # no line: stable as lines move
    assert all(
        case.get("file") == "db/t.sql" and case.get("line") == "3"
        for case in root.iter("testcase")
        if case.get("file")
    )


def test_a_failed_gate_is_a_failing_case_with_its_reasons(examples: Examples) -> None:
    code, out = examples.check("junit", "--fail-under", "90")
    assert code == 2
    (gate,) = cases(parse(out), "tapgap.gate").values()
    failure = gate.find("failure")
    assert failure is not None and "under fail_under 90%" in (failure.get("message") or "")
    properties = {
        p.get("name"): p.get("value") for p in parse(out).iterfind("testsuite[1]/properties/property")
    }
    assert properties["level"] == "normal" and properties["coverage"] == "52.04"


def test_characters_xml_cannot_carry_are_replaced() -> None:
    odd = finding("parse-error", "error", object=None, message="syntax error at \x01\x1b[0m")
    document = render(report([odd]), PLACES)
    (failure,) = parse(document).iter("failure")
    assert failure.get("message") == "syntax error at \ufffd\ufffd[0m"


def test_the_report_can_be_written_to_a_file(examples: Examples, tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    assert examples.check("junit", "--output", str(out)) == (0, "")
    assert parse(out.read_bytes()).tag == "testsuites"


def test_every_finding_is_told_once_even_one_no_object_claims() -> None:
    table = required("table", "app.t", ("exists", False, False))
    claimed = finding()
    orphan = finding(message="view app.v: no test checks that it exists", object="app.v", line=9)
    root = parse(render(report([claimed, orphan], objects=[table]), PLACES))
    messages = sorted(f.get("message") or "" for f in root.iter("failure"))
    assert messages == sorted([claimed.message, orphan.message])
    assert list(cases(root, "tapgap.findings")) == ["untested: db/schema.sql: app.v"]
