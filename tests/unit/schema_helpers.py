"""Build an inventory from SQL snippets written to a temporary project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tapgap.schema.inventory import Inventory, build_inventory


def inventory_of(tmp_path: Path, *files: str, search_path: tuple[str, ...] = ("public",)) -> Inventory:
    paths = []
    for n, text in enumerate(files):
        path = tmp_path / f"{n:03d}.sql"
        path.write_text(text)
        paths.append(path)
    return build_inventory(tmp_path, paths, search_path=search_path)


def keys(inventory: Inventory, kind: str) -> list[str]:
    return [i.key for i in inventory.items if i.kind == kind]


def attrs(inventory: Inventory, kind: str, key: str) -> dict[str, Any]:
    for item in inventory.items:
        if item.kind == kind and item.key == key:
            return item.attrs
    raise AssertionError(f"no {kind} {key} in {keys(inventory, kind)}")
