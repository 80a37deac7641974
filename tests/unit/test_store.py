"""The LMDB fact store: round trips, and each cache fault detected, bypassed with a warning, and rebuilt.

Faults that involve other processes (a grown map, killed readers and writers, concurrent use) use real
processes started with ``spawn``, as the daemon and a ``tapgap check`` would be.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any

import lmdb
import pytest

from tapgap.store import DATA_FILE, FORMAT, FactStore, StatEntry

NS = b"tapgap 0.1.0:cfg-aaaa"
OTHER_NS = b"tapgap 0.2.0:cfg-bbbb"
SPAWN = multiprocessing.get_context("spawn")


def digest(n: int) -> bytes:
    return hashlib.blake2b(b"file %d" % n, digest_size=16).digest()


def payload(n: int, size: int = 1000) -> bytes:
    seed = hashlib.blake2b(b"payload %d" % n).digest()
    return (seed * (size // len(seed) + 1))[:size]


def stat_of(n: int) -> StatEntry:
    return StatEntry(size=100 + n, mtime_ns=1_700_000_000_000_000_000 + n, inode=5000 + n, digest=digest(n))


def fill(store: FactStore, count: int, size: int = 1000) -> None:
    store.put_many_facts([(digest(n), "schema", payload(n, size)) for n in range(count)])
    store.put_stats([(f"schema/file_{n}.sql", stat_of(n)) for n in range(count)])


def facts_of(store: FactStore, count: int) -> list[bytes | None]:
    return store.get_many_facts([(digest(n), "schema") for n in range(count)])


def run_in_child(target: Callable[..., None], *args: Any, timeout: float = 60) -> Any:
    """Run ``target(queue, *args)`` in a spawned process; return what it put on the queue."""
    queue = SPAWN.Queue()
    process = SPAWN.Process(target=target, args=(queue, *args))
    process.start()
    deadline = time.monotonic() + timeout
    try:
        while True:  # poll, so that a child killed by a signal fails the test at once
            try:
                result = queue.get(timeout=0.1)
                break
            except Empty:
                assert process.is_alive() or not queue.empty(), (
                    f"child died with exit code {process.exitcode}"
                )
                assert time.monotonic() < deadline, "child timed out"
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
    assert process.exitcode == 0, f"child died with exit code {process.exitcode}"
    return result


# --- the API -------------------------------------------------------------------------------------------


def test_round_trip_of_facts_and_stats(tmp_path: Path) -> None:
    with FactStore(tmp_path / "cache", namespace=NS) as store:
        fill(store, 50)
        store.put_many_facts([(digest(1), "test", b"test facts")])
        assert facts_of(store, 50) == [payload(n) for n in range(50)]
        assert store.get_facts(digest(1), "test") == b"test facts"  # kinds are separate keys
        assert store.get_facts(digest(99), "schema") is None
        assert store.get_stats(["schema/file_3.sql", "nope.sql"]) == [stat_of(3), None]
        store.drop_stats(["schema/file_3.sql"])
        assert store.get_stats(["schema/file_3.sql"]) == [None]
        assert store.get_many_facts([]) == [] and store.get_stats([]) == []
        assert store.entries() == {"facts": 51, "stats": 49}
        assert store.size_bytes() > 50_000
        assert store.warnings == []
    assert store.size_bytes() > 50_000  # also after close(), for --stats
    # ... and again after reopening (a warm run)
    with FactStore(tmp_path / "cache", namespace=NS) as store:
        assert facts_of(store, 50) == [payload(n) for n in range(50)]
        assert store.get_stats(["schema/file_7.sql"]) == [stat_of(7)]
        assert store.warnings == []


def test_paths_too_long_for_a_key_and_undecodable_paths_round_trip(tmp_path: Path) -> None:
    long_a = "d/" * 300 + "a.sql"
    long_b = "d/" * 300 + "b.sql"
    odd = os.fsdecode(b"schema/caf\xe9.sql")  # not UTF-8: a surrogate escape
    with FactStore(tmp_path / "cache", namespace=NS) as store:
        store.put_stats([(long_a, stat_of(1)), (long_b, stat_of(2)), (odd, stat_of(3))])
        assert store.get_stats([long_a, long_b, odd]) == [stat_of(1), stat_of(2), stat_of(3)]
        store.drop_stats([long_a])
        assert store.get_stats([long_a, long_b]) == [None, stat_of(2)]
        assert store.warnings == []


def test_prune_facts_keeps_only_the_live_entries(tmp_path: Path) -> None:
    with FactStore(tmp_path / "cache", namespace=NS) as store:
        fill(store, 20)
        assert store.prune_facts([(digest(n), "schema") for n in range(5)]) == 15
        assert facts_of(store, 20) == [payload(n) for n in range(5)] + [None] * 15


def test_disabled_store_misses_every_read_drops_every_write_and_touches_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = FactStore.disabled()
    fill(store, 3)
    assert facts_of(store, 3) == [None] * 3
    assert store.get_stats(["schema/file_1.sql"]) == [None]
    assert store.size_bytes() == 0 and not store.enabled and store.warnings == []
    store.close()
    assert list(tmp_path.iterdir()) == []


def test_warm_read_of_5000_stats_and_5000_facts_is_fast(tmp_path: Path) -> None:
    with FactStore(tmp_path / "cache", namespace=NS) as store:
        fill(store, 5000, size=1024)
    started = time.perf_counter()
    with FactStore(tmp_path / "cache", namespace=NS) as store:
        stats = store.get_stats([f"schema/file_{n}.sql" for n in range(5000)])
        values = store.get_many_facts([(entry.digest, "schema") for entry in stats if entry is not None])
    elapsed = time.perf_counter() - started
    assert len(values) == 5000 and all(v is not None for v in values)
    assert elapsed < 0.5, f"warm open + 10,000 reads took {elapsed * 1000:.0f} ms"  # ~40 ms on 2 cores


# --- fault 1: map full ----------------------------------------------------------------------------------


def test_map_full_grows_the_map_and_keeps_every_value(tmp_path: Path) -> None:
    with FactStore(tmp_path / "cache", namespace=NS, map_size=2**20) as store:
        fill(store, 4000)  # ~4 MB into a 1 MiB map
        assert store.events.map_grown >= 2
        assert facts_of(store, 4000) == [payload(n) for n in range(4000)]
        assert store.warnings == []


def test_map_full_beyond_the_cap_warns_stops_writing_and_still_reads(tmp_path: Path) -> None:
    with FactStore(tmp_path / "cache", namespace=NS, map_size=2**20, max_map_size=2**21) as store:
        fill(store, 300)
        store.put_many_facts([(digest(n), "schema", payload(n)) for n in range(300, 3300)])  # 3 MB > 2 MiB
        assert len(store.warnings) == 1 and "size cap" in store.warnings[0]
        store.put_many_facts([(digest(9999), "schema", b"late")])  # dropped, without another warning
        assert len(store.warnings) == 1
        assert store.get_facts(digest(9999), "schema") is None
        assert facts_of(store, 300) == [payload(n) for n in range(300)]  # reads still work
        assert store.get_facts(digest(3000), "schema") is None  # the failed batch left nothing behind


def test_cache_nearly_at_its_cap_is_discarded_on_open(tmp_path: Path) -> None:
    with FactStore(tmp_path / "cache", namespace=NS, map_size=2**20, max_map_size=2**22) as store:
        start = 0
        while store.size_bytes() < 0.92 * 2**22:  # batches of ~140 KB: stops short of the cap itself
            store.put_many_facts([(digest(n), "schema", payload(n)) for n in range(start, start + 100)])
            start += 100
        assert store.warnings == []
    with FactStore(tmp_path / "cache", namespace=NS, map_size=2**20, max_map_size=2**22) as store:
        assert any("size cap" in w and "rebuilt" in w for w in store.warnings)
        assert facts_of(store, 10) == [None] * 10
        fill(store, 10)
        assert facts_of(store, 10) == [payload(n) for n in range(10)]
    assert not (tmp_path / "cache" / (DATA_FILE + ".broken")).exists()  # discarded, not kept


# --- fault 2: another process grew the map --------------------------------------------------------------


def _grow_in_child(queue: Any, path: str) -> None:
    store = FactStore(Path(path), namespace=NS, map_size=2**20)
    fill(store, 8000)  # ~8 MB
    queue.put((store.events.map_grown, store.warnings))
    store.close()


def test_map_resized_by_another_process_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS, map_size=2**20) as store:
        fill(store, 10)
        grown, warnings = run_in_child(_grow_in_child, str(path))
        assert grown >= 2 and warnings == []
        # Our map is still 1 MiB; the data now lies far beyond it: LMDB says MAP_RESIZED and we adopt.
        assert facts_of(store, 8000) == [payload(n) for n in range(8000)]
        assert store.events.map_adopted >= 1
        store.put_many_facts([(digest(9000), "schema", b"after")])
        assert store.get_facts(digest(9000), "schema") == b"after"
        assert store.warnings == []


# --- fault 3: corrupt or truncated data file, value with a bad checksum ----------------------------------


def test_garbage_data_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS) as store:
        fill(store, 100)
    size = (path / DATA_FILE).stat().st_size
    (path / DATA_FILE).write_bytes(random.Random(1).randbytes(size))
    (path / "unrelated.txt").write_text("not ours")
    with FactStore(path, namespace=NS) as store:
        assert len(store.warnings) == 1 and "moved aside and rebuilt" in store.warnings[0]
        assert "InvalidError" in store.warnings[0]
        assert store.enabled and facts_of(store, 100) == [None] * 100
        fill(store, 5)
        assert facts_of(store, 5) == [payload(n) for n in range(5)]
    assert (path / (DATA_FILE + ".broken")).stat().st_size == size  # kept for a bug report
    assert (path / "unrelated.txt").read_text() == "not ours"  # only the store's own files are touched


def _open_truncated_in_child(queue: Any, path: str) -> None:
    store = FactStore(Path(path), namespace=NS)
    values = facts_of(store, 2000)
    fill(store, 3)
    queue.put((store.warnings, values.count(None), facts_of(store, 3) == [payload(n) for n in range(3)]))
    store.close()


def test_truncated_data_file_is_rebuilt_without_crashing(tmp_path: Path) -> None:
    # LMDB maps the file: reading a page past a truncated end would kill the process with SIGBUS. The child
    # process keeps this test run alive if that ever happens again.
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS) as store:
        fill(store, 2000)
    os.truncate(path / DATA_FILE, (path / DATA_FILE).stat().st_size // 2)
    warnings, misses, rebuilt_works = run_in_child(_open_truncated_in_child, str(path))
    assert len(warnings) == 1 and "truncated" in warnings[0] and "rebuilt" in warnings[0]
    assert misses == 2000 and rebuilt_works


def _flip_byte_of(path: Path, needle: bytes) -> None:
    data = bytearray((path / DATA_FILE).read_bytes())
    at = data.find(needle)
    assert at > 0 and data.find(needle, at + 1) == -1
    data[at + len(needle) // 2] ^= 0x01
    (path / DATA_FILE).write_bytes(bytes(data))


def test_flipped_bit_inside_a_value_is_a_miss_with_a_warning_and_a_rebuild(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    marked = b"<<" + b"M" * 40 + b">>"
    with FactStore(path, namespace=NS) as store:
        fill(store, 100)
        store.put_many_facts([(digest(500), "test", b"facts " + marked + b" end")])
    _flip_byte_of(path, marked)
    with FactStore(path, namespace=NS) as store:
        assert store.warnings == []  # nothing to see until the value is read
        values = store.get_many_facts([(digest(1), "schema"), (digest(500), "test")])
        assert values == [payload(1), None]  # the intact value is right; the damaged one is a miss
        assert store.events.bad_values == 1
        assert len(store.warnings) == 1 and "failed the checksum" in store.warnings[0]
        assert "rebuilt" in store.warnings[0]
        assert facts_of(store, 3) == [None] * 3  # a fresh store
        fill(store, 3)
        assert facts_of(store, 3) == [payload(n) for n in range(3)]


def test_flipped_bit_inside_a_stat_entry_is_a_miss_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    entry = StatEntry(size=1, mtime_ns=2, inode=3, digest=b"D" * 32)
    with FactStore(path, namespace=NS) as store:
        store.put_stats([("a.sql", entry)])
    _flip_byte_of(path, b"D" * 32)
    with FactStore(path, namespace=NS) as store:
        assert store.get_stats(["a.sql"]) == [None]
        assert len(store.warnings) == 1 and "file stats value failed the checksum" in store.warnings[0]


def test_value_under_another_key_fails_its_checksum(tmp_path: Path) -> None:
    # The checksum covers the key: a value that ends up under another key (a damaged page pointer) is
    # rejected rather than served as the other file's facts.
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS) as store:
        fill(store, 2)
    env = lmdb.open(str(path), max_dbs=4)
    with env.begin(write=True) as txn:
        facts = env.open_db(b"facts", txn=txn)
        cursor = txn.cursor(db=facts)
        (key_a, value_a), (key_b, value_b) = list(cursor)
        txn.put(key_a, value_b, db=facts)
        txn.put(key_b, value_a, db=facts)
    env.close()
    with FactStore(path, namespace=NS) as store:
        assert facts_of(store, 2) == [None, None]
        assert store.events.bad_values == 2


# --- fault 4: locks and reader slots of dead processes ---------------------------------------------------


def _hold_read_txn(queue: Any, path: str) -> None:
    env = lmdb.open(path, max_dbs=4)
    txn = env.begin()
    txn.get(b"anything")
    queue.put("ready")
    time.sleep(60)


def _hold_write_txn(queue: Any, path: str) -> None:
    env = lmdb.open(path, max_dbs=4)
    txn = env.begin(write=True)
    facts = env.open_db(b"facts", txn=txn)
    txn.put(b"uncommitted", b"x" * 5000, db=facts)
    queue.put("ready")
    time.sleep(60)


def _keep_open(queue: Any, path: str, stop: Any) -> None:
    store = FactStore(Path(path), namespace=NS)
    queue.put("ready")
    stop.wait(60)
    store.close()


def _start(target: Callable[..., None], *args: Any) -> Any:
    queue = SPAWN.Queue()
    process = SPAWN.Process(target=target, args=(queue, *args), daemon=True)
    process.start()
    assert queue.get(timeout=60) == "ready"
    return process


def _open_read_write(path: Path, result: dict[str, Any]) -> None:
    with FactStore(path, namespace=NS) as store:
        result["values"] = facts_of(store, 10)
        store.put_many_facts([(digest(77), "test", b"new")])
        result["new"] = store.get_facts(digest(77), "test")
        result["cleared"] = store.events.stale_readers_cleared
        result["warnings"] = store.warnings


def _after_killing(path: Path, *, survivor: bool) -> dict[str, Any]:
    with FactStore(path, namespace=NS) as store:
        fill(store, 10)
    stop = SPAWN.Event()
    keeper = _start(_keep_open, str(path), stop) if survivor else None
    reader = _start(_hold_read_txn, str(path))
    writer = _start(_hold_write_txn, str(path))  # holds LMDB's writer mutex
    for process in (reader, writer):
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    result: dict[str, Any] = {}
    started = time.perf_counter()
    worker = threading.Thread(target=_open_read_write, args=(path, result), daemon=True)
    worker.start()
    worker.join(timeout=10)
    result["elapsed"] = time.perf_counter() - started
    if keeper is not None:
        stop.set()
        keeper.join(timeout=10)
    assert not worker.is_alive(), "blocked by the lock of a killed process"
    return result


def test_reader_and_writer_killed_while_another_process_keeps_the_lock_file_do_not_block(
    tmp_path: Path,
) -> None:
    # A live process keeps lock.mdb open, so it is not re-initialised: the killed writer's mutex must be
    # recovered (robust mutex) and the killed reader's slot cleared (reader_check).
    result = _after_killing(tmp_path / "cache", survivor=True)
    assert result["elapsed"] < 2
    assert result["values"] == [payload(n) for n in range(10)]
    assert result["new"] == b"new"
    assert result["cleared"] >= 1
    assert any("reader slot" in w for w in result["warnings"])


def test_reader_and_writer_killed_with_nobody_else_attached_do_not_block(tmp_path: Path) -> None:
    # Nobody has lock.mdb open: the next process re-initialises it.
    result = _after_killing(tmp_path / "cache", survivor=False)
    assert result["elapsed"] < 2
    assert result["values"] == [payload(n) for n in range(10)]
    assert result["new"] == b"new"


def _exit_at_once(queue: Any) -> None:
    queue.put(os.getpid())


def test_process_that_died_while_reading_makes_the_next_open_rebuild(tmp_path: Path) -> None:
    # A damaged page can crash a reader; the next run must not crash the same way again.
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS) as store:
        fill(store, 10)
        assert [p.name for p in path.iterdir() if p.name.startswith("reading.")] == []
    dead_pid = run_in_child(_exit_at_once)
    (path / f"reading.{dead_pid}").touch()
    (path / f"reading.{os.getpid()}").touch()  # a live process: not evidence of anything
    with FactStore(path, namespace=NS) as store:
        assert len(store.warnings) == 1 and f"process {dead_pid} died while reading" in store.warnings[0]
        assert facts_of(store, 10) == [None] * 10
    assert not (path / f"reading.{dead_pid}").exists()


# --- fault 5: another tool version or configuration -------------------------------------------------------


def test_store_of_another_namespace_is_not_served_and_is_cleared(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    with FactStore(path, namespace=OTHER_NS) as store:
        fill(store, 100)
    with FactStore(path, namespace=NS) as store:
        assert store.warnings == [
            f"cache {path}: written by tapgap {OTHER_NS.decode()} (this is {NS.decode()}); rebuilt"
        ]
        assert facts_of(store, 100) == [None] * 100
        assert store.get_stats(["schema/file_1.sql"]) == [None]
        assert store.entries() == {"facts": 0, "stats": 0}  # cleared, so that the cache does not grow forever
        fill(store, 5)
    with FactStore(path, namespace=NS) as store:
        assert store.warnings == [] and facts_of(store, 5) == [payload(n) for n in range(5)]


def test_store_of_another_layout_is_cleared(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS) as store:
        fill(store, 10)
    env = lmdb.open(str(path), max_dbs=4)
    with env.begin(write=True) as txn:
        txn.put(b"format", b"tapgap-store/0", db=env.open_db(b"meta", txn=txn))
    env.close()
    with FactStore(path, namespace=NS) as store:
        assert len(store.warnings) == 1 and "another layout (tapgap-store/0" in store.warnings[0]
        assert FORMAT.decode() in store.warnings[0]
        assert facts_of(store, 10) == [None] * 10


# --- fault 6: unusable location ----------------------------------------------------------------------------


def test_path_that_is_a_regular_file_falls_back_to_a_disabled_store(tmp_path: Path) -> None:
    path = tmp_path / "cache"
    path.write_text("a file")
    with FactStore(path, namespace=NS) as store:
        assert not store.enabled
        assert len(store.warnings) == 1 and "running without a cache" in store.warnings[0]
        fill(store, 3)
        assert facts_of(store, 3) == [None] * 3 and store.size_bytes() == 0
    assert path.read_text() == "a file"


def test_path_under_a_regular_file_falls_back_to_a_disabled_store(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file")
    with FactStore(tmp_path / "file" / "cache", namespace=NS) as store:
        assert not store.enabled
        assert len(store.warnings) == 1 and "running without a cache" in store.warnings[0]
        assert store.get_stats(["a.sql"]) == [None]


# --- fault 7: two processes at once --------------------------------------------------------------------------

UNIVERSE = 1500


def _value(n: int, writer: int, seq: int) -> bytes:
    """Self-describing: which key, which writer, a length that varies, and a hash over all of it."""
    body = b"%d|%d|%d|" % (n, writer, seq) + payload(n * 7 + seq, 200 + (n * 31 + seq * 17) % 3000)
    return body + hashlib.blake2b(body, digest_size=16).digest()


def _check(n: int, value: bytes) -> str | None:
    body, mac = value[:-16], value[-16:]
    if hashlib.blake2b(body, digest_size=16).digest() != mac:
        return f"torn value for {n}"
    key, writer, seq, _ = body.split(b"|", 3)
    if int(key) != n or int(writer) not in (0, 1) or value != _value(n, int(writer), int(seq)):
        return f"foreign value for {n}: {body[:30]!r}"
    return None


def _hammer(queue: Any, path: str, writer: int, seconds: float) -> None:
    rnd = random.Random(writer)
    errors: list[str] = []
    reads = hits = 0
    store = FactStore(Path(path), namespace=NS, map_size=2**20)  # small: both grow it and adopt the other's
    deadline = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        batch = rnd.sample(range(UNIVERSE), 40)
        store.put_many_facts([(digest(n), "schema", _value(n, writer, seq)) for n in batch])
        store.put_stats([(f"f{n}.sql", StatEntry(n, seq, writer, digest(n))) for n in batch[:10]])
        wanted = rnd.sample(range(UNIVERSE), 200)
        for n, value in zip(
            wanted, store.get_many_facts([(digest(n), "schema") for n in wanted]), strict=True
        ):
            reads += 1
            if value is not None:
                hits += 1
                problem = _check(n, value)
                if problem:
                    errors.append(problem)
        for n, entry in zip(wanted, store.get_stats([f"f{n}.sql" for n in wanted]), strict=True):
            if entry is not None and (
                entry.size != n or entry.digest != digest(n) or entry.inode not in (0, 1)
            ):
                errors.append(f"foreign stat for {n}: {entry}")
    events = store.events
    queue.put((writer, reads, hits, errors[:10], store.warnings, events.map_grown + events.map_adopted))
    store.close()


def test_two_processes_writing_and_reading_at_once_see_only_whole_values_of_some_writer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache"
    with FactStore(path, namespace=NS, map_size=2**20):
        pass
    queue = SPAWN.Queue()
    processes = [SPAWN.Process(target=_hammer, args=(queue, str(path), w, 1.5)) for w in (0, 1)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    resizes = 0
    for _writer, reads, hits, errors, warnings, resized in results:
        assert errors == []
        assert warnings == []
        assert reads > 1000 and hits > 100
        resizes += resized
    assert resizes >= 2  # the map grew under both of them while they ran
