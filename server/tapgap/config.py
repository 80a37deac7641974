"""Project configuration: ``tapgap.toml``, or ``[tool.tapgap]`` in ``pyproject.toml``.

The file is parsed with :mod:`tomllib`, converted to :class:`Config` with msgspec, and checked; every problem
is a :class:`ConfigError` whose message names the file, the key as the user writes it (``level``,
``fail_under_kind.table``, ``assertions[2].kind`` — ``[[assertions]]`` tables count from 1) and what was
expected. ``docs/configuration.md`` is the user's reference of every key.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any, Final

import msgspec

from tapgap.coverage.requirements import KINDS, LEVELS, REQUIREMENT_FACETS, Level
from tapgap.pgtap import catalog
from tapgap.pgtap.custom import (
    DEFAULT_CUSTOM_ASSERTIONS,
    CustomAssertion,
    CustomAssertions,
    build_custom_assertions,
)
from tapgap.pgtap.roles import DEFAULT_ROLE_HELPERS
from tapgap.project import SKIP_DIRS as SKIP_DIRS  # the folders layout detection skips, skipped alike here
from tapgap.project import SQL_SUFFIXES, Layout, detect_layout, natural_key
from tapgap.sql.options import DEFAULT_PLACEHOLDERS

__all__ = [
    "CONFIG_FILE",
    "PYPROJECT_FILE",
    "Config",
    "ConfigError",
    "CustomAssertionConfig",
    "LoadedConfig",
    "custom_assertions",
    "excluded_file_predicate",
    "excluded_object",
    "format_key",
    "load_config",
    "placeholders",
    "resolve_files",
    "resolve_layout",
    "role_helpers",
]

CONFIG_FILE: Final = "tapgap.toml"
PYPROJECT_FILE: Final = "pyproject.toml"
_PYPROJECT_TABLE: Final = "[tool.tapgap]"

# Bumped when what the fingerprint covers, or how, changes.
_FINGERPRINT_VERSION: Final = 1

KeyPath = tuple[str | int, ...]
"""A key path inside the configuration: table keys and (0-based) array positions."""


class ConfigError(Exception):
    """A configuration that cannot be read or is not valid. ``str(error)`` is the whole message, ready for
    the user: ``tapgap.toml: level: expected "lenient", "normal" or "strict", got "hard"``.

    ``source`` is the file as displayed (None when a :class:`Config` was built in code), ``key`` the key as
    written (None for errors of the whole file), ``line``/``column`` the position of a TOML syntax error.
    """

    def __init__(
        self,
        detail: str,
        *,
        source: str | None = None,
        key: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.detail = detail
        self.source = source
        self.key = key
        self.line = line
        self.column = column
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.source
        if where is not None and self.line is not None:
            where = f"{where}:{self.line}:{self.column or 1}"
        text = self.detail if self.key is None else f"{self.key}: {self.detail}"
        return text if where is None else f"{where}: {text}"

    def __str__(self) -> str:
        return self.message

    def in_file(self, source: str) -> ConfigError:
        return ConfigError(self.detail, source=source, key=self.key, line=self.line, column=self.column)


class CustomAssertionConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One ``[[assertions]]`` table: an overload of a project's own assertion function."""

    function: str  # "tests.rls_enabled", or "rls_enabled" for a function found in any schema
    params: list[str]  # argument roles in order (tapgap.pgtap.catalog.ROLES), e.g. ["schema", "table"]
    kind: str  # one of tapgap.coverage.requirements.KINDS
    facet: str  # e.g. "enabled"
    types: list[str] = []  # parameter types as format_type spells them; empty: text for each
    negated: bool = False

    def to_custom_assertion(self) -> CustomAssertion:
        return CustomAssertion(
            function=self.function,
            params=tuple(self.params),
            kind=self.kind,
            facet=self.facet,
            types=tuple(self.types),
            negated=self.negated,
        )


