#include "db/pgarray.h"

#include <stdlib.h>
#include <string.h>

char *lr_pg_text_array(const char *const *items, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += (items[i] ? 2 * strlen(items[i]) + 3 : 5);
    char *out = malloc(cap), *w = out;
    if (out == NULL)
        return NULL;
    *w++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *w++ = ',';
        if (items[i] == NULL) {
            memcpy(w, "NULL", 4);
            w += 4;
            continue;
        }
        *w++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *w++ = '\\';
            *w++ = *s;
        }
        *w++ = '"';
    }
    *w++ = '}';
    *w = '\0';
    return out;
}
