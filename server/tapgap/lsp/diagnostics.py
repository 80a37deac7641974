"""Findings as LSP diagnostics: one ``publishDiagnostics`` per file, stable code, source and data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lsprotocol import types

from tapgap.findings import Finding
from tapgap.sql.source import Span

SOURCE = "tapgap"

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def lsp_range(span: Span) -> types.Range:
    return types.Range(
        start=types.Position(line=span.line, character=span.col),
        end=types.Position(line=span.end_line, character=span.end_col),
    )


def file_uri(root: Path, name: str) -> str:
    return (root / name).absolute().as_uri()


def to_diagnostic(finding: Finding) -> types.Diagnostic:
    return types.Diagnostic(
        range=lsp_range(finding.span),
        message=finding.message,
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        source=SOURCE,
        data={"object": finding.object},
    )


def by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.file, []).append(finding)
    return grouped


def publish_params(root: Path, name: str, findings: Iterable[Finding]) -> types.PublishDiagnosticsParams:
    return types.PublishDiagnosticsParams(
        uri=file_uri(root, name), diagnostics=[to_diagnostic(f) for f in findings]
    )
