#!/usr/bin/env bash
# Make sure Node.js 20 or newer and npm are installed, for the VS Code client (client-vscode/): its build
# (esbuild), its tests (node's test runner) and its packaging (@vscode/vsce, which needs Node 20).
#
# Idempotent: when both are present and new enough it returns at once. Otherwise it installs Debian's
# `nodejs` and `npm` packages (root or sudo) and checks the version again: Debian 12's own Node.js is 18, too
# old, and then the message says so instead of a build failing later.
set -euo pipefail

MINIMUM=20

major() {
    node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'
}

fits() {
    command -v npm >/dev/null 2>&1 && [ -n "$(major)" ] && [ "$(major)" -ge "$MINIMUM" ]
}

if fits; then
    exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq nodejs npm >/dev/null
if ! fits; then
    echo "ensure-node: Node.js $MINIMUM or newer is needed for client-vscode/, found $(node --version 2>/dev/null || echo none);" \
        "install it from https://nodejs.org or NodeSource" >&2
    exit 1
fi
