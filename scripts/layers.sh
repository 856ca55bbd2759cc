#!/bin/sh
# The include graph between layers, and every arrow that points the wrong way.
#   sh scripts/layers.sh [DIR]     (default: this checkout)
# A layer is a folder of src/ and include/ (main.c is the wiring and may include
# anything; cli/ is the command line, which wires every layer). Allowed: each layer includes itself and the layers listed after it.
# routing/ is the domain model, its types and its pure rules: db/ stores those types
# (segments, decisions) but calls none of its functions, and that is checked too.
# Exit status 1 when any arrow is not allowed.
cd "${1:-$(dirname "$0")/..}" || exit 2
ALLOWED='
cli:cli api service routing db http config util
api:api service routing db http config util
service:service routing db config util
http:http config util
db:db routing config util
routing:routing util
config:config util
util:util
'
find src include -name '*.[ch]' ! -name main.c | sort | while read -r f; do
    from=$(echo "$f" | cut -d/ -f2)
    sed -n 's/^#include "\([a-z_]*\)\/.*/\1/p' "$f" | sort -u | while read -r to; do
        echo "$from $to $f"
    done
done > /tmp/lr-layers.$$
echo "arrows (count: from -> to):"
awk '{print $1" -> "$2}' /tmp/lr-layers.$$ | sort | uniq -c
bad=0
while read -r from to f; do
    ok=$(echo "$ALLOWED" | sed -n "s/^$from://p" | tr ' ' '\n' | grep -cx "$to")
    if [ "$ok" = 0 ]; then
        echo "NOT ALLOWED: $from -> $to in $f"
        bad=1
    fi
done < /tmp/lr-layers.$$
rm -f /tmp/lr-layers.$$
# db/ decides nothing: no call of a routing function (the text forms of its types,
# routing/types.h, are data conversions and allowed).
fns=$(sed -n 's/^[a-z].*[ *]\(lr_[a-z0-9_]*\)(.*/\1/p' $(ls include/routing/*.h | grep -v types.h) | sort -u | paste -sd'|')
calls=$(grep -nE "\b($fns)\(" src/db/*.c include/db/*.h 2>/dev/null)
if [ -n "$calls" ]; then
    echo "db calls routing:"
    echo "$calls"
    bad=1
fi
[ "$bad" = 0 ] && echo "no arrow points up, and db/ calls no rule"
exit "$bad"
