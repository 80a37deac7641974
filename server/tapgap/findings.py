"""Findings: everything tapgap reports, with a stable code, a severity and a location."""

from __future__ import annotations

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
