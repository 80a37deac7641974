"""Identifier rules: folding, quoting, and the dotted keys objects are known by."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from tapgap.sql.builtin_types import QUOTED_KEYWORDS as _QUOTED_KEYWORDS

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*\Z")
_SAFE = re.compile(r"[a-z_][a-z0-9_]*\Z")


def fold(identifier: str, *, quoted: bool) -> str:
    """PostgreSQL folds unquoted identifiers to lower case (ASCII only, like ``downcase_identifier``)."""
    if quoted:
        return identifier
    return identifier.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1 << 16)  # keys are made of the same few thousand names over and over
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


# PostgreSQL 15's keywords that are not unreserved: ``quote_identifier`` quotes these. Generated from a live
# server (``pg_get_keywords()``) into builtin_types.
QUOTED_KEYWORDS = _QUOTED_KEYWORDS


def quote_identifier(name: str) -> str:
    """Exactly PostgreSQL's ``quote_identifier``: also quotes keywords that are not unreserved."""
    if _SAFE.match(name) and name not in QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'
