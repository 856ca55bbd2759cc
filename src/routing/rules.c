/* The rules document: defaults, parsing with validation, serialisation. */
#include "routing/rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing/domain.h"
#include "util/json.h"
#include "util/money.h"

static const char *const DEFAULT_FREEMAIL[] = {
    "gmail.com",  "yahoo.com", "outlook.com", "hotmail.com",
    "icloud.com", "aol.com",   "proton.me",   "gmx.com",
};

/* Signal bands in document order, with whether the band is money. */
static const struct {
    const char *key;
    enum lr_signal_kind kind;
    int64_t max; /* largest value the signal can take, in its unit */
} BAND_KEYS[] = {
    {"employee_count", LR_SIG_EMPLOYEES, 10000000},
    {"expected_acv", LR_SIG_ACV, LR_MONEY_LIMIT_CENTS},
    {"fit_score", LR_SIG_FIT, 100},
};

void lr_rules_free(struct lr_rules *r)
{
    for (size_t i = 0; i < r->freemail_count; i++)
        free(r->freemail[i]);
    free(r->freemail);
    r->freemail = NULL;
    r->freemail_count = 0;
}

static int set_freemail(struct lr_rules *r, const char *const *domains, size_t n)
{
    char **list = calloc(n ? n : 1, sizeof *list);
    if (list == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        list[i] = strdup(domains[i]);
        if (list[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(list[j]);
            free(list);
            return -1;
        }
    }
    r->freemail = list;
    r->freemail_count = n;
    return 0;
}

/* SPEC 2.8: the names HubSpot (closedwon), Pipedrive (won) and leadrouter's own events
 * use; Salesforce's "Closed Won" normalises to closedwon. */
static const char *const DEFAULT_WON[] = {"closed_won", "closedwon", "won"};
static const char *const DEFAULT_LOST[] = {"closed_lost", "closedlost", "lost"};

static void set_stages(char (*dst)[LR_RULES_STAGE_MAX + 1], size_t *count, const char *const *names,
                       size_t n)
{
    for (size_t i = 0; i < n && i < LR_RULES_MAX_STAGES; i++)
        snprintf(dst[i], LR_RULES_STAGE_MAX + 1, "%s", names[i]);
    *count = n < LR_RULES_MAX_STAGES ? n : LR_RULES_MAX_STAGES;
}

void lr_stage_normalize(const char *in, char *out)
{
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        char ch = (char)tolower((unsigned char)*p);
        if (ch == ' ' || ch == '-')
            ch = '_';
        if (ch != '_')
            out[o++] = ch;
    }
    out[o] = '\0';
}

static bool stage_in(const char (*list)[LR_RULES_STAGE_MAX + 1], size_t n, const char *norm)
{
    char cand[LR_RULES_STAGE_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        lr_stage_normalize(list[i], cand);
        if (strcmp(cand, norm) == 0)
            return true;
    }
    return false;
}

int lr_rules_stage_closes(const struct lr_rules *r, const char *stage)
{
    if (stage == NULL || strlen(stage) > 4 * LR_RULES_STAGE_MAX)
        return 0;
    char norm[4 * LR_RULES_STAGE_MAX + 1];
    lr_stage_normalize(stage, norm);
    if (norm[0] == '\0')
        return 0;
    if (stage_in(r->won_stages, r->won_stage_count, norm))
        return 1;
    return stage_in(r->lost_stages, r->lost_stage_count, norm) ? 2 : 0;
}

int lr_rules_defaults(struct lr_rules *out)
{
    memset(out, 0, sizeof *out);
    out->version = 1;
    out->bands[LR_SIG_EMPLOYEES] = (struct lr_band){51, 1001};
    out->bands[LR_SIG_ACV] = (struct lr_band){5000000, 50000000};
    out->bands[LR_SIG_FIT] = (struct lr_band){40, 80};
    out->handoff_acv_cents = 5000000;
    out->handoff_employees = 51;
    out->floor_acv_cents = 5000000;
    out->mm_commission_bp = 1000;
    out->finder_credit_bp = 2000;
    out->finder_credit_cap_cents = 500000;
    out->no_poaching = true;
    set_stages(out->won_stages, &out->won_stage_count, DEFAULT_WON,
               sizeof DEFAULT_WON / sizeof *DEFAULT_WON);
    set_stages(out->lost_stages, &out->lost_stage_count, DEFAULT_LOST,
               sizeof DEFAULT_LOST / sizeof *DEFAULT_LOST);
    return set_freemail(out, DEFAULT_FREEMAIL, sizeof DEFAULT_FREEMAIL / sizeof *DEFAULT_FREEMAIL);
}

