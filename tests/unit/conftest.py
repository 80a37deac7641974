"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest

from .report_helpers import Examples


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Examples:
    return Examples(monkeypatch, capsys)
