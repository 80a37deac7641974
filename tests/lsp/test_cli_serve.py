"""The CLI keeps its fast import path: pygls, lsprotocol and watchdog load only when ``serve`` runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.conftest import copy_example

pytestmark = pytest.mark.lsp

PROBE = """
import sys
from tapgap.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in ("pygls", "lsprotocol", "watchdog") if m in sys.modules)
print("loaded:", ",".join(heavy))
"""


@pytest.mark.parametrize(
    "args", [["check", "--no-cache"], ["inventory"], ["serve", "--tcp", "192.0.2.1:2087"]]
)
def test_other_commands_never_import_the_server(tmp_path: Path, args: list[str]) -> None:
    root = copy_example(tmp_path)
    if args[0] in ("check", "inventory"):
        args = [*args, str(root)]
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)
    assert "loaded: \n" in done.stdout, done.stdout + done.stderr


def test_serve_help_lists_the_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tapgap", "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "--tcp" in done.stdout and "--level" in done.stdout
