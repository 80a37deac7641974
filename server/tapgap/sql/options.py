"""How the splitter pre-processes a script: light definitions, importable without the splitter itself."""

from __future__ import annotations

from typing import Final

import msgspec

DEFAULT_PLACEHOLDERS: Final[dict[str, str]] = {
    # CREATE EXTENSION replaces these in the whole script text, strings included.
    "@extschema@": "public",
    "@extowner@": "postgres",
    # Build-time templates (pgTAP's Makefile uses sed): a plain token that is valid inside a string and,
    # for the version, also where a number is expected (``RETURNS NUMERIC AS 'SELECT __VERSION__;'``).
    "__OS__": "os",
    "__VERSION__": "0",
    "@@VERSION@@": "0",
}


class SplitOptions(msgspec.Struct, frozen=True):
    """How :func:`split_sql` pre-processes a script.

    ``placeholders`` are replaced textually everywhere in SQL and ``COPY`` data (strings and comments
    included), as PostgreSQL's extension loader does with ``@extschema@``; their values are not re-lexed.
    ``variables`` are psql variables known before the script runs (like ``psql -v name=value``).
    """

    placeholders: dict[str, str] = msgspec.field(default_factory=lambda: dict(DEFAULT_PLACEHOLDERS))
    variables: dict[str, str] = msgspec.field(default_factory=dict)
