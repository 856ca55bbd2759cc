#include "util/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void lr_strset_init(struct lr_strset *s)
{
    memset(s, 0, sizeof *s);
}

void lr_strset_free(struct lr_strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static uint64_t fnv1a(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *k; k++) {
        h ^= (unsigned char)*k;
        h *= 1099511628211ULL;
    }
    return h;
}

static int grow(struct lr_strset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i] == NULL)
            continue;
        size_t j = fnv1a(s->slots[i]) & (cap - 1);
        while (slots[j] != NULL)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int lr_strset_add(struct lr_strset *s, const char *key)
{
    if ((s->count + 1) * 2 > s->cap && grow(s))
        return -1;
    size_t j = fnv1a(key) & (s->cap - 1);
    while (s->slots[j] != NULL) {
        if (strcmp(s->slots[j], key) == 0)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = strdup(key);
    if (s->slots[j] == NULL)
        return -1;
    s->count++;
    return 1;
}
