"""Schema files → schema state: read each file's facts and replay them in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

from tapgap.files import read_bytes
from tapgap.findings import Finding
from tapgap.schema.reader import read_schema_file
from tapgap.schema.state import SchemaState
from tapgap.sql.split import SplitOptions
from tapgap.sql.suppress import Suppression


class LoadedSchema(msgspec.Struct):
    state: SchemaState
    findings: list[Finding]
    files: int
    statements: int
    suppressions: dict[str, list[Suppression]] = msgspec.field(default_factory=dict)


def load_schema(
    root: Path,
    files: Sequence[Path],
    *,
    placeholders: Mapping[str, str] | None = None,
    search_path: Sequence[str] = ("public",),
) -> LoadedSchema:
    options = SplitOptions(placeholders=dict(placeholders)) if placeholders is not None else None
    state = SchemaState(search_path)
    findings: list[Finding] = []
    suppressions: dict[str, list[Suppression]] = {}
    statements = 0
    for path in files:
        name, data, problem = read_bytes(root, path)
        if data is None:
            findings.extend([problem] if problem else [])
            continue
        facts = read_schema_file(name, data, options)
        findings.extend(facts.findings)
        statements += facts.statements
        if facts.suppressions:
            suppressions[name] = facts.suppressions
        state.begin_file(name)
        for located in facts.operations:
            state.apply(located)
    return LoadedSchema(state, findings, len(files), statements, suppressions)
