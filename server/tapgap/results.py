"""The result cache: a whole ``tapgap check`` answer, kept for an unchanged tree.

The per-file facts cache spares the parser; this spares everything after it. The key covers every input of
the answer: the tool's code, the whole configuration, the command's options, the baseline file, and every
file read (the listed schema and test files, and the files they include) by the digest the facts cache
trusts for its unchanged (size, mtime, inode). Any difference is a miss, and the full analysis runs: the
answer can be stale only if a file changed without its size, mtime or inode changing, the same trust git's
index places in them.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import msgspec

from tapgap.store import FactStore

RESULT_KIND = "result"


class CachedResult(msgspec.Struct, frozen=True):
    report: bytes
    exit_code: int
    messages: list[str]  # what the run printed on stderr (not the cache's own warnings)
    extra_files: list[str]  # included files that are not schema or test files themselves
    step_summary: bytes = b""  # for $GITHUB_STEP_SUMMARY, written whenever the variable is set


class _Record(msgspec.Struct, frozen=True, array_like=True):
    # (size, mtime_ns, inode) of each listed file, then of each included one, as the facts cache recorded
    # them when it read the file: the answer holds while every file still has its recorded stat.
    stats: list[tuple[int, int, int]]
    result: CachedResult


def _key(inputs: bytes, names: Sequence[str]) -> bytes:
    key = hashlib.blake2b(inputs, digest_size=20)
    key.update(b"\0".join(name.encode() for name in names))
    return key.digest()


def lookup(inputs: bytes, root: Path, names: Sequence[str], store: FactStore) -> CachedResult | None:
    """The stored answer for ``inputs`` (code, configuration, options) over the files ``names`` (relative to
    ``root``), if no file changed since: one read of the cache and one ``stat`` per file."""
    if not store.enabled:
        return None
    (blob,) = store.get_many_facts([(_key(inputs, names), RESULT_KIND)])
    if blob is None:
        return None
    try:
        record = msgspec.msgpack.decode(zlib.decompress(blob), type=_Record)
    except (zlib.error, msgspec.DecodeError, msgspec.ValidationError):
        return None
    every = [*names, *record.result.extra_files]
    if len(every) != len(record.stats):
        return None
    base = str(root)
    for name, recorded in zip(every, record.stats, strict=True):
        try:
            result = os.stat(os.path.join(base, name))
        except OSError:
            return None
        if (result.st_size, result.st_mtime_ns, result.st_ino) != recorded:
            return None
    return record.result


def save(
    inputs: bytes, root: Path, names: Sequence[str], store: FactStore, result: CachedResult
) -> bytes | None:
    """Store ``result`` for a later :func:`lookup`, unless a file was not read through the facts cache (its
    stat when read is unknown)."""
    if not store.enabled:
        return None
    entries = store.get_stats([*names, *result.extra_files])
    if any(entry is None for entry in entries):
        return None
    stats = [(e.size, e.mtime_ns, e.inode) for e in entries if e is not None]
    key = _key(inputs, names)
    # Reports (JSON above all) compress about tenfold; the cache should stay small next to the SQL it covers.
    store.put_many_facts(
        [(key, RESULT_KIND, zlib.compress(msgspec.msgpack.encode(_Record(stats, result)), 1))]
    )
    return key
