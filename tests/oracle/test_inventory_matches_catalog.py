"""Oracle: tapgap's static inventory of a project equals what PostgreSQL's catalogue has after applying it.

For each project (the bundled example and several corpora): a fresh database, the platform prelude, a
snapshot of the catalogue, every schema file with ``psql -v ON_ERROR_STOP=1 -f`` in order, the catalogue
again;
the project's objects are the difference (:func:`project_items`). tapgap reads the same files statically
(:func:`build_inventory`). Compared per kind: objects missing on either side and attributes that differ.
Only documented known differences are allowed, and they are asserted exactly.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tapgap.schema.inventory import InventoryItem, build_inventory
from tests.corpora import CORPORA, requires_corpora
from tests.oracle.corpus_projects import OracleProject, corpus_projects, example_project
from tests.oracle.live_inventory import LiveObjects, by_ref, live_objects, project_items

pytestmark = pytest.mark.oracle

Difference = tuple[str, str, str]  # (kind, key, problem)


def _corpus_names() -> list[str]:
    if not (CORPORA / "manifest.json").is_file():
        return ["pg_partman", "postgrest-fixtures", "supabase-test-helpers", "pgtap"]
    return [p.name for p in corpus_projects()]


def _db_name(project: OracleProject) -> str:
    return "oracle_" + re.sub(r"\W", "_", project.name)


def apply_project(server: Any, project: OracleProject, db: str) -> tuple[LiveObjects, LiveObjects]:
    """Create ``db``, run the prelude and every file; return the catalogue before and after the files."""
    server.create_database(db)
    if project.prelude:
        _check(server.psql(db, sql=project.prelude), "prelude")
    baseline = live_objects(server, db)
    with tempfile.TemporaryDirectory() as tmp:
        for rel, path in zip(project.files, project.paths(), strict=True):
            script = path
            if project.placeholders or project.live_replacements:
                text = path.read_text()
                for old, new in {**project.placeholders, **project.live_replacements}.items():
                    text = text.replace(old, new)
                script = Path(tmp) / rel.replace("/", "__")
                script.write_text(text)
            proc = server.psql(db, file=script, variables=project.variables, cwd=path.parent)
            _check(proc, rel)
    return baseline, live_objects(server, db)


def _check(proc: Any, what: str) -> None:
    if proc.returncode != 0:
        raise AssertionError(f"{what} does not apply:\n{proc.stderr[-3000:]}")


def compare(
    static: Iterable[InventoryItem], project: Iterable[InventoryItem], current: LiveObjects
) -> dict[Difference, str]:
    """Differences between the static items and the catalogue, each with a readable detail.

    Missing from static: the project made it, tapgap does not know it. Missing from catalogue: tapgap has it
    and the database does not have it at all (an object the project re-declared over an identical prelude
    object exists, so it is compared with the catalogue, not reported missing).
    """
    # Roles belong to the cluster, not to one database: the live side does not list them.
    static_by_ref = by_ref(item for item in static if item.kind != "role")
    project_by_ref = by_ref(project)
    diffs: dict[Difference, str] = {}
    for ref, item in project_by_ref.items():
        if ref not in static_by_ref:
            diffs[(*ref, "missing from static")] = f"catalogue: {item.attrs}"
    for ref, item in static_by_ref.items():
        live = current.get(ref)
        if live is None:
            where = f" ({item.file}:{item.line})" if item.file else ""
            diffs[(*ref, "missing from catalogue")] = f"static: {item.attrs}{where}"
            continue
        live_attrs = live[0].attrs
        for name in sorted(set(item.attrs) | set(live_attrs)):
            if item.attrs.get(name) != live_attrs.get(name):
                where = f" ({item.file}:{item.line})" if item.file else ""
                diffs[(*ref, f"attr {name}")] = (
                    f"static: {item.attrs.get(name)!r}  catalogue: {live_attrs.get(name)!r}{where}"
                )
    return diffs


def report(diffs: dict[Difference, str], expected: set[Difference]) -> str:
    lines = []
    unexpected = sorted(set(diffs) - expected)
    gone = sorted(expected - set(diffs))
    for kind in sorted({d[0] for d in unexpected}):
        lines.append(f"== {kind}")
        lines += [
            f"  {key}: {problem} -- {diffs[(k, key, problem)]}" for k, key, problem in unexpected if k == kind
        ]
    if gone:
        lines.append("== known differences that no longer occur (remove them from corpus_projects.py)")
        lines += [f"  {kind} {key}: {problem}" for kind, key, problem in gone]
    return "\n".join(lines)


def check_project(server: Any, project: OracleProject) -> None:
    db = _db_name(project)
    baseline, current = apply_project(server, project, db)
    live = project_items(current, baseline)
    inventory = build_inventory(project.root, project.paths(), placeholders=project.placeholders or None)
    diffs = compare(inventory.items, live, current)
    expected = {(k.kind, k.key, k.problem) for k in project.known}
    assert set(diffs) == expected, f"{project.name}: static inventory differs from the catalogue\n" + report(
        diffs, expected
    )


def test_example_matches_catalog(pg_server: Any) -> None:
    check_project(pg_server, example_project())


@requires_corpora
@pytest.mark.corpus
@pytest.mark.parametrize("name", _corpus_names())
def test_corpus_matches_catalog(pg_server: Any, name: str) -> None:
    project = next(p for p in corpus_projects() if p.name == name)
    check_project(pg_server, project)


def test_example_tests_pass(pg_server: Any) -> None:
    """Every pgTAP file of the example passes on the applied example (the demo must be honest)."""
    project = example_project()
    db = _db_name(project) + "_tests"
    apply_project(pg_server, project, db)
    _check(pg_server.psql(db, sql="create extension pgtap;"), "pgtap")
    tests = sorted((project.root / "tests").glob("*.test.sql"))
    assert len(tests) >= 4
    for test in tests:
        proc = pg_server.psql(db, file=test, cwd=test.parent)
        _check(proc, test.name)
        lines = proc.stdout.splitlines()
        plan = next(line for line in lines if re.fullmatch(r"1\.\.\d+", line))
        oks = [line for line in lines if re.match(r"ok \d+", line)]
        failures = [line for line in lines if line.startswith("not ok") or line.startswith("# Looks like")]
        assert not failures, f"{test.name}:\n" + proc.stdout
        assert len(oks) == int(plan[3:]), f"{test.name}: {len(oks)} ok for {plan}\n{proc.stdout}"
