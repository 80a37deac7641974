"""Census of ``tapgap check`` on the real corpora: objects, requirements, coverage at each level, findings.

    .venv/bin/python bench/check_census.py [--corpora ../shared/corpora]

Each corpus is checked with the schema and test files its manifest lists (corpora keep files at their
repository paths, which layout detection would not always find), with the default configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from tapgap import analysis as pipeline
from tapgap.config import Config, LoadedConfig
from tapgap.coverage.requirements import LEVELS

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    args = parser.parse_args()
    manifest = json.loads((args.corpora / "manifest.json").read_text())
    print(
        f"{'corpus':<22}{'objects':>8}"
        + "".join(f"{'req ' + lv:>14}{'%':>7}" for lv in LEVELS)
        + "  seconds  findings (normal)"
    )
    for corpus, spec in manifest.items():
        root = args.corpora / corpus
        schema = [root / e["path"] for e in spec.get("schema", [])]
        tests = [root / e["path"] for e in spec.get("tests", [])]
        row = f"{corpus:<22}"
        codes: Counter[str] = Counter()
        seconds = 0.0
        for level in LEVELS:
            started = time.perf_counter()
            result = pipeline.analyse_project(
                root, LoadedConfig(Config(level=level), None, root), files=(schema, tests)
            )
            seconds = time.perf_counter() - started
            if level == "lenient":
                row += f"{result.index.total.objects:>8}"
            row += f"{result.index.total.requirements:>14}{result.index.total.percent:>7.1f}"
            if level == "normal":
                codes = Counter(f.code for f in result.findings)
        print(row + f"{seconds:>9.2f}  " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
