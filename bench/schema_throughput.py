"""Schema reading throughput on the real corpora: statements/s and MB/s, median of several runs.

    .venv/bin/python bench/schema_throughput.py [--runs 5] [--corpora ../shared/corpora]

Measures, per corpus and in total, the full per-file pipeline (decode, split, parse with libpg_query,
statement → schema operations; ``read_schema_file``) and the replay of all operations into the schema
state. As a baseline measured in the same run, it times libpg_query alone (``pgparse.parse``) on the same
statements, so the report can say what share of the time is the grammar itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path

import pgparse

from tapgap.schema.model import SchemaFileFacts
from tapgap.schema.reader import read_schema_file
from tapgap.schema.state import SchemaState
from tapgap.sql.split import split_sql

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _corpus_files(corpora: Path) -> dict[str, list[Path]]:
    manifest = json.loads((corpora / "manifest.json").read_text())
    return {
        name: [corpora / name / entry["path"] for entry in spec.get("schema", [])]
        for name, spec in manifest.items()
        if spec.get("schema")
    }


def _time(fn: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    args = parser.parse_args()
    if not (args.corpora / "manifest.json").is_file():
        print(f"no corpora at {args.corpora}", file=sys.stderr)
        return 1
    rows = []
    totals = {"bytes": 0, "statements": 0, "read": 0.0, "replay": 0.0, "baseline": 0.0}
    for corpus, files in _corpus_files(args.corpora).items():
        blobs = [(p.relative_to(args.corpora).as_posix(), p.read_bytes()) for p in files]
        size = sum(len(b) for _, b in blobs)
        facts = [read_schema_file(name, data) for name, data in blobs]
        statements = sum(f.statements for f in facts)
        texts = [
            piece.text
            for _, data in blobs
            for piece in split_sql(data.decode("utf-8", "replace"))
            if piece.kind == "sql"
        ]

        def read(blobs: list[tuple[str, bytes]] = blobs) -> None:
            for name, data in blobs:
                read_schema_file(name, data)

        def replay(blobs: list[tuple[str, bytes]] = blobs, facts: list[SchemaFileFacts] = facts) -> None:
            SchemaState().replay((name, f.operations) for (name, _), f in zip(blobs, facts, strict=True))

        def baseline(texts: list[str] = texts) -> None:
            for text in texts:
                with contextlib.suppress(pgparse.PGQueryError):
                    pgparse.parse(text)

        t_read, t_replay, t_base = (
            _time(read, args.runs),
            _time(replay, args.runs),
            _time(baseline, args.runs),
        )
        rows.append((corpus, len(files), size, statements, t_read, t_replay, t_base))
        totals["bytes"] += size
        totals["statements"] += statements
        totals["read"] += t_read
        totals["replay"] += t_replay
        totals["baseline"] += t_base
    header = (
        f"{'corpus':<22}{'files':>6}{'MB':>7}{'stmts':>8}{'read s':>9}{'replay s':>10}"
        f"{'stmt/s':>9}{'MB/s':>7}{'parse-only s':>13}{'ratio':>7}"
    )
    print(f"median of {args.runs} runs; read = decode+split+parse+facts; ratio = read / libpg_query alone")
    print(header)
    for corpus, nfiles, size, stmts, t_read, t_replay, t_base in rows:
        total = t_read + t_replay
        print(
            f"{corpus:<22}{nfiles:>6}{size / 1e6:>7.2f}{stmts:>8}{t_read:>9.3f}{t_replay:>10.3f}"
            f"{stmts / total:>9.0f}{size / 1e6 / total:>7.2f}{t_base:>13.3f}{t_read / t_base:>7.2f}"
        )
    total = totals["read"] + totals["replay"]
    print(
        f"{'TOTAL':<22}{'':>6}{totals['bytes'] / 1e6:>7.2f}{totals['statements']:>8.0f}{totals['read']:>9.3f}"
        f"{totals['replay']:>10.3f}{totals['statements'] / total:>9.0f}{totals['bytes'] / 1e6 / total:>7.2f}"
        f"{totals['baseline']:>13.3f}{totals['read'] / totals['baseline']:>7.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
