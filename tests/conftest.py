"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pgserver import PgServer, missing_reason


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A started throwaway PostgreSQL 15 + pgTAP cluster, shared by the whole session.

    Without the binaries: skipped on a developer's machine, a failure under CI (the oracle must never be
    skipped silently there).
    """
    reason = missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}; .ci/run must run scripts/ensure-postgres.sh first", pytrace=False)
        pytest.skip(f"{reason}; run scripts/ensure-postgres.sh")
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
