"""``tapgap check --format markdown``: the verdict, coverage per kind, findings by file with line links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapgap.report.check.markdown import MAX_CHARS, render
from tapgap.report.check.places import Places

from .report_helpers import PLACES, Examples, finding, report, required

ITEM = re.compile(r"^- \[(line \d+|file)\]\(([^)#]+)(?:#L(\d+))?\) `([a-z-]+)` (\w+): (.*)$")


def test_example_report_has_the_coverage_table_and_every_finding_linked_to_its_line(
    examples: Examples,
) -> None:
    expected = examples.expected()
    code, out = examples.check("markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "## tapgap check: ✅ passed"
    for k in expected["kinds"]:
        assert f"| {k['kind']} | {k['objects']} | {k['requirements']} | {k['covered']} |" in out
    assert "| **total** | **110** | **98** | **51** | **52.0%** |" in out
    items = [ITEM.match(line) for line in lines if line.startswith("- [")]
    assert len(items) == len(expected["findings"])
    linked = sorted((m[2], int(m[3]), m[4]) for m in items if m)
    assert linked == sorted(
        (next(m[2] for m in items if m and m[2].endswith(f["file"])), f["line"], f["code"])
        for f in expected["findings"]
    )
    for path, _, _ in linked:  # relative links from the repository root
        assert (examples.repository / path).is_file()


def test_a_failed_gate_lists_its_reasons(examples: Examples) -> None:
    code, out = examples.check("markdown", "--fail-under", "90")
    assert code == 2
    assert out.startswith("## tapgap check: ❌ failed\n")
    assert "\n- coverage 52% is under fail\\_under 90%\n" in out


def test_links_point_at_the_commit_on_the_forge_when_ci_says_which() -> None:
    places = Places(repository="/r", prefix="db/", web="https://github.com/o/r/blob/abc123/")
    out = render(report([finding(line=7)]), places).decode()
    assert "#### [db/schema.sql](https://github.com/o/r/blob/abc123/db/schema.sql)" in out
    assert "- [line 7](https://github.com/o/r/blob/abc123/db/schema.sql#L7) `untested` warning:" in out


def test_markdown_in_messages_is_escaped() -> None:
    f = finding(message="function app.*_x(text[]) <b>|</b> `tick`")
    out = render(report([f]), PLACES).decode()
    assert "app.\\*\\_x(text\\[\\]) \\<b\\>\\|\\</b\\> \\`tick\\`" in out


def test_a_large_report_stays_under_a_comment_s_size_keeping_the_most_severe() -> None:
    many = [finding(file=f"migrations/{n:05d}_change.sql", object=f"app.t{n}") for n in range(3000)]
    blocking = finding("stale-target", "error", file="tests/zz.sql", object=None, message="table gone")
    out = render(report([*many, blocking]), PLACES).decode()
    assert len(out) <= MAX_CHARS
    assert "`stale-target` error: table gone" in out
    shown = sum(line.startswith("- [") for line in out.splitlines())
    assert 100 < shown < 3001
    assert out.rstrip().endswith("lists them all.")
    assert f"… and {3001 - shown} more findings" in out


def test_no_findings_says_so() -> None:
    out = render(report([], objects=[required("table", "app.t", ("exists", True, False))]), PLACES).decode()
    assert "### Findings: none" in out and out.rstrip().endswith("No findings.")


def test_a_cached_answer_still_links_to_the_commit_being_checked(
    examples: Examples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    for sha in ("1111111", "2222222"):
        monkeypatch.setenv("GITHUB_SHA", sha)
        code, out = examples.check("markdown", cache=tmp_path)
        assert code == 0 and f"(https://github.com/o/r/blob/{sha}/" in out
