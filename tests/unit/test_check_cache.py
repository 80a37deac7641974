"""``tapgap check`` with the cache: warm runs answer the same without parsing; any change is seen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapgap.cli import main


def project(tmp_path: Path) -> Path:
    (tmp_path / "schema.sql").write_text("create table t (id int primary key, name text);\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.sql").write_text("select plan(2);\n\\ir helpers.inc\nselect has_table('t');\n")
    (tmp_path / "tests" / "helpers.inc").write_text("select has_column('t', 'id');\n")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def parsed(err: str) -> int:
    match = re.search(r"files \d+: (\d+) parsed", err)
    assert match, err
    return int(match.group(1))


def test_a_warm_run_answers_the_same_without_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    cold = run(capsys, str(root), "--stats")
    warm = run(capsys, str(root), "--stats")
    assert parsed(cold[2]) == 3
    assert parsed(warm[2]) == 0
    assert "result cache" in warm[2]
    assert warm[:2] == cold[:2]


def test_a_changed_file_is_seen_by_the_next_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    before = run(capsys, str(root))
    (root / "schema.sql").write_text("create table t (id int primary key, name text, email text);\n")
    after = run(capsys, str(root), "--stats")
    assert "public.t.email" in after[1] and "public.t.email" not in before[1]
    assert parsed(after[2]) == 1  # only the changed file


def test_a_changed_included_file_is_seen_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    code, _, _ = run(capsys, str(root))
    assert code == 0
    (root / "tests" / "helpers.inc").write_text(
        "select has_column('t', 'id');\nselect has_column('t', 'name');\n"
    )
    code, out, _ = run(capsys, str(root))
    assert code == 2 and "plan(2) but the file runs 3 tests" in out


def test_options_and_configuration_are_part_of_the_cached_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    normal = run(capsys, str(root))
    strict = run(capsys, str(root), "--level", "strict")
    assert "level strict" in strict[1] and "level normal" in normal[1]
    (root / "tapgap.toml").write_text("fail_under = 100\n")
    gated = run(capsys, str(root))
    assert gated[0] == 2


def test_no_cache_touches_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = project(tmp_path)
    run(capsys, str(root), "--no-cache")
    assert not (root / ".tapgap").exists()


def test_cache_dir_puts_the_cache_elsewhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p").mkdir()
    root = project(tmp_path / "p")
    cache = tmp_path / "cache"
    run(capsys, str(root), "--cache-dir", str(cache))
    assert (cache / "data.mdb").is_file() and not (root / ".tapgap").exists()


def test_a_new_or_removed_file_is_seen_by_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    run(capsys, str(root))
    run(capsys, str(root))  # the listing and the answer now come from the cache
    (root / "tests" / "nested").mkdir()
    (root / "tests" / "nested" / "more.sql").write_text("select has_column('t', 'name');\n")
    _, out, err = run(capsys, str(root), "--stats")
    assert "3 test files" not in out and "2 test files" in out and parsed(err) == 1
    (root / "tests" / "nested" / "more.sql").unlink()
    _, out, _ = run(capsys, str(root))
    assert "1 test files" in out
