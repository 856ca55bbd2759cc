/* Bulk bodies as rows of text cells, read incrementally from the spooled body. */
#include "api/bulk.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/problem.h"
#include "http/http.h"
#include "util/json.h"
#include "util/utf8.h"

bool lr_bulk_is_csv(const char *content_type)
{
    return lr_media_type_is(content_type, "text/csv");
}

char *lr_bulk_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

void lr_bulk_error(struct lr_bulk *b, json_t *errors, size_t row, const char *field,
                   const char *message)
{
    b->errors_total++;
    if (json_array_size(errors) >= LR_BULK_MAX_ERRORS)
        return;
    json_array_append_new(errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row, "field",
                                            field, "message", message));
}

static json_int_t row_of(const json_t *e)
{
    return json_integer_value(json_object_get(e, "row"));
}

void lr_bulk_merge_errors(json_t *errors, json_t *sql_errors)
{
    json_t *merged = json_array();
    size_t i = 0, j = 0, ni = json_array_size(errors), nj = json_array_size(sql_errors);
    while (json_array_size(merged) < LR_BULK_MAX_ERRORS && (i < ni || j < nj)) {
        bool left = j >= nj || (i < ni && row_of(json_array_get(errors, i)) <=
                                              row_of(json_array_get(sql_errors, j)));
        json_array_append(merged,
                          left ? json_array_get(errors, i++) : json_array_get(sql_errors, j++));
    }
    json_array_clear(errors);
    json_array_extend(errors, merged);
    json_decref(merged);
    json_decref(sql_errors);
}

void lr_bulk_problems_detail(char *out, size_t size, size_t problems, size_t rows,
                             const char *outcome)
{
    if (problems > LR_BULK_MAX_ERRORS)
        snprintf(out, size, "%zu problems in %zu rows (the first %d are listed); %s", problems,
                 rows, LR_BULK_MAX_ERRORS, outcome);
    else
        snprintf(out, size, "%zu problems in %zu rows; %s", problems, rows, outcome);
}

static void join_names(char *out, size_t size, const struct lr_bulk_column *cols, int ncols,
                       char *const *fields, int nfields)
{
    out[0] = '\0';
    int n = cols ? ncols : nfields;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strncat(out, ",", size - strlen(out) - 1);
        strncat(out, cols ? cols[i].name : fields[i], size - strlen(out) - 1);
    }
}

/* Header text is echoed back: made valid UTF-8 first (a header in another encoding,
 * a name cut short mid-character), or the answer could not be encoded. */
static void header_problem(struct lr_bulk *b, json_t *errors, const char *message_in,
                           const char *column_in, const char *received_in, const char *expected)
{
    char message[256], column[256], received[256];
    snprintf(message, sizeof message, "%s", message_in);
    snprintf(column, sizeof column, "%s", column_in ? column_in : "");
    snprintf(received, sizeof received, "%s", received_in);
    lr_utf8_sanitize(message);
    lr_utf8_sanitize(column);
    lr_utf8_sanitize(received);
    b->header_problems++;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "field", "header", "message", message, "received",
                          received, "expected", expected);
    if (e != NULL && column_in != NULL)
        json_object_set_new(e, "column", json_string(column));
    if (e != NULL)
        json_array_append_new(errors, e);
    if (b->detail[0] == '\0') {
        char required[128] = "";
        for (int c = 0; c < b->ncols; c++)
            if (b->columns[c].required) {
                if (required[0] != '\0')
                    strncat(required, " and ", sizeof required - strlen(required) - 1);
                strncat(required, b->columns[c].name, sizeof required - strlen(required) - 1);
            }
        snprintf(b->detail, sizeof b->detail,
                 "%s; the header received was \"%s\"; the expected header is \"%s\" (names in "
                 "any order, without regard to case; %s required, the others optional)",
                 message, received, expected, required);
    }
}

