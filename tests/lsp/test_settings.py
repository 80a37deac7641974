"""Settings from the client (level, configPath): initializationOptions and didChangeConfiguration, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import codes, request, start_session, wait_until

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio(loop_scope="function")]

TABLES = "migrations/20240102000000_tables.sql"
REQUIREMENTS = {"lenient": 41, "normal": 98, "strict": 227}  # of the example, at each level


def change_settings(client: LanguageClient, settings: Any) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))


async def summary_level(client: LanguageClient) -> str:
    answer = await request(client, "tapgap/summary")
    assert answer["total"]["requirements"] == REQUIREMENTS[answer["level"]]
    return str(answer["level"])


def errors(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def test_initialization_options_level_wins_over_the_configured_level(unstarted: LanguageClient) -> None:
    root: Path = unstarted.root  # type: ignore[attr-defined]
    (root / "tapgap.toml").write_text('level = "lenient"\n')
    await start_session(unstarted, root, {"level": "strict", "configPath": None})
    assert await summary_level(unstarted) == "strict"


async def test_initialization_options_config_path_replaces_tapgap_toml(unstarted: LanguageClient) -> None:
    root: Path = unstarted.root  # type: ignore[attr-defined]
    (root / "tapgap.toml").write_text('level = "strict"\n')
    (root / "ci").mkdir()
    (root / "ci" / "tapgap-ci.toml").write_text('level = "lenient"\n')
    await start_session(unstarted, root, {"configPath": "ci/tapgap-ci.toml", "level": ""})
    assert await summary_level(unstarted) == "lenient"


async def test_did_change_configuration_switches_the_level_and_sends_coverage_changed(
    client: LanguageClient,
) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: codes(client, root, TABLES))
    coverage: list[Any] = client.coverage  # type: ignore[attr-defined]
    assert await summary_level(client) == "normal" and not coverage

    change_settings(client, {"tapgap": {"level": "strict", "configPath": None}})
    await wait_until(lambda: coverage)
    assert coverage[-1]["total"]["requirements"] == REQUIREMENTS["strict"]
    assert await summary_level(client) == "strict"

    change_settings(client, None)  # null: the settings stay as they are
    change_settings(client, {"level": None})  # unwrapped; null unsets: back to the configured level
    await wait_until(lambda: len(coverage) == 2)
    assert await summary_level(client) == "normal"


async def test_an_invalid_level_is_reported_and_the_level_kept(client: LanguageClient) -> None:
    coverage: list[Any] = client.coverage  # type: ignore[attr-defined]
    change_settings(client, {"tapgap": {"level": "hard"}})
    shown = await wait_until(lambda: errors(client))
    assert shown == [
        'tapgap: settings: level: expected one of "lenient", "normal", "strict" or null, got "hard"'
    ]
    assert await summary_level(client) == "normal" and not coverage


async def test_a_missing_config_file_keeps_the_configuration_until_it_appears(client: LanguageClient) -> None:
    root: Path = client.root  # type: ignore[attr-defined]
    await wait_until(lambda: codes(client, root, TABLES))
    change_settings(client, {"tapgap": {"configPath": "tapgap-ci.toml"}})
    shown = await wait_until(lambda: errors(client))
    assert len(shown) == 1 and "tapgap-ci.toml: cannot read" in shown[0]
    assert await summary_level(client) == "normal"

    (root / "tapgap-ci.toml").write_text(
        'level = "lenient"\n'
    )  # the file named by the client changes on disk
    coverage: list[Any] = client.coverage  # type: ignore[attr-defined]
    await wait_until(lambda: coverage)
    assert await summary_level(client) == "lenient"


async def test_a_config_file_outside_the_root_is_watched(unstarted: LanguageClient, tmp_path: Path) -> None:
    root: Path = unstarted.root  # type: ignore[attr-defined]
    elsewhere = tmp_path / "elsewhere" / "tapgap.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('level = "lenient"\n')
    await start_session(unstarted, root, {"tapgap": {"configPath": str(elsewhere)}})
    assert await summary_level(unstarted) == "lenient"

    elsewhere.write_text('level = "strict"\n')
    coverage: list[Any] = unstarted.coverage  # type: ignore[attr-defined]
    await wait_until(lambda: coverage)
    assert await summary_level(unstarted) == "strict"


async def test_a_project_that_failed_to_load_at_start_loads_once_the_settings_are_fixed(
    unstarted: LanguageClient,
) -> None:
    root: Path = unstarted.root  # type: ignore[attr-defined]
    await start_session(unstarted, root, {"configPath": "missing.toml"})
    shown = await wait_until(lambda: errors(unstarted))
    assert "missing.toml: cannot read" in shown[0]

    change_settings(unstarted, {"tapgap": {"configPath": None}})
    await wait_until(lambda: codes(unstarted, root, TABLES))
    assert await summary_level(unstarted) == "normal"
