#!/bin/sh
# Writes a C file holding every migration (name and SQL) in the order given.
set -eu
echo '/* Generated from migrations/ by scripts/embed-migrations.sh. */'
echo '#include "db/migrations.h"'
echo 'const struct lr_migration lr_migrations[] = {'
for f in "$@"; do
    name=$(basename "$f" .sql)
    version=$(echo "$name" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
    printf '    {%s, "%s",\n' "$version" "$name"
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/     "/' -e 's/$/\\n"/' "$f"
    echo '    },'
done
echo '};'
echo "const unsigned lr_migration_count = $#;"
