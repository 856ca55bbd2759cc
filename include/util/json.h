/* jansson helpers: exact number literals in, exact money out. */
#ifndef LR_UTIL_JSON_H
#define LR_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Until every user includes them itself. */
#include "util/time.h"
#include "util/utf8.h"

/* Parses text with jansson (rejecting NUL escapes and duplicate-key surprises the
 * same way jansson does). Returns NULL with err filled when malformed. */
json_t *lr_json_parse(const char *text, size_t len, json_error_t *err);

/* For a well-formed JSON text, returns an object mapping the JSON pointer of every
 * number literal that is not a plain integer (it has a fraction or an exponent) to its
 * literal text, so that amounts never pass through a double. Later duplicate keys
 * win, as in jansson. NULL when out of memory. */
json_t *lr_json_number_literals(const char *text, size_t len);

/* A money value for output: a marker string that lr_json_dumps turns into a JSON
 * number with two decimals. Input never contains NUL (jansson rejects \u0000 by
 * default), so no client string can imitate the marker. */
json_t *lr_json_money(int64_t cents);
json_t *lr_json_opt_money(bool present, int64_t cents);

/* Compact serialisation with money markers replaced. Caller frees. */
char *lr_json_dumps(const json_t *v);

/* Appends {"field": field, "message": message} to an errors array. */
void lr_json_field_error(json_t *errors, const char *field, const char *message);
/* Appends an error naming prefix + key for every member of the object obj whose key is
 * not in known (NULL-terminated); the message lists the known keys. */
void lr_json_unknown_keys(const json_t *obj, const char *const *known, const char *prefix,
                          json_t *errors);

/* Whether a JSON number literal fits PostgreSQL's numeric, which is what jsonb keeps a
 * number as: at most 16383 digits after the point, below 10^131072. */
bool lr_json_number_storable(const char *literal);
/* For lits from lr_json_number_literals: appends an error for each number that
 * PostgreSQL cannot store, naming it like other fields (/data/foo -> data.foo). */
void lr_json_storable_errors(const json_t *lits, json_t *errors);

#endif
