"""The code actions' text edits, without a server."""

from __future__ import annotations

from lsprotocol import types

from tapgap.lsp.actions import ambiguous_edits, range_text
from tests.lsp.test_code_actions import apply

CAST = "PostgreSQL runs f(name, name, text, text), which checks x; y was probably meant: "


def _fixed(call: str, message: str, meant: str = "") -> str:
    return apply(call, ambiguous_edits(call, types.Position(line=0, character=0), message, meant))


def test_casts_only_the_literals_the_fix_casts() -> None:
    message = CAST + "write policy_cmd_is('app'::name, 'teams'::name, 'p'::name, 'INSERT')"
    call = "policy_cmd_is('app', 'teams' /* t */,\n  'p', 'INSERT')"
    assert (
        _fixed(call, message) == "policy_cmd_is('app'::name, 'teams'::name /* t */,\n  'p'::name, 'INSERT')"
    )


def test_an_argument_already_cast_is_left_alone() -> None:
    message = CAST + "write f('a'::name, 'b'::name)"
    assert _fixed("f('a'::name, 'b')", message) == "f('a'::name, 'b'::name)"


def test_a_literal_inside_another_argument_is_skipped() -> None:
    message = CAST + "write f('s'::name, 't'::name, …, 'x'::name)"
    assert _fixed("f('s', 't', array['x'], 'x')", message) == "f('s'::name, 't'::name, array['x'], 'x'::name)"


def test_no_edit_when_the_buffer_changed() -> None:
    assert _fixed("f('other')", CAST + "write f('a'::name)") == "f('other')"


def test_a_description_is_appended() -> None:
    message = (
        "...; column app.t.c was probably meant: add a description argument (call f(name, name, name, text))"
    )
    assert _fixed("f('app', 't', 'c')", message, "column app.t.c") == "f('app', 't', 'c', 'column app.t.c')"


def test_range_text_across_lines() -> None:
    source = "select 1;\nselect f('a',\n  'b');\n"
    rng = types.Range(start=types.Position(line=1, character=7), end=types.Position(line=2, character=7))
    assert range_text(source, rng) == "f('a',\n  'b');"
