"""Command line: ``tapgap inventory``. Never imports the LSP layer (importing pygls costs 0.7 s)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tapgap import __version__

EXIT_OK, EXIT_INPUT, EXIT_GATE = 0, 1, 2


def _inventory(args: argparse.Namespace) -> int:
    from tapgap.project import detect_layout
    from tapgap.report.inventory import render_inventory_json, render_inventory_text
    from tapgap.schema.inventory import build_inventory

    root = Path(args.path)
    if not root.exists():
        print(f"tapgap: {root}: no such file or directory", file=sys.stderr)
        return EXIT_INPUT
    layout = detect_layout(root)
    if not layout.schema_files:
        print(f"tapgap: {root}: no schema SQL files found ({layout.description})", file=sys.stderr)
        return EXIT_INPUT
    inventory = build_inventory(layout.root, layout.schema_files, search_path=args.search_path.split(","))
    if args.format == "json":
        sys.stdout.buffer.write(render_inventory_json(inventory) + b"\n")
    else:
        sys.stdout.write(render_inventory_text(inventory, layout.description))
    return EXIT_OK


def _assertions(args: argparse.Namespace) -> int:
    from tapgap.coverage.assertions import analyse_tests
    from tapgap.project import detect_layout
    from tapgap.report.assertions import render_assertions_json, render_assertions_text
    from tapgap.schema.load import load_schema

    root = Path(args.path)
    if not root.exists():
        print(f"tapgap: {root}: no such file or directory", file=sys.stderr)
        return EXIT_INPUT
    layout = detect_layout(root, single_file_is_test=True)
    if not layout.test_files:
        print(f"tapgap: {root}: no pgTAP test files found ({layout.description})", file=sys.stderr)
        return EXIT_INPUT
    search_path = args.search_path.split(",")
    loaded = load_schema(layout.root, layout.schema_files, search_path=search_path)
    analysis = analyse_tests(layout.root, layout.test_files, loaded.state)
    if args.format == "json":
        sys.stdout.buffer.write(render_assertions_json(analysis) + b"\n")
    else:
        sys.stdout.write(render_assertions_text(analysis, layout.description))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
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
    inventory.add_argument(
        "--search-path", default="public", help="search_path in force at the start of each file (comma list)"
    )
    inventory.set_defaults(run=_inventory)
    assertions = commands.add_parser(
        "assertions", help="list every pgTAP call of the tests: what it checks, what it exercises, findings"
    )
    assertions.add_argument("path", nargs="?", default=".", help="project folder or one test file")
    assertions.add_argument("--format", choices=("text", "json"), default="text")
    assertions.add_argument(
        "--search-path", default="public", help="search_path in force at the start of each file (comma list)"
    )
    assertions.set_defaults(run=_assertions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code


if __name__ == "__main__":
    sys.exit(main())
