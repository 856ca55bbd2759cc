/* PUT /v1/reps/{id}, GET /v1/reps */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/problem.h"
#include "service/reps.h"
#include "routing/roundrobin.h"
#include "util/json.h"

static const char *const REP_KEYS[] = {"name", "segment", "active", "weight", "crm_owner_id", NULL};

static int parse_rep(const struct lr_request *req, struct lr_rep *rep, json_t *errors, char *detail,
                     size_t dlen)
{
    memset(rep, 0, sizeof *rep);
    json_error_t jerr;
    json_t *doc = lr_json_parse(req->body, req->body_len, &jerr);
    if (doc == NULL) {
        snprintf(detail, dlen, "malformed JSON: %s", jerr.text);
        return 400;
    }
    /* The path is percent-decoded: its bytes need not be UTF-8, which the database refuses. */
    if (!lr_id_valid(req->params[0]) || !lr_utf8_printable(req->params[0], 1, LR_ID_MAX))
        lr_json_field_error(errors, "id", "must be 1-128 printable characters");
    if (!json_is_object(doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
        json_decref(doc);
        return 422;
    }
    lr_json_unknown_keys(doc, REP_KEYS, "", errors);
    snprintf(rep->id, sizeof rep->id, "%.128s", req->params[0]);
    const json_t *name = json_object_get(doc, "name");
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) >= sizeof rep->name)
        lr_json_field_error(errors, "name", "must be a string of 1-255 characters");
    else
        snprintf(rep->name, sizeof rep->name, "%s", json_string_value(name));
    if (!lr_segment_parse(json_string_value(json_object_get(doc, "segment")), false, &rep->segment))
        lr_json_field_error(errors, "segment", "must be smb, mid_market or strategic");
    const json_t *active = json_object_get(doc, "active");
    if (!json_is_boolean(active))
        lr_json_field_error(errors, "active", "must be true or false");
    rep->active = json_is_true(active);
    const json_t *weight = json_object_get(doc, "weight");
    rep->weight = 1;
    if (weight != NULL && !json_is_null(weight)) {
        if (!json_is_integer(weight) || json_integer_value(weight) < 1 ||
            json_integer_value(weight) > LR_RR_MAX_WEIGHT)
            lr_json_field_error(errors, "weight", "must be an integer from 1 to 100");
        else
            rep->weight = (int)json_integer_value(weight);
    }
    /* Left out: the stored one stays (a PUT that predates write-back must not wipe it);
     * null: cleared. */
    const json_t *owner = json_object_get(doc, "crm_owner_id");
    if (owner != NULL) {
        rep->has_crm_owner_id = true;
        if (json_is_string(owner) && lr_id_valid(json_string_value(owner)))
            snprintf(rep->crm_owner_id, sizeof rep->crm_owner_id, "%s", json_string_value(owner));
        else if (!json_is_null(owner))
            lr_json_field_error(errors, "crm_owner_id",
                                "must be the rep's CRM user id: 1-128 printable characters, or "
                                "null");
    }
    json_decref(doc);
    return json_array_size(errors) ? 422 : 0;
}

void lr_api_rep_put(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    struct lr_rep rep;
    json_t *errors = json_array();
    char detail[512] = "";
    int rc = parse_rep(req, &rep, errors, detail, sizeof detail);
    if (rc == 400) {
        json_decref(errors);
        lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
        return;
    }
    if (rc == 422) {
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "one or more fields of the rep are invalid",
                          errors);
        return;
    }
    json_decref(errors);
    struct lr_rep_put_result res;
    enum lr_db_status s = lr_service_rep_put(app->pool, &rep, req->actor, &res);
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    if (res.verdict == LR_REP_POACHING) {
        lr_problem_answer(resp, LR_PROBLEM_NO_POACHING, res.detail, NULL);
        return;
    }
    if (res.verdict == LR_REP_OWNS_NAMED) {
        lr_problem_answer(resp, LR_PROBLEM_NAMED_OWNER_SEGMENT, res.detail, NULL);
        return;
    }
    lr_resp_json_text(resp, res.created ? 201 : 200, res.json, strlen(res.json));
    free(res.json);
}

void lr_api_reps_list(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    (void)req;
    struct lr_db_conn *c;
    char *json = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_reps_list_json(c, &json);
        lr_db_release(app->pool, c);
    }
    lr_resp_stored_json(resp, app, s, json, "not found");
}
