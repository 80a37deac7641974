"""Finding a project's schema and test files when no configuration names them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import msgspec

SQL_SUFFIXES = (".sql", ".pg", ".psql")
_TEST_DIRS = ("tests", "test", "t", "spec")
SKIP_DIRS = {".git", ".tapgap", "node_modules", ".venv", "venv", "__pycache__", "dist", "build"}


class Layout(msgspec.Struct, frozen=True):
    root: Path
    description: str
    schema_files: list[Path]
    test_files: list[Path]
    watched: list[str] = msgspec.field(default_factory=list)


def natural_key(path: Path) -> list[object]:
    """Sort ``2_x.sql`` before ``10_x.sql``: numbers compare as numbers, the rest as text."""
    return natural_text_key(path.as_posix())


_DIGITS = re.compile(r"(\d+)")


def natural_text_key(text: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(text)]


def _sql_files(folder: Path, walked: list[str] | None = None) -> list[Path]:
    found: list[tuple[list[object], str]] = []
    base = str(folder)
    for directory, subdirs, names in os.walk(base, followlinks=False):
        subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS]
        if walked is not None:
            walked.append(directory)
        rel_dir = directory[len(base) + 1 :]
        for name in names:
            if os.path.splitext(name)[1].lower() not in SQL_SUFFIXES:
                continue
            path = os.path.join(directory, name)
            # A broken link is kept: reading it fails with a finding rather than the file vanishing silently.
            if os.path.isfile(path) or os.path.islink(path):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                found.append((natural_text_key(rel), path))
    found.sort(key=lambda pair: pair[0])
    return [Path(path) for _, path in found]


def _is_test(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    name = rel.name.lower()
    return (
        any(part.lower() in _TEST_DIRS for part in rel.parts[:-1])
        or name.endswith((".test.sql", "_test.sql", ".spec.sql"))
        or name.startswith("test_")
    )


def detect_layout(root: Path, *, single_file_is_test: bool = False) -> Layout:
    """Supabase (``supabase/migrations`` or ``supabase/schemas`` + ``supabase/tests``), else test folders
    (``tests``, ``test``, ``t``, ``spec``) against every other SQL file under ``root``.

    ``Layout.watched`` lists every folder the detection looked into: while none of their modification
    times changes, no file was added, removed or renamed there, and the detection would answer the same.
    """
    if root.is_file():
        if single_file_is_test:
            return Layout(root.parent, "a single test file", [], [root])
        return Layout(root.parent, "a single file", [root], [])
    walked: list[str] = [str(root)]
    supabase = root / "supabase"
    if supabase.is_dir():
        walked.append(str(supabase))
        tests = _sql_files(supabase / "tests", walked) if (supabase / "tests").is_dir() else []
        for folder in ("migrations", "schemas"):
            if (supabase / folder).is_dir():
                schema = _sql_files(supabase / folder, walked)
                if schema:
                    return Layout(
                        root,
                        f"Supabase project: schema from supabase/{folder}, tests from supabase/tests",
                        schema,
                        tests,
                        walked,
                    )
    walked = [str(root)]
    everything = _sql_files(root, walked)
    tests = [p for p in everything if _is_test(p, root)]
    test_set = set(tests)
    schema = [p for p in everything if p not in test_set]
    return Layout(
        root, "generic: SQL files under test folders are tests, the rest is schema", schema, tests, walked
    )
