"""Hover, code lens, definition and references, computed from the current analysis (no SQL parsing)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tapgap.analysis import ProjectAnalysis
from tapgap.coverage.assertions import Assertion
from tapgap.coverage.evidence import Evidence
from tapgap.coverage.index import ObjectCoverage
from tapgap.lsp import query
from tapgap.lsp.diagnostics import file_uri, lsp_range
from tapgap.sql.source import Span

SHOW_OBJECT = "tapgap.showObject"  # the code lens command (answered like ``tapgap/object`` by key)


def _contains(span: Span, line: int, character: int) -> bool:
    if (line, character) < (span.line, span.col):
        return False
    return (line, character) <= (span.end_line, span.end_col)


def _size(span: Span) -> int:
    return span.end - span.start


def objects_at(analysis: ProjectAnalysis, file: str, position: types.Position) -> list[ObjectCoverage]:
    """The objects whose definition is the narrowest one around ``position`` (several share a CREATE)."""
    return query.objects_at(analysis, file, position.line, position.character)


def assertion_at(analysis: ProjectAnalysis, file: str, position: types.Position) -> Assertion | None:
    around = [
        a
        for a in analysis.suite.assertions
        if a.file == file and _contains(a.span, position.line, position.character)
    ]
    return min(around, key=lambda a: _size(a.span)) if around else None


def _link(root: Path, file: str, line: int) -> str:
    return f"[{file}:{line}]({file_uri(root, file)}#L{line})"


def _evidence(obj: ObjectCoverage) -> list[Evidence]:
    seen: dict[tuple[str, int, int], Evidence] = {}
    for requirement in obj.requirements:
        for e in requirement.evidence:
            seen.setdefault((e.file, e.line, e.column), e)
    return list(seen.values())


def object_hover(root: Path, objects: list[ObjectCoverage]) -> str:
    parts = []
    required = [o for o in objects if o.requirements] or objects
    for obj in required:
        lines = [f"**{obj.kind} `{obj.key}`**", ""]
        if not obj.requirements:
            lines.append("nothing required at this level")
        for r in obj.requirements:
            mark = "✓" if r.covered else ("accepted gap" if r.accepted else "✗ untested")
            shown = dict.fromkeys(f"{_link(root, e.file, e.line)} `{e.by}`" for e in r.evidence)
            links = ", ".join(shown)
            lines.append(f"- {r.facet}: {mark}" + (f" — {links}" if links else ""))
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts)


def assertion_hover(root: Path, assertion: Assertion) -> str:
    title = f"**{assertion.signature or assertion.function}**"
    lines = [title, ""]
    real = [t for t in assertion.targets if not t.fixture]
    for t in assertion.targets:
        names = ", ".join(f"{kind} `{key}`" for kind, key in t.objects) or "no object of the schema"
        check = f"{t.facet} (that it is absent)" if t.negated else t.facet
        fixture = " (a fixture the test creates)" if t.fixture else ""
        lines.append(f"- checks {check} of `{t.written}` → {names}{fixture}")
    if not real and not assertion.exercises:
        lines.append("checks no schema object")
    for ex in assertion.exercises:
        name = f"{ex.target.schema}.{ex.target.name}" if ex.target.schema else ex.target.name
        who = f" as `{ex.role}`" if ex.role else ""
        lines.append(f"- exercises `{name}` ({ex.action}){who}")
    if assertion.role:
        lines.append(f"\nas role `{assertion.role}`")
    if assertion.via:
        lines.append(f"\nincluded by {_link(root, assertion.via, 1)}")
    return "\n".join(lines)


def hover(analysis: ProjectAnalysis, file: str, position: types.Position) -> types.Hover | None:
    assertion = assertion_at(analysis, file, position)
    if assertion is not None:
        text, span = assertion_hover(analysis.root, assertion), assertion.span
    else:
        objects = objects_at(analysis, file, position)
        if not objects or objects[0].span is None:
            return None
        text, span = object_hover(analysis.root, objects), objects[0].span
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=lsp_range(span)
    )


def code_lenses(analysis: ProjectAnalysis, file: str) -> list[types.CodeLens]:
    """One lens per definition site (a CREATE may define several objects): its assertions, or untested."""
    sites: dict[tuple[int, int], list[ObjectCoverage]] = {}
    for obj in analysis.index.objects:
        if obj.file == file and obj.span is not None:
            sites.setdefault((obj.span.start, obj.span.end), []).append(obj)
    lenses = []
    for objects in sites.values():
        if not any(o.requirements for o in objects):
            continue
        evidence = {(e.file, e.line, e.column) for o in objects for e in _evidence(o)}
        files = {f for f, _, _ in evidence}
        if evidence:
            n, m = len(evidence), len(files)
            title = f"{n} assertion{'s' if n != 1 else ''} in {m} file{'s' if m != 1 else ''}"
        else:
            title = "untested"
        first = objects[0]
        assert first.span is not None
        lenses.append(
            types.CodeLens(
                range=lsp_range(first.span),
                command=types.Command(title=title, command=SHOW_OBJECT, arguments=[first.key]),
                data={"objects": [o.key for o in objects]},
            )
        )
    return lenses


def definition(analysis: ProjectAnalysis, file: str, position: types.Position) -> list[types.Location]:
    """From an assertion to the DDL of the objects it names."""
    assertion = assertion_at(analysis, file, position)
    if assertion is None:
        return []
    wanted = {ref for t in assertion.targets for ref in t.objects}
    return [
        types.Location(uri=file_uri(analysis.root, o.file), range=lsp_range(o.span))
        for o in analysis.index.objects
        if (o.kind, o.key) in wanted and o.file is not None and o.span is not None
    ]


def references(analysis: ProjectAnalysis, file: str, position: types.Position) -> list[types.Location]:
    """From a definition to the assertions (and exercises) that cover its objects."""
    spans = {(a.file, a.span.line, a.span.col): a.span for a in analysis.suite.assertions}
    locations: dict[tuple[str, int, int], types.Location] = {}
    for obj in objects_at(analysis, file, position):
        for e in _evidence(obj):
            span = spans.get((e.file, e.line - 1, e.column - 1))
            start = types.Position(line=e.line - 1, character=e.column - 1)
            where = lsp_range(span) if span is not None else types.Range(start=start, end=start)
            locations.setdefault(
                (e.file, e.line, e.column), types.Location(uri=file_uri(analysis.root, e.file), range=where)
            )
    return list(locations.values())
