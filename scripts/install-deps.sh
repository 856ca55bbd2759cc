#!/bin/sh
# Installs what leadrouter builds, tests and runs with, when missing: the Debian
# packages, then the npm tools of package.json (locked in package-lock.json) that
# `make test` uses on the API contract (the OpenAPI linter, Prism). Idempotent: a
# second run installs nothing.
set -eu
cd "$(dirname "$0")/.."
PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev check \
postgresql postgresql-contrib libssl-dev libcurl4-openssl-dev libxml2-dev wrk python3 clang-format curl \
ca-certificates prometheus python3-jsonschema python3-yaml shellcheck chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install:$missing" >&2; exit 1; }
        SUDO=sudo
    else
        SUDO=
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# npm tools: `npm ci` when node_modules is missing or was installed from another
# package-lock.json. They need Node.js 20.19 or later with npm; Debian 12's own nodejs
# is 18, too old. Without them `make run` still works, and `make test` stops at the
# contract checks saying so.
need_node="Node.js 20.19 or later (with npm), for the API contract checks of make test"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: missing: $need_node; node_modules/ was not installed." >&2
    echo "install-deps: install Node.js 20 and npm, then run make deps again." >&2
    exit 0
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "install-deps: node $(node --version) is too old: missing: $need_node." >&2
    exit 0
fi
lock_id=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
stamp=node_modules/.leadrouter-npm-ci
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_id" ]; then
    exit 0
fi
echo "installing the npm tools of package-lock.json (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "$lock_id" >"$stamp"
