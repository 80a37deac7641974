"""What every ``tapgap check`` report shows, as data: the JSON report's schema (version 1).

The JSON report is this model encoded as it is; the other formats are views of it, so that they all say the
same thing. Lines and columns are 1-based; ``end_column`` is one past the last character, as in SARIF.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import msgspec

from tapgap.coverage.evidence import Evidence
from tapgap.coverage.index import KindSummary

if TYPE_CHECKING:  # for annotations only
    from tapgap.analysis import ProjectAnalysis
    from tapgap.coverage.gate import GateResult

CHECK_SCHEMA_VERSION = 1

# Most severe first: the order in which reports with a size limit keep findings.
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2, "hint": 3}


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    passed: bool
    reasons: list[str]  # why the gate failed (empty when it passed)
    level: str
    layout: str
    coverage: float  # percent, rounded to two decimals
    objects: int
    requirements: int
    covered: int
    schema_files: int
    test_files: int
    assertions: int
    exercises: int
    findings: int
    suppressed: int
    baselined: int

    @property
    def percent(self) -> float:
        return _percent(self.covered, self.requirements)

    @property
    def total(self) -> KindRow:
        """The overall figures as a row of the per-kind table."""
        return KindRow(
            kind="total",
            objects=self.objects,
            requirements=self.requirements,
            covered=self.covered,
            coverage=self.coverage,
        )


class KindRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    objects: int
    requirements: int
    covered: int
    coverage: float  # percent, rounded to two decimals

    @property
    def percent(self) -> float:
        """Unrounded, as the gate compares it."""
        return _percent(self.covered, self.requirements)


class RequirementRow(msgspec.Struct, frozen=True, kw_only=True):
    facet: str
    covered: bool
    accepted: bool  # an accepted gap: listed in the baseline
    evidence: tuple[Evidence, ...]


class ObjectRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    key: str
    file: str | None
    line: int | None
    column: int | None
    requirements: list[RequirementRow]


class FindingRow(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    severity: str
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    object: str | None

    @property
    def whole_file(self) -> bool:
        """A finding about the file rather than a place in it (``unreadable-file``): its span is empty at the
        start, so a report should name the file and no region."""
        return (self.line, self.column, self.end_line, self.end_column) == (1, 1, 1, 1)

    def position(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class CheckReport(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    summary: Summary
    kinds: list[KindRow]
    objects: list[ObjectRow]
    findings: list[FindingRow]


def _percent(covered: int, requirements: int) -> float:
    # As KindSummary.percent: nothing required is fully covered.
    return 100.0 if requirements == 0 else 100.0 * covered / requirements


def _kind_row(k: KindSummary) -> KindRow:
    return KindRow(
        kind=k.kind,
        objects=k.objects,
        requirements=k.requirements,
        covered=k.covered,
        coverage=round(k.percent, 2),
    )


def build_report(analysis: ProjectAnalysis, gate: GateResult) -> CheckReport:
    index = analysis.index
    total = _kind_row(index.total)
    return CheckReport(
        version=CHECK_SCHEMA_VERSION,
        summary=Summary(
            passed=gate.passed,
            reasons=list(gate.reasons),
            level=index.level,
            layout=analysis.layout,
            coverage=total.coverage,
            objects=total.objects,
            requirements=total.requirements,
            covered=total.covered,
            schema_files=len(analysis.schema_files),
            test_files=len(analysis.test_files),
            assertions=len(analysis.suite.assertions),
            exercises=len(analysis.suite.exercises),
            findings=len(analysis.findings),
            suppressed=analysis.suppressed,
            baselined=analysis.baselined,
        ),
        kinds=[_kind_row(k) for k in index.kinds],
        objects=[
            ObjectRow(
                kind=obj.kind,
                key=obj.key,
                file=obj.file,
                line=obj.span.line + 1 if obj.span else None,
                column=obj.span.col + 1 if obj.span else None,
                requirements=[
                    RequirementRow(facet=r.facet, covered=r.covered, accepted=r.accepted, evidence=r.evidence)
                    for r in obj.requirements
                ],
            )
            for obj in index.objects
        ],
        findings=[
            FindingRow(
                code=f.code,
                severity=f.severity,
                file=f.file,
                line=f.span.line + 1,
                column=f.span.col + 1,
                end_line=f.span.end_line + 1,
                end_column=f.span.end_col + 1,
                message=f.message,
                object=f.object,
            )
            for f in analysis.findings
        ],
    )


def most_severe_first(findings: Iterable[FindingRow]) -> list[FindingRow]:
    """Stable: findings of one severity keep the report's order (by file and position)."""
    return sorted(findings, key=lambda f: SEVERITY_RANK.get(f.severity, len(SEVERITY_RANK)))


def tally(findings: Sequence[FindingRow]) -> str:
    """``3 errors, 1 warning``, or ``none``."""
    severities = Counter(f.severity for f in findings)
    return ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(severities.items())) or "none"


def set_aside(summary: Summary) -> str:
    """`` (2 suppressed inline; 1 accepted by the baseline)``: findings not reported, or nothing."""
    parts = []
    if summary.suppressed:
        parts.append(f"{summary.suppressed} suppressed inline")
    if summary.baselined:
        parts.append(f"{summary.baselined} accepted by the baseline")
    return f" ({'; '.join(parts)})" if parts else ""


def verdict(summary: Summary) -> str:
    return "PASSED" if summary.passed else "FAILED: " + "; ".join(summary.reasons)
