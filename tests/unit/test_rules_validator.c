/* routing/rules.c as PUT /v1/rules and POST /v1/simulate use it: a whole document is
 * accepted only when its bands partition every value into smb < mid_market <
 * strategic, its rates and caps are in range and its free-mail list holds domains; a
 * document nested in a request body is validated with its exact amounts; the stored
 * (canonical) form reads back as the same rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing/lead.h"
#include "routing/rules.h"
#include "suites.h"
#include "util/json.h"

static const char DOC[] =
    "{\"bands\": {\"employee_count\": {\"mid_market_min\": 51, \"strategic_min\": 1001},"
    " \"expected_acv\": {\"mid_market_min\": 50000.00, \"strategic_min\": 500000.00},"
    " \"fit_score\": {\"mid_market_min\": 40, \"strategic_min\": 80}},"
    " \"free_mail_domains\": [\"gmail.com\", \"yahoo.com\"],"
    " \"handoff\": {\"acv_min\": 50000.00, \"employee_count_min\": 51},"
    " \"pricing_floor_acv\": 50000.00, \"mid_market_commission_rate_bp\": 1000,"
    " \"finder_credit_rate_bp\": 2000, \"finder_credit_cap\": 5000.00, \"no_poaching\": true}";

/* DOC with one replacement (which must occur). */
static char *edited(const char *from, const char *to)
{
    const char *at = strstr(DOC, from);
    ck_assert_msg(at != NULL, "'%s' not in the document", from);
    char *out = malloc(strlen(DOC) - strlen(from) + strlen(to) + 1);
    ck_assert_ptr_nonnull(out);
    size_t head = (size_t)(at - DOC);
    memcpy(out, DOC, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static bool names(const json_t *errors, const char *field)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return true;
    }
    return false;
}

static int parse(const char *text, struct lr_rules *r, json_t *errors)
{
    return lr_rules_parse(text, strlen(text), r, errors);
}

/* Every accepted band gives monotone votes that change exactly at the two cut points,
 * so no value falls between bands or into two of them. */
