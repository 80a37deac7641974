"""Every statement of every corpus file is read without an exception; unparseable ones become findings."""

from __future__ import annotations

from collections import Counter

import pytest

from tapgap.schema.reader import read_schema_file
from tapgap.schema.state import SchemaState
from tests.corpora import CORPORA, all_sql_files, corpus_files, manifest, requires_corpora

pytestmark = [requires_corpora, pytest.mark.corpus]


def test_no_corpus_file_makes_the_reader_raise_or_lose_statements() -> None:
    codes: Counter[str] = Counter()
    statements = 0
    for path in all_sql_files():
        facts = read_schema_file(path.relative_to(CORPORA).as_posix(), path.read_bytes())
        statements += facts.statements
        codes.update(f.code for f in facts.findings)
        for finding in facts.findings:
            assert finding.span.line >= 0 and finding.span.start <= finding.span.end
    assert statements > 50_000
    # Only the grammar's verdicts: no statement tripped tapgap's own interpretation.
    assert set(codes) <= {"parse-error", "invalid-encoding"}, codes


@pytest.mark.parametrize("corpus", sorted(manifest()) if (CORPORA / "manifest.json").is_file() else [])
def test_each_corpus_replays_into_a_schema_state(corpus: str) -> None:
    files = corpus_files(corpus, "schema")
    state = SchemaState()
    for path in files:
        facts = read_schema_file(path.name, path.read_bytes())
        state.begin_file(path.name)
        for located in facts.operations:
            state.apply(located)
    assert len(state.schemas) >= 1


def test_parse_errors_are_rare_outside_the_stress_corpus() -> None:
    parsed = failed = 0
    for corpus in manifest():
        if corpus == "pg-regress":  # PostgreSQL's regression SQL is invalid on purpose in places
            continue
        for role in ("schema", "tests"):
            for path in corpus_files(corpus, role):
                facts = read_schema_file(path.name, path.read_bytes())
                parsed += facts.statements
                failed += sum(1 for f in facts.findings if f.code == "parse-error")
    assert failed / parsed < 0.001, (failed, parsed)
