/* PostgreSQL array literals for passing lists as one parameter. */
#ifndef LR_DB_PGARRAY_H
#define LR_DB_PGARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* {"a","b"} with quotes and backslashes escaped; NULL entries become NULL. Caller frees;
 * NULL when out of memory. */
char *lr_pg_text_array(const char *const *items, size_t n);

/* {1,2,3}: a list of row ids (positive bigints) as a bigint[] literal. Caller frees;
 * NULL when out of memory. */
char *lr_pg_id_array(const int64_t *ids, size_t n);

/* The reverse, for a bigint[] read back as text: *ids gets the n ids (caller frees).
 * false, with *ids NULL and *n 0, when the text is anything else (an id that is not a
 * positive bigint, a NULL, a nested array) or memory runs out. */
bool lr_pg_id_array_parse(const char *text, int64_t **ids, size_t *n);

/* The same list as a one-dimensional jsonb[] in PostgreSQL's binary format, for a
 * parameter sent with format 1: the server then parses each document once, instead of
 * first un-escaping an array literal (the lead batch's event and decision columns are
 * most of its input, docs/performance.md). Each item must be a JSON text; NULL entries
 * become NULL. *len gets the size; caller frees; NULL when out of memory or over 1 GB. */
char *lr_pg_jsonb_array_binary(const char *const *items, size_t n, int *len);

#endif
