#include "util/json_array.h"

#include <stdlib.h>
#include <string.h>

enum { END = -1, READ_FAILED = -2 };
enum { BEFORE_ARRAY, FIRST_ELEMENT, NEXT_ELEMENT, AFTER_COMMA, AFTER_ARRAY, DONE };

int lr_jarr_init(struct lr_jarr *a, FILE *f, size_t chunk_size, size_t max_element)
{
    memset(a, 0, sizeof *a);
    a->f = f;
    a->chunk_size = chunk_size ? chunk_size : LR_JARR_CHUNK;
    a->max_element = max_element;
    a->chunk = malloc(a->chunk_size);
    if (a->chunk == NULL)
        return -1;
    a->p = a->end = a->chunk;
    a->eof = f == NULL; /* no body at all reads as empty */
    return 0;
}

void lr_jarr_free(struct lr_jarr *a)
{
    free(a->chunk);
    free(a->elem);
    a->chunk = a->elem = NULL;
    a->cap = a->len = 0;
}

static inline int peek(struct lr_jarr *a)
{
    if (a->p == a->end) {
        if (a->eof)
            return END;
        size_t n = fread(a->chunk, 1, a->chunk_size, a->f);
        if (n == 0) {
            if (ferror(a->f))
                return READ_FAILED;
            a->eof = true;
            return END;
        }
        a->p = a->chunk;
        a->end = a->chunk + n;
    }
    return (unsigned char)*a->p;
}

static inline void take(struct lr_jarr *a)
{
    a->p++;
    a->offset++;
}

static int skip_ws(struct lr_jarr *a)
{
    int c;
    while ((c = peek(a)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        take(a);
    return c;
}

/* Bytes past max_element are counted but not kept: the element is reported as too
 * large once it ends, and reading goes on so that later rows are still checked. */
static int keep(struct lr_jarr *a, char c)
{
    if (a->len >= a->max_element) {
        a->len = a->max_element + 1;
        return 0;
    }
    if (a->len == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        char *n = realloc(a->elem, cap);
        if (n == NULL)
            return -1;
        a->elem = n;
        a->cap = cap;
    }
    a->elem[a->len++] = c;
    return 0;
}

static enum lr_jarr_rc fail(struct lr_jarr *a, enum lr_jarr_rc rc, const char *why)
{
    a->state = DONE;
    a->error = why;
    return rc;
}

/* One element: up to the ',' or ']' that closes it at depth 0. */
static enum lr_jarr_rc scan_element(struct lr_jarr *a)
{
    a->len = 0;
    size_t depth = 0, trail = 0; /* trail: whitespace after a scalar, not kept */
    bool in_string = false, escaped = false;
    for (;;) {
        int c = peek(a);
        if (c == READ_FAILED)
            return fail(a, LR_JARR_FAILED, "the body cannot be read");
        if (c == END)
            return fail(a, LR_JARR_MALFORMED, "the array is not closed");
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (depth == 0 && (c == ',' || c == ']')) {
            break;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (depth == 0) {
                trail++;
                take(a);
                continue;
            }
        } else if (depth == 0 && trail > 0) {
            return fail(a, LR_JARR_MALFORMED, "two values without a comma between them");
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return fail(a, LR_JARR_MALFORMED, "a closing bracket without an opening one");
            depth--;
            if (depth == 0) {
                /* whitespace after a closed object is not part of it either */
                if (keep(a, (char)c))
                    return fail(a, LR_JARR_FAILED, "out of memory");
                take(a);
                trail = 0;
                int n = skip_ws(a);
                if (n >= 0 && n != ',' && n != ']')
                    return fail(a, LR_JARR_MALFORMED, "two values without a comma between them");
                continue;
            }
        }
        if (keep(a, (char)c))
            return fail(a, LR_JARR_FAILED, "out of memory");
        take(a);
    }
    if (a->len == 0)
        return fail(a, LR_JARR_MALFORMED, "a value is missing");
    return a->len > a->max_element ? LR_JARR_TOO_LARGE : LR_JARR_ELEMENT;
}

enum lr_jarr_rc lr_jarr_next(struct lr_jarr *a, const char **elem, size_t *len)
{
    *elem = NULL;
    *len = 0;
    int c;
    switch (a->state) {
    case DONE:
        return a->error ? LR_JARR_MALFORMED : LR_JARR_END;
    case BEFORE_ARRAY:
        c = skip_ws(a);
        if (c == READ_FAILED)
            return fail(a, LR_JARR_FAILED, "the body cannot be read");
        if (c == END)
            return fail(a, LR_JARR_MALFORMED, "the body is empty");
        if (c != '[') {
            if (c == '{' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
                c == 'f' || c == 'n')
                return fail(a, LR_JARR_NOT_ARRAY, "the body is not an array");
            return fail(a, LR_JARR_MALFORMED, "the body does not start with a JSON value");
        }
        take(a);
        a->state = FIRST_ELEMENT;
        break;
    case NEXT_ELEMENT:
        c = skip_ws(a);
        if (c == ']') {
            take(a);
            a->state = AFTER_ARRAY;
            goto after_array;
        }
        if (c != ',')
            return fail(a, LR_JARR_MALFORMED, "the array is not closed");
        take(a);
        a->state = AFTER_COMMA;
        break;
    default:
        break;
    }
    c = skip_ws(a);
    if (c == READ_FAILED)
        return fail(a, LR_JARR_FAILED, "the body cannot be read");
    if (c == END)
        return fail(a, LR_JARR_MALFORMED, "the array is not closed");
    if (c == ']') {
        if (a->state == AFTER_COMMA)
            return fail(a, LR_JARR_MALFORMED, "a comma before the closing bracket");
        take(a);
        goto after_array;
    }
    a->state = NEXT_ELEMENT;
    enum lr_jarr_rc rc = scan_element(a);
    *elem = a->elem;
    *len = a->len > a->max_element ? 0 : a->len;
    return rc;
after_array:
    c = skip_ws(a);
    if (c == READ_FAILED)
        return fail(a, LR_JARR_FAILED, "the body cannot be read");
    if (c != END)
        return fail(a, LR_JARR_MALFORMED, "text after the closing bracket");
    a->state = DONE;
    return LR_JARR_END;
}
