/* The CRM mapping document and the CRMs' value formats (SPEC 3.5). */
#include "routing/crm.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "routing/domain.h"
#include "util/json.h"
#include "util/money.h"

static const char *const CRM_NAMES[LR_CRM_COUNT] = {"hubspot", "salesforce", "pipedrive"};
static const char *const OBJECT_KEYS[LR_CRM_COUNT][LR_CRM_OBJECT_COUNT] = {
    {"contact", "deal"}, {"lead", "opportunity"}, {"lead", "deal"}};
static const char *const FIELD_NAMES[LR_CF_COUNT] = {
    "id",           "lead_id",   "email", "domain", "company", "employee_count",
    "expected_acv", "fit_score", "acv",   "stage",  "source",  "timestamp"};

const char *lr_crm_name(enum lr_crm crm)
{
    return (unsigned)crm < LR_CRM_COUNT ? CRM_NAMES[crm] : "unknown";
}

bool lr_crm_parse(const char *s, enum lr_crm *out)
{
    for (int i = 0; s != NULL && i < LR_CRM_COUNT; i++) {
        if (strcmp(s, CRM_NAMES[i]) == 0) {
            *out = (enum lr_crm)i;
            return true;
        }
    }
    return false;
}

const char *lr_crm_object_key(enum lr_crm crm, enum lr_crm_object obj)
{
    return OBJECT_KEYS[crm][obj];
}

const char *lr_crm_field_name(enum lr_crm_field f)
{
    return (unsigned)f < LR_CF_COUNT ? FIELD_NAMES[f] : "unknown";
}

bool lr_crm_field_allowed(enum lr_crm_object obj, enum lr_crm_field f)
{
    switch (f) {
    case LR_CF_LEAD_ID:
    case LR_CF_ACV:
    case LR_CF_STAGE:
        return obj == LR_CRM_OBJ_DEAL;
    case LR_CF_EXPECTED_ACV:
    case LR_CF_FIT_SCORE:
        return obj == LR_CRM_OBJ_LEAD;
    default:
        return (unsigned)f < LR_CF_COUNT;
    }
}

/* One default: field <- names (NULL-terminated). */
struct def {
    enum lr_crm crm;
    enum lr_crm_object obj;
    enum lr_crm_field field;
    const char *names[4];
};

#define HS LR_CRM_HUBSPOT
#define SF LR_CRM_SALESFORCE
#define PD LR_CRM_PIPEDRIVE
#define LEAD LR_CRM_OBJ_LEAD
#define DEAL LR_CRM_OBJ_DEAL

