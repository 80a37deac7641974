"""Compile tapgap's modules to bytecode before timing it, as ``pip install`` does for a user.

An editable install (``pip install -e``) writes bytecode on first import, unless ``PYTHONDONTWRITEBYTECODE``
is set, as it is on some machines (these ones among them): then every run compiles tapgap's modules from
source again, which costs a warm check at scale M about half its time. The benchmarks measure what users run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def precompile(python: Path | str) -> str:
    """Compile the tapgap package that ``python`` imports; returns the package folder."""
    folder = subprocess.run(
        [str(python), "-c", "import os, tapgap; print(os.path.dirname(tapgap.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run([str(python), "-m", "compileall", "-q", folder], check=True, stdout=subprocess.DEVNULL)
    return folder
