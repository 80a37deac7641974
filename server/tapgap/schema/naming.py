"""The names PostgreSQL generates for unnamed constraints, indexes and sequences.

pgTAP tests name these objects (``has_index('users', 'users_email_idx')``), so tapgap must produce exactly
the names PostgreSQL would: ``makeObjectName``, ``ChooseRelationName``, ``ChooseConstraintName`` and
``ChooseIndexNameAddition`` from PostgreSQL's source, reimplemented. Lengths are in bytes (NAMEDATALEN 64).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

NAMEDATALEN = 64


def _clip(name: str, max_bytes: int) -> str:
    """Truncate to at most ``max_bytes`` UTF-8 bytes without splitting a character (``pg_mbcliplen``)."""
    encoded = name.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return name
    return encoded[:max_bytes].decode("utf-8", "ignore")


def _blen(name: str) -> int:
    return len(name.encode("utf-8", "surrogatepass"))


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """``name1_name2_label``, shortening name1 and name2 (the longer first) to fit in 63 bytes."""
    name1chars = _blen(name1)
    name2chars = _blen(name2) if name2 else 0
    overhead = (len(label) + 1 if label else 0) + (1 if name2 else 0)
    avail = NAMEDATALEN - 1 - overhead
    while name1chars + name2chars > avail:
        if name1chars > name2chars:
            name1chars -= 1
        else:
            name2chars -= 1
    result = _clip(name1, name1chars)
    if name2:
        result += "_" + _clip(name2, name2chars)
    if label:
        result += "_" + label
    return result


def choose_name(name1: str, name2: str | None, label: str, taken: Callable[[str], bool]) -> str:
    """The first of ``name1_name2_label``, ``..._label1``, ``..._label2`` ... for which ``taken`` is false."""
    attempt = 0
    modlabel = label
    while True:
        candidate = make_object_name(name1, name2, modlabel)
        if not taken(candidate):
            return candidate
        attempt += 1
        modlabel = f"{label}{attempt}"


def name_addition(names: Iterable[str]) -> str:
    """``ChooseIndexNameAddition`` / ``ChooseForeignKeyConstraintNameAddition``: names joined by ``_``."""
    buf = ""
    for name in names:
        if buf:
            buf += "_"
        buf += _clip(name, NAMEDATALEN - 1)
        if _blen(buf) >= NAMEDATALEN:
            break
    return buf


def index_column_names(element_names: Iterable[str]) -> list[str]:
    """``ChooseIndexColumnNames``: repeated element names get a number appended (``a``, ``a1``)."""
    result: list[str] = []
    for origname in element_names:
        i = 0
        current = origname
        while current in result:
            i += 1
            suffix = str(i)
            current = _clip(origname, NAMEDATALEN - 1 - len(suffix)) + suffix
        result.append(current)
    return result
