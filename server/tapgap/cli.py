"""Command line. Never imports the LSP layer (importing pygls costs 0.7 s) unless ``serve`` runs."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tapgap import __version__

if TYPE_CHECKING:
    from tapgap.analysis import ProjectAnalysis
    from tapgap.config import Config, LoadedConfig
    from tapgap.coverage.baseline import Baseline
    from tapgap.facts import Stats
    from tapgap.report.check.places import Places
    from tapgap.results import CachedResult
    from tapgap.store import FactStore

EXIT_OK, EXIT_INPUT, EXIT_GATE = 0, 1, 2


def _inventory(args: argparse.Namespace) -> int:
    from tapgap.report.inventory import render_inventory_json, render_inventory_text
    from tapgap.schema.inventory import Inventory, build_inventory, state_items

    root = Path(args.path)
    if not root.exists():
        print(f"tapgap: {root}: no such file or directory", file=sys.stderr)
        return EXIT_INPUT
    if root.is_dir():
        analysis = _analyse(root, args)
        if isinstance(analysis, int):
            return analysis
        if not analysis.schema_files:
            print(f"tapgap: {root}: no schema SQL files found ({analysis.layout})", file=sys.stderr)
            return EXIT_INPUT
        schema_names = {relative_name(analysis.root, path) for path in analysis.schema_files}
        inventory = Inventory(
            state_items(analysis.state),
            [f for f in analysis.findings if f.file in schema_names and f.code != "untested"],
            len(analysis.schema_files),
            analysis.statements - analysis.suite.statements,
        )
        layout = analysis.layout
    else:
        inventory = build_inventory(root.parent, [root], search_path=_search_path(args) or ("public",))
        layout = "a single file"
    if args.format == "json":
        sys.stdout.buffer.write(render_inventory_json(inventory) + b"\n")
    else:
        sys.stdout.write(render_inventory_text(inventory, layout))
    return EXIT_OK


def _assertions(args: argparse.Namespace) -> int:
    from tapgap.coverage.assertions import analyse_tests
    from tapgap.report.assertions import render_assertions_json, render_assertions_text
    from tapgap.schema.state import SchemaState

    root = Path(args.path)
    if not root.exists():
        print(f"tapgap: {root}: no such file or directory", file=sys.stderr)
        return EXIT_INPUT
    if root.is_dir():
        analysis = _analyse(root, args)
        if isinstance(analysis, int):
            return analysis
        if not analysis.test_files:
            print(f"tapgap: {root}: no pgTAP test files found ({analysis.layout})", file=sys.stderr)
            return EXIT_INPUT
        suite, layout = analysis.suite, analysis.layout
    else:  # one test file, read against an empty schema: every target is reported as it is written
        suite = analyse_tests(root.parent, [root], SchemaState())
        layout = "a single test file"
    if args.format == "json":
        sys.stdout.buffer.write(render_assertions_json(suite) + b"\n")
    else:
        sys.stdout.write(render_assertions_text(suite, layout))
    return EXIT_OK


def _search_path(args: argparse.Namespace) -> list[str] | None:
    return None if args.search_path is None else [s.strip() for s in args.search_path.split(",")]


def _analyse(root: Path, args: argparse.Namespace) -> ProjectAnalysis | int:
    """The project as `tapgap check` sees it (configuration, listing, cache), or an exit code."""
    import msgspec

    from tapgap.analysis import analyse_project
    from tapgap.config import ConfigError, load_config

    try:
        loaded = load_config(root, Path(args.config) if args.config else None)
    except ConfigError as exc:
        print(f"tapgap: {exc}", file=sys.stderr)
        return EXIT_INPUT
    search_path = _search_path(args)
    if search_path is not None:
        loaded = msgspec.structs.replace(
            loaded, config=msgspec.structs.replace(loaded.config, search_path=search_path)
        )
    store = open_store(root, args, loaded.config.fingerprint())
    try:
        return analyse_project(root, loaded, store=store)
    finally:
        for warning in store.warnings:
            print(f"tapgap: warning: {warning}", file=sys.stderr)
        store.close()


def _check(args: argparse.Namespace) -> int:
    from tapgap import results
    from tapgap.config import ConfigError, load_config
    from tapgap.coverage.baseline import BaselineError, load_baseline
    from tapgap.facts import Stats
    from tapgap.report.check import FORMATS
    from tapgap.report.check.places import places_for

    root = Path(args.path)
    if not root.is_dir():
        print(f"tapgap: {root}: not a folder", file=sys.stderr)
        return EXIT_INPUT
    try:
        loaded = load_config(root, Path(args.config) if args.config else None)
        config = loaded.config
        baseline_path = root / (args.baseline or config.baseline or DEFAULT_BASELINE)
        baseline = None if args.write_baseline else load_baseline(baseline_path)
    except (ConfigError, BaselineError) as exc:
        print(f"tapgap: {exc}", file=sys.stderr)
        return EXIT_INPUT
    places = places_for(root, os.environ)
    stats = Stats()
    started = time.perf_counter()
    store = open_store(root, args, config.fingerprint())
    stats.timed("cache open", started)
    try:
        placed = places if FORMATS[args.format].uses_places else None
        inputs = _result_inputs(root, args, config, baseline_path, placed)
        names = _listed_names(root, loaded, stats, store)
        if not args.write_baseline:
            started = time.perf_counter()
            cached = results.lookup(inputs, root, names, store)
            stats.timed("result cache", started)
            if cached is not None:
                stats.from_cache = stats.files = len(names) + len(cached.extra_files)
                return _emit(args, cached, stats, store)
        result = _full_check(root, loaded, args, baseline, baseline_path, places, store, stats)
        if result.report and not args.write_baseline:
            results.save(inputs, root, names, store, result)
        return _emit(args, result, stats, store)
    finally:
        for warning in [*store.warnings, *stats.cache_warnings]:
            print(f"tapgap: warning: {warning}", file=sys.stderr)
        store.close()


def _serve(args: argparse.Namespace) -> int:
    if args.tcp is not None:
        from tapgap.lsp.tcp import parse_tcp

        try:
            parse_tcp(args.tcp)
        except ValueError as exc:
            print(f"tapgap: --tcp {exc}", file=sys.stderr)
            return EXIT_INPUT
    from tapgap.lsp.server import serve  # imports pygls: only when serving

    try:
        serve(
            tcp=args.tcp,
            cache_dir=Path(args.cache_dir) if args.cache_dir else None,
            use_cache=not args.no_cache,
            level=args.level,
            socket_path=Path(args.socket) if args.socket else None,
            root=Path(args.root) if args.root else None,
        )
    except OSError as exc:
        print(f"tapgap: {exc}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def _query(args: argparse.Namespace) -> int:
    """A running daemon answers (found through .tapgap/daemon.json); else the project is analysed here."""
    import json

    from tapgap.config import ConfigError
    from tapgap.lsp import query  # no pygls

    try:
        params = None if args.params is None else json.loads(args.params)
    except ValueError as exc:
        print(f"tapgap: --params: not JSON: {exc}", file=sys.stderr)
        return EXIT_INPUT
    root = Path(args.root).absolute()
    if not root.is_dir():
        print(f"tapgap: {args.root}: not a folder", file=sys.stderr)
        return EXIT_INPUT
    daemon = query.read_discovery(root)
    response: dict[str, Any] | None = None
    if daemon is not None:
        try:
            response = query.ask(daemon, args.method, params)
        except OSError:
            response = None  # gone since it wrote the file: answer here
    if response is None:
        try:
            workspace, store = query.open_workspace(
                root, Path(args.cache_dir) if args.cache_dir else None, not args.no_cache, args.level
            )
        except ConfigError as exc:
            print(f"tapgap: {exc}", file=sys.stderr)
            return EXIT_INPUT
        try:
            response = {"result": query.dispatch(workspace, args.method, params)}
        except query.QueryError as exc:
            response = {"error": {"code": exc.code, "message": exc.message}}
        finally:
            store.close()
    if "error" in response:
        error = response["error"]
        print(f"tapgap: {error.get('message')} ({error.get('code')})", file=sys.stderr)
        return EXIT_INPUT
    print(json.dumps(response.get("result"), indent=2))
    return EXIT_OK


def relative_name(root: Path, path: Path) -> str:
    from tapgap.files import relative

    return relative(root, path)


def _result_inputs(
    root: Path, args: argparse.Namespace, config: Config, baseline_path: Path, places: Places | None
) -> bytes:
    """Everything besides the files that decides a check's answer."""
    import msgspec

    from tapgap.facts import code_digest

    try:
        baseline = baseline_path.read_bytes()
    except OSError:
        baseline = b""
    options = [str(root.absolute()), args.level, args.fail_under, args.format, str(baseline_path), places]
    return b"\0".join(
        [code_digest().encode(), msgspec.json.encode(config), msgspec.json.encode(options), baseline]
    )


