"""The LMDB cache of per-file facts: bytes in, bytes out, robust to every cache fault.

A file's facts are a pure function of (its bytes, the tool's code, the fact-relevant configuration). The
caller hashes the bytes into a digest and names the other two in a *namespace*; this module stores the
encoded facts under (namespace, kind, digest), and, like git's index, each file's last seen
(size, mtime, inode) → digest under (namespace, path), so that a warm run need not read unchanged files.

The cache is an optimisation, never a source of wrong answers: every fault (a full or resized map, a corrupt,
truncated or foreign data file, a value whose checksum fails, stale locks of dead processes, an unusable
location) is detected, bypassed, rebuilt where possible, and reported in ``FactStore.warnings``. Layout,
durability settings and the handling of each fault: docs/design/store.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import lmdb
import msgspec

# The layout of this module's records; a store with another layout is cleared, like a foreign namespace.
FORMAT = b"tapgap-store/1"
DATA_FILE = "data.mdb"
LOCK_FILE = "lock.mdb"
DEFAULT_MAP_SIZE = 64 * 2**20
MAX_MAP_SIZE = 4 * 2**30  # the map doubles on demand up to this; beyond it the store stops writing
MAX_READERS = 126  # reader slots: the daemon, a few `tapgap check` runs and their threads

_META = b"meta"
_FACTS = b"facts"
_STATS = b"stats"
_FORMAT_KEY = b"format"
_NAMESPACE_KEY = b"namespace"
# A value is <payload length: u32><crc32 of (logical key, payload): u32><payload>.
_HEADER = struct.Struct("<II")
# Resizes and growth within one operation before giving up (64 MiB → 4 GiB is six doublings).
_ATTEMPTS = 16
# Rebuilds within one process before running without a cache (a cache that keeps breaking is not helping).
_MAX_REBUILDS = 2
# A process that dies inside a read leaves this marker (plus its pid) behind; see _check_markers.
_READING = "reading."
# LMDB errors that mean the files cannot be trusted: move them aside and start afresh.
_CORRUPTION: tuple[type[lmdb.Error], ...] = (
    lmdb.CorruptedError,
    lmdb.InvalidError,
    lmdb.PageNotFoundError,
    lmdb.PanicError,
    lmdb.VersionMismatchError,
    lmdb.IncompatibleError,
)

T = TypeVar("T")
R = TypeVar("R")
if TYPE_CHECKING:  # the binding's classes are not subscriptable at run time
    Txn: TypeAlias = lmdb.Transaction[memoryview]
    Dbs: TypeAlias = tuple[lmdb._Database, lmdb._Database, lmdb._Database]  # meta, facts, stats


class StatEntry(msgspec.Struct, frozen=True, array_like=True):
    """A file's stat when its digest was computed: an unchanged (size, mtime, inode) lets a warm run trust the
    digest without reading the file (like git's index)."""

    size: int
    mtime_ns: int
    inode: int
    digest: bytes


_STAT_ENCODER = msgspec.msgpack.Encoder()
_STAT_DECODER = msgspec.msgpack.Decoder(StatEntry)


@dataclass
class StoreEvents:
    """What the store did besides plain reads and writes (for ``--stats`` and tests)."""

    map_grown: int = 0  # MapFullError → the map was doubled
    map_adopted: int = 0  # MapResizedError → another process's larger map was adopted
    stale_readers_cleared: int = 0  # reader slots of dead processes freed
    bad_values: int = 0  # values whose length or checksum did not match
    rebuilds: int = 0  # the files were moved aside and a fresh store created


class _Corrupt(Exception):
    """The cache's files cannot be trusted: move them aside and start afresh."""

    keep = True  # keep the old data file as data.mdb.broken (for a bug report)


class _NearCap(_Corrupt):
    """The data file has nearly reached the size cap: start afresh, discarding it."""

    keep = False


class _Unusable(Exception):
    """The cache cannot be used (for this operation, or at all): go on without it."""


class FactStore:
    """LMDB-backed store of encoded per-file facts and file stats, keyed under a namespace.

    ``namespace`` names the tool version and the configuration fingerprint: entries of another namespace
    are never served, and opening a store written under another namespace clears it. All methods are
    thread-safe (one lock) and never raise on a cache fault: they miss, drop the write, and add a warning.
    Do not use a store across ``fork()``: open it in the process that uses it.
    """

    warnings: list[str]
    events: StoreEvents

    def __init__(
        self,
        path: Path,
        *,
        namespace: bytes,
        map_size: int = DEFAULT_MAP_SIZE,
        max_map_size: int = MAX_MAP_SIZE,
    ) -> None:
        if not namespace:
            raise ValueError("namespace must not be empty")
        self._setup(Path(path), bytes(namespace), map_size, max_map_size)
        self._open()

    @classmethod
    def disabled(cls) -> FactStore:
        """A store that misses every read and drops every write, touching no file (``--no-cache``)."""
        store = cls.__new__(cls)
        store._setup(Path(), b"", DEFAULT_MAP_SIZE, MAX_MAP_SIZE)
        return store

    def _setup(self, path: Path, namespace: bytes, map_size: int, max_map_size: int) -> None:
        self.path = path
        self.namespace = namespace
        self.warnings = []
        self.events = StoreEvents()
        self._ns = hashlib.blake2b(namespace, digest_size=8).digest()
        self._map_size = max(map_size, 2**20)
        self._max_map_size = max(max_map_size, self._map_size)
        self._lock = threading.RLock()
        self._env: lmdb.Environment | None = None
        self._dbs: Dbs | None = None
        self._data_id: tuple[int, int] | None = None
        self._writable = False
        self._max_key = 511
        self._marker: Path | None = None

    # --- public API ------------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether the store is backed by files (False when disabled, closed, or given up on)."""
        return self._env is not None

    def get_facts(self, digest: bytes, kind: str) -> bytes | None:
        return self.get_many_facts([(digest, kind)])[0]

    def get_many_facts(self, keys: Sequence[tuple[bytes, str]]) -> list[bytes | None]:
        """The stored value of each (digest, kind), or None; in one read transaction."""
        if not keys:
            return []
        wanted = [self._fact_key(digest, kind) for digest, kind in keys]

        def body(txn: Txn, dbs: Dbs) -> tuple[list[bytes | None], int]:
            found: list[bytes | None] = []
            bad = 0
            for key in wanted:
                raw = txn.get(key, db=dbs[1])
                value = None if raw is None else _unframe(key, raw)
                bad += raw is not None and value is None
                found.append(value)
            return found, bad

        return self._read(body, [None] * len(keys), "facts")

    def put_many_facts(self, items: Sequence[tuple[bytes, str, bytes]]) -> None:
        """Store each (digest, kind, value); in one write transaction."""
        if not items or not self._writable:
            return
        records = []
        for digest, kind, value in items:
            key = self._fact_key(digest, kind)
            records.append((key, _frame(key, value)))
        self._write(lambda txn, dbs: _put_all(txn, dbs[1], records))

    def get_stats(self, paths: Sequence[str]) -> list[StatEntry | None]:
        """The stored stat of each path (relative to the project root), or None; in one read transaction."""
        if not paths:
            return []
        wanted = [self._stat_key(path) for path in paths]

        def body(txn: Txn, dbs: Dbs) -> tuple[list[StatEntry | None], int]:
            found: list[StatEntry | None] = []
            bad = 0
            for key, logical in wanted:
                raw = txn.get(key, db=dbs[2])
                entry = None
                if raw is not None:
                    value = _unframe(logical, raw)
                    if value is not None:
                        try:
                            entry = _STAT_DECODER.decode(value)
                        except (msgspec.DecodeError, msgspec.ValidationError):
                            entry = None
                    bad += entry is None
                found.append(entry)
            return found, bad

        return self._read(body, [None] * len(paths), "file stats")

    def put_stats(self, items: Sequence[tuple[str, StatEntry]]) -> None:
        if not items or not self._writable:
            return
        records = []
        for path, entry in items:
            key, logical = self._stat_key(path)
            records.append((key, _frame(logical, _STAT_ENCODER.encode(entry))))
        self._write(lambda txn, dbs: _put_all(txn, dbs[2], records))

    def drop_stats(self, paths: Sequence[str]) -> None:
        if not paths or not self._writable:
            return
        keys = [self._stat_key(path)[0] for path in paths]

        def body(txn: Txn, dbs: Dbs) -> None:
            for key in keys:
                txn.delete(key, db=dbs[2])

        self._write(body)

    def prune_facts(self, keep: Iterable[tuple[bytes, str]]) -> int:
        """Delete every facts entry but those of ``keep`` (the facts of the files that exist now), so that
        the cache does not grow with every edit. Returns how many entries were deleted."""
        if not self._writable:
            return 0
        kept = {self._fact_key(digest, kind) for digest, kind in keep}

        def body(txn: Txn, dbs: Dbs) -> int:
            keys = (bytes(key) for key in txn.cursor(db=dbs[1]).iternext(keys=True, values=False))
            doomed = [key for key in keys if key not in kept]
            for key in doomed:
                txn.delete(key, db=dbs[1])
            return len(doomed)

        result = self._write(body)
        return result if result is not None else 0

    def entries(self) -> dict[str, int]:
        """How many facts and stats entries the store holds (all namespaces)."""

        def body(txn: Txn, dbs: Dbs) -> tuple[dict[str, int], int]:
            return {"facts": txn.stat(dbs[1])["entries"], "stats": txn.stat(dbs[2])["entries"]}, 0

        return self._read(body, {"facts": 0, "stats": 0}, "counts")

    def size_bytes(self) -> int:
        """Size of the data file on disk, also after close() (0 for a disabled store)."""
        if not self.namespace:
            return 0
        try:
            return (self.path / DATA_FILE).stat().st_size
        except OSError:
            return 0

    def close(self) -> None:
        with self._lock:
            self._close_env()

    def __enter__(self) -> FactStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- keys and values -------------------------------------------------------------------------------

    def _fact_key(self, digest: bytes, kind: str) -> bytes:
        key = self._ns + kind.encode() + b"\0" + digest
        if len(key) > self._max_key:
            raise ValueError(f"facts key too long ({len(key)} bytes): digest of {len(digest)} bytes")
        return key

    def _stat_key(self, path: str) -> tuple[bytes, bytes]:
        """(the key stored, the logical key the checksum covers). A path too long for an LMDB key is stored
        under its hash; the checksum still covers the whole path, so two paths can never share an entry."""
        logical = self._ns + path.encode("utf-8", "surrogateescape")
        if len(logical) <= self._max_key:
            return logical, logical
        return self._ns + b"\0" + hashlib.blake2b(logical, digest_size=24).digest(), logical

    # --- transactions and faults -----------------------------------------------------------------------

    def _read(self, body: Callable[[Txn, Dbs], tuple[R, int]], default: R, what: str) -> R:
        """Run a read ``body`` that returns (result, number of values that failed their checksum)."""
        with self._lock:
            if self._env is None:
                return default
            self._enter_read()
            try:
                result, bad = self._transact(False, body)
            except _Corrupt as exc:
                self._rebuild(exc)
                return default
            except _Unusable as exc:
                self._give_up(str(exc))
                return default
            finally:
                self._leave_read()
            if bad:
                # The values that passed their checksum are right; the file is not to be trusted further.
                self.events.bad_values += bad
                self._rebuild(_Corrupt(f"{bad} {what} value{'s' if bad != 1 else ''} failed the checksum"))
            return result

    def _transact(self, write: bool, body: Callable[[Txn, Dbs], T]) -> T:
        """Run ``body`` in one transaction, adopting or growing the map as LMDB asks. Raises _Corrupt or
        _Unusable for the caller to handle."""
        for _ in range(_ATTEMPTS):
            env, dbs = self._env, self._dbs
            if env is None or dbs is None:
                raise _Unusable("the cache is closed")
            try:
                with env.begin(write=write, buffers=True) as txn:
                    return body(txn, dbs)
            except lmdb.MapResizedError:
                # Another process grew the map beyond ours: adopt its size (no transaction is open here).
                self.events.map_adopted += 1
                self._call(env.set_mapsize, 0)
            except lmdb.MapFullError:
                self._grow(env)
            except lmdb.ReadersFullError as exc:
                if self._call(env.reader_check) == 0:
                    raise _Unusable("every LMDB reader slot is in use") from exc
            except _CORRUPTION as exc:
                raise _Corrupt(_describe(exc)) from exc
            except lmdb.Error as exc:
                raise _Unusable(_describe(exc)) from exc
        raise _Unusable("the map kept changing size")

    def _call(self, method: Callable[..., T], *args: object) -> T:
        try:
            return method(*args)
        except lmdb.Error as exc:
            raise _Unusable(_describe(exc)) from exc

    def _grow(self, env: lmdb.Environment) -> None:
        size = self._call(env.info)["map_size"]
        if size >= self._max_map_size:
            raise _Unusable(f"the cache reached its size cap ({self._max_map_size // 2**20} MiB)")
        # Stale readers pin old pages; freeing their slots lets the retried write reuse those pages.
        self._clear_stale_readers(env)
        self._call(env.set_mapsize, min(size * 2, self._max_map_size))
        self.events.map_grown += 1

    def _write(self, body: Callable[[Txn, Dbs], T]) -> T | None:
        with self._lock:
            for _ in range(2):  # a second time in the fresh store after a rebuild
                if self._env is None or not self._writable:
                    return None
                try:
                    return self._transact(True, body)
                except _Corrupt as exc:
                    self._rebuild(exc)
                except _Unusable as exc:
                    self._writable = False
                    self._warn(f"{exc}; no longer writing to it in this run")
                    return None
            return None

    # --- opening, rebuilding, giving up ----------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._give_up(f"cannot create it: {exc.strerror or exc}")
            return
        for _ in range(_MAX_REBUILDS + 1):
            try:
                self._open_env()
                return
            except _Corrupt as exc:
                if not self._move_aside(exc):
                    return
            except _Unusable as exc:
                self._give_up(str(exc))
                return
        self._give_up("it is still unusable after being rebuilt")

    def _open_env(self) -> None:
        data = self.path / DATA_FILE
        self._data_id = _file_id(data)
        try:
            env = lmdb.open(
                str(self.path),
                map_size=self._map_size,
                subdir=True,
                readonly=False,
                create=True,
                lock=True,
                # Durability (docs/design/store.md): data pages are fsync'd before the meta page points at
                # them; the meta page itself is flushed by the next commit. A power loss may undo the last
                # commit but never leaves a meta page pointing at unwritten pages.
                sync=True,
                metasync=False,
                writemap=False,
                map_async=False,
                readahead=False,
                max_readers=MAX_READERS,
                max_dbs=4,
                max_spare_txns=1,
            )
        except _CORRUPTION as exc:
            raise _Corrupt(_describe(exc)) from exc
        except (lmdb.Error, OSError) as exc:
            raise _Unusable(_describe(exc)) from exc
        self._env = env
        self._data_id = _file_id(data)
        try:
            self._check_length(env, data)
            self._check_markers()
            self._clear_stale_readers(env)
            self._max_key = env.max_key_size()
            self._writable = True
            self._dbs = self._prepare(env)
        except BaseException:
            self._close_env()
            raise

    def _check_length(self, env: lmdb.Environment, data: Path) -> None:
        """A data file shorter than its last page (truncated, or copied half-way) must not be read: LMDB
        maps it and touching a page past its end kills the process (SIGBUS)."""
        try:
            last_page = env.info()["last_pgno"]
            page_size = env.stat()["psize"]
            size = data.stat().st_size  # after reading the meta: the file only grows meanwhile
        except (lmdb.Error, OSError) as exc:
            raise _Corrupt(_describe(exc)) from exc
        needed = (last_page + 1) * page_size
        if size < needed:
            raise _Corrupt(f"its data file is truncated ({size} of {needed} bytes)")
        if needed > self._max_map_size * 9 // 10:
            raise _NearCap(f"the cache has nearly reached its size cap ({needed // 2**20} MiB)")

    def _check_markers(self) -> None:
        """A process that died inside a read of this cache may have been killed by it (LMDB trusts its
        pages: a damaged page can crash a reader). Rebuild rather than crash every run after it."""
        if os.name == "nt":
            return
        try:
            names = [name for name in os.listdir(self.path) if name.startswith(_READING)]
        except OSError:
            return
        dead = []
        for name in names:
            pid = name[len(_READING) :]
            if pid.isdigit() and not _alive(int(pid)):
                dead.append(pid)
                with contextlib.suppress(OSError):
                    os.unlink(self.path / name)
        if dead:
            raise _Corrupt(f"process {', '.join(dead)} died while reading it")

    def _clear_stale_readers(self, env: lmdb.Environment) -> None:
        cleared = self._call(env.reader_check)
        if cleared:
            self.events.stale_readers_cleared += cleared
            self._warn(
                f"cleared {cleared} reader slot{'s' if cleared != 1 else ''} left by a process that died"
            )

    def _prepare(self, env: lmdb.Environment) -> tuple[lmdb._Database, lmdb._Database, lmdb._Database]:
        """Open the sub-databases; on a new store, or one of another layout or namespace, (re)initialise."""
        # One write transaction: py-lmdb keeps no handle opened in a read-only one. When the databases and
        # the meta record are already right it writes nothing, so its commit costs no disk flush.
        for _ in range(_ATTEMPTS):
            try:
                with env.begin(write=True) as txn:
                    meta, facts, stats = (env.open_db(name, txn=txn) for name in _NAMES)
                    layout = txn.get(_FORMAT_KEY, db=meta)
                    owner = txn.get(_NAMESPACE_KEY, db=meta)
                    if layout == FORMAT and owner == self.namespace:
                        return meta, facts, stats
                    had_data = txn.stat(facts)["entries"] + txn.stat(stats)["entries"] > 0
                    txn.drop(facts, delete=False)
                    txn.drop(stats, delete=False)
                    txn.put(_FORMAT_KEY, FORMAT, db=meta)
                    txn.put(_NAMESPACE_KEY, self.namespace, db=meta)
                if layout is not None and layout != FORMAT:
                    self._warn(f"it has another layout ({_show(layout)}, now {_show(FORMAT)}); rebuilt")
                elif owner is not None:
                    self._warn(f"written by tapgap {_show(owner)} (this is {_show(self.namespace)}); rebuilt")
                elif had_data:
                    self._warn("it had no namespace record; rebuilt")
                return meta, facts, stats
            except lmdb.MapResizedError:
                self.events.map_adopted += 1
                self._call(env.set_mapsize, 0)
            except lmdb.MapFullError:
                self._grow(env)
            except _CORRUPTION as exc:
                raise _Corrupt(_describe(exc)) from exc
            except lmdb.Error as exc:
                raise _Unusable(_describe(exc)) from exc
        raise _Unusable("the map kept changing size")

    def _rebuild(self, why: _Corrupt) -> None:
        """Move the damaged files aside and open a fresh store in their place (or give up)."""
        self._close_env()
        if self.events.rebuilds >= _MAX_REBUILDS:
            self._give_up(f"{why}; it keeps breaking")
            return
        if self._move_aside(why):
            try:
                self._open_env()
            except (_Corrupt, _Unusable) as exc:
                self._give_up(str(exc))

    def _move_aside(self, why: _Corrupt) -> bool:
        """Rename the data file to data.mdb.broken (replacing an older one) and remove the lock file, unless
        another process already replaced them. Only the store's own files are touched, never the folder."""
        self.events.rebuilds += 1
        data, lock = self.path / DATA_FILE, self.path / LOCK_FILE
        aside = self.path / (DATA_FILE + ".broken")
        try:
            current = _file_id(data)
            if current == self._data_id:  # else another process has replaced it already: use theirs
                if current is not None and why.keep:
                    os.replace(data, aside)
                elif current is not None:
                    data.unlink()
                # Processes that still have the old files open keep them (their own inodes); a new lock
                # file must go with the new data file.
                lock.unlink(missing_ok=True)
        except OSError as exc:
            self._give_up(f"{why}, and it cannot be moved aside: {exc.strerror or exc}")
            return False
        self._warn(f"{why}; moved aside and rebuilt")
        return True

    def _give_up(self, why: str) -> None:
        self._close_env()
        self._warn(f"{why}; running without a cache")

    def _close_env(self) -> None:
        env, self._env, self._dbs, self._writable = self._env, None, None, False
        if env is not None:
            with contextlib.suppress(lmdb.Error):
                env.close()

    def _warn(self, message: str) -> None:
        self.warnings.append(f"cache {self.path}: {message}")

    # --- crash markers around reads --------------------------------------------------------------------

    def _enter_read(self) -> None:
        if os.name == "nt":  # no os.kill(pid, 0) to tell a dead process there
            return
        marker = self.path / f"{_READING}{os.getpid()}"
        try:
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT, 0o644))
        except OSError:
            return
        self._marker = marker

    def _leave_read(self) -> None:
        marker, self._marker = self._marker, None
        if marker is not None:
            with contextlib.suppress(OSError):
                os.unlink(marker)


_NAMES = (_META, _FACTS, _STATS)


def _put_all(txn: Txn, db: lmdb._Database, records: list[tuple[bytes, bytes]]) -> None:
    for key, value in records:
        txn.put(key, value, db=db)


def _frame(logical_key: bytes, payload: bytes) -> bytes:
    return _HEADER.pack(len(payload), zlib.crc32(payload, zlib.crc32(logical_key))) + payload


def _unframe(logical_key: bytes, raw: memoryview) -> bytes | None:
    """The payload, or None when its length or checksum is wrong. The length is checked before the payload
    is touched: a damaged length must not make us read past the end of the mapped file."""
    if len(raw) < _HEADER.size:
        return None
    length, checksum = _HEADER.unpack_from(raw)
    if length != len(raw) - _HEADER.size:
        return None
    payload = raw[_HEADER.size :]
    if zlib.crc32(payload, zlib.crc32(logical_key)) != checksum:
        return None
    return bytes(payload)


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, lmdb.Error) else str(exc)


def _show(value: bytes) -> str:
    text = value.decode("utf-8", "backslashreplace")
    return text if len(text) <= 80 else text[:77] + "..."
