"""Project configuration: tapgap.toml / [tool.tapgap], validation messages, file globs, fingerprint."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from tapgap.config import (
    Config,
    ConfigError,
    CustomAssertionConfig,
    custom_assertions,
    excluded_file_predicate,
    excluded_object,
    load_config,
    placeholders,
    resolve_files,
    resolve_layout,
    role_helpers,
)

RLS = """
[[assertions]]
function = "tests.rls_forced"
params = ["schema", "table"]
kind = "rls"
facet = "enabled"
"""


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _error(root: Path, text: str, name: str = "tapgap.toml") -> str:
    _write(root, name, text)
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    return str(caught.value)


# --- where the configuration comes from -------------------------------------------------------------------


def test_defaults_without_any_file(tmp_path: Path) -> None:
    loaded = load_config(tmp_path)
    assert loaded.source is None
    assert loaded.root == tmp_path
    assert loaded.config == Config()
    assert loaded.config.search_path == ["public"]
    assert loaded.config.level == "normal"
    assert loaded.config.fail_under is None


def test_tapgap_toml_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "tapgap.toml",
        'schema = ["db/*.sql"]\nlevel = "strict"\nfail_under = 80\n'
        'fail_under_kind = {table = 90.5, "materialized view" = 50}\n'
        'requirements = {function = ["exists", "returns"]}\n'
        'role_helpers = {"tests.logout" = ""}\n' + RLS,
    )
    loaded = load_config(tmp_path)
    assert loaded.source == "tapgap.toml"
    config = loaded.config
    assert config.schema == ["db/*.sql"]
    assert config.level == "strict"
    assert config.fail_under == 80.0
    assert config.fail_under_kind == {"table": 90.5, "materialized view": 50.0}
    assert config.requirements == {"function": ["exists", "returns"]}
    assert config.assertions == [
        CustomAssertionConfig(
            function="tests.rls_forced", params=["schema", "table"], kind="rls", facet="enabled"
        )
    ]


def test_pyproject_tool_tapgap_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.tapgap]\nlevel = "lenient"\n'
        + RLS.replace("[[assertions]]", "[[tool.tapgap.assertions]]"),
    )
    loaded = load_config(tmp_path)
    assert loaded.source == "pyproject.toml [tool.tapgap]"
    assert loaded.config.level == "lenient"
    assert loaded.config.assertions[0].function == "tests.rls_forced"


def test_pyproject_without_tool_tapgap_means_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n')
    loaded = load_config(tmp_path)
    assert loaded.source is None
    assert loaded.config == Config()


def test_tapgap_toml_wins_over_pyproject(tmp_path: Path) -> None:
    _write(tmp_path, "tapgap.toml", 'level = "strict"\n')
    # Not even read: its invalid level is no error.
    _write(tmp_path, "pyproject.toml", '[tool.tapgap]\nlevel = "hard"\n')
    loaded = load_config(tmp_path)
    assert loaded.source == "tapgap.toml"
    assert loaded.config.level == "strict"


def test_an_explicit_file_replaces_the_search(tmp_path: Path) -> None:
    _write(tmp_path, "tapgap.toml", 'level = "strict"\n')
    ci = _write(tmp_path, "ci/gate.toml", 'level = "lenient"\n')
    loaded = load_config(tmp_path, ci)
    assert (loaded.source, loaded.config.level, loaded.root) == (str(ci), "lenient", tmp_path)


def test_an_explicit_pyproject_is_read_for_its_tool_table(tmp_path: Path) -> None:
    other = _write(tmp_path, "other/pyproject.toml", '[tool.tapgap]\nsearch_path = ["app", "public"]\n')
    loaded = load_config(tmp_path, other)
    assert loaded.source == f"{other} [tool.tapgap]"
    assert loaded.config.search_path == ["app", "public"]
    empty = _write(tmp_path, "empty/pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: no \[tool.tapgap\] table"):
        load_config(tmp_path, empty)


def test_an_empty_tapgap_toml_is_the_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "tapgap.toml", "")
    loaded = load_config(tmp_path)
    assert (loaded.source, loaded.config) == ("tapgap.toml", Config())


# --- messages: the file, the key as written, what was expected ------------------------------------------


def test_unknown_top_level_key_names_key_file_and_the_known_keys(tmp_path: Path) -> None:
    message = _error(tmp_path, 'levle = "strict"\n')
    assert message.startswith(f'{tmp_path / "tapgap.toml"}: unknown key "levle" (did you mean "level"? ')
    assert "expected one of: schema, tests, search_path, level," in message


def test_unknown_key_in_an_assertion_table_names_the_table(tmp_path: Path) -> None:
    message = _error(tmp_path, RLS + 'fucntion = "x"\n')
    assert message == (
        f'{tmp_path / "tapgap.toml"}: unknown key "assertions[1].fucntion" (did you mean "function"? '
        "expected one of: function, params, kind, facet, types, negated)"
    )


def test_unknown_key_in_pyproject_names_the_tool_table(tmp_path: Path) -> None:
    message = _error(tmp_path, "[tool.tapgap]\nlevle = 1\n", name="pyproject.toml")
    assert message.startswith(f'{tmp_path / "pyproject.toml"} [tool.tapgap]: unknown key "levle"')


def test_wrong_type_names_key_and_expected_type(tmp_path: Path) -> None:
    toml = tmp_path / "tapgap.toml"
    assert _error(tmp_path, 'fail_under = "high"\n') == f'{toml}: fail_under: expected a number, got "high"'
    assert _error(tmp_path, 'schema = "db/*.sql"\n') == f'{toml}: schema: expected an array, got "db/*.sql"'
    assert _error(tmp_path, "search_path = [1]\n") == f"{toml}: search_path[1]: expected a string, got 1"
    assert _error(tmp_path, "fail_under = true\n") == f"{toml}: fail_under: expected a number, got true"


def test_wrong_type_of_a_table_entry_names_the_entry(tmp_path: Path) -> None:
    # msgspec's own path says only `$.fail_under_kind[...]`: the entry is found in the data.
    message = _error(tmp_path, 'fail_under_kind = {table = 90, "materialized view" = "x"}\n')
    assert message.endswith(': fail_under_kind."materialized view": expected a number, got "x"')
    message = _error(tmp_path, 'role_helpers = {"tests.login" = "authenticated", "tests.su" = true}\n')
    assert message.endswith(': role_helpers."tests.su": expected a string, got true')


def test_missing_key_of_an_assertion(tmp_path: Path) -> None:
    message = _error(tmp_path, RLS.replace('facet = "enabled"', ""))
    assert message == f'{tmp_path / "tapgap.toml"}: assertions[1]: missing key "facet"'


def test_bad_level(tmp_path: Path) -> None:
    message = _error(tmp_path, '[tool.tapgap]\nlevel = "hard"\n', name="pyproject.toml")
    assert message == (
        f'{tmp_path / "pyproject.toml"} [tool.tapgap]: level: expected "lenient", "normal" or "strict", '
        'got "hard"'
    )


def test_percentage_out_of_range(tmp_path: Path) -> None:
    toml = tmp_path / "tapgap.toml"
    assert _error(tmp_path, "fail_under = 120\n") == (
        f"{toml}: fail_under: expected a percentage from 0 to 100, got 120"
    )
    assert _error(tmp_path, "fail_under_kind = {table = -1}\n") == (
        f"{toml}: fail_under_kind.table: expected a percentage from 0 to 100, got -1"
    )
    assert "fail_under: expected a percentage" in _error(tmp_path, "fail_under = nan\n")


def test_unknown_kind(tmp_path: Path) -> None:
    message = _error(tmp_path, "fail_under_kind = {tabel = 50}\n")
    assert message.startswith(
        f'{tmp_path / "tapgap.toml"}: fail_under_kind.tabel: unknown kind "tabel" (did you mean "table"?'
    )
    assert "expected one of: table, column," in message
    assert 'requirements.views: unknown kind "views"' in _error(tmp_path, "requirements = {views = []}\n")
    assert 'assertions[1].kind: unknown kind "rsl"' in _error(tmp_path, RLS.replace('"rls"', '"rsl"'))


def test_unknown_facet_for_a_kind(tmp_path: Path) -> None:
    message = _error(tmp_path, 'requirements = {column = ["exists", "nullable", "owner"]}\n')
    assert message == (
        f'{tmp_path / "tapgap.toml"}: requirements.column[3]: expected a facet of "column" '
        '("default", "exists", "nullable" or "type"), got "owner"'
    )
    message = _error(tmp_path, RLS.replace('facet = "enabled"', 'facet = "enabeld"'))
    assert 'assertions[1].facet: expected a facet of "rls" ("enabled" or "exists")' in message


def test_custom_assertion_params_and_types(tmp_path: Path) -> None:
    assert "assertions[1].params: expected at least one parameter role" in _error(
        tmp_path, RLS.replace('["schema", "table"]', "[]")
    )
    assert "assertions[1].types: expected one type per parameter (2), got 1" in _error(
        tmp_path, RLS + 'types = ["name"]\n'
    )
    assert 'assertions[1].params[2]: unknown parameter role "tabel" (did you mean "table"?)' in _error(
        tmp_path, RLS.replace('"table"]', '"tabel"]')
    )
    assert "assertions[2]: same function and parameter types as assertions[1]" in _error(tmp_path, RLS + RLS)


def test_empty_search_path_and_empty_globs(tmp_path: Path) -> None:
    assert "search_path: expected at least one schema" in _error(tmp_path, "search_path = []\n")
    assert "tests[2]: expected a non-empty glob" in _error(tmp_path, 'tests = ["t/*.sql", ""]\n')
    assert "exclude[1]: expected a glob relative to the project root" in _error(
        tmp_path, 'exclude = ["/x"]\n'
    )


def test_malformed_toml_gives_line_and_column(tmp_path: Path) -> None:
    message = _error(tmp_path, 'level = "strict"\nfail_under = \n')
    assert message == f"{tmp_path / 'tapgap.toml'}:2:14: invalid TOML: invalid value"


def test_unreadable_file_directory(tmp_path: Path) -> None:
    (tmp_path / "tapgap.toml").mkdir()
    with pytest.raises(ConfigError, match=r"tapgap.toml: cannot read: Is a directory"):
        load_config(tmp_path)


def test_unreadable_file_broken_symlink(tmp_path: Path) -> None:
    # Tests run as root, so chmod 000 would not stop the read: a dangling link does.
    (tmp_path / "pyproject.toml").symlink_to(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError, match=r"pyproject.toml: cannot read: No such file or directory"):
        load_config(tmp_path)


def test_a_config_built_in_code_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r'^level: expected "lenient", "normal" or "strict", got "hard"$'):
        Config(level="hard")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^fail_under_kind.table: expected a percentage"):
        msgspec.structs.replace(Config(), fail_under_kind={"table": 101.0})


# --- files ----------------------------------------------------------------------------------------------


def _tree(root: Path, *names: str) -> None:
    for name in names:
        _write(root, name, "select 1;\n")


def _rel(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_without_globs_the_layout_is_detected(tmp_path: Path) -> None:
    assert resolve_files(tmp_path, Config()) is None


def test_globs_resolve_in_order_with_natural_sort_and_exclusion(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        "db/types.sql",
        "db/10_later.sql",
        "db/2_early.sql",
        "db/9_draft.sql",
        "seed/1_data.sql",
        "checks/b.sql",
        "checks/a.sql",
        "checks/old/x.sql",
        "node_modules/pkg/z.sql",
    )
    config = Config(
        schema=["db/types.sql", "db/*.sql", "seed/**/*.sql"],
        tests=["checks/**/*.sql", "**/z.sql"],
        exclude=["db/9_*", "checks/old"],
    )
    resolved = resolve_files(tmp_path, config)
    assert resolved is not None
    schema, tests = resolved
    # types.sql first (first glob) and once; then the second glob in natural order, 9_draft excluded.
    assert _rel(tmp_path, schema) == ["db/types.sql", "db/2_early.sql", "db/10_later.sql", "seed/1_data.sql"]
    # An excluded folder drops everything under it; node_modules is skipped unless a glob names it.
    assert _rel(tmp_path, tests) == ["checks/a.sql", "checks/b.sql"]


def test_a_glob_naming_a_folder_takes_its_sql_files(tmp_path: Path) -> None:
    _tree(tmp_path, "migrations/2_b.sql", "migrations/10_c.sql", "migrations/README.md", "t/a.sql")
    resolved = resolve_files(tmp_path, Config(schema=["migrations"], tests=["t"]))
    assert resolved is not None
    assert _rel(tmp_path, resolved[0]) == ["migrations/2_b.sql", "migrations/10_c.sql"]
    assert _rel(tmp_path, resolved[1]) == ["t/a.sql"]


def test_a_file_in_both_globs_is_a_test(tmp_path: Path) -> None:
    _tree(tmp_path, "sql/schema.sql", "sql/schema_test.sql")
    resolved = resolve_files(tmp_path, Config(schema=["sql/*.sql"], tests=["**/*_test.sql"]))
    assert resolved is not None
    assert _rel(tmp_path, resolved[0]) == ["sql/schema.sql"]
    assert _rel(tmp_path, resolved[1]) == ["sql/schema_test.sql"]


def test_the_list_not_configured_is_detected(tmp_path: Path) -> None:
    _tree(tmp_path, "schema.sql", "checks/a.sql", "tests/b.sql")
    resolved = resolve_files(tmp_path, Config(tests=["checks/*.sql"]))
    assert resolved is not None
    # Detection would call checks/a.sql schema; the configured tests glob makes it a test.
    assert _rel(tmp_path, resolved[0]) == ["schema.sql"]
    assert _rel(tmp_path, resolved[1]) == ["checks/a.sql"]


def test_exclude_applies_to_the_detected_layout(tmp_path: Path) -> None:
    _tree(tmp_path, "a.sql", "vendor/b.sql", "tests/t.sql", "tests/skip_me.sql")
    layout = resolve_layout(tmp_path, Config(exclude=["vendor", "tests/skip_*"]))
    assert _rel(tmp_path, layout.schema_files) == ["a.sql"]
    assert _rel(tmp_path, layout.test_files) == ["tests/t.sql"]
    excluded = excluded_file_predicate(tmp_path, Config(exclude=["vendor"]))
    assert excluded(tmp_path / "vendor" / "b.sql")
    assert not excluded(tmp_path / "a.sql")


# --- what the rest of tapgap reads ------------------------------------------------------------------------


def test_fingerprint_ignores_fail_under_but_changes_with_placeholders() -> None:
    base = Config()
    assert base.fingerprint() == Config().fingerprint()
    assert (
        Config(fail_under=90, level="strict", exclude_objects=["audit.*"]).fingerprint() == base.fingerprint()
    )
    assert Config(placeholders={"@extschema@": "partman"}).fingerprint() != base.fingerprint()
    assert Config(search_path=["app"]).fingerprint() != base.fingerprint()
    assert Config(role_helpers={"tests.login": "authenticated"}).fingerprint() != base.fingerprint()
    # Spelling out a default changes no fact, so no fingerprint.
    assert Config(placeholders={"@extschema@": "public"}).fingerprint() == base.fingerprint()


def test_custom_assertions_are_the_defaults_plus_the_configured() -> None:
    rls_forced = CustomAssertionConfig(
        function="tests.rls_forced", params=["schema", "table"], kind="rls", facet="enabled"
    )
    custom = custom_assertions(Config(assertions=[rls_forced]))
    assert custom.lookup("tests", "rls_enabled") is not None
    forced = custom.lookup("tests", "rls_forced")
    assert forced is not None
    assert [p.type for p in forced.overloads[0].params] == ["text", "text"]
    assert custom.lookup("other", "rls_forced") is None


def test_a_configured_overload_replaces_the_default_one() -> None:
    mine = CustomAssertionConfig(
        function="tests.rls_enabled", params=["schema"], kind="rls", facet="enabled", negated=True
    )
    rls = custom_assertions(Config(assertions=[mine])).lookup("tests", "rls_enabled")
    assert rls is not None
    assert sorted((len(o.params), o.negated) for o in rls.overloads) == [(1, True), (2, False)]


def test_role_helpers_and_placeholders_merge_over_the_defaults() -> None:
    helpers = role_helpers(Config(role_helpers={"tests.clear_authentication": "", "app.login": "member"}))
    assert helpers["tests.clear_authentication"] is None
    assert helpers["app.login"] == "member"
    assert helpers["tests.authenticate_as"] == "authenticated"
    merged = placeholders(Config(placeholders={"@extschema@": "partman", "%%X%%": "x"}))
    assert merged["@extschema@"] == "partman"
    assert merged["%%X%%"] == "x"
    assert merged["@extowner@"] == "postgres"


def test_excluded_object_patterns() -> None:
    config = Config(exclude_objects=["audit.*", "public.schema_migrations*"])
    assert excluded_object(config, "audit.log")
    assert excluded_object(config, "audit.log.created_at")
    assert excluded_object(config, "public.schema_migrations.version")
    assert not excluded_object(config, "audit")  # the schema itself: add "audit" to exclude it
    assert not excluded_object(config, "Audit.log")
    assert not excluded_object(Config(), "audit.log")


def test_the_documented_examples_are_valid_and_equivalent(tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    blocks = docs.split("```toml\n")[1:3]
    standalone, pyproject = (block.split("```")[0] for block in blocks)
    _write(tmp_path / "a", "tapgap.toml", standalone)
    _write(tmp_path / "b", "pyproject.toml", pyproject)
    first, second = load_config(tmp_path / "a"), load_config(tmp_path / "b")
    assert second.source == "pyproject.toml [tool.tapgap]"
    assert first.config == second.config
    assert first.config.role_helpers["tests.logout"] == ""


def test_severity_table_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "tapgap.toml",
        '[severity]\nstale-target = "warning"\nuntested = "error"\ndynamic-target = "off"\n',
    )
    assert load_config(tmp_path).config.severity == {
        "stale-target": "warning",
        "untested": "error",
        "dynamic-target": "off",
    }


def test_severity_of_an_unknown_code_suggests_the_nearest(tmp_path: Path) -> None:
    message = _error(tmp_path, '[severity]\nstale-targets = "off"\n')
    assert message.startswith(
        f'{tmp_path / "tapgap.toml"}: severity.stale-targets: unknown finding code "stale-targets" '
        '(did you mean "stale-target"? expected one of: untested, stale-target,'
    )


def test_severity_value_must_be_a_severity_or_off(tmp_path: Path) -> None:
    assert _error(tmp_path, '[severity]\nuntested = "fatal"\n') == (
        f'{tmp_path / "tapgap.toml"}: severity.untested: expected "error", "warning", "info" or "off", got "fatal"'
    )
