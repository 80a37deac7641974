"""The custom JSON-RPC methods: ``tapgap/summary``, ``tapgap/gaps``, ``tapgap/object``.

Plain functions from the current analysis to JSON-ready dicts; the server wires them to method names.
"""

from __future__ import annotations

from typing import Any

from tapgap.analysis import ProjectAnalysis, coverage_options
from tapgap.coverage.index import (
    CoverageIndex,
    KindSummary,
    ObjectCoverage,
    build_index,
)
from tapgap.coverage.requirements import Level
from tapgap.workspace import Workspace

SUMMARY = "tapgap/summary"
GAPS = "tapgap/gaps"
OBJECT = "tapgap/object"
COVERAGE_CHANGED = "tapgap/coverageChanged"

LEVELS: tuple[Level, ...] = ("lenient", "normal", "strict")


def kind_json(summary: KindSummary) -> dict[str, Any]:
    return {
        "kind": summary.kind,
        "objects": summary.objects,
        "requirements": summary.requirements,
        "covered": summary.covered,
        "percent": round(summary.percent, 1),
    }


def summary(analysis: ProjectAnalysis) -> dict[str, Any]:
    index = analysis.index
    return {
        "level": index.level,
        "total": kind_json(index.total),
        "kinds": [kind_json(k) for k in index.kinds],
    }


def coverage_changed(total: KindSummary, kinds: list[KindSummary]) -> dict[str, Any]:
    return {"total": kind_json(total), "kinds": [kind_json(k) for k in kinds]}


def object_json(obj: ObjectCoverage) -> dict[str, Any]:
    span = obj.span
    return {
        "kind": obj.kind,
        "key": obj.key,
        "file": obj.file,
        "range": None
        if span is None
        else {
            "start": {"line": span.line, "character": span.col},
            "end": {"line": span.end_line, "character": span.end_col},
        },
        "missing": list(obj.missing),
        "requirements": [
            {
                "facet": r.facet,
                "covered": r.covered,
                "accepted": r.accepted,
                "evidence": [
                    {"file": e.file, "line": e.line, "column": e.column, "by": e.by, "role": e.role}
                    for e in r.evidence
                ],
            }
            for r in obj.requirements
        ],
    }


def index_at(workspace: Workspace, level: Level | None) -> CoverageIndex:
    """The coverage index at ``level`` (the current one when ``None`` or equal)."""
    analysis = workspace.analysis()
    if level is None or level == analysis.index.level:
        return analysis.index
    return build_index(
        analysis.state, analysis.suite, coverage_options(workspace.loaded, level, workspace.baseline)
    )


def gaps(workspace: Workspace, kind: str | None, file: str | None, level: Level | None) -> dict[str, Any]:
    index = index_at(workspace, level)
    found = [
        object_json(o)
        for o in index.objects
        if o.missing and (kind is None or o.kind == kind) and (file is None or o.file == file)
    ]
    return {"level": index.level, "count": len(found), "objects": found}


def find_object(analysis: ProjectAnalysis, key: str) -> ObjectCoverage | None:
    for obj in analysis.index.objects:
        if obj.key == key:
            return obj
    return None
