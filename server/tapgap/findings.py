"""Findings: everything tapgap reports, with a stable code, a severity and a location."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import msgspec

from tapgap.sql.source import Span

Severity = Literal["error", "warning", "info", "hint"]


class Finding(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, array_like=True):
    code: str
    severity: Severity
    file: str
    span: Span
    message: str
    object: str | None = None

    def position(self) -> str:
        """``file:line:col`` with 1-based line and column, as compilers print it."""
        return f"{self.file}:{self.span.line + 1}:{self.span.col + 1}"


# Every code a finding can have; the configuration's `severity` table is checked against it. (Their
# descriptions for reports are in tapgap.report.check.codes, which a test keeps in step with this.)
FINDING_CODES: tuple[str, ...] = (
    "untested",
    "stale-target",
    "ambiguous-call",
    "dynamic-target",
    "unknown-assertion",
    "plan-mismatch",
    "invalid-call",
    "unresolved-include",
    "parse-error",
    "invalid-encoding",
    "unreadable-file",
    "internal-error",
)

# What the configuration may set a code to: a severity, or "off" to drop its findings.
SEVERITY_SETTINGS: tuple[str, ...] = ("error", "warning", "info", "off")


def with_severities(findings: Iterable[Finding], overrides: Mapping[str, str]) -> list[Finding]:
    """``findings`` with the configured severity of their code (``[severity]`` in tapgap.toml); a code set
    to ``off`` is dropped. The gate blocks on what is an error after this."""
    if not overrides:
        return list(findings)
    out = []
    for finding in findings:
        wanted = overrides.get(finding.code)
        if wanted is None or wanted == finding.severity:
            out.append(finding)
        elif wanted != "off":
            out.append(msgspec.structs.replace(finding, severity=wanted))
    return out