class Config(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A project's configuration. Every field has a default; an empty file is a valid configuration.

    Building one (from a file or in code) checks it: an invalid value raises :class:`ConfigError` naming
    the key (without a file; :func:`load_config` adds it).
    """

    schema: list[str] = []  # globs of schema files, applied glob by glob; empty: detected
    tests: list[str] = []  # globs of test files; empty: detected
    search_path: list[str] = msgspec.field(default_factory=lambda: ["public"])
    level: Level = "normal"
    fail_under: float | None = None  # overall coverage %, 0..100
    fail_under_kind: dict[str, float] = {}  # per kind, 0..100
    requirements: dict[str, list[str]] = {}  # per kind: the facets to require (replaces the level's)
    exclude: list[str] = []  # file globs excluded from schema and tests
    exclude_objects: list[str] = []  # object key patterns (fnmatch) excluded from requirements
    assertions: list[CustomAssertionConfig] = []  # added to DEFAULT_CUSTOM_ASSERTIONS
    role_helpers: dict[str, str] = {}  # function → role it switches to; "": back to the session role
    placeholders: dict[str, str] = {}  # merged over tapgap.sql.split.DEFAULT_PLACEHOLDERS
    baseline: str | None = None  # relative to the root; None: the caller's default
    severity: dict[str, str] = {}  # finding code → error, warning, info or off (replaces the code's own)

    def __post_init__(self) -> None:
        problem = _first_problem(self)
        if problem is not None:
            key, detail = problem
            raise ConfigError(detail, key=format_key(key))

    def fingerprint(self) -> str:
        """A stable hash of the options that change per-file facts, for the analysis cache's keys.

        Per-file facts (statements, schema operations, pgTAP calls, exercises) depend on the placeholders
        the splitter substitutes, the search_path a file starts with, the custom assertions the reader
        recognises and the role helpers it follows — and on nothing else here. File selection (``schema``,
        ``tests``, ``exclude``), what is required of the facts (``level``, ``requirements``,
        ``exclude_objects``), the thresholds and the baseline are applied after the facts, so changing
        them must not invalidate the cache and they are left out. The effective values are hashed
        (configured merged over the built-in defaults), so spelling out a default changes nothing; the
        built-in defaults themselves belong to the tool version, which the cache keys on separately.
        """
        payload = {
            "version": _FINGERPRINT_VERSION,
            "search_path": self.search_path,
            "placeholders": placeholders(self),
            "role_helpers": role_helpers(self),
            "assertions": [
                msgspec.to_builtins(a)
                for a in _effective_assertions(self.assertions, DEFAULT_CUSTOM_ASSERTIONS)
            ],
        }
        encoded = msgspec.json.encode(payload, order="sorted")
        return hashlib.blake2b(encoded, digest_size=16).hexdigest()


class LoadedConfig(msgspec.Struct, frozen=True):
    config: Config
    source: str | None  # "tapgap.toml", "pyproject.toml [tool.tapgap]", an explicit file, or None (defaults)
    root: Path


# --- loading ---------------------------------------------------------------------------------------------


def load_config(root: Path, explicit: Path | None = None) -> LoadedConfig:
    """The configuration of the project at ``root``.

    ``root/tapgap.toml`` when it exists (even if ``pyproject.toml`` also has ``[tool.tapgap]``), else the
    ``[tool.tapgap]`` table of ``root/pyproject.toml``, else the defaults. ``explicit`` (``--config FILE``)
    replaces the search: a file named ``pyproject.toml`` is read for its ``[tool.tapgap]`` table (which must
    exist), any other file as a ``tapgap.toml``. Globs and the baseline stay relative to ``root`` either way.

    Raises :class:`ConfigError` for a file that cannot be read, is not TOML, or is not a valid configuration.
    """
    if explicit is not None:
        shown = str(explicit)
        if explicit.name == PYPROJECT_FILE:
            table = _tool_table(_read_toml(explicit, shown), shown)
            if table is None:
                raise ConfigError(f"no {_PYPROJECT_TABLE} table", source=shown)
            source = f"{shown} {_PYPROJECT_TABLE}"
            return LoadedConfig(_convert(table, source), source, root)
        return LoadedConfig(_convert(_read_toml(explicit, shown), shown), shown, root)

    config_file = root / CONFIG_FILE
    if _present(config_file):
        data = _read_toml(config_file, str(config_file))
        return LoadedConfig(_convert(data, str(config_file)), CONFIG_FILE, root)
    pyproject = root / PYPROJECT_FILE
    if _present(pyproject):
        table = _tool_table(_read_toml(pyproject, str(pyproject)), str(pyproject))
        if table is not None:
            shown = f"{pyproject} {_PYPROJECT_TABLE}"
            return LoadedConfig(_convert(table, shown), f"{PYPROJECT_FILE} {_PYPROJECT_TABLE}", root)
    return LoadedConfig(Config(), None, root)


def _present(path: Path) -> bool:
    # A broken symlink is a configuration file the user meant to have: reading it reports the problem.
    return path.exists() or path.is_symlink()


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", source=shown) from exc
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some editors write, is no error
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", source=shown) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if match is not None:
            detail = message[: match.start()]
            line, column = int(match.group(1)), int(match.group(2))
        else:
            detail, line, column = re.sub(r"\s*\(at end of document\)$", "", message), None, None
            if detail != message:
                line = text.count("\n") + 1
                column = len(text) - text.rfind("\n")
        raise ConfigError(
            f"invalid TOML: {detail[:1].lower()}{detail[1:]}", source=shown, line=line, column=column
        ) from exc


def _tool_table(data: dict[str, Any], shown: str) -> dict[str, Any] | None:
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"tool: expected a table, got {_describe(tool)}", source=shown)
    table = tool.get("tapgap")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{_PYPROJECT_TABLE[1:-1]}: expected a table, got {_describe(table)}", source=shown)
    return table


def _convert(data: dict[str, Any], source: str) -> Config:
    try:
        return msgspec.convert(data, Config)
    except msgspec.ValidationError as exc:
        raise _explain(str(exc), data).in_file(source) from None
    except ConfigError as exc:
        raise exc.in_file(source) from None


# --- msgspec's errors, in the user's words --------------------------------------------------------------

_ERROR = re.compile(r"^(?P<what>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_PATH_STEP = re.compile(r"\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\]|(?P<any>\[\.\.\.\])")
_TYPE_WORDS: Final[Mapping[str, str]] = {
    "str": "a string",
    "float": "a number",
    "int": "an integer",
    "bool": "true or false",
    "array": "an array",
    "object": "a table",
    "datetime": "a date-time",
    "date": "a date",
    "time": "a time",
}


def _explain(text: str, data: dict[str, Any]) -> ConfigError:
    """A :class:`ConfigError` from msgspec's message (``Expected `str`, got `int` - at `$.level```)."""
    match = _ERROR.match(text)
    assert match is not None  # the pattern matches any text
    what, path_text = match.group("what"), match.group("path") or "$"
    key, value, tp = _walk(path_text, data)

    unknown = re.fullmatch(r"Object contains unknown field `(.*)`", what)
    if unknown is not None:
        name = unknown.group(1)
        fields = [f.encode_name for f in msgspec.structs.fields(tp)] if _is_struct(tp) else []
        hint = difflib.get_close_matches(name, fields, n=1)
        suggestion = f"did you mean {_quote(hint[0])}? " if hint else ""
        return ConfigError(
            f"unknown key {_quote(format_key((*key, name)))} ({suggestion}expected one of: {', '.join(fields)})"
        )
    missing = re.fullmatch(r"Object missing required field `(.*)`", what)
    if missing is not None:
        return ConfigError(f"missing key {_quote(missing.group(1))}", key=format_key(key) or None)
    if what.startswith("Invalid enum value") and typing.get_origin(tp) is typing.Literal:
        return ConfigError(
            f"expected {_one_of(typing.get_args(tp))}, got {_describe(value)}", key=format_key(key)
        )
    expected = re.fullmatch(r"Expected `(.*?)`, got `(.*?)`", what)
    if expected is not None:
        words = [_TYPE_WORDS.get(t, t) for t in expected.group(1).split(" | ") if t != "null"]
        return ConfigError(f"expected {' or '.join(words)}, got {_describe(value)}", key=format_key(key))
    return ConfigError(what[:1].lower() + what[1:], key=format_key(key) or None)


def _walk(path_text: str, data: dict[str, Any]) -> tuple[KeyPath, Any, Any]:
    """Follow msgspec's error path (``$.assertions[0].kind``, ``$.fail_under_kind[...]``) through the
    TOML data and the :class:`Config` type: the key path, the value there, and the type expected there.
    msgspec does not name dict keys (``[...]``); the first entry that does not convert is the one, as
    msgspec converts entries in order and stops at the first error."""
    key: list[str | int] = []
    value: Any = data
    tp: Any = Config
    for step in _PATH_STEP.finditer(path_text, 1):
        tp = _strip_optional(tp)
        if step.group("field") is not None:
            name = step.group("field")
            key.append(name)
            value = value.get(name) if isinstance(value, dict) else None
            tp = _field_type(tp, name)
        elif step.group("index") is not None:
            index = int(step.group("index"))
            key.append(index)
            value = value[index] if isinstance(value, list) and index < len(value) else None
            args = typing.get_args(tp)
            tp = args[0] if args else Any
        else:
            args = typing.get_args(tp)
            item_type = args[1] if len(args) == 2 else Any
            if isinstance(value, dict):
                for entry_key, entry in value.items():
                    try:
                        msgspec.convert(entry, item_type)
                    except (msgspec.ValidationError, ConfigError):
                        key.append(str(entry_key))
                        value = entry
                        break
                else:
                    value = None
            tp = item_type
    return tuple(key), value, _strip_optional(tp)


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _field_type(tp: Any, name: str) -> Any:
    if _is_struct(tp):
        for field in msgspec.structs.fields(tp):
            if field.encode_name == name:
                return field.type
    return Any


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(arms) == 1:
            return arms[0]
    return tp


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_key(key: Sequence[str | int]) -> str:
    """A key path as written in TOML: ``fail_under_kind."materialized view"``, ``assertions[2].kind``
    (array positions count from 1)."""
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            text = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            out += f".{text}" if out else text
    return out


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _one_of(values: Iterable[object]) -> str:
    quoted = [_quote(str(v)) for v in values]
    if len(quoted) <= 1:
        return "".join(quoted)
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _describe(value: Any) -> str:
    """A value as the user wrote it, or its TOML type when it is not a short scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value) if len(value) <= 60 else "a long string"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "nothing"
    return _TYPE_WORDS.get(type(value).__name__, type(value).__name__)


# --- semantic checks ------------------------------------------------------------------------------------


def _first_problem(config: Config) -> tuple[KeyPath, str] | None:
    return next(iter(_problems(config)), None)


def _problems(config: Config) -> Iterable[tuple[KeyPath, str]]:
    """Every invalid value of ``config``, in key order: (key path, what was expected)."""
    for name in ("schema", "tests", "exclude"):
        for i, glob in enumerate(getattr(config, name)):
            if not glob.strip():
                yield (name, i), "expected a non-empty glob"
            elif PurePosixPath(glob).is_absolute() or Path(glob).is_absolute():
                yield (name, i), f"expected a glob relative to the project root, got {_quote(glob)}"
    if not config.search_path:
        yield ("search_path",), "expected at least one schema"
    for i, schema in enumerate(config.search_path):
        if not schema:
            yield ("search_path", i), "expected a schema name, got an empty string"
    if config.level not in LEVELS:
        yield ("level",), f"expected {_one_of(LEVELS)}, got {_describe(config.level)}"
    if config.fail_under is not None and not _percentage(config.fail_under):
        yield ("fail_under",), f"expected a percentage from 0 to 100, got {_describe(config.fail_under)}"
    for kind, value in config.fail_under_kind.items():
        if kind not in KINDS:
            yield ("fail_under_kind", kind), _unknown_kind(kind)
        elif not _percentage(value):
            yield ("fail_under_kind", kind), f"expected a percentage from 0 to 100, got {_describe(value)}"
    for kind, facets in config.requirements.items():
        if kind not in KINDS:
            yield ("requirements", kind), _unknown_kind(kind)
            continue
        known = REQUIREMENT_FACETS[kind]
        for i, facet in enumerate(facets):
            if facet not in known:
                yield (
                    ("requirements", kind, i),
                    f"expected a facet of {_quote(kind)} ({_one_of(sorted(known))}), got {_describe(facet)}",
                )
    for i, pattern in enumerate(config.exclude_objects):
        if not pattern:
            yield ("exclude_objects", i), "expected a non-empty pattern"
    yield from _assertion_problems(config.assertions)
    for name in config.role_helpers:
        if not name:
            yield ("role_helpers", name), "expected a function name, got an empty key"
    for name in config.placeholders:
        if not name:
            yield ("placeholders", name), "expected a placeholder, got an empty key"
    if config.baseline is not None and not config.baseline.strip():
        yield ("baseline",), "expected a file path, got an empty string"
    yield from _severity_problems(config.severity)


def _severity_problems(severity: Mapping[str, str]) -> Iterable[tuple[KeyPath, str]]:
    from tapgap.findings import FINDING_CODES, SEVERITY_SETTINGS

    for code, value in severity.items():
        if code not in FINDING_CODES:
            hint = difflib.get_close_matches(code, FINDING_CODES, n=1)
            suggestion = f"did you mean {_quote(hint[0])}? " if hint else ""
            yield (
                ("severity", code),
                f"unknown finding code {_quote(code)} ({suggestion}expected one of: {', '.join(FINDING_CODES)})",
            )
        elif value not in SEVERITY_SETTINGS:
            yield ("severity", code), f"expected {_one_of(SEVERITY_SETTINGS)}, got {_describe(value)}"


def _percentage(value: float) -> bool:
    return not math.isnan(value) and 0 <= value <= 100


def _unknown_kind(kind: str) -> str:
    hint = difflib.get_close_matches(kind, KINDS, n=1)
    suggestion = f"did you mean {_quote(hint[0])}? " if hint else ""
    return f"unknown kind {_quote(kind)} ({suggestion}expected one of: {', '.join(KINDS)})"


_FUNCTION_NAME = re.compile(r"(?:[^.\s]+\.)?[^.\s]+")


def _assertion_problems(assertions: Sequence[CustomAssertionConfig]) -> Iterable[tuple[KeyPath, str]]:
    seen_schema: dict[str, tuple[int, str]] = {}
    seen_overload: dict[tuple[str, tuple[str, ...]], int] = {}
    for i, a in enumerate(assertions):
        if not _FUNCTION_NAME.fullmatch(a.function):
            yield (
                ("assertions", i, "function"),
                f"expected a function name, as name or schema.name, got {_describe(a.function)}",
            )
            continue
        if not a.params:
            yield ("assertions", i, "params"), "expected at least one parameter role"
        for j, role in enumerate(a.params):
            if role not in catalog.ROLES:
                hint = difflib.get_close_matches(role, list(catalog.ROLES), n=1)
                suggestion = f" (did you mean {_quote(hint[0])}?)" if hint else ""
                yield (
                    ("assertions", i, "params", j),
                    f"unknown parameter role {_quote(role)}{suggestion}; the roles are listed in "
                    "docs/configuration.md",
                )
        if a.types and len(a.types) != len(a.params):
            yield (
                ("assertions", i, "types"),
                f"expected one type per parameter ({len(a.params)}), got {len(a.types)}",
            )
        for j, type_name in enumerate(a.types):
            if not type_name.strip():
                yield ("assertions", i, "types", j), "expected a type name, got an empty string"
        if a.kind not in KINDS:
            yield ("assertions", i, "kind"), _unknown_kind(a.kind)
        elif a.facet not in REQUIREMENT_FACETS[a.kind] and a.facet not in catalog.FACETS:
            yield (
                ("assertions", i, "facet"),
                f"expected a facet of {_quote(a.kind)} ({_one_of(sorted(REQUIREMENT_FACETS[a.kind]))}) "
                f"or one of pgTAP's facets, got {_describe(a.facet)}",
            )
        schema, _, name = a.function.rpartition(".")
        first = seen_schema.setdefault(name, (i, schema))
        if first[1] != schema:
            yield (
                ("assertions", i, "function"),
                f"{_quote(a.function)} has the name of assertions[{first[0] + 1}]'s "
                f"{_quote(assertions[first[0]].function)}: custom assertions of one name must be in one schema",
            )
        signature = (a.function, _types_of(a))
        earlier = seen_overload.setdefault(signature, i)
        if earlier != i:
            yield (
                ("assertions", i),
                f"same function and parameter types as assertions[{earlier + 1}]: calls would be ambiguous",
            )


def _types_of(assertion: CustomAssertionConfig | CustomAssertion) -> tuple[str, ...]:
    return tuple(assertion.types) or ("text",) * len(assertion.params)


# --- what the rest of tapgap reads from a configuration -------------------------------------------------


def _effective_assertions(
    configured: Sequence[CustomAssertionConfig], defaults: Sequence[CustomAssertion]
) -> list[CustomAssertion]:
    """Defaults, then the configured ones. A configured overload replaces a default of the same function
    and parameter types; a configured function of a default's name in another schema replaces all of that
    default's overloads (the catalogue knows one schema per custom function name)."""
    own = [a.to_custom_assertion() for a in configured]
    schema_of = {a.function.rpartition(".")[2]: a.function.rpartition(".")[0] for a in own}
    overloads = {(a.function, _types_of(a)) for a in own}
    kept = []
    for default in defaults:
        schema, _, name = default.function.rpartition(".")
        if name in schema_of and schema_of[name] != schema:
            continue
        if (default.function, _types_of(default)) in overloads:
            continue
        kept.append(default)
    return kept + own


def custom_assertions(config: Config) -> CustomAssertions:
    """The built-in custom assertions (``DEFAULT_CUSTOM_ASSERTIONS``) and the configured ones."""
    return build_custom_assertions(_effective_assertions(config.assertions, DEFAULT_CUSTOM_ASSERTIONS))


def role_helpers(config: Config) -> dict[str, str | None]:
    """Role helper functions: the configured ones over ``DEFAULT_ROLE_HELPERS``; a configured ``""`` (TOML
    has no null) becomes None, "back to the session's role"."""
    helpers: dict[str, str | None] = dict(DEFAULT_ROLE_HELPERS)
    helpers.update((name, role or None) for name, role in config.role_helpers.items())
    return helpers


def placeholders(config: Config) -> dict[str, str]:
    """The splitter's placeholders: the configured ones over ``DEFAULT_PLACEHOLDERS``."""
    return {**DEFAULT_PLACEHOLDERS, **config.placeholders}


def excluded_object(config: Config, key: str) -> bool:
    """Whether an object key (``app.tasks.title``, ``app.f(integer)``) matches an ``exclude_objects``
    pattern: fnmatch, case-sensitive (keys are folded already), ``*`` crossing dots."""
    return any(fnmatchcase(key, pattern) for pattern in config.exclude_objects)


# --- files ----------------------------------------------------------------------------------------------


def resolve_files(root: Path, config: Config) -> tuple[list[Path], list[Path]] | None:
    """(schema files, test files) of the configured globs, or None when neither ``schema`` nor ``tests``
    is configured: the caller detects the layout (:func:`resolve_layout` does, and applies ``exclude``).

    Each glob is relative to ``root`` (``**`` spans folders). Schema files are in glob order — the files of
    the first glob in natural file-name order, then the second's… — and a file keeps the first position it
    matches. A glob naming a folder takes the SQL files under it. Files in ``exclude`` are dropped; a file
    both lists match is a test. When only one of the two lists is configured, the other is detected.
    Folders that layout detection skips (``.git``, ``node_modules``, ``.venv``…) are skipped unless the glob
    names them.
    """
    if not config.schema and not config.tests:
        return None
    detected = detect_layout(root) if not (config.schema and config.tests) else None
    tests = _expand(root, config.tests) if config.tests else (detected.test_files if detected else [])
    schema = _expand(root, config.schema) if config.schema else (detected.schema_files if detected else [])
    excluded = _exclusion(root, config.exclude)
    tests = [p for p in tests if not excluded(p)]
    test_set = set(tests)
    schema = [p for p in schema if p not in test_set and not excluded(p)]
    return schema, tests


def resolve_layout(root: Path, config: Config) -> Layout:
    """The project's files: the configured globs, or the detected layout; ``exclude`` applied either way."""
    resolved = resolve_files(root, config)
    if resolved is not None:
        schema, tests = resolved
        return Layout(root, _configured_description(config), schema, tests)
    layout = detect_layout(root)
    if not config.exclude:
        return layout
    excluded = _exclusion(root, config.exclude)
    return Layout(
        layout.root,
        layout.description,
        [p for p in layout.schema_files if not excluded(p)],
        [p for p in layout.test_files if not excluded(p)],
    )


def _configured_description(config: Config) -> str:
    schema = f"schema from {', '.join(config.schema)}" if config.schema else "schema detected"
    tests = f"tests from {', '.join(config.tests)}" if config.tests else "tests detected"
    return f"configured: {schema}, {tests}"


def _glob(root: Path, pattern: str) -> Iterable[Path]:
    """Files of one glob (a matched folder gives its SQL files), skipping the skipped folders the glob does
    not name."""
    skip = SKIP_DIRS - set(PurePosixPath(pattern).parts)
    for path in root.glob(pattern):
        if any(part in skip for part in path.relative_to(root).parts[:-1]):
            continue
        if path.is_dir():
            for inner in path.rglob("*"):
                rel = inner.relative_to(root).parts
                if (
                    inner.suffix.lower() in SQL_SUFFIXES
                    and not any(p in skip for p in rel)
                    and inner.is_file()
                ):
                    yield inner
        elif path.is_file():
            yield path


def _expand(root: Path, patterns: Sequence[str]) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in patterns:
        matches = sorted(set(_glob(root, pattern)), key=lambda p: natural_key(p.relative_to(root)))
        for path in matches:
            found.setdefault(path, None)
    return list(found)


def excluded_file_predicate(root: Path, config: Config) -> Callable[[Path], bool]:
    """Whether a file (a path under ``root``, as globbing or layout detection gives it) is in ``exclude``.
    A glob matching a folder excludes everything under it."""
    return _exclusion(root, config.exclude)


def _exclusion(root: Path, patterns: Sequence[str]) -> Callable[[Path], bool]:
    # Compared as absolute paths, so that a caller's "./a.sql" and the glob's "a.sql" are one file.
    files: set[str] = set()
    folders: set[str] = set()
    for pattern in patterns:
        for path in root.glob(pattern):
            (folders if path.is_dir() else files).add(os.path.abspath(path))

    def excluded(path: Path) -> bool:
        absolute = os.path.abspath(path)
        if absolute in files:
            return True
        return bool(folders) and any(str(parent) in folders for parent in Path(absolute).parents)

    return excluded