int lr_rules_copy(struct lr_rules *dst, const struct lr_rules *src)
{
    struct lr_rules tmp = *src;
    if (set_freemail(&tmp, (const char *const *)src->freemail, src->freemail_count))
        return -1;
    *dst = tmp;
    return 0;
}

bool lr_rules_is_freemail(const struct lr_rules *r, const char *domain)
{
    for (size_t i = 0; i < r->freemail_count; i++)
        if (strcmp(r->freemail[i], domain) == 0)
            return true;
    return false;
}

/* Reads an integer member into *out within [lo, hi]. */
static void get_int(const json_t *obj, const char *key, const char *field, int64_t lo, int64_t hi,
                    int64_t *out, json_t *errors)
{
    const json_t *v = json_object_get(obj, key);
    char msg[128];
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
    *out = (int64_t)x;
}

static void get_money(const json_t *obj, const json_t *lits, const char *key, const char *field,
                      int64_t *out, json_t *errors)
{
    char pointer[128];
    snprintf(pointer, sizeof pointer, "/%s", field);
    for (char *p = pointer; *p; p++)
        if (*p == '.')
            *p = '/';
    enum lr_money_err e = lr_money_from_json(json_object_get(obj, key), lits, pointer, out);
    if (e != LR_MONEY_OK)
        lr_json_field_error(errors, field, lr_money_err_message(e));
}

int lr_rules_parse(const char *text, size_t len, struct lr_rules *out, json_t *errors)
{
    json_error_t jerr;
    json_t *doc = lr_json_parse(text, len, &jerr);
    if (doc == NULL || !json_is_object(doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
        json_decref(doc);
        return -1;
    }
    json_t *lits = lr_json_number_literals(text, len);
    int rc = lr_rules_from_json(doc, lits, out, errors);
    json_decref(lits);
    json_decref(doc);
    return rc;
}

/* The keys of each object of the document. A key the parser does not read is refused,
 * at every level: a typo such as pricing_flor_acv must not pass silently (SPEC 3.3). */
static const char *const DOC_KEYS[] = {"bands",
                                       "free_mail_domains",
                                       "handoff",
                                       "pricing_floor_acv",
                                       "mid_market_commission_rate_bp",
                                       "finder_credit_rate_bp",
                                       "finder_credit_cap",
                                       "no_poaching",
                                       "closed_won_stages",
                                       "closed_lost_stages",
                                       NULL};
static const char *const BANDS_KEYS[] = {"employee_count", "expected_acv", "fit_score", NULL};
static const char *const BAND_MIN_KEYS[] = {"mid_market_min", "strategic_min", NULL};
static const char *const HANDOFF_KEYS[] = {"acv_min", "employee_count_min", NULL};

/* A closing-stage list: optional (documents written before SPEC 2.8 named the stages
 * keep the defaults), else 1-32 names that normalise to something. */
static void get_stages(const json_t *doc, const char *key, const char *const *defaults,
                       size_t ndefaults, char (*dst)[LR_RULES_STAGE_MAX + 1], size_t *count,
                       json_t *errors)
{
    const json_t *v = json_object_get(doc, key);
    if (v == NULL) {
        set_stages(dst, count, defaults, ndefaults);
        return;
    }
    char msg[128];
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > LR_RULES_MAX_STAGES) {
        snprintf(msg, sizeof msg, "must be an array of 1 to %d stage names", LR_RULES_MAX_STAGES);
        lr_json_field_error(errors, key, msg);
        return;
    }
    size_t idx;
    const json_t *e;
    *count = 0;
    json_array_foreach(v, idx, e)
    {
        char field[64], norm[LR_RULES_STAGE_MAX + 1];
        snprintf(field, sizeof field, "%s[%zu]", key, idx);
        const char *s = json_string_value(e);
        if (s == NULL || json_string_length(e) > LR_RULES_STAGE_MAX ||
            strlen(s) != json_string_length(e) || !lr_utf8_printable(s, 1, LR_RULES_STAGE_MAX)) {
            snprintf(msg, sizeof msg, "must be a string of 1-%d printable characters",
                     LR_RULES_STAGE_MAX);
            lr_json_field_error(errors, field, msg);
            continue;
        }
        lr_stage_normalize(s, norm);
        if (norm[0] == '\0') {
            lr_json_field_error(errors, field,
                                "must hold a letter or digit: spaces, '-' and '_' are ignored");
            continue;
        }
        snprintf(dst[*count], LR_RULES_STAGE_MAX + 1, "%s", s);
        (*count)++;
    }
}

