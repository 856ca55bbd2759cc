/* RFC 4180 CSV records: quoted fields, doubled quotes, CRLF or LF line ends. */
#ifndef LR_UTIL_CSV_H
#define LR_UTIL_CSV_H

#include <stddef.h>

#define LR_CSV_MAX_FIELDS 16

struct lr_csv {
    const char *p, *end;
    char *scratch; /* owned; holds the current record's fields */
    size_t cap;
};

void lr_csv_init(struct lr_csv *csv, const char *text, size_t len);
void lr_csv_free(struct lr_csv *csv);

/* Reads the next record. Returns its field count (fields point into scratch until the
 * next call), 0 at the end, -1 on a malformed record (unterminated quote, too many
 * fields) or out of memory. Blank lines are skipped. */
int lr_csv_next(struct lr_csv *csv, const char *fields[LR_CSV_MAX_FIELDS]);

#endif
