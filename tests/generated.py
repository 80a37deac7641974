"""What the generators of tapgap's catalogue modules share, and how the oracle tests load them.

Each ``scripts/gen_*.py`` reads a live PostgreSQL 15 catalogue (``fetch_catalogue(server, db)``), renders a
Python data module (``render_module(catalogue)``) and writes it with :func:`generate`; its oracle test loads
the generator with :func:`load_generator` and compares the committed module with the live catalogue.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[1]


def python_literal(value: str | None) -> str:
    """A string as ruff format writes it: double quotes unless that needs an escape."""
    if value is None:
        return "None"
    assert value.isascii() and "\\" not in value, value
    if '"' in value and "'" not in value:
        return "'" + value + "'"
    return '"' + value.replace('"', '\\"') + '"'


def generate(
    target: Path,
    fetch: Callable[[PgServer], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
    describe: Callable[[dict[str, Any]], str],
) -> int:
    """Fetch from a throwaway cluster, write ``target`` (ruff-formatted when ruff is there), say what."""
    with PgServer() as server:
        catalogue = fetch(server)
    target.write_text(render(catalogue))
    if ruff := shutil.which("ruff"):
        # The rendering already is what ruff writes (the oracle tests check it); this only guards drift.
        subprocess.run([ruff, "format", "--quiet", str(target)], check=True)
    print(f"wrote {target.relative_to(ROOT)}: {describe(catalogue)}", file=sys.stderr)
    return 0


def load_generator(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def live_catalogue(server: PgServer, generator: str) -> dict[str, Any]:
    """What ``generator`` fetches, from a fresh database (no extensions) on ``server``."""
    catalogue: dict[str, Any] = load_generator(generator).fetch_catalogue(
        server, server.create_database(generator.removeprefix("gen_"))
    )
    return catalogue
