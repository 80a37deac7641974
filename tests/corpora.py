"""Where the shared real-world corpora live, and a skip for machines that do not have them.

A user's fresh clone has no ``../shared``; tests that read the corpora skip cleanly there.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

CORPORA = Path(os.environ.get("TAPGAP_CORPORA", Path(__file__).resolve().parents[2] / "shared" / "corpora"))

requires_corpora = pytest.mark.skipif(
    not (CORPORA / "manifest.json").is_file(), reason=f"corpora not found at {CORPORA}"
)


@cache
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPORA / "manifest.json").read_text())
    return data


def corpus_files(corpus: str, role: str) -> list[Path]:
    """The ``role`` ("schema" or "tests") files of one corpus, in manifest order."""
    return [CORPORA / corpus / entry["path"] for entry in manifest()[corpus].get(role, [])]


def all_sql_files() -> list[Path]:
    return [
        path for corpus in manifest() for role in ("schema", "tests") for path in corpus_files(corpus, role)
    ]
