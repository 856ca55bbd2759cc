/* A map from text keys to 32-bit values: open addressing, keys copied and owned. The
 * routing cache (service/routing_cache.c) finds an account by its domain with it. */
#ifndef LR_UTIL_STRMAP_H
#define LR_UTIL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lr_strmap {
    char **keys; /* NULL: a free slot (nothing is ever removed but by lr_strmap_clear) */
    uint32_t *vals;
    size_t cap, n; /* cap: 0 or a power of two */
};

/* Sets key's value (adds the key, or replaces its value). -1 when out of memory: the
 * map is as it was. */
int lr_strmap_put(struct lr_strmap *m, const char *key, uint32_t val);
/* true and *val set when key is there. */
bool lr_strmap_get(const struct lr_strmap *m, const char *key, uint32_t *val);
/* Empties the map and frees everything it holds; a zeroed map is empty. */
void lr_strmap_clear(struct lr_strmap *m);

#endif
