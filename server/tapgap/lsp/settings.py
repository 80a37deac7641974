"""The settings an LSP client gives ``tapgap serve``: ``initializationOptions`` of ``initialize`` and
``settings`` of ``workspace/didChangeConfiguration`` (docs/lsp.md, "Settings from the client").

Only reading and checking them; the session applies them. No pygls here, so that it is tested on its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import msgspec

from tapgap.coverage.requirements import LEVELS, Level

__all__ = ["SECTION", "ClientSettings", "parse_settings"]

SECTION: Final = "tapgap"
"""The settings may come wrapped in ``{"tapgap": {...}}``, as editors send a configuration section."""


class ClientSettings(msgspec.Struct, frozen=True):
    level: Level | None = None  # None: ``--level`` if given, else the configured level
    config_path: str | None = None  # as the client wrote it; None: tapgap.toml or [tool.tapgap] at the root

    def config_file(self, root: Path) -> Path | None:
        """The explicit configuration file, a relative path being relative to ``root``."""
        if self.config_path is None:
            return None
        # Lexically normalised, so that ``../x.toml`` is known to lie outside the root (and be watched there).
        return Path(os.path.normpath(root / Path(self.config_path).expanduser()))


def parse_settings(raw: object, current: ClientSettings) -> tuple[ClientSettings, list[str]]:
    """``current`` updated by the client's ``raw`` settings, and a message for each value that was refused.

    A key that is absent keeps its current value (a client may send only what changed); ``null`` or an empty
    string unsets it. A refused value keeps the current one. Unknown keys (the daemon's ``token``, say) are
    ignored. ``raw`` being ``null`` changes nothing.
    """
    if isinstance(raw, Mapping) and SECTION in raw:
        raw = raw[SECTION]
    if raw is None:
        return current, []
    if not isinstance(raw, Mapping):
        return current, [f"settings: expected an object, got {_describe(raw)}"]
    level, config_path = current.level, current.config_path
    errors: list[str] = []
    if "level" in raw:
        value = raw["level"]
        if value is None or value == "":
            level = None
        elif isinstance(value, str) and value in LEVELS:
            level = value
        else:
            expected = ", ".join(json.dumps(name) for name in LEVELS)
            errors.append(f"level: expected one of {expected} or null, got {_describe(value)}")
    if "configPath" in raw:
        value = raw["configPath"]
        if value is None or (isinstance(value, str) and not value.strip()):
            config_path = None
        elif isinstance(value, str):
            config_path = value
        else:
            errors.append(f"configPath: expected a file path or null, got {_describe(value)}")
    return ClientSettings(level, config_path), errors


def _describe(value: object) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return type(value).__name__
    return text if len(text) <= 60 else f"{text[:57]}..."
