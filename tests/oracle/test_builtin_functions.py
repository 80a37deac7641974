"""The committed pg_catalog routine table (tapgap/sql/builtin_functions.py) equals the live PostgreSQL 15 one."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tapgap.sql import builtin_functions
from tests.pgserver import PgServer

pytestmark = pytest.mark.oracle

GENERATOR = Path(__file__).resolve().parents[2] / "scripts" / "gen_builtin_functions.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_builtin_functions", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def live(pg_server: PgServer) -> dict[str, Any]:
    db = pg_server.create_database("builtin_functions")
    catalogue: dict[str, Any] = _generator().fetch_catalogue(pg_server, db)
    return catalogue


def test_committed_builtin_function_names_and_arities_equal_the_live_pg_proc(live: dict[str, Any]) -> None:
    assert live["version"] == builtin_functions.PG_MAJOR
    assert live["functions"] == builtin_functions.BUILTIN_FUNCTIONS, (
        "regenerate: python scripts/gen_builtin_functions.py"
    )


def test_committed_builtin_function_module_is_exactly_what_the_generator_writes(live: dict[str, Any]) -> None:
    # The generator's own rendering (before its optional ruff format pass, which must not change it).
    assert Path(builtin_functions.__file__).read_text() == _generator().render_module(live)
