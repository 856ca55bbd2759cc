/* The CRM adapters' shared path (SPEC 3.5): mapping, preparing and running records.
 * A record becomes exactly the event POST /v1/events would take, validated by the
 * same parser and decided by the same services; only its idempotency key comes from
 * the CRM's own ids. */
#include "api/crm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/event_input.h"
#include "api/events.h"
#include "api/observe.h"
#include "api/problem.h"
#include "db/crm_store.h"
#include "service/lead.h"
#include "service/opportunity.h"
#include "util/time.h"
#include "util/json.h"
#include "util/log.h"
#include "util/money.h"

void lr_crm_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

bool lr_crm_secret_equal(const char *given, const char *expected)
{
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned al = 0, bl = 0;
    if (given == NULL || expected == NULL || *expected == '\0')
        return false;
    EVP_Digest(given, strlen(given), a, &al, EVP_sha256(), NULL);
    EVP_Digest(expected, strlen(expected), b, &bl, EVP_sha256(), NULL);
    return al == 32 && bl == 32 && CRYPTO_memcmp(a, b, 32) == 0;
}

enum lr_db_status lr_crm_mapping_load(struct lr_app *app, enum lr_crm crm,
                                      struct lr_crm_mapping **out)
{
    *out = NULL;
    struct lr_crm_mapping *m = malloc(sizeof *m);
    if (m == NULL)
        return LR_DB_ERROR;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s != LR_DB_OK) {
        free(m);
        return s;
    }
    int64_t version = 0;
    char *doc = NULL;
    s = lr_crm_mapping_newest(c, lr_crm_name(crm), &version, &doc);
    lr_db_release(app->pool, c);
    if (s == LR_DB_NOT_FOUND) {
        lr_crm_mapping_defaults(crm, m);
        *out = m;
        return LR_DB_OK;
    }
    if (s != LR_DB_OK) {
        free(m);
        return s;
    }
    json_error_t jerr;
    json_t *j = lr_json_parse(doc, strlen(doc), &jerr);
    json_t *errors = json_array();
    int rc = lr_crm_mapping_from_json(crm, j, m, errors);
    json_decref(errors);
    json_decref(j);
    free(doc);
    if (rc != 0) {
        lr_log(LR_LOG_ERROR, "stored crm mapping is invalid",
               json_pack("{s:s, s:I}", "crm", lr_crm_name(crm), "version", (json_int_t)version));
        free(m);
        return LR_DB_ERROR;
    }
    m->version = version;
    *out = m;
    return LR_DB_OK;
}

/* ------------------------------------------------------------------ preparing */

static const char *const TYPE_NAMES[] = {"lead.created", "opportunity.created",
                                         "opportunity.updated"};

/* "crm:<key>" at a character boundary (keys are printable ASCII, so any cut is one). */
static void set_actor(struct lr_crm_item *it)
{
    snprintf(it->actor, sizeof it->actor, "crm:%s", it->key);
}

/* Errors of the event parser name SPEC 3.1's fields (data.employee_count): the CRM
 * admin needs the CRM's own name. */
