r"""Split a psql script into statements, psql meta-commands and ``COPY`` data, the way psql reads it.

The scanner follows psql's lexer (``psqlscan.l``, which shares PostgreSQL's ``scan.l`` rules for quotes and
comments):

* a statement ends at ``;`` outside quotes, comments and dollar-quoted bodies, at parenthesis depth 0 and
  outside the ``BEGIN ... END`` of a SQL-standard function body (psql's ``CREATE [OR REPLACE]
  FUNCTION|PROCEDURE ... BEGIN ATOMIC`` heuristic);
* ``'...'`` (``''`` escapes; ``standard_conforming_strings`` assumed on), ``E'...'`` (backslash escapes; the
  ``E`` must not end an identifier), ``U&'...'``, ``"..."`` (``""`` escapes), ``$tag$...$tag$`` (not directly
  after an identifier character, so ``$1`` and ``a$b$`` are not quotes), ``--`` comments ending at ``\n`` or
  ``\r``, nested ``/* */`` comments. An unterminated quote or block comment runs to the end of the input
  and belongs to the statement (psql sends it, the server reports the error);
* an unquoted backslash starts a psql meta-command. Its name runs to whitespace or the next backslash; its
  arguments run to the end of the line or to the next unquoted backslash (``\\`` there is consumed as a
  separator, and psql goes on reading SQL after it). ``\!``, ``\copy``, ``\h``, ``\sf``, ``\sv``, ``\ef``,
  ``\ev`` (and ``\g``, ``\o``, ``\w`` with a ``|pipe``) take the whole rest of the line;
* ``\;`` and ``\:`` are not meta-commands: psql puts a literal ``;`` / ``:`` in the query buffer. The server
  then runs ``a \; b`` as two statements, so ``\;`` ends a statement here (a ``:`` is substituted back);
* psql variables: ``:name``, ``:'name'``, ``:"name"`` and ``:{?name}`` are substituted outside quotes and
  comments (see :func:`split_sql` for the rules for variables whose value is not known statically).

What psql does at run time and a static reader cannot: the text of a substituted variable is not re-lexed (a
value holding ``;`` does not split), ``\if`` branches are not evaluated (both are read), ``\q`` does not stop
the reading, and ``SET standard_conforming_strings = off`` is not followed.
"""

from __future__ import annotations

import re
from typing import Final

from tapgap.sql.source import LineIndex, Piece, Span

__all__ = [
    "DEFAULT_OPTIONS",
    "DEFAULT_PLACEHOLDERS",
    "PSQL_BUILTIN_VARIABLES",
    "SENDING_META_COMMANDS",
    "SplitOptions",
    "meta_words",
    "split_sql",
]

from tapgap.sql.options import DEFAULT_PLACEHOLDERS, SplitOptions

DEFAULT_OPTIONS: Final = SplitOptions()

# Meta-commands that send (or describe) the query buffer: the buffered text before them is a statement.
SENDING_META_COMMANDS: Final = frozenset(
    {"g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch", "parse", "sendpipeline"}
)
# Meta-commands that discard the query buffer.
_RESET_META_COMMANDS: Final = frozenset({"r", "reset"})
# Meta-commands whose argument is the whole rest of the line (psql's OT_WHOLE_LINE).
_WHOLE_LINE_META_COMMANDS: Final = frozenset({"!", "copy", "h", "help", "sf", "sf+", "sv", "sv+", "ef", "ev"})
# Meta-commands whose argument, when it starts with ``|``, is a shell command to the end of the line.
_FILEPIPE_META_COMMANDS: Final = frozenset({"g", "gx", "o", "out", "w", "write"})

# Variables psql defines itself once connected. Their values depend on the server, so they are "defined,
# value unknown": ``:VERSION_NUM`` becomes ``__VERSION_NUM__`` rather than staying a syntax error.
PSQL_BUILTIN_VARIABLES: Final = frozenset(
    {
        "DBNAME",
        "USER",
        "HOST",
        "PORT",
        "ENCODING",
        "SERVER_VERSION_NAME",
        "SERVER_VERSION_NUM",
        "VERSION",
        "VERSION_NAME",
        "VERSION_NUM",
    }
)

