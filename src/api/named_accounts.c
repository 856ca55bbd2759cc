/* PUT/GET /v1/named-accounts/{period}: a period's list is replaced as a whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/bulk.h"
#include "db/bulk_store.h"
#include "routing/domain.h"
#include "routing/period.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/strset.h"

static const char *const COLUMNS[] = {"domain", "owner_rep_id"};

static bool period_ok(struct lr_request *req, struct lr_response *resp)
{
    if (lr_period_valid(req->params[0]))
        return true;
    json_t *errors = json_array();
    lr_json_field_error(errors, "period", "must be a quarter such as 2026-Q4");
    lr_problem(resp, 422, "validation", "Invalid period", "the period is not a quarter", errors);
    return false;
}

static void take_row(struct lr_bulk *b, const struct lr_bulk_row *row, const struct lr_rules *rules,
                     struct lr_strset *seen, struct lr_buf *copy, json_t *errors)
{
    size_t before = b->errors_total;
    char domain[LR_DOMAIN_MAX + 1];
    const char *d = row->cell[0], *owner = row->cell[1];
    if (d == NULL || !lr_domain_normalize(d, NULL, domain) || !lr_domain_valid(domain)) {
        lr_bulk_error(b, errors, row->number, "domain", "must be a domain such as acme.io");
    } else if (lr_rules_is_freemail(rules, domain)) {
        lr_bulk_error(b, errors, row->number, "domain",
                      "is a free-mail domain, which never matches an account");
    } else {
        int added = lr_strset_add(seen, domain);
        if (added == 0)
            lr_bulk_error(b, errors, row->number, "domain",
                          "appears more than once: an account has at most one named owner in a "
                          "period");
        else if (added < 0)
            lr_bulk_error(b, errors, row->number, "domain", "out of memory");
    }
    bool owner_ok = owner != NULL && lr_id_valid(owner) && strpbrk(owner, "\t\\") == NULL;
    if (!owner_ok)
        lr_bulk_error(b, errors, row->number, "owner_rep_id",
                      "must be a rep id of 1-128 printable characters");
    if (b->errors_total != before)
        return;
    char line[32 + LR_DOMAIN_MAX + LR_ID_MAX];
    int n = snprintf(line, sizeof line, "%zu\t%s\t%s\n", row->number, domain, owner);
    lr_buf_append(copy, line, (size_t)n);
}

void lr_api_named_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    if (!period_ok(req, resp))
        return;
    struct lr_bulk b;
    json_t *errors = json_array();
    const char *detail = NULL;
    int rc = lr_bulk_open(&b, lr_req_header(req, "Content-Type"), req->body, req->body_len, COLUMNS,
                          2, errors, &detail);
    if (rc != 0) {
        lr_bulk_problem(resp, rc, "Invalid list", detail, errors);
        lr_bulk_close(&b);
        return;
    }
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    const struct lr_rules *rules = NULL;
    if (s == LR_DB_OK && (s = lr_db_current_rules(c, &rules)) != LR_DB_OK)
        lr_db_release(app->pool, c);
    if (s != LR_DB_OK) {
        json_decref(errors);
        lr_bulk_close(&b);
        lr_problem_db(resp, app, s);
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
            take_row(&b, &row, rules, &seen, &copy, errors);
    }
    lr_strset_free(&seen);
    size_t bad = b.errors_total;
    lr_bulk_close(&b);
    struct lr_named_counts counts = {0};
    if (bad == 0 && !copy.failed) {
        s = lr_named_replace(c, req->params[0], copy.data ? copy.data : "", copy.len, req->actor,
                             &counts, errors);
        bad = json_array_size(errors);
    }
    lr_db_release(app->pool, c);
    lr_buf_free(&copy);
    if (s != LR_DB_OK) {
        json_decref(errors);
        lr_problem_db(resp, app, s);
        return;
    }
    if (bad > 0 || copy.failed) {
        char msg[160];
        snprintf(msg, sizeof msg, "%zu problems in %zu rows; the list was not replaced", bad, rows);
        lr_problem(resp, 422, "validation", "Invalid list", msg, errors);
        return;
    }
    json_decref(errors);
    lr_resp_json(resp, 200,
                 json_pack("{s:s, s:I, s:I, s:I, s:I}", "period", req->params[0], "added",
                           (json_int_t)counts.added, "removed", (json_int_t)counts.removed,
                           "changed_owner", (json_int_t)counts.changed_owner, "unchanged",
                           (json_int_t)counts.unchanged));
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
