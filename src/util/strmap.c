/* Linear probing over a table kept at most half full, so that a probe ends soon. */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a: domains are short, and nothing here is keyed by an attacker's choice of
 * collisions beyond the accounts an operator loads. */
static uint64_t hash_of(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t slot_of(char *const *keys, size_t cap, const char *key)
{
    size_t i = (size_t)hash_of(key) & (cap - 1);
    while (keys[i] != NULL && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(struct lr_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    uint32_t *vals = calloc(cap, sizeof *vals);
    if (keys == NULL || vals == NULL) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != NULL) {
            size_t j = slot_of(keys, cap, m->keys[i]);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

int lr_strmap_put(struct lr_strmap *m, const char *key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    size_t i = slot_of(m->keys, m->cap, key);
    if (m->keys[i] == NULL) {
        if ((m->keys[i] = strdup(key)) == NULL)
            return -1;
        m->n++;
    }
    m->vals[i] = val;
    return 0;
}

bool lr_strmap_get(const struct lr_strmap *m, const char *key, uint32_t *val)
{
    if (m->n == 0)
        return false;
    size_t i = slot_of(m->keys, m->cap, key);
    if (m->keys[i] == NULL)
        return false;
    *val = m->vals[i];
    return true;
}

void lr_strmap_clear(struct lr_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    *m = (struct lr_strmap){0};
}
