"""One whole-project analysis: files → schema state and assertions → coverage index → findings.

This is the pipeline ``tapgap check`` runs and the daemon keeps up to date. Each stage is a pure function
of the one before; this module only wires them together with the project's configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import msgspec

from tapgap import config as cfg
from tapgap.coverage.assertions import SuiteAnalysis
from tapgap.coverage.baseline import Baseline
from tapgap.coverage.index import CoverageIndex, CoverageOptions, build_index, untested_findings
from tapgap.coverage.requirements import Level
from tapgap.facts import Stats
from tapgap.findings import Finding, with_severities
from tapgap.listing import project_files as project_files  # re-exported
from tapgap.schema.state import SchemaState
from tapgap.sql.suppress import Suppression, is_suppressed
from tapgap.store import FactStore


class SchemaSide(msgspec.Struct, frozen=True):
    """What the schema files report besides the state: their findings (in file order), statements, and
    inline suppressions per file."""

    findings: list[Finding]
    statements: int
    suppressions: dict[str, list[Suppression]]


@dataclass(frozen=True)
class ProjectInputs:
    """What an analysis is made of besides the test files' suites: the project, its options, its schema."""

    root: Path
    loaded: cfg.LoadedConfig
    level: Level | None
    baseline: Baseline | None
    layout: str  # how the files were found: the config, or what was detected
    schema_files: list[Path]
    test_files: list[Path]
    state: SchemaState
    schema: SchemaSide

    def options(self) -> CoverageOptions:
        return coverage_options(self.loaded, self.level, self.baseline)


@dataclass
class ProjectAnalysis:
    project: ProjectInputs
    # The test side and the findings as wholes, made when first asked for: the daemon replaces its
    # analysis on every edit, and joining every file's parts again each time would cost more than the edit.
    suite_source: Callable[[], SuiteAnalysis]
    index: CoverageIndex
    findings_source: Callable[[], list[Finding]]  # sorted by file, then position
    statements: int
    suppressed: int = 0
    baselined: int = 0
    included_files: list[Path] = field(default_factory=list)  # read through \i or \ir, not listed

    @cached_property
    def suite(self) -> SuiteAnalysis:
        return self.suite_source()

    @cached_property
    def findings(self) -> list[Finding]:
        return self.findings_source()

    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def layout(self) -> str:
        return self.project.layout

    @property
    def schema_files(self) -> list[Path]:
        return self.project.schema_files

    @property
    def test_files(self) -> list[Path]:
        return self.project.test_files

    @property
    def state(self) -> SchemaState:
        return self.project.state


def analyse_project(
    root: Path,
    loaded: cfg.LoadedConfig,
    *,
    level: Level | None = None,
    baseline: Baseline | None = None,
    store: FactStore | None = None,
    stats: Stats | None = None,
    files: tuple[list[Path], list[Path]] | None = None,
    keep: Sequence[tuple[bytes, str]] = (),
) -> ProjectAnalysis:
    """The whole analysis of a project, from scratch (facts may come from the cache). ``files``: schema and
    test files to use instead of the configured or detected ones. ``keep``: other cache entries to keep
    when the cache is pruned."""
    from tapgap.workspace import Workspace  # the workspace builds on this module's pieces

    store = store or FactStore.disabled()
    workspace = Workspace(
        root, loaded, level=level, baseline=baseline, store=store, stats=stats or Stats(), files=files
    )
    result = workspace.load().analysis()
    if workspace.stats.parsed:
        # Something was parsed, so old entries may be dead: keep the cache to what the tree holds now.
        store.prune_facts([*workspace.live_keys(), *keep])
    return result


def finish_analysis(project: ProjectInputs, suite: SuiteAnalysis) -> ProjectAnalysis:
    """Index, findings, suppression and baseline, from the schema state and the test side."""
    index = build_index(project.state, suite, project.options())
    schema = project.schema
    everything = [*schema.findings, *suite.findings, *untested_findings(index)]
    settled = settle(
        everything,
        {**schema.suppressions, **suite.suppressions},
        project.baseline,
        project.loaded.config.severity,
    )
    return ProjectAnalysis(
        project=project,
        suite_source=lambda: suite,
        index=index,
        findings_source=lambda: settled.findings,
        statements=schema.statements + suite.statements,
        suppressed=settled.suppressed,
        baselined=settled.baselined,
    )


def coverage_options(
    loaded: cfg.LoadedConfig, level: Level | None, baseline: Baseline | None
) -> CoverageOptions:
    config = loaded.config
    return CoverageOptions(
        level=level or config.level,
        overrides={kind: tuple(facets) for kind, facets in config.requirements.items()},
        excluded=lambda key: cfg.excluded_object(config, key),
        accepted=baseline.gaps if baseline is not None else frozenset(),
    )


class Settled(msgspec.Struct, frozen=True):
    findings: list[Finding]  # sorted by file, then position
    suppressed: int
    baselined: int


def settle(
    findings: Iterable[Finding],
    suppressions: Mapping[str, list[Suppression]],
    baseline: Baseline | None,
    severities: Mapping[str, str],
) -> Settled:
    """The configured severities (a code set to ``off`` is dropped), inline suppressions, then the baseline;
    what stays is reported in order."""
    kept, suppressed = _unsuppressed(with_severities(findings, severities), suppressions)
    reported = [f for f in kept if baseline is None or not baseline.accepts(f)]
    reported.sort(key=lambda f: (f.file, f.span.start, f.code, f.message))
    return Settled(reported, suppressed, len(kept) - len(reported))


def _unsuppressed(
    findings: Iterable[Finding], suppressions: Mapping[str, list[Suppression]]
) -> tuple[list[Finding], int]:
    kept, dropped = [], 0
    for finding in findings:
        marks = suppressions.get(finding.file)
        if marks and is_suppressed(marks, finding.span.line, finding.code):
            dropped += 1
        else:
            kept.append(finding)
    return kept, dropped
