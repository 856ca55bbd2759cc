/* Text that PostgreSQL and JSON answers can hold. */
#include "util/utf8.h"

/* The length of the valid UTF-8 sequence at p, with its code point in *cp; 0 when the
 * bytes there are not one (overlong forms, surrogates and code points past U+10FFFF
 * are not UTF-8). */
static int decode(const unsigned char *p, unsigned *cp)
{
    int extra;
    if (*p < 0x80) {
        *cp = *p;
        return 1;
    } else if ((*p & 0xE0) == 0xC0) {
        *cp = *p & 0x1F;
        extra = 1;
    } else if ((*p & 0xF0) == 0xE0) {
        *cp = *p & 0x0F;
        extra = 2;
    } else if ((*p & 0xF8) == 0xF0) {
        *cp = *p & 0x07;
        extra = 3;
    } else {
        return 0;
    }
    for (int i = 1; i <= extra; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    static const unsigned MIN_CP[4] = {0, 0x80, 0x800, 0x10000};
    if (*cp < MIN_CP[extra] || (*cp >= 0xD800 && *cp <= 0xDFFF) || *cp > 0x10FFFF)
        return 0;
    return extra + 1;
}

bool lr_utf8_printable(const char *s, size_t min_chars, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    while (*p) {
        unsigned cp;
        int len = decode(p, &cp);
        if (len == 0)
            return false;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return false;
        if (++chars > max_chars)
            return false;
        p += len;
    }
    return chars >= min_chars;
}

size_t lr_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t replaced = 0;
    while (*p) {
        unsigned cp;
        int len = decode(p, &cp);
        if (len == 0) {
            *p++ = '?';
            replaced++;
        } else {
            p += len;
        }
    }
    return replaced;
}
