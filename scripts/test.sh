#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs them.
#
#   scripts/test.sh [pytest args...]
#
# - PostgreSQL 15 + pgTAP from Debian's packages (scripts/ensure-postgres.sh; needs root or sudo), for the
#   oracle tests, which start a throwaway cluster of their own;
# - a virtualenv in .venv with tapgap and its test tools (pip install -e '.[dev]');
# - then pytest. Real-world corpora are read from ../shared/corpora when present (skipped otherwise);
# - then the VS Code client (client-vscode/): Node.js 20+ (scripts/ensure-node.sh), `npm ci`, its tests (one
#   of them drives the extension against this checkout's `tapgap serve`) and the .vsix
#   (client-vscode/tapgap.vsix).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-postgres.sh

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'

.venv/bin/python -m pytest "$@"

scripts/ensure-node.sh
cd client-vscode
npm ci --no-audit --no-fund --loglevel=error
TAPGAP_SERVER="$(cd .. && pwd)/.venv/bin/tapgap" npm test --silent
npm run package --silent
