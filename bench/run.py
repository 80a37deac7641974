"""Benchmark runner: ``tapgap check`` on synthetic projects (scales S, M, L) and the real corpora.

    python bench/run.py [--scales S,M] [--runs 5] [--corpora ../shared/corpora] [--out bench/out]
                        [--seed 1] [--no-corpora] [--markdown] [--python .venv/bin/python]

Every figure is a whole process measured from outside (``tapgap check PATH --format json --output
/dev/null``: process start, imports, reading, analysis and the report), as the median of ``--runs`` runs with
min and max; peak RSS comes from ``os.wait4`` on the child. Per project:

- ``cold``: nothing cached (``--no-cache``);
- ``first``: the first run with an empty ``--cache-dir`` (cold plus writing the cache);
- ``warm``: the cache filled, nothing changed;
- ``update``: warm, after appending an assertion to one test file and a column to one schema file (generated
  projects only; each run makes a different edit, so it is never a cache hit);
- cache size on disk against the SQL bytes it covers.

The measured tapgap's modules are compiled to bytecode before anything is timed, as ``pip install`` does
(see ``compile_bytecode``). Baselines measured in the same run: the process-start floor (``python -c
"import tapgap.cli"``) and libpg_query alone (``pgparse.parse`` over the same statements, split with
``split_sql``, in one process). A measure whose option ``tapgap check --help`` does not list is skipped
and flagged.

Output: a table on stdout (``--markdown`` for docs/performance.md) and every figure in
``OUT/bench-<time>.json`` (and ``OUT/latest.json``). Generated projects are kept in ``OUT/projects`` and reused
for the same scale, seed and generator.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
from bytecode import precompile

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
DIRTY = ".bench-dirty"

# SPEC §6: (label, scale, measure, field, limit, unit)
TARGETS: list[tuple[str, str, str, str, float, str]] = [
    ("cold full analysis, S", "S", "cold", "wall", 0.35, "s"),
    ("cold full analysis, M", "M", "cold", "wall", 1.5, "s"),
    ("cold full analysis, L", "L", "cold", "wall", 15.0, "s"),
    ("cold peak RSS, L", "L", "cold", "rss_mb", 1000.0, "MB"),
    ("warm check, nothing changed, M", "M", "warm", "wall", 0.2, "s"),
    ("cold peak RSS, M (the target is the daemon's)", "M", "cold", "rss_mb", 180.0, "MB"),
]


# -- running a child ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    rss_mb: float
    rc: int

    def json(self) -> dict[str, Any]:
        return {"wall": round(self.wall, 4), "rss_mb": round(self.rss_mb, 1), "rc": self.rc}


class ChildFailed(RuntimeError):
    pass


def run_child(cmd: list[str], *, timeout: float, ok: tuple[int, ...] = (0,)) -> Sample:
    """Run ``cmd`` and measure it: wall time from before the fork to the reaping, and the peak RSS of the
    child (``os.wait4``: the largest single process among the child and the descendants it waited for).
    Its output goes to /dev/null (stderr to a file, read only on failure)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
        finally:
            timer.cancel()
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
        if rc not in ok:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            why = "timed out" if rc == -9 else f"exit status {rc}"
            raise ChildFailed(f"{' '.join(cmd)}: {why}\n{tail}")
    return Sample(wall, usage.ru_maxrss / 1024, rc)


def capture(cmd: list[str], *, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class Measure:
    name: str
    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None  # why it was not measured
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self, key: str) -> list[float]:
        return [float(getattr(s, key)) for s in self.samples]

    def median(self, key: str = "wall") -> float | None:
        return statistics.median(self.values(key)) if self.samples else None

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.skipped:
            out["skipped"] = self.skipped
        if self.note:
            out["note"] = self.note
        if self.samples:
            for key in ("wall", "rss_mb"):
                vals = self.values(key)
                out[key] = {
                    "median": round(statistics.median(vals), 4),
                    "min": round(min(vals), 4),
                    "max": round(max(vals), 4),
                }
            out["samples"] = [s.json() for s in self.samples]
        out.update(self.extra)
        return out


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fixed(cmd: list[str]) -> Callable[[int], list[str]]:
    """The same command for every run."""
    return lambda _run: cmd


