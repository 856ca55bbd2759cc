#!/bin/sh
# Runs the integration suite against $LEADROUTER_BIN (default build/leadrouter) (it builds nothing: `make all`
# first). Each test module gets its own throwaway PostgreSQL and server processes.
# The last line of output is `integration: N passed, N failed`; the exit status is
# non-zero when anything failed (a skipped or unrun test counts as failed).
#   sh tests/integration/run.sh [test_module ...]
set -u
cd "$(dirname "$0")/../.." || exit 2
PYTHON=${PYTHON:-python3}
BIN=${LEADROUTER_BIN:-build/leadrouter}
if [ ! -x "$BIN" ]; then
    echo "$BIN is missing: run make all first" >&2
    echo "integration: 0 passed, 1 failed"
    exit 1
fi
exec "$PYTHON" tests/integration/runner.py "$@"
