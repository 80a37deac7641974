"""``tapgap assertions`` reports: each assertion with what it checks, its exercises and the findings."""

from __future__ import annotations

from collections import defaultdict

import msgspec

from tapgap.coverage.assertions import Assertion, SuiteAnalysis

ASSERTIONS_SCHEMA_VERSION = 1


def _assertion_json(a: Assertion) -> dict[str, object]:
    return {
        "file": a.file,
        "line": a.span.line + 1,
        "column": a.span.col + 1,
        "function": a.function,
        "overload": a.signature,
        "category": a.category,
        "role": a.role,
        "included_from": a.via,
        "targets": [
            {
                "kind": t.kind,
                "facet": t.facet,
                "negated": t.negated,
                "as_written": t.written,
                "objects": [{"kind": k, "key": key} for k, key in t.objects],
            }
            for t in a.targets
        ],
        "exercises": [
            {"action": e.action, "target": _qualified(e.target.schema, e.target.name), "role": e.role}
            for e in a.exercises
        ],
    }


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def render_assertions_json(analysis: SuiteAnalysis) -> bytes:
    return msgspec.json.encode(
        {
            "version": ASSERTIONS_SCHEMA_VERSION,
            "assertions": [_assertion_json(a) for a in analysis.assertions],
            "exercises": [
                {
                    "line": e.span.line + 1,
                    "action": e.action,
                    "target": _qualified(e.target.schema, e.target.name),
                    "role": e.role,
                    "in_assertion": e.in_assertion,
                }
                for e in analysis.exercises
            ],
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "file": f.file,
                    "line": f.span.line + 1,
                    "column": f.span.col + 1,
                    "message": f.message,
                }
                for f in analysis.findings
            ],
            "summary": {
                "files": analysis.files,
                "statements": analysis.statements,
                "assertions": len(analysis.assertions),
                "exercises": len(analysis.exercises),
            },
        }
    )


def render_assertions_text(analysis: SuiteAnalysis, layout: str) -> str:
    lines = [
        f"{layout}; {analysis.files} test files, {len(analysis.assertions)} pgTAP calls, "
        f"{len(analysis.exercises)} exercises",
        "",
    ]
    by_file: dict[str, list[Assertion]] = defaultdict(list)
    for a in analysis.assertions:
        by_file[a.file].append(a)
    for file, assertions in by_file.items():
        lines.append(file)
        for a in assertions:
            targets = "; ".join(
                f"{'not ' if t.negated else ''}{t.kind} {t.written} [{t.facet}]"
                + ("" if t.objects else " (absent, as asserted)" if t.negated else " (no such object)")
                for t in a.targets
            )
            extra = (
                f" — exercises {', '.join(_qualified(e.target.schema, e.target.name) for e in a.exercises)}"
            )
            lines.append(
                f"  {a.span.line + 1}:{a.span.col + 1} {a.signature or a.function}"
                + (f" → {targets}" if targets else "")
                + (extra if a.exercises else "")
                + (f" (as {a.role})" if a.role else "")
            )
        lines.append("")
    if analysis.findings:
        lines.append(f"findings ({len(analysis.findings)})")
        for f in sorted(analysis.findings, key=lambda f: (f.file, f.span.start)):
            lines.append(f"  {f.position()}: {f.code} {f.message}")
        lines.append("")
    return "\n".join(lines)
