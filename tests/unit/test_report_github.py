"""``tapgap check --format github``: GitHub Actions workflow commands, and the job summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapgap.report.check.github import render

from .report_helpers import PLACES, Examples, finding, report

COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def commands(out: bytes | str) -> list[tuple[str, dict[str, str], str]]:
    text = out.decode() if isinstance(out, bytes) else out
    parsed = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in match[2].split(",")) if match[2] else {}
        parsed.append((match[1], props, match[3]))
    return parsed


def test_a_finding_is_one_command_with_its_location_and_code() -> None:
    f = finding(
        line=4, column=8, end_line=4, end_column=21, message="column app.t.a: no test checks its type"
    )
    assert render(report([f]), PLACES).decode().splitlines()[0] == (
        "::warning file=db/schema.sql,line=4,endLine=4,col=8,endColumn=20,title=tapgap untested::"
        "column app.t.a: no test checks its type"
    )


def test_a_span_over_several_lines_gives_no_columns_and_a_whole_file_no_line() -> None:
    lines = [
        finding(line=3, column=5, end_line=9, end_column=2),
        finding("unreadable-file", "error", line=1, column=1, end_line=1, end_column=1, object=None),
    ]
    parsed = commands(render(report(lines), PLACES))[:2]
    assert [(name, props) for name, props, _ in parsed] == [
        ("error", {"file": "db/schema.sql", "title": "tapgap unreadable-file"}),
        ("warning", {"file": "db/schema.sql", "line": "3", "endLine": "9", "title": "tapgap untested"}),
    ]


def test_messages_and_properties_are_escaped_as_github_documents() -> None:
    f = finding(file="a,b:c%.sql", message="100% sure:\r\nnext, line")
    (line, _) = render(report([f]), PLACES).decode().splitlines()
    assert line.startswith("::warning file=db/a%2Cb%3Ac%25.sql,")
    assert line.endswith("::100%25 sure:%0D%0Anext, line")


def test_severities_map_to_commands_most_severe_first() -> None:
    findings = [
        finding("dynamic-target", "info", object=None),
        finding("untested", "warning"),
        finding("stale-target", "error", object=None),
        finding("hint-code", "hint", object=None),
    ]
    kinds = [(name, props["title"]) for name, props, _ in commands(render(report(findings), PLACES))[:-1]]
    # GitHub keeps 10 annotations of each type a step: errors first, so blocking findings are the ones kept.
    assert kinds == [
        ("error", "tapgap stale-target"),
        ("warning", "tapgap untested"),
        ("notice", "tapgap dynamic-target"),
        ("notice", "tapgap hint-code"),
    ]


def test_the_last_line_is_the_verdict() -> None:
    passed = commands(render(report([finding()]), PLACES))[-1]
    assert passed[0] == "notice" and passed[1] == {"title": "tapgap check"}
    assert passed[2].endswith("findings: 1 warning; PASSED")
    failed = commands(render(report([], reasons=["coverage 52% is under fail_under 90%"]), PLACES))[-1]
    assert failed[0] == "error" and failed[2].endswith("FAILED: coverage 52%25 is under fail_under 90%25")


def test_example_annotations_name_files_from_the_repository_root(examples: Examples) -> None:
    expected = examples.expected()
    code, out = examples.check("github")
    assert code == 0
    parsed = commands(out)
    assert len(parsed) == len(expected["findings"]) + 1
    for (name, props, message), f in zip(parsed, expected["findings"], strict=False):
        assert name == "warning" and props["title"] == f"tapgap {f['code']}" and message == f["message"]
        assert props["line"] == str(f["line"]) and props["file"].endswith(f["file"])
        assert (examples.repository / props["file"]).is_file()


def test_the_job_summary_is_appended_to_github_step_summary(
    examples: Examples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = examples.check("github", cache=tmp_path / "cache")
    assert code == 0 and out.splitlines()[-1].startswith("::notice title=tapgap check::")
    first = summary.read_text()
    assert first.startswith("earlier step\n## tapgap check: ✅ passed")
    assert "| **total** | **110** | **98** | **51** | **52.0%** |" in first
    assert examples.check("github", cache=tmp_path / "cache") == (code, out)  # now from the result cache
    assert summary.read_text() == first + first.removeprefix("earlier step\n")  # written all the same


def test_no_job_summary_for_other_formats(
    examples: Examples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert examples.check("sarif")[0] == 0
    assert not summary.exists()


def test_an_unwritable_job_summary_is_a_warning_not_a_failure(
    examples: Examples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    code, out = examples.check("github", "--fail-under", "90")
    assert code == 2 and out.splitlines()[-1].startswith("::error title=tapgap check::")
    assert "warning: cannot write GITHUB_STEP_SUMMARY" in examples.err
