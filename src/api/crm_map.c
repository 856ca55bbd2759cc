/* The CRM adapters' field mapping (SPEC 3.5): reading a CRM record's fields by the
 * names the mapping lists, and turning them into the event's fields. */
#include "api/crm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/money.h"

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

void lr_crm_record_error(json_t *errors, const struct lr_crm_item *it, const char *field,
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
        lr_crm_record_error(errors, it, names_of(&f[LR_CF_ID], LR_CF_ID),
                            "is required: the record has no id in any field the mapping names");
    } else {
        trim_copy(v, buf, sizeof buf);
        if (!lr_id_valid(buf) || strlen(buf) > LR_ID_MAX) {
            lr_crm_record_error(errors, it, used, "must be an id of 1-128 printable characters");
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
                lr_crm_record_error(errors, it, used,
                                    "must be an id of 1-128 printable characters");
            else
                json_object_set_new(data, "lead_id", json_string(buf));
            break;
        case LR_CF_EMAIL:
            trim_copy(v, buf, sizeof buf);
            if (strlen(buf) > LR_DOMAIN_MAX || !lr_utf8_printable(buf, 1, LR_DOMAIN_MAX))
                lr_crm_record_error(errors, it, used,
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
                lr_crm_record_error(errors, it, used, "must be text of at most 1023 characters");
            else
                json_object_set_new(data, fld == LR_CF_COMPANY ? "company" : "source",
                                    json_string(buf));
            break;
        case LR_CF_EMPLOYEE_COUNT:
            if (lr_crm_int(v, 0, 10000000, &n))
                lr_crm_record_error(errors, it, used, "must be a whole number from 0 to 10000000");
            else if (n.present)
                json_object_set_new(data, "employee_count", json_integer(n.v));
            break;
        case LR_CF_FIT_SCORE:
            if (lr_crm_int(v, 0, 100, &n))
                lr_crm_record_error(errors, it, used, "must be a whole number from 0 to 100");
            else if (n.present)
                json_object_set_new(data, "fit_score", json_integer(n.v));
            break;
        case LR_CF_EXPECTED_ACV:
        case LR_CF_ACV:
            if (lr_crm_money(v, &n) || (n.present && n.v >= LR_MONEY_LIMIT_CENTS))
                lr_crm_record_error(errors, it, used,
                                    "must be an amount from 0 to 999999999999.99 with at most two "
                                    "decimals");
            else if (n.present)
                json_object_set_new(data, fld == LR_CF_ACV ? "acv" : "expected_acv",
                                    lr_json_money(n.v));
            break;
        case LR_CF_STAGE:
            trim_copy(v, buf, sizeof buf);
            if (strlen(buf) > LR_STAGE_MAX || !lr_utf8_printable(buf, 1, LR_STAGE_MAX))
                lr_crm_record_error(errors, it, used, "must be a stage name of 1-128 characters");
            else
                json_object_set_new(data, "stage", json_string(buf));
            break;
        case LR_CF_TIMESTAMP:
            if (lr_crm_timestamp(v, &n) || !n.present) {
                lr_crm_record_error(errors, it, used,
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
        lr_crm_record_error(errors, it, "", "the record could not be read");
        return -1;
    }
    lr_crm_sha256_hex(canon, strlen(canon), it->raw_sha);
    free(canon);
    return 0;
}
