/* Bulk bodies as rows of text cells. */
#include "api/bulk.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "util/json.h"

static bool type_is(const char *ct, const char *want)
{
    if (ct == NULL)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen(want);
    return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

bool lr_bulk_is_csv(const char *content_type)
{
    return type_is(content_type, "text/csv");
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

int lr_bulk_open(struct lr_bulk *b, const char *content_type, const char *body, size_t len,
                 const char *const *columns, int ncols, json_t *errors, const char **detail)
{
    memset(b, 0, sizeof *b);
    b->columns = columns;
    b->ncols = ncols;
    if (lr_bulk_is_csv(content_type)) {
        b->csv_mode = true;
        lr_csv_init(&b->csv, body, len);
        const char *f[LR_CSV_MAX_FIELDS];
        int n = lr_csv_next(&b->csv, f);
        for (int c = 0; c < ncols; c++)
            b->colmap[c] = -1;
        bool bad = n <= 0;
        for (int i = 0; i < n; i++) {
            int found = -1;
            for (int c = 0; c < ncols; c++)
                if (strcmp(f[i], columns[c]) == 0)
                    found = c;
            if (found < 0 || b->colmap[found] >= 0) {
                bad = true;
                break;
            }
            b->colmap[found] = i;
        }
        b->header_fields = n;
        if (bad || b->colmap[0] < 0) {
            char msg[256] = "the header must name the columns";
            for (int c = 0; c < ncols; c++) {
                strncat(msg, c ? "," : " ", sizeof msg - strlen(msg) - 1);
                strncat(msg, columns[c], sizeof msg - strlen(msg) - 1);
            }
            lr_json_field_error(errors, "header", msg);
            *detail = "the CSV header is not the expected one";
            return 422;
        }
        return 0;
    }
    if (!type_is(content_type, "application/json")) {
        *detail = "send text/csv or application/json";
        return 415;
    }
    json_error_t jerr;
    b->doc = lr_json_parse(body, len, &jerr);
    if (b->doc == NULL) {
        *detail = "malformed JSON";
        return 400;
    }
    if (!json_is_array(b->doc)) {
        lr_json_field_error(errors, "", "must be a JSON array of objects");
        *detail = "the body must be a JSON array";
        return 422;
    }
    b->lits = lr_json_number_literals(body, len);
    return 0;
}

static int next_csv(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors)
{
    const char *f[LR_CSV_MAX_FIELDS];
    int n = lr_csv_next(&b->csv, f);
    if (n == 0)
        return 0;
    row->number = ++b->next_index;
    if (n < 0) {
        lr_bulk_error(b, errors, row->number, "", "malformed CSV record");
        /* resynchronise at the next line */
        const char *eol = memchr(b->csv.p, '\n', (size_t)(b->csv.end - b->csv.p));
        b->csv.p = eol ? eol + 1 : b->csv.end;
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
        row->cell[c] = (i >= 0 && i < n && f[i][0] != '\0') ? f[i] : NULL;
        row->from_json_string[c] = false;
    }
    return 1;
}

static int next_json(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors)
{
    if (b->next_index >= json_array_size(b->doc))
        return 0;
    size_t idx = b->next_index++;
    row->number = idx + 1;
    const json_t *obj = json_array_get(b->doc, idx);
    if (!json_is_object(obj)) {
        lr_bulk_error(b, errors, row->number, "", "must be an object");
        return -1;
    }
    int rc = 1;
    for (int c = 0; c < b->ncols; c++) {
        const json_t *v = json_object_get(obj, b->columns[c]);
        row->cell[c] = NULL;
        row->from_json_string[c] = false;
        if (v == NULL || json_is_null(v))
            continue;
        if (json_is_string(v)) {
            row->cell[c] = json_string_value(v);
            row->from_json_string[c] = true;
        } else if (json_is_integer(v)) {
            snprintf(b->numbuf[c], sizeof b->numbuf[c], "%lld", (long long)json_integer_value(v));
            row->cell[c] = b->numbuf[c];
        } else if (json_is_real(v)) {
            char pointer[64];
            snprintf(pointer, sizeof pointer, "/%zu/%s", idx, b->columns[c]);
            row->cell[c] = json_string_value(json_object_get(b->lits, pointer));
        } else {
            lr_bulk_error(b, errors, row->number, b->columns[c], "must be a string or a number");
            rc = -1;
        }
    }
    return rc;
}

int lr_bulk_next(struct lr_bulk *b, struct lr_bulk_row *row, json_t *errors)
{
    return b->csv_mode ? next_csv(b, row, errors) : next_json(b, row, errors);
}

void lr_bulk_close(struct lr_bulk *b)
{
    lr_csv_free(&b->csv);
    json_decref(b->doc);
    json_decref(b->lits);
    b->doc = b->lits = NULL;
}

void lr_bulk_problem(struct lr_response *resp, int rc, const char *title_422, const char *detail,
                     json_t *errors)
{
    if (rc == 415) {
        json_decref(errors);
        lr_problem(resp, 415, "unsupported-media-type", "Unsupported media type", detail, NULL);
    } else if (rc == 400) {
        json_decref(errors);
        lr_problem(resp, 400, "malformed-json", "Bad request", detail, NULL);
    } else {
        lr_problem(resp, 422, "validation", title_422, detail, errors);
    }
}
