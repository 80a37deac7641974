"""Report tests: check reports built by hand, and ``tapgap check`` of the example project in a format."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tapgap.cli import STEP_SUMMARY, main
from tapgap.report.check.model import CheckReport, FindingRow, KindRow, ObjectRow, RequirementRow, Summary
from tapgap.report.check.places import WEB_ROOTS, Places, repository_root

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Variables a CI run sets that change what a report says: a test's run must not depend on where it runs.
CI_VARIABLES = (*(name for names, _ in WEB_ROOTS for name in names), STEP_SUMMARY)

PLACES = Places(repository="/work/repo", prefix="db/")


_FINDING = FindingRow(
    code="untested",
    severity="warning",
    file="schema.sql",
    line=3,
    column=1,
    end_line=5,
    end_column=3,
    message="table app.t: no test checks that it exists",
    object="app.t",
)


def finding(code: str = "untested", severity: str = "warning", **fields: Any) -> FindingRow:
    """An untested table's finding, with other code, severity or fields."""
    return msgspec.structs.replace(_FINDING, code=code, severity=severity, **fields)


def required(
    kind: str, key: str, *facets: tuple[str, bool, bool], file: str = "schema.sql", line: int = 3
) -> ObjectRow:
    """An object with requirements given as (facet, covered, accepted)."""
    return ObjectRow(
        kind=kind,
        key=key,
        file=file,
        line=line,
        column=1,
        requirements=[RequirementRow(facet=f, covered=c, accepted=a, evidence=()) for f, c, a in facets],
    )


def report(
    findings: Sequence[FindingRow] = (),
    *,
    objects: Sequence[ObjectRow] = (),
    reasons: Sequence[str] = (),
    level: str = "normal",
) -> CheckReport:
    requirements = sum(len(o.requirements) for o in objects)
    covered = sum(r.covered or r.accepted for o in objects for r in o.requirements)
    coverage = round(100.0 * covered / requirements, 2) if requirements else 100.0
    kinds = sorted({o.kind for o in objects})
    return CheckReport(
        version=1,
        summary=Summary(
            passed=not reasons,
            reasons=list(reasons),
            level=level,
            layout="detected plain project",
            coverage=coverage,
            objects=len(objects),
            requirements=requirements,
            covered=covered,
            schema_files=1,
            test_files=1,
            assertions=1,
            exercises=0,
            findings=len(findings),
            suppressed=0,
            baselined=0,
        ),
        kinds=[
            KindRow(
                kind=k,
                objects=sum(o.kind == k for o in objects),
                requirements=sum(len(o.requirements) for o in objects if o.kind == k),
                covered=sum(r.covered or r.accepted for o in objects if o.kind == k for r in o.requirements),
                coverage=0.0,
            )
            for k in kinds
        ],
        objects=list(objects),
        findings=list(findings),
    )


class Examples:
    """``tapgap check`` of the example project, outside CI (the ``examples`` fixture)."""

    root = EXAMPLES

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        for name in CI_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        self.capsys = capsys
        self.err = ""  # the last check's stderr
        # The folder CI reports name files from: the checkout holding the examples.
        self.repository = repository_root(EXAMPLES)

    def check(self, fmt: str, *args: str, cache: Path | None = None) -> tuple[int, str]:
        """(exit code, stdout) of ``tapgap check examples --format FMT ARGS``, without a cache unless given."""
        where = ["--cache-dir", str(cache)] if cache else ["--no-cache"]
        code = main(["check", str(EXAMPLES), "--format", fmt, *where, *args])
        captured = self.capsys.readouterr()
        self.err = captured.err
        return code, captured.out

    def expected(self, *args: str) -> Any:
        """The JSON report: what every other format must agree with."""
        return json.loads(self.check("json", *args)[1])
