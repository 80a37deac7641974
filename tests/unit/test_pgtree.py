"""The binding module: libpg_query called directly, pgparse as the fallback, errors and shared trees."""

from __future__ import annotations

import pytest

from tapgap.sql import pgtree


def test_libpg_query_is_called_directly() -> None:
    assert pgtree._native() is not None


@pytest.mark.parametrize("grammar", ["native", "pgparse"])
def test_both_grammars_answer_alike(grammar: str) -> None:
    native = pgtree._native()
    assert native is not None
    sql, plpgsql = native if grammar == "native" else (pgtree._pgparse_parse, pgtree._pgparse_plpgsql)
    text = "select 'é', f(1); create function g() returns int language plpgsql as $$begin return 1; end$$"
    assert sql(text).get("stmts") == pgtree._pgparse_parse(text)["stmts"]
    function = text.split("; ", 1)[1]
    assert plpgsql(function) == pgtree._pgparse_plpgsql(function)
    with pytest.raises(pgtree._GrammarError) as caught:
        sql("select 1 frm t")
    assert (caught.value.message, caught.value.position) == ('syntax error at or near "t"', 14)


def test_a_syntax_error_has_a_zero_based_offset() -> None:
    with pytest.raises(pgtree.SqlSyntaxError) as caught:
        pgtree.parse("select 1 frm t")
    assert caught.value.position == 13
    assert caught.value.message == 'syntax error at or near "t"'


def test_text_that_cannot_be_encoded_is_a_syntax_error_without_position() -> None:
    with pytest.raises(pgtree.SqlSyntaxError) as caught:
        pgtree.parse("select '\udcff'")
    assert caught.value.position is None
    assert caught.value.message.startswith("cannot parse: ")


def test_short_statements_trees_are_shared_long_ones_are_not() -> None:
    assert pgtree.parse("rollback") is pgtree.parse("rollback")
    long = "select " + ", ".join(f"f({i})" for i in range(60))
    first, again = pgtree.parse(long), pgtree.parse(long)
    assert first is not again
    assert first[0].node == again[0].node
