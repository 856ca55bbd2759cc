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

/* PostgreSQL's numeric (what jsonb stores a number as) holds at most 16383 digits
 * after the point and values below 10^131072, and refuses an exponent beyond
 * INT_MAX/2 even on zero. jansson reads all of these (a tiny value as 0.0), so an
 * unknown field such as 1e-400000 would otherwise reach the database and fail there. */
#define PG_NUMERIC_DSCALE_MAX 16383
#define PG_NUMERIC_DIGITS_MAX 131072
#define PG_NUMERIC_EXP_MAX 1073741823

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

bool lr_json_number_storable(const char *lit)
{
    const char *p = lit;
    if (*p == '-')
        p++;
    const char *int_start = p;
    while (*p >= '0' && *p <= '9')
        p++;
    size_t int_len = (size_t)(p - int_start);
    const char *frac_start = p;
    size_t frac_len = 0;
    if (*p == '.') {
        frac_start = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        frac_len = (size_t)(p - frac_start);
    }
    int64_t exp = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool neg = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            exp = exp * 10 + (*p - '0');
            if (exp >= PG_NUMERIC_EXP_MAX)
                return false;
        }
        if (neg)
            exp = -exp;
    }
    if (*p != '\0' || int_len == 0)
        return false;
    if ((int64_t)frac_len - exp > PG_NUMERIC_DSCALE_MAX)
        return false;
    /* The power of ten of the first significant digit. */
    for (size_t i = 0; i < int_len; i++)
        if (int_start[i] != '0')
            return (int64_t)(int_len - i - 1) + exp < PG_NUMERIC_DIGITS_MAX;
    for (size_t i = 0; i < frac_len; i++)
        if (frac_start[i] != '0')
            return -(int64_t)(i + 1) + exp < PG_NUMERIC_DIGITS_MAX;
    return true; /* zero */
}

void lr_json_storable_errors(const json_t *lits, json_t *errors)
{
    const char *pointer;
    json_t *lit;
    json_object_foreach((json_t *)lits, pointer, lit)
    {
        const char *text = json_string_value(lit);
        if (text == NULL || lr_json_number_storable(text))
            continue;
        /* Named like the other fields (data.foo), from the JSON pointer /data/foo. */
        size_t n = strlen(pointer);
        char *field = malloc(n + 1);
        if (field == NULL)
            continue;
        size_t k = 0;
        for (size_t i = *pointer == '/' ? 1 : 0; i < n; i++) {
            if (pointer[i] == '/')
                field[k++] = '.';
            else if (pointer[i] == '~' && (pointer[i + 1] == '0' || pointer[i + 1] == '1'))
                field[k++] = pointer[++i] == '0' ? '~' : '/';
            else
                field[k++] = pointer[i];
        }
        field[k] = '\0';
        /* A field refused already (money with too many decimals) is named once. */
        bool named = false;
        size_t j;
        json_t *e;
        json_array_foreach(errors, j, e)
        {
            const char *f = json_string_value(json_object_get(e, "field"));
            named = named || (f != NULL && strcmp(f, field) == 0);
        }
        if (!named)
            lr_json_field_error(errors, field,
                                "must be a number PostgreSQL can store: at most 16383 digits after "
                                "the decimal point and below 10^131072");
        free(field);
    }
}

void lr_json_field_error(json_t *errors, const char *field, const char *message)
{
    json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", message));
}

void lr_json_unknown_keys(const json_t *obj, const char *const *known, const char *prefix,
                          json_t *errors)
{
    /* The message lists what is known, so that a typo is fixed in one round. */
    char msg[512];
    int n = snprintf(msg, sizeof msg, "unknown key; known keys:");
    for (size_t i = 0; known[i] != NULL && n > 0 && (size_t)n < sizeof msg; i++)
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s %s", i ? "," : "", known[i]);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; known[i] != NULL && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (ok)
            continue;
        size_t len = strlen(prefix) + strlen(key) + 1;
        char *field = malloc(len);
        if (field == NULL)
            continue;
        snprintf(field, len, "%s%s", prefix, key);
        lr_json_field_error(errors, field, msg);
        free(field);
    }
}
