"""A Markdown report, for a pull-request comment or a CI job summary: the verdict, coverage per kind, then
the findings grouped by file with links to their lines.

A comment on GitHub holds at most 65,536 characters, so the report stays under that: when there are more
findings than fit, the most severe are listed and the rest counted.
"""

from __future__ import annotations

import re
from collections import defaultdict

from tapgap.report.check import Reporter
from tapgap.report.check.model import SEVERITY_RANK, CheckReport, FindingRow, KindRow, set_aside, tally
from tapgap.report.check.places import Places

MAX_CHARS = 60_000  # under GitHub's 65,536, with room for what a workflow adds around the report
_NOTE_ROOM = 300  # kept for the line that counts the findings left out

# Characters that would start Markdown syntax inside a message or a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text).replace("\r", " ").replace("\n", " ")


def _row(k: KindRow, strong: bool = False) -> str:
    cells = [escape(k.kind), str(k.objects), str(k.requirements), str(k.covered), f"{k.percent:.1f}%"]
    if strong:
        cells = [f"**{c}**" for c in cells]
    return "| " + " | ".join(cells) + " |"


def _header(report: CheckReport) -> list[str]:
    s = report.summary
    lines = [
        f"## tapgap check: {'✅ passed' if s.passed else '❌ failed'}",
        "",
        f"**{s.percent:.1f}%** of {s.requirements} requirements covered at level `{s.level}` "
        f"({s.schema_files} schema files, {s.test_files} test files, {s.assertions} pgTAP calls, "
        f"{s.exercises} exercises).",
        "",
    ]
    if s.reasons:
        lines += [f"- {escape(reason)}" for reason in s.reasons] + [""]
    lines += [
        "| kind | objects | required | covered | coverage |",
        "|:--|--:|--:|--:|--:|",
        *[_row(k) for k in report.kinds],
        _row(s.total, strong=True),
        "",
    ]
    lines.append(f"### Findings: {tally(report.findings)}{set_aside(s)}")
    return lines


def _item(f: FindingRow, places: Places) -> str:
    where = "file" if f.whole_file else f"line {f.line}"
    link = places.link(f.file, None if f.whole_file else f.line)
    return f"- [{where}]({link}) `{f.code}` {f.severity}: {escape(f.message)}"


def _heading(file: str, places: Places) -> list[str]:
    return ["", f"#### [{escape(places.path(file))}]({places.link(file)})", ""]


def render(report: CheckReport, places: Places) -> bytes:
    lines = _header(report)
    budget = MAX_CHARS - _NOTE_ROOM - sum(len(line) + 1 for line in lines)
    findings = report.findings
    # Which findings fit: the most severe first (a stable sort keeps the report's order within a severity).
    shown: dict[str, list[int]] = defaultdict(list)
    for i in sorted(range(len(findings)), key=lambda i: SEVERITY_RANK.get(findings[i].severity, 9)):
        f = findings[i]
        cost = len(_item(f, places)) + 1
        if f.file not in shown:
            cost += sum(len(h) + 1 for h in _heading(f.file, places))
        if cost > budget:
            break
        budget -= cost
        shown[f.file].append(i)
    for file in sorted(shown):
        lines += _heading(file, places)
        lines += [_item(findings[i], places) for i in sorted(shown[file])]
    left = len(findings) - sum(len(group) for group in shown.values())
    if left:
        lines += [
            "",
            f"… and {left} more finding{'s' if left != 1 else ''}, left out to keep this report short enough "
            "for a comment: `tapgap check --format json` (or `sarif`) lists them all.",
        ]
    elif not findings:
        lines += ["", "No findings."]
    return ("\n".join(lines) + "\n").encode()


_: Reporter = render  # the registry loads this module by name: mypy checks it against the protocol here
