/* PUT/GET /v1/named-accounts/{period}: a period's list is replaced as a whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/bulk.h"
#include "api/problem.h"
#include "db/bulk_store.h"
#include "service/bulk_loads.h"
#include "routing/domain.h"
#include "routing/period.h"
#include "util/json.h"

static const struct lr_bulk_column COLUMNS[] = {{"domain", true}, {"owner_rep_id", true}};

static bool period_ok(struct lr_request *req, struct lr_response *resp)
{
    if (lr_period_valid(req->params[0]))
        return true;
    json_t *errors = json_array();
    lr_json_field_error(errors, "period", "must be a quarter such as 2026-Q4");
    lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "the period is not a quarter", errors);
    return false;
}

/* Validates one row and puts its COPY line; the valid one of domain and owner is put
 * even when the other is bad, so that SQL still checks it for duplicates or an unknown
 * owner (nothing is written when any row is bad). */
static void take_row(struct lr_bulk *b, const struct lr_bulk_row *row, const struct lr_rules *rules,
                     struct lr_copy *copy, json_t *errors)
{
    char domain[LR_DOMAIN_MAX + 1];
    const char *d = row->cell[0], *owner = row->cell[1];
    bool domain_ok = false;
    if (d == NULL || !lr_domain_normalize(d, NULL, domain) || !lr_domain_valid(domain))
        lr_bulk_error(b, errors, row->number, "domain", "must be a domain such as acme.io");
    else if (lr_rules_is_freemail(rules, domain))
        lr_bulk_error(b, errors, row->number, "domain",
                      "is a free-mail domain, which never matches an account");
    else
        domain_ok = true;
    bool owner_ok = owner != NULL && lr_id_valid(owner) && strpbrk(owner, "\t\\") == NULL;
    if (!owner_ok)
        lr_bulk_error(b, errors, row->number, "owner_rep_id",
                      "must be a rep id of 1-128 printable characters");
    if (!domain_ok && !owner_ok)
        return;
    char line[32 + LR_DOMAIN_MAX + LR_ID_MAX];
    int n = snprintf(line, sizeof line, "%zu\t%s\t%s\n", row->number, domain_ok ? domain : "\\N",
                     owner_ok ? owner : "\\N");
    lr_copy_put(copy, line, (size_t)n);
}

/* The body's rows, read again on every attempt of the list's transaction. */
struct list_rows {
    const struct lr_request *req;
    json_t *errors; /* the API's own findings, from the last attempt */
    char detail[1024];
};

static struct lr_rows_outcome put_rows(void *arg, const struct lr_rules *rules,
                                       struct lr_copy *copy)
{
    struct list_rows *lr = arg;
    struct lr_rows_outcome out = {0};
    struct lr_bulk b;
    json_array_clear(lr->errors);
    int rc = lr_bulk_open(&b, lr->req, COLUMNS, 2, lr->errors);
    struct lr_bulk_row row;
    int more = rc == 0 ? 1 : -2;
    while (rc == 0 && (more = lr_bulk_next(&b, &row, lr->errors)) != 0 && more != -2) {
        out.rows++;
        if (more > 0)
            take_row(&b, &row, rules, copy, lr->errors);
    }
    if (more == -2) {
        out.fatal = rc != 0 ? rc : (int)b.status;
        snprintf(lr->detail, sizeof lr->detail, "%s", b.detail);
    }
    out.problems = b.errors_total;
    lr_bulk_close(&b);
    return out;
}

void lr_api_named_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    if (!period_ok(req, resp))
        return;
    struct lr_bulk b;
    json_t *errors = json_array();
    /* The header and the format first: a bad one is answered without the database. */
    int rc = lr_bulk_open(&b, req, COLUMNS, 2, errors);
    if (rc != 0) {
        lr_bulk_problem(resp, rc, "Invalid list", b.detail, errors);
        lr_bulk_close(&b);
        return;
    }
    lr_bulk_close(&b);
    struct list_rows lr = {.req = req, .errors = errors};
    struct lr_load_result res;
    json_t *sql_errors = json_array();
    enum lr_db_status s = lr_service_named_replace(app->pool, req->params[0], req->actor, put_rows,
                                                   &lr, sql_errors, &res);
    if (s != LR_DB_OK) {
        json_decref(sql_errors);
        json_decref(errors);
        lr_problem_db(resp, app, s);
        return;
    }
    if (res.rows.fatal != 0) {
        json_decref(sql_errors);
        lr_bulk_problem(resp, res.rows.fatal, "Invalid list", lr.detail, errors);
        return;
    }
    lr_bulk_merge_errors(errors, sql_errors);
    size_t bad = res.rows.problems + res.sql_problems;
    if (bad > 0) {
        char msg[200];
        lr_bulk_problems_detail(msg, sizeof msg, bad, res.rows.rows, "the list was not replaced");
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, msg, errors);
        return;
    }
    json_decref(errors);
    lr_resp_json(resp, 200,
                 json_pack("{s:s, s:I, s:I, s:I, s:I}", "period", req->params[0], "added",
                           (json_int_t)res.counts.added, "removed", (json_int_t)res.counts.removed,
                           "changed_owner", (json_int_t)res.counts.changed_owner, "unchanged",
                           (json_int_t)res.counts.unchanged));
}

void lr_api_named_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    if (!period_ok(req, resp))
        return;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_named_get_json(c, req->params[0], &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}