static int open_csv(struct lr_bulk *b, FILE *f, json_t *errors)
{
    b->csv_mode = true;
    for (int c = 0; c < b->ncols; c++)
        b->colmap[c] = -1;
    if (f == NULL)
        lr_csv_init(&b->csv, "", 0);
    else if (lr_csv_init_file(&b->csv, f, 0) != 0)
        return snprintf(b->detail, sizeof b->detail, "out of memory"), 500;
    char *fields[LR_CSV_MAX_FIELDS];
    int n = lr_csv_next(&b->csv, fields);
    if (n == -2)
        return snprintf(b->detail, sizeof b->detail, "the body cannot be read"), 500;
    char expected[256], received[256];
    join_names(expected, sizeof expected, b->columns, b->ncols, NULL, 0);
    if (n <= 0) {
        header_problem(b, errors, n == 0 ? "the CSV has no header" : "the header is malformed",
                       NULL, "", expected);
        return 422;
    }
    for (int i = 0; i < n; i++)
        fields[i] = lr_bulk_trim(fields[i]);
    join_names(received, sizeof received, NULL, 0, fields, n);
    for (int i = 0; i < n; i++) {
        int found = -1;
        for (int c = 0; c < b->ncols; c++)
            if (strcasecmp(fields[i], b->columns[c].name) == 0)
                found = c;
        char msg[200];
        if (found < 0) {
            snprintf(msg, sizeof msg, "unknown column \"%.100s\"", fields[i]);
            header_problem(b, errors, msg, fields[i], received, expected);
        } else if (b->colmap[found] >= 0) {
            snprintf(msg, sizeof msg, "the column \"%s\" appears twice", b->columns[found].name);
            header_problem(b, errors, msg, b->columns[found].name, received, expected);
        } else {
            b->colmap[found] = i;
        }
    }
    for (int c = 0; c < b->ncols; c++)
        if (b->columns[c].required && b->colmap[c] < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "the required column \"%s\" is missing", b->columns[c].name);
            header_problem(b, errors, msg, b->columns[c].name, received, expected);
        }
    b->header_fields = n;
    return b->header_problems > 0 ? 422 : 0;
}

int lr_bulk_open(struct lr_bulk *b, const struct lr_request *req,
                 const struct lr_bulk_column *columns, int ncols, json_t *errors)
{
    memset(b, 0, sizeof *b);
    b->columns = columns;
    b->ncols = ncols;
    const char *ct = lr_req_header(req, "Content-Type");
    bool csv = lr_bulk_is_csv(ct);
    if (!csv && !lr_media_type_is(ct, "application/json")) {
        snprintf(b->detail, sizeof b->detail, "send text/csv or application/json");
        return 415;
    }
    /* One code path reads a FILE: the server's spool file, or the body in memory;
     * always from the start (a retried transaction reads the body again). */
    FILE *f = req->body_file;
    if (f != NULL && fseek(f, 0, SEEK_SET) != 0) {
        snprintf(b->detail, sizeof b->detail, "the body cannot be read again");
        return 500;
    }
    if (f == NULL && req->body_len > 0) {
        f = b->own_file = fmemopen((void *)req->body, req->body_len, "r");
        if (f == NULL) {
            snprintf(b->detail, sizeof b->detail, "out of memory");
            return 500;
        }
    }
    if (csv)
        return open_csv(b, f, errors);
    if (lr_jarr_init(&b->jarr, f, 0, LR_BULK_MAX_ELEMENT) != 0) {
        snprintf(b->detail, sizeof b->detail, "out of memory");
        return 500;
    }
    return 0;
}

static int next_csv(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors)
{
    char *f[LR_CSV_MAX_FIELDS];
    int n = lr_csv_next(&b->csv, f);
    if (n == 0)
        return 0;
    if (n == -2) {
        b->status = 500;
        snprintf(b->detail, sizeof b->detail, "the body cannot be read");
        return -2;
    }
    row->number = ++b->next_index;
    if (n < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "the record %s", b->csv.error);
        lr_bulk_error(b, errors, row->number, "", msg);
        return -1;
    }
    if (n != b->header_fields) {
        char msg[96];
        snprintf(msg, sizeof msg, "has %d fields; the header has %d", n, b->header_fields);
        lr_bulk_error(b, errors, row->number, "", msg);
        return -1;
    }
    for (int c = 0; c < b->ncols; c++) {
        int i = b->colmap[c];
        const char *v = i >= 0 ? lr_bulk_trim(f[i]) : NULL;
        row->cell[c] = v != NULL && v[0] != '\0' ? v : NULL;
        row->present[c] = i >= 0;
        row->from_json_string[c] = false;
    }
    return 1;
}

static int json_fail(struct lr_bulk *b, unsigned status, const char *what)
{
    b->status = status;
    snprintf(b->detail, sizeof b->detail, "%s", what);
    return -2;
}

