"""Every corpus runs through the whole check pipeline at every level without an exception."""

from __future__ import annotations

import pytest

from tapgap.analysis import analyse_project
from tapgap.config import Config, LoadedConfig
from tapgap.coverage.requirements import LEVELS
from tests.corpora import CORPORA, corpus_files, manifest, requires_corpora

pytestmark = [requires_corpora, pytest.mark.corpus]

CORPUS_NAMES = sorted(manifest()) if (CORPORA / "manifest.json").is_file() else []


@pytest.mark.parametrize("corpus", CORPUS_NAMES)
def test_corpus_checks_at_every_level(corpus: str) -> None:
    root = CORPORA / corpus
    schema, tests = corpus_files(corpus, "schema"), corpus_files(corpus, "tests")
    previous = None
    for level in LEVELS:
        result = analyse_project(root, LoadedConfig(Config(level=level), None, root), files=(schema, tests))
        assert not [f for f in result.findings if f.code == "internal-error"]
        assert 0.0 <= result.index.total.percent <= 100.0
        assert len(result.schema_files) == len(schema) and len(result.test_files) == len(tests)
        if previous is not None:
            assert result.index.total.requirements >= previous  # levels only add requirements
        previous = result.index.total.requirements
