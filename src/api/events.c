/* POST /v1/events: content type, idempotency key, signature, JSON, fields — in that
 * order, so that the cheapest checks answer first and nothing is written on failure. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/api.h"
#include "api/events.h"
#include "api/observe.h"
#include "service/lead.h"
#include "service/opportunity.h"
#include "api/problem.h"
#include "util/json.h"

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* "webhook:<id>", cut to the buffer at a character boundary: the actor is stored as
 * text, and half a UTF-8 character would make the database refuse the whole event. */
static void actor_of(const char *id, char *out, size_t size)
{
    int n = snprintf(out, size, "webhook:%s", id);
    if (n < 0 || (size_t)n < size)
        return;
    size_t len = strlen(out), start = len;
    while (start > 0 && ((unsigned char)out[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return;
    unsigned char lead = (unsigned char)out[start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (start - 1) < need)
        out[start - 1] = '\0';
}

struct lr_lead_path lr_api_lead_path(struct lr_app *app)
{
    return (struct lr_lead_path){app->pool, app->batcher,
                                 app->observe ? &app->observe->lead_batch : NULL, app->writeback,
                                 app->routing_cache};
}

void lr_api_events_post(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    if (!lr_media_type_is(lr_req_header(req, "Content-Type"), "application/json")) {
        lr_problem_answer(resp, LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                          "events must be sent as application/json", NULL);
        return;
    }
    const char *id = lr_req_header(req, "webhook-id");
    if (id == NULL || *id == '\0') {
        lr_problem_answer(resp, LR_PROBLEM_MISSING_WEBHOOK_ID,
                          "the webhook-id header is required: it is the idempotency key", NULL);
        return;
    }
    /* The id is stored as text and echoed as event_id in JSON: bytes that are not UTF-8
     * would make the database (or the answer) fail after the sender was accepted. */
    if (!lr_utf8_printable(id, 1, 255)) {
        json_t *errors = json_array();
        lr_json_field_error(errors, "webhook-id",
                            "must be 1-255 characters of UTF-8 text without control characters");
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                          "the webhook-id is not a valid idempotency key", errors);
        return;
    }
    enum lr_webhook_verdict v = lr_webhook_verify(
        &app->webhook_key, id, lr_req_header(req, "webhook-timestamp"),
        lr_req_header(req, "webhook-signature"), req->body, req->body_len, (int64_t)time(NULL));
    if (v != LR_WEBHOOK_VALID) {
        const char *detail =
            v == LR_WEBHOOK_MISSING ? "webhook-timestamp and webhook-signature are required"
            : v == LR_WEBHOOK_STALE ? "webhook-timestamp is not within 5 minutes of now"
                                    : "no v1 signature matches the body";
        lr_problem_answer(resp, LR_PROBLEM_BAD_SIGNATURE, detail, NULL);
        return;
    }

    struct lr_envelope env = {.webhook_id = id};
    json_t *errors = json_array();
    char detail[256] = "";
    int rc = lr_event_parse(req->body, req->body_len, &env.ev, errors, detail, sizeof detail);
    if (rc == 400) {
        json_decref(errors);
        lr_problem_answer(resp, LR_PROBLEM_MALFORMED_JSON, detail, NULL);
        lr_event_free(&env.ev);
        return;
    }
    if (rc == 422) {
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION,
                          "one or more fields of the event are invalid; nothing was written",
                          errors);
        lr_event_free(&env.ev);
        return;
    }
    json_decref(errors);
    sha256_hex(req->body, req->body_len, env.body_sha256);
    actor_of(id, req->actor, sizeof req->actor);
    env.body_json = req->body;
    env.actor = req->actor;
    struct lr_event_outcome out;
    if (env.ev.type == LR_EVENT_LEAD_CREATED) {
        struct lr_lead_path path = lr_api_lead_path(app);
        lr_service_lead(&path, &env, &out);
    } else
        lr_service_opportunity(app->pool, &env, &out);
    bool opportunity = env.ev.type != LR_EVENT_LEAD_CREATED;
    lr_event_free(&env.ev);
    if (out.s == LR_DB_OK && out.decided && app->observe != NULL)
        lr_observe_decision(app->observe, opportunity, out.queue, out.reason);
    if (out.s != LR_DB_OK)
        lr_problem_db(resp, app, out.s);
    else if (out.status == 409 || out.body == NULL)
        lr_problem_answer(resp, LR_PROBLEM_WEBHOOK_ID_REUSED,
                          "this webhook-id was already used for a different body", NULL);
    else
        lr_resp_json_text(resp, (unsigned)out.status, out.body, strlen(out.body));
    free(out.body);
}
