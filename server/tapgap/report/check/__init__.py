"""``tapgap check`` reports: one module per format, each a ``Reporter`` of the same ``CheckReport``.

The table says which module renders each format; modules are imported only when their format is asked
for, so that building the command line costs none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from tapgap.report.check.model import CheckReport
    from tapgap.report.check.places import Places


class Reporter(Protocol):
    def __call__(self, report: CheckReport, places: Places, /) -> bytes: ...


class Format(NamedTuple):  # not a msgspec Struct: the command line is built without importing msgspec
    module: str  # its ``render`` is the Reporter
    # Whether the report names files from the repository root and links them (``Places``). The result cache
    # keys only these reports by it: in CI the commit's links change on every run.
    uses_places: bool = True
    # The format also rendered with this one and appended to the file $GITHUB_STEP_SUMMARY names, when set:
    # GitHub shows it on the job's page.
    step_summary: str | None = None


FORMATS: dict[str, Format] = {
    "text": Format(module="tapgap.report.check.text", uses_places=False),
    "json": Format(module="tapgap.report.check.jsonreport", uses_places=False),
    "junit": Format(module="tapgap.report.check.junit"),
    "sarif": Format(module="tapgap.report.check.sarif"),
    "github": Format(module="tapgap.report.check.github", step_summary="markdown"),
    "markdown": Format(module="tapgap.report.check.markdown"),
}


def reporter(name: str) -> Reporter:
    render: Reporter = importlib.import_module(FORMATS[name].module).render
    return render
