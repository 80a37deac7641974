"""Inline suppression: ``-- tapgap: ignore[untested]`` on the line before a statement.

The comment silences findings of the listed codes (all codes when the brackets are empty or absent) located
at the next statement: at its first line, which is where findings about the objects a statement defines,
and about the calls it makes, are reported.
"""

from __future__ import annotations

import re

import msgspec

_COMMENT = re.compile(r"--\s*tapgap:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
ALL_CODES = "*"


class Suppression(msgspec.Struct, frozen=True, array_like=True):
    line: int  # 0-based line of the statement it applies to
    codes: tuple[str, ...]  # ("*",) for every code


def find_suppressions(text: str) -> list[Suppression]:
    """Every suppression comment of a file, attached to the next line that is not blank or a comment."""
    if "tapgap:" not in text:
        return []
    lines = text.split("\n")
    found = []
    for number, line in enumerate(lines):
        match = _COMMENT.search(line)
        if match is None:
            continue
        listed = tuple(c.strip() for c in (match.group(1) or "").split(",") if c.strip())
        target = number + 1
        while target < len(lines) and (not lines[target].strip() or lines[target].lstrip().startswith("--")):
            target += 1
        if line[: match.start()].strip():
            target = number  # a trailing comment silences its own line
        found.append(Suppression(target, listed or (ALL_CODES,)))
    return found


def is_suppressed(suppressions: list[Suppression], line: int, code: str) -> bool:
    return any(s.line == line and (code in s.codes or ALL_CODES in s.codes) for s in suppressions)
