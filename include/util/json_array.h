/* A JSON array read element by element from a FILE: the scanner only frames the
 * top-level elements (tracking strings, escapes and nesting depth) and hands each
 * element's bytes to the caller, who parses that element alone. So a load holds one
 * chunk and one element, never the document or a DOM of it. Well-formedness of an
 * element is the element parser's job; together they accept exactly the JSON texts
 * that are arrays. */
#ifndef LR_UTIL_JSON_ARRAY_H
#define LR_UTIL_JSON_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LR_JARR_CHUNK (64u << 10)

enum lr_jarr_rc {
    LR_JARR_ELEMENT = 1,    /* elem and len hold the next element */
    LR_JARR_END = 0,        /* the array closed and only whitespace followed */
    LR_JARR_MALFORMED = -1, /* error says what, offset where */
    LR_JARR_NOT_ARRAY = -2, /* the text starts with another JSON value */
    LR_JARR_TOO_LARGE = -3, /* an element over max_element bytes (skipped; reading goes on) */
    LR_JARR_FAILED = -4,    /* out of memory, or the FILE cannot be read */
};

struct lr_jarr {
    FILE *f; /* not owned */
    char *chunk;
    size_t chunk_size;
    const char *p, *end;
    bool eof;
    int state;  /* where we are in the array's grammar */
    char *elem; /* owned; the current element */
    size_t len, cap, max_element;
    size_t offset; /* bytes consumed so far */
    const char *error;
};

/* chunk_size 0: LR_JARR_CHUNK. Returns 0, or -1 when out of memory. */
int lr_jarr_init(struct lr_jarr *a, FILE *f, size_t chunk_size, size_t max_element);
void lr_jarr_free(struct lr_jarr *a);

/* The next element, without the whitespace around it; valid until the next call.
 * After anything but LR_JARR_ELEMENT and LR_JARR_TOO_LARGE the reader stays finished. */
enum lr_jarr_rc lr_jarr_next(struct lr_jarr *a, const char **elem, size_t *len);

#endif
