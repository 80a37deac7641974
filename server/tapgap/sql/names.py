"""Identifier rules: folding, quoting, and the dotted keys objects are known by."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*\Z")


def fold(identifier: str, *, quoted: bool) -> str:
    """PostgreSQL folds unquoted identifiers to lower case (ASCII only, like ``downcase_identifier``)."""
    if quoted:
        return identifier
    return identifier.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def quote_ident(name: str) -> str:
    """Quote ``name`` when it could not be written bare (upper case, spaces, dots, ...).

    Unlike PostgreSQL's ``quote_ident`` this does not quote keywords: keys are for people and for joins,
    and a key must only be unambiguous, not re-parseable.
    """
    if _PLAIN.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def dotted(*parts: str) -> str:
    """The key of an object from its name parts, e.g. ``dotted("app", "users", "email")``."""
    return ".".join(quote_ident(p) for p in parts)


def join_types(types: Iterable[str]) -> str:
    """A function signature's argument list as it appears in keys: ``integer,text``."""
    return ",".join(types)
