"""What each level demands of each kind of object: a table of facts, not code (SPEC §4).

A requirement is a facet of an object that some test must check. Most facets are satisfied only by an
assertion of that facet; ``exists`` is also satisfied by any assertion that could not pass were the object
missing (``col_type_is`` proves the column and its table exist). Some requirements accept behavioural
evidence instead ("exists or exercised"): each requirement lists the evidence that satisfies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import msgspec

Level = Literal["lenient", "normal", "strict"]
LEVELS: Final[tuple[Level, ...]] = ("lenient", "normal", "strict")

# Evidence other than an assertion of the facet itself:
#   "exercised"      the object is used by SQL a test runs (a table read or written, a function called)
#   "fired"          a trigger's event is run on its table
#   "under a role"   a policy's table is accessed under a role and command the policy applies to
Evidence = Literal["exercised", "fired", "under a role"]


class Requirement(msgspec.Struct, frozen=True, array_like=True):
    facet: str
    alternatives: tuple[Evidence, ...] = ()
    # Only for objects with this property (e.g. "default" only for columns that have one).
    when: str | None = None


def _r(facet: str, *alternatives: Evidence, when: str | None = None) -> Requirement:
    return Requirement(facet, alternatives, when)


# kind → level → requirements. Levels are cumulative in the SPEC's table; written out in full here so that
# each row reads on its own.
REQUIREMENTS: Final[Mapping[str, Mapping[Level, tuple[Requirement, ...]]]] = {
    "table": {
        "lenient": (_r("exists"),),
        "normal": (_r("exists"),),
        "strict": (_r("exists"),),
    },
    "column": {
        "lenient": (),
        "normal": (_r("exists"),),
        "strict": (_r("exists"), _r("type"), _r("nullable"), _r("default", when="has_default")),
    },
    "constraint": {
        "lenient": (),
        "normal": (
            _r("pk", when="primary key"),
            _r("fk", when="foreign key"),
            _r("unique", when="unique"),
            _r("check", when="check"),
        ),
        "strict": (
            _r("pk", when="primary key"),
            _r("fk", when="foreign key"),
            _r("fk target", when="foreign key"),
            _r("unique", when="unique"),
            _r("check", when="check"),
        ),
    },
    "index": {
        "lenient": (),
        "normal": (_r("exists"),),
        "strict": (
            _r("exists"),
            _r("unique", when="unique"),
            _r("primary", when="primary"),
            _r("type", when="plain"),
        ),
    },
    "view": {
        "lenient": (_r("exists", "exercised"),),
        "normal": (_r("exists", "exercised"),),
        "strict": (_r("exists"),),
    },
    "materialized view": {
        "lenient": (_r("exists", "exercised"),),
        "normal": (_r("exists", "exercised"),),
        "strict": (_r("exists"),),
    },
    "function": {
        "lenient": (_r("exists", "exercised"),),
        "normal": (_r("exercised"),),
        "strict": (
            _r("exercised"),
            _r("exists"),
            _r("returns"),
            _r("security definer", when="security definer"),
        ),
    },
    "procedure": {
        "lenient": (_r("exists", "exercised"),),
        "normal": (_r("exercised"),),
        "strict": (_r("exercised"), _r("exists")),
    },
    "trigger": {
        "lenient": (_r("exists"),),
        "normal": (_r("exists", "fired"),),
        "strict": (_r("exists", "fired"), _r("trigger function")),
    },
    "policy": {
        "lenient": (_r("exists", "under a role"),),
        "normal": (_r("exists", "under a role"),),
        "strict": (_r("policy command"), _r("policy roles")),
    },
    "rls": {
        "lenient": (_r("enabled", "exercised"),),
        "normal": (_r("enabled", "exercised"),),
        "strict": (_r("enabled"),),
    },
    "type": {
        "lenient": (_r("exists"),),
        "normal": (_r("exists"),),
        "strict": (_r("exists"), _r("labels", when="enum")),
    },
    "domain": {
        "lenient": (_r("exists"),),
        "normal": (_r("exists"),),
        "strict": (_r("exists"), _r("type")),
    },
    "schema": {"lenient": (), "normal": (), "strict": (_r("exists"),)},
    "sequence": {"lenient": (), "normal": (), "strict": (_r("exists"),)},
    "extension": {"lenient": (), "normal": (), "strict": (_r("exists"),)},
    "role": {"lenient": (), "normal": (), "strict": (_r("exists"),)},
}

KINDS: Final[tuple[str, ...]] = tuple(REQUIREMENTS)

# Every facet a configuration may require of a kind.
REQUIREMENT_FACETS: Final[Mapping[str, frozenset[str]]] = {
    kind: frozenset(r.facet for level in levels.values() for r in level) | {"exists"}
    for kind, levels in REQUIREMENTS.items()
}


def requirements_for(
    kind: str, level: Level, overrides: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[Requirement, ...]:
    """The requirements of ``kind`` at ``level``; a configured override replaces the level's facets (each
    keeps the alternatives and conditions the level table gives it, if any)."""
    table = REQUIREMENTS.get(kind, {}).get(level, ())
    if overrides is None or kind not in overrides:
        return table
    known = {r.facet: r for lvl in REQUIREMENTS.get(kind, {}).values() for r in lvl}
    known.update((r.facet, r) for r in table)  # this level's own reading of a facet wins
    return tuple(known.get(facet, Requirement(facet)) for facet in overrides[kind])
