"""The text report: coverage per kind, then each file's findings, then the gate's verdict."""

from __future__ import annotations

from collections import defaultdict

from tapgap.report.check import Reporter
from tapgap.report.check.model import CheckReport, FindingRow, set_aside, tally, verdict
from tapgap.report.check.places import Places


def render(report: CheckReport, places: Places) -> bytes:
    summary = report.summary
    lines = [
        f"tapgap check: {summary.layout}; level {summary.level}",
        f"{summary.schema_files} schema files, {summary.test_files} test files, "
        f"{summary.assertions} pgTAP calls, {summary.exercises} exercises",
        "",
        f"{'kind':<20}{'objects':>8}{'required':>10}{'covered':>9}{'coverage':>10}",
    ]
    total = summary.total
    for k in [*report.kinds, total]:
        if k is total:
            lines.append("-" * 57)
        lines.append(f"{k.kind:<20}{k.objects:>8}{k.requirements:>10}{k.covered:>9}{k.percent:>9.1f}%")
    lines.append("")
    by_file: dict[str, list[FindingRow]] = defaultdict(list)
    for f in report.findings:
        by_file[f.file].append(f)
    for file in sorted(by_file):
        lines.append(file)
        for f in by_file[file]:
            lines.append(f"  {f.position()}: {f.code} {f.message}")
        lines.append("")
    lines.append(f"findings: {tally(report.findings)}{set_aside(summary)}")
    lines.append(verdict(summary))
    return ("\n".join(lines) + "\n").encode()


_: Reporter = render  # the registry loads this module by name: mypy checks it against the protocol here
