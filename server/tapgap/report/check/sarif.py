"""SARIF 2.1.0, the format GitHub code scanning (and other SARIF viewers) reads.

One run: the driver ``tapgap`` with a rule per finding code, a result per finding, and the report's summary
and coverage per kind in the run's property bag. Files are named relative to the repository root
(``%SRCROOT%``), as code scanning places alerts; columns count UTF-16 code units, as the spans do.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import msgspec

from tapgap import __version__
from tapgap.report.check import Reporter
from tapgap.report.check.codes import CODES, describe
from tapgap.report.check.model import CheckReport, FindingRow
from tapgap.report.check.places import Places

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"

LEVEL = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def _rule(code: str) -> dict[str, Any]:
    info = describe(code)
    return {
        "id": code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "help": {"text": info.help},
        "defaultConfiguration": {"level": LEVEL.get(info.severity, "warning")},
    }


def _location(f: FindingRow, places: Places) -> dict[str, Any]:
    path = places.path(f.file)
    if PurePosixPath(path).is_absolute():  # outside the repository: a URI of its own, with no base
        artifact: dict[str, Any] = {"uri": PurePosixPath(path).as_uri()}
    else:
        artifact = {"uri": places.uri(f.file), "uriBaseId": SOURCE_ROOT}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if not f.whole_file:
        physical["region"] = {
            "startLine": f.line,
            "startColumn": f.column,
            "endLine": f.end_line,
            "endColumn": f.end_column,
        }
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.object:
        location["logicalLocations"] = [{"fullyQualifiedName": f.object}]
    return location


def render(report: CheckReport, places: Places) -> bytes:
    # Every known code is a rule, whether found or not: rule indexes stay the same from run to run.
    codes = list(CODES) + sorted({f.code for f in report.findings} - CODES.keys())
    rule_index = {code: i for i, code in enumerate(codes)}
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": rule_index[f.code],
            "level": LEVEL.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [_location(f, places)],
        }
        for f in report.findings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tapgap",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": PurePosixPath(places.repository).as_uri() + "/"}},
                "columnKind": "utf16CodeUnits",
                "invocations": [{"executionSuccessful": True}],
                "results": results,
                "properties": {"summary": report.summary, "kinds": report.kinds},
            }
        ],
    }
    return msgspec.json.encode(log) + b"\n"  # not indented: large projects have tens of thousands of results


_: Reporter = render  # the registry loads this module by name: mypy checks it against the protocol here
