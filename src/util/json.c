/* jansson helpers: number literals kept as text, money written without a double. */
#include "util/json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/money.h"

#define MONEY_MARK "\\u0000$"
#define MAX_DEPTH 2048

json_t *lr_json_parse(const char *text, size_t len, json_error_t *err)
{
    return json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, err);
}

/* A small recursive-descent walk over text that jansson has already accepted. It
 * tracks the JSON pointer of the current value and records non-integer literals. */
struct walk {
    const char *p, *end;
    json_t *out;
    char *path;
    size_t len, cap;
    int depth;
};

static int path_put(struct walk *w, const char *s, size_t n)
{
    if (w->len + n + 1 > w->cap) {
        size_t cap = (w->cap ? w->cap * 2 : 128) + n;
        char *np = realloc(w->path, cap);
        if (np == NULL)
            return -1;
        w->path = np;
        w->cap = cap;
    }
    memcpy(w->path + w->len, s, n);
    w->len += n;
    w->path[w->len] = '\0';
    return 0;
}

static void skip_ws(struct walk *w)
{
    while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\n' || *w->p == '\r'))
        w->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int put_utf8(struct walk *w, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return path_put(w, b, n);
}

static unsigned read_u4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++)
        v = v * 16 + (unsigned)hexval(p[i]);
    return v;
}

/* Reads a string; when as_key, appends it to the path with pointer escaping. */
static int walk_string(struct walk *w, bool as_key)
{
    w->p++; /* opening quote */
    while (w->p < w->end && *w->p != '"') {
        char c = *w->p;
        if (c != '\\') {
            if (as_key) {
                if (c == '~'   ? path_put(w, "~0", 2)
                    : c == '/' ? path_put(w, "~1", 2)
                               : path_put(w, &c, 1))
                    return -1;
            }
            w->p++;
            continue;
        }
        if (w->p + 1 >= w->end)
            return -1;
        char e = w->p[1];
        w->p += 2;
        if (!as_key) {
            if (e == 'u')
                w->p += 4;
            continue;
        }
        if (e == 'u') {
            if (w->end - w->p < 4)
                return -1;
            unsigned cp = read_u4(w->p);
            w->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && w->end - w->p >= 6 && w->p[0] == '\\' &&
                w->p[1] == 'u') {
                unsigned lo = read_u4(w->p + 2);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                w->p += 6;
            }
            if (cp == '~'   ? path_put(w, "~0", 2)
                : cp == '/' ? path_put(w, "~1", 2)
                            : put_utf8(w, cp))
                return -1;
            continue;
        }
        char lit = e == 'n'   ? '\n'
                   : e == 't' ? '\t'
                   : e == 'r' ? '\r'
                   : e == 'b' ? '\b'
                   : e == 'f' ? '\f'
                              : e;
        if (lit == '/' ? path_put(w, "~1", 2) : path_put(w, &lit, 1))
            return -1;
    }
    if (w->p >= w->end)
        return -1;
    w->p++; /* closing quote */
    return 0;
}

static int walk_value(struct walk *w);

static int walk_object(struct walk *w)
{
    w->p++;
    skip_ws(w);
    if (w->p < w->end && *w->p == '}') {
        w->p++;
        return 0;
    }
    for (;;) {
        skip_ws(w);
        size_t mark = w->len;
        if (w->p >= w->end || *w->p != '"' || path_put(w, "/", 1) || walk_string(w, true))
            return -1;
        skip_ws(w);
        if (w->p >= w->end || *w->p != ':')
            return -1;
        w->p++;
        if (walk_value(w))
            return -1;
        w->len = mark;
        w->path[mark] = '\0';
        skip_ws(w);
        if (w->p < w->end && *w->p == ',') {
            w->p++;
            continue;
        }
        if (w->p < w->end && *w->p == '}') {
            w->p++;
            return 0;
        }
        return -1;
    }
}

