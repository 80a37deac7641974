"""The configured severity of each finding code (``[severity]``): what the gate and every report see."""

from __future__ import annotations

from pathlib import Path

from tapgap.coverage.gate import decide
from tapgap.findings import FINDING_CODES, Finding, with_severities
from tapgap.report.check.codes import CODES
from tapgap.sql.source import Span
from tests.unit.test_check_conformance import E5_SCHEMA, E5_TEST, run


def _finding(code: str, severity: str = "warning") -> Finding:
    return Finding(code=code, severity=severity, file="t.sql", span=Span(0, 1, 0, 0, 0, 1), message=code)  # type: ignore[arg-type]


def test_every_finding_code_is_described_for_reports_and_configurable() -> None:
    assert set(FINDING_CODES) == set(CODES)


def test_a_configured_severity_replaces_the_codes_own_and_off_drops_it() -> None:
    findings = [_finding("stale-target", "error"), _finding("untested"), _finding("dynamic-target", "info")]
    changed = with_severities(
        findings, {"stale-target": "warning", "untested": "error", "dynamic-target": "off"}
    )
    assert [(f.code, f.severity) for f in changed] == [("stale-target", "warning"), ("untested", "error")]


def test_no_severity_table_leaves_findings_as_they_are() -> None:
    findings = [_finding("stale-target", "error")]
    assert with_severities(findings, {}) == findings


def test_e5_a_stale_target_made_a_warning_no_longer_blocks_and_untested_made_an_error_does(
    tmp_path: Path,
) -> None:
    relaxed = run(tmp_path, E5_SCHEMA, E5_TEST, "normal", severity={"stale-target": "warning"})
    assert {f.severity for f in relaxed.findings if f.code == "stale-target"} == {"warning"}
    assert decide(relaxed.index.total, relaxed.index.kinds, relaxed.findings).passed
    strict = run(
        tmp_path, E5_SCHEMA, E5_TEST, "normal", severity={"untested": "error", "stale-target": "off"}
    )
    assert not any(f.code == "stale-target" for f in strict.findings)
    gate = decide(strict.index.total, strict.index.kinds, strict.findings)
    assert not gate.passed and gate.reasons[0].endswith("(untested)")


def test_the_live_workspace_applies_severities_after_an_edit(tmp_path: Path) -> None:
    from tapgap.config import Config, LoadedConfig
    from tapgap.workspace import FileEvent, Workspace

    (tmp_path / "schema.sql").write_text(
        "create table users (id int primary key);\ncreate table posts (id int);\n"
    )
    (tmp_path / "tests").mkdir()
    test = tmp_path / "tests" / "users.test.sql"
    test.write_text("select plan(1);\nselect has_table('users');\n")
    loaded = LoadedConfig(Config(severity={"untested": "error", "stale-target": "off"}), None, tmp_path)
    workspace = Workspace(tmp_path, loaded, incremental=True).load()
    assert {(f.code, f.severity) for f in workspace.analysis().findings} == {("untested", "error")}
    test.write_text("select plan(2);\nselect has_table('users');\nselect has_table('gone');\n")
    workspace.apply([FileEvent("changed", test)])
    assert {(f.code, f.severity) for f in workspace.analysis().findings} == {("untested", "error")}
