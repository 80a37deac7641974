"""Per-file facts for a whole project: from the cache when the bytes are known, else parsed — in parallel
worker processes when there is enough to parse.

A file's facts are a pure function of (its bytes, the tool's code, the fact-relevant configuration), so the
cache key is the hash of the bytes under a namespace made of the tool's code digest and the configuration
fingerprint. Like git's index, a file whose (size, mtime, inode) is unchanged since the last run is trusted
to have the same hash: a warm run on an unchanged tree reads no SQL file at all.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from tapgap import __version__
from tapgap.files import relative, unreadable
from tapgap.findings import Finding
from tapgap.pgtap.model import TestFileFacts
from tapgap.schema.model import SchemaFileFacts
from tapgap.store import FactStore, StatEntry

if TYPE_CHECKING:
    from tapgap.pgtap.reader import TestOptions
    from tapgap.sql.options import SplitOptions

FileKind = Literal["schema", "test"]
Facts = SchemaFileFacts | TestFileFacts

# Below this much to parse, starting worker processes (each imports tapgap and libpg_query) costs more
# than it saves.
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 1_500_000

_ENCODER = msgspec.msgpack.Encoder()


@cache
def _decoder(kind: FileKind) -> msgspec.msgpack.Decoder[Any]:
    # Built on first use: a warm check answered by the result cache decodes no facts at all.
    return msgspec.msgpack.Decoder(SchemaFileFacts if kind == "schema" else TestFileFacts)


@cache
def code_digest() -> str:
    """The tool's version and a digest of the code that produces facts: facts of another build never match."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=12)
    package = Path(__file__).resolve().parent
    for folder in ("sql", "schema", "pgtap"):
        for source in sorted((package / folder).glob("*.py")):
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    for module in ("findings.py", "facts.py"):
        digest.update((package / module).read_bytes())
    return digest.hexdigest()


def namespace(fingerprint: str) -> bytes:
    return f"{__version__} (code {code_digest()}, config {fingerprint})".encode()


def content_digest(name: str, data: bytes) -> bytes:
    """The cache key of a file's facts. Facts name their file (findings carry it), so the name is part of it:
    two files with the same bytes, or a moved file, have facts of their own."""
    digest = hashlib.blake2b(name.encode(), digest_size=16)
    digest.update(b"\0")
    digest.update(data)
    return digest.digest()


