/* RFC 9457 problem details: the registry of problem types and the answers built from it. */
#include "api/problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "util/json.h"
#include "util/log.h"

/* Keep docs/api-contract.md (Errors) in step with this table. */
static const struct lr_problem_def PROBLEMS[LR_PROBLEM_COUNT] = {
    [LR_PROBLEM_MALFORMED_JSON] = {400, "malformed-json", "Bad request"},
    [LR_PROBLEM_MISSING_WEBHOOK_ID] = {400, "missing-webhook-id", "Bad request"},
    [LR_PROBLEM_UNAUTHORIZED] = {401, "unauthorized", "Unauthorized"},
    [LR_PROBLEM_BAD_SIGNATURE] = {401, "bad-signature", "Unauthorized"},
    [LR_PROBLEM_FORBIDDEN] = {403, "forbidden", "Forbidden"},
    [LR_PROBLEM_NOT_FOUND] = {404, "not-found", "Not found"},
    [LR_PROBLEM_METHOD_NOT_ALLOWED] = {405, "method-not-allowed", "Method not allowed"},
    [LR_PROBLEM_WEBHOOK_ID_REUSED] = {409, "webhook-id-reused", "Conflict"},
    [LR_PROBLEM_NO_POACHING] = {409, "no-poaching", "Conflict: no_poaching"},
    [LR_PROBLEM_NAMED_OWNER_SEGMENT] = {409, "named-owner-segment", "Conflict"},
    [LR_PROBLEM_REVIEW_ALREADY_RESOLVED] = {409, "review-already-resolved",
                                            "Conflict: already resolved"},
    [LR_PROBLEM_DELIVERY_NOT_DEAD] = {409, "delivery-not-dead", "Conflict: not a dead delivery"},
    [LR_PROBLEM_NO_ACTIVE_REP] = {409, "no-active-rep", "Conflict: queue has no active rep"},
    [LR_PROBLEM_BODY_TOO_LARGE] = {413, "body-too-large", "Payload too large"},
    [LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE] = {415, "unsupported-media-type", "Unsupported media type"},
    [LR_PROBLEM_VALIDATION] = {422, "validation", "Validation failed"},
    [LR_PROBLEM_NO_MANUAL_CLAIMING] = {422, "no-manual-claiming",
                                       "Unprocessable: no manual claiming"},
    [LR_PROBLEM_REVIEW_SUBJECT_UNSUPPORTED] = {422, "review-subject-unsupported",
                                               "Unprocessable review item"},
    [LR_PROBLEM_BUSY] = {429, "busy", "Too many bulk loads"},
    [LR_PROBLEM_INTERNAL] = {500, "internal", "Internal error"},
    [LR_PROBLEM_UNAVAILABLE] = {503, "unavailable", "Service unavailable"},
    [LR_PROBLEM_DATABASE_UNAVAILABLE] = {503, "database-unavailable", "Service unavailable"},
    [LR_PROBLEM_NOT_READY] = {503, "not-ready", "Not ready"},
    [LR_PROBLEM_DRAINING] = {503, "draining", "Not ready"},
    [LR_PROBLEM_SCHEMA_BEHIND] = {503, "schema-behind", "Not ready"},
};

const struct lr_problem_def *lr_problem_def(enum lr_problem_type t)
{
    if ((unsigned)t >= LR_PROBLEM_COUNT || PROBLEMS[t].slug == NULL)
        return NULL;
    return &PROBLEMS[t];
}

void lr_problem_answer(struct lr_response *resp, enum lr_problem_type t, const char *detail,
                       json_t *errors)
{
    const struct lr_problem_def *d = lr_problem_def(t);
    if (d == NULL) {
        lr_log(LR_LOG_ERROR, "unknown problem type", json_pack("{s:i}", "type", (int)t));
        d = &PROBLEMS[LR_PROBLEM_INTERNAL];
    }
    char type[128];
    snprintf(type, sizeof type, LR_PROBLEM_URN_PREFIX "%s", d->slug);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", d->title, "status",
                          (int)d->status, "detail", detail ? detail : d->title);
    if (p != NULL && errors != NULL)
        json_object_set(p, "errors", errors);
    json_decref(errors);
    char *text = p ? lr_json_dumps(p) : NULL;
    json_decref(p);
    free(resp->body);
    resp->status = d->status;
    resp->problem = d->slug;
    resp->body = text;
    resp->body_len = text ? strlen(text) : 0;
    resp->content_type = "application/problem+json";
}

void lr_problem_malformed_json(struct lr_response *resp, const json_error_t *err)
{
    char detail[256];
    snprintf(detail, sizeof detail, "malformed JSON at line %d column %d: %s", err->line,
             err->column, err->text);
    lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
}

void lr_problem_answer_retry(struct lr_response *resp, const struct lr_app *app,
                             enum lr_problem_type t, const char *detail)
{
    lr_problem_answer(resp, t, detail, NULL);
    resp->retry_after = app->cfg.retry_after_sec;
}

void lr_problem_unavailable(struct lr_response *resp, const struct lr_app *app)
{
    lr_problem_answer_retry(
        resp, app, LR_PROBLEM_DATABASE_UNAVAILABLE,
        "PostgreSQL is unreachable or did not answer in time. Retry later: a retry "
        "of the same request (the same webhook-id for events) is never applied twice.");
}

void lr_problem_db(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st)
{
    if (st == LR_DB_UNAVAILABLE) {
        lr_problem_unavailable(resp, app);
        return;
    }
    lr_log(LR_LOG_ERROR, "database error", json_pack("{s:i}", "status", (int)st));
    lr_problem_answer(resp, LR_PROBLEM_INTERNAL,
                      "the database refused the change; nothing was written", NULL);
}
