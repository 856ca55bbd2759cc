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
#include <time.h>

#include "api/event_input.h"
#include "api/observe.h"
#include "api/problem.h"
#include "db/crm_store.h"
#include "service/lead.h"
#include "service/opportunity.h"
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

/* ------------------------------------------------------------------ JSON records */

/* pointer + "/" + key with JSON-pointer escaping; false when it does not fit. */
static bool pointer_join(char *out, size_t size, const char *pointer, const char *key)
{
    size_t n = (size_t)snprintf(out, size, "%s/", pointer);
    if (n >= size)
        return false;
    for (const char *k = key; *k; k++) {
        const char *piece = *k == '~' ? "~0" : *k == '/' ? "~1" : NULL;
        size_t len = piece ? 2 : 1;
        if (n + len >= size)
            return false;
        memcpy(out + n, piece ? piece : k, len);
        n += len;
    }
    out[n] = '\0';
    return true;
}

const char *lr_crm_json_text(const json_t *v, const json_t *lits, const char *pointer, char *buf,
                             size_t size)
{
    char cur[512], sub[512];
    snprintf(cur, sizeof cur, "%s", pointer);
    for (int depth = 0; v != NULL && depth < 4; depth++) {
        switch (json_typeof(v)) {
        case JSON_STRING:
            return json_string_value(v);
        case JSON_INTEGER:
            snprintf(buf, size, "%lld", (long long)json_integer_value(v));
            return buf;
        case JSON_REAL: {
            /* The literal as sent: 60000.10 must not become 60000.099999... */
            const char *lit = json_string_value(json_object_get(lits, cur));
            if (lit != NULL)
                snprintf(buf, size, "%s", lit);
            else
                snprintf(buf, size, "%.17g", json_real_value(v));
            return buf;
        }
        case JSON_TRUE:
            return "true";
        case JSON_FALSE:
            return "false";
        case JSON_OBJECT:
            /* Pipedrive's custom fields and lists of addresses: {"value": ...}. */
            if (!pointer_join(sub, sizeof sub, cur, "value"))
                return NULL;
            v = json_object_get(v, "value");
            break;
        case JSON_ARRAY:
            if (!pointer_join(sub, sizeof sub, cur, "0"))
                return NULL;
            v = json_array_get(v, 0);
            break;
        default:
            return NULL;
        }
        memcpy(cur, sub, sizeof cur);
    }
    return NULL;
}

/* The value of key in obj, as text. */
static const char *member_text(struct lr_crm_json_ctx *x, const json_t *obj, const char *pointer,
                               const char *key)
{
    char p[512];
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || !pointer_join(p, sizeof p, pointer, key))
        return NULL;
    return lr_crm_json_text(v, x->lits, p, x->buf, sizeof x->buf);
}

const char *lr_crm_json_get(void *ctx, const char *name)
{
    struct lr_crm_json_ctx *x = ctx;
    const char *v;
    char p[512];
    if (x->hubspot) {
        const json_t *props = json_object_get(x->record, "properties");
        if (json_is_object(props) && pointer_join(p, sizeof p, x->pointer, "properties") &&
            (v = member_text(x, props, p, name)) != NULL)
            return v;
    }
    if ((v = member_text(x, x->record, x->pointer, name)) != NULL)
        return v;
    if (x->pipedrive) {
        const json_t *cf = json_object_get(x->record, "custom_fields");
        if (json_is_object(cf) && pointer_join(p, sizeof p, x->pointer, "custom_fields") &&
            (v = member_text(x, cf, p, name)) != NULL)
            return v;
    }
    return NULL;
}

/* ------------------------------------------------------------------ mapping */

static void record_error(json_t *errors, const struct lr_crm_item *it, const char *field,
                         const char *message)
{
    json_t *e = json_pack("{s:I, s:o, s:s, s:s}", "record", (json_int_t)it->index, "record_id",
                          it->record_id[0] ? json_string(it->record_id) : json_null(), "field",
                          field, "message", message);
    if (e != NULL)
        json_array_append_new(errors, e);
}

/* The CRM name a field is read from, for an error about a missing value. */
static const char *names_of(const struct lr_crm_names *n, enum lr_crm_field f)
{
    return n->n > 0 ? n->name[0] : lr_crm_field_name(f);
}

static const char *trim_copy(const char *s, char *buf, size_t size)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

