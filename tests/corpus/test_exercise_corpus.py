"""Exercises and role changes read from every statement of the corpora's test files.

Every top-level statement (split with the psql-aware splitter, parsed with libpg_query; statements the
grammar rejects are skipped) goes through ``statement_exercises`` and ``role_changes``, and the query texts
given to pgTAP's query-running assertions (the first argument of ``throws_ok``/``lives_ok``/``is_empty``...,
the first two of ``results_eq``/``set_eq``/``bag_eq``...) through ``sql_text_statements``. Nothing may raise;
the counts per corpus are printed (``pytest -s``) and quoted in the assertion messages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import pytest

from tapgap.pgtap.exercise import (
    RoleChange,
    is_builtin_function,
    role_changes,
    sql_text_statements,
    statement_exercises,
)
from tapgap.schema.model import QName
from tapgap.sql import pgtree
from tapgap.sql.split import split_sql
from tests.corpora import CORPORA, corpus_files, manifest, requires_corpora

pytestmark = [requires_corpora, pytest.mark.corpus]

# pgTAP functions whose leading arguments are SQL text that they run (or a prepared statement's name).
_TWO_QUERIES = frozenset(
    {
        "results_eq",
        "results_ne",
        "set_eq",
        "set_ne",
        "bag_eq",
        "bag_ne",
        "set_has",
        "set_hasnt",
        "bag_has",
        "bag_hasnt",
    }
)
_ONE_QUERY = frozenset(
    {
        "throws_ok",
        "throws_like",
        "throws_ilike",
        "throws_matching",
        "throws_imatching",
        "lives_ok",
        "is_empty",
        "isnt_empty",
        "row_eq",
        "performs_ok",
        "performs_within",
    }
)


@dataclass
class CorpusExercises:
    counts: Counter[str] = field(default_factory=Counter)
    calls: Counter[QName] = field(default_factory=Counter)
    relations: Counter[tuple[str, QName]] = field(default_factory=Counter)  # (action, target)
    roles: Counter[RoleChange] = field(default_factory=Counter)
    text_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['statements']} statements ({c['unparsed']} unparsed): {c['calls']} calls, {c['reads']} reads,"
            f" {c['writes']} writes, {c['role_changes']} role changes; {c['texts']} assertion query texts:"
            f" {c['text_exercises']} exercises, {c['text_role_changes']} role changes,"
            f" {c['text_executes']} prepared statements run, {len(self.text_errors)} errors"
        )


def _count(result: CorpusExercises, action: str, target: QName, prefix: str = "") -> None:
    if action == "call":
        result.counts[prefix + "calls"] += 1
        result.calls[target] += 1
    else:
        result.counts[prefix + ("reads" if action == "select" else "writes")] += 1
        result.relations[(action, target)] += 1


def _query_texts(node: pgtree.Node) -> list[str]:
    texts = []
    for item in pgtree.walk(node):
        if len(item) != 1 or "FuncCall" not in item:
            continue
        fields = item["FuncCall"]
        name = (pgtree.strings(fields.get("funcname")) or [""])[-1]
        if name in _TWO_QUERIES or name in _ONE_QUERY:
            for arg in (fields.get("args") or [])[: 2 if name in _TWO_QUERIES else 1]:
                value = pgtree.const_value(arg)
                if isinstance(value, str):
                    texts.append(value)
    return texts


@cache
def corpus_exercises(corpus: str) -> CorpusExercises:
    result = CorpusExercises()
    for path in corpus_files(corpus, "tests"):
        for piece in split_sql(path.read_text(encoding="utf-8", errors="replace")):
            if piece.kind != "sql":
                continue
            try:
                statements = pgtree.parse(piece.text)
            except pgtree.SqlSyntaxError:
                result.counts["unparsed"] += 1
                continue
            for statement in statements:
                result.counts["statements"] += 1
                for exercise in statement_exercises(statement.node, ignore_functions=is_builtin_function):
                    assert 0 <= exercise.location < len(piece.text), (path, exercise)
                    _count(result, exercise.action, exercise.target)
                for change in role_changes(statement.node):
                    result.counts["role_changes"] += 1
                    result.roles[change] += 1
                for text in _query_texts(statement.node):
                    result.counts["texts"] += 1
                    text_statements, error = sql_text_statements(text, ignore_functions=is_builtin_function)
                    if error is not None:
                        result.text_errors.append(
                            f"{path.relative_to(CORPORA)}: {text[:60]!r}: {error.message}"
                        )
                    for text_statement in text_statements:
                        for exercise in text_statement.exercises:
                            assert 0 <= exercise.location < len(text), (path, text, exercise)
                            result.counts["text_exercises"] += 1
                            _count(result, exercise.action, exercise.target, "text_")
                        for change in text_statement.role_changes:
                            result.counts["text_role_changes"] += 1
                            result.roles[change] += 1
                        result.counts["text_executes"] += text_statement.executes is not None
    return result


def _corpora_with_tests() -> list[str]:
    if not (CORPORA / "manifest.json").is_file():
        return []
    return sorted(corpus for corpus in manifest() if corpus_files(corpus, "tests"))


@pytest.mark.parametrize("corpus", _corpora_with_tests())
def test_every_test_statement_of_the_corpus_is_read_without_raising(corpus: str) -> None:
    result = corpus_exercises(corpus)
    print(f"\n{corpus}: {result.summary()}")
    assert result.counts["statements"] > 0, result.summary()
    assert result.counts["unparsed"] <= result.counts["statements"] // 1000, result.summary()


def test_every_assertion_query_text_of_the_corpora_parses() -> None:
    errors = [error for corpus in _corpora_with_tests() for error in corpus_exercises(corpus).text_errors]
    assert errors == []


def test_pgflow_tests_call_many_pgflow_functions_and_read_its_tables() -> None:
    result = corpus_exercises("pgflow")
    functions = {q.name for q in result.calls if q.schema == "pgflow"}
    tables = {q.name for (action, q) in result.relations if q.schema == "pgflow" and action == "select"}
    summary = (
        f"{result.summary()}; {len(functions)} pgflow functions called, {len(tables)} pgflow relations read"
    )
    print(f"\npgflow: {summary}")
    assert len(functions) >= 20, summary
    assert {"create_flow", "add_step", "start_flow", "complete_task"} <= functions, summary
    assert {"runs", "step_states", "step_tasks"} <= tables, summary
    assert result.counts["calls"] > 3000 and result.counts["reads"] > 1000, summary


def test_supabase_test_helpers_tests_switch_roles_and_exercise_posts_under_them() -> None:
    result = corpus_exercises("supabase-test-helpers")
    summary = f"{result.summary()}; roles: {dict(result.roles)}"
    assert result.roles[RoleChange("authenticated", True)] >= 4, summary  # tests.authenticate_as
    assert result.roles[RoleChange("anon", True)] >= 1, summary  # tests.clear_authentication
    assert result.roles[RoleChange("service_role", True)] >= 1, summary
    assert result.roles[RoleChange("anon", False)] >= 1, summary  # a plain SET ROLE anon
    # 99-blog-example: every command on posts, inside results_eq / is_empty / throws_ok texts
    posts = {action for (action, q) in result.relations if q.name == "posts"}
    assert {"select", "insert", "update", "delete"} <= posts, summary
    assert result.counts["text_role_changes"] >= 1, (
        summary
    )  # lives_ok($$ select tests.authenticate_as(...) $$)


def test_pgsodium_tests_set_reset_roles_and_session_authorization() -> None:
    result = corpus_exercises("pgsodium")
    summary = f"{result.summary()}; roles: {dict(result.roles)}"
    assert result.roles[RoleChange("pgsodium_keyiduser", False)] >= 1, summary
    assert result.roles[RoleChange(None, False)] >= 1, summary  # RESET ROLE
    assert result.roles[RoleChange("bobo", False, session=True)] >= 1, summary
    assert len({q.name for q in result.calls if q.schema == "pgsodium"}) >= 3, summary


def test_dbdev_tests_read_popular_packages_as_anon() -> None:
    result = corpus_exercises("dbdev")
    summary = f"{result.summary()}; roles: {dict(result.roles)}"
    assert result.roles[RoleChange("anon", True)] == 1, summary
    assert result.calls[QName("public", "popular_packages")] == 1, summary


def test_pgtap_own_tests_pass_prepared_statement_names() -> None:
    result = corpus_exercises("pgtap")
    assert result.counts["text_executes"] > 100, result.summary()