/* SPEC 3.5, in its order. */
static const struct def DEFAULTS[] = {
    {HS, LEAD, LR_CF_ID, {"hs_object_id", "objectId", "vid"}},
    {HS, LEAD, LR_CF_EMAIL, {"email"}},
    {HS, LEAD, LR_CF_DOMAIN, {"hs_email_domain", "website"}},
    {HS, LEAD, LR_CF_COMPANY, {"company"}},
    {HS, LEAD, LR_CF_EMPLOYEE_COUNT, {"numberofemployees"}},
    {HS, LEAD, LR_CF_EXPECTED_ACV, {"expected_acv"}},
    {HS, LEAD, LR_CF_FIT_SCORE, {"hubspotscore"}},
    {HS, LEAD, LR_CF_SOURCE, {"hs_analytics_source"}},
    {HS, LEAD, LR_CF_TIMESTAMP, {"hs_lastmodifieddate", "lastmodifieddate"}},
    {HS, DEAL, LR_CF_ID, {"hs_object_id", "objectId"}},
    {HS, DEAL, LR_CF_LEAD_ID, {"leadrouter_lead_id"}},
    {HS, DEAL, LR_CF_ACV, {"amount"}},
    {HS, DEAL, LR_CF_STAGE, {"dealstage"}},
    {HS, DEAL, LR_CF_DOMAIN, {"domain"}},
    {HS, DEAL, LR_CF_EMPLOYEE_COUNT, {"numberofemployees"}},
    {HS, DEAL, LR_CF_TIMESTAMP, {"hs_lastmodifieddate"}},
    {SF, LEAD, LR_CF_ID, {"Id"}},
    {SF, LEAD, LR_CF_EMAIL, {"Email"}},
    {SF, LEAD, LR_CF_DOMAIN, {"Website"}},
    {SF, LEAD, LR_CF_COMPANY, {"Company"}},
    {SF, LEAD, LR_CF_EMPLOYEE_COUNT, {"NumberOfEmployees"}},
    {SF, LEAD, LR_CF_EXPECTED_ACV, {"Expected_ACV__c"}},
    {SF, LEAD, LR_CF_FIT_SCORE, {"Fit_Score__c"}},
    {SF, LEAD, LR_CF_SOURCE, {"LeadSource"}},
    {SF, LEAD, LR_CF_TIMESTAMP, {"LastModifiedDate"}},
    {SF, DEAL, LR_CF_ID, {"Id"}},
    {SF, DEAL, LR_CF_LEAD_ID, {"Lead_Id__c"}},
    {SF, DEAL, LR_CF_ACV, {"Amount"}},
    {SF, DEAL, LR_CF_STAGE, {"StageName"}},
    {SF, DEAL, LR_CF_DOMAIN, {"Account_Domain__c"}},
    {SF, DEAL, LR_CF_EMPLOYEE_COUNT, {"Employee_Count__c"}},
    {SF, DEAL, LR_CF_TIMESTAMP, {"LastModifiedDate"}},
    {PD, DEAL, LR_CF_ID, {"id"}},
    {PD, DEAL, LR_CF_LEAD_ID, {"leadrouter_lead_id"}},
    {PD, DEAL, LR_CF_ACV, {"value"}},
    {PD, DEAL, LR_CF_STAGE, {"status"}},
    {PD, DEAL, LR_CF_DOMAIN, {"domain"}},
    {PD, DEAL, LR_CF_EMPLOYEE_COUNT, {"employee_count"}},
    {PD, DEAL, LR_CF_TIMESTAMP, {"update_time"}},
    {PD, LEAD, LR_CF_ID, {"id"}},
    {PD, LEAD, LR_CF_EMAIL, {"email"}},
    {PD, LEAD, LR_CF_DOMAIN, {"domain"}},
    {PD, LEAD, LR_CF_COMPANY, {"company"}},
    {PD, LEAD, LR_CF_EMPLOYEE_COUNT, {"employee_count"}},
    {PD, LEAD, LR_CF_EXPECTED_ACV, {"expected_acv"}},
    {PD, LEAD, LR_CF_FIT_SCORE, {"fit_score"}},
    {PD, LEAD, LR_CF_TIMESTAMP, {"update_time"}},
};

void lr_crm_mapping_defaults(enum lr_crm crm, struct lr_crm_mapping *out)
{
    memset(out, 0, sizeof *out);
    out->crm = crm;
    for (size_t i = 0; i < sizeof DEFAULTS / sizeof *DEFAULTS; i++) {
        const struct def *d = &DEFAULTS[i];
        if (d->crm != crm)
            continue;
        struct lr_crm_names *n = &out->f[d->obj][d->field];
        for (size_t k = 0; k < 4 && d->names[k] != NULL; k++)
            snprintf(n->name[n->n++], LR_CRM_NAME_MAX + 1, "%s", d->names[k]);
    }
}

static void names_from_json(const json_t *v, const char *field, struct lr_crm_names *out,
                            json_t *errors)
{
    char msg[128];
    snprintf(msg, sizeof msg, "must be an array of 1 to %d CRM field names", LR_CRM_NAMES_MAX);
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > LR_CRM_NAMES_MAX) {
        lr_json_field_error(errors, field, msg);
        return;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        char f[160];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        const char *s = json_string_value(e);
        if (s == NULL || strlen(s) != json_string_length(e) ||
            !lr_utf8_printable(s, 1, LR_CRM_NAME_MAX) || strlen(s) > LR_CRM_NAME_MAX) {
            snprintf(msg, sizeof msg, "must be a CRM field name of 1-%d printable characters",
                     LR_CRM_NAME_MAX);
            lr_json_field_error(errors, f, msg);
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < out->n; k++)
            dup = dup || strcmp(out->name[k], s) == 0;
        if (dup) {
            lr_json_field_error(errors, f, "is listed twice");
            continue;
        }
        snprintf(out->name[out->n++], LR_CRM_NAME_MAX + 1, "%s", s);
    }
}