def _listed_names(root: Path, loaded: LoadedConfig, stats: Stats, store: FactStore) -> list[str]:
    from tapgap.listing import listed_names

    started = time.perf_counter()
    names = listed_names(root, loaded, store)
    stats.timed("discover", started)
    return names


def _full_check(
    root: Path,
    loaded: LoadedConfig,
    args: argparse.Namespace,
    baseline: Baseline | None,
    baseline_path: Path,
    places: Places,
    store: FactStore,
    stats: Stats,
) -> CachedResult:
    """The answer of a full analysis: report, exit code, messages for stderr, included files."""
    from tapgap.analysis import analyse_project
    from tapgap.coverage.baseline import write_baseline
    from tapgap.coverage.gate import decide
    from tapgap.report.check import FORMATS, reporter
    from tapgap.report.check.model import build_report
    from tapgap.results import CachedResult

    # A check builds a large graph of small objects and exits: the cyclic collector's repeated passes over it
    # cost more than they free (measured: replay and indexing 2-5 times slower at scale M), so it is off.
    gc.disable()
    from tapgap.listing import LISTING_KIND, listing_key

    analysis = analyse_project(
        root,
        loaded,
        level=args.level,
        baseline=baseline,
        store=store,
        stats=stats,
        keep=[(listing_key(root, loaded), LISTING_KIND)],
    )
    if not analysis.schema_files and not analysis.test_files:
        return CachedResult(b"", EXIT_INPUT, [f"tapgap: {root}: no SQL files found ({analysis.layout})"], [])
    if args.write_baseline:
        count = write_baseline(baseline_path, analysis.index, analysis.findings)
        return CachedResult(
            b"", EXIT_OK, [f"tapgap: wrote {count} accepted gaps and findings to {baseline_path}"], []
        )
    config = loaded.config
    gate = decide(
        analysis.index.total,
        analysis.index.kinds,
        analysis.findings,
        fail_under=args.fail_under if args.fail_under is not None else config.fail_under,
        fail_under_kind=config.fail_under_kind,
    )
    data = build_report(analysis, gate)
    summary_format = FORMATS[args.format].step_summary
    report = reporter(args.format)(data, places)
    step_summary = reporter(summary_format)(data, places) if summary_format else b""
    messages = []
    code = EXIT_OK if gate.passed else EXIT_GATE
    unreadable = [f for f in analysis.findings if f.code in INPUT_PROBLEMS]
    if unreadable:
        messages.append(
            f"tapgap: {len(unreadable)} file{'s' if len(unreadable) != 1 else ''} could not be read as UTF-8 SQL "
            f"(first: {unreadable[0].position()}: {unreadable[0].message})"
        )
        code = EXIT_INPUT
    included = [relative_name(root, p) for p in analysis.included_files]
    return CachedResult(report, code, messages, included, step_summary)


