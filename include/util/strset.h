/* A set of strings (open addressing), for spotting duplicates in bulk loads. */
#ifndef LR_UTIL_STRSET_H
#define LR_UTIL_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct lr_strset {
    char **slots;
    size_t cap, count;
};

void lr_strset_init(struct lr_strset *s);
void lr_strset_free(struct lr_strset *s);
/* Adds a copy of key. Returns 1 when added, 0 when already present, -1 out of memory. */
int lr_strset_add(struct lr_strset *s, const char *key);

#endif