int lr_crm_mapping_from_json(enum lr_crm crm, const json_t *doc, struct lr_crm_mapping *out,
                             json_t *errors)
{
    size_t before = json_array_size(errors);
    if (!json_is_object(doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
        return -1;
    }
    const char *okeys[LR_CRM_OBJECT_COUNT + 1] = {OBJECT_KEYS[crm][0], OBJECT_KEYS[crm][1], NULL};
    lr_json_unknown_keys(doc, okeys, "", errors);
    struct lr_crm_mapping m;
    memset(&m, 0, sizeof m);
    m.crm = crm;
    for (int o = 0; o < LR_CRM_OBJECT_COUNT; o++) {
        const char *okey = OBJECT_KEYS[crm][o];
        const json_t *obj = json_object_get(doc, okey);
        if (!json_is_object(obj)) {
            lr_json_field_error(errors, okey, "must be an object of field -> CRM names");
            continue;
        }
        const char *fkeys[LR_CF_COUNT + 1];
        size_t nk = 0;
        for (int f = 0; f < LR_CF_COUNT; f++)
            if (lr_crm_field_allowed((enum lr_crm_object)o, (enum lr_crm_field)f))
                fkeys[nk++] = FIELD_NAMES[f];
        fkeys[nk] = NULL;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s.", okey);
        lr_json_unknown_keys(obj, fkeys, prefix, errors);
        for (int f = 0; f < LR_CF_COUNT; f++) {
            if (!lr_crm_field_allowed((enum lr_crm_object)o, (enum lr_crm_field)f))
                continue;
            char field[96];
            snprintf(field, sizeof field, "%s.%s", okey, FIELD_NAMES[f]);
            const json_t *v = json_object_get(obj, FIELD_NAMES[f]);
            if (v == NULL) {
                if (f == LR_CF_ID)
                    lr_json_field_error(errors, field,
                                        "is required: a record without an id cannot be routed");
                continue;
            }
            names_from_json(v, field, &m.f[o][f], errors);
        }
    }
    if (json_array_size(errors) != before)
        return -1;
    *out = m;
    return 0;
}

json_t *lr_crm_mapping_to_json(const struct lr_crm_mapping *m)
{
    json_t *doc = json_object();
    for (int o = 0; o < LR_CRM_OBJECT_COUNT; o++) {
        json_t *obj = json_object();
        for (int f = 0; f < LR_CF_COUNT; f++) {
            const struct lr_crm_names *n = &m->f[o][f];
            if (n->n == 0)
                continue;
            json_t *arr = json_array();
            for (size_t k = 0; k < n->n; k++)
                json_array_append_new(arr, json_string(n->name[k]));
            json_object_set_new(obj, FIELD_NAMES[f], arr);
        }
        json_object_set_new(doc, OBJECT_KEYS[m->crm][o], obj);
    }
    return doc;
}

static bool blank(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '\0';
}

const char *lr_crm_lookup(const struct lr_crm_names *names, lr_crm_get_fn get, void *ctx,
                          const char **used)
{
    for (size_t i = 0; i < names->n; i++) {
        const char *v = get(ctx, names->name[i]);
        if (v != NULL && !blank(v)) {
            *used = names->name[i];
            return v;
        }
    }
    *used = NULL;
    return NULL;
}

/* s without surrounding white space, into buf; -1 when it does not fit. */
static int trimmed(const char *s, char *buf, size_t size)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= size)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return 0;
}

