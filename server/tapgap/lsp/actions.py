"""Code actions: quick fixes for ``ambiguous-call`` and test stubs for ``untested``.

``ambiguous-call``: the finding's message ends with the fix the analysis computed from the call and the
overload that was meant: ``write f('a'::name, ...)`` (casts) or ``add a description argument (call ...)``.
The action edits only what differs: it appends ``::name`` after each literal the fix casts, or appends a
description argument before the call's closing parenthesis.

``untested``: a new test file, in the project's test folder, whose content is ``stubs.stub_for`` the object.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lsprotocol import types

from tapgap.analysis import ProjectAnalysis
from tapgap.coverage.index import ObjectCoverage
from tapgap.coverage.stubs import append_stub, stub_for

_FIX_LITERAL = re.compile(r"'((?:[^']|'')*)'(::name\[\]|::name)?")
_LITERAL = re.compile(r"'(?:[^']|'')*'")


def _position(start: types.Position, text: str, offset: int) -> types.Position:
    """The position of ``offset`` in ``text``, a document slice that begins at ``start``."""
    before = text[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        return types.Position(line=start.line, character=start.character + len(before))
    return types.Position(line=start.line + newlines, character=len(before) - before.rfind("\n") - 1)


def range_text(source: str, rng: types.Range) -> str:
    lines = source.splitlines(keepends=True)
    if rng.start.line >= len(lines):
        return ""
    if rng.start.line == rng.end.line:
        return lines[rng.start.line][rng.start.character : rng.end.character]
    parts = [lines[rng.start.line][rng.start.character :]]
    parts += lines[rng.start.line + 1 : rng.end.line]
    if rng.end.line < len(lines):
        parts.append(lines[rng.end.line][: rng.end.character])
    return "".join(parts)


def ambiguous_edits(call: str, start: types.Position, message: str, meant: str) -> list[types.TextEdit]:
    """The edits that turn ``call`` (the document's text of the diagnostic range, from ``start``) into the
    call the message suggests; ``meant`` is the description to add when the fix is a description."""
    if "add a description argument" in message:
        close = call.rstrip().rfind(")")
        if close < 0:
            return []
        at = _position(start, call, close)
        text = ", " + "'" + meant.replace("'", "''") + "'"
        return [types.TextEdit(range=types.Range(start=at, end=at), new_text=text)]
    _, sep, fix = message.rpartition("write ")
    if not sep:
        return []
    wanted = _arguments(fix)
    found = _arguments(call)
    if wanted is None or found is None or len(wanted) != len(found):
        return []  # the buffer no longer holds the call the finding was about
    edits = []
    for (want_start, want_end), (at_start, at_end) in zip(wanted, found, strict=True):
        cast = _FIX_LITERAL.fullmatch(fix[want_start:want_end].strip())
        if cast is None or not cast.group(2):
            continue
        literal = _LITERAL.match(call, at_start + _leading(call[at_start:at_end]))
        if literal is None or literal.group(0) != f"'{cast.group(1)}'":
            return []
        rest = call[literal.end() : at_end]
        if rest.lstrip().startswith("::"):
            continue  # already cast
        at = _position(start, call, literal.end())
        edits.append(types.TextEdit(range=types.Range(start=at, end=at), new_text=cast.group(2)))
    return edits


def _leading(text: str) -> int:
    """The length of the whitespace and comments that open ``text``."""
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = len(text) if close < 0 else close + 2
        else:
            break
    return i


def _arguments(call: str) -> list[tuple[int, int]] | None:
    """The (start, end) offsets of the top-level arguments of the first call in ``call``; None if unclosed."""
    open_at = call.find("(")
    if open_at < 0:
        return None
    spans: list[tuple[int, int]] = []
    depth = 0
    begin = open_at + 1
    i = begin
    while i < len(call):
        ch = call[i]
        if ch == "'":
            close = call.find("'", i + 1)
            while close >= 0 and call.startswith("''", close):
                close = call.find("'", close + 2)
            if close < 0:
                return None
            i = close + 1
            continue
        if call.startswith("--", i):
            newline = call.find("\n", i)
            i = len(call) if newline < 0 else newline + 1
            continue
        if call.startswith("/*", i):
            close = call.find("*/", i + 2)
            i = len(call) if close < 0 else close + 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            if depth == 0:
                if call[begin:i].strip():
                    spans.append((begin, i))
                return spans
            depth -= 1
        elif ch == "," and depth == 0:
            spans.append((begin, i))
            begin = i + 1
        i += 1
    return None


def ambiguous_action(uri: str, source: str, diagnostic: types.Diagnostic) -> types.CodeAction | None:
    meant = diagnostic.message.partition(" was probably meant")[0].rpartition("; ")[2]
    edits = ambiguous_edits(
        range_text(source, diagnostic.range), diagnostic.range.start, diagnostic.message, meant
    )
    if not edits:
        return None
    cast = "::" in edits[0].new_text
    return types.CodeAction(
        title="Cast the arguments to name" if cast else "Add a description argument",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=True,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )


def untested_object(analysis: ProjectAnalysis, diagnostic: types.Diagnostic) -> ObjectCoverage | None:
    data: Any = diagnostic.data
    key = data.get("object") if isinstance(data, dict) else getattr(data, "object", None)
    for obj in analysis.index.objects:
        if obj.key == key and diagnostic.message.startswith(f"{obj.kind} {obj.key}:"):
            return obj
    return None


def test_folder(root: Path, test_files: list[Path]) -> Path:
    """Where a new test goes: beside the project's first test file, else supabase/tests or tests."""
    if test_files:
        return test_files[0].parent
    if (root / "supabase").is_dir():
        return root / "supabase" / "tests"
    return root / "tests"


def stub_name(obj: ObjectCoverage) -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", obj.key).strip("_") or "object"
    prefix = "" if obj.kind in ("table", "column", "function") else re.sub(r"\W+", "_", obj.kind) + "_"
    return f"{prefix}{base}.test.sql"


def new_stub_file(folder: Path, obj: ObjectCoverage) -> Path:
    path = folder / stub_name(obj)
    number = 2
    while path.exists():
        path = folder / stub_name(obj).replace(".test.sql", f"_{number}.test.sql")
        number += 1
    return path


def untested_action(
    analysis: ProjectAnalysis, folder: Path, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    obj = untested_object(analysis, diagnostic)
    if obj is None or not obj.missing:
        return None
    path = new_stub_file(folder, obj)
    target = path.absolute().as_uri()
    text = stub_for(obj, analysis.state)
    start = types.Position(line=0, character=0)
    return types.CodeAction(
        title=f"Create a pgTAP test for {obj.kind} {obj.key} ({path.name})",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(
            document_changes=[
                types.CreateFile(uri=target, options=types.CreateFileOptions(ignore_if_exists=True)),
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=target, version=None),
                    edits=[types.TextEdit(range=types.Range(start=start, end=start), new_text=text)],
                ),
            ]
        ),
    )


def append_action(
    analysis: ProjectAnalysis,
    diagnostic: types.Diagnostic,
    uri: str,
    name: str,
    text: str,
    version: int | None,
) -> types.CodeAction | None:
    """Add the object's assertions to an open test document (before its finish(), plan raised)."""
    obj = untested_object(analysis, diagnostic)
    if obj is None or not obj.missing:
        return None
    new = append_stub(text, obj, analysis.state)
    if new is None:
        return None
    lines = text.split("\n")
    end = types.Position(line=len(lines) - 1, character=len(lines[-1]))
    whole = types.Range(start=types.Position(line=0, character=0), end=end)
    return types.CodeAction(
        title=f"Add tests for {obj.kind} {obj.key} to {name}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                    edits=[types.TextEdit(range=whole, new_text=new)],
                )
            ]
        ),
    )
