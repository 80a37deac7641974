#!/usr/bin/env bash
# Make sure Debian's PostgreSQL 15 server binaries and pgTAP are installed, for the oracle tests.
#
# Idempotent: when both packages are present it returns at once without touching apt. Otherwise it runs
# `apt-get update` once and installs `postgresql-15` and `postgresql-15-pgtap` noninteractively. It never
# starts Debian's system cluster: the tests start a throwaway cluster of their own (tests/pgserver.py).
#
# Run as root (as CI and the sessions do), or as a user with sudo.
set -euo pipefail

PACKAGES=(postgresql-15 postgresql-15-pgtap)

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ] && [ -x /usr/lib/postgresql/15/bin/initdb ] \
    && [ -f /usr/share/postgresql/15/extension/pgtap.control ]; then
    exit 0
fi
reinstall=()
if [ ${#missing[@]} -eq 0 ]; then  # dpkg says installed but the files are gone: reinstall
    missing=("${PACKAGES[@]}")
    reinstall=(--reinstall)
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "ensure-postgres: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
fi

echo "ensure-postgres: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive

# Keep the package's postinst from starting the system cluster as a service: a policy-rc.d that refuses
# every start (exit 101), removed afterwards unless one was already there.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    own_policy=1
fi
cleanup() { [ "$own_policy" -eq 1 ] && "${SUDO[@]}" rm -f "$policy"; return 0; }
trap cleanup EXIT

"${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${reinstall[@]}" "${missing[@]}" >/dev/null
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || { echo "ensure-postgres: $pkg did not install" >&2; exit 1; }
done
echo "ensure-postgres: done" >&2
