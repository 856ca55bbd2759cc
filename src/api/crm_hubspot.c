/* POST /v1/crm/hubspot/contacts and /v1/crm/hubspot/deals (SPEC 3.5): the workflow
 * "Send a webhook" action, signed with X-HubSpot-Signature-v3. The signature and its
 * timestamp are checked before a byte of the body is parsed. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "api/crm.h"
#include "api/problem.h"
#include "util/buf.h"
#include "util/json.h"

#define HUBSPOT_WINDOW_MS (5 * 60 * 1000) /* SPEC 3.5: older timestamps are refused */

struct query_acc {
    struct lr_buf *b;
    bool first;
};

static bool add_query(void *arg, const char *key, const char *value)
{
    struct query_acc *q = arg;
    lr_buf_append(q->b, q->first ? "?" : "&", 1);
    lr_buf_append(q->b, key, strlen(key));
    if (value != NULL) {
        lr_buf_append(q->b, "=", 1);
        lr_buf_append(q->b, value, strlen(value));
    }
    q->first = false;
    return true;
}

/* base64 HMAC-SHA256 of method + URI + body + timestamp, the URI being the public URL
 * of the request with its query decoded (as HubSpot's v3 validation reads it). */
static bool expected_signature(const struct lr_app *app, const struct lr_request *req,
                               const char *ts, char *out, size_t size)
{
    struct lr_buf b = {0};
    const char *base = app->cfg.public_url;
    lr_buf_append(&b, req->method, strlen(req->method));
    if (base[0] != '\0') {
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
            n--;
        lr_buf_append(&b, base, n);
    } else {
        /* Behind a TLS-terminating balancer the CRM signed https:// and the Host. */
        const char *host = lr_req_header(req, "Host");
        lr_buf_append(&b, "https://", 8);
        if (host != NULL)
            lr_buf_append(&b, host, strlen(host));
    }
    lr_buf_append(&b, req->path, strlen(req->path));
    struct query_acc q = {&b, true};
    lr_req_each_query(req, add_query, &q);
    lr_buf_append(&b, req->body, req->body_len);
    lr_buf_append(&b, ts, strlen(ts));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    const char *secret = app->cfg.hubspot_app_secret;
    bool ok = !b.failed && HMAC(EVP_sha256(), secret, (int)strlen(secret),
                                (const unsigned char *)b.data, b.len, mac, &mac_len) != NULL;
    lr_buf_free(&b);
    if (!ok || size < 4 * ((mac_len + 2) / 3) + 1)
        return false;
    EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
    return true;
}

