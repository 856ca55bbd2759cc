#include "db/pgarray.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <stdint.h>

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

char *lr_pg_id_array(const int64_t *ids, size_t n)
{
    size_t cap = n * 21 + 3, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(out + len, cap - len, "}");
    return out;
}

static bool id_array_parse(const char *text, int64_t *ids, size_t cap, size_t *n)
{
    if (*text++ != '{')
        return false;
    while (*text != '}' && *n < cap) {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end == text || errno != 0 || v <= 0 || (*end != ',' && *end != '}'))
            return false;
        ids[(*n)++] = (int64_t)v;
        text = *end == ',' ? end + 1 : end;
    }
    return *text == '}' && text[1] == '\0';
}

bool lr_pg_id_array_parse(const char *text, int64_t **ids, size_t *n)
{
    size_t cap = 1;
    for (const char *p = text; p != NULL && *p; p++)
        cap += *p == ',';
    *n = 0;
    if (text != NULL && (*ids = calloc(cap, sizeof **ids)) != NULL &&
        id_array_parse(text, *ids, cap, n))
        return true;
    if (text != NULL)
        free(*ids);
    *ids = NULL;
    *n = 0;
    return false;
}

/* array_recv's input: ndim, has-nulls flag, element type, then per dimension its size
 * and lower bound, then per element a length (-1: NULL) and jsonb_recv's input, which
 * is a version byte (1) and the JSON text. All integers in network order. */
#define JSONB_OID 3802u
#define ARRAY_MAX 0x40000000u

static char *put32(char *w, uint32_t v)
{
    v = htonl(v);
    memcpy(w, &v, 4);
    return w + 4;
}

char *lr_pg_jsonb_array_binary(const char *const *items, size_t n, int *len)
{
    size_t cap = 20, nulls = 0;
    for (size_t i = 0; i < n; i++) {
        cap += items[i] ? 5 + strlen(items[i]) : 4;
        nulls += items[i] == NULL;
        if (cap > ARRAY_MAX)
            return NULL;
    }
    char *out = malloc(cap), *w = out;
    if (out == NULL)
        return NULL;
    w = put32(w, 1);
    w = put32(w, nulls > 0);
    w = put32(w, JSONB_OID);
    w = put32(w, (uint32_t)n);
    w = put32(w, 1);
    for (size_t i = 0; i < n; i++) {
        if (items[i] == NULL) {
            w = put32(w, 0xFFFFFFFFu);
            continue;
        }
        size_t l = strlen(items[i]);
        w = put32(w, (uint32_t)(l + 1));
        *w++ = 1;
        memcpy(w, items[i], l);
        w += l;
    }
    *len = (int)(w - out);
    return out;
}
