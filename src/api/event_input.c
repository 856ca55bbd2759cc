/* Validation of CRM events: every bad field is named, nothing is guessed. */
#include "api/event_input.h"

#include <stdio.h>
#include <string.h>

#include "routing/domain.h"
#include "util/json.h"
#include "util/money.h"

static const char *const TYPE_NAMES[] = {"lead.created", "opportunity.created",
                                         "opportunity.updated"};

/* An optional integer in [lo, hi]; null or absent means missing. */
static void opt_int(const json_t *data, const char *key, int64_t lo, int64_t hi,
                    struct lr_opt_i64 *out, json_t *errors)
{
    const json_t *v = json_object_get(data, key);
    out->present = false;
    if (v == NULL || json_is_null(v))
        return;
    char field[64], msg[96];
    snprintf(field, sizeof field, "data.%s", key);
    if (!json_is_integer(v)) {
        snprintf(msg, sizeof msg, "must be an integer from %lld to %lld", (long long)lo,
                 (long long)hi);
        lr_json_field_error(errors, field, msg);
        return;
    }
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        snprintf(msg, sizeof msg, "must be from %lld to %lld", (long long)lo, (long long)hi);
        lr_json_field_error(errors, field, msg);
        return;
    }
    out->present = true;
    out->v = (int64_t)x;
}

static void opt_money(const json_t *data, const json_t *lits, const char *key,
                      struct lr_opt_i64 *out, json_t *errors)
{
    const json_t *v = json_object_get(data, key);
    out->present = false;
    if (v == NULL || json_is_null(v))
        return;
    char field[64], pointer[64];
    snprintf(field, sizeof field, "data.%s", key);
    snprintf(pointer, sizeof pointer, "/data/%s", key);
    enum lr_money_err e = lr_money_from_json(v, lits, pointer, &out->v);
    if (e != LR_MONEY_OK) {
        lr_json_field_error(errors, field, lr_money_err_message(e));
        return;
    }
    out->present = true;
}

/* An optional string of at most max bytes; returns it or NULL. */
static const char *opt_string(const json_t *data, const char *key, size_t max, json_t *errors)
{
    const json_t *v = json_object_get(data, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    char field[64], msg[64];
    snprintf(field, sizeof field, "data.%s", key);
    if (!json_is_string(v)) {
        lr_json_field_error(errors, field, "must be a string");
        return NULL;
    }
    if (json_string_length(v) > max) {
        snprintf(msg, sizeof msg, "must be at most %zu characters", max);
        lr_json_field_error(errors, field, msg);
        return NULL;
    }
    return json_string_value(v);
}

static void id_field(const json_t *data, const char *key, bool required, char *out, bool *has,
                     json_t *errors)
{
    const json_t *v = json_object_get(data, key);
    char field[64];
    snprintf(field, sizeof field, "data.%s", key);
    if (has != NULL)
        *has = false;
    if (v == NULL || json_is_null(v)) {
        if (required)
            lr_json_field_error(errors, field, "is required");
        return;
    }
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) != json_string_length(v) || !lr_id_valid(s)) {
        lr_json_field_error(errors, field, "must be a string of 1-128 printable characters");
        return;
    }
    memcpy(out, s, strlen(s) + 1);
    if (has != NULL)
        *has = true;
}

int lr_event_parse(const char *body, size_t len, struct lr_event *ev, json_t *errors, char *detail,
                   size_t detail_len)
{
    memset(ev, 0, sizeof *ev);
    json_error_t jerr;
    json_t *doc = lr_json_parse(body, len, &jerr);
    if (doc == NULL) {
        snprintf(detail, detail_len, "malformed JSON at line %d column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        return 400;
    }
    ev->doc = doc;
    if (!json_is_object(doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
        return 422;
    }
    json_t *lits = lr_json_number_literals(body, len);

    const char *type = json_string_value(json_object_get(doc, "type"));
    bool type_ok = false;
    for (int i = 0; type != NULL && i < 3; i++) {
        if (strcmp(type, TYPE_NAMES[i]) == 0) {
            ev->type = (enum lr_event_type)i;
            snprintf(ev->type_name, sizeof ev->type_name, "%s", TYPE_NAMES[i]);
            type_ok = true;
        }
    }
    if (!type_ok)
        lr_json_field_error(errors, "type",
                            "must be lead.created, opportunity.created or opportunity.updated");

    const char *ts = json_string_value(json_object_get(doc, "timestamp"));
    if (ts == NULL || strlen(ts) >= sizeof ev->timestamp || lr_rfc3339_parse(ts, &ev->ts_usec) ||
        lr_rfc3339_format_usec(ev->ts_usec, ev->ts_utc)) {
        lr_json_field_error(errors, "timestamp",
                            "must be an RFC 3339 date-time from 0001-01-01T00:00:00Z to "
                            "9999-12-31T23:59:59Z, offsets up to +-15:59");
    } else {
        snprintf(ev->timestamp, sizeof ev->timestamp, "%s", ts);
    }

    const json_t *data = json_object_get(doc, "data");
    if (!json_is_object(data)) {
        lr_json_field_error(errors, "data", "must be an object");
        json_decref(lits);
        return 422;
    }
    id_field(data, "id", true, ev->id, NULL, errors);
    id_field(data, "lead_id", false, ev->lead_id, &ev->has_lead_id, errors);
    const char *domain = opt_string(data, "domain", LR_DOMAIN_MAX, errors);
    const char *email = opt_string(data, "email", LR_DOMAIN_MAX, errors);
    ev->has_domain = lr_domain_normalize(domain, email, ev->domain);
    opt_int(data, "employee_count", 0, 10000000, &ev->employees, errors);
    if (!type_ok || ev->type == LR_EVENT_LEAD_CREATED) {
        opt_int(data, "fit_score", 0, 100, &ev->fit, errors);
        opt_money(data, lits, "expected_acv", &ev->acv_cents, errors);
    } else {
        opt_money(data, lits, "acv", &ev->acv_cents, errors);
        const char *stage = opt_string(data, "stage", LR_STAGE_MAX, errors);
        if (stage != NULL) {
            ev->has_stage = true;
            snprintf(ev->stage, sizeof ev->stage, "%s", stage);
        }
    }
    /* The whole body is parsed as jsonb when stored: a number PostgreSQL cannot hold,
     * even in an unknown field, must be the sender's 422, not a 500 it retries forever. */
    if (lits != NULL)
        lr_json_storable_errors(lits, errors);
    json_decref(lits);
    return json_array_size(errors) ? 422 : 0;
}

void lr_event_free(struct lr_event *ev)
{
    json_decref(ev->doc);
    ev->doc = NULL;
}