int lr_crm_int(const char *s, int64_t lo, int64_t hi, struct lr_opt_i64 *out)
{
    out->present = false;
    out->v = 0;
    char buf[40];
    if (s == NULL)
        return 0;
    if (trimmed(s, buf, sizeof buf))
        return -1;
    if (buf[0] == '\0')
        return 0;
    const char *p = buf;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    int64_t v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    /* HubSpot writes whole numbers of number properties as "120.0" at times. */
    if (*p == '.') {
        for (p++; *p == '0'; p++)
            ;
    }
    if (*p != '\0')
        return -1;
    v = neg ? -v : v;
    if (v < lo || v > hi)
        return -1;
    out->present = true;
    out->v = v;
    return 0;
}

int lr_crm_money(const char *s, struct lr_opt_i64 *out)
{
    out->present = false;
    out->v = 0;
    char buf[64];
    if (s == NULL)
        return 0;
    if (trimmed(s, buf, sizeof buf))
        return -1;
    if (buf[0] == '\0')
        return 0;
    int64_t cents;
    if (!isdigit((unsigned char)buf[0]) || lr_money_parse_literal(buf, &cents) != LR_MONEY_OK)
        return -1;
    out->present = true;
    out->v = cents;
    return 0;
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

int lr_crm_timestamp(const char *s, struct lr_opt_i64 *usec)
{
    usec->present = false;
    usec->v = 0;
    char buf[72];
    if (s == NULL)
        return 0;
    if (trimmed(s, buf, sizeof buf - 2))
        return -1;
    if (buf[0] == '\0')
        return 0;
    char check[LR_RFC3339_UTC_SIZE];
    if (all_digits(buf)) {
        /* Epoch milliseconds (HubSpot); 15 digits reach past the year 9999. */
        if (strlen(buf) > 15)
            return -1;
        int64_t ms = 0;
        for (const char *p = buf; *p; p++)
            ms = ms * 10 + (*p - '0');
        if (lr_rfc3339_format_usec(ms * 1000, check))
            return -1;
        usec->present = true;
        usec->v = ms * 1000;
        return 0;
    }
    /* "2026-11-23 10:15:00": Pipedrive's UTC time, with a space and no zone. */
    if (strlen(buf) >= 19 && buf[10] == ' ')
        buf[10] = 'T';
    size_t n = strlen(buf);
    size_t z = 19; /* past HH:MM:SS; then an optional fraction */
    if (n >= z && buf[z] == '.') {
        z++;
        while (isdigit((unsigned char)buf[z]))
            z++;
    }
    if (n == z) {
        buf[n] = 'Z';
        buf[n + 1] = '\0';
    } else if (n == z + 5 && (buf[z] == '+' || buf[z] == '-') && all_digits(buf + z + 1)) {
        /* Salesforce's +0000: RFC 3339 wants +00:00. */
        memmove(buf + z + 4, buf + z + 3, 3);
        buf[z + 3] = ':';
    }
    int64_t v;
    if (n < 19 || lr_rfc3339_parse(buf, &v) || lr_rfc3339_format_usec(v, check))
        return -1;
    usec->present = true;
    usec->v = v;
    return 0;
}

bool lr_crm_domain(const char *s, char out[LR_DOMAIN_MAX + 1])
{
    out[0] = '\0';
    char buf[LR_DOMAIN_MAX * 4 + 1];
    if (s == NULL || trimmed(s, buf, sizeof buf) || buf[0] == '\0')
        return false;
    char *host = buf;
    char *scheme = strstr(buf, "://");
    if (scheme != NULL)
        host = scheme + 3;
    host[strcspn(host, "/?#")] = '\0';
    char *at = strrchr(host, '@');
    if (at != NULL)
        host = at + 1;
    host[strcspn(host, ":")] = '\0';
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        host[n - 1] = '\0';
    char norm[LR_DOMAIN_MAX + 1];
    if (strlen(host) > LR_DOMAIN_MAX || !lr_domain_normalize(host, NULL, norm) ||
        !lr_domain_valid(norm))
        return false;
    memcpy(out, norm, strlen(norm) + 1);
    return true;
}
