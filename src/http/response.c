/* Response bodies: JSON and RFC 9457 problem details. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/app.h"
#include "http/http.h"
#include "util/json.h"
#include "util/log.h"

static void set_body(struct lr_response *resp, unsigned status, char *body, const char *ctype)
{
    free(resp->body);
    resp->status = status;
    resp->body = body;
    resp->body_len = body ? strlen(body) : 0;
    resp->content_type = ctype;
}

void lr_resp_json(struct lr_response *resp, unsigned status, json_t *v)
{
    char *text = v ? lr_json_dumps(v) : NULL;
    json_decref(v);
    if (text == NULL) {
        lr_problem(resp, 500, "internal", "Internal error", "could not encode the response", NULL);
        return;
    }
    set_body(resp, status, text, "application/json");
}

void lr_resp_json_text(struct lr_response *resp, unsigned status, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        set_body(resp, 500, NULL, "application/json");
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    set_body(resp, status, copy, "application/json");
    resp->body_len = len;
}

void lr_problem(struct lr_response *resp, unsigned status, const char *type_slug, const char *title,
                const char *detail, json_t *errors)
{
    char type[128];
    snprintf(type, sizeof type, "urn:leadrouter:problem:%s", type_slug);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title, "status",
                          (int)status, "detail", detail ? detail : title);
    if (p != NULL && errors != NULL)
        json_object_set(p, "errors", errors);
    json_decref(errors);
    char *text = p ? lr_json_dumps(p) : NULL;
    json_decref(p);
    set_body(resp, status, text, "application/problem+json");
}

void lr_problem_unavailable(struct lr_response *resp, const struct lr_app *app)
{
    lr_problem(resp, 503, "database-unavailable", "Service unavailable",
               "PostgreSQL is unreachable or did not answer in time. Retry later: a retry "
               "of the same request (the same webhook-id for events) is never applied twice.",
               NULL);
    resp->retry_after = app->cfg.retry_after_sec;
}

void lr_problem_db(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st)
{
    if (st == LR_DB_UNAVAILABLE) {
        lr_problem_unavailable(resp, app);
        return;
    }
    lr_log(LR_LOG_ERROR, "database error", json_pack("{s:i}", "status", (int)st));
    lr_problem(resp, 500, "internal", "Internal error",
               "the database refused the change; nothing was written", NULL);
}

void lr_resp_stored_json(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st,
                         char *json, const char *not_found)
{
    if (st == LR_DB_OK)
        lr_resp_json_text(resp, 200, json, strlen(json));
    else if (st == LR_DB_NOT_FOUND)
        lr_problem(resp, 404, "not-found", "Not found", not_found, NULL);
    else
        lr_problem_db(resp, app, st);
    free(json);
}

bool lr_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '-'))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

void lr_query_page(const struct lr_request *req, json_t *errors, int64_t *after, int64_t *limit)
{
    const char *a = lr_req_query(req, "after"), *l = lr_req_query(req, "limit");
    *after = 0;
    *limit = 100;
    if (a != NULL && *a != '\0' && !lr_parse_i64(a, 0, INT64_MAX, after))
        lr_json_field_error(errors, "after", "must be a non-negative integer");
    if (l != NULL && !lr_parse_i64(l, 1, 1000, limit))
        lr_json_field_error(errors, "limit", "must be an integer from 1 to 1000");
}
