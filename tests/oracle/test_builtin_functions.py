"""The committed pg_catalog routine table (tapgap/sql/builtin_functions.py) equals the live PostgreSQL 15 one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tapgap.sql import builtin_functions
from tests.generated import live_catalogue, load_generator
from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def live(pg_server: PgServer) -> dict[str, Any]:
    return live_catalogue(pg_server, "gen_builtin_functions")


def test_committed_builtin_function_names_and_arities_equal_the_live_pg_proc(live: dict[str, Any]) -> None:
    assert live["version"] == builtin_functions.PG_MAJOR
    assert live["functions"] == builtin_functions.BUILTIN_FUNCTIONS, (
        "regenerate: python scripts/gen_builtin_functions.py"
    )


def test_committed_builtin_function_module_is_exactly_what_the_generator_writes(live: dict[str, Any]) -> None:
    # The generator's own rendering (before its optional ruff format pass, which must not change it).
    assert Path(builtin_functions.__file__).read_text() == load_generator(
        "gen_builtin_functions"
    ).render_module(live)