int lr_crm_map(const struct lr_crm_mapping *m, enum lr_crm_object obj, lr_crm_get_fn get, void *ctx,
               size_t index, json_t *raw, const char *fallback_ts, struct lr_crm_item *it,
               json_t *errors)
{
    memset(it, 0, sizeof *it);
    it->obj = obj;
    it->index = index;
    it->type = obj == LR_CRM_OBJ_LEAD ? (int)LR_EVENT_LEAD_CREATED : -1;
    size_t before = json_array_size(errors);
    const struct lr_crm_names *f = m->f[obj];
    json_t *data = json_object();
    char buf[1024];
    const char *v, *used;

    v = lr_crm_lookup(&f[LR_CF_ID], get, ctx, &used);
    if (v == NULL) {
        record_error(errors, it, names_of(&f[LR_CF_ID], LR_CF_ID),
                     "is required: the record has no id in any field the mapping names");
    } else {
        trim_copy(v, buf, sizeof buf);
        if (!lr_id_valid(buf) || strlen(buf) > LR_ID_MAX) {
            record_error(errors, it, used, "must be an id of 1-128 printable characters");
        } else {
            memcpy(it->record_id, buf, strlen(buf) + 1); /* at most LR_ID_MAX: checked */
            json_object_set_new(data, "id", json_string(buf));
        }
        it->used[LR_CF_ID] = used;
    }

    for (int k = LR_CF_LEAD_ID; k < LR_CF_COUNT; k++) {
        enum lr_crm_field fld = (enum lr_crm_field)k;
        if (!lr_crm_field_allowed(obj, fld))
            continue;
        v = lr_crm_lookup(&f[fld], get, ctx, &used);
        if (v == NULL)
            continue;
        it->used[fld] = used;
        struct lr_opt_i64 n;
        switch (fld) {
        case LR_CF_LEAD_ID:
            trim_copy(v, buf, sizeof buf);
            if (!lr_id_valid(buf) || strlen(buf) > LR_ID_MAX)
                record_error(errors, it, used, "must be an id of 1-128 printable characters");
            else
                json_object_set_new(data, "lead_id", json_string(buf));
            break;
        case LR_CF_EMAIL:
            trim_copy(v, buf, sizeof buf);
            if (strlen(buf) > LR_DOMAIN_MAX || !lr_utf8_printable(buf, 1, LR_DOMAIN_MAX))
                record_error(errors, it, used,
                             "must be an email address of at most 254 characters");
            else
                json_object_set_new(data, "email", json_string(buf));
            break;
        case LR_CF_DOMAIN: {
            /* A website nobody can read as a host is no domain: the email's stands in
             * (SPEC 2.3), rather than refusing the lead for a free-text field. */
            char d[LR_DOMAIN_MAX + 1];
            if (lr_crm_domain(v, d))
                json_object_set_new(data, "domain", json_string(d));
            break;
        }
        case LR_CF_COMPANY:
        case LR_CF_SOURCE:
            trim_copy(v, buf, sizeof buf);
            if (!lr_utf8_printable(buf, 0, sizeof buf))
                record_error(errors, it, used, "must be text of at most 1023 characters");
            else
                json_object_set_new(data, fld == LR_CF_COMPANY ? "company" : "source",
                                    json_string(buf));
            break;
        case LR_CF_EMPLOYEE_COUNT:
            if (lr_crm_int(v, 0, 10000000, &n))
                record_error(errors, it, used, "must be a whole number from 0 to 10000000");
            else if (n.present)
                json_object_set_new(data, "employee_count", json_integer(n.v));
            break;
        case LR_CF_FIT_SCORE:
            if (lr_crm_int(v, 0, 100, &n))
                record_error(errors, it, used, "must be a whole number from 0 to 100");
            else if (n.present)
                json_object_set_new(data, "fit_score", json_integer(n.v));
            break;
        case LR_CF_EXPECTED_ACV:
        case LR_CF_ACV:
            if (lr_crm_money(v, &n) || (n.present && n.v >= LR_MONEY_LIMIT_CENTS))
                record_error(errors, it, used,
                             "must be an amount from 0 to 999999999999.99 with at most two "
                             "decimals");
            else if (n.present)
                json_object_set_new(data, fld == LR_CF_ACV ? "acv" : "expected_acv",
                                    lr_json_money(n.v));
            break;
        case LR_CF_STAGE:
            trim_copy(v, buf, sizeof buf);
            if (strlen(buf) > LR_STAGE_MAX || !lr_utf8_printable(buf, 1, LR_STAGE_MAX))
                record_error(errors, it, used, "must be a stage name of 1-128 characters");
            else
                json_object_set_new(data, "stage", json_string(buf));
            break;
        case LR_CF_TIMESTAMP:
            if (lr_crm_timestamp(v, &n) || !n.present) {
                record_error(errors, it, used,
                             "must be epoch milliseconds, 2026-11-23T10:15:00.000+0000, "
                             "2026-11-23 10:15:00 or RFC 3339");
            } else {
                it->has_ts = true;
                it->ts_usec = n.v;
                trim_copy(v, it->ts_text, sizeof it->ts_text);
            }
            break;
        default:
            break;
        }
    }

    if (!it->has_ts && fallback_ts != NULL) {
        struct lr_opt_i64 n;
        if (lr_crm_timestamp(fallback_ts, &n) == 0 && n.present) {
            it->has_ts = true;
            it->ts_usec = n.v;
        }
    }
    if (json_array_size(errors) != before) {
        json_decref(data);
        json_decref(raw);
        return -1;
    }
    it->data = data;
    it->raw = raw;
    char *canon = json_dumps(raw, JSON_COMPACT | JSON_SORT_KEYS);
    if (canon == NULL) {
        record_error(errors, it, "", "the record could not be read");
        return -1;
    }
    lr_crm_sha256_hex(canon, strlen(canon), it->raw_sha);
    free(canon);
    return 0;
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
        record_error(to, it, crm_field ? crm_field : "", msg ? msg : "is invalid");
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
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_usec = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
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
                record_error(errors, it, "", detail);
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
    lr_service_lead(r->app->pool, r->app->batcher,
                    r->app->observe ? &r->app->observe->lead_batch : NULL, &r->it->env,
                    &r->it->out);
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
