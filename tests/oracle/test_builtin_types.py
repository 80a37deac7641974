"""The committed pg_catalog type table (tapgap/sql/builtin_types.py) equals the live PostgreSQL 15 one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tapgap.sql import builtin_types
from tests.generated import live_catalogue, load_generator
from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def live(pg_server: PgServer) -> dict[str, Any]:
    return live_catalogue(pg_server, "gen_builtin_types")


def test_committed_builtin_type_names_equal_format_type_of_the_live_catalogue(
    live: dict[str, Any],
) -> None:
    assert live["version"] == builtin_types.PG_MAJOR
    assert live["types"] == builtin_types.BUILTIN_TYPES, "regenerate: python scripts/gen_builtin_types.py"
    assert live["without_typmod"] == builtin_types.WITHOUT_TYPMOD


def test_committed_type_facts_and_quoted_keywords_equal_the_live_catalogue(live: dict[str, Any]) -> None:
    facts = {name: builtin_types.TypeFacts(*row) for name, row in live["facts"].items()}
    assert facts == builtin_types.TYPE_FACTS
    assert frozenset(live["quoted_keywords"]) == builtin_types.QUOTED_KEYWORDS


def test_committed_module_is_exactly_what_the_generator_writes(live: dict[str, Any]) -> None:
    # The generator's own rendering (before its optional ruff format pass, which must not change it).
    rendered = load_generator("gen_builtin_types").render_module(live)
    assert Path(builtin_types.__file__).read_text() == rendered