int lr_rules_from_json(const json_t *doc, const json_t *lits, struct lr_rules *out, json_t *errors)
{
    if (!json_is_object(doc)) {
        lr_json_field_error(errors, "", "must be a JSON object");
        return -1;
    }
    size_t before = json_array_size(errors);
    struct lr_rules r;
    memset(&r, 0, sizeof r);
    lr_json_unknown_keys(doc, DOC_KEYS, "", errors);

    const json_t *bands = json_object_get(doc, "bands");
    if (!json_is_object(bands))
        lr_json_field_error(errors, "bands", "must be an object");
    else
        lr_json_unknown_keys(bands, BANDS_KEYS, "bands.", errors);
    for (size_t i = 0; i < sizeof BAND_KEYS / sizeof *BAND_KEYS; i++) {
        char field[96];
        const json_t *b = json_object_get(bands, BAND_KEYS[i].key);
        snprintf(field, sizeof field, "bands.%s", BAND_KEYS[i].key);
        if (bands != NULL && !json_is_object(b)) {
            lr_json_field_error(errors, field, "must be an object");
            continue;
        }
        char prefix[104];
        snprintf(prefix, sizeof prefix, "%s.", field);
        if (b != NULL)
            lr_json_unknown_keys(b, BAND_MIN_KEYS, prefix, errors);
        struct lr_band *band = &r.bands[BAND_KEYS[i].kind];
        size_t errs = json_array_size(errors);
        char f1[128], f2[128];
        snprintf(f1, sizeof f1, "%s.mid_market_min", field);
        snprintf(f2, sizeof f2, "%s.strategic_min", field);
        if (BAND_KEYS[i].kind == LR_SIG_ACV) {
            get_money(b, lits, "mid_market_min", f1, &band->mid_market_min, errors);
            get_money(b, lits, "strategic_min", f2, &band->strategic_min, errors);
        } else {
            get_int(b, "mid_market_min", f1, 1, BAND_KEYS[i].max, &band->mid_market_min, errors);
            get_int(b, "strategic_min", f2, 1, BAND_KEYS[i].max, &band->strategic_min, errors);
        }
        if (json_array_size(errors) == errs) {
            if (band->mid_market_min <= 0)
                lr_json_field_error(errors, f1, "must be above zero so smb has a band");
            else if (band->strategic_min <= band->mid_market_min)
                lr_json_field_error(errors, f2, "must be above mid_market_min");
        }
    }

    const json_t *fm = json_object_get(doc, "free_mail_domains");
    if (!json_is_array(fm) || json_array_size(fm) > LR_RULES_MAX_FREEMAIL) {
        lr_json_field_error(errors, "free_mail_domains",
                            "must be an array of at most 1000 domains");
    } else {
        r.freemail = calloc(json_array_size(fm) + 1, sizeof *r.freemail);
        size_t idx;
        const json_t *d;
        json_array_foreach(fm, idx, d)
        {
            char field[64];
            snprintf(field, sizeof field, "free_mail_domains[%zu]", idx);
            const char *s = json_string_value(d);
            if (s == NULL || !lr_domain_valid(s)) {
                lr_json_field_error(errors, field, "must be a lower-case domain such as gmail.com");
                continue;
            }
            if (r.freemail != NULL && !lr_rules_is_freemail(&r, s)) {
                r.freemail[r.freemail_count] = strdup(s);
                if (r.freemail[r.freemail_count] != NULL)
                    r.freemail_count++;
            }
        }
    }

    const json_t *handoff = json_object_get(doc, "handoff");
    if (!json_is_object(handoff)) {
        lr_json_field_error(errors, "handoff", "must be an object");
    } else {
        lr_json_unknown_keys(handoff, HANDOFF_KEYS, "handoff.", errors);
        get_money(handoff, lits, "acv_min", "handoff.acv_min", &r.handoff_acv_cents, errors);
        get_int(handoff, "employee_count_min", "handoff.employee_count_min", 1, 10000000,
                &r.handoff_employees, errors);
    }
    get_money(doc, lits, "pricing_floor_acv", "pricing_floor_acv", &r.floor_acv_cents, errors);
    int64_t bp = 0;
    get_int(doc, "mid_market_commission_rate_bp", "mid_market_commission_rate_bp", 0, 10000, &bp,
            errors);
    r.mm_commission_bp = (int32_t)bp;
    bp = 0;
    get_int(doc, "finder_credit_rate_bp", "finder_credit_rate_bp", 0, 10000, &bp, errors);
    r.finder_credit_bp = (int32_t)bp;
    get_money(doc, lits, "finder_credit_cap", "finder_credit_cap", &r.finder_credit_cap_cents,
              errors);
    const json_t *np = json_object_get(doc, "no_poaching");
    if (!json_is_boolean(np))
        lr_json_field_error(errors, "no_poaching", "must be true or false");
    else
        r.no_poaching = json_is_true(np);

    get_stages(doc, "closed_won_stages", DEFAULT_WON, sizeof DEFAULT_WON / sizeof *DEFAULT_WON,
               r.won_stages, &r.won_stage_count, errors);
    get_stages(doc, "closed_lost_stages", DEFAULT_LOST, sizeof DEFAULT_LOST / sizeof *DEFAULT_LOST,
               r.lost_stages, &r.lost_stage_count, errors);
    for (size_t i = 0; i < r.won_stage_count; i++) {
        char norm[LR_RULES_STAGE_MAX + 1], field[64];
        lr_stage_normalize(r.won_stages[i], norm);
        if (stage_in(r.lost_stages, r.lost_stage_count, norm)) {
            snprintf(field, sizeof field, "closed_won_stages[%zu]", i);
            lr_json_field_error(errors, field,
                                "is also a closed_lost stage: a stage closes one way only");
        }
    }

    if (json_array_size(errors) != before || (r.freemail == NULL && json_is_array(fm))) {
        if (json_array_size(errors) == before)
            lr_json_field_error(errors, "", "out of memory");
        lr_rules_free(&r);
        return -1;
    }
    *out = r;
    return 0;
}

