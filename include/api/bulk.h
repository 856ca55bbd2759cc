/* Bulk bodies (text/csv with a header, or a JSON array of objects) read row by row from
 * the spooled body, so that one validator serves both formats and a load holds one row
 * at a time, never the body or a DOM of it. */
#ifndef LR_API_BULK_H
#define LR_API_BULK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/csv.h"
#include "util/json_array.h"

#define LR_BULK_MAX_COLS 8
#define LR_BULK_MAX_ERRORS 100          /* rows listed in a 422; the detail gives the total */
#define LR_BULK_MAX_ELEMENT (64u << 10) /* bytes of one JSON row; a row is far smaller */
#define LR_BULK_CELL 512                /* a trimmed JSON string cell; longer ones are invalid */

struct lr_request;
struct lr_response;

struct lr_bulk_column {
    const char *name;
    bool required; /* the CSV header and every JSON row must name it */
};

struct lr_bulk_row {
    size_t number; /* from 1; the CSV header and blank lines are not counted */
    /* Trimmed text of each column; NULL for an empty CSV cell, a JSON null, or a
     * column the row does not give. */
    const char *cell[LR_BULK_MAX_COLS];
    /* The row gives this column (CSV: the header names it; JSON: the key is there,
     * null included): a column left out keeps the stored value. */
    bool present[LR_BULK_MAX_COLS];
    bool from_json_string[LR_BULK_MAX_COLS];
};

struct lr_bulk {
    bool csv_mode;
    FILE *own_file; /* opened over the in-memory body when the server gave no file */
    struct lr_csv csv;
    struct lr_jarr jarr;
    int colmap[LR_BULK_MAX_COLS]; /* CSV field index of each column, -1 when absent */
    int header_fields;            /* every CSV record has exactly this many */
    json_t *obj;                  /* the current JSON row */
    json_t *lits;                 /* its non-integer number literals, made when needed */
    const char *elem;             /* its text */
    size_t elem_len;
    size_t next_index;
    const struct lr_bulk_column *columns;
    int ncols;
    char cellbuf[LR_BULK_MAX_COLS][LR_BULK_CELL];
    size_t errors_total;
    unsigned header_problems;
    unsigned status; /* of a failure that ends the whole load (400, 422, 500) */
    char detail[1024];
};

/* Returns 0, or the HTTP status of a problem (415 unknown type, 400 malformed JSON,
 * 422 bad header or not an array, 500 out of memory) with b->detail set (and errors
 * for 422). lr_bulk_close is due in every case. */
int lr_bulk_open(struct lr_bulk *b, const struct lr_request *req,
                 const struct lr_bulk_column *columns, int ncols, json_t *errors);
/* 1: a row, 0: the end, -1: a bad row (already reported via lr_bulk_error), -2: the
 * load cannot go on (b->status and b->detail say why: malformed JSON, memory). */
int lr_bulk_next(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors);
/* Frees what the reader holds and gives memory back to the system: a large load
 * leaves freed heap that glibc would otherwise keep. */
void lr_bulk_close(struct lr_bulk *b);

/* Appends {"row", "field", "message"} (only the first LR_BULK_MAX_ERRORS are kept). */
void lr_bulk_error(struct lr_bulk *b, json_t *errors, size_t row, const char *field,
                   const char *message);

/* Merges errors found in SQL (sorted by row; steals sql_errors) into errors (sorted by
 * row), keeping the first LR_BULK_MAX_ERRORS by row. */
void lr_bulk_merge_errors(json_t *errors, json_t *sql_errors);

/* "N problems in M rows (the first 100 are listed); <outcome>". */
void lr_bulk_problems_detail(char *out, size_t size, size_t problems, size_t rows,
                             const char *outcome);

/* Answers a load that failed before or while reading: rc is the status; errors
 * (stolen) is kept only for 422, whose title is title_422. */
void lr_bulk_problem(struct lr_response *resp, int rc, const char *title_422, const char *detail,
                     json_t *errors);

/* True when the body is CSV (content type text/csv). */
bool lr_bulk_is_csv(const char *content_type);

/* s without surrounding spaces and tabs, in place. */
char *lr_bulk_trim(char *s);

#endif
