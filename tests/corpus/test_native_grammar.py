"""Corpus conformance: the direct libpg_query calls of ``pgtree`` answer exactly as pgparse's own functions.

``pgtree`` calls the libpg_query functions exported by pgparse's extension and decodes the JSON with msgspec;
pgparse's functions stay the fallback. On every statement of every corpus file (and each statement's
PL/pgSQL body, for functions), both must give the same tree, or the same error message and position.
"""

from __future__ import annotations

from typing import Any

import pytest

from tapgap.sql import pgtree
from tapgap.sql.split import split_sql
from tapgap.sql.text import decode_sql
from tests.corpora import all_sql_files, requires_corpora

pytestmark = [pytest.mark.corpus, requires_corpora]


def _answer(grammar: pgtree.Grammar, text: str) -> Any:
    try:
        result = grammar(text)
    except pgtree._GrammarError as exc:
        return ("error", exc.message, exc.position)
    except Exception as exc:
        return ("failure", type(exc).__name__)
    # A parse result's "version" is libpg_query's, which pgparse drops.
    return result.get("stmts") if isinstance(result, dict) else result


def _plpgsql_function(node: pgtree.Node) -> bool:
    # libpg_query's PL/pgSQL parser aborts the process on a function in another language.
    if pgtree.kind(node) != "CreateFunctionStmt":
        return False
    options = [pgtree.body(o) for o in pgtree.body(node).get("options") or ()]
    language = [pgtree.strings([o.get("arg", {})]) for o in options if o.get("defname") == "language"]
    return [s.lower() for s in language[0]] == ["plpgsql"] if language else False


def test_native_grammar_is_in_use() -> None:
    assert pgtree._native() is not None


def test_native_grammar_matches_pgparse_on_every_corpus_statement() -> None:
    native = pgtree._native()
    assert native is not None
    sql, plpgsql = native
    compared = functions = 0
    for path in all_sql_files():
        text, _ = decode_sql(str(path), path.read_bytes())
        for piece in split_sql(text):
            if piece.kind != "sql":
                continue
            compared += 1
            mine = _answer(sql, piece.text)
            assert mine == _answer(pgtree._pgparse_parse, piece.text), (path, piece.span)
            if isinstance(mine, list) and len(mine) == 1 and _plpgsql_function(mine[0].get("stmt", {})):
                functions += 1
                expected = _answer(pgtree._pgparse_plpgsql, piece.text)
                assert _answer(plpgsql, piece.text) == expected, (path, piece.span)
    assert compared > 40_000
    assert functions > 1_000