_WS: Final = " \t\n\r\f\v"
# Identifier characters in PostgreSQL's scanner: any byte >= 0x80 counts, hence any non-ASCII code point.
# Written as the ASCII characters they exclude: a class with a range up to U+10FFFF takes the re module
# milliseconds to compile, and every process (each worker too) compiles these at import.
_IDC: Final = r"^\x00-#%-/:-@\[-^`{-\x7f"  # [0-9A-Za-z_$] and non-ASCII
_VARC: Final = r"^\x00-/:-@\[-^`{-\x7f"  # [0-9A-Za-z_] and non-ASCII
_IDSTART: Final = r"^\x00-@\[-^`{-\x7f"  # [A-Za-z_] and non-ASCII

# Characters at which the statement scanner has something to decide.
_SPECIAL: Final = r"""[-'"$;()\\:/]"""
_PLAIN_RX: Final = re.compile(_SPECIAL)
# Inside CREATE FUNCTION/PROCEDURE psql also counts BEGIN / CASE / END words at parenthesis depth 0.
_ROUTINE_RX: Final = re.compile(
    _SPECIAL + rf"|(?<![{_IDC}])(?:[Bb][Ee][Gg][Ii][Nn]|[Cc][Aa][Ss][Ee]|[Ee][Nn][Dd])(?![{_IDC}])"
)
_CREATE_ROUTINE_RX: Final = re.compile(
    rf"(?i:create)(?:[{_WS}]+(?i:or)[{_WS}]+(?i:replace))?[{_WS}]+(?i:function|procedure)(?![{_IDC}])"
)
_NONWS_RX: Final = re.compile(rf"[^{_WS}]")
_NEWLINE_RX: Final = re.compile(r"[\r\n]")
_COMMENT_RX: Final = re.compile(r"/\*|\*/")
# Bodies after the opening quote, up to and including the closing quote (possessive: linear, no backtracking).
_SQ_BODY_RX: Final = re.compile(r"[^']*+(?:''[^']*+)*+'")
_E_BODY_RX: Final = re.compile(r"[^'\\]*+(?:(?:\\[\s\S]|'')[^'\\]*+)*+'")
_DQ_BODY_RX: Final = re.compile(r'[^"]*+(?:""[^"]*+)*+"')
_DOLLAR_OPEN_RX: Final = re.compile(rf"\$(?:[{_IDSTART}][{_VARC}]*)?\$")
_VAR_REF_RX: Final = re.compile(rf":(?:'([{_VARC}]+)'|\"([{_VARC}]+)\"|\{{\?([{_VARC}]+)\}}|([{_VARC}]+))")
_VAR_NAME_RX: Final = re.compile(rf"[{_VARC}]+\Z")
_META_NAME_RX: Final = re.compile(r"[^ \t\n\r\f\v\\]*")
_META_ARG_SPECIAL_RX: Final = re.compile(r"['\"`\\]")
_META_SQ_BODY_RX: Final = re.compile(r"[^'\\]*+(?:(?:\\[\s\S]|'')[^'\\]*+)*+'")
_META_SQ_ESCAPE_RX: Final = re.compile(r"''|\\(?:[0-7]{1,3}|x[0-9A-Fa-f]{1,2}|[\s\S])")
_META_ESCAPES: Final = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f"}
_COPY_FROM_STDIN_RX: Final = re.compile(r"(?is)copy\b.*?\bfrom[\s]+stdin\b")
_META_COPY_FROM_STDIN_RX: Final = re.compile(r"(?is).*?\bfrom[\s]+stdin\b")
_COPY_END_RX: Final = re.compile(r"^\\\.(?:\r?\n|\r?\Z)", re.MULTILINE)


