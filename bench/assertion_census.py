"""Census of the real corpora's pgTAP tests: calls found against a lexical scan, and findings by code.

    .venv/bin/python bench/assertion_census.py [--corpora ../shared/corpora]

For each corpus with tests: test files, pgTAP calls tapgap finds, calls a lexical scan finds and how many of
those tapgap matched (by line and function), then the test-file findings by code, and the reading time
(median of 3) of all test files against the corpus's schema.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from tapgap.coverage.assertions import analyse_tests
from tapgap.pgtap.catalog import CATALOG
from tapgap.schema.load import load_schema

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.corpus.test_pgtap_calls_corpus import lexical_calls

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CODES = (
    "dynamic-target",
    "unknown-assertion",
    "ambiguous-call",
    "stale-target",
    "plan-mismatch",
    "invalid-call",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    args = parser.parse_args()
    manifest = json.loads((args.corpora / "manifest.json").read_text())
    names = frozenset(CATALOG)
    print(
        f"{'corpus':<22}{'files':>6}{'calls':>7}{'lexical':>8}{'matched':>9}  "
        + "  ".join(CODES)
        + "  seconds"
    )
    for corpus, spec in manifest.items():
        if not spec.get("tests"):
            continue
        root = args.corpora / corpus
        schema_files = [root / e["path"] for e in spec.get("schema", [])]
        test_files = [root / e["path"] for e in spec["tests"]]
        state = load_schema(root, schema_files).state
        times = []
        for _ in range(3):
            started = time.perf_counter()
            analysis = analyse_tests(root, test_files, state)
            times.append(time.perf_counter() - started)
        ours = Counter((a.file, a.span.line, a.function) for a in analysis.assertions if a.via is None)
        lexical: Counter[tuple[str, int, str]] = Counter()
        for path in test_files:
            rel = path.relative_to(root).as_posix()
            for (line, name), n in lexical_calls(path.read_text("utf-8", "replace"), names).items():
                lexical[(rel, line, name)] += n
        matched = sum(min(n, ours[key]) for key, n in lexical.items())
        codes = Counter(f.code for f in analysis.findings)
        total_lexical = sum(lexical.values())
        print(
            f"{corpus:<22}{len(test_files):>6}{sum(ours.values()):>7}{total_lexical:>8}"
            f"{matched / total_lexical:>9.2%}  "
            + "  ".join(f"{codes[c]:>{len(c)}}" for c in CODES)
            + f"  {statistics.median(times):>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
