"""Corpus conformance: tapgap's statements are libpg_query's, on every real file both can read.

Reference: libpg_query's own scanner split (``pg_query_split_with_scanner``, through the BSD-licensed
``postgast`` binding), whose tokens come from PostgreSQL's real lexer (``pg_query_scan``).

Which files are compared: every corpus file (``tests/corpora.py``) that

* libpg_query scans and splits without error (otherwise skipped: "libpg_query scanner error");
* has no psql meta-command: libpg_query's scanner yields no ``\\`` token, i.e. no backslash outside quotes,
  comments and dollar bodies, which is exactly where psql starts a meta-command (wherever it stands in its
  line; a backslash first on its line is the usual case). Otherwise skipped: "psql meta-command";
* has no ``COPY ... FROM stdin``: psql then reads the following lines as data, libpg_query reads them as SQL
  (otherwise skipped: "COPY FROM stdin").

``@extschema@``-style placeholders and psql ``:var`` references are NOT excluded: tapgap substitutes them in a
piece's text but never re-lexes the substitution, so they cannot move a statement boundary, and what is
compared is positions in the original file.

What is compared, per file: the ordered list of statement ranges ``[start, end)`` in the file text (code
point offsets):

* tapgap: ``Piece.span`` of every ``sql`` piece (it starts at the first token and ends after the last token
  before the ``;``);
* libpg_query: each split statement ``[stmt_location, stmt_location + stmt_len)`` (UTF-8 byte offsets,
  converted), narrowed to its first and last non-comment scanner token: libpg_query includes the whitespace
  and comments after the previous ``;``. Statements without tokens (empty ``;;``) do not exist on either side;
* one documented libpg_query behaviour is normalised away: its scanner split silently drops statements that
  contain no keyword token (``xxx;``, ``REPACK t;`` with PostgreSQL 18's keyword list). tapgap keeps them (the
  parser reports the error), so tapgap statements with no keyword token (per libpg_query's scanner) are left
  out of the comparison.

Files listed in :data:`LIBPG_QUERY_QUIRKS` differ because of libpg_query, not tapgap: there the comparison
first merges the libpg_query statements that fall inside one tapgap ``BEGIN ATOMIC`` routine, and the test
checks both that the raw lists differ (so the list stays current) and that the merged lists are equal.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from tapgap.sql.split import split_sql
from tests.corpora import CORPORA, all_sql_files, requires_corpora

postgast = pytest.importorskip("postgast")
native = pytest.importorskip("postgast.native")
errors = pytest.importorskip("postgast.errors")
pb = pytest.importorskip("postgast.pg_query_pb2")

pytestmark = [pytest.mark.corpus, requires_corpora]

_ATOMIC = (
    "SQL-standard function body (BEGIN ATOMIC ... END): psql (since PostgreSQL 14) does not end the statement "
    "at the ';' inside it, libpg_query's scanner split does"
)
# corpus-relative path -> why libpg_query's split differs from psql's.
LIBPG_QUERY_QUIRKS: dict[str, str] = {
    f"pg-regress/postgres/regression_suite/{name}.sql": _ATOMIC
    for name in (
        "create_function_sql",
        "create_procedure",
        "for_portion_of",
        "publication",
        "returning",
        "rules",
        "stats_import",
        "updatable_views",
        "window",
    )
}

_BACKSLASH = pb.Token.Value("ASCII_92")
_COMMENTS = frozenset({pb.Token.Value("SQL_COMMENT"), pb.Token.Value("C_COMMENT")})
_FROM = pb.Token.Value("FROM")
_STDIN = pb.Token.Value("STDIN")
_NO_KEYWORD = pb.KeywordKind.Value("NO_KEYWORD")
_BEGIN_ATOMIC = re.compile(r"(?is)create\s+(?:or\s+replace\s+)?(?:function|procedure)\b.*\bbegin\s+atomic\b")

Range = tuple[int, int]


def _libpg_query_split(data: bytes) -> list[Range]:
    lib = native.lib
    result = lib.pg_query_split_with_scanner(data)
    try:
        errors.check_error(result)
        return [
            (result.stmts[i].contents.stmt_location, result.stmts[i].contents.stmt_len)
            for i in range(result.n_stmts)
        ]
    finally:
        lib.pg_query_free_split_result(result)


def _char_offsets(text: str) -> list[int] | None:
    """byte offset -> code point offset table (``None`` when the text is ASCII and both agree)."""
    if text.isascii():
        return None
    table = [0] * (len(text.encode("utf-8", "surrogatepass")) + 1)
    byte = 0
    for index, ch in enumerate(text):
        width = len(ch.encode("utf-8", "surrogatepass"))
        for k in range(width):
            table[byte + k] = index
        byte += width
    table[byte] = len(text)
    return table


class _Compared:
    def __init__(self, rel: str, ours: list[Range], theirs: list[Range], text: str) -> None:
        self.rel, self.ours, self.theirs, self.text = rel, ours, theirs, text

    def first_difference(self) -> str:
        k = next(
            (i for i, (a, b) in enumerate(zip(self.ours, self.theirs, strict=False)) if a != b),
            min(len(self.ours), len(self.theirs)),
        )

        def show(ranges: list[Range]) -> str:
            if k >= len(ranges):
                return "(none)"
            s, e = ranges[k]
            return f"line {self.text.count(chr(10), 0, s) + 1}: {self.text[s:e][:120]!r}"

        return (
            f"{self.rel}: {len(self.ours)} vs {len(self.theirs)} statements; first difference at #{k}\n"
            f"    tapgap:      {show(self.ours)}\n    libpg_query: {show(self.theirs)}"
        )


def _compare(path: Path) -> _Compared | str:
    """The two statement lists of one file, or why the file is skipped."""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(CORPORA).as_posix()
    bom = 1 if text.startswith("\ufeff") else 0  # tapgap drops a BOM; libpg_query would lex it as a letter
    body = text[bom:]
    data = body.encode("utf-8", "surrogatepass")
    try:
        tokens = list(postgast.scan(body).tokens)
        statements = _libpg_query_split(data)
    except errors.PgQueryError:
        return "libpg_query scanner error"
    if any(t.token == _BACKSLASH for t in tokens):
        return "psql meta-command"
    real = [t for t in tokens if t.token not in _COMMENTS]
    if any(t.token == _STDIN and prev.token == _FROM for prev, t in itertools.pairwise(real)):
        return "COPY FROM stdin"

    table = _char_offsets(body)

    def char(byte: int) -> int:
        return bom + (byte if table is None else table[byte])

    starts = [t.start for t in real]
    theirs: list[Range] = []
    for location, length in statements:
        first = bisect.bisect_left(starts, location)
        last = (
            bisect.bisect_left(starts, location + length) - 1
        )  # the statement's ';' is not in [loc, loc+len)
        if first <= last:
            theirs.append((char(real[first].start), char(real[last].end)))

    keyword_starts = sorted(char(t.start) for t in real if t.keyword_kind != _NO_KEYWORD)

    def has_keyword(r: Range) -> bool:
        k = bisect.bisect_left(keyword_starts, r[0])
        return k < len(keyword_starts) and keyword_starts[k] < r[1]

    ours = [
        (p.span.start, p.span.end)
        for p in split_sql(text)
        if p.kind == "sql" and has_keyword((p.span.start, p.span.end))
    ]
    return _Compared(rel, ours, theirs, text)


def _merge_atomic(compared: _Compared) -> list[Range]:
    """libpg_query's list with the statements inside each tapgap BEGIN ATOMIC routine merged into one."""
    merged: list[Range] = []
    routines = [r for r in compared.ours if _BEGIN_ATOMIC.match(compared.text, r[0], r[1])]
    for r in compared.theirs:
        outer = next((o for o in routines if o[0] <= r[0] and r[1] <= o[1]), None)
        if outer is not None and merged and outer[0] <= merged[-1][0]:
            merged[-1] = (merged[-1][0], r[1])
        else:
            merged.append(r)
    return merged


def test_statements_equal_libpg_query_scanner_split() -> None:
    skipped: Counter[str] = Counter()
    mismatches: list[str] = []
    stale_quirks: list[str] = []
    compared = 0
    seen: set[str] = set()
    for path in all_sql_files():
        result = _compare(path)
        if isinstance(result, str):
            skipped[result] += 1
            continue
        compared += 1
        seen.add(result.rel)
        if result.rel in LIBPG_QUERY_QUIRKS:
            if result.ours == result.theirs:
                stale_quirks.append(f"{result.rel}: listed as a libpg_query quirk but now equal")
            elif result.ours != _merge_atomic(result):
                mismatches.append(result.first_difference())
        elif result.ours != result.theirs:
            mismatches.append(result.first_difference())
    missing = sorted(set(LIBPG_QUERY_QUIRKS) - seen)
    summary = f"compared {compared} files, skipped {dict(skipped)}"
    print(summary)
    assert not mismatches, f"{len(mismatches)} mismatching files ({summary}):\n" + "\n".join(mismatches)
    assert not stale_quirks and not missing, (stale_quirks, missing)
    assert compared >= 800, summary  # the corpora hold ~850 comparable files: don't pass by skipping them all
