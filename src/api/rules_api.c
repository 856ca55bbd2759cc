/* GET /v1/rules, PUT /v1/rules (SPEC 2.10): a change is a whole new document,
 * validated by the same parser that live routing reads the rules with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/rules_store.h"
#include "service/rules.h"
#include "routing/rules.h"
#include "util/json.h"

void lr_api_rules_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    const char *v = lr_req_query(req, "version");
    long long version = 0;
    if (v != NULL) {
        char *end;
        errno = 0;
        version = strtoll(v, &end, 10);
        if (*v < '0' || *v > '9' || *end != '\0' || errno || version < 1) {
            json_t *errors = json_array();
            lr_json_field_error(errors, "version", "must be a positive integer");
            lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "the version is not a number", errors);
            return;
        }
    }
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_rules_get_json(c, version, &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "no rules version with that number");
}

void lr_api_rules_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    json_error_t jerr;
    json_t *probe = lr_json_parse(req->body, req->body_len, &jerr);
    if (probe == NULL) {
        char detail[256];
        snprintf(detail, sizeof detail, "malformed JSON: %s", jerr.text);
        lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
        return;
    }
    json_decref(probe);
    struct lr_rules rules;
    json_t *errors = json_array();
    if (lr_rules_parse(req->body, req->body_len, &rules, errors) != 0) {
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                          "the rules document is invalid; the current version stays in force",
                          errors);
        return;
    }
    json_decref(errors);
    /* Stored in canonical form: every key, amounts with two decimals, nothing else. */
    json_t *doc = lr_rules_to_json(&rules);
    char *text = doc ? lr_json_dumps(doc) : NULL;
    json_decref(doc);
    lr_rules_free(&rules);
    if (text == NULL) {
        lr_problem_db(resp, app, LR_DB_ERROR);
        return;
    }
    char *json = NULL;
    enum lr_db_status s = lr_service_rules_put(app->pool, text, req->actor, &json);
    free(text);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    lr_resp_json_text(resp, 201, json, strlen(json));
    /* The version is the first member of the answer: {"version" : N, ... */
    const char *colon = strchr(json, ':');
    if (colon != NULL)
        snprintf(resp->location, sizeof resp->location, "/v1/rules?version=%lld",
                 strtoll(colon + 1, NULL, 10));
    free(json);
}
