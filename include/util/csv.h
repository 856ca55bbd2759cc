/* RFC 4180 CSV records read incrementally, from memory or from a FILE, so that a load
 * never holds more than one chunk and one record: quoted fields (with doubled quotes and
 * line breaks), CRLF, LF or CR line ends, blank lines skipped, a leading UTF-8
 * byte-order mark ignored. */
#ifndef LR_UTIL_CSV_H
#define LR_UTIL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LR_CSV_MAX_FIELDS 16
#define LR_CSV_MAX_RECORD (1u << 20) /* bytes of one record; longer is malformed */
#define LR_CSV_CHUNK (64u << 10)

struct lr_csv {
    FILE *f;     /* not owned; NULL when reading from memory */
    char *chunk; /* owned when reading a FILE */
    size_t chunk_size;
    const char *p, *end; /* unread bytes of the chunk (or of the text) */
    bool started, eof;
    char *scratch; /* owned; the current record's fields, NUL-separated */
    size_t cap, used;
    const char *error; /* why the last record was malformed (static text) */
};

/* Reads len bytes of text (not necessarily NUL-terminated; not copied). */
void lr_csv_init(struct lr_csv *csv, const char *text, size_t len);
/* Reads f from its current position in chunks of chunk_size bytes (0: LR_CSV_CHUNK).
 * Returns 0, or -1 when out of memory. */
int lr_csv_init_file(struct lr_csv *csv, FILE *f, size_t chunk_size);
void lr_csv_free(struct lr_csv *csv);

/* Reads the next record. Returns its field count (fields point into scratch and may be
 * modified until the next call), 0 at the end, -1 on a malformed record (error says
 * why; reading resumes after the next line break, so that later records can still be
 * checked), -2 when out of memory or the FILE cannot be read. */
int lr_csv_next(struct lr_csv *csv, char *fields[LR_CSV_MAX_FIELDS]);

#endif