static int json_cell(struct lr_bulk *b, struct lr_bulk_row *row, int c, json_t *errors)
{
    const char *name = b->columns[c].name;
    const json_t *v = json_object_get(b->obj, name);
    row->cell[c] = NULL;
    row->present[c] = v != NULL;
    row->from_json_string[c] = false;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        row->from_json_string[c] = true;
        row->cell[c] = s;
        if (strlen(s) < LR_BULK_CELL) {
            memcpy(b->cellbuf[c], s, strlen(s) + 1);
            row->cell[c] = lr_bulk_trim(b->cellbuf[c]);
        }
        return 0;
    }
    if (json_is_integer(v)) {
        snprintf(b->cellbuf[c], LR_BULK_CELL, "%lld", (long long)json_integer_value(v));
        row->cell[c] = b->cellbuf[c];
        return 0;
    }
    if (json_is_real(v)) {
        /* the literal as written, so that an amount never passes through a double */
        if (b->lits == NULL)
            b->lits = lr_json_number_literals(b->elem, b->elem_len);
        char pointer[64];
        snprintf(pointer, sizeof pointer, "/%s", name);
        row->cell[c] = json_string_value(json_object_get(b->lits, pointer));
        if (row->cell[c] != NULL)
            return 0;
        lr_bulk_error(b, errors, row->number, name, "cannot be read (out of memory)");
        return -1;
    }
    lr_bulk_error(b, errors, row->number, name, "must be a string or a number");
    return -1;
}

static int next_json(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors)
{
    json_decref(b->obj);
    json_decref(b->lits);
    b->obj = b->lits = NULL;
    enum lr_jarr_rc rc = lr_jarr_next(&b->jarr, &b->elem, &b->elem_len);
    char msg[200];
    switch (rc) {
    case LR_JARR_END:
        return 0;
    case LR_JARR_NOT_ARRAY:
        lr_json_field_error(errors, "", "must be a JSON array of objects");
        return json_fail(b, 422, "the body must be a JSON array");
    case LR_JARR_MALFORMED:
        snprintf(msg, sizeof msg, "malformed JSON near byte %zu: %s", b->jarr.offset,
                 b->jarr.error);
        return json_fail(b, 400, msg);
    case LR_JARR_FAILED:
        return json_fail(b, 500, b->jarr.error);
    case LR_JARR_TOO_LARGE:
        row->number = ++b->next_index;
        lr_bulk_error(b, errors, row->number, "", "is larger than 64 KiB");
        return -1;
    case LR_JARR_ELEMENT:
        break;
    }
    row->number = ++b->next_index;
    json_error_t jerr;
    b->obj = lr_json_parse(b->elem, b->elem_len, &jerr);
    if (b->obj == NULL) {
        snprintf(msg, sizeof msg, "malformed JSON in row %zu: %s", row->number, jerr.text);
        return json_fail(b, 400, msg);
    }
    if (!json_is_object(b->obj)) {
        lr_bulk_error(b, errors, row->number, "", "must be an object");
        return -1;
    }
    int result = 1;
    const char *key;
    json_t *value;
    json_object_foreach(b->obj, key, value)
    {
        int c = 0;
        while (c < b->ncols && strcmp(key, b->columns[c].name) != 0)
            c++;
        if (c == b->ncols) {
            char expected[128], unknown[200];
            join_names(expected, sizeof expected, b->columns, b->ncols, NULL, 0);
            snprintf(unknown, sizeof unknown, "is not a column; the columns are %.127s", expected);
            lr_bulk_error(b, errors, row->number, key, unknown);
            result = -1;
        }
    }
    for (int c = 0; c < b->ncols; c++)
        if (json_cell(b, row, c, errors) != 0)
            result = -1;
    return result;
}

int lr_bulk_next(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors)
{
    return b->csv_mode ? next_csv(b, row, errors) : next_json(b, row, errors);
}

void lr_bulk_close(struct lr_bulk *b)
{
    lr_csv_free(&b->csv);
    lr_jarr_free(&b->jarr);
    json_decref(b->obj);
    json_decref(b->lits);
    b->obj = b->lits = NULL;
    if (b->own_file != NULL)
        fclose(b->own_file);
    b->own_file = NULL;
    malloc_trim(0);
}

void lr_bulk_problem(struct lr_response *resp, int rc, const char *title_422, const char *detail,
                     json_t *errors)
{
    (void)title_422; /* every 422 has the registry's one title; the detail says what failed */
    if (rc == 415) {
        json_decref(errors);
        lr_problem_answer(resp, LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE, detail, NULL);
    } else if (rc == 400) {
        json_decref(errors);
        lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
    } else if (rc == 422) {
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, detail, errors);
    } else {
        json_decref(errors);
        lr_problem_answer(resp, LR_PROBLEM_INTERNAL, detail, NULL);
    }
}
