"""One schema file's bytes → its schema facts. A pure function of (bytes, options): the unit the cache keeps."""

from __future__ import annotations

from tapgap.findings import Finding
from tapgap.schema.facts import statement_operations
from tapgap.schema.model import Located, SchemaFileFacts
from tapgap.sql import pgtree
from tapgap.sql.source import LineIndex, Piece
from tapgap.sql.split import SplitOptions, split_sql
from tapgap.sql.suppress import find_suppressions
from tapgap.sql.text import decode_sql


def read_schema_file(path: str, data: bytes, options: SplitOptions | None = None) -> SchemaFileFacts:
    """Split, parse and interpret one schema file. Never raises: bad input becomes findings."""
    text, findings = decode_sql(path, data)
    index = LineIndex(text)
    operations: list[Located] = []
    statements = 0
    pieces = split_sql(text, options) if options is not None else split_sql(text)
    for piece in pieces:
        if piece.kind != "sql":
            continue
        statements += 1
        try:
            raw_statements = pgtree.parse(piece.text)
        except pgtree.SqlSyntaxError as exc:
            findings.append(_parse_error(path, piece, index, exc))
            continue
        for raw in raw_statements:
            try:
                ops = statement_operations(raw.node)
            except Exception as exc:  # a tree shape we did not foresee must not lose the file
                findings.append(
                    Finding(
                        code="internal-error",
                        severity="warning",
                        file=path,
                        span=piece.span,
                        message=f"tapgap could not interpret this statement ({type(exc).__name__}: {exc})",
                    )
                )
                continue
            if ops:
                start = piece.file_offset(raw.location)
                span = index.span(start, piece.file_offset(raw.location + raw.length))
                operations.extend(Located(op, span) for op in ops)
    return SchemaFileFacts(operations, findings, statements, find_suppressions(text))


def _parse_error(path: str, piece: Piece, index: LineIndex, exc: pgtree.SqlSyntaxError) -> Finding:
    if exc.position is not None:
        at = piece.file_offset(exc.position)
        span = index.span(at, at + 1)
    else:
        span = piece.span
    return Finding(
        code="parse-error",
        severity="error",
        file=path,
        span=span,
        message=f"PostgreSQL's grammar rejects this statement: {exc.message}",
    )
