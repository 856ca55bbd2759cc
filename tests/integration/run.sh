#!/bin/sh
# Runs the integration suite against $LEADROUTER_BIN (default build/leadrouter) (it builds nothing: `make all`
# first). Each test module gets its own throwaway PostgreSQL and server processes.
# The last line of output is `integration: N passed, N failed`; the exit status is
# non-zero when anything failed (a skipped or unrun test counts as failed).
# With LR_IT_PRISM=1 the tests' requests go through Prism's validating proxy and anything
# that breaks docs/openapi.yaml fails the run (tests/integration/contract.py); Prism
# comes from npm (`make deps`).
#   sh tests/integration/run.sh [test_module ...]
#   LR_IT_PRISM=1 sh tests/integration/run.sh [test_module ...]
set -u
cd "$(dirname "$0")/../.." || exit 2
PYTHON=${PYTHON:-python3}
BIN=${LEADROUTER_BIN:-build/leadrouter}
if [ ! -x "$BIN" ]; then
    echo "$BIN is missing: run make all first" >&2
    echo "integration: 0 passed, 1 failed"
    exit 1
fi
if [ "${LR_IT_PRISM:-}" = 1 ] && [ ! -x node_modules/.bin/prism ]; then
    echo "node_modules/.bin/prism is missing: run make deps (it runs npm ci) first" >&2
    echo "integration: 0 passed, 1 failed"
    exit 1
fi
exec "$PYTHON" tests/integration/runner.py "$@"