static void translate_errors(const struct lr_crm_item *it, json_t *from, json_t *to)
{
    size_t i;
    json_t *e;
    json_array_foreach(from, i, e)
    {
        const char *field = json_string_value(json_object_get(e, "field"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        const char *crm_field = field;
        for (int k = 0; field != NULL && k < LR_CF_COUNT; k++) {
            char want[64];
            snprintf(want, sizeof want, "data.%s", lr_crm_field_name((enum lr_crm_field)k));
            if (strcmp(field, want) == 0 && it->used[k] != NULL)
                crm_field = it->used[k];
        }
        lr_crm_record_error(to, it, crm_field ? crm_field : "", msg ? msg : "is invalid");
    }
}

static enum lr_db_status decide_types(struct lr_app *app, struct lr_crm_item *items, size_t n)
{
    const char *ids[LR_CRM_MAX_RECORDS];
    size_t idx[LR_CRM_MAX_RECORDS], k = 0;
    for (size_t i = 0; i < n && k < LR_CRM_MAX_RECORDS; i++) {
        if (items[i].type == -1) {
            ids[k] = items[i].record_id;
            idx[k++] = i;
        }
    }
    if (k == 0)
        return LR_DB_OK;
    bool known[LR_CRM_MAX_RECORDS];
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s != LR_DB_OK)
        return s;
    s = lr_crm_opportunities_known(c, ids, k, known);
    lr_db_release(app->pool, c);
    if (s != LR_DB_OK)
        return s;
    for (size_t j = 0; j < k; j++) {
        /* Two records of one new deal in a request: the first creates it. */
        bool earlier = false;
        for (size_t p = 0; p < j; p++)
            earlier = earlier || strcmp(ids[p], ids[j]) == 0;
        items[idx[j]].type = known[j] || earlier ? (int)LR_EVENT_OPPORTUNITY_UPDATED
                                                 : (int)LR_EVENT_OPPORTUNITY_CREATED;
    }
    return LR_DB_OK;
}

enum lr_db_status lr_crm_prepare(struct lr_app *app, enum lr_crm crm, struct lr_crm_item *items,
                                 size_t n, json_t *errors)
{
    enum lr_db_status s = decide_types(app, items, n);
    if (s != LR_DB_OK)
        return s;
    int64_t now_usec = lr_now_usec();
    for (size_t i = 0; i < n; i++) {
        struct lr_crm_item *it = &items[i];
        char ts[LR_RFC3339_UTC_SIZE];
        /* A record without a time takes its request's arrival (SPEC 3.5). */
        if (lr_rfc3339_format_usec(it->has_ts ? it->ts_usec : now_usec, ts))
            lr_rfc3339_format_usec(now_usec, ts);
        json_t *ev =
            json_pack("{s:s, s:s, s:O, s:{s:s, s:s, s:s, s:O}}", "type", TYPE_NAMES[it->type],
                      "timestamp", ts, "data", it->data, "crm", "name", lr_crm_name(crm), "object",
                      lr_crm_object_key(crm, it->obj), "key", it->key, "record", it->raw);
        it->body_json = ev ? lr_json_dumps(ev) : NULL;
        json_decref(ev);
        if (it->body_json == NULL)
            return LR_DB_ERROR;
        json_t *errs = json_array();
        char detail[256] = "";
        int rc = lr_event_parse(it->body_json, strlen(it->body_json), &it->env.ev, errs, detail,
                                sizeof detail);
        if (rc != 0) {
            if (rc == 400)
                lr_crm_record_error(errors, it, "", detail);
            translate_errors(it, errs, errors);
            json_decref(errs);
            lr_event_free(&it->env.ev);
            continue;
        }
        json_decref(errs);
        set_actor(it);
        it->env.webhook_id = it->key;
        memcpy(it->env.body_sha256, it->raw_sha, sizeof it->env.body_sha256);
        it->env.body_json = it->body_json;
        it->env.actor = it->actor;
        it->prepared = true;
    }
    return LR_DB_OK;
}

/* ------------------------------------------------------------------ running */

struct lead_run {
    struct lr_app *app;
    struct lr_crm_item *it;
    pthread_t th;
    bool started;
};

static void *lead_main(void *arg)
{
    struct lead_run *r = arg;
    struct lr_lead_path path = lr_api_lead_path(r->app);
    lr_service_lead(&path, &r->it->env, &r->it->out);
    return NULL;
}

void lr_crm_run(struct lr_app *app, struct lr_crm_item *items, size_t n)
{
    /* Leads of one request go in together, each on a thread of its own, so that the
     * batcher commits them in one transaction as it would concurrent events. */
    struct lead_run runs[LR_CRM_MAX_RECORDS];
    size_t nl = 0;
    pthread_attr_t attr;
    bool attr_ok = pthread_attr_init(&attr) == 0;
    if (attr_ok)
        pthread_attr_setstacksize(&attr, 512 * 1024);
    size_t leads = 0;
    for (size_t i = 0; i < n; i++)
        leads += items[i].prepared && items[i].obj == LR_CRM_OBJ_LEAD;
    for (size_t i = 0; i < n && nl < LR_CRM_MAX_RECORDS; i++) {
        if (!items[i].prepared || items[i].obj != LR_CRM_OBJ_LEAD)
            continue;
        struct lead_run *r = &runs[nl++];
        *r = (struct lead_run){.app = app, .it = &items[i]};
        if (leads > 1 && attr_ok)
            r->started = pthread_create(&r->th, &attr, lead_main, r) == 0;
        if (!r->started)
            lead_main(r);
    }
    for (size_t i = 0; i < nl; i++)
        if (runs[i].started)
            pthread_join(runs[i].th, NULL);
    if (attr_ok)
        pthread_attr_destroy(&attr);
    /* Deals one after another, in the CRM's order: a later update of the same deal
     * must find the earlier one applied. */
    for (size_t i = 0; i < n; i++)
        if (items[i].prepared && items[i].obj == LR_CRM_OBJ_DEAL)
            lr_service_opportunity(app->pool, &items[i].env, &items[i].out);
}

enum lr_db_status lr_crm_outcome(const struct lr_crm_item *items, size_t n, long *conflict)
{
    enum lr_db_status worst = LR_DB_OK;
    *conflict = -1;
    for (size_t i = 0; i < n; i++) {
        const struct lr_event_outcome *o = &items[i].out;
        if (o->s != LR_DB_OK) {
            if (worst == LR_DB_OK || o->s == LR_DB_UNAVAILABLE)
                worst = o->s;
        } else if ((o->status == 409 || o->body == NULL) && *conflict < 0) {
            *conflict = (long)i;
        }
    }
    return worst;
}

void lr_crm_items_free(struct lr_crm_item *items, size_t n)
{
    for (size_t i = 0; items != NULL && i < n; i++) {
        struct lr_crm_item *it = &items[i];
        if (it->prepared)
            lr_event_free(&it->env.ev);
        json_decref(it->data);
        json_decref(it->raw);
        free(it->body_json);
        free(it->out.body);
        memset(it, 0, sizeof *it);
    }
}

/* ------------------------------------------------------------------ answers */

void lr_crm_answer_json(struct lr_app *app, struct lr_response *resp, enum lr_crm crm,
                        struct lr_crm_item *items, size_t n, bool array)
{
    long conflict;
    enum lr_db_status s = lr_crm_outcome(items, n, &conflict);
    if (s != LR_DB_OK) {
        json_t *keys = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(keys, json_string(items[i].key));
        lr_log(
            LR_LOG_WARN, "crm request not committed; the crm will retry",
            json_pack("{s:s, s:o, s:i}", "crm", lr_crm_name(crm), "keys", keys, "status", (int)s));
        lr_problem_db(resp, app, s);
        return;
    }
    if (conflict >= 0) {
        char detail[512];
        snprintf(detail, sizeof detail,
                 "record %ld (id %s): its idempotency key %s was already used for a different "
                 "record",
                 conflict, items[conflict].record_id, items[conflict].key);
        lr_problem_answer(resp, LR_PROBLEM_WEBHOOK_ID_REUSED, detail, NULL);
        return;
    }
    if (!array) {
        lr_resp_json_text(resp, (unsigned)items[0].out.status, items[0].out.body,
                          strlen(items[0].out.body));
        return;
    }
    /* The stored answers, verbatim, so that a redelivery reads exactly the first one. */
    size_t len = 16;
    bool created = false;
    for (size_t i = 0; i < n; i++) {
        len += strlen(items[i].out.body) + 1;
        created = created || items[i].out.status == 201;
    }
    char *text = malloc(len);
    if (text == NULL) {
        lr_problem_db(resp, app, LR_DB_ERROR);
        return;
    }
    size_t o = (size_t)sprintf(text, "{\"records\":[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(text + o, "%s%s", i ? "," : "", items[i].out.body);
    o += (size_t)sprintf(text + o, "]}");
    lr_resp_json_text(resp, created ? 201 : 200, text, o);
    free(text);
}