def repeat(
    name: str,
    runs: int,
    command: Callable[[int], list[str]],
    *,
    timeout: float,
    before: Callable[[int], None] | None = None,
    after: Callable[[int], None] | None = None,
    label: str = "",
) -> Measure:
    """``runs`` timed runs of ``command(i)``; ``before``/``after`` run outside the timing."""
    m = Measure(name)
    for i in range(runs):
        if before is not None:
            before(i)
        try:
            sample = run_child(command(i), timeout=timeout, ok=(0, 2))
        finally:
            if after is not None:
                after(i)
        m.samples.append(sample)
        progress(f"  {label} {name} {i + 1}/{runs}: {sample.wall:.3f} s, {sample.rss_mb:.0f} MB")
    return m


# -- tapgap ---------------------------------------------------------------------------------------------


class Tapgap:
    """How to run ``tapgap check``, and which of its options exist right now."""

    def __init__(self, python: Path) -> None:
        self.python = python
        script = python.parent / "tapgap"
        self.base = [str(script)] if script.is_file() else [str(python), "-m", "tapgap"]
        help_text = capture([*self.base, "check", "--help"]).stdout
        self.options = {opt: opt in help_text for opt in ("--no-cache", "--cache-dir", "--stats")}
        version = capture([*self.base, "--version"]).stdout.strip()
        self.version = version or "unknown"

    def check(self, root: Path, *extra: str) -> list[str]:
        return [*self.base, "check", str(root), "--format", "json", "--output", os.devnull, *extra]

    def has(self, option: str) -> bool:
        return self.options.get(option, False)


def compile_bytecode(tg: Tapgap) -> str:
    """Compile the measured tapgap's modules to bytecode first, as ``pip install`` does (see bench/bytecode.py)."""
    try:
        return precompile(tg.python)
    except subprocess.CalledProcessError as exc:
        return f"compileall failed ({exc.returncode})"


def git_state() -> dict[str, Any]:
    head = capture(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = capture(["git", "-C", str(REPO), "status", "--porcelain", "--", "server"]).stdout.splitlines()
    return {"commit": head or None, "uncommitted_server_files": len(dirty)}


# -- projects ---------------------------------------------------------------------------------------------


@dataclass
class Project:
    name: str
    kind: str  # "scale" or "corpus"
    root: Path
    schema: list[Path]
    tests: list[Path]
    operations: int | None = None
    generate_seconds: float | None = None

    @property
    def sql_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.schema + self.tests)


def ensure_generated(scale: str, seed: int, projects: Path) -> Project:
    root = projects / f"{scale}-seed{seed}"
    manifest_path = root / generate.MANIFEST
    manifest: dict[str, Any] | None = None
    if manifest_path.is_file() and not (root / DIRTY).exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest.get("scale"), manifest.get("seed"), manifest.get("generator")) != (
            scale,
            seed,
            generate.generator_digest(),
        ):
            manifest = None
    if manifest is None:
        progress(f"generating scale {scale} (seed {seed}) in {root}")
        if (root / DIRTY).exists():
            (root / DIRTY).unlink()
        shutil.rmtree(root / ".tapgap", ignore_errors=True)
        manifest = generate.generate(root, scale, seed)
    else:
        progress(f"reusing scale {scale} (seed {seed}) in {root}")
    schema = sorted((root / generate.MIGRATIONS).glob("*.sql"))
    tests = sorted((root / generate.TESTS).glob("*.test.sql"))
    return Project(scale, "scale", root, schema, tests, manifest["operations"], manifest["seconds"])


def corpus_projects(corpora: Path, work: Path) -> Iterator[Project]:
    """Each corpus as a project in ``work``: a symlink to its folder and a tapgap.toml naming its manifest's
    files (nothing is copied)."""
    manifest = json.loads((corpora / "manifest.json").read_text())
    for name, spec in manifest.items():
        schema = [e["path"] for e in spec.get("schema", [])]
        tests = [e["path"] for e in spec.get("tests", [])]
        if not schema and not tests:
            continue
        root = work / name
        root.mkdir(parents=True)
        (root / "src").symlink_to((corpora / name).resolve(), target_is_directory=True)

        def globs(paths: list[str]) -> str:
            return "[" + ", ".join(json.dumps("src/" + glob.escape(p)) for p in paths) + "]"

        (root / "tapgap.toml").write_text(
            "# generated by bench/run.py\n"
            f"schema = {globs(schema) if schema else '[]'}\n"
            f"tests = {globs(tests) if tests else json.dumps(['src/.no-tests/*.sql'])}\n"
        )
        yield Project(
            name,
            "corpus",
            root,
            [corpora / name / p for p in schema],
            [corpora / name / p for p in tests],
        )