START_TEST(test_accepted_bands_partition_every_value)
{
    static const struct {
        const char *emp, *fit;
    } CASES[] = {
        {"\"mid_market_min\": 51, \"strategic_min\": 1001",
         "\"mid_market_min\": 40, \"strategic_min\": 80"},
        {"\"mid_market_min\": 1, \"strategic_min\": 2",
         "\"mid_market_min\": 1, \"strategic_min\": 100"},
        {"\"mid_market_min\": 9999999, \"strategic_min\": 10000000",
         "\"mid_market_min\": 99, \"strategic_min\": 100"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        char *a = edited("\"mid_market_min\": 51, \"strategic_min\": 1001", CASES[i].emp);
        const char *fit_at = "\"mid_market_min\": 40, \"strategic_min\": 80";
        char *doc = malloc(strlen(a) + strlen(CASES[i].fit) + 1);
        ck_assert_ptr_nonnull(doc);
        const char *p = strstr(a, fit_at);
        ck_assert_ptr_nonnull(p);
        memcpy(doc, a, (size_t)(p - a));
        strcpy(doc + (p - a), CASES[i].fit);
        strcat(doc, p + strlen(fit_at));
        struct lr_rules r;
        json_t *errors = json_array();
        ck_assert_msg(parse(doc, &r, errors) == 0, "case %zu", i);
        for (int k = 0; k < LR_SIGNAL_COUNT; k++) {
            const struct lr_band *b = &r.bands[k];
            ck_assert_int_gt(b->mid_market_min, 0);
            ck_assert_int_gt(b->strategic_min, b->mid_market_min);
            ck_assert_int_eq(lr_band_vote(&r, k, 0), LR_SEG_SMB);
            ck_assert_int_eq(lr_band_vote(&r, k, b->mid_market_min - 1), LR_SEG_SMB);
            ck_assert_int_eq(lr_band_vote(&r, k, b->mid_market_min), LR_SEG_MID_MARKET);
            ck_assert_int_eq(lr_band_vote(&r, k, b->strategic_min - 1), LR_SEG_MID_MARKET);
            ck_assert_int_eq(lr_band_vote(&r, k, b->strategic_min), LR_SEG_STRATEGIC);
            enum lr_segment prev = LR_SEG_SMB;
            for (int64_t v = 0; v <= 2000; v++) {
                enum lr_segment s = lr_band_vote(&r, k, v);
                ck_assert_int_ge(s, prev);
                ck_assert_int_le(s, LR_SEG_STRATEGIC);
                prev = s;
            }
        }
        lr_rules_free(&r);
        json_decref(errors);
        free(doc);
        free(a);
    }
}
END_TEST

/* Overlapping, inverted, empty or out-of-range bands are refused, each field named. */
START_TEST(test_bands_must_be_ordered)
{
    static const struct {
        const char *from, *to, *field;
    } BAD[] = {
        {"\"mid_market_min\": 40, \"strategic_min\": 80",
         "\"mid_market_min\": 80, \"strategic_min\": 40", "bands.fit_score.strategic_min"},
        {"\"mid_market_min\": 40, \"strategic_min\": 80",
         "\"mid_market_min\": 40, \"strategic_min\": 40", "bands.fit_score.strategic_min"},
        {"\"mid_market_min\": 40, \"strategic_min\": 80",
         "\"mid_market_min\": 0, \"strategic_min\": 80", "bands.fit_score.mid_market_min"},
        {"\"mid_market_min\": 40, \"strategic_min\": 80",
         "\"mid_market_min\": 40, \"strategic_min\": 101", "bands.fit_score.strategic_min"},
        {"\"mid_market_min\": 50000.00, \"strategic_min\": 500000.00",
         "\"mid_market_min\": 500000.00, \"strategic_min\": 500000.00",
         "bands.expected_acv.strategic_min"},
        {"\"mid_market_min\": 50000.00, \"strategic_min\": 500000.00",
         "\"mid_market_min\": 50000.00, \"strategic_min\": 1000000000000",
         "bands.expected_acv.strategic_min"},
        {"\"employee_count\": {\"mid_market_min\": 51, \"strategic_min\": 1001}",
         "\"employee_count\": {\"mid_market_min\": 51}", "bands.employee_count.strategic_min"},
        {"\"employee_count\": {\"mid_market_min\": 51, \"strategic_min\": 1001},", "",
         "bands.employee_count"},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        char *doc = edited(BAD[i].from, BAD[i].to);
        struct lr_rules r;
        json_t *errors = json_array();
        ck_assert_int_eq(parse(doc, &r, errors), -1);
        char *dump = json_dumps(errors, JSON_COMPACT);
        ck_assert_msg(names(errors, BAD[i].field), "case %zu: want %s in %s", i, BAD[i].field,
                      dump);
        free(dump);
        json_decref(errors);
        free(doc);
    }
}
END_TEST

START_TEST(test_rates_and_caps_in_range)
{
    static const struct {
        const char *from, *to;
        bool ok;
        const char *field;
    } CASES[] = {
        {"\"mid_market_commission_rate_bp\": 1000", "\"mid_market_commission_rate_bp\": 0", true,
         ""},
        {"\"mid_market_commission_rate_bp\": 1000", "\"mid_market_commission_rate_bp\": 10000",
         true, ""},
        {"\"mid_market_commission_rate_bp\": 1000", "\"mid_market_commission_rate_bp\": 10001",
         false, "mid_market_commission_rate_bp"},
        {"\"finder_credit_rate_bp\": 2000", "\"finder_credit_rate_bp\": -1", false,
         "finder_credit_rate_bp"},
        {"\"finder_credit_rate_bp\": 2000", "\"finder_credit_rate_bp\": 2000.5", false,
         "finder_credit_rate_bp"},
        {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 0", true, ""},
        {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 999999999999.99", true, ""},
        {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 1000000000000", false,
         "finder_credit_cap"},
        {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": -0.01", false,
         "finder_credit_cap"},
        {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 0.001", false,
         "finder_credit_cap"},
        {"\"pricing_floor_acv\": 50000.00", "\"pricing_floor_acv\": null", false,
         "pricing_floor_acv"},
        {"\"acv_min\": 50000.00", "\"acv_min\": \"50000\"", false, "handoff.acv_min"},
        {"\"employee_count_min\": 51", "\"employee_count_min\": 10000001", false,
         "handoff.employee_count_min"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        char *doc = edited(CASES[i].from, CASES[i].to);
        struct lr_rules r;
        json_t *errors = json_array();
        int rc = parse(doc, &r, errors);
        if (CASES[i].ok) {
            ck_assert_msg(rc == 0, "case %zu should be accepted", i);
            lr_rules_free(&r);
        } else {
            ck_assert_msg(rc == -1, "case %zu should be refused", i);
            ck_assert_msg(names(errors, CASES[i].field), "case %zu: %s", i, CASES[i].field);
            ck_assert_uint_eq(json_array_size(errors), 1);
        }
        json_decref(errors);
        free(doc);
    }
}
END_TEST

START_TEST(test_free_mail_list_of_domains)
{
    /* 1000 domains are accepted, 1001 are not; a non-array is not. */
    char *big = malloc(1001 * 24 + 64);
    ck_assert_ptr_nonnull(big);
    for (int n = 1000; n <= 1001; n++) {
        strcpy(big, "[");
        for (int i = 0; i < n; i++)
            sprintf(big + strlen(big), "%s\"d%d.example\"", i ? "," : "", i);
        strcat(big, "]");
        char *doc = edited("[\"gmail.com\", \"yahoo.com\"]", big);
        struct lr_rules r;
        json_t *errors = json_array();
        int rc = parse(doc, &r, errors);
        if (n == 1000) {
            ck_assert_int_eq(rc, 0);
            ck_assert_uint_eq(r.freemail_count, 1000);
            ck_assert(lr_rules_is_freemail(&r, "d999.example"));
            lr_rules_free(&r);
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert(names(errors, "free_mail_domains"));
        }
        json_decref(errors);
        free(doc);
    }
    free(big);
    static const char *const BAD[] = {"\"GMAIL.com\"", "\"gmail\"",          "\"gmail.com.\"",
                                      "\"a b.com\"",   "\"user@gmail.com\"", "{}"};
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        char list[64];
        snprintf(list, sizeof list, "[\"gmail.com\", %s]", BAD[i]);
        char *doc = edited("[\"gmail.com\", \"yahoo.com\"]", list);
        struct lr_rules r;
        json_t *errors = json_array();
        ck_assert_int_eq(parse(doc, &r, errors), -1);
        ck_assert_msg(names(errors, "free_mail_domains[1]"), "%s", BAD[i]);
        json_decref(errors);
        free(doc);
    }
    char *doc = edited("[\"gmail.com\", \"yahoo.com\"]", "\"gmail.com\"");
    struct lr_rules r;
    json_t *errors = json_array();
    ck_assert_int_eq(parse(doc, &r, errors), -1);
    ck_assert(names(errors, "free_mail_domains"));
    json_decref(errors);
    free(doc);
}
END_TEST

/* The simulate body nests the document: its amounts are read from their literals at
 * the re-rooted pointers, exactly, and refused with the same rules. */
static int parse_nested(const char *body, struct lr_rules *r, json_t *errors)
{
    json_error_t jerr;
    json_t *doc = lr_json_parse(body, strlen(body), &jerr);
    ck_assert_ptr_nonnull(doc);
    json_t *lits = lr_json_number_literals(body, strlen(body));
    ck_assert_ptr_nonnull(lits);
    json_t *sub = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(lits, key, v)
    {
        if (strncmp(key, "/rules/", 7) == 0)
            json_object_set(sub, key + 6, v);
    }
    int rc = lr_rules_from_json(json_object_get(doc, "rules"), sub, r, errors);
    json_decref(sub);
    json_decref(lits);
    json_decref(doc);
    return rc;
}

START_TEST(test_nested_document_exact_amounts)
{
    char *inner = edited("\"pricing_floor_acv\": 50000.00", "\"pricing_floor_acv\": 12345.67");
    size_t n = strlen(inner) + 128;
    char *body = malloc(n);
    ck_assert_ptr_nonnull(body);
    snprintf(body, n, "{\"since\": \"2026-01-01T00:00:00Z\", \"rules\": %s}", inner);
    struct lr_rules r;
    json_t *errors = json_array();
    ck_assert_int_eq(parse_nested(body, &r, errors), 0);
    ck_assert_int_eq(r.floor_acv_cents, 1234567);
    ck_assert_int_eq(r.bands[LR_SIG_ACV].strategic_min, 50000000);
    ck_assert_int_eq(r.finder_credit_cap_cents, 500000);
    lr_rules_free(&r);
    free(inner);

    inner = edited("\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 0.1");
    snprintf(body, n, "{\"rules\": %s}", inner);
    ck_assert_int_eq(parse_nested(body, &r, errors), 0);
    ck_assert_int_eq(r.finder_credit_cap_cents, 10); /* 0.1 is not read through a double */
    lr_rules_free(&r);
    free(inner);

    inner = edited("\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 0.105");
    snprintf(body, n, "{\"rules\": %s}", inner);
    ck_assert_int_eq(parse_nested(body, &r, errors), -1);
    ck_assert(names(errors, "finder_credit_cap"));
    free(inner);
    free(body);
    json_decref(errors);

    errors = json_array();
    ck_assert_int_eq(lr_rules_from_json(NULL, NULL, &r, errors), -1);
    ck_assert(names(errors, ""));
    json_decref(errors);
}
END_TEST

/* What PUT stores is the canonical form; reading it back gives the same rules and
 * writing those again gives the same text. */
START_TEST(test_canonical_form_is_stable)
{
    char *doc = edited("\"acv_min\": 50000.00", "\"acv_min\": 5e4");
    struct lr_rules a, b;
    json_t *errors = json_array();
    ck_assert_int_eq(parse(doc, &a, errors), 0);
    json_t *ja = lr_rules_to_json(&a);
    char *ta = lr_json_dumps(ja);
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(strstr(ta, "\"acv_min\":50000.00"));
    ck_assert_int_eq(parse(ta, &b, errors), 0);
    json_t *jb = lr_rules_to_json(&b);
    char *tb = lr_json_dumps(jb);
    ck_assert_str_eq(ta, tb);
    ck_assert_int_eq(a.handoff_acv_cents, b.handoff_acv_cents);
    ck_assert_uint_eq(b.freemail_count, 2);
    ck_assert_uint_eq(json_array_size(errors), 0);
    free(ta);
    free(tb);
    json_decref(ja);
    json_decref(jb);
    lr_rules_free(&a);
    lr_rules_free(&b);
    json_decref(errors);
    free(doc);
}
END_TEST

Suite *rules_validator_suite(void)
{
    Suite *s = suite_create("rules_validator");
    TCase *tc = tcase_create("validator");
    tcase_add_test(tc, test_accepted_bands_partition_every_value);
    tcase_add_test(tc, test_bands_must_be_ordered);
    tcase_add_test(tc, test_rates_and_caps_in_range);
    tcase_add_test(tc, test_free_mail_list_of_domains);
    tcase_add_test(tc, test_nested_document_exact_amounts);
    tcase_add_test(tc, test_canonical_form_is_stable);
    suite_add_tcase(s, tc);
    return s;
}
