/* PUT /v1/accounts (CSV or JSON, all rows or none), GET /v1/accounts/{domain} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/bulk.h"
#include "api/problem.h"
#include "db/bulk_store.h"
#include "service/bulk_loads.h"
#include "routing/domain.h"
#include "util/json.h"
#include "util/money.h"

static const struct lr_bulk_column COLUMNS[] = {
    {"domain", true}, {"employee_count", false}, {"expected_acv", false}, {"fit_score", false}};
enum { COL_DOMAIN, COL_EMPLOYEES, COL_ACV, COL_FIT, NCOLS };

/* Validates one row and puts its COPY line; a row with a valid domain is put even when
 * another cell is bad, so that its domain still counts in the duplicate check (nothing
 * is written when any row is bad). */
static void take_row(struct lr_bulk *b, const struct lr_bulk_row *row, struct lr_copy *copy,
                     json_t *errors)
{
    char domain[LR_DOMAIN_MAX + 1];
    const char *d = row->cell[COL_DOMAIN];
    if (d == NULL || !lr_domain_normalize(d, NULL, domain) || !lr_domain_valid(domain)) {
        lr_bulk_error(b, errors, row->number, "domain", "must be a domain such as acme.io");
        return;
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
    char line[LR_DOMAIN_MAX + 128];
    char es[24] = "\\N", as[24] = "\\N", fs[24] = "\\N";
    if (e != NULL)
        snprintf(es, sizeof es, "%lld", (long long)emp);
    if (a != NULL)
        snprintf(as, sizeof as, "%lld", (long long)acv);
    if (f != NULL)
        snprintf(fs, sizeof fs, "%lld", (long long)fit);
    int n = snprintf(line, sizeof line, "%zu\t%s\t%s\t%c\t%s\t%c\t%s\t%c\n", row->number, domain,
                     es, row->present[COL_EMPLOYEES] ? 't' : 'f', as,
                     row->present[COL_ACV] ? 't' : 'f', fs, row->present[COL_FIT] ? 't' : 'f');
    lr_copy_put(copy, line, (size_t)n);
}

/* The body's rows, read again on every attempt of the load's transaction. */
struct load_rows {
    const struct lr_request *req;
    json_t *errors; /* the API's own findings, from the last attempt */
    unsigned status;
    char detail[1024];
};

static struct lr_rows_outcome put_rows(void *arg, const struct lr_rules *rules,
                                       struct lr_copy *copy)
{
    (void)rules;
    struct load_rows *lr = arg;
    struct lr_rows_outcome out = {0};
    struct lr_bulk b;
    json_array_clear(lr->errors);
    int rc = lr_bulk_open(&b, lr->req, COLUMNS, 4, lr->errors);
    struct lr_bulk_row row;
    int more = rc == 0 ? 1 : -2;
    while (rc == 0 && (more = lr_bulk_next(&b, &row, lr->errors)) != 0 && more != -2) {
        out.rows++;
        if (more > 0)
            take_row(&b, &row, copy, lr->errors);
    }
    if (more == -2) {
        out.fatal = rc != 0 ? rc : (int)b.status;
        snprintf(lr->detail, sizeof lr->detail, "%s", b.detail);
    }
    out.problems = b.errors_total;
    lr_bulk_close(&b);
    return out;
}

void lr_api_accounts_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_bulk b;
    json_t *errors = json_array();
    /* The header and the format first: a bad one is answered without the database. */
    int rc = lr_bulk_open(&b, req, COLUMNS, 4, errors);
    if (rc != 0) {
        lr_bulk_problem(resp, rc, "Invalid load", b.detail, errors);
        lr_bulk_close(&b);
        return;
    }
    lr_bulk_close(&b);
    struct load_rows lr = {.req = req, .errors = errors};
    struct lr_load_result res;
    json_t *sql_errors = json_array();
    enum lr_db_status s =
        lr_service_accounts_load(app->pool, req->actor, put_rows, &lr, sql_errors, &res);
    if (s != LR_DB_OK) {
        json_decref(sql_errors);
        json_decref(errors);
        lr_problem_db(resp, app, s);
        return;
    }
    if (res.rows.fatal != 0) {
        json_decref(sql_errors);
        lr_bulk_problem(resp, res.rows.fatal, "Invalid load", lr.detail, errors);
        return;
    }
    lr_bulk_merge_errors(errors, sql_errors);
    size_t bad = res.rows.problems + res.sql_problems;
    if (bad > 0) {
        char msg[200];
        lr_bulk_problems_detail(msg, sizeof msg, bad, res.rows.rows, "nothing was loaded");
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, msg, errors);
        return;
    }
    json_decref(errors);
    lr_resp_json(resp, 200, json_pack("{s:I}", "count", (json_int_t)res.rows.rows));
}

void lr_api_account_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    char domain[LR_DOMAIN_MAX + 1];
    if (!lr_domain_normalize(req->params[0], NULL, domain)) {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no account with that domain", NULL);
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