# -- measures ---------------------------------------------------------------------------------------------

PARSE_ONLY = r"""
import contextlib, json, sys, time
import pgparse
from tapgap.sql.split import split_sql
texts = []
for path in json.load(open(sys.argv[1])):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    texts.extend(piece.text for piece in split_sql(text) if piece.kind == "sql")
started = time.perf_counter()
for text in texts:
    with contextlib.suppress(Exception):
        pgparse.parse(text)
print(json.dumps({"seconds": time.perf_counter() - started, "statements": len(texts)}))
"""


def parse_only(tg: Tapgap, project: Project, runs: int, work: Path, timeout: float) -> Measure:
    """libpg_query alone over the project's statements, in one process: the grammar's share of a cold run."""
    files = work / f"{project.name}-files.json"
    files.write_text(json.dumps([str(p) for p in project.schema + project.tests]))
    m = Measure("parse-only", note="pgparse.parse over the split statements, timed inside one process")
    seconds: list[float] = []
    for _ in range(runs):
        proc = capture([str(tg.python), "-c", PARSE_ONLY, str(files)], timeout=timeout)
        if proc.returncode != 0:
            m.skipped = f"parse-only failed: {proc.stderr[-500:]}"
            return m
        result = json.loads(proc.stdout)
        seconds.append(result["seconds"])
        m.extra["statements"] = result["statements"]
    m.samples = [Sample(s, 0.0, 0) for s in seconds]
    progress(f"  {project.name} parse-only: {statistics.median(seconds):.3f} s")
    return m


def cache_bytes(path: Path) -> int:
    """Disk use of a cache directory (allocated blocks, as du counts them: LMDB files may be sparse)."""
    total = 0
    for entry in [path, *path.rglob("*")] if path.exists() else []:
        with contextlib.suppress(OSError):
            total += entry.lstat().st_blocks * 512
    return total


def stats_text(tg: Tapgap, cmd: list[str], timeout: float) -> list[str] | None:
    """One extra, untimed run with ``--stats``: tapgap's own phase timings, kept in the JSON."""
    if not tg.has("--stats"):
        return None
    proc = capture([*cmd, "--stats"], timeout=timeout)
    lines = proc.stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("tapgap stats")), None)
    return [line.rstrip() for line in lines[start:]] if start is not None else None


