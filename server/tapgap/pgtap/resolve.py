"""PostgreSQL 15's function overload resolution, applied to a pgTAP function's overloads.

This is the algorithm of ``func_get_detail`` / ``func_select_candidate`` (src/backend/parser/parse_func.c)
and ``FuncnameGetCandidates`` (namespace.c), as the manual describes it under "Type Conversion ->
Functions", step by step:

1. candidates: the overloads callable with this many arguments, expanding ``VARIADIC`` parameters into
   copies of their element type and filling trailing ``DEFAULT`` parameters; two candidates with the same
   expanded argument types keep the non-variadic one, or else make the call "not unique";
2. an exact match of every argument type wins;
3. otherwise keep the candidates every argument can be implicitly coerced to (``pg_cast`` with
   ``castcontext = 'i'``, arrays element-wise, untyped literals to anything, polymorphic parameters with
   consistent actual types); one left wins, none is "does not exist";
4. of several, keep those with the most exact type matches; then those with the most arguments that are
   exact or of their category's preferred type (TEXT for strings);
5. then, at each untyped-literal position, choose a type category: STRING if any candidate takes a string
   there, else the one category all candidates agree on; drop candidates of another category, and, where a
   candidate takes the category's preferred type, the non-preferred ones (unless that drops them all);
6. last, if the typed arguments all have the same type, assume the literals have it too and keep the one
   candidate that then matches;
7. otherwise the call is "not unique". A chosen candidate whose polymorphic parameters received only
   untyped literals fails with "could not determine polymorphic type"; VARIADIC arguments that are arrays
   themselves (``diag(VARIADIC anyarray)`` given arrays) fail with "could not find array type".

The facts (implicit casts, preferred types) are data generated from the live catalogue
(``tapgap.pgtap.pg_coercion``; categories and array elements from ``tapgap.sql.builtin_types``).

**Argument types** (``ArgType``), what the caller passes per argument:

- ``"unknown"``: an untyped literal: ``'x'``, ``$$x$$``, ``E'x'``, ``'{a,b}'``, ``NULL``;
- a canonical type name, as ``format_type`` prints it: ``'x'::name`` is ``"name"``, ``'{a}'::name[]``
  ``"name[]"``, ``42`` ``"integer"``, ``4.2`` ``"numeric"``, ``3000000000`` ``"bigint"``, ``true``
  ``"boolean"``, ``'t'::regclass`` ``"regclass"``. ``ARRAY['a','b']`` is ``"text[]"``: PostgreSQL
  resolves an array of untyped literals to ``text[]`` (there is no "unknown[]"); ``ARRAY[]::name[]`` is
  ``"name[]"``; a nested assertion call like ``has_table('x')`` is ``"text"`` (its return type);
- ``"expr"``: an expression whose type tapgap cannot know (a column, ``current_schema()``, a cast to a
  user type it cannot see...). An ``expr`` matches any parameter type, counts for no exact or
  preferred-type match, and takes no part in the untyped-literal rules (no STRING bias: it is not a
  literal) nor in the last "same known type" rule. When candidates remain that only its real type could
  separate, the result is ``INDETERMINATE`` with those candidates. A single winner with an ``expr``
  argument is the best reading, not a certainty: an expression of an unusual type could turn the
  exact-match steps another way.

Not modelled (pgTAP does not need them): named arguments, the ``VARIADIC`` call keyword, domains (their
base type is unknown here; a user type only matches itself, polymorphic parameters and the types it is
known equal to), record/composite coercions, and functions of other schemas with the same name (there
are none in pg_catalog for pgTAP's names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import msgspec

from tapgap.pgtap.catalog import Overload, PgtapFunction
from tapgap.pgtap.pg_coercion import IMPLICIT_CASTS, PREFERRED_TYPES
from tapgap.sql.builtin_types import BUILTIN_TYPES, TYPE_FACTS

__all__ = [
    "EXPR",
    "INDETERMINATE",
    "NOT_UNIQUE",
    "NO_ARRAY_TYPE",
    "NO_MATCH",
    "POLYMORPHIC",
    "POLYMORPHIC_UNKNOWN",
    "UNKNOWN",
    "ArgType",
    "Resolution",
    "category",
    "coercible",
    "resolve",
]

ArgType = str

UNKNOWN: Final = "unknown"
EXPR: Final = "expr"

# Resolution.error values.
NO_MATCH: Final = "no function matches"  # PostgreSQL: function f(...) does not exist
NOT_UNIQUE: Final = "not unique"  # PostgreSQL: function f(...) is not unique
POLYMORPHIC_UNKNOWN: Final = "could not determine polymorphic type"  # ... because input has type unknown
NO_ARRAY_TYPE: Final = "could not find array type"  # VARIADIC anyarray given arrays: no array of arrays
INDETERMINATE: Final = "indeterminate"  # tapgap: depends on the type of an "expr" argument


class Resolution(msgspec.Struct, frozen=True):
    """The overload PostgreSQL binds a call to.

    ``error`` is None when the call resolves. Otherwise PostgreSQL rejects the call (or, for
    ``INDETERMINATE``, tapgap cannot tell): ``overload`` is then None, except for ``POLYMORPHIC_UNKNOWN``
    and ``NO_ARRAY_TYPE`` where it is the overload chosen before its argument types failed. ``candidates`` are the finalists
    the choice could not separate (``NOT_UNIQUE``, ``INDETERMINATE``), else empty.
    """

    overload: Overload | None
    candidates: tuple[Overload, ...] = ()
    error: str | None = None


# -- type facts ---------------------------------------------------------------------------------------------

# Family-1 polymorphic pseudo-types (IsPolymorphicType). pgTAP declares only anyelement and anyarray.
_POLY_ELEMENT = frozenset({"anyelement", "anynonarray", "anyenum", "anyrange", "anymultirange"})
_POLY_ARRAY = frozenset({"anyarray"})
_POLY_COMPATIBLE = frozenset(
    {
        "anycompatible",
        "anycompatiblearray",
        "anycompatiblenonarray",
        "anycompatiblerange",
        "anycompatiblemultirange",
    }
)
POLYMORPHIC: Final = _POLY_ELEMENT | _POLY_ARRAY | _POLY_COMPATIBLE

_CATEGORY: Mapping[str, str] = {BUILTIN_TYPES[name]: facts.category for name, facts in TYPE_FACTS.items()}
_ELEMENT: Mapping[str, str] = {
    BUILTIN_TYPES[name]: BUILTIN_TYPES[facts.element]
    for name, facts in TYPE_FACTS.items()
    if facts.element is not None
}
_STRING = "S"
_ANY = '"any"'  # the pseudo-type "any", as format_type prints it


def category(type_name: str) -> str:
    """``pg_type.typcategory`` of a canonical type name (``"S"`` for text and name, ``"A"`` for arrays,
    ``"X"`` for unknown); user types are ``"U"``."""
    if type_name in _CATEGORY:
        return _CATEGORY[type_name]
    return "A" if type_name.endswith("[]") else "U"


def _element(type_name: str) -> str | None:
    if type_name in _ELEMENT:
        return _ELEMENT[type_name]
    if type_name.endswith("[]") and type_name not in _CATEGORY:  # an array of a user type
        return type_name[:-2]
    return None


def _preferred(type_name: str) -> bool:
    return type_name in PREFERRED_TYPES


def coercible(source: str, target: str) -> bool:
    """Whether a value of type ``source`` converts implicitly to ``target`` (find_coercion_pathway with
    COERCION_IMPLICIT): same type, an implicit pg_cast, or arrays whose elements are so coercible."""
    if source == target or (source, target) in IMPLICIT_CASTS:
        return True
    source_element, target_element = _element(source), _element(target)
    if source_element is not None and target_element is not None:
        return source_element == target_element or (source_element, target_element) in IMPLICIT_CASTS
    return False


def _untyped(arg: str) -> bool:
    return arg in (UNKNOWN, EXPR)


def _can_coerce(args: Sequence[str], params: Sequence[str]) -> bool:
    """can_coerce_type(COERCION_IMPLICIT) for a whole argument list."""
    generic = False
    for arg, param in zip(args, params, strict=True):
        if arg == param or param == _ANY:
            continue
        if param in POLYMORPHIC:
            generic = True
            continue
        if _untyped(arg) or coercible(arg, param):
            continue
        return False
    return not generic or _generic_consistent(args, params)


def _generic_consistent(args: Sequence[str], params: Sequence[str]) -> bool:
    """check_generic_type_consistency: the actual types of the polymorphic parameters agree."""
    element: str | None = None
    array: str | None = None
    nonarray = False
    for arg, param in zip(args, params, strict=True):
        if _untyped(arg):
            continue
        if param in _POLY_ELEMENT:
            if element is not None and arg != element:
                return False
            element = arg
            nonarray |= param == "anynonarray"
        elif param in _POLY_ARRAY:
            if array is not None and arg != array:
                return False
            array = arg
    if array is not None:
        array_element = _element(array)
        if array_element is None or (element is not None and element != array_element):
            return False
        element = array_element
    return not (nonarray and element is not None and _element(element) is not None)


def _polymorphic_unresolved(args: Sequence[str], params: Sequence[str]) -> bool:
    """enforce_generic_type_consistency's error: every family-1 polymorphic argument is an untyped
    literal, so no actual type can be deduced (an ``expr`` might supply one: not an error)."""
    poly = [arg for arg, param in zip(args, params, strict=True) if param in _POLY_ELEMENT | _POLY_ARRAY]
    return bool(poly) and all(arg == UNKNOWN for arg in poly)


# -- candidates ---------------------------------------------------------------------------------------------


class _Candidate:
    __slots__ = ("ambiguous", "args", "nvargs", "overload")

    def __init__(self, overload: Overload, args: tuple[str, ...], nvargs: int) -> None:
        self.overload = overload
        self.args = args
        self.nvargs = nvargs
        self.ambiguous: list[Overload] = []  # other overloads with the same expanded arguments


def _candidates(function: PgtapFunction, nargs: int) -> list[_Candidate]:
    """FuncnameGetCandidates with expand_variadic and expand_defaults, positional notation."""
    out: list[_Candidate] = []
    for overload in function.overloads:
        types = overload.types
        pronargs = len(types)
        variadic = overload.variadic and pronargs <= nargs
        use_defaults = pronargs > nargs and nargs + overload.defaults >= pronargs
        if pronargs != nargs and not variadic and not use_defaults:
            continue
        if variadic:
            element = _variadic_element(types[-1])
            args = types[:-1] + (element,) * (nargs - pronargs + 1)
            nvargs = nargs - pronargs + 1
        else:
            args = types[:nargs]
            nvargs = 0
        previous = next((c for c in out if c.args == args), None)
        if previous is None:
            out.append(_Candidate(overload, args, nvargs))
        elif variadic and previous.nvargs == 0:
            continue  # prefer the non-variadic one
        elif not variadic and previous.nvargs > 0:
            out[out.index(previous)] = _Candidate(overload, args, nvargs)
        else:
            previous.ambiguous.append(overload)
    return out


def _variadic_element(type_name: str) -> str:
    """provariadic: the element type of a VARIADIC array parameter (anyarray's is anyelement)."""
    if type_name == "anyarray":
        return "anyelement"
    if type_name == "anycompatiblearray":
        return "anycompatible"
    return _element(type_name) or type_name


# -- selection ----------------------------------------------------------------------------------------------


# Memo of resolve(): test suites repeat the same few call shapes thousands of times. Keyed by the function
# object's identity (the value keeps it alive, so the id is not reused) and the argument types.
_MEMO: dict[tuple[int, tuple[str, ...]], tuple[PgtapFunction, Resolution]] = {}
_MEMO_SIZE = 1 << 16


def resolve(function: PgtapFunction, arg_types: Sequence[ArgType]) -> Resolution:
    """The overload of ``function`` PostgreSQL 15 picks for a positional call with these argument types."""
    args = tuple(arg_types)
    key = (id(function), args)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is function:
        return hit[1]
    resolution = _resolve(function, args)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = (function, resolution)
    return resolution


def _resolve(function: PgtapFunction, args: tuple[str, ...]) -> Resolution:
    candidates = _candidates(function, len(args))

    exact = next((c for c in candidates if c.args == args), None)
    if exact is None:
        matching = [c for c in candidates if _can_coerce(args, c.args)]
        if not matching:
            return Resolution(None, error=NO_MATCH)
        if len(matching) == 1:
            exact = matching[0]
        else:
            finalists = _select(args, matching)
            if len(finalists) != 1:
                error = INDETERMINATE if EXPR in args else NOT_UNIQUE
                return Resolution(None, tuple(c.overload for c in finalists), error)
            exact = finalists[0]
    if exact.ambiguous:
        return Resolution(None, (exact.overload, *exact.ambiguous), NOT_UNIQUE)
    if _polymorphic_unresolved(args, exact.args):
        return Resolution(exact.overload, error=POLYMORPHIC_UNKNOWN)
    if exact.nvargs and _variadic_of_arrays(args, exact):
        return Resolution(exact.overload, error=NO_ARRAY_TYPE)
    return Resolution(exact.overload)


def _variadic_of_arrays(args: Sequence[str], candidate: _Candidate) -> bool:
    """ParseFuncOrColumn collects VARIADIC arguments into an array of their type: impossible when that type
    is itself an array (pgTAP's diag(VARIADIC anyarray) called with arrays)."""
    first = len(candidate.args) - candidate.nvargs
    element = candidate.args[first]
    if element in POLYMORPHIC:
        known = [a for a, p in zip(args, candidate.args, strict=True) if p in POLYMORPHIC and not _untyped(a)]
        if not known:
            return False
        element = known[0]
    return _element(element) is not None


def _keep_best(candidates: list[_Candidate], score: Sequence[int]) -> list[_Candidate]:
    best = max(score)
    return [c for c, s in zip(candidates, score, strict=True) if s == best]


def _select(args: tuple[str, ...], candidates: list[_Candidate]) -> list[_Candidate]:
    """func_select_candidate: the finalists (one when the choice succeeds)."""
    # Most exact matches (untyped arguments never match exactly).
    candidates = _keep_best(
        candidates,
        [sum(1 for a, p in zip(args, c.args, strict=True) if not _untyped(a) and a == p) for c in candidates],
    )
    if len(candidates) == 1:
        return candidates

    # Most exact-or-preferred matches; the preferred type must be of the argument's own category.
    def exact_or_preferred(a: str, p: str) -> bool:
        return not _untyped(a) and (a == p or (_preferred(p) and category(p) == category(a)))

    candidates = _keep_best(
        candidates,
        [sum(1 for a, p in zip(args, c.args, strict=True) if exact_or_preferred(a, p)) for c in candidates],
    )
    if len(candidates) == 1:
        return candidates

    unknowns = [i for i, a in enumerate(args) if a == UNKNOWN]
    if not unknowns:
        return candidates

    # Untyped literals: a category per position (STRING wins), then the preferred type within it.
    slot_category: dict[int, str] = {}
    slot_preferred: dict[int, bool] = {}
    resolved = True
    for i in unknowns:
        chosen: str | None = None
        has_preferred = False
        conflict = False
        for candidate in candidates:
            cat, pref = category(candidate.args[i]), _preferred(candidate.args[i])
            if chosen is None:
                chosen, has_preferred = cat, pref
            elif cat == chosen:
                has_preferred |= pref
            elif cat == _STRING:
                chosen, has_preferred = cat, pref
            else:
                conflict = True
        if conflict and chosen != _STRING:
            resolved = False
            break
        assert chosen is not None
        slot_category[i], slot_preferred[i] = chosen, has_preferred
    if resolved:
        kept = [
            c
            for c in candidates
            if all(
                category(c.args[i]) == slot_category[i] and (not slot_preferred[i] or _preferred(c.args[i]))
                for i in unknowns
            )
        ]
        if kept:
            candidates = kept
        if len(candidates) == 1:
            return candidates

    # Last gasp: all typed arguments share one type; assume the literals have it too.
    if EXPR not in args and len(unknowns) < len(args):
        known = {a for a in args if a != UNKNOWN}
        if len(known) == 1:
            assumed = tuple(known) * len(args)
            matching = [c for c in candidates if _can_coerce(assumed, c.args)]
            if len(matching) == 1:
                return matching
    return candidates
