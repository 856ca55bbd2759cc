#!/bin/sh
# Writes C holding every SQL function file (name and SQL) of sql/functions/, in the load
# order of the list file given (sql/functions.list: one file name a line; blank lines
# and # comments skipped). Fails when a listed file is missing, or a file of the
# folder is not listed exactly once, so that no function is forgotten by migrate.
set -eu
list=$1
dir=$(dirname "$list")/functions
names=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$list" | grep -v '^$' || true)
for f in "$dir"/*.sql; do
    [ -e "$f" ] || continue
    base=$(basename "$f")
    n=$(printf '%s\n' "$names" | grep -cxF "$base" || true)
    if [ "$n" != 1 ]; then
        echo "embed-functions: $f is listed $n times in $list (must be once)" >&2
        exit 1
    fi
done
count=0
echo '/* Generated from sql/functions/ by scripts/embed-functions.sh. */'
echo '#include "db/migrations.h"'
echo 'const struct lr_sql_function lr_sql_functions[] = {'
for base in $names; do
    f="$dir/$base"
    if [ ! -f "$f" ]; then
        echo "embed-functions: $list names $base, which $dir lacks" >&2
        exit 1
    fi
    printf '    {"%s",\n' "$(basename "$base" .sql)"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/     "/' -e 's/$/\\n"/' "$f"
    echo '    },'
    count=$((count + 1))
done
if [ "$count" = 0 ]; then
    echo "embed-functions: $list lists no function" >&2
    exit 1
fi
echo '};'
echo "const unsigned lr_sql_function_count = $count;"