def _is_ident_char(ch: str) -> bool:
    return ch >= "\x80" or ch.isalnum() or ch == "_" or ch == "$"


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote_ident(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _unescape_meta_quote(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        seq = m.group()
        if seq == "''":
            return "'"
        rest = seq[1:]
        if rest[0] in "01234567":
            return chr(int(rest, 8) & 0xFF)
        if rest[0] == "x" and len(rest) > 1:
            return chr(int(rest[1:], 16))
        return _META_ESCAPES.get(rest, rest)

    return _META_SQ_ESCAPE_RX.sub(one, body)


def _meta_words(argument: str, variables: dict[str, str | None]) -> list[str | None]:
    """psql's lexing of a meta-command's arguments (OT_NORMAL). ``None`` is a word whose value is unknown."""
    words: list[str | None] = []
    n = len(argument)
    i = 0
    while True:
        while i < n and argument[i] in _WS:
            i += 1
        if i >= n:
            return words
        parts: list[str] = []
        known = True
        while i < n and argument[i] not in _WS:
            ch = argument[i]
            if ch == "'":
                m = _META_SQ_BODY_RX.match(argument, i + 1)
                end = m.end() if m else n
                parts.append(_unescape_meta_quote(argument[i + 1 : end - 1 if m else n]))
                i = end
            elif ch == '"':
                close = argument.find('"', i + 1)
                end = close + 1 if close >= 0 else n
                parts.append(argument[i:end])  # OT_NORMAL keeps the double quotes
                i = end
            elif ch == "`":
                close = argument.find("`", i + 1)
                i = close + 1 if close >= 0 else n
                known = False  # shell output
            elif ch == ":":
                m = _VAR_REF_RX.match(argument, i)
                if m is None:
                    parts.append(ch)
                    i += 1
                    continue
                literal, ident, test, bare = m.groups()
                name = literal or ident or test or bare
                value = variables.get(name)
                if test is not None:
                    parts.append("TRUE" if name in variables else "FALSE")
                elif name not in variables:
                    parts.append(m.group())  # psql leaves undefined references as they are
                elif value is None:
                    known = False
                elif literal is not None:
                    parts.append(_quote_literal(value))
                elif ident is not None:
                    parts.append(_quote_ident(value))
                else:
                    parts.append(value)
                i = m.end()
            else:
                j = i + 1
                while j < n and argument[j] not in _WS and argument[j] not in "'\"`:":
                    j += 1
                parts.append(argument[i:j])
                i = j
        words.append("".join(parts) if known else None)


def meta_words(argument: str) -> list[str]:
    """The words of a meta-command's ``argument`` as psql reads them: ``'a b'`` is one word ``a b``.

    Variable references are left as written; a word holding backquoted shell output is unknown (empty).
    """
    return [w or "" for w in _meta_words(argument, {})]


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ch > "\uffff")


class _Positions:
    """:class:`LineIndex` positions for offsets asked in (mostly) increasing order.

    ``LineIndex.position`` measures the column from the start of the line, which is quadratic over a long line
    holding many statements (a one-line dump); walking on from the previous offset keeps a file linear.
    """

    __slots__ = ("ascii", "col", "line", "lines", "offset", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.ascii = text.isascii()
        self.offset = self.line = self.col = 0

    def position(self, offset: int) -> tuple[int, int]:
        if self.ascii:  # LineIndex counts columns from the line start itself
            return self.lines.position(offset)
        last = self.offset
        if offset >= last and self.text.find("\n", last, offset) < 0:
            line, col = self.line, self.col + _utf16_len(self.text[last:offset])
        else:
            line, col = self.lines.position(offset)
        self.offset, self.line, self.col = offset, line, col
        return line, col

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(start, end, line, col, end_line, end_col)


class _Splitter:
    __slots__ = (
        "deferred",
        "gset_prefixes",
        "lines",
        "options",
        "pieces",
        "placeholder_rx",
        "placeholders",
        "text",
        "unset",
        "variables",
    )

    def __init__(self, text: str, options: SplitOptions) -> None:
        self.text = text
        self.options = options
        self.lines = _Positions(text)
        self.pieces: list[Piece] = []
        # meta pieces read inside the statement being buffered: listed after it, to keep the list in file order
        self.deferred: list[Piece] = []
        self.variables: dict[str, str | None] = dict.fromkeys(PSQL_BUILTIN_VARIABLES)
        self.variables.update(options.variables)
        self.unset: set[str] = set()
        self.gset_prefixes: list[str] = []
        present = [key for key in options.placeholders if key and key in text]
        self.placeholders = options.placeholders
        self.placeholder_rx = (
            re.compile("|".join(re.escape(k) for k in sorted(present, key=len, reverse=True)))
            if present
            else None
        )

    # -- driver --------------------------------------------------------------------------------------------

    def run(self) -> list[Piece]:
        text = self.text
        n = len(text)
        pos = 1 if text.startswith("\ufeff") else 0
        while True:
            pos, copy = self._scan(pos, n, True)
            if not copy:
                return self.pieces
            # psql reads COPY data from the script, starting at the line after the one that sent the COPY.
            # What follows the COPY on its own line is read as SQL first (psql would read it after the data).
            eol = text.find("\n", pos)
            if eol < 0:
                self._scan(pos, n, False)
                return self.pieces
            if eol > pos:
                self._scan(pos, eol, False)
            data_start = eol + 1
            end = _COPY_END_RX.search(text, data_start)
            data_end, pos = (end.start(), end.end()) if end else (n, n)
            self._emit_text("copydata", data_start, data_end, [])

    # -- the statement scanner ---------------------------------------------------------------------------

    def _scan(self, pos: int, limit: int, detect_copy: bool) -> tuple[int, bool]:
        """Scan ``text[pos:limit]``; return where it stopped and whether a ``COPY ... FROM stdin`` just ended."""
        text = self.text
        nonws = _NONWS_RX.search
        search = _PLAIN_RX.search
        start = -1  # first token of the statement being buffered
        end = -1  # end of its last token (may be followed by whitespace, stripped when emitted)
        depth = 0
        begin_depth = 0
        edits: list[tuple[int, int, str]] = []
        copy = False
        while pos < limit:
            m = search(text, pos, limit)
            i = m.start() if m is not None else limit
            if i > pos:  # plain text: identifiers, numbers, operators, whitespace
                w = nonws(text, pos, i)
                if w is not None:
                    if start < 0:
                        start = w.start()
                        if _CREATE_ROUTINE_RX.match(text, start, limit):
                            search = _ROUTINE_RX.search
                    end = i
            if m is None:
                pos = limit
                break
            ch = m.group()
            j = i + 1  # end of the token at i, when it is content
            if ch == "'":
                if i > 0 and text[i - 1] in "eE" and (i < 2 or not _is_ident_char(text[i - 2])):
                    q = _E_BODY_RX.match(text, j, limit)
                else:
                    q = _SQ_BODY_RX.match(text, j, limit)
                j = q.end() if q is not None else limit
            elif ch == '"':
                q = _DQ_BODY_RX.match(text, j, limit)
                j = q.end() if q is not None else limit
            elif ch == "$":
                if i == 0 or not _is_ident_char(text[i - 1]):
                    q = _DOLLAR_OPEN_RX.match(text, i, limit)
                    if q is not None:
                        close = text.find(q.group(), q.end(), limit)
                        j = close + len(q.group()) if close >= 0 else limit
            elif ch == "-":
                if j < limit and text[j] == "-":
                    q = _NEWLINE_RX.search(text, j, limit)
                    pos = q.start() if q is not None else limit
                    continue
            elif ch == "/":
                if j < limit and text[j] == "*":
                    nesting = 1
                    pos = j + 1
                    while nesting:
                        q = _COMMENT_RX.search(text, pos, limit)
                        if q is None:
                            break
                        pos = q.end()
                        nesting += 1 if q.group() == "/*" else -1
                    if not nesting:
                        continue
                    # Unterminated: psql sends it and the server reports it, so it belongs to the statement.
                    j = limit
            elif ch == "(":
                depth += 1
            elif ch == ")":
                if depth:
                    depth -= 1
            elif ch == ";":
                if depth == 0 and begin_depth == 0:
                    if start >= 0:
                        copy = self._emit_sql(start, end, edits) and detect_copy
                    start = end = -1
                    begin_depth = 0
                    search = _PLAIN_RX.search
                    edits = []
                    pos = j
                    if copy:
                        break
                    continue
            elif ch == ":":
                if j < limit and text[j] == ":":  # a :: cast
                    j += 1
                else:
                    q = _VAR_REF_RX.match(text, i, limit)
                    if q is not None:
                        replacement = self._substitute(q, start if start >= 0 else i, i)
                        if replacement is not None:
                            edits.append((i, q.end(), replacement))
                        j = q.end()
            elif ch == "\\":
                nxt = text[j] if j < limit else ""
                if nxt == ";":
                    pos = j + 1
                    if depth == 0 and begin_depth == 0:
                        if start >= 0:
                            self._emit_sql(start, end, edits)
                        start = end = -1
                        search = _PLAIN_RX.search
                        edits = []
                        continue
                    edits.append((i, pos, ";"))
                    j = pos
                elif nxt == ":":
                    j += 1
                    edits.append((i, j, ":"))
                elif nxt == "\\":  # a stray separator
                    pos = j + 1
                    continue
                else:
                    name, meta_end, pos = self._meta(i, limit)
                    inside = False
                    if name in SENDING_META_COMMANDS or name in _RESET_META_COMMANDS:
                        if start >= 0 and name in SENDING_META_COMMANDS:
                            copy = self._emit_sql(start, end, edits) and detect_copy
                        self._flush_deferred()  # \r: psql drops the buffered statement
                        start = end = -1
                        depth = begin_depth = 0
                        search = _PLAIN_RX.search
                        edits = []
                    elif start >= 0:
                        # Not sent, and not part of the statement psql sends: cut it out of the text.
                        edits.append((i, pos, ""))
                        inside = True
                    self._emit_meta(i, meta_end, name, inside)
                    if name == "copy" and _META_COPY_FROM_STDIN_RX.match(text, i, meta_end):
                        copy = detect_copy
                    if copy:
                        break
                    continue
            else:  # BEGIN / CASE / END inside CREATE FUNCTION|PROCEDURE
                j = m.end()
                if depth == 0:
                    word = ch.lower()
                    if word == "begin":
                        begin_depth += 1
                    elif word == "case":
                        if begin_depth:
                            begin_depth += 1
                    elif begin_depth:
                        begin_depth -= 1
            # the token [i, j) is content
            if start < 0:
                start = i
            end = j
            pos = j
        if start >= 0:
            self._emit_sql(start, end, edits)
        return pos, copy

    # -- psql variables ------------------------------------------------------------------------------------

    def _substitute(self, ref: re.Match[str], statement_start: int, at: int) -> str | None:
        literal, ident, test, bare = ref.groups()
        name = literal or ident or test or bare
        variables = self.variables
        defined = name in variables
        if test is not None:
            return "TRUE" if defined or self._gset_may_define(name) else "FALSE"
        value = variables.get(name)
        if literal is not None:
            return _quote_literal(value) if value is not None else f"'__{name}__'"
        if ident is not None:
            return _quote_ident(value) if value is not None else f'"__{name}__"'
        if defined:
            return value if value is not None else f"__{name}__"
        if self._gset_may_define(name) and not name.isdigit() and not self._slice_bound(statement_start, at):
            return f"__{name}__"
        return None

    def _slice_bound(self, statement_start: int, colon: int) -> bool:
        """Whether the ``:`` at ``colon`` separates the bounds of an array slice: ``a[2:n]``, not ``ARRAY[:v]``."""
        text = self.text
        if text.rfind("[", statement_start, colon) <= text.rfind("]", statement_start, colon):
            return False  # not inside brackets
        k = colon - 1
        while k > statement_start and text[k] in _WS:
            k -= 1
        return _is_ident_char(text[k]) or text[k] in ")]"

    def _gset_may_define(self, name: str) -> bool:
        if name in self.unset:
            return False
        return any(name.startswith(prefix) for prefix in self.gset_prefixes)

    # -- meta-commands ------------------------------------------------------------------------------------

    def _meta(self, at: int, limit: int) -> tuple[str, int, int]:
        """Read the meta-command whose backslash is at ``at``: its name, the end of its text, where SQL resumes."""
        text = self.text
        name_match = _META_NAME_RX.match(text, at + 1, limit)
        name = name_match.group() if name_match is not None else ""
        args = at + 1 + len(name)
        eol = text.find("\n", args, limit)
        if eol < 0:
            eol = limit
        args_end = resume = eol
        whole_line = name in _WHOLE_LINE_META_COMMANDS or (
            name in _FILEPIPE_META_COMMANDS and text[args:eol].lstrip(_WS).startswith("|")
        )
        if not whole_line:
            k = args
            while True:
                q = _META_ARG_SPECIAL_RX.search(text, k, eol)
                if q is None:
                    break
                ch = q.group()
                k = q.end()
                if ch == "\\":
                    args_end = resume = q.start()
                    if k < eol and text[k] == "\\":
                        resume = k + 1  # \\ separates the meta-command from the SQL after it
                    break
                if ch == "'":
                    body = _META_SQ_BODY_RX.match(text, k, eol)
                    k = body.end() if body is not None else eol
                else:
                    close = text.find(ch, k, eol)
                    k = close + 1 if close >= 0 else eol
        meta_end = args_end
        while meta_end > args and text[meta_end - 1] in _WS:
            meta_end -= 1
        self._apply_meta(name, text[args:meta_end])
        return name, meta_end, resume

    def _apply_meta(self, name: str, argument: str) -> None:
        if name == "set":
            words = _meta_words(argument, self.variables)
            if not words or words[0] is None or not _VAR_NAME_RX.match(words[0]):
                return
            values = words[1:]
            self.variables[words[0]] = None if None in values else "".join(v or "" for v in values)
            self.unset.discard(words[0])
        elif name == "unset":
            words = _meta_words(argument, self.variables)
            if words and words[0] is not None:
                self.variables.pop(words[0], None)
                self.unset.add(words[0])
        elif name in ("getenv", "prompt"):
            words = _meta_words(argument, self.variables)
            target = words[0] if name == "getenv" and words else words[-1] if words else None
            if target is not None and _VAR_NAME_RX.match(target):
                self.variables[target] = None
                self.unset.discard(target)
        elif name == "gset":
            words = _meta_words(argument, self.variables)
            prefix = words[0] if words else ""
            if prefix is not None:
                self.gset_prefixes.append(prefix)
                self.unset = {u for u in self.unset if not u.startswith(prefix)}

    # -- emitting pieces ----------------------------------------------------------------------------------

    def _emit_sql(self, start: int, end: int, edits: list[tuple[int, int, str]]) -> bool:
        """Emit the statement ``text[start:end]``; return whether it is a ``COPY ... FROM stdin``."""
        text = self.text
        while end > start and text[end - 1] in _WS:
            end -= 1
        self._emit_text("sql", start, end, [e for e in edits if e[0] >= start and e[1] <= end])
        return (
            text[start : start + 4].lower() == "copy"
            and _COPY_FROM_STDIN_RX.match(text, start, end) is not None
        )

    def _emit_text(self, kind: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> None:
        text = self.text
        if self.placeholder_rx is not None:
            edits = self._with_placeholders(start, end, edits)
        if not edits:
            body = text[start:end]
            anchors: tuple[tuple[int, int], ...] = ()
        else:
            parts: list[str] = []
            marks: list[tuple[int, int]] = []
            cursor = start
            length = 0
            for e_start, e_end, replacement in edits:
                parts.append(text[cursor:e_start])
                parts.append(replacement)
                length += e_start - cursor + len(replacement)
                marks.append((length, e_end))
                cursor = e_end
            parts.append(text[cursor:end])
            body = "".join(parts)
            anchors = tuple(marks)
        span = self.lines.span(start, end)
        if kind == "sql":
            self.pieces.append(Piece("sql", span, body, anchors=anchors))
            self._flush_deferred()
        else:
            self.pieces.append(Piece("copydata", span, body, anchors=anchors))

    def _with_placeholders(
        self, start: int, end: int, edits: list[tuple[int, int, str]]
    ) -> list[tuple[int, int, str]]:
        assert self.placeholder_rx is not None
        found = [
            (m.start(), m.end(), self.placeholders[m.group()])
            for m in self.placeholder_rx.finditer(self.text, start, end)
        ]
        if not found:
            return edits
        if not edits:
            return found
        merged = sorted(edits + found, key=lambda e: (e[0], e[1]))
        out: list[tuple[int, int, str]] = []
        last_end = -1
        for edit in merged:
            if edit[0] >= last_end:
                out.append(edit)
                last_end = edit[1]
        return out

    def _flush_deferred(self) -> None:
        if self.deferred:
            self.pieces.extend(self.deferred)
            self.deferred.clear()

    def _emit_meta(self, start: int, end: int, name: str, inside_statement: bool) -> None:
        argument = self.text[start + 1 + len(name) : end].strip(_WS)
        (self.deferred if inside_statement else self.pieces).append(
            Piece(
                "meta",
                self.lines.span(start, end),
                self.text[start:end],
                command=name,
                argument=argument,
            )
        )


def split_sql(text: str, options: SplitOptions = DEFAULT_OPTIONS) -> list[Piece]:
    r"""Split a psql script into ``sql``, ``meta`` and ``copydata`` pieces, in file order.

    A ``sql`` piece's span starts at its first token and ends after its last token (comments, whitespace and
    the ``;`` excluded); its ``text`` is that slice after substitution, with ``anchors`` mapping back to the
    file. A leading byte-order mark belongs to no piece. Never raises.

    Meta-commands that send the query buffer (:data:`SENDING_META_COMMANDS`, e.g. ``\gset``) end the
    statement before them; ``\r`` discards it (psql never runs it). Any other meta-command (``\set``,
    ``\echo``, ``\i`` ...) written in the middle of a statement does not end it: psql runs the meta-command at
    once and goes on buffering the statement, so the meta-command's text is cut out of the statement's text
    (its span may then enclose the meta piece). Pieces are listed in file order (by span start): such an
    enclosed meta piece comes right after its statement. Spans never overlap otherwise.

    psql variables: a variable set by ``\set`` (or given in ``options.variables``) is substituted with its
    value: ``:v`` raw, ``:'v'`` as a SQL literal, ``:"v"`` as an identifier, ``:{?v}`` as ``TRUE``/``FALSE``.
    When the value is not known statically (``\set v `cmd```, ``\getenv``, ``\prompt``, psql's connection
    variables such as ``:DBNAME``) and for every undefined ``:'v'`` / ``:"v"``, the placeholders
    ``__v__``, ``'__v__'``, ``"__v__"`` keep the statement parseable. An undefined bare ``:v`` is left as is
    (psql leaves it too, so array slices such as ``[2:n]`` survive) unless an earlier ``\gset`` may have
    defined it: its prefix matches, ``v`` is not all digits and the ``:`` does not follow a lower slice bound
    inside ``[...]`` (``a[2:v]`` is a slice, ``ARRAY[:v]`` a reference).

    ``COPY ... FROM stdin`` (and ``\copy ... from stdin``) is followed by one ``copydata`` piece: the lines
    after the one holding the COPY, up to a line that is exactly ``\.`` (consumed), or to the end of the input.
    """
    return _Splitter(text, options).run()
