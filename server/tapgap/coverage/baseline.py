"""The baseline: gaps and findings a team has accepted, so that CI fails only on new ones.

A gap is identified by (kind, key, facet); a finding by (code, file, object or message). Line numbers are
left out on purpose: editing a file above an accepted finding must not make it new again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from tapgap.findings import Finding

if TYPE_CHECKING:  # the index pulls in the whole analysis; a warm run only loads the baseline
    from tapgap.coverage.index import CoverageIndex

BASELINE_VERSION = 1


class BaselineFile(msgspec.Struct, kw_only=True):
    version: int = BASELINE_VERSION
    gaps: list[tuple[str, str, str]] = msgspec.field(default_factory=list)
    findings: list[tuple[str, str, str]] = msgspec.field(default_factory=list)


class Baseline(msgspec.Struct, frozen=True):
    gaps: frozenset[tuple[str, str, str]] = frozenset()
    findings: frozenset[tuple[str, str, str]] = frozenset()

    def accepts(self, finding: Finding) -> bool:
        return finding_identity(finding) in self.findings


class BaselineError(Exception):
    pass


def finding_identity(finding: Finding) -> tuple[str, str, str]:
    return (finding.code, finding.file, finding.object or finding.message)


def load_baseline(path: Path) -> Baseline:
    """The accepted gaps and findings; an absent file accepts nothing."""
    if not path.exists():
        return Baseline()
    try:
        data = msgspec.json.decode(path.read_bytes(), type=BaselineFile)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise BaselineError(f"{path}: not a tapgap baseline ({exc})") from None
    if data.version != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline version {data.version}, expected {BASELINE_VERSION}")
    return Baseline(frozenset(data.gaps), frozenset(data.findings))


def write_baseline(path: Path, index: CoverageIndex, findings: Iterable[Finding]) -> int:
    """Accept every current gap and finding (except untested, which the gaps stand for). Returns the count."""
    gaps = sorted(
        (obj.kind, obj.key, req.facet) for obj in index.objects for req in obj.requirements if not req.covered
    )
    accepted = sorted({finding_identity(f) for f in findings if f.code != "untested"})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        msgspec.json.format(msgspec.json.encode(BaselineFile(gaps=gaps, findings=accepted))) + b"\n"
    )
    return len(gaps) + len(accepted)
