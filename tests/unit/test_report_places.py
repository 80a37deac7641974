"""Where reports say files are: relative to the repository root, with links to the forge in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapgap.report.check.places import Places, places_for


def test_files_are_named_from_the_repository_root_above_the_project(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    places = places_for(tmp_path / "db", {})
    assert places.repository == tmp_path.resolve().as_posix()
    assert places.path("migrations/1.sql") == "db/migrations/1.sql"


def test_a_linked_work_tree_s_git_file_marks_the_root_too(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    (tmp_path / "db").mkdir()
    assert places_for(tmp_path / "db", {}).prefix == "db/"


def test_outside_a_repository_files_are_named_from_the_project_root(tmp_path: Path) -> None:
    places = places_for(tmp_path, {})
    if places.repository != tmp_path.resolve().as_posix():
        pytest.skip("the temporary folder is inside a git work tree")
    assert places.prefix == "" and places.path("schema.sql") == "schema.sql"


@pytest.mark.parametrize(
    ("env", "web"),
    [
        (
            {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc"},
            "https://github.com/o/r/blob/abc/",
        ),
        (
            {"CI_PROJECT_URL": "https://gitlab.com/g/p/", "CI_COMMIT_SHA": "def"},
            "https://gitlab.com/g/p/-/blob/def/",
        ),
        ({"GITHUB_REPOSITORY": "o/r"}, None),  # not all of GitHub's: no link can be built
        ({}, None),
    ],
)
def test_ci_variables_give_links_to_the_analysed_commit(
    tmp_path: Path, env: dict[str, str], web: str | None
) -> None:
    assert places_for(tmp_path, env).web == web


def test_links_and_uris_are_percent_encoded_and_outside_files_absolute() -> None:
    places = Places(repository="/repo", prefix="db/", web="https://h/o/r/blob/c/")
    assert places.link("a b.sql", 3) == "https://h/o/r/blob/c/db/a%20b.sql#L3"
    assert places.path("/repo/shared/x.sql") == "shared/x.sql"
    assert places.path("/usr/share/x.sql") == "/usr/share/x.sql"
    assert places.link("/usr/share/x.sql", 1) == "/usr/share/x.sql#L1"
