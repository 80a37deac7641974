"""The JSON report (version 1): the report model as it is, for scripts."""

from __future__ import annotations

import msgspec

from tapgap.report.check import Reporter
from tapgap.report.check.model import CheckReport
from tapgap.report.check.places import Places


def render(report: CheckReport, places: Places) -> bytes:
    # Files stay relative to the project root, as in every version-1 report.
    return msgspec.json.encode(report) + b"\n"


_: Reporter = render  # the registry loads this module by name: mypy checks it against the protocol here
