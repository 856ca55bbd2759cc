/* A growable byte buffer. */
#ifndef LR_UTIL_BUF_H
#define LR_UTIL_BUF_H

#include <stddef.h>

struct lr_buf {
    char *data;
    size_t len, cap;
    int failed; /* set once an allocation fails; later appends do nothing */
};

void lr_buf_append(struct lr_buf *b, const char *s, size_t n);
void lr_buf_puts(struct lr_buf *b, const char *s);
void lr_buf_free(struct lr_buf *b);

#endif
