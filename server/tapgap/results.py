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

from tapgap.files import relative
from tapgap.store import FactStore

RESULT_KIND = "result"


class CachedResult(msgspec.Struct, frozen=True):
    report: bytes
    exit_code: int
    messages: list[str]  # what the run printed on stderr (not the cache's own warnings)
    extra_files: list[str]  # included files that are not schema or test files themselves
    step_summary: bytes = b""  # for $GITHUB_STEP_SUMMARY, written whenever the variable is set


def _stat_digests(root: Path, paths: Sequence[Path], store: FactStore) -> list[bytes] | None:
    names = [relative(root, p) for p in paths]
    known = store.get_stats(names)
    digests = []
    for path, name, entry in zip(paths, names, known, strict=True):
        if entry is None:
            return None
        try:
            result = os.stat(path)
        except OSError:
            return None
        if (entry.size, entry.mtime_ns, entry.inode) != (result.st_size, result.st_mtime_ns, result.st_ino):
            return None
        digests.append(name.encode() + b"\0" + entry.digest)
    return digests


def result_key(inputs: bytes, root: Path, files: Sequence[Path], store: FactStore) -> bytes | None:
    """The key of the answer for ``inputs`` (code, configuration, options) over ``files``; None when a file is
    not known to the facts cache as it is now."""
    digests = _stat_digests(root, files, store)
    if digests is None:
        return None
    key = hashlib.blake2b(inputs, digest_size=20)
    for digest in digests:
        key.update(digest)
    return key.digest()


def lookup(inputs: bytes, root: Path, files: Sequence[Path], store: FactStore) -> CachedResult | None:
    if not store.enabled:
        return None
    key = result_key(inputs, root, files, store)
    if key is None:
        return None
    (blob,) = store.get_many_facts([(key, RESULT_KIND)])
    if blob is None:
        return None
    try:
        cached = msgspec.msgpack.decode(zlib.decompress(blob), type=CachedResult)
    except (zlib.error, msgspec.DecodeError, msgspec.ValidationError):
        return None
    extra = [root / name for name in cached.extra_files]
    # The included files must be unchanged too: the key of the main files with them must match.
    if extra and result_key(inputs + b"extra", root, [*files, *extra], store) is None:
        return None
    return cached


def save(
    inputs: bytes, root: Path, files: Sequence[Path], store: FactStore, result: CachedResult
) -> bytes | None:
    if not store.enabled:
        return None
    key = result_key(inputs, root, files, store)
    if key is None:
        return None
    # Reports (JSON above all) compress about tenfold; the cache should stay small next to the SQL it covers.
    store.put_many_facts([(key, RESULT_KIND, zlib.compress(msgspec.msgpack.encode(result), 1))])
    return key