/* 0 when the request is HubSpot's; else the detail of the 401. */
static const char *check_signature(const struct lr_app *app, const struct lr_request *req)
{
    const char *sig = lr_req_header(req, "X-HubSpot-Signature-v3");
    const char *ts = lr_req_header(req, "X-HubSpot-Request-Timestamp");
    if (sig == NULL || ts == NULL || *sig == '\0' || *ts == '\0')
        return "X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required";
    long long ms = 0;
    size_t digits = 0;
    for (const char *p = ts; *p; p++, digits++) {
        if (*p < '0' || *p > '9' || digits >= 15)
            return "X-HubSpot-Request-Timestamp must be epoch milliseconds";
        ms = ms * 10 + (*p - '0');
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long now_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    if (ms < now_ms - HUBSPOT_WINDOW_MS || ms > now_ms + HUBSPOT_WINDOW_MS)
        return "X-HubSpot-Request-Timestamp is not within 5 minutes of now";
    char want[128];
    if (!expected_signature(app, req, ts, want, sizeof want))
        return "the signature could not be computed";
    if (!lr_crm_secret_equal(sig, want))
        return "X-HubSpot-Signature-v3 does not match the request";
    return NULL;
}

static void hubspot(struct lr_app *app, struct lr_request *req, struct lr_response *resp,
                    enum lr_crm_object obj)
{
    if (app->cfg.hubspot_app_secret[0] == '\0') {
        lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND,
                          "no such endpoint: the HubSpot adapter is not configured", NULL);
        return;
    }
    const char *bad = check_signature(app, req);
    if (bad != NULL) {
        lr_problem_answer(resp, LR_PROBLEM_BAD_SIGNATURE, bad, NULL);
        return;
    }
    if (!lr_media_type_is(lr_req_header(req, "Content-Type"), "application/json")) {
        lr_problem_answer(resp, LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                          "HubSpot webhooks are sent as application/json", NULL);
        return;
    }
    json_error_t jerr;
    json_t *doc = lr_json_parse(req->body, req->body_len, &jerr);
    if (doc == NULL) {
        lr_problem_malformed_json(resp, &jerr);
        return;
    }
    bool array = json_is_array(doc);
    size_t n = array ? json_array_size(doc) : 1;
    if ((!array && !json_is_object(doc)) || n == 0 || n > LR_CRM_MAX_RECORDS) {
        json_t *errors = json_array();
        lr_json_field_error(errors, "",
                            "must be one record (an object) or an array of 1 to 100 records");
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "the body holds no records", errors);
        json_decref(doc);
        return;
    }
    struct lr_crm_mapping *m = NULL;
    enum lr_db_status s = lr_crm_mapping_load(app, LR_CRM_HUBSPOT, &m);
    if (s != LR_DB_OK) {
        json_decref(doc);
        lr_problem_db(resp, app, s);
        return;
    }
    json_t *lits = lr_json_number_literals(req->body, req->body_len);
    struct lr_crm_item *items = calloc(n, sizeof *items);
    json_t *errors = json_array();
    for (size_t i = 0; items != NULL && i < n; i++) {
        json_t *rec = array ? json_array_get(doc, i) : doc;
        if (!json_is_object(rec)) {
            json_array_append_new(errors, json_pack("{s:I, s:n, s:s, s:s}", "record", (json_int_t)i,
                                                    "record_id", "field", "", "message",
                                                    "must be an object"));
            continue;
        }
        struct lr_crm_json_ctx ctx = {.record = rec, .lits = lits, .hubspot = true};
        if (array)
            snprintf(ctx.pointer, sizeof ctx.pointer, "/%zu", i);
        if (lr_crm_map(m, obj, lr_crm_json_get, &ctx, i, json_incref(rec), NULL, &items[i],
                       errors) != 0)
            continue;
        /* A redelivery repeats the record's id and modification time; a record without
         * a time is keyed by its content. */
        struct lr_crm_item *it = &items[i];
        snprintf(it->key, sizeof it->key, "hubspot:%s:%s:%s",
                 lr_crm_object_key(LR_CRM_HUBSPOT, obj), it->record_id,
                 it->ts_text[0] ? it->ts_text : it->raw_sha);
    }
    free(m);
    json_decref(lits);
    if (items == NULL) {
        json_decref(errors);
        json_decref(doc);
        lr_problem_db(resp, app, LR_DB_ERROR);
        return;
    }
    if (json_array_size(errors) == 0)
        s = lr_crm_prepare(app, LR_CRM_HUBSPOT, items, n, errors);
    if (s != LR_DB_OK) {
        json_decref(errors);
        lr_problem_db(resp, app, s);
    } else if (json_array_size(errors) != 0) {
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                          "one or more records cannot be mapped; nothing was written", errors);
    } else {
        json_decref(errors);
        lr_crm_run(app, items, n);
        lr_crm_answer_json(app, resp, LR_CRM_HUBSPOT, items, n, array);
    }
    lr_crm_items_free(items, n);
    free(items);
    json_decref(doc);
}

void lr_api_crm_hubspot_contacts(struct lr_app *app, struct lr_request *req,
                                 struct lr_response *resp)
{
    hubspot(app, req, resp, LR_CRM_OBJ_LEAD);
}

void lr_api_crm_hubspot_deals(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    hubspot(app, req, resp, LR_CRM_OBJ_DEAL);
}
