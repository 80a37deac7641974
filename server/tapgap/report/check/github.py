"""GitHub Actions workflow commands: an annotation per finding, then one for the gate's verdict.

GitHub shows at most 10 annotations of each type per step (and 50 per job); the rest stay in the log only.
Findings are written most severe first so that blocking ones are the annotations kept. The verdict comes last,
as an error when the gate failed: if 10 error findings came before it, they already say why.
"""

from __future__ import annotations

from tapgap.report.check import Reporter
from tapgap.report.check.model import CheckReport, FindingRow, most_severe_first, tally, verdict
from tapgap.report.check.places import Places

COMMAND = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}

# GitHub's escaping: the message (data) must not end the line; a property value must not end the property
# either. '%' goes first so that the escapes themselves are not escaped again.
_DATA = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY = (*_DATA, (":", "%3A"), (",", "%2C"))


def _escape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for char, escaped in table:
        text = text.replace(char, escaped)
    return text


def command(name: str, message: str, properties: dict[str, object]) -> str:
    props = ",".join(f"{key}={_escape(str(value), _PROPERTY)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{_escape(message, _DATA)}"


def _properties(f: FindingRow, places: Places) -> dict[str, object]:
    props: dict[str, object] = {"file": places.path(f.file)}
    if not f.whole_file:
        props.update(line=f.line, endLine=f.end_line)
        # GitHub uses columns only for an annotation on one line; endColumn is its last character's.
        if f.line == f.end_line:
            props.update(col=f.column, endColumn=max(f.column, f.end_column - 1))
    props["title"] = f"tapgap {f.code}"
    return props


def render(report: CheckReport, places: Places) -> bytes:
    lines = [
        command(COMMAND.get(f.severity, "warning"), f.message, _properties(f, places))
        for f in most_severe_first(report.findings)
    ]
    summary = report.summary
    lines.append(
        command(
            "notice" if summary.passed else "error",
            f"coverage {summary.percent:.1f}% ({summary.covered} of {summary.requirements} requirements, "
            f"level {summary.level}); findings: {tally(report.findings)}; {verdict(summary)}",
            {"title": "tapgap check"},
        )
    )
    return ("\n".join(lines) + "\n").encode()


_: Reporter = render  # the registry loads this module by name: mypy checks it against the protocol here
