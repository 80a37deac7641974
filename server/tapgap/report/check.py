"""``tapgap check`` reports: a text report readable at a glance, and a versioned JSON report."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import msgspec

from tapgap.analysis import ProjectAnalysis
from tapgap.coverage.gate import GateResult
from tapgap.coverage.index import KindSummary
from tapgap.findings import Finding

CHECK_SCHEMA_VERSION = 1


def _percent(summary: KindSummary) -> float:
    return round(summary.percent, 2)


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "file": f.file,
        "line": f.span.line + 1,
        "column": f.span.col + 1,
        "end_line": f.span.end_line + 1,
        "end_column": f.span.end_col + 1,
        "message": f.message,
        "object": f.object,
    }


def render_check_json(analysis: ProjectAnalysis, gate: GateResult) -> bytes:
    index = analysis.index
    objects = []
    for obj in index.objects:
        objects.append(
            {
                "kind": obj.kind,
                "key": obj.key,
                "file": obj.file,
                "line": obj.span.line + 1 if obj.span else None,
                "column": obj.span.col + 1 if obj.span else None,
                "requirements": [
                    {
                        "facet": r.facet,
                        "covered": r.covered,
                        "accepted": r.accepted,
                        "evidence": [msgspec.to_builtins(e) for e in r.evidence],
                    }
                    for r in obj.requirements
                ],
            }
        )
    return msgspec.json.encode(
        {
            "version": CHECK_SCHEMA_VERSION,
            "summary": {
                "passed": gate.passed,
                "reasons": list(gate.reasons),
                "level": index.level,
                "layout": analysis.layout,
                "coverage": _percent(index.total),
                "objects": index.total.objects,
                "requirements": index.total.requirements,
                "covered": index.total.covered,
                "schema_files": len(analysis.schema_files),
                "test_files": len(analysis.test_files),
                "assertions": len(analysis.suite.assertions),
                "exercises": len(analysis.suite.exercises),
                "findings": len(analysis.findings),
                "suppressed": analysis.suppressed,
                "baselined": analysis.baselined,
            },
            "kinds": [
                {
                    "kind": k.kind,
                    "objects": k.objects,
                    "requirements": k.requirements,
                    "covered": k.covered,
                    "coverage": _percent(k),
                }
                for k in index.kinds
            ],
            "objects": objects,
            "findings": [_finding_json(f) for f in analysis.findings],
        }
    )


def render_check_text(analysis: ProjectAnalysis, gate: GateResult) -> str:
    index = analysis.index
    lines = [
        f"tapgap check: {analysis.layout}; level {index.level}",
        f"{len(analysis.schema_files)} schema files, {len(analysis.test_files)} test files, "
        f"{len(analysis.suite.assertions)} pgTAP calls, {len(analysis.suite.exercises)} exercises",
        "",
        f"{'kind':<20}{'objects':>8}{'required':>10}{'covered':>9}{'coverage':>10}",
    ]
    for k in [*index.kinds, index.total]:
        if k is index.total:
            lines.append("-" * 57)
        lines.append(f"{k.kind:<20}{k.objects:>8}{k.requirements:>10}{k.covered:>9}{k.percent:>9.1f}%")
    lines.append("")
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in analysis.findings:
        by_file[f.file].append(f)
    for file in sorted(by_file):
        lines.append(file)
        for f in by_file[file]:
            lines.append(f"  {f.position()}: {f.code} {f.message}")
        lines.append("")
    severities = Counter(f.severity for f in analysis.findings)
    tally = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(severities.items())) or "none"
    extra = []
    if analysis.suppressed:
        extra.append(f"{analysis.suppressed} suppressed inline")
    if analysis.baselined:
        extra.append(f"{analysis.baselined} accepted by the baseline")
    lines.append(f"findings: {tally}" + (f" ({'; '.join(extra)})" if extra else ""))
    lines.append("PASSED" if gate.passed else "FAILED: " + "; ".join(gate.reasons))
    return "\n".join(lines) + "\n"
