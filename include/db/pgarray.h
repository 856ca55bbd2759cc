/* PostgreSQL array literals for passing lists as one parameter. */
#ifndef LR_DB_PGARRAY_H
#define LR_DB_PGARRAY_H

#include <stddef.h>

/* {"a","b"} with quotes and backslashes escaped; NULL entries become NULL. Caller frees;
 * NULL when out of memory. */
char *lr_pg_text_array(const char *const *items, size_t n);

#endif