@dataclass
class Stats:
    """What a run did and how long each phase took (``tapgap check --stats``)."""

    phases: dict[str, float] = field(default_factory=dict)
    files: int = 0
    parsed: int = 0
    from_cache: int = 0
    read: int = 0  # files whose bytes were read (not trusted by their stat)
    workers: int = 0
    cache_warnings: list[str] = field(default_factory=list)

    def timed(self, phase: str, started: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started


@dataclass
class Entry:
    """One file's facts as the project holds them."""

    path: Path
    name: str  # relative to the project root
    kind: FileKind
    digest: bytes | None
    facts: Facts | None
    problem: Finding | None = None


@dataclass(frozen=True)
class Parsers:
    split: SplitOptions
    tests: TestOptions


def parse(kind: FileKind, name: str, data: bytes, parsers: Parsers) -> Facts:
    # Imported here: a warm run that parses nothing never loads the splitter, the grammar or the readers.
    from tapgap.pgtap.reader import read_test_file
    from tapgap.schema.reader import read_schema_file

    if kind == "schema":
        return read_schema_file(name, data, parsers.split)
    return read_test_file(name, data, parsers.tests)


def _parse_chunk(chunk: list[tuple[FileKind, str, bytes]], parsers: Parsers) -> list[tuple[str, bytes]]:
    """Worker side: parse files, hand back encoded facts (cheap to pickle, ready to store)."""
    gc.disable()  # a worker's parse trees are short-lived and acyclic: the collector only costs time
    return [(name, _ENCODER.encode(parse(kind, name, data, parsers))) for kind, name, data in chunk]


class FactsLoader:
    def __init__(self, root: Path, parsers: Parsers, store: FactStore, stats: Stats) -> None:
        self.root = root
        self.parsers = parsers
        self.store = store
        self.stats = stats
        # Unsaved editor buffers: their text stands for the file's (never trusted by stat, never cached).
        self.overlays: dict[Path, bytes] = {}

    def load(self, files: Sequence[tuple[Path, FileKind]]) -> list[Entry]:
        """Facts of every file: trusted stats → cache; else read, hash → cache; else parse."""
        stats = self.stats
        started = time.perf_counter()
        names = [relative(self.root, path) for path, _ in files]
        stat_results: list[os.stat_result | OSError] = []
        for path, _ in files:
            try:
                stat_results.append(path.stat())
            except OSError as exc:
                stat_results.append(exc)
        known = self.store.get_stats(names)
        stats.timed("stat", started)

        started = time.perf_counter()
        entries: list[Entry | None] = [None] * len(files)
        digests: list[bytes | None] = [None] * len(files)
        for i, ((path, kind), result, entry) in enumerate(zip(files, stat_results, known, strict=True)):
            if path in self.overlays:
                digests[i] = content_digest(names[i], self.overlays[path])
            elif isinstance(result, OSError):
                entries[i] = Entry(path, names[i], kind, None, None, unreadable(names[i], result))
            elif entry is not None and _same(entry, result):
                digests[i] = entry.digest
        wanted: list[tuple[bytes, str]] = [(d, files[i][1]) for i, d in enumerate(digests) if d is not None]
        cached = dict(zip(wanted, self.store.get_many_facts(wanted), strict=True)) if wanted else {}
        stats.timed("cache read", started)

        started = time.perf_counter()
        to_parse: list[int] = []
        contents: dict[int, bytes] = {}
        new_stats: list[tuple[str, StatEntry]] = []
        for i, (path, kind) in enumerate(files):
            if entries[i] is not None:
                continue
            digest = digests[i]
            blob = cached.get((digest, kind)) if digest is not None else None
            if blob is not None:
                facts = self._decode(kind, blob)
                if facts is not None:
                    entries[i] = Entry(path, names[i], kind, digest, facts)
                    stats.from_cache += 1
                    continue
            overlay = self.overlays.get(path)
            try:
                data = overlay if overlay is not None else path.read_bytes()
            except OSError as exc:
                entries[i] = Entry(path, names[i], kind, None, None, unreadable(names[i], exc))
                continue
            stats.read += 1
            digest = content_digest(names[i], data)
            result = stat_results[i]
            if overlay is None and not isinstance(result, OSError):
                new_stats.append(
                    (names[i], StatEntry(result.st_size, result.st_mtime_ns, result.st_ino, digest))
                )
            digests[i] = digest
            contents[i] = data
            to_parse.append(i)
        # A file whose stat changed may still have known bytes (touched, or checked out again).
        by_content = [(digest, files[i][1]) for i in to_parse if (digest := digests[i]) is not None]
        blobs = self.store.get_many_facts(by_content) if by_content else []
        remaining = []
        for i, blob in zip(to_parse, blobs, strict=True):
            facts = self._decode(files[i][1], blob) if blob is not None else None
            if facts is not None:
                entries[i] = Entry(files[i][0], names[i], files[i][1], digests[i], facts)
                stats.from_cache += 1
            else:
                remaining.append(i)
        stats.timed("read and hash", started)

        started = time.perf_counter()
        parsed = self._parse_all([(i, files[i][1], names[i], contents[i]) for i in remaining])
        for i in remaining:
            facts, _ = parsed[i]
            entries[i] = Entry(files[i][0], names[i], files[i][1], digests[i], facts)
        stats.parsed += len(remaining)
        stats.timed("parse", started)

        started = time.perf_counter()
        # An editor buffer's facts are not stored: the text of one keystroke is rarely seen again, and a
        # write transaction (an fsync) per keystroke would cost more than it could save.
        self.store.put_many_facts(
            [
                (digest, files[i][1], parsed[i][1])
                for i in remaining
                if (digest := digests[i]) is not None and files[i][0] not in self.overlays
            ]
        )
        if new_stats:
            self.store.put_stats(new_stats)
        stats.timed("cache write", started)
        stats.files += len(files)
        return [e for e in entries if e is not None]

    def _decode(self, kind: FileKind, blob: bytes) -> Facts | None:
        try:
            facts: Facts = _decoder(kind).decode(blob)
        except (msgspec.DecodeError, msgspec.ValidationError):
            self.stats.cache_warnings.append("cache entry could not be decoded; the file was parsed again")
            return None
        return facts

    def _parse_all(
        self, work: list[tuple[int, FileKind, str, bytes]]
    ) -> dict[int, tuple[Facts | None, bytes]]:
        """Facts and their encoding, for each index; in worker processes when there is enough work."""
        size = sum(len(data) for *_, data in work)
        workers = min(os.cpu_count() or 1, 8)
        results: dict[int, tuple[Facts | None, bytes]] = {}
        if len(work) < PARALLEL_MIN_FILES or size < PARALLEL_MIN_BYTES or workers < 2:
            for i, kind, name, data in work:
                facts = parse(kind, name, data, self.parsers)
                results[i] = (facts, _ENCODER.encode(facts))
            return results
        # Imported here: they cost a small run (no workers) 20-30 ms of start-up.
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from multiprocessing import get_context

        self.stats.workers = workers
        index_of = {name: (i, kind) for i, kind, name, _ in work}
        chunks = _chunks([(kind, name, data) for _, kind, name, data in work], workers * 4)
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_parse_chunk, chunk, self.parsers) for chunk in chunks]
            for future in as_completed(futures):  # facts are taken as they arrive
                for name, blob in future.result():
                    i, kind = index_of[name]
                    results[i] = (self._decode(kind, blob), blob)
        return results


def _same(entry: StatEntry, result: os.stat_result) -> bool:
    return (entry.size, entry.mtime_ns, entry.inode) == (result.st_size, result.st_mtime_ns, result.st_ino)


def _chunks(
    items: list[tuple[FileKind, str, bytes]], count: int
) -> Iterable[list[tuple[FileKind, str, bytes]]]:
    """About ``count`` chunks of similar byte size, so that no worker gets all the big files."""
    total = sum(len(data) for *_, data in items) or 1
    target = max(1, total // count)
    chunk: list[tuple[FileKind, str, bytes]] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[2])
        if size >= target:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk
