"""Source positions: offsets to LSP lines and UTF-16 columns."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from tapgap.sql.source import LineIndex


def test_columns_count_utf16_code_units() -> None:
    index = LineIndex("ab\n😀x")
    assert index.position(3) == (1, 0)
    assert index.position(4) == (1, 2)  # the emoji is two UTF-16 code units
    assert index.position(5) == (1, 3)


@given(st.text(alphabet=st.sampled_from("ab\n😀é"), max_size=60), st.lists(st.integers(0, 60), max_size=20))
def test_positions_do_not_depend_on_the_order_they_are_asked_in(text: str, offsets: list[int]) -> None:
    fresh = [LineIndex(text).position(o) for o in offsets]
    shared = LineIndex(text)
    assert [shared.position(o) for o in offsets] == fresh


def test_many_positions_on_one_long_line_cost_linear_time() -> None:
    text = "select 1;" * 200_000
    index = LineIndex(text)
    started = time.perf_counter()
    positions = [index.position(o) for o in range(0, len(text), 9)]
    assert positions[-1] == (0, len(text) - 9)
    assert time.perf_counter() - started < 5  # quadratic counting would take minutes
