#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs them.
#
#   scripts/test.sh [pytest args...]
#
# - PostgreSQL 15 + pgTAP from Debian's packages (scripts/ensure-postgres.sh; needs root or sudo), for the
#   oracle tests, which start a throwaway cluster of their own;
# - a virtualenv in .venv with tapgap and its test tools (pip install -e '.[dev]');
# - then pytest. Real-world corpora are read from ../shared/corpora when present (skipped otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-postgres.sh

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'

exec .venv/bin/python -m pytest "$@"
