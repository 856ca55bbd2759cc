/* UTF-8 text checks. */
#ifndef LR_UTIL_UTF8_H
#define LR_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s is valid UTF-8 of min_chars..max_chars characters, none of them a control
 * character (C0, DEL or C1): a header value PostgreSQL and the JSON answers can hold. */
bool lr_utf8_printable(const char *s, size_t min_chars, size_t max_chars);

/* Replaces, in place, every byte that is not part of valid UTF-8 with '?' (a name
 * cut short mid-character, a header in another encoding), so that the text can be
 * echoed in a JSON answer. Returns how many bytes were replaced. */
size_t lr_utf8_sanitize(char *s);

#endif
