"""The committed coercion facts (tapgap/pgtap/pg_coercion.py) equal the live PostgreSQL 15 catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tapgap.pgtap import pg_coercion
from tapgap.pgtap.resolve import POLYMORPHIC, category
from tests.generated import live_catalogue, load_generator
from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def live(pg_server: PgServer) -> dict[str, Any]:
    return live_catalogue(pg_server, "gen_pg_coercion")


def test_committed_coercion_facts_equal_the_live_catalogue(live: dict[str, Any]) -> None:
    assert live["version"] == pg_coercion.PG_MAJOR
    assert frozenset(live["casts"]) == pg_coercion.IMPLICIT_CASTS, (
        "regenerate: python scripts/gen_pg_coercion.py"
    )
    assert frozenset(live["preferred"]) == pg_coercion.PREFERRED_TYPES
    assert frozenset(live["pseudo"]) == pg_coercion.PSEUDO_TYPES


def test_committed_module_is_exactly_what_the_generator_writes(live: dict[str, Any]) -> None:
    rendered = load_generator("gen_pg_coercion").render_module(live)
    assert Path(pg_coercion.__file__).read_text() == rendered


def test_resolver_type_facts_agree_with_the_live_catalogue(pg_server: PgServer, live: dict[str, Any]) -> None:
    # resolve() takes categories from tapgap.sql.builtin_types and knows the polymorphic pseudo-types by name.
    rows = pg_server.query_rows(
        "pg_coercion",
        "SELECT format_type(oid, NULL) AS name, typcategory AS category FROM pg_type "
        "WHERE typnamespace = 'pg_catalog'::regnamespace",
    )
    assert {r["name"]: category(r["name"]) for r in rows} == {r["name"]: r["category"] for r in rows}
    assert frozenset(POLYMORPHIC) <= pg_coercion.PSEUDO_TYPES
    # the family-1 and anycompatible pseudo-types: every any* type but "any" itself (printed quoted)
    assert {t for t in pg_coercion.PSEUDO_TYPES if t.startswith("any")} == set(POLYMORPHIC)
