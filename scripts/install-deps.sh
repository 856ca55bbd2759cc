#!/bin/sh
# Installs the Debian packages leadrouter builds, tests and runs with, when missing.
set -eu
PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev check \
postgresql postgresql-contrib libssl-dev libcurl4-openssl-dev libxml2-dev wrk python3 clang-format curl \
ca-certificates prometheus"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to install:$missing" >&2; exit 1; }
    SUDO=sudo
else
    SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
