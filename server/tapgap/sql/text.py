"""Bytes → text for SQL files: UTF-8 (with or without BOM); invalid bytes become a finding, not a crash."""

from __future__ import annotations

from tapgap.findings import Finding
from tapgap.sql.source import LineIndex


def decode_sql(path: str, data: bytes) -> tuple[str, list[Finding]]:
    """The file's text and, if it is not valid UTF-8, a ``parse-error`` finding at the first bad byte.

    Invalid bytes are replaced (U+FFFD) so that the rest of the file still counts.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        offset = len(data[: exc.start].decode("utf-8", errors="replace"))
        index = LineIndex(text)
        finding = Finding(
            code="invalid-encoding",
            severity="error",
            file=path,
            span=index.span(offset, offset + 1),
            message=f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); invalid bytes were replaced",
        )
        return text, [finding]
