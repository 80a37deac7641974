"""Which files make up a project: from the configuration's globs, or the detected layout."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import msgspec

from tapgap import config as cfg
from tapgap.files import relative
from tapgap.project import detect_layout
from tapgap.store import FactStore


def project_files(root: Path, loaded: cfg.LoadedConfig) -> tuple[list[Path], list[Path], str]:
    """The schema files (in application order) and test files, from the config or the detected layout."""
    configured = cfg.resolve_files(root, loaded.config)
    if configured is not None:
        schema, tests = configured
        return schema, tests, f"files from {loaded.source}"
    layout = detect_layout(root)
    excluded = cfg.excluded_file_predicate(root, loaded.config)
    schema = [p for p in layout.schema_files if not excluded(p)]
    tests = [p for p in layout.test_files if not excluded(p)]
    return schema, tests, f"detected {layout.description}"


class _Listing(msgspec.Struct, frozen=True, array_like=True):
    folders: list[tuple[str, int]]  # every folder the detection looked into, with its mtime
    names: list[str]  # schema files in application order, then test files; relative to the root


LISTING_KIND = "listing"


def listed_names(root: Path, loaded: cfg.LoadedConfig, store: FactStore) -> list[str]:
    """The names (relative to ``root``, POSIX) of ``project_files``, schema then tests, remembered in the cache
    for a detected layout: while no folder the detection walked has a new modification time, no file was
    added, removed or renamed, and the walk is skipped (thousands of directory entries on a big project).
    Names, not paths: a warm run only looks them up, and building thousands of ``Path`` objects costs more
    than the rest of the lookup."""
    if not store.enabled or cfg.resolve_files(root, loaded.config) is not None:
        schema, tests, _ = project_files(root, loaded)
        return [relative(root, path) for path in [*schema, *tests]]
    key = listing_key(root, loaded)
    (blob,) = store.get_many_facts([(key, LISTING_KIND)])
    if blob is not None:
        try:
            listing = msgspec.msgpack.decode(blob, type=_Listing)
        except (msgspec.DecodeError, msgspec.ValidationError):
            listing = None
        if listing is not None and all(_mtime(folder) == mtime for folder, mtime in listing.folders):
            return listing.names
    layout = detect_layout(root)
    excluded = cfg.excluded_file_predicate(root, loaded.config)
    names = [relative(root, p) for p in [*layout.schema_files, *layout.test_files] if not excluded(p)]
    folders = [(folder, mtime) for folder in layout.watched if (mtime := _mtime(folder)) is not None]
    if len(folders) == len(layout.watched):
        store.put_many_facts([(key, LISTING_KIND, msgspec.msgpack.encode(_Listing(folders, names)))])
    return names


def listing_key(root: Path, loaded: cfg.LoadedConfig) -> bytes:
    return hashlib.blake2b(
        str(root.absolute()).encode() + b"\0" + msgspec.json.encode(loaded.config)
    ).digest()


def _mtime(folder: str) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None
