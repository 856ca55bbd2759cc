#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

enum { END = -1, READ_FAILED = -2 };

void lr_csv_init(struct lr_csv *csv, const char *text, size_t len)
{
    memset(csv, 0, sizeof *csv);
    csv->p = text;
    csv->end = text + len;
    csv->eof = true;
}

int lr_csv_init_file(struct lr_csv *csv, FILE *f, size_t chunk_size)
{
    memset(csv, 0, sizeof *csv);
    csv->f = f;
    csv->chunk_size = chunk_size ? chunk_size : LR_CSV_CHUNK;
    /* the first read takes the 3 bytes of a byte-order mark at once, whatever the chunk */
    csv->chunk = malloc(csv->chunk_size < 3 ? 3 : csv->chunk_size);
    if (csv->chunk == NULL)
        return -1;
    csv->p = csv->end = csv->chunk;
    return 0;
}

void lr_csv_free(struct lr_csv *csv)
{
    free(csv->scratch);
    free(csv->chunk);
    csv->scratch = csv->chunk = NULL;
    csv->cap = csv->used = 0;
}

static int refill(struct lr_csv *csv, size_t want)
{
    if (csv->eof)
        return END;
    size_t n = fread(csv->chunk, 1, want, csv->f);
    if (n == 0) {
        if (ferror(csv->f))
            return READ_FAILED;
        csv->eof = true;
        return END;
    }
    csv->p = csv->chunk;
    csv->end = csv->chunk + n;
    return 0;
}

/* The next byte (0-255), END or READ_FAILED; not consumed. */
static inline int peek(struct lr_csv *csv)
{
    if (csv->p == csv->end) {
        int rc = refill(csv, csv->chunk_size);
        if (rc != 0)
            return rc;
    }
    return (unsigned char)*csv->p;
}

static int push(struct lr_csv *csv, char c)
{
    if (csv->used == csv->cap) {
        const size_t limit = LR_CSV_MAX_RECORD + LR_CSV_MAX_FIELDS; /* a NUL per field */
        if (csv->cap >= limit)
            return -1;
        size_t cap = csv->cap ? csv->cap * 2 : 256;
        if (cap > limit)
            cap = limit;
        char *n = realloc(csv->scratch, cap);
        if (n == NULL)
            return -2;
        csv->scratch = n;
        csv->cap = cap;
    }
    csv->scratch[csv->used++] = c;
    return 0;
}

static void skip_bom(struct lr_csv *csv)
{
    csv->started = true;
    if (csv->f != NULL && refill(csv, 3) != 0)
        return;
    if (csv->end - csv->p >= 3 && memcmp(csv->p, "\xEF\xBB\xBF", 3) == 0)
        csv->p += 3;
}

/* After a malformed record: drop the rest of its line. */
static int resync(struct lr_csv *csv, const char *why)
{
    csv->error = why;
    int c;
    while ((c = peek(csv)) >= 0) {
        csv->p++;
        if (c == '\n')
            break;
    }
    return c == READ_FAILED ? -2 : -1;
}

int lr_csv_next(struct lr_csv *csv, char *fields[LR_CSV_MAX_FIELDS])
{
    if (!csv->started)
        skip_bom(csv);
    csv->error = NULL;
    int c;
    while ((c = peek(csv)) == '\n' || c == '\r')
        csv->p++;
    if (c == END)
        return 0;
    if (c == READ_FAILED)
        return -2;
    csv->used = 0;
    size_t offsets[LR_CSV_MAX_FIELDS];
    int n = 0, rc;
    for (;;) {
        if (n == LR_CSV_MAX_FIELDS)
            return resync(csv, "has more than 16 fields");
        offsets[n++] = csv->used;
        if (peek(csv) == '"') {
            csv->p++;
            for (;;) {
                c = peek(csv);
                if (c == READ_FAILED)
                    return -2;
                if (c == END)
                    return resync(csv, "has a quoted field that is never closed");
                csv->p++;
                if (c == '"') {
                    c = peek(csv);
                    if (c != '"')
                        break;
                    csv->p++;
                }
                if (c == '\0')
                    return resync(csv, "contains a NUL byte");
                if ((rc = push(csv, (char)c)) != 0)
                    return rc == -2 ? -2 : resync(csv, "is longer than 1 MiB");
            }
        } else {
            while ((c = peek(csv)) >= 0 && c != ',' && c != '\n' && c != '\r') {
                csv->p++;
                /* A NUL would silently cut the cell short where C reads it. */
                if (c == '\0')
                    return resync(csv, "contains a NUL byte");
                if ((rc = push(csv, (char)c)) != 0)
                    return rc == -2 ? -2 : resync(csv, "is longer than 1 MiB");
            }
        }
        if ((rc = push(csv, '\0')) != 0)
            return rc == -2 ? -2 : resync(csv, "is longer than 1 MiB");
        c = peek(csv);
        if (c == ',') {
            csv->p++;
            continue;
        }
        bool cr = c == '\r';
        if (cr) {
            csv->p++;
            c = peek(csv);
        }
        if (c == '\n') {
            csv->p++;
            break;
        }
        if (c == READ_FAILED)
            return -2;
        /* END, or a lone CR (old spreadsheets end lines with CR alone) */
        if (c == END || cr)
            break;
        return resync(csv, "has text after a closing quote");
    }
    for (int i = 0; i < n; i++)
        fields[i] = csv->scratch + offsets[i];
    return n;
}
