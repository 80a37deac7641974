"""The table of ``tapgap check`` formats: every format renders the same report, the CLI offers them all."""

from __future__ import annotations

import msgspec
import pytest

from tapgap.cli import build_parser, main
from tapgap.report.check import FORMATS, reporter
from tapgap.report.check.model import CheckReport

from .report_helpers import PLACES, Examples, finding, report


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_renders_a_report_naming_its_findings(name: str) -> None:
    out = reporter(name)(
        report([finding(message="table app.odd_one: no test checks that it exists")]), PLACES
    )
    assert isinstance(out, bytes) and out.endswith(b"\n")
    assert b"odd" in out


@pytest.mark.parametrize("name", sorted({f.step_summary for f in FORMATS.values()} - {None}))
def test_a_step_summary_format_is_a_format(name: str) -> None:
    assert name in FORMATS


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_command_line_offers_every_format(name: str) -> None:
    assert build_parser().parse_args(["check", "--format", name]).format == name


def test_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "html"]) == 1
    assert "invalid choice: 'html'" in capsys.readouterr().err


def test_the_json_report_is_the_model_itself(examples: Examples) -> None:
    _, out = examples.check("json")
    decoded = msgspec.json.decode(out, type=CheckReport)
    assert msgspec.json.encode(decoded) + b"\n" == out.encode()
