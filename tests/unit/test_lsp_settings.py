"""The client's settings for ``tapgap serve``: initializationOptions and didChangeConfiguration, read alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tapgap.lsp.settings import ClientSettings, parse_settings

DEFAULTS = ClientSettings()
STRICT = ClientSettings(level="strict", config_path="ci/tapgap.toml")


def test_options_set_level_and_config_path() -> None:
    raw = {"level": "strict", "configPath": "ci/tapgap.toml"}
    assert parse_settings(raw, DEFAULTS) == (STRICT, [])


def test_the_tapgap_section_is_unwrapped() -> None:
    assert parse_settings({"tapgap": {"level": "lenient"}}, DEFAULTS) == (ClientSettings(level="lenient"), [])


def test_unknown_keys_such_as_the_daemon_token_are_ignored() -> None:
    assert parse_settings({"token": "secret", "level": "normal", "other": 1}, DEFAULTS) == (
        ClientSettings(level="normal"),
        [],
    )


@pytest.mark.parametrize("raw", [None, {"tapgap": None}, {}, {"tapgap": {}}])
def test_null_or_empty_settings_keep_the_current_ones(raw: object) -> None:
    assert parse_settings(raw, STRICT) == (STRICT, [])


def test_an_absent_key_keeps_its_value_and_null_or_empty_unsets_it() -> None:
    assert parse_settings({"level": None}, STRICT) == (ClientSettings(config_path="ci/tapgap.toml"), [])
    assert parse_settings({"configPath": ""}, STRICT) == (ClientSettings(level="strict"), [])
    assert parse_settings({"configPath": "  ", "level": ""}, STRICT) == (DEFAULTS, [])


@pytest.mark.parametrize("level", ["hard", "Strict", 3, ["strict"]])
def test_an_invalid_level_is_refused_and_the_current_one_kept(level: object) -> None:
    settings, errors = parse_settings({"level": level, "configPath": "other.toml"}, STRICT)
    assert settings == ClientSettings(level="strict", config_path="other.toml")  # the valid key still applies
    assert len(errors) == 1 and errors[0].startswith('level: expected one of "lenient", "normal", "strict"')


def test_an_invalid_config_path_is_refused_and_the_current_one_kept() -> None:
    settings, errors = parse_settings({"configPath": 42}, STRICT)
    assert settings == STRICT
    assert errors == ["configPath: expected a file path or null, got 42"]


def test_settings_that_are_not_an_object_are_refused() -> None:
    assert parse_settings(["strict"], STRICT) == (STRICT, ['settings: expected an object, got ["strict"]'])
    assert parse_settings({"tapgap": "strict"}, STRICT) == (
        STRICT,
        ['settings: expected an object, got "strict"'],
    )


def test_a_relative_config_path_is_relative_to_the_root(tmp_path: Path) -> None:
    assert ClientSettings(config_path="ci/tapgap.toml").config_file(tmp_path) == tmp_path / "ci/tapgap.toml"
    outside = ClientSettings(config_path="../shared/tapgap.toml").config_file(tmp_path / "project")
    assert outside == tmp_path / "shared/tapgap.toml"  # normalised: known to lie outside the root
    assert ClientSettings(config_path="/etc/tapgap.toml").config_file(tmp_path) == Path("/etc/tapgap.toml")
    assert ClientSettings(config_path="~/tapgap.toml").config_file(tmp_path) == Path.home() / "tapgap.toml"
    assert DEFAULTS.config_file(tmp_path) is None


def test_reading_settings_does_not_import_pygls() -> None:
    probe = "import sys, tapgap.lsp.settings; print('pygls' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
