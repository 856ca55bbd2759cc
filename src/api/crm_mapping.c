/* GET /v1/crm/{crm}/mapping, PUT /v1/crm/{crm}/mapping (SPEC 3.5): versioned and
 * audited like the rules. Version 0 is the built-in default mapping, in force until the
 * first PUT; a PUT is a whole document, validated by the parser the adapters read it
 * with, and stored in canonical form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "db/crm_store.h"
#include "routing/crm.h"
#include "service/crm_mapping.h"
#include "util/json.h"

static bool crm_of(struct lr_request *req, struct lr_response *resp, enum lr_crm *crm)
{
    if (req->nparams != 1 || !lr_crm_parse(req->params[0], crm)) {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND,
                          "no such CRM: hubspot, salesforce or pipedrive", NULL);
        return false;
    }
    return true;
}

/* The defaults, shaped as a stored version. */
static void answer_defaults(struct lr_response *resp, enum lr_crm crm)
{
    struct lr_crm_mapping *m = malloc(sizeof *m);
    if (m == NULL) {
        lr_problem_answer(resp, LR_PROBLEM_INTERNAL, "out of memory", NULL);
        return;
    }
    lr_crm_mapping_defaults(crm, m);
    json_t *doc = lr_crm_mapping_to_json(m);
    free(m);
    lr_resp_json(resp, 200,
                 json_pack("{s:s, s:i, s:n, s:n, s:o}", "crm", lr_crm_name(crm), "version", 0,
                           "created_at", "created_by", "document", doc));
}

void lr_api_crm_mapping_get(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    enum lr_crm crm;
    if (!crm_of(req, resp, &crm))
        return;
    const char *v = lr_req_query(req, "version");
    int64_t version = 0;
    if (v != NULL && !lr_parse_i64(v, 0, INT64_MAX, &version)) {
        json_t *errors = json_array();
        lr_json_field_error(errors, "version", "must be a whole number from 0");
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "the version is not a number", errors);
        return;
    }
    if (v != NULL && version == 0) {
        answer_defaults(resp, crm);
        return;
    }
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_crm_mapping_get_json(c, lr_crm_name(crm), version, &json);
        lr_db_release(app->pool, c);
    }
    if (s == LR_DB_NOT_FOUND && version == 0) {
        answer_defaults(resp, crm);
        return;
    }
    lr_resp_stored_json(resp, app, s, json, "no mapping version with that number");
}

void lr_api_crm_mapping_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    enum lr_crm crm;
    if (!crm_of(req, resp, &crm))
        return;
    json_error_t jerr;
    json_t *doc = lr_json_parse(req->body, req->body_len, &jerr);
    if (doc == NULL) {
        char detail[256];
        snprintf(detail, sizeof detail, "malformed JSON: %s", jerr.text);
        lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
        return;
    }
    struct lr_crm_mapping *m = malloc(sizeof *m);
    json_t *errors = json_array();
    int rc = m ? lr_crm_mapping_from_json(crm, doc, m, errors) : -1;
    json_decref(doc);
    if (rc != 0) {
        free(m);
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                          "the mapping document is invalid; the current version stays in force",
                          errors);
        return;
    }
    json_decref(errors);
    json_t *canon = lr_crm_mapping_to_json(m);
    free(m);
    char *text = canon ? lr_json_dumps(canon) : NULL;
    json_decref(canon);
    if (text == NULL) {
        lr_problem_db(resp, app, LR_DB_ERROR);
        return;
    }
    char *json = NULL;
    enum lr_db_status s =
        lr_service_crm_mapping_put(app->pool, lr_crm_name(crm), text, req->actor, &json);
    free(text);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    lr_resp_json_text(resp, 201, json, strlen(json));
    json_t *stored = json_loads(json, 0, NULL);
    snprintf(resp->location, sizeof resp->location, "/v1/crm/%s/mapping?version=%lld",
             lr_crm_name(crm), (long long)json_integer_value(json_object_get(stored, "version")));
    json_decref(stored);
    free(json);
}
