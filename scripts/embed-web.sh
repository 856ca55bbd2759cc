#!/bin/sh
# Writes a C file holding the dashboard's files (src/web/, SPEC 3.7) for api/web.c, so
# that the binary serves its own page with nothing to install or build beside it.
#   sh scripts/embed-web.sh FILE...   (one of them index.html)
# index.html is served at /; every other file at /assets/STEM.HASH.EXT, HASH being the
# start of the file's SHA-256. A changed file thus gets a new URL, so browsers may keep
# each one for a year without asking again, while index.html, which names them, is
# rewritten here to the hashed URLs and revalidated on every load. Bytes are written as
# numbers, not string literals: -std=c11 reads trigraphs, and minified JavaScript holds
# "??=".
set -eu
map=$(mktemp)
trap 'rm -f "$map"' EXIT

content_type() {
    case "$1" in
    *.html) echo "text/html; charset=utf-8" ;;
    *.css) echo "text/css; charset=utf-8" ;;
    *.js) echo "text/javascript; charset=utf-8" ;;
    *.svg) echo "image/svg+xml" ;;
    *.txt) echo "text/plain; charset=utf-8" ;;
    *) echo "embed-web.sh: no content type for $1" >&2; exit 1 ;;
    esac
}

bytes() {
    printf 'static const unsigned char asset%s[] = {\n' "$1"
    od -An -v -tx1 | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/    /'
    echo '};'
}

echo '/* Generated from src/web/ by scripts/embed-web.sh. */'
echo '#include "api/web.h"'
index=""
n=0
for f in "$@"; do
    name=$(basename "$f")
    if [ "$name" = index.html ]; then
        index=$f
        continue
    fi
    n=$((n + 1))
    hash=$(sha256sum "$f" | cut -c1-12)
    url="/assets/${name%.*}.$hash.${name##*.}"
    echo "$n $name $url $(content_type "$name")" >>"$map"
    bytes "$n" <"$f"
done
[ -n "$index" ] || { echo "embed-web.sh: no index.html given" >&2; exit 1; }

# index.html with each /assets/NAME replaced by its hashed URL; a reference to a file
# that is not embedded fails the build rather than a browser.
script=""
while read -r _ name url _; do
    script="$script -e s#/assets/$(echo "$name" | sed 's/\./\\./g')\"#$url\"#g"
done <"$map"
page=$(mktemp)
trap 'rm -f "$map" "$page"' EXIT
# shellcheck disable=SC2086
sed $script "$index" >"$page"
for ref in $(grep -o '/assets/[^"]*' "$page"); do
    grep -q " $ref " "$map" || { echo "embed-web.sh: index.html names $ref, which is not embedded" >&2; exit 1; }
done
bytes 0 <"$page"

echo 'const struct lr_web_asset lr_web_assets[] = {'
echo '    {"/", "text/html; charset=utf-8", asset0, sizeof asset0, false},'
while read -r i _ url ctype; do
    printf '    {"%s", "%s", asset%s, sizeof asset%s, true},\n' "$url" "$ctype" "$i" "$i"
done <"$map"
echo '};'
echo "const unsigned lr_web_asset_count = $((n + 1));"
