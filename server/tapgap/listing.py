"""Which files make up a project: from the configuration's globs, or the detected layout."""

from __future__ import annotations

from pathlib import Path

from tapgap import config as cfg
from tapgap.project import detect_layout


def project_files(root: Path, loaded: cfg.LoadedConfig) -> tuple[list[Path], list[Path], str]:
    """The schema files (in application order) and test files, from the config or the detected layout."""
    configured = cfg.resolve_files(root, loaded.config)
    if configured is not None:
        schema, tests = configured
        return schema, tests, f"files from {loaded.source}"
    layout = detect_layout(root)
    excluded = cfg.excluded_file_predicate(root, loaded.config)
    schema = [p for p in layout.schema_files if not excluded(p)]
    tests = [p for p in layout.test_files if not excluded(p)]
    return schema, tests, f"detected {layout.description}"
