"""On the real corpora, tapgap finds the pgTAP calls a plain lexical scan finds, and never raises.

The reference is a lexical scan for ``name(`` tokens of pgTAP functions outside comments, string literals
and quoted identifiers, counting calls inside function and ``DO`` bodies (a dollar quote after ``AS`` or
``DO`` is scanned, any other dollar quote is a string). Calls are matched by (line, function name).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tapgap.coverage.assertions import analyse_tests
from tapgap.pgtap.catalog import CATALOG
from tapgap.pgtap.reader import read_test_file
from tapgap.schema.load import load_schema
from tests.corpora import CORPORA, corpus_files, manifest, requires_corpora

pytestmark = [requires_corpora, pytest.mark.corpus]

_TOKEN = re.compile(
    r"""(?P<comment>--[^\n]*)|(?P<block>/\*)|(?P<estring>[eE]'(?:[^'\\]|\\.|'')*')|(?P<string>'(?:[^']|'')*')"""
    r"""|(?P<ident>"(?:[^"]|"")*")|(?P<dollar>\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)"""
    r"""|(?P<word>[A-Za-z_][A-Za-z_0-9$]*(?:\.[A-Za-z_][A-Za-z_0-9$]*)*)(?P<call>\s*\()?"""
)


def lexical_calls(text: str, names: frozenset[str]) -> Counter[tuple[int, str]]:
    """(line, function) of every pgTAP call a lexical scan finds."""
    found: Counter[tuple[int, str]] = Counter()
    _scan(text, 0, names, found, text)
    return found


def _scan(text: str, base: int, names: frozenset[str], found: Counter[tuple[int, str]], whole: str) -> None:
    pos = 0
    previous = ""
    while True:
        m = _TOKEN.search(text, pos)
        if m is None:
            return
        pos = m.end()
        if m.group("block"):
            depth, i = 1, m.end()
            while depth and i < len(text):
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            pos = i
            continue
        if m.group("dollar"):
            tag = m.group("dollar")
            close = text.find(tag, m.end())
            end = len(text) if close == -1 else close
            if previous in ("as", "do"):
                _scan(text[m.end() : end], base + m.end(), names, found, whole)
            pos = end + len(tag)
            previous = ""
            continue
        word = m.group("word")
        if word:
            last = word.rsplit(".", 1)[-1].lower()
            if m.group("call") and last in names and previous != "function":
                found[(whole.count("\n", 0, base + m.start()), last)] += 1
            previous = word.lower()
            continue
        previous = ""


def _ours(corpus: str) -> tuple[Counter[tuple[int, str]], Counter[tuple[int, str]], int]:
    ours: Counter[tuple[int, str]] = Counter()
    lexical: Counter[tuple[int, str]] = Counter()
    names = frozenset(CATALOG)
    files = 0
    for path in corpus_files(corpus, "tests"):
        data = path.read_bytes()
        facts = read_test_file(path.name, data)
        assert not [f for f in facts.findings if f.code == "internal-error"], facts.findings
        files += 1
        for call in facts.calls:
            ours[(path.name, call.span.line, call.function)] += 1  # type: ignore[index]
        for (line, name), n in lexical_calls(data.decode("utf-8", "replace"), names).items():
            lexical[(path.name, line, name)] += n  # type: ignore[index]
    return ours, lexical, files


CORPORA_WITH_TESTS = (
    [c for c in manifest() if manifest()[c].get("tests")] if (CORPORA / "manifest.json").is_file() else []
)


def test_tapgap_finds_the_calls_a_lexical_scan_finds_on_every_corpus() -> None:
    lexical_total = matched_total = 0
    report = []
    for corpus in CORPORA_WITH_TESTS:
        ours, lexical, files = _ours(corpus)
        matched = sum(min(n, ours[key]) for key, n in lexical.items())
        lexical_total += sum(lexical.values())
        matched_total += matched
        missed = [key for key, n in lexical.items() if ours[key] < n]
        report.append(
            f"{corpus}: {files} files, lexical {sum(lexical.values())}, matched {matched}, missed {missed[:5]}"
        )
    ratio = matched_total / lexical_total
    assert lexical_total > 10_000
    assert ratio >= 0.999, "\n".join(report)


@pytest.mark.parametrize("corpus", CORPORA_WITH_TESTS)
def test_corpus_tests_analyse_against_their_schema_without_raising(corpus: str) -> None:
    schema = load_schema(CORPORA / corpus, corpus_files(corpus, "schema")).state
    analysis = analyse_tests(CORPORA / corpus, corpus_files(corpus, "tests"), schema)
    codes = Counter(f.code for f in analysis.findings)
    assert "internal-error" not in codes, [f for f in analysis.findings if f.code == "internal-error"][:3]
    assert analysis.assertions, corpus
