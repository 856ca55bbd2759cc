#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

void lr_csv_init(struct lr_csv *csv, const char *text, size_t len)
{
    memset(csv, 0, sizeof *csv);
    csv->p = text;
    csv->end = text + len;
}

void lr_csv_free(struct lr_csv *csv)
{
    free(csv->scratch);
    csv->scratch = NULL;
}

static int reserve(struct lr_csv *csv, size_t need)
{
    if (need <= csv->cap)
        return 0;
    size_t cap = csv->cap ? csv->cap : 256;
    while (cap < need)
        cap *= 2;
    char *n = realloc(csv->scratch, cap);
    if (n == NULL)
        return -1;
    csv->scratch = n;
    csv->cap = cap;
    return 0;
}

int lr_csv_next(struct lr_csv *csv, const char *fields[LR_CSV_MAX_FIELDS])
{
    /* skip blank lines */
    while (csv->p < csv->end && (*csv->p == '\n' || *csv->p == '\r'))
        csv->p++;
    if (csv->p >= csv->end)
        return 0;
    /* A record is never longer than the rest of the input, plus a NUL per field. */
    size_t rest = (size_t)(csv->end - csv->p);
    const char *eol = memchr(csv->p, '\n', rest);
    size_t bound = (eol && memchr(csv->p, '"', (size_t)(eol - csv->p)) == NULL)
                       ? (size_t)(eol - csv->p)
                       : rest;
    if (reserve(csv, bound + LR_CSV_MAX_FIELDS + 1))
        return -1;
    char *w = csv->scratch;
    size_t offsets[LR_CSV_MAX_FIELDS];
    int n = 0;
    for (;;) {
        if (n == LR_CSV_MAX_FIELDS)
            return -1;
        offsets[n++] = (size_t)(w - csv->scratch);
        if (csv->p < csv->end && *csv->p == '"') {
            csv->p++;
            for (;;) {
                if (csv->p >= csv->end)
                    return -1; /* unterminated quote */
                if (*csv->p == '"') {
                    if (csv->p + 1 < csv->end && csv->p[1] == '"') {
                        *w++ = '"';
                        csv->p += 2;
                        continue;
                    }
                    csv->p++;
                    break;
                }
                *w++ = *csv->p++;
            }
        } else {
            while (csv->p < csv->end && *csv->p != ',' && *csv->p != '\n' && *csv->p != '\r')
                *w++ = *csv->p++;
        }
        *w++ = '\0';
        if (csv->p < csv->end && *csv->p == ',') {
            csv->p++;
            continue;
        }
        if (csv->p < csv->end && *csv->p == '\r')
            csv->p++;
        if (csv->p < csv->end && *csv->p == '\n')
            csv->p++;
        else if (csv->p < csv->end)
            return -1; /* text after a closing quote */
        break;
    }
    for (int i = 0; i < n; i++)
        fields[i] = csv->scratch + offsets[i];
    return n;
}
