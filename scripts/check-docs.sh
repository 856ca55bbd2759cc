#!/bin/sh
# The settings table of docs/operations.md is what the binary says it is.
#   sh scripts/check-docs.sh BIN
set -eu
bin=${1:-build/leadrouter}
cd "$(dirname "$0")/.."
want=$(mktemp)
have=$(mktemp)
trap 'rm -f "$want" "$have"' EXIT
"$bin" settings --markdown >"$want"
sed -n '/^<!-- settings: generated/,/^<!-- settings end -->/p' docs/operations.md |
    sed '1d;$d' >"$have"
if ! diff -u "$have" "$want"; then
    echo "docs/operations.md: the settings table differs from \`$bin settings --markdown\`" >&2
    exit 1
fi
echo "docs/operations.md: settings table current"