json_t *lr_rules_to_json(const struct lr_rules *r)
{
    json_t *fm = json_array();
    for (size_t i = 0; i < r->freemail_count; i++)
        json_array_append_new(fm, json_string(r->freemail[i]));
    json_t *won = json_array(), *lost = json_array();
    for (size_t i = 0; i < r->won_stage_count; i++)
        json_array_append_new(won, json_string(r->won_stages[i]));
    for (size_t i = 0; i < r->lost_stage_count; i++)
        json_array_append_new(lost, json_string(r->lost_stages[i]));
    const struct lr_band *e = &r->bands[LR_SIG_EMPLOYEES], *a = &r->bands[LR_SIG_ACV],
                         *f = &r->bands[LR_SIG_FIT];
    return json_pack(
        "{s:{s:{s:I, s:I}, s:{s:o, s:o}, s:{s:I, s:I}}, s:o, s:{s:o, s:I}, s:o, s:i, s:i, s:o, "
        "s:b, s:o, s:o}",
        "bands", "employee_count", "mid_market_min", (json_int_t)e->mid_market_min, "strategic_min",
        (json_int_t)e->strategic_min, "expected_acv", "mid_market_min",
        lr_json_money(a->mid_market_min), "strategic_min", lr_json_money(a->strategic_min),
        "fit_score", "mid_market_min", (json_int_t)f->mid_market_min, "strategic_min",
        (json_int_t)f->strategic_min, "free_mail_domains", fm, "handoff", "acv_min",
        lr_json_money(r->handoff_acv_cents), "employee_count_min", (json_int_t)r->handoff_employees,
        "pricing_floor_acv", lr_json_money(r->floor_acv_cents), "mid_market_commission_rate_bp",
        (int)r->mm_commission_bp, "finder_credit_rate_bp", (int)r->finder_credit_bp,
        "finder_credit_cap", lr_json_money(r->finder_credit_cap_cents), "no_poaching",
        r->no_poaching, "closed_won_stages", won, "closed_lost_stages", lost);
}