static int walk_array(struct walk *w)
{
    w->p++;
    skip_ws(w);
    if (w->p < w->end && *w->p == ']') {
        w->p++;
        return 0;
    }
    for (size_t i = 0;; i++) {
        size_t mark = w->len;
        char idx[32];
        int n = snprintf(idx, sizeof idx, "/%zu", i);
        if (path_put(w, idx, (size_t)n) || walk_value(w))
            return -1;
        w->len = mark;
        w->path[mark] = '\0';
        skip_ws(w);
        if (w->p < w->end && *w->p == ',') {
            w->p++;
            continue;
        }
        if (w->p < w->end && *w->p == ']') {
            w->p++;
            return 0;
        }
        return -1;
    }
}

static int walk_number(struct walk *w)
{
    const char *start = w->p;
    bool integral = true;
    while (w->p < w->end) {
        char c = *w->p;
        if (c == '.' || c == 'e' || c == 'E')
            integral = false;
        else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9')))
            break;
        w->p++;
    }
    if (integral)
        return 0;
    json_t *lit = json_stringn(start, (size_t)(w->p - start));
    if (lit == NULL || json_object_set_new(w->out, w->len ? w->path : "", lit))
        return -1;
    return 0;
}

static int walk_value(struct walk *w)
{
    if (++w->depth > MAX_DEPTH)
        return -1;
    skip_ws(w);
    if (w->p >= w->end)
        return -1;
    int rc;
    switch (*w->p) {
    case '{':
        rc = walk_object(w);
        break;
    case '[':
        rc = walk_array(w);
        break;
    case '"':
        rc = walk_string(w, false);
        break;
    case 't':
    case 'n':
        w->p += 4;
        rc = 0;
        break;
    case 'f':
        w->p += 5;
        rc = 0;
        break;
    default:
        rc = walk_number(w);
    }
    w->depth--;
    return rc;
}

json_t *lr_json_number_literals(const char *text, size_t len)
{
    struct walk w = {.p = text, .end = text + len, .out = json_object()};
    if (w.out == NULL)
        return NULL;
    if (path_put(&w, "", 0) || walk_value(&w)) {
        /* jansson accepted the text, so only memory can fail here; an empty map
         * makes every fractional amount read as "not a number" rather than wrong. */
        json_object_clear(w.out);
    }
    free(w.path);
    return w.out;
}

json_t *lr_json_money(int64_t cents)
{
    char buf[40];
    buf[0] = '\0';
    buf[1] = '$';
    lr_money_format(cents, buf + 2);
    return json_stringn(buf, 2 + strlen(buf + 2));
}

json_t *lr_json_opt_money(bool present, int64_t cents)
{
    return present ? lr_json_money(cents) : json_null();
}

char *lr_json_dumps(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s == NULL)
        return NULL;
    /* "\u0000$123.45" -> 123.45, in place: the result is never longer. */
    const size_t mlen = strlen(MONEY_MARK);
    char *r = s, *wp = s;
    while (*r) {
        if (r[0] == '"' && strncmp(r + 1, MONEY_MARK, mlen) == 0) {
            r += 1 + mlen;
            while (*r && *r != '"')
                *wp++ = *r++;
            if (*r == '"')
                r++;
            continue;
        }
        *wp++ = *r++;
    }
    *wp = '\0';
    return s;
}

void lr_rfc3339_now(char *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int lr_rfc3339_parse(const char *s, int64_t *usec)
{
    int Y, M, D, h, m, sec;
    if (s == NULL || strlen(s) < 20 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) ||
        s[7] != '-' || digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return -1;
    /* timegm would quietly turn 2026-02-30 into March 2nd: refuse days the month lacks. */
    static const int MDAYS[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (M < 1 || M > 12 || D < 1 || D > MDAYS[M - 1] || (M == 2 && D == 29 && !leap) || h > 23 ||
        m > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 6)
                frac = frac * 10 + (*p - '0');
        if (n == 0)
            return -1;
        for (; n < 6; n++)
            frac *= 10;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    *usec = ((int64_t)t - offset) * 1000000 + frac;
    return 0;
}

void lr_json_field_error(json_t *errors, const char *field, const char *message)
{
    json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}
