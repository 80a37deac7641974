"""Inventory reports: plain text for people, JSON for scripts and the oracle tests."""

from __future__ import annotations

from itertools import groupby

import msgspec

from tapgap.schema.inventory import Inventory, InventoryItem

INVENTORY_SCHEMA_VERSION = 1


def render_inventory_json(inventory: Inventory) -> bytes:
    return msgspec.json.encode(
        {
            "version": INVENTORY_SCHEMA_VERSION,
            "objects": inventory.items,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "file": f.file,
                    "line": f.span.line + 1,
                    "column": f.span.col + 1,
                    "message": f.message,
                }
                for f in inventory.findings
            ],
            "summary": {"files": inventory.files, "statements": inventory.statements},
        }
    )


def _attrs(item: InventoryItem) -> str:
    parts = []
    for name, value in item.attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(name)
        elif isinstance(value, list):
            parts.append(f"{name}=[{', '.join(map(str, value))}]")
        else:
            parts.append(f"{name}={value}")
    return "  ".join(parts)


def render_inventory_text(inventory: Inventory, layout: str) -> str:
    lines = [f"{layout}; {inventory.files} files, {inventory.statements} statements", ""]
    for kind, group in groupby(inventory.items, key=lambda i: i.kind):
        members = list(group)
        lines.append(f"{kind} ({len(members)})")
        for item in members:
            where = f"{item.file}:{item.line}" if item.file else "(outside the project)"
            attrs = _attrs(item)
            lines.append(f"  {item.key}{'  ' + attrs if attrs else ''}  — {where}")
        lines.append("")
    if inventory.findings:
        lines.append(f"findings ({len(inventory.findings)})")
        for f in sorted(inventory.findings, key=lambda f: (f.file, f.span.start)):
            lines.append(f"  {f.position()}: {f.code} {f.message}")
        lines.append("")
    return "\n".join(lines)
