/* Bulk bodies (text/csv with a header, or a JSON array of objects) read as rows of
 * text cells, so that one validator serves both formats. */
#ifndef LR_API_BULK_H
#define LR_API_BULK_H

#include <jansson.h>
#include <stdbool.h>

#include "util/csv.h"

#define LR_BULK_MAX_COLS 8
#define LR_BULK_MAX_ERRORS 100 /* rows listed in a 422; the detail gives the total */

struct lr_bulk_row {
    size_t number;                      /* from 1; the CSV header is not counted */
    const char *cell[LR_BULK_MAX_COLS]; /* NULL: empty cell, null or absent */
    bool from_json_string[LR_BULK_MAX_COLS];
};

struct lr_bulk {
    bool csv_mode;
    struct lr_csv csv;
    int colmap[LR_BULK_MAX_COLS]; /* CSV field index of each column, -1 when absent */
    int header_fields;            /* every CSV record has exactly this many */
    json_t *doc, *lits;
    size_t next_index;
    const char *const *columns;
    int ncols;
    char numbuf[LR_BULK_MAX_COLS][40];
    size_t errors_total;
};

/* Returns 0, or the HTTP status of a problem (415 unknown type, 400 malformed JSON,
 * 422 bad header or not an array) with *detail set (and errors for 422). */
int lr_bulk_open(struct lr_bulk *b, const char *content_type, const char *body, size_t len,
                 const char *const *columns, int ncols, json_t *errors, const char **detail);
/* 1: a row, 0: the end, -1: a malformed row (already reported via lr_bulk_error). */
int lr_bulk_next(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors);
void lr_bulk_close(struct lr_bulk *b);

/* Appends {"row", "field", "message"} (only the first LR_BULK_MAX_ERRORS are kept). */
void lr_bulk_error(struct lr_bulk *b, json_t *errors, size_t row, const char *field,
                   const char *message);

/* Answers a failed lr_bulk_open: rc is its status; errors (stolen) is kept only for 422,
 * whose title is title_422. */
struct lr_response;
void lr_bulk_problem(struct lr_response *resp, int rc, const char *title_422, const char *detail,
                     json_t *errors);

/* True when the body is CSV (content type text/csv). */
bool lr_bulk_is_csv(const char *content_type);

#endif
