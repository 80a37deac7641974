"""The CI gate: a pure decision from coverage figures, thresholds and findings (like coverage.py's
fail-under check), so that it can be tested without files and explained in the report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import msgspec

from tapgap.coverage.index import KindSummary
from tapgap.findings import Finding

# Findings that fail the gate on their own: the tests are wrong, whatever the coverage says.
BLOCKING_SEVERITIES = frozenset({"error"})


class GateResult(msgspec.Struct, frozen=True):
    passed: bool
    reasons: tuple[str, ...]  # why it failed (empty when it passed)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def decide(
    total: KindSummary,
    kinds: Sequence[KindSummary],
    findings: Iterable[Finding],
    *,
    fail_under: float | None = None,
    fail_under_kind: Mapping[str, float] | None = None,
) -> GateResult:
    """Fail when overall or per-kind coverage is under its threshold, or when a blocking finding remains.

    Coverage with no requirements is 100%. Percentages are compared unrounded.
    """
    reasons = []
    if fail_under is not None and total.percent < fail_under:
        reasons.append(f"coverage {_fmt(total.percent)}% is under fail_under {_fmt(fail_under)}%")
    by_kind = {k.kind: k for k in kinds}
    for kind, threshold in sorted((fail_under_kind or {}).items()):
        summary = by_kind.get(kind)
        percent = summary.percent if summary is not None else 100.0
        if percent < threshold:
            reasons.append(
                f"{kind} coverage {_fmt(percent)}% is under fail_under_kind.{kind} {_fmt(threshold)}%"
            )
    blocking = [f for f in findings if f.severity in BLOCKING_SEVERITIES]
    if blocking:
        codes = sorted({f.code for f in blocking})
        reasons.append(
            f"{len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''} ({', '.join(codes)})"
        )
    return GateResult(not reasons, tuple(reasons))
