"""Source positions: offsets in a file's text, and the LSP view of them (0-based line, UTF-16 column).

Every statement, call and finding carries a :class:`Span` so that editors can underline exactly the text
that produced it. Offsets are Python ``str`` indexes (code points); columns are UTF-16 code units because
that is what the Language Server Protocol counts.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Literal

import msgspec


class Span(msgspec.Struct, frozen=True, array_like=True):
    """A range of a file's text: ``[start, end)`` as string offsets, plus LSP positions of both ends."""

    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int


def _utf16_len(text: str) -> int:
    # Characters outside the Basic Multilingual Plane take two UTF-16 code units.
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class LineIndex:
    """Maps string offsets of one text to (line, UTF-16 column) in O(log lines)."""

    __slots__ = ("_ascii", "_last", "_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._ascii = text.isascii()  # then a column is an offset from the line start
        # (line, offset, column) of the previous answer: positions are mostly asked in file order, so on a
        # long line the next column is counted onward from there instead of from the line start.
        self._last = (0, 0, 0)
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[line]

    def position(self, offset: int) -> tuple[int, int]:
        """The 0-based line and UTF-16 column of ``offset``."""
        offset = max(0, min(offset, len(self._text)))
        line = bisect_right(self._starts, offset) - 1
        if self._ascii:
            return line, offset - self._starts[line]
        last_line, last_offset, last_col = self._last
        if line == last_line and last_offset <= offset:
            col = last_col + _utf16_len(self._text[last_offset:offset])
        else:
            col = _utf16_len(self._text[self._starts[line] : offset])
        self._last = (line, offset, col)
        return line, col

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(start, end, line, col, end_line, end_col)


PieceKind = Literal["sql", "meta", "copydata"]


class Piece(msgspec.Struct, frozen=True):
    """One piece of a psql script, as the splitter emits it.

    ``sql`` pieces hold one SQL statement (without its terminating ``;``), after psql variable and extension
    placeholder substitution: ``text`` is what the parser is given. ``meta`` pieces are psql backslash commands
    (``command`` is its name without the backslash, e.g. ``"ir"``; ``argument`` the rest of its line).
    ``copydata`` pieces are the inline rows of ``COPY ... FROM stdin``.

    ``span`` covers the piece in the original file. When substitution changed the text, ``anchors`` holds
    ``(offset in text, offset in file)`` pairs from which :meth:`file_offset` maps parser locations back.
    """

    kind: PieceKind
    span: Span
    text: str
    command: str = ""
    argument: str = ""
    anchors: tuple[tuple[int, int], ...] = ()

    def file_offset(self, text_offset: int) -> int:
        """The file offset of ``text_offset`` in :attr:`text` (e.g. a parse-error position)."""
        base_text, base_file = 0, self.span.start
        for at_text, at_file in self.anchors:
            if at_text > text_offset:
                break
            base_text, base_file = at_text, at_file
        return min(base_file + (text_offset - base_text), self.span.end)
