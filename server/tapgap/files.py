"""Reading project files: paths relative to the project root, and unreadable files as findings."""

from __future__ import annotations

import os
from pathlib import Path

from tapgap.findings import Finding
from tapgap.sql.source import Span


def relative(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` in POSIX form (as reports and keys show it), or as given if outside."""
    # Fast path: paths listed under the root start with its text (thousands of these per run).
    prefix, text = str(root), str(path)
    if prefix not in ("", ".") and text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] == os.sep:
        return text[len(prefix) + 1 :].replace(os.sep, "/")
    # absolute(), not resolve(): a symbolic link is reported under its own name, not its target's.
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def unreadable(path: str, exc: OSError) -> Finding:
    return Finding(
        code="unreadable-file",
        severity="error",
        file=path,
        span=Span(0, 0, 0, 0, 0, 0),
        message=f"cannot read file: {exc.strerror or exc}",
    )


def read_bytes(root: Path, path: Path) -> tuple[str, bytes | None, Finding | None]:
    """(relative name, bytes or None, finding when unreadable). A vanished or forbidden file is a finding."""
    name = relative(root, path)
    try:
        return name, path.read_bytes(), None
    except OSError as exc:
        return name, None, unreadable(name, exc)
