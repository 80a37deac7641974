"""One whole-project analysis: files → schema state and assertions → coverage index → findings.

This is the pipeline ``tapgap check`` runs and the daemon keeps up to date. Each stage is a pure function
of the one before; this module only wires them together with the project's configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tapgap import config as cfg
from tapgap.coverage.assertions import SuiteAnalysis
from tapgap.coverage.baseline import Baseline
from tapgap.coverage.index import CoverageIndex, CoverageOptions, build_index, untested_findings
from tapgap.coverage.requirements import Level
from tapgap.facts import Stats
from tapgap.findings import Finding
from tapgap.listing import project_files as project_files  # re-exported
from tapgap.schema.state import SchemaState
from tapgap.sql.suppress import Suppression, is_suppressed
from tapgap.store import FactStore


@dataclass
class ProjectAnalysis:
    root: Path
    layout: str  # how the files were found: the config, or what was detected
    schema_files: list[Path]
    test_files: list[Path]
    state: SchemaState
    suite: SuiteAnalysis
    index: CoverageIndex
    findings: list[Finding]
    statements: int
    suppressed: int = 0
    baselined: int = 0
    included_files: list[Path] = field(default_factory=list)  # read through \i or \ir, not listed


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


def finish_analysis(
    root: Path,
    loaded: cfg.LoadedConfig,
    *,
    layout: str,
    schema_files: list[Path],
    test_files: list[Path],
    state: SchemaState,
    suite: SuiteAnalysis,
    schema_findings: list[Finding],
    schema_statements: int,
    schema_suppressions: dict[str, list[Suppression]],
    level: Level | None,
    baseline: Baseline | None,
) -> ProjectAnalysis:
    """Index, findings, suppression and baseline, from the schema state and the test side."""
    config = loaded.config
    baseline = baseline or Baseline()
    index = build_index(
        state,
        suite,
        CoverageOptions(
            level=level or config.level,
            overrides={kind: tuple(facets) for kind, facets in config.requirements.items()},
            excluded=lambda key: cfg.excluded_object(config, key),
            accepted=baseline.gaps,
        ),
    )
    everything = [*schema_findings, *suite.findings, *untested_findings(index)]
    kept, suppressed = _unsuppressed(everything, {**schema_suppressions, **suite.suppressions})
    findings = [f for f in kept if not baseline.accepts(f)]
    return ProjectAnalysis(
        root=root,
        layout=layout,
        schema_files=schema_files,
        test_files=test_files,
        state=state,
        suite=suite,
        index=index,
        findings=sorted(findings, key=lambda f: (f.file, f.span.start, f.code, f.message)),
        statements=schema_statements + suite.statements,
        suppressed=suppressed,
        baselined=len(kept) - len(findings),
    )


def _unsuppressed(
    findings: Iterable[Finding], suppressions: dict[str, list[Suppression]]
) -> tuple[list[Finding], int]:
    kept, dropped = [], 0
    for finding in findings:
        marks = suppressions.get(finding.file)
        if marks and is_suppressed(marks, finding.span.line, finding.code):
            dropped += 1
        else:
            kept.append(finding)
    return kept, dropped
