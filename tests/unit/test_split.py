"""The psql-aware splitter: statements, meta-commands, variables, placeholders, COPY data, spans."""

from __future__ import annotations

import itertools
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tapgap.sql.source import LineIndex, Piece
from tapgap.sql.split import DEFAULT_OPTIONS, SplitOptions, meta_words, split_sql

RAW = SplitOptions(placeholders={})


def sql(text: str, options: SplitOptions = DEFAULT_OPTIONS) -> list[str]:
    return [p.text for p in split_sql(text, options) if p.kind == "sql"]


def kinds(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every piece, in order."""
    return [(p.kind, p.text) for p in split_sql(text)]


def only(text: str) -> Piece:
    (piece,) = split_sql(text)
    return piece


# -- statement boundaries -----------------------------------------------------------------------------------


def test_statements_end_at_semicolons() -> None:
    assert sql("SELECT 1; SELECT 2;\nSELECT 3;") == ["SELECT 1", "SELECT 2", "SELECT 3"]


def test_span_skips_leading_comments_and_whitespace_and_excludes_the_semicolon() -> None:
    text = "-- head\n/* block */  SELECT 1 -- tail\n  /* more */ ;"
    piece = only(text)
    assert piece.text == "SELECT 1"
    assert text[piece.span.start : piece.span.end] == "SELECT 1"
    assert (piece.span.line, piece.span.col, piece.span.end_line, piece.span.end_col) == (1, 13, 1, 21)


def test_trailing_statement_without_semicolon_is_a_piece() -> None:
    assert sql("SELECT 1;\nSELECT 2\n-- done\n") == ["SELECT 1", "SELECT 2"]


def test_empty_statements_produce_nothing() -> None:
    assert split_sql(";;  ;\n-- only a comment\n/* and another */;") == []


def test_empty_input_produces_nothing() -> None:
    assert split_sql("") == []
    assert split_sql("  \n\t") == []


def test_dollar_quotes_with_tags_and_nested_different_tags() -> None:
    text = "CREATE FUNCTION f() RETURNS text AS $body$ SELECT $x$;$x$; $$;$$ $body$ LANGUAGE sql; SELECT 2"
    assert sql(text) == [text[: text.index("; SELECT 2")], "SELECT 2"]


def test_dollar_quote_tag_is_case_sensitive() -> None:
    assert sql("SELECT $a$ ; $A$ ; $a$; SELECT 2") == ["SELECT $a$ ; $A$ ; $a$", "SELECT 2"]


def test_positional_parameters_are_not_dollar_quotes() -> None:
    assert sql("PREPARE p AS SELECT $1, $2; SELECT 3") == ["PREPARE p AS SELECT $1, $2", "SELECT 3"]


def test_dollar_directly_after_an_identifier_character_is_not_a_quote() -> None:
    assert sql("SELECT a$b$; SELECT 1; SELECT $b$") == ["SELECT a$b$", "SELECT 1", "SELECT $b$"]


def test_nested_block_comments_hide_semicolons() -> None:
    assert sql("/* a /* b; */ c; */ SELECT 1; SELECT /* x */ 2") == ["SELECT 1", "SELECT /* x */ 2"]


def test_line_comment_hides_semicolons_and_ends_at_newline_or_carriage_return() -> None:
    assert sql("SELECT 1 -- a; b\n+ 1; SELECT 2") == ["SELECT 1 -- a; b\n+ 1", "SELECT 2"]
    assert sql("SELECT 1 -- a\r; SELECT 2") == ["SELECT 1", "SELECT 2"]


def test_escape_string_backslash_quote() -> None:
    assert sql(r"SELECT E'\';'; SELECT e'a\\'; SELECT 3") == [r"SELECT E'\';'", r"SELECT e'a\\'", "SELECT 3"]


def test_e_ending_an_identifier_does_not_start_an_escape_string() -> None:
    # ``xe'\'`` is the identifier xe and the standard string '\' (backslashes are plain characters there).
    assert sql(r"SELECT xe'\'; SELECT 2") == [r"SELECT xe'\'", "SELECT 2"]


def test_doubled_single_quotes_escape() -> None:
    assert sql("SELECT 'it''s; fine'; SELECT 2") == ["SELECT 'it''s; fine'", "SELECT 2"]


def test_unicode_escape_string() -> None:
    assert sql(r"SELECT U&'d\0061t;''a'; SELECT 2") == [r"SELECT U&'d\0061t;''a'", "SELECT 2"]


def test_quoted_identifiers_hide_semicolons_and_double_their_quotes() -> None:
    assert sql('SELECT 1 AS "a;""b"; SELECT 2') == ['SELECT 1 AS "a;""b"', "SELECT 2"]


def test_parentheses_hold_semicolons_like_psql() -> None:
    rule = "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))"
    assert sql(rule + "; SELECT 2") == [rule, "SELECT 2"]


def test_begin_atomic_body_is_one_statement_like_psql() -> None:
    routine = (
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND"
    )
    assert sql(routine + ";\nBEGIN; SELECT 3; END;") == [routine, "BEGIN", "SELECT 3", "END"]


def test_begin_outside_routines_is_a_statement() -> None:
    assert sql("BEGIN; CREATE TABLE t (begin int); COMMIT;") == [
        "BEGIN",
        "CREATE TABLE t (begin int)",
        "COMMIT",
    ]


# -- psql meta-commands --------------------------------------------------------------------------------------


def test_meta_commands_are_their_own_pieces() -> None:
    text = "\\set ON_ERROR_STOP 1\nSELECT 1;\n  \\ir ../setup.sql  \n"
    pieces = split_sql(text)
    assert [(p.kind, p.command, p.argument) for p in pieces] == [
        ("meta", "set", "ON_ERROR_STOP 1"),
        ("sql", "", ""),
        ("meta", "ir", "../setup.sql"),
    ]
    meta = pieces[2]
    assert meta.text == "\\ir ../setup.sql"
    assert text[meta.span.start : meta.span.end] == meta.text
    assert (meta.span.line, meta.span.col) == (2, 2)


def test_gset_ends_the_statement_before_it() -> None:
    pieces = split_sql("SELECT 1 AS x \\gset\nSELECT :x;")
    assert [(p.kind, p.text) for p in pieces] == [
        ("sql", "SELECT 1 AS x"),
        ("meta", "\\gset"),
        ("sql", "SELECT __x__"),
    ]


def test_g_and_gexec_end_the_statement_before_them() -> None:
    assert kinds("SELECT 1\n\\g\nSELECT format('x') \\gexec") == [
        ("sql", "SELECT 1"),
        ("meta", "\\g"),
        ("sql", "SELECT format('x')"),
        ("meta", "\\gexec"),
    ]


def test_other_meta_command_inside_a_statement_is_cut_out_of_it() -> None:
    text = "SELECT 1\n\\echo hi\n+ 2;"
    statement, meta = split_sql(text)
    assert (statement.kind, statement.text) == ("sql", "SELECT 1\n\n+ 2")
    assert (meta.kind, meta.command, meta.argument) == ("meta", "echo", "hi")
    assert statement.span.start < meta.span.start < meta.span.end < statement.span.end
    assert statement.file_offset(statement.text.index("+")) == text.index("+")


def test_meta_command_after_the_last_token_stays_outside_the_statement() -> None:
    assert kinds("SELECT 1 \\echo hi\n;") == [("sql", "SELECT 1"), ("meta", "\\echo hi")]


def test_reset_meta_command_discards_the_buffered_statement() -> None:
    assert kinds("SELECT 1\n\\r\nSELECT 2;") == [("meta", "\\r"), ("sql", "SELECT 2")]


def test_meta_arguments_end_at_a_backslash_and_double_backslash_resumes_sql() -> None:
    assert kinds("\\pset format unaligned \\\\ SELECT 1;") == [
        ("meta", "\\pset format unaligned"),
        ("sql", "SELECT 1"),
    ]
    pieces = split_sql('\\echo Use "CREATE EXTENSION x" to load this file. \\quit\nSELECT 1;')
    assert [(p.command, p.argument) for p in pieces] == [
        ("echo", 'Use "CREATE EXTENSION x" to load this file.'),
        ("quit", ""),
        ("", ""),
    ]


def test_backslash_inside_a_quoted_meta_argument_does_not_end_it() -> None:
    piece = only("\\echo 'a \\' b' \"c \\ d\"")
    assert piece.argument == "'a \\' b' \"c \\ d\""


def test_whole_line_meta_commands_keep_their_backslashes() -> None:
    piece = only("\\! echo a \\ b")
    assert (piece.command, piece.argument) == ("!", "echo a \\ b")


def test_backslash_inside_strings_and_dollar_quotes_is_not_a_meta_command() -> None:
    assert kinds("SELECT E'\\gset', '\\n', $$\\i x$$;") == [("sql", "SELECT E'\\gset', '\\n', $$\\i x$$")]


def test_backslash_semicolon_separates_statements() -> None:
    assert sql("SELECT 1 \\; SELECT 2;") == ["SELECT 1", "SELECT 2"]


def test_backslash_colon_is_a_literal_colon() -> None:
    piece = only("SELECT 1 \\:x;")
    assert piece.text == "SELECT 1 :x"


def test_meta_words_unquote_like_psql() -> None:
    assert meta_words("'a b' c'd''e' \"f g\" `date`") == ["a b", "cd'e", '"f g"', ""]
    assert meta_words(r"'tab\there' '\101'") == ["tab\there", "A"]


# -- psql variables -------------------------------------------------------------------------------------------


def test_defined_variables_are_substituted_raw_literal_and_identifier() -> None:
    text = "\\set v 'it''s'\nSELECT :v, :'v', :\"v\";"
    assert sql(text) == ["SELECT it's, 'it''s', \"it's\""]


def test_set_concatenates_its_arguments_and_substitutes_variables_in_them() -> None:
    assert sql("\\set a x 'y z' w\n\\set b :a!\nSELECT :'b';") == ["SELECT 'xy zw!'"]


def test_option_variables_are_known_beforehand() -> None:
    assert sql("SELECT :n + 1;", SplitOptions(variables={"n": "41"})) == ["SELECT 41 + 1"]


def test_unset_removes_a_variable() -> None:
    assert sql("\\set n 1\n\\unset n\nSELECT :n;") == ["SELECT :n"]


def test_undefined_quoted_variables_become_placeholders() -> None:
    assert sql("SELECT :'who', :\"tbl\";") == ["SELECT '__who__', \"__tbl__\""]


def test_undefined_bare_variable_is_left_alone_without_gset() -> None:
    assert sql("SELECT :who;") == ["SELECT :who"]


def test_bare_variable_after_gset_becomes_a_placeholder_when_the_prefix_matches() -> None:
    text = "SELECT 1 AS id \\gset p_\nSELECT :p_id, :other;"
    assert sql(text) == ["SELECT 1 AS id", "SELECT __p_id__, :other"]


def test_variables_are_not_substituted_in_strings_comments_or_dollar_quotes() -> None:
    text = "\\set x 1\nSELECT ':x', \":x\", $$ :x $$ -- :x\n/* :x */;"
    assert sql(text) == ["SELECT ':x', \":x\", $$ :x $$"]


def test_casts_and_array_slices_are_untouched() -> None:
    text = "SELECT 1 AS n \\gset\nSELECT a::int, arr[2:array_upper(arr, 1)], arr[1:3], x := 1;"
    assert sql(text)[1] == "SELECT a::int, arr[2:array_upper(arr, 1)], arr[1:3], x := 1"


def test_slice_bound_named_like_a_defined_variable_is_substituted_as_psql_does() -> None:
    assert sql("\\set n 2\nSELECT arr[1:n];") == ["SELECT arr[12]"]


def test_variable_existence_test() -> None:
    assert sql("\\set a 1\nSELECT :{?a}, :{?b};") == ["SELECT TRUE, FALSE"]


def test_psql_builtin_and_unknown_values_become_placeholders() -> None:
    text = "\\set d `date`\nSELECT :d, :'DBNAME', :VERSION_NUM;"
    assert sql(text) == ["SELECT __d__, '__DBNAME__', __VERSION_NUM__"]


# -- placeholders ---------------------------------------------------------------------------------------------


def test_extschema_placeholder_is_replaced_everywhere_including_strings() -> None:
    text = "SELECT set_config('search_path', '@extschema@', false) FROM @extschema@.t"
    assert sql(text) == ["SELECT set_config('search_path', 'public', false) FROM public.t"]
    assert sql(text, RAW) == [text]


def test_build_templates_become_plain_tokens() -> None:
    assert sql(
        "SELECT '__OS__', '@@VERSION@@'; CREATE FUNCTION v() RETURNS numeric AS 'SELECT __VERSION__;'"
    ) == [
        "SELECT 'os', '0'",
        "CREATE FUNCTION v() RETURNS numeric AS 'SELECT 0;'",
    ]


# -- COPY ... FROM stdin --------------------------------------------------------------------------------------


def test_copy_from_stdin_data_is_one_piece_and_the_terminator_is_consumed() -> None:
    text = "COPY t (a, b) FROM stdin;\n1\t'x;\n2\t\\N\n\\.\nSELECT 1;"
    assert kinds(text) == [
        ("sql", "COPY t (a, b) FROM stdin"),
        ("copydata", "1\t'x;\n2\t\\N\n"),
        ("sql", "SELECT 1"),
    ]
    data = split_sql(text)[1]
    assert text[data.span.start : data.span.end] == data.text
    assert data.span.line == 1


def test_copy_from_stdin_with_options_is_case_insensitive_and_crlf() -> None:
    text = "copy t FROM STDIN WITH (FORMAT csv);\r\na,b\r\n\\.\r\nselect 2;"
    assert kinds(text) == [
        ("sql", "copy t FROM STDIN WITH (FORMAT csv)"),
        ("copydata", "a,b\r\n"),
        ("sql", "select 2"),
    ]


def test_copy_data_without_terminator_runs_to_the_end() -> None:
    assert kinds("COPY t FROM stdin;\n1\n2") == [("sql", "COPY t FROM stdin"), ("copydata", "1\n2")]


def test_copy_to_stdout_has_no_data() -> None:
    assert kinds("COPY t TO stdout;\n1;\n") == [("sql", "COPY t TO stdout"), ("sql", "1")]


def test_backslash_copy_from_stdin_reads_data_too() -> None:
    assert kinds("\\copy t from stdin\n1\n\\.\n") == [("meta", "\\copy t from stdin"), ("copydata", "1\n")]


# -- spans and anchors ----------------------------------------------------------------------------------------


def test_span_columns_count_utf16_units_after_an_astral_character() -> None:
    text = "SELECT '😀'; SELECT 2;\n  SELECT '𝄞' || 'é';"
    _first, second, third = split_sql(text)
    assert second.text == "SELECT 2"
    assert (second.span.start, second.span.line, second.span.col) == (12, 0, 13)
    assert (third.span.line, third.span.col, third.span.end_col) == (1, 2, 20)


def test_anchors_map_substituted_text_back_to_the_file() -> None:
    text = "\\set name 'a much longer value'\nSELECT :name, 'x' FROM :\"tbl\" WHERE y = :'name' AND z = 1;"
    piece = split_sql(text)[1]
    assert piece.text == (
        "SELECT a much longer value, 'x' FROM \"__tbl__\" WHERE y = 'a much longer value' AND z = 1"
    )
    assert piece.anchors
    for token in ("SELECT", "'x'", "FROM", "WHERE", "AND", "z = 1"):
        assert piece.file_offset(piece.text.index(token)) == text.index(token), token
    assert piece.file_offset(len(piece.text)) == piece.span.end


def test_placeholder_anchors_map_back_to_the_file() -> None:
    text = "SELECT * FROM @extschema@.t WHERE a = '@extschema@' AND b"
    piece = only(text)
    assert piece.file_offset(piece.text.index("WHERE")) == text.index("WHERE")
    assert piece.file_offset(piece.text.index("AND b")) == text.index("AND b")


def test_one_long_line_of_statements_splits_in_linear_time() -> None:
    # LineIndex measures columns from the line start: asked for every statement, a one-line dump is quadratic
    # (minutes for this input); walking on from the previous position keeps it well under a second.
    text = "SELECT '😀';" * 50_000
    started = time.perf_counter()
    pieces = split_sql(text)
    assert time.perf_counter() - started < 5
    assert pieces[-1].span == LineIndex(text).span(len(text) - 11, len(text) - 1)


def test_leading_byte_order_mark_is_not_part_of_the_first_statement() -> None:
    piece = only("\ufeffSELECT 1")
    assert (piece.text, piece.span.start) == ("SELECT 1", 1)


# -- malformed input ------------------------------------------------------------------------------------------


def test_unterminated_dollar_quote_runs_to_the_end() -> None:
    assert sql("SELECT 1; SELECT $x$ ; never closed\n") == ["SELECT 1", "SELECT $x$ ; never closed"]


def test_unterminated_string_and_identifier_run_to_the_end() -> None:
    assert sql("SELECT 'abc;\n") == ["SELECT 'abc;"]
    assert sql('SELECT "abc;') == ['SELECT "abc;']


def test_unterminated_block_comment_belongs_to_the_statement() -> None:
    # psql sends it and the server reports the unterminated comment: the swallowed SELECT 2 must not vanish.
    assert sql("SELECT 1 /* oops\nSELECT 2;") == ["SELECT 1 /* oops\nSELECT 2;"]
    assert sql("/* oops") == ["/* oops"]


def test_binary_junk_does_not_raise() -> None:
    split_sql("\x00\ud800\\\x00'$a$\udfff;\\gset \x00 '")


# -- properties -----------------------------------------------------------------------------------------------

_FRAGMENTS = [
    ";",
    " ",
    "\n",
    "\r\n",
    "'",
    "''",
    '"',
    "$",
    "$$",
    "$a$",
    "$1",
    "E'",
    "\\'",
    "\\",
    "\\\\",
    "\\;",
    "\\:",
    "\\set x 1\n",
    "\\gset\n",
    "\\gset p_\n",
    "\\echo a\n",
    "\\r\n",
    "\\copy t from stdin\n",
    "--",
    "/*",
    "*/",
    "(",
    ")",
    "[",
    "]",
    ":",
    "::",
    ":x",
    ":'x'",
    ':"x"',
    ":{?x}",
    ":p_y",
    "SELECT",
    "x",
    "1",
    "begin",
    "case",
    "end",
    "CREATE FUNCTION f() ",
    "BEGIN ATOMIC ",
    "COPY t FROM stdin",
    "\\.",
    "\n\\.\n",
    "@extschema@",
    "😀",
    "é",
    "\ufeff",
    "\x00",
]

_texts = st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=3), max_size=40).map("".join)


def _check_pieces(text: str, pieces: list[Piece]) -> None:
    lines = LineIndex(text)
    outer: Piece | None = None
    for piece in pieces:
        span = piece.span
        assert 0 <= span.start <= span.end <= len(text)
        assert span == lines.span(span.start, span.end)
        if not piece.anchors:
            assert text[span.start : span.end] == piece.text
        if piece.kind == "sql":
            assert piece.text == piece.text.strip(" \t\n\r\f\v")
            assert piece.text
        if piece.kind == "meta":
            assert piece.text.startswith("\\")
        if outer is not None and span.start < outer.span.end:
            # the only nesting: a meta-command written inside the statement just listed
            assert outer.kind == "sql" and piece.kind == "meta" and span.end <= outer.span.end
        else:
            assert outer is None or outer.span.end <= span.start
            outer = piece


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_any_text_splits_into_ordered_pieces_without_raising(text: str) -> None:
    _check_pieces(text, split_sql(text))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_unicode_splits_without_raising(text: str) -> None:
    _check_pieces(text, split_sql(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["SELECT 1", "SELECT 'a;b'", "SELECT $$;$$", "SELECT (1;2)", "/* ; */ x"])))
def test_statements_joined_by_semicolons_split_back(statements: list[str]) -> None:
    text = ";\n".join(statements)
    expected = [s.replace("/* ; */ ", "") for s in statements]
    assert sql(text) == expected
    assert all(a.span.end < b.span.start for a, b in itertools.pairwise(split_sql(text)))
