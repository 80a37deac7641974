"""Assertion functions that are not pgTAP's own but check schema objects all the same.

pgTAP has no assertion for row-level security; suites use helpers such as supabase-test-helpers'
``tests.rls_enabled(schema[, table])``. A project declares its own in configuration; they become catalogue
entries like pgTAP's, so discovery, resolution and coverage treat them alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from tapgap.pgtap.catalog import Overload, Param, PgtapFunction


class CustomAssertion(msgspec.Struct, frozen=True, kw_only=True):
    """One overload of a custom assertion, as configured: ``function = "tests.rls_enabled"``,
    ``params = ["schema", "table"]`` (roles, in order), ``kind``, ``facet``."""

    function: str
    params: tuple[str, ...]
    kind: str
    facet: str
    types: tuple[str, ...] = ()  # parameter types; default text for each
    negated: bool = False


DEFAULT_CUSTOM_ASSERTIONS: tuple[CustomAssertion, ...] = (
    # supabase-test-helpers: tests.rls_enabled(testing_schema text) and (testing_schema text, test_table text)
    CustomAssertion(function="tests.rls_enabled", params=("schema",), kind="rls", facet="enabled"),
    CustomAssertion(function="tests.rls_enabled", params=("schema", "table"), kind="rls", facet="enabled"),
)


class CustomAssertions(msgspec.Struct, frozen=True):
    """Custom assertion functions by name, with the schema they live in (None: any)."""

    functions: dict[str, tuple[str | None, PgtapFunction]] = msgspec.field(default_factory=dict)

    def lookup(self, qualifier: str | None, name: str) -> PgtapFunction | None:
        found = self.functions.get(name)
        if found is None:
            return None
        schema, function = found
        if qualifier is not None and schema is not None and qualifier != schema:
            return None
        return function


def build_custom_assertions(assertions: Iterable[CustomAssertion]) -> CustomAssertions:
    grouped: dict[str, tuple[str | None, list[Overload]]] = {}
    for assertion in assertions:
        schema, _, name = assertion.function.rpartition(".")
        types: Sequence[str] = assertion.types or ("text",) * len(assertion.params)
        overload = Overload(
            params=tuple(Param(t, r) for t, r in zip(types, assertion.params, strict=True)),
            kind=assertion.kind,
            facet=assertion.facet,
            negated=assertion.negated,
        )
        entry = grouped.setdefault(name, (schema or None, []))
        entry[1].append(overload)
    return CustomAssertions(
        {
            name: (schema, PgtapFunction(name=name, category="structural", overloads=tuple(overloads)))
            for name, (schema, overloads) in grouped.items()
        }
    )


def default_custom_assertions() -> CustomAssertions:
    return build_custom_assertions(DEFAULT_CUSTOM_ASSERTIONS)
