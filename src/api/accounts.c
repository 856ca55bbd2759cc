/* PUT /v1/accounts (CSV or JSON, all rows or none), GET /v1/accounts/{domain} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/bulk.h"
#include "db/bulk_store.h"
#include "routing/domain.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/money.h"
#include "util/strset.h"

static const char *const COLUMNS[] = {"domain", "employee_count", "expected_acv", "fit_score"};
enum { COL_DOMAIN, COL_EMPLOYEES, COL_ACV, COL_FIT };

/* Validates one row and appends its COPY line. */
static void take_row(struct lr_bulk *b, const struct lr_bulk_row *row, struct lr_strset *seen,
                     struct lr_buf *copy, json_t *errors)
{
    size_t before = b->errors_total;
    char domain[LR_DOMAIN_MAX + 1];
    const char *d = row->cell[COL_DOMAIN];
    if (d == NULL || !lr_domain_normalize(d, NULL, domain) || !lr_domain_valid(domain)) {
        lr_bulk_error(b, errors, row->number, "domain", "must be a domain such as acme.io");
    } else {
        int added = lr_strset_add(seen, domain);
        if (added == 0)
            lr_bulk_error(b, errors, row->number, "domain", "appears more than once in this load");
        else if (added < 0)
            lr_bulk_error(b, errors, row->number, "domain", "out of memory");
    }
    int64_t emp = 0, fit = 0;
    int64_t acv = 0;
    const char *e = row->cell[COL_EMPLOYEES], *a = row->cell[COL_ACV], *f = row->cell[COL_FIT];
    if (e != NULL && (row->from_json_string[COL_EMPLOYEES] || !lr_parse_i64(e, 0, 10000000, &emp)))
        lr_bulk_error(b, errors, row->number, "employee_count",
                      "must be an integer from 0 to 10000000, or empty");
    if (a != NULL) {
        enum lr_money_err me =
            row->from_json_string[COL_ACV] ? LR_MONEY_NOT_NUMBER : lr_money_parse_literal(a, &acv);
        if (me != LR_MONEY_OK)
            lr_bulk_error(b, errors, row->number, "expected_acv", lr_money_err_message(me));
    }
    if (f != NULL && (row->from_json_string[COL_FIT] || !lr_parse_i64(f, 0, 100, &fit)))
        lr_bulk_error(b, errors, row->number, "fit_score",
                      "must be an integer from 0 to 100, or empty");
    if (b->errors_total != before)
        return;
    char line[LR_DOMAIN_MAX + 96];
    char es[24] = "\\N", as[24] = "\\N", fs[24] = "\\N";
    if (e != NULL)
        snprintf(es, sizeof es, "%lld", (long long)emp);
    if (a != NULL)
        snprintf(as, sizeof as, "%lld", (long long)acv);
    if (f != NULL)
        snprintf(fs, sizeof fs, "%lld", (long long)fit);
    int n = snprintf(line, sizeof line, "%s\t%s\t%s\t%s\n", domain, es, as, fs);
    lr_buf_append(copy, line, (size_t)n);
}

void lr_api_accounts_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_bulk b;
    json_t *errors = json_array();
    const char *detail = NULL;
    int rc = lr_bulk_open(&b, lr_req_header(req, "Content-Type"), req->body, req->body_len, COLUMNS,
                          4, errors, &detail);
    if (rc != 0) {
        lr_bulk_problem(resp, rc, "Invalid load", detail, errors);
        lr_bulk_close(&b);
        return;
    }
    struct lr_strset seen;
    lr_strset_init(&seen);
    struct lr_buf copy = {0};
    struct lr_bulk_row row;
    size_t rows = 0;
    int more;
    while ((more = lr_bulk_next(&b, &row, errors)) != 0) {
        rows++;
        if (more > 0)
            take_row(&b, &row, &seen, &copy, errors);
    }
    lr_strset_free(&seen);
    size_t bad = b.errors_total;
    lr_bulk_close(&b);
    if (bad > 0 || copy.failed) {
        char msg[160];
        snprintf(msg, sizeof msg, "%zu problems in %zu rows; nothing was loaded", bad, rows);
        lr_problem(resp, 422, "validation", "Invalid load", msg, errors);
        lr_buf_free(&copy);
        return;
    }
    json_decref(errors);
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_accounts_load(c, copy.data ? copy.data : "", copy.len, rows, req->actor);
        lr_db_release(app->pool, c);
    }
    lr_buf_free(&copy);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    lr_resp_json(resp, 200, json_pack("{s:I}", "count", (json_int_t)rows));
}

void lr_api_account_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    char domain[LR_DOMAIN_MAX + 1];
    if (!lr_domain_normalize(req->params[0], NULL, domain)) {
        lr_problem(resp, 404, "not-found", "Not found", "no account with that domain", NULL);
        return;
    }
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_account_get_json(c, domain, &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "no account with that domain");
}
