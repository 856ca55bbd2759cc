/* POST /v1/crm/pipedrive (SPEC 3.5): Pipedrive webhooks v2, {"meta", "data",
 * "previous"}, with HTTP Basic credentials checked before the body is parsed. meta.id is
 * the idempotency key: Pipedrive repeats it when it delivers an event again. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/crm.h"
#include "api/problem.h"
#include "util/json.h"
#include "util/log.h"

/* Whether Authorization carries the configured user and password. Both sides are
 * compared whole, in constant time. */
static bool basic_ok(const struct lr_app *app, const char *auth)
{
    if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0)
        return false;
    const char *b64 = auth + 6;
    while (*b64 == ' ')
        b64++;
    size_t len = strlen(b64);
    if (len == 0 || len > 2048 || len % 4 != 0)
        return false;
    unsigned char decoded[1600];
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)b64, (int)len);
    if (n < 0)
        return false;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    if (len >= 1 && b64[len - 1] == '=')
        n--;
    if (len >= 2 && b64[len - 2] == '=')
        n--;
    decoded[n] = '\0';
    if (strlen((char *)decoded) != (size_t)n)
        return false;
    char want[800];
    snprintf(want, sizeof want, "%s:%s", app->cfg.pipedrive_user, app->cfg.pipedrive_password);
    return lr_crm_secret_equal((const char *)decoded, want);
}

static void invalid(struct lr_response *resp, const char *field, const char *message)
{
    json_t *errors = json_array();
    lr_json_field_error(errors, field, message);
    lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                      "the webhook cannot be used; nothing was written", errors);
}

/* A delivery leadrouter records (in its log) and does not act on: 200, so that
 * Pipedrive does not retry it. */
static void ignored(struct lr_response *resp, const char *id, const char *entity,
                    const char *action, const char *why)
{
    lr_log(LR_LOG_INFO, "pipedrive event ignored",
           json_pack("{s:s?, s:s?, s:s?, s:s}", "meta_id", id, "entity", entity, "action", action,
                     "reason", why));
    lr_resp_json(resp, 200, json_pack("{s:s?, s:s}", "event_id", id, "ignored", why));
}

void lr_api_crm_pipedrive(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    if (app->cfg.pipedrive_user[0] == '\0' || app->cfg.pipedrive_password[0] == '\0') {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND,
                          "no such endpoint: the Pipedrive adapter is not configured", NULL);
        return;
    }
    if (!basic_ok(app, lr_req_header(req, "Authorization"))) {
        lr_problem_answer(resp, LR_PROBLEM_UNAUTHORIZED,
                          "HTTP Basic credentials of the Pipedrive webhook are required", NULL);
        return;
    }
    if (!lr_media_type_is(lr_req_header(req, "Content-Type"), "application/json")) {
        lr_problem_answer(resp, LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                          "Pipedrive webhooks are sent as application/json", NULL);
        return;
    }
    json_error_t jerr;
    json_t *doc = lr_json_parse(req->body, req->body_len, &jerr);
    if (doc == NULL) {
        lr_problem_malformed_json(resp, &jerr);
        return;
    }
    const json_t *meta = json_object_get(doc, "meta");
    const json_t *data = json_object_get(doc, "data");
    const char *id = json_string_value(json_object_get(meta, "id"));
    const char *entity = json_string_value(json_object_get(meta, "entity"));
    const char *action = json_string_value(json_object_get(meta, "action"));
    if (!json_is_object(meta)) {
        invalid(resp, "meta", "must be an object (Pipedrive webhooks v2)");
    } else if (id == NULL || !lr_id_valid(id) || strlen(id) > LR_ID_MAX) {
        invalid(resp, "meta.id", "must be the event's id: it is the idempotency key");
    } else if (action == NULL || entity == NULL) {
        invalid(resp, action == NULL ? "meta.action" : "meta.entity", "is required");
    } else if (strcmp(action, "delete") == 0) {
        ignored(resp, id, entity, action, "delete");
    } else if (strcmp(action, "create") != 0 && strcmp(action, "change") != 0) {
        ignored(resp, id, entity, action, "action");
    } else if (strcmp(entity, "deal") != 0 && strcmp(entity, "lead") != 0 &&
               strcmp(entity, "person") != 0) {
        ignored(resp, id, entity, action, "entity");
    } else if (!json_is_object(data)) {
        invalid(resp, "data", "must be the record, an object");
    } else {
        bool deal = strcmp(entity, "deal") == 0;
        struct lr_crm_mapping *m = NULL;
        enum lr_db_status s = lr_crm_mapping_load(app, LR_CRM_PIPEDRIVE, &m);
        if (s != LR_DB_OK) {
            lr_problem_db(resp, app, s);
            json_decref(doc);
            return;
        }
        json_t *lits = lr_json_number_literals(req->body, req->body_len);
        struct lr_crm_json_ctx ctx = {.record = data, .lits = lits, .pipedrive = true};
        snprintf(ctx.pointer, sizeof ctx.pointer, "/data");
        struct lr_crm_item item;
        json_t *errors = json_array();
        int rc = lr_crm_map(m, deal ? LR_CRM_OBJ_DEAL : LR_CRM_OBJ_LEAD, lr_crm_json_get, &ctx, 0,
                            json_incref(doc), json_string_value(json_object_get(meta, "timestamp")),
                            &item, errors);
        free(m);
        json_decref(lits);
        if (rc == 0) {
            if (deal)
                item.type = strcmp(action, "create") == 0 ? (int)LR_EVENT_OPPORTUNITY_CREATED
                                                          : (int)LR_EVENT_OPPORTUNITY_UPDATED;
            snprintf(item.key, sizeof item.key, "pipedrive:%s", id);
            s = lr_crm_prepare(app, LR_CRM_PIPEDRIVE, &item, 1, errors);
        }
        if (s != LR_DB_OK) {
            json_decref(errors);
            lr_problem_db(resp, app, s);
        } else if (json_array_size(errors) != 0) {
            lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                              "the record cannot be mapped; nothing was written", errors);
        } else {
            json_decref(errors);
            lr_crm_run(app, &item, 1);
            lr_crm_answer_json(app, resp, LR_CRM_PIPEDRIVE, &item, 1, false);
        }
        lr_crm_items_free(&item, 1);
    }
    json_decref(doc);
}