def _emit(args: argparse.Namespace, result: CachedResult, stats: Stats, store: FactStore) -> int:
    if result.report:
        if args.output:
            try:
                Path(args.output).write_bytes(result.report)
            except OSError as exc:
                print(f"tapgap: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
                return EXIT_INPUT
        else:
            sys.stdout.buffer.write(result.report)
    summary_path = os.environ.get(STEP_SUMMARY)
    if result.step_summary and summary_path:
        try:
            with open(summary_path, "ab") as summary:  # appended: earlier steps' summaries stay
                summary.write(result.step_summary)
        except OSError as exc:
            # The annotations are out already; a job summary that cannot be written is no reason to fail.
            print(
                f"tapgap: warning: cannot write {STEP_SUMMARY} {summary_path}: {exc.strerror or exc}",
                file=sys.stderr,
            )
    for message in result.messages:
        print(message, file=sys.stderr)
    if args.stats:
        print_stats(stats, store)
    return result.exit_code


# Findings that mean the input itself is broken: the run is an input error, whatever the coverage.
INPUT_PROBLEMS = frozenset({"unreadable-file", "invalid-encoding"})


DEFAULT_BASELINE = ".tapgap/baseline.json"
# GitHub Actions names here a Markdown file of the step's; its content is shown on the job's page.
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
DEFAULT_CACHE = ".tapgap/cache"


def open_store(root: Path, args: argparse.Namespace, fingerprint: str) -> FactStore:
    from tapgap.facts import namespace
    from tapgap.store import FactStore

    if args.no_cache:
        return FactStore.disabled()
    path = Path(args.cache_dir) if args.cache_dir else root / DEFAULT_CACHE
    return FactStore(path, namespace=namespace(fingerprint))


def print_stats(stats: Stats, store: FactStore) -> None:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = ["tapgap stats:"]
    for phase, seconds in stats.phases.items():
        lines.append(f"  {phase:<14}{seconds * 1000:>9.1f} ms")
    lines.append(
        f"  files {stats.files}: {stats.parsed} parsed, {stats.from_cache} from the cache, "
        f"{stats.read} read" + (f", {stats.workers} worker processes" if stats.workers else "")
    )
    lines.append(
        f"  peak memory {own / 1024:.0f} MB" + (f" (workers {workers / 1024:.0f} MB)" if workers else "")
    )
    lines.append(f"  cache {store.size_bytes() / 1e6:.1f} MB")
    print("\n".join(lines), file=sys.stderr)


def _project_options(command: argparse.ArgumentParser) -> None:
    """What `inventory` and `assertions` share with `check`: the configuration and the cache."""
    command.add_argument(
        "--search-path",
        metavar="SCHEMAS",
        help="search_path in force at the start of each file (comma list; default: the configuration's, "
        "else public)",
    )
    command.add_argument(
        "--config", metavar="FILE", help="configuration file (default: tapgap.toml or pyproject.toml)"
    )
    command.add_argument(
        "--cache-dir", metavar="DIR", help=f"where per-file facts are cached (default: {DEFAULT_CACHE})"
    )
    command.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")


def build_parser() -> argparse.ArgumentParser:
    from tapgap.report.check import FORMATS

    parser = argparse.ArgumentParser(
        prog="tapgap", description="Which parts of your PostgreSQL schema does no pgTAP test check?"
    )
    parser.add_argument("--version", action="version", version=f"tapgap {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    inventory = commands.add_parser(
        "inventory", help="list the schema objects the project's SQL defines, with their definition sites"
    )
    inventory.add_argument("path", nargs="?", default=".", help="project folder or one SQL file")
    inventory.add_argument("--format", choices=("text", "json"), default="text")
    _project_options(inventory)
    inventory.set_defaults(run=_inventory)
    assertions = commands.add_parser(
        "assertions", help="list every pgTAP call of the tests: what it checks, what it exercises, findings"
    )
    assertions.add_argument("path", nargs="?", default=".", help="project folder or one test file")
    assertions.add_argument("--format", choices=("text", "json"), default="text")
    _project_options(assertions)
    assertions.set_defaults(run=_assertions)
    check = commands.add_parser(
        "check",
        help="coverage of the schema by the tests, findings, and a CI gate",
        description="Exit codes: 0 passed, 1 usage or input error, 2 coverage under a threshold or a "
        "blocking finding.",
    )
    check.add_argument("path", nargs="?", default=".", help="project folder (default: .)")
    check.add_argument(
        "--level", choices=("lenient", "normal", "strict"), help="override the configured level"
    )
    check.add_argument(
        "--fail-under", type=float, metavar="N", help="fail when overall coverage is under N%%"
    )
    check.add_argument(
        "--format",
        choices=tuple(FORMATS),
        default="text",
        help="the report: text, json, junit (JUnit XML), sarif (SARIF 2.1.0), github (GitHub Actions "
        "annotations, and a Markdown job summary when $GITHUB_STEP_SUMMARY is set), markdown",
    )
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument(
        "--config", metavar="FILE", help="configuration file (default: tapgap.toml or pyproject.toml)"
    )
    check.add_argument(
        "--baseline", metavar="FILE", help=f"baseline of accepted gaps (default: {DEFAULT_BASELINE})"
    )
    check.add_argument(
        "--write-baseline", action="store_true", help="accept every current gap and finding into the baseline"
    )
    check.add_argument(
        "--cache-dir", metavar="DIR", help=f"where per-file facts are cached (default: {DEFAULT_CACHE})"
    )
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument(
        "--stats", action="store_true", help="print timings per phase, cache use and peak memory"
    )
    check.set_defaults(run=_check)
    serve = commands.add_parser(
        "serve", help="run the language server (stdio by default) for editors and scripts"
    )
    listen = serve.add_mutually_exclusive_group()
    listen.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        help="run as a daemon on a loopback TCP address, clients present the token of .tapgap/daemon.json"
        " (e.g. 127.0.0.1:2087; port 0: any free port)",
    )
    listen.add_argument("--socket", metavar="PATH", help="run as a daemon on a Unix socket (mode 0600)")
    serve.add_argument(
        "--root",
        metavar="DIR",
        help="the daemon's project (default: the current folder; stdio takes the editor's)",
    )
    serve.add_argument(
        "--cache-dir", metavar="DIR", help=f"where per-file facts are cached (default: {DEFAULT_CACHE})"
    )
    serve.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    serve.add_argument(
        "--level", choices=("lenient", "normal", "strict"), help="override the configured level"
    )
    serve.set_defaults(run=_serve)
    query = commands.add_parser(
        "query",
        help="ask a running daemon (tapgap/summary, tapgap/gaps, tapgap/object), or answer from the cache",
    )
    query.add_argument("method", help="tapgap/summary, tapgap/gaps or tapgap/object")
    query.add_argument("--params", metavar="JSON", help='the request params, e.g. \'{"kind": "table"}\'')
    query.add_argument("--root", metavar="DIR", default=".", help="project folder (default: .)")
    query.add_argument(
        "--cache-dir", metavar="DIR", help=f"without a daemon: the cache (default: {DEFAULT_CACHE})"
    )
    query.add_argument(
        "--no-cache", action="store_true", help="without a daemon: neither read nor write the cache"
    )
    query.add_argument(
        "--level",
        choices=("lenient", "normal", "strict"),
        help="without a daemon: override the configured level",
    )
    query.set_defaults(run=_query)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors; 2 means "gate failed" here
        return EXIT_OK if exc.code == 0 else EXIT_INPUT
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code


if __name__ == "__main__":
    sys.exit(main())