class Edits:
    """One-file edits of a generated project for the update measure, each run a different one, undone after."""

    def __init__(self, project: Project, stamp: str) -> None:
        self.project = project
        self.stamp = stamp
        self.schema_file = self._schema_file()
        self.test_file = project.tests[len(project.tests) // 2]
        self.originals = {p: p.read_bytes() for p in (self.schema_file, self.test_file)}
        text = self.schema_file.read_text()
        marker = "create table "
        start = text.index(marker) + len(marker)
        self.table = text[start : text.index(" (", start)]

    def _schema_file(self) -> Path:
        files = self.project.schema
        for path in files[len(files) // 2 :] + files[: len(files) // 2]:
            if "create table " in path.read_text():
                return path
        raise RuntimeError("no schema file creates a table")

    def apply(self, i: int) -> None:
        (self.project.root / DIRTY).write_text("update measure in progress\n")
        column = f"bench_{self.stamp}_{i}"
        schema = (
            self.originals[self.schema_file]
            + f"\nalter table {self.table} add column {column} text;\n".encode()
        )
        self.schema_file.write_bytes(schema)
        schema_name, table = self.table.split(".", 1)
        assertion = f"select has_column('{schema_name}', '{table}', '{column}', 'bench edit {i}');\n"
        test = self.originals[self.test_file].decode()
        at = test.rfind("select * from finish();")
        at = at if at >= 0 else test.rfind("rollback;")
        test = test[:at] + assertion + test[at:] if at >= 0 else test + assertion
        self.test_file.write_text(test)

    def undo(self) -> None:
        for path, data in self.originals.items():
            path.write_bytes(data)
        with contextlib.suppress(FileNotFoundError):
            (self.project.root / DIRTY).unlink()


def measure_project(tg: Tapgap, project: Project, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    runs, timeout = args.runs, args.timeout
    label = project.name
    progress(
        f"{label}: {len(project.schema)} schema files, {len(project.tests)} test files, "
        f"{project.sql_bytes / 1e6:.2f} MB"
    )
    measures: dict[str, Measure] = {}
    scratch = work / f"{project.name}-caches"
    scratch.mkdir()
    counter = iter(range(1_000_000))

    def fresh_cache() -> Path:
        path = scratch / f"c{next(counter)}"
        return path

    stats: dict[str, list[str] | None] = {}
    # cold: no cache at all
    if tg.has("--no-cache"):
        measures["cold"] = repeat(
            "cold", runs, fixed(tg.check(project.root, "--no-cache")), timeout=timeout, label=label
        )
        stats["cold"] = stats_text(tg, tg.check(project.root, "--no-cache"), timeout)
    # first run: an empty cache directory each time (cold plus writing the cache)
    warm_cache: Path | None = None
    if tg.has("--cache-dir"):
        dirs: list[Path] = []

        def first_cmd(i: int) -> list[str]:
            dirs.append(fresh_cache())
            return tg.check(project.root, "--cache-dir", str(dirs[-1]))

        def drop_previous(i: int) -> None:
            for old in dirs[:-1]:
                shutil.rmtree(old, ignore_errors=True)

        measures["first"] = repeat(
            "first", runs, first_cmd, timeout=timeout, after=drop_previous, label=label
        )
        warm_cache = dirs[-1]
    elif tg.has("--no-cache"):
        warm_cache = project.root / ".tapgap" / "cache"  # the default place: no option to move it
        shutil.rmtree(warm_cache, ignore_errors=True)
        measures["first"] = Measure("first", note="default cache location (no --cache-dir)")
        measures["first"].samples.append(run_child(tg.check(project.root), timeout=timeout, ok=(0, 2)))
    else:
        measures["first"] = Measure("first", skipped="tapgap check has no cache options")
    if "cold" not in measures:
        if "first" in measures and measures["first"].samples:
            measures["cold"] = Measure(
                "cold", measures["first"].samples, note="no --no-cache: empty cache dir"
            )
        else:
            measures["cold"] = repeat(
                "cold", runs, fixed(tg.check(project.root)), timeout=timeout, label=label
            )
            measures["cold"].note = "no cache options: a plain run"
    # warm and update
    if warm_cache is not None:
        cache_args = ("--cache-dir", str(warm_cache)) if tg.has("--cache-dir") else ()
        warm_cmd = tg.check(project.root, *cache_args)
        measures["warm"] = repeat("warm", runs, fixed(warm_cmd), timeout=timeout, label=label)
        stats["warm"] = stats_text(tg, warm_cmd, timeout)
        size = cache_bytes(warm_cache)
        measures["warm"].extra["cache_bytes"] = size
        measures["warm"].extra["cache_to_sql"] = round(size / project.sql_bytes, 3)
        if project.kind == "scale":
            edits = Edits(project, f"{int(time.time())}")

            def settle(i: int) -> None:
                edits.undo()
                run_child(warm_cmd, timeout=timeout, ok=(0, 2))  # untimed: the stat cache is current again
                edits.apply(i)

            try:
                measures["update"] = repeat(
                    "update", runs, fixed(warm_cmd), timeout=timeout, before=settle, label=label
                )
            finally:
                edits.undo()
            measures[
                "update"
            ].note = (
                f"appended a column to {edits.schema_file.name} and an assertion to {edits.test_file.name}"
            )
    else:
        why = "tapgap check has no cache options"
        measures["warm"] = Measure("warm", skipped=why)
        if project.kind == "scale":
            measures["update"] = Measure("update", skipped=why)
    measures["parse-only"] = parse_only(tg, project, runs, work, timeout)
    shutil.rmtree(scratch, ignore_errors=True)
    cold, warm, parse = (measures[k].median() for k in ("cold", "warm", "parse-only"))
    return {
        "name": project.name,
        "kind": project.kind,
        "operations": project.operations,
        "generate_seconds": project.generate_seconds,
        "schema_files": len(project.schema),
        "test_files": len(project.tests),
        "sql_bytes": project.sql_bytes,
        "statements": measures["parse-only"].extra.get("statements"),
        "measures": {k: m.json() for k, m in measures.items()},
        "stats": stats,
        "ratios": {
            "cold_to_warm": round(cold / warm, 2) if cold and warm else None,
            "cold_to_parse_only": round(cold / parse, 2) if cold and parse else None,
        },
    }


def baselines(tg: Tapgap, runs: int, timeout: float) -> dict[str, Any]:
    python = str(tg.python)
    out = {}
    for name, code in (("python start", "pass"), ("import tapgap.cli", "import tapgap.cli")):
        m = repeat(name, runs, fixed([python, "-c", code]), timeout=timeout, label="baseline")
        out[name] = m.json()
    return out


# -- report -----------------------------------------------------------------------------------------------


def _fig(measure: dict[str, Any], key: str = "wall", spread: bool = True) -> str:
    if "skipped" in measure:
        return "skip"
    if key not in measure:
        return "-"
    v = measure[key]
    if key == "rss_mb":
        return f"{v['median']:.0f}"
    text = f"{v['median']:.3f}"
    return text + (f" ({v['min']:.2f}-{v['max']:.2f})" if spread and len(measure["samples"]) > 1 else "")


def tables(result: dict[str, Any]) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    head = [
        "project",
        "ops (st: statements)",
        "files (schema+tests)",
        "MB",
        "cold s",
        "first s",
        "warm s",
        "update s",
        "RSS cold MB",
        "RSS warm MB",
        "cache / SQL",
        "parse-only s",
        "cold / parse",
        "cold / warm",
    ]
    rows = []
    for p in result["projects"]:
        m = p["measures"]
        rows.append(
            [
                p["name"],
                f"{p['operations']:,}" if p["operations"] else f"{p['statements'] or 0:,} st",
                f"{p['schema_files']:,}+{p['test_files']:,}",
                f"{p['sql_bytes'] / 1e6:.2f}",
                _fig(m["cold"]),
                _fig(m.get("first", {"skipped": 1})),
                _fig(m["warm"]),
                _fig(m.get("update", {"skipped": 1})) if p["kind"] == "scale" else "-",
                _fig(m["cold"], "rss_mb"),
                _fig(m["warm"], "rss_mb"),
                f"{m['warm']['cache_to_sql']:.2f}" if "cache_to_sql" in m["warm"] else "-",
                _fig(m["parse-only"], spread=False),
                f"{p['ratios']['cold_to_parse_only']}" if p["ratios"]["cold_to_parse_only"] else "-",
                f"{p['ratios']['cold_to_warm']}" if p["ratios"]["cold_to_warm"] else "-",
            ]
        )
    thead = ["SPEC §6 target", "limit", "measured", "met"]
    trows = []
    for label, limit, value, met in result["targets"]:
        trows.append([label, limit, value, met])
    return head, rows, thead, trows


def _text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [head, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render(result: dict[str, Any], markdown: bool) -> str:
    head, rows, thead, trows = tables(result)
    env = result["environment"]
    b = result["baseline"]
    intro = (
        f"median of {result['runs']} runs (min-max); {env['cpus']} CPUs, Python {env['python']}; "
        f"{env['tapgap']} (git {env['git']['commit']}, {env['git']['uncommitted_server_files']} uncommitted "
        f"server files); options: "
        + ", ".join(f"{k} {'yes' if v else 'MISSING'}" for k, v in env["options"].items())
        + f"\nbaseline: python start {b['python start']['wall']['median']:.3f} s, "
        f"import tapgap.cli {b['import tapgap.cli']['wall']['median']:.3f} s"
    )
    extra = []
    if "L/M cold" in result["ratios"]:
        extra.append(f"L/M cold cost ratio {result['ratios']['L/M cold']} (linear growth: <= 12)")
    if "M/S cold" in result["ratios"]:
        extra.append(f"M/S cold cost ratio {result['ratios']['M/S cold']}")
    extra += [f"{f['name']}: FAILED ({f['error'].splitlines()[0]})" for f in result["failed"]]
    end = env.get("git_at_end")
    if end is not None and end != env["git"]:
        extra.append(
            f"note: the checkout changed during the run (at the end: git {end['commit']}, "
            f"{end['uncommitted_server_files']} uncommitted server files)"
        )
    notes = "\n".join(extra)
    if markdown:
        return (
            "\n\n".join(x for x in [intro, _md_table(head, rows), notes, _md_table(thead, trows)] if x) + "\n"
        )
    return (
        "\n\n".join(x for x in [intro, _text_table(head, rows), notes, _text_table(thead, trows)] if x) + "\n"
    )


def targets(projects: list[dict[str, Any]], ratios: dict[str, float]) -> list[list[str]]:
    by_name = {p["name"]: p for p in projects if p["kind"] == "scale"}
    out = []
    for label, scale, measure, key, limit, unit in TARGETS:
        p = by_name.get(scale)
        m = p["measures"].get(measure) if p else None
        if not m or key not in m:
            continue
        value = m[key]["median"]
        out.append(
            [
                label,
                f"<= {limit:g} {unit}",
                f"{value:.3f} {unit}" if unit == "s" else f"{value:.0f} {unit}",
                "yes" if value <= limit else "NO",
            ]
        )
    if "L/M cold" in ratios:
        out.append(
            [
                "cold cost grows linearly (L/M)",
                "<= 12",
                f"{ratios['L/M cold']}",
                "yes" if ratios["L/M cold"] <= 12 else "NO",
            ]
        )
    cache = [p["measures"]["warm"].get("cache_to_sql") for p in projects]
    cache = [c for c in cache if c is not None]
    if cache:
        worst = max(cache)
        out.append(
            ["cache size / SQL bytes (worst project)", "<= 3", f"{worst:.2f}", "yes" if worst <= 3 else "NO"]
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="S,M", help="comma-separated: S, M, L (default S,M)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--no-corpora", action="store_true", help="skip the real corpora")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--python",
        type=Path,
        default=REPO / ".venv" / "bin" / "python",
        help="the Python that has tapgap installed (default: the repository's .venv)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    args = parser.parse_args(argv)
    scales = [s.strip().upper() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in generate.SCALES]
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(unknown)}")
    if not args.python.is_file():
        args.python = Path(sys.executable)
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.out / ".gitignore").exists():
        (args.out / ".gitignore").write_text("# bench/run.py output\n*\n")
    tg = Tapgap(args.python)
    progress(f"{tg.version} via {' '.join(tg.base)}; options: {tg.options}")
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "runs": args.runs,
        "seed": args.seed,
        "environment": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "tapgap": tg.version,
            "command": tg.base,
            "options": tg.options,
            "git": git_state(),
            "bytecode compiled": compile_bytecode(tg),
        },
        "baseline": baselines(tg, args.runs, args.timeout),
        "projects": [],
        "failed": [],
    }
    with tempfile.TemporaryDirectory(prefix="tapgap-bench-") as tmp:
        work = Path(tmp)
        todo: list[str | Project] = list(scales)
        if not args.no_corpora:
            if (args.corpora / "manifest.json").is_file():
                todo += corpus_projects(args.corpora, work / "corpora")
            else:
                progress(f"no corpora at {args.corpora}: skipped")
        for item in todo:
            project = (
                ensure_generated(item, args.seed, args.out / "projects") if isinstance(item, str) else item
            )
            try:
                result["projects"].append(measure_project(tg, project, args, work))
            except ChildFailed as exc:
                progress(f"{project.name}: FAILED\n{exc}")
                result["failed"].append({"name": project.name, "error": str(exc)})
    cold = {
        p["name"]: p["measures"]["cold"]["wall"]["median"]
        for p in result["projects"]
        if p["kind"] == "scale" and "wall" in p["measures"]["cold"]
    }
    ratios: dict[str, float] = {}
    for big, small in (("L", "M"), ("M", "S")):
        if big in cold and small in cold:
            ratios[f"{big}/{small} cold"] = round(cold[big] / cold[small], 2)
    result["ratios"] = ratios
    result["environment"]["git_at_end"] = git_state()  # others may change the checkout during a long run
    result["targets"] = targets(result["projects"], ratios)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = json.dumps(result, indent=1) + "\n"
    (args.out / f"bench-{stamp}.json").write_text(text)
    (args.out / "latest.json").write_text(text)
    sys.stdout.write(render(result, args.markdown))
    progress(f"figures: {args.out / f'bench-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
