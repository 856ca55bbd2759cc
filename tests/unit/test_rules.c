/* routing/rules.c: the versioned rules document (SPEC 2.10). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routing/rules.h"
#include "util/json.h"
#include "suites.h"

/* The version-1 document exactly as migrations/0001_core.sql inserts it. */
static const char V1_DOCUMENT[] =
    "{\n"
    "  \"bands\": {\n"
    "    \"employee_count\": {\"mid_market_min\": 51, \"strategic_min\": 1001},\n"
    "    \"expected_acv\": {\"mid_market_min\": 50000.00, \"strategic_min\": 500000.00},\n"
    "    \"fit_score\": {\"mid_market_min\": 40, \"strategic_min\": 80}\n"
    "  },\n"
    "  \"free_mail_domains\": [\"gmail.com\", \"yahoo.com\", \"outlook.com\", \"hotmail.com\",\n"
    "                        \"icloud.com\", \"aol.com\", \"proton.me\", \"gmx.com\"],\n"
    "  \"handoff\": {\"acv_min\": 50000.00, \"employee_count_min\": 51},\n"
    "  \"pricing_floor_acv\": 50000.00,\n"
    "  \"mid_market_commission_rate_bp\": 1000,\n"
    "  \"finder_credit_rate_bp\": 2000,\n"
    "  \"finder_credit_cap\": 5000.00,\n"
    "  \"no_poaching\": true\n"
    "}";

static const char *const DEFAULT_FREEMAIL[] = {"gmail.com",   "yahoo.com",  "outlook.com",
                                               "hotmail.com", "icloud.com", "aol.com",
                                               "proton.me",   "gmx.com"};

/* Everything but the version. */
static void assert_rules_equal(const struct lr_rules *a, const struct lr_rules *b)
{
    for (int k = 0; k < LR_SIGNAL_COUNT; k++) {
        ck_assert_int_eq(a->bands[k].mid_market_min, b->bands[k].mid_market_min);
        ck_assert_int_eq(a->bands[k].strategic_min, b->bands[k].strategic_min);
    }
    ck_assert_uint_eq(a->freemail_count, b->freemail_count);
    for (size_t i = 0; i < a->freemail_count; i++)
        ck_assert_str_eq(a->freemail[i], b->freemail[i]);
    ck_assert_int_eq(a->handoff_acv_cents, b->handoff_acv_cents);
    ck_assert_int_eq(a->handoff_employees, b->handoff_employees);
    ck_assert_int_eq(a->floor_acv_cents, b->floor_acv_cents);
    ck_assert_int_eq(a->mm_commission_bp, b->mm_commission_bp);
    ck_assert_int_eq(a->finder_credit_bp, b->finder_credit_bp);
    ck_assert_int_eq(a->finder_credit_cap_cents, b->finder_credit_cap_cents);
    ck_assert_int_eq(a->no_poaching, b->no_poaching);
}

START_TEST(test_defaults)
{
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_defaults(&r), 0);
    ck_assert_int_eq(r.version, 1);
    ck_assert_int_eq(r.bands[LR_SIG_EMPLOYEES].mid_market_min, 51);
    ck_assert_int_eq(r.bands[LR_SIG_EMPLOYEES].strategic_min, 1001);
    ck_assert_int_eq(r.bands[LR_SIG_ACV].mid_market_min, 5000000);
    ck_assert_int_eq(r.bands[LR_SIG_ACV].strategic_min, 50000000);
    ck_assert_int_eq(r.bands[LR_SIG_FIT].mid_market_min, 40);
    ck_assert_int_eq(r.bands[LR_SIG_FIT].strategic_min, 80);
    ck_assert_uint_eq(r.freemail_count, 8);
    for (size_t i = 0; i < 8; i++)
        ck_assert_str_eq(r.freemail[i], DEFAULT_FREEMAIL[i]);
    ck_assert_int_eq(r.handoff_acv_cents, 5000000);
    ck_assert_int_eq(r.handoff_employees, 51);
    ck_assert_int_eq(r.floor_acv_cents, 5000000);
    ck_assert_int_eq(r.mm_commission_bp, 1000);
    ck_assert_int_eq(r.finder_credit_bp, 2000);
    ck_assert_int_eq(r.finder_credit_cap_cents, 500000);
    ck_assert(r.no_poaching);
    lr_rules_free(&r);
    ck_assert_ptr_null(r.freemail);
    ck_assert_uint_eq(r.freemail_count, 0);
}
END_TEST

START_TEST(test_parse_v1_equals_defaults)
{
    struct lr_rules def, parsed;
    json_t *errors = json_array();
    ck_assert_int_eq(lr_rules_defaults(&def), 0);
    ck_assert_int_eq(lr_rules_parse(V1_DOCUMENT, strlen(V1_DOCUMENT), &parsed, errors), 0);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_int_eq(parsed.version, 0);
    assert_rules_equal(&parsed, &def);
    lr_rules_free(&parsed);
    lr_rules_free(&def);
    json_decref(errors);
}
END_TEST

START_TEST(test_copy)
{
    struct lr_rules def, copy;
    ck_assert_int_eq(lr_rules_defaults(&def), 0);
    ck_assert_int_eq(lr_rules_copy(&copy, &def), 0);
    ck_assert_ptr_ne(copy.freemail, def.freemail);
    ck_assert_ptr_ne(copy.freemail[0], def.freemail[0]);
    ck_assert_int_eq(copy.version, 1);
    assert_rules_equal(&copy, &def);
    lr_rules_free(&def);
    lr_rules_free(&copy);
}
END_TEST

/* --- invalid documents ------------------------------------------------------------ */

/* V1_DOCUMENT with one textual replacement (which must occur). */
static char *edited(const char *from, const char *to)
{
    const char *at = strstr(V1_DOCUMENT, from);
    ck_assert_msg(at != NULL, "'%s' not in the document", from);
    size_t n = strlen(V1_DOCUMENT) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    ck_assert_ptr_nonnull(out);
    size_t head = (size_t)(at - V1_DOCUMENT);
    memcpy(out, V1_DOCUMENT, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static bool has_field(const json_t *errors, const char *field)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(e, "message")));
        if (strcmp(f, field) == 0)
            return true;
    }
    return false;
}

static const struct {
    const char *from, *to, *field;
} BAD[] = {
    /* bands out of order: strategic_min must be above mid_market_min */
    {"\"mid_market_min\": 51, \"strategic_min\": 1001",
     "\"mid_market_min\": 51, \"strategic_min\": 51", "bands.employee_count.strategic_min"},
    {"\"mid_market_min\": 51, \"strategic_min\": 1001",
     "\"mid_market_min\": 1001, \"strategic_min\": 51", "bands.employee_count.strategic_min"},
    {"\"strategic_min\": 500000.00", "\"strategic_min\": 50000.00",
     "bands.expected_acv.strategic_min"},
    {"\"strategic_min\": 500000.00", "\"strategic_min\": 49999.99",
     "bands.expected_acv.strategic_min"},
    {"\"mid_market_min\": 40, \"strategic_min\": 80",
     "\"mid_market_min\": 80, \"strategic_min\": 80", "bands.fit_score.strategic_min"},
    /* negative and zero */
    {"\"mid_market_min\": 51,", "\"mid_market_min\": 0,", "bands.employee_count.mid_market_min"},
    {"\"mid_market_min\": 51,", "\"mid_market_min\": -5,", "bands.employee_count.mid_market_min"},
    {"\"mid_market_min\": 40,", "\"mid_market_min\": 0,", "bands.fit_score.mid_market_min"},
    {"\"mid_market_min\": 40,", "\"mid_market_min\": -1,", "bands.fit_score.mid_market_min"},
    {"\"mid_market_min\": 50000.00,", "\"mid_market_min\": 0,",
     "bands.expected_acv.mid_market_min"},
    {"\"mid_market_min\": 50000.00,", "\"mid_market_min\": 0.00,",
     "bands.expected_acv.mid_market_min"},
    {"\"mid_market_min\": 50000.00,", "\"mid_market_min\": -50000.00,",
     "bands.expected_acv.mid_market_min"},
    {"\"employee_count_min\": 51", "\"employee_count_min\": 0", "handoff.employee_count_min"},
    {"\"acv_min\": 50000.00", "\"acv_min\": -1", "handoff.acv_min"},
    {"\"pricing_floor_acv\": 50000.00", "\"pricing_floor_acv\": -0.01", "pricing_floor_acv"},
    /* above the signal's range */
    {"\"strategic_min\": 80", "\"strategic_min\": 101", "bands.fit_score.strategic_min"},
    {"\"strategic_min\": 1001", "\"strategic_min\": 10000001",
     "bands.employee_count.strategic_min"},
    {"\"strategic_min\": 500000.00", "\"strategic_min\": 1e12", "bands.expected_acv.strategic_min"},
    /* not integers */
    {"\"mid_market_min\": 51,", "\"mid_market_min\": 51.5,", "bands.employee_count.mid_market_min"},
    {"\"mid_market_min\": 51,", "\"mid_market_min\": \"51\",",
     "bands.employee_count.mid_market_min"},
    {"\"strategic_min\": 80", "\"strategic_min\": 8e1", "bands.fit_score.strategic_min"},
    {"\"employee_count_min\": 51", "\"employee_count_min\": null", "handoff.employee_count_min"},
    {"\"mid_market_commission_rate_bp\": 1000", "\"mid_market_commission_rate_bp\": 10.5",
     "mid_market_commission_rate_bp"},
    {"\"finder_credit_rate_bp\": 2000", "\"finder_credit_rate_bp\": true", "finder_credit_rate_bp"},
    /* money with three decimals, or not a number */
    {"\"pricing_floor_acv\": 50000.00", "\"pricing_floor_acv\": 50000.001", "pricing_floor_acv"},
    {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": 1.234", "finder_credit_cap"},
    {"\"acv_min\": 50000.00", "\"acv_min\": 50000.005", "handoff.acv_min"},
    {"\"mid_market_min\": 50000.00,", "\"mid_market_min\": 50000.125,",
     "bands.expected_acv.mid_market_min"},
    {"\"finder_credit_cap\": 5000.00", "\"finder_credit_cap\": \"5000\"", "finder_credit_cap"},
    /* rates outside 0..10000 */
    {"\"mid_market_commission_rate_bp\": 1000", "\"mid_market_commission_rate_bp\": 10001",
     "mid_market_commission_rate_bp"},
    {"\"mid_market_commission_rate_bp\": 1000", "\"mid_market_commission_rate_bp\": -1",
     "mid_market_commission_rate_bp"},
    {"\"finder_credit_rate_bp\": 2000", "\"finder_credit_rate_bp\": 10001",
     "finder_credit_rate_bp"},
    {"\"finder_credit_rate_bp\": 2000", "\"finder_credit_rate_bp\": -1", "finder_credit_rate_bp"},
    /* free-mail domains */
    {"\"gmail.com\",", "\"Gmail.com\",", "free_mail_domains[0]"},
    {"\"proton.me\",", "\"proton\",", "free_mail_domains[6]"},
    {"\"aol.com\",", "\"\",", "free_mail_domains[5]"},
    {"\"aol.com\",", "\"@aol.com\",", "free_mail_domains[5]"},
    {"\"aol.com\",", "\" aol.com\",", "free_mail_domains[5]"},
    {"\"gmx.com\"", "7", "free_mail_domains[7]"},
    {"\"yahoo.com\",", "null,", "free_mail_domains[1]"},
    /* no_poaching */
    {"\"no_poaching\": true", "\"no_poaching\": \"yes\"", "no_poaching"},
    {"\"no_poaching\": true", "\"no_poaching\": 1", "no_poaching"},
    {"\"no_poaching\": true", "\"no_poaching\": null", "no_poaching"},
    {",\n  \"no_poaching\": true", "", "no_poaching"},
    /* missing or wrongly typed sections */
    {"\"handoff\": {\"acv_min\": 50000.00, \"employee_count_min\": 51}", "\"handoff\": []",
     "handoff"},
    {"\"fit_score\": {\"mid_market_min\": 40, \"strategic_min\": 80}", "\"fit_score\": 40",
     "bands.fit_score"},
    {"\"mid_market_commission_rate_bp\": 1000,", "", "mid_market_commission_rate_bp"},
};
#define N_BAD (sizeof BAD / sizeof *BAD)

START_TEST(test_invalid_field_named)
{
    for (size_t i = 0; i < N_BAD; i++) {
        char *doc = edited(BAD[i].from, BAD[i].to);
        json_t *errors = json_array();
        struct lr_rules r;
        memset(&r, 0x5A, sizeof r); /* must stay untouched on failure */
        struct lr_rules before = r;
        ck_assert_int_eq(lr_rules_parse(doc, strlen(doc), &r, errors), -1);
        char *dump = json_dumps(errors, JSON_COMPACT);
        ck_assert_msg(has_field(errors, BAD[i].field), "want %s in %s", BAD[i].field, dump);
        ck_assert_mem_eq(&r, &before, sizeof r);
        free(dump);
        json_decref(errors);
        free(doc);
    }
}
END_TEST

START_TEST(test_invalid_free_mail_list)
{
    const char *from = "[\"gmail.com\", \"yahoo.com\", \"outlook.com\", \"hotmail.com\",\n"
                       "                        \"icloud.com\", \"aol.com\", \"proton.me\", "
                       "\"gmx.com\"]";
    char *doc = edited(from, "\"gmail.com\"");
    json_t *errors = json_array();
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_parse(doc, strlen(doc), &r, errors), -1);
    ck_assert(has_field(errors, "free_mail_domains"));
    json_decref(errors);
    free(doc);
}
END_TEST

START_TEST(test_every_error_listed)
{
    const char *doc = "{\"bands\": {\"employee_count\": {\"mid_market_min\": 10, "
                      "\"strategic_min\": 5}, \"expected_acv\": {\"mid_market_min\": 1.001, "
                      "\"strategic_min\": 2}, \"fit_score\": {\"mid_market_min\": 40, "
                      "\"strategic_min\": 80}}, \"free_mail_domains\": [\"ok.com\", \"BAD\"], "
                      "\"handoff\": {\"acv_min\": 1, \"employee_count_min\": 51}, "
                      "\"pricing_floor_acv\": 1, \"mid_market_commission_rate_bp\": 20000, "
                      "\"finder_credit_rate_bp\": 0, \"finder_credit_cap\": 0, "
                      "\"no_poaching\": 0}";
    json_t *errors = json_array();
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_parse(doc, strlen(doc), &r, errors), -1);
    ck_assert(has_field(errors, "bands.employee_count.strategic_min"));
    ck_assert(has_field(errors, "bands.expected_acv.mid_market_min"));
    ck_assert(has_field(errors, "free_mail_domains[1]"));
    ck_assert(has_field(errors, "mid_market_commission_rate_bp"));
    ck_assert(has_field(errors, "no_poaching"));
    ck_assert_uint_eq(json_array_size(errors), 5);
    json_decref(errors);
}
END_TEST

START_TEST(test_not_an_object)
{
    static const char *const docs[] = {"", "not json", "[]", "42", "null", "{\"a\":1,\"a\":2}"};
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_t *errors = json_array();
        struct lr_rules r;
        ck_assert_int_eq(lr_rules_parse(docs[i], strlen(docs[i]), &r, errors), -1);
        ck_assert_msg(has_field(errors, ""), "document %zu", i);
        json_decref(errors);
    }
    /* An empty object names every missing part. */
    json_t *errors = json_array();
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_parse("{}", 2, &r, errors), -1);
    ck_assert(has_field(errors, "bands"));
    ck_assert(has_field(errors, "free_mail_domains"));
    ck_assert(has_field(errors, "handoff"));
    ck_assert(has_field(errors, "pricing_floor_acv"));
    ck_assert(has_field(errors, "no_poaching"));
    json_decref(errors);
}
END_TEST

/* A key the parser does not read is refused at every level, named exactly, and only
 * it: the document is otherwise valid (SPEC 3.3: pricing_flor_acv must not pass). */
static const struct {
    const char *from, *to, *field;
} UNKNOWN[] = {
    {"\"pricing_floor_acv\": 50000.00", "\"pricing_floor_acv\": 50000.00, \"pricing_flor_acv\": 1",
     "pricing_flor_acv"},
    {"\"no_poaching\": true", "\"no_poaching\": true, \"comment\": \"hello\"", "comment"},
    {"\"bands\": {", "\"bands\": {\"employee_cnt\": {}, ", "bands.employee_cnt"},
    {"{\"mid_market_min\": 51,", "{\"mid_market_min\": 51, \"smb_max\": 50,",
     "bands.employee_count.smb_max"},
    {"{\"mid_market_min\": 40,", "{\"mid_market_min\": 40, \"strategic_mni\": 3,",
     "bands.fit_score.strategic_mni"},
    {"\"employee_count_min\": 51}", "\"employee_count_min\": 51, \"acv_minimum\": 1}",
     "handoff.acv_minimum"},
};

START_TEST(test_unknown_keys_refused)
{
    for (size_t i = 0; i < sizeof UNKNOWN / sizeof *UNKNOWN; i++) {
        char *doc = edited(UNKNOWN[i].from, UNKNOWN[i].to);
        json_t *errors = json_array();
        struct lr_rules r;
        ck_assert_int_eq(lr_rules_parse(doc, strlen(doc), &r, errors), -1);
        char *dump = json_dumps(errors, JSON_COMPACT);
        ck_assert_msg(json_array_size(errors) == 1 && has_field(errors, UNKNOWN[i].field),
                      "want only %s in %s", UNKNOWN[i].field, dump);
        ck_assert_ptr_nonnull(strstr(dump, "unknown key"));
        free(dump);
        json_decref(errors);
        free(doc);
    }
}
END_TEST

/* Limits that are allowed. */
START_TEST(test_valid_edges)
{
    const char *doc =
        "{\"bands\": {\"employee_count\": {\"mid_market_min\": 1, \"strategic_min\": 2}, "
        "\"expected_acv\": {\"mid_market_min\": 0.01, \"strategic_min\": 999999999999.99}, "
        "\"fit_score\": {\"mid_market_min\": 99, \"strategic_min\": 100}}, "
        "\"free_mail_domains\": [\"mail.example.org\", \"mail.example.org\"], "
        "\"handoff\": {\"acv_min\": 0, \"employee_count_min\": 10000000}, "
        "\"pricing_floor_acv\": 5e4, \"mid_market_commission_rate_bp\": 0, "
        "\"finder_credit_rate_bp\": 10000, \"finder_credit_cap\": 12.5, "
        "\"no_poaching\": false}";
    json_t *errors = json_array();
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_parse(doc, strlen(doc), &r, errors), 0);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_int_eq(r.bands[LR_SIG_EMPLOYEES].mid_market_min, 1);
    ck_assert_int_eq(r.bands[LR_SIG_EMPLOYEES].strategic_min, 2);
    ck_assert_int_eq(r.bands[LR_SIG_ACV].mid_market_min, 1);
    ck_assert_int_eq(r.bands[LR_SIG_ACV].strategic_min, 99999999999999);
    ck_assert_int_eq(r.bands[LR_SIG_FIT].mid_market_min, 99);
    ck_assert_int_eq(r.bands[LR_SIG_FIT].strategic_min, 100);
    ck_assert_uint_eq(r.freemail_count, 1); /* duplicates kept once */
    ck_assert_str_eq(r.freemail[0], "mail.example.org");
    ck_assert_int_eq(r.handoff_acv_cents, 0);
    ck_assert_int_eq(r.handoff_employees, 10000000);
    ck_assert_int_eq(r.floor_acv_cents, 5000000);
    ck_assert_int_eq(r.mm_commission_bp, 0);
    ck_assert_int_eq(r.finder_credit_bp, 10000);
    ck_assert_int_eq(r.finder_credit_cap_cents, 1250);
    ck_assert(!r.no_poaching);
    lr_rules_free(&r);
    json_decref(errors);
}
END_TEST

/* --- serialisation ---------------------------------------------------------------- */

static void assert_round_trip(const struct lr_rules *r)
{
    json_t *doc = lr_rules_to_json(r);
    ck_assert_ptr_nonnull(doc);
    char *text = lr_json_dumps(doc);
    ck_assert_ptr_nonnull(text);
    json_t *errors = json_array();
    struct lr_rules back;
    ck_assert_msg(lr_rules_parse(text, strlen(text), &back, errors) == 0, "%s", text);
    assert_rules_equal(&back, r);
    lr_rules_free(&back);
    json_decref(errors);
    free(text);
    json_decref(doc);
}

START_TEST(test_to_json_round_trip)
{
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_defaults(&r), 0);
    assert_round_trip(&r);

    /* The money is written as exact decimals, never through a double. */
    json_t *doc = lr_rules_to_json(&r);
    char *text = lr_json_dumps(doc);
    ck_assert_ptr_nonnull(strstr(text, "\"expected_acv\":{\"mid_market_min\":50000.00,"
                                       "\"strategic_min\":500000.00}"));
    ck_assert_ptr_nonnull(strstr(text, "\"finder_credit_cap\":5000.00"));
    ck_assert_ptr_nonnull(strstr(text, "\"no_poaching\":true"));
    ck_assert_ptr_null(strstr(text, "version"));
    free(text);
    json_decref(doc);
    lr_rules_free(&r);

    const char *odd = "{\"bands\": {\"employee_count\": {\"mid_market_min\": 7, "
                      "\"strategic_min\": 9999999}, \"expected_acv\": {\"mid_market_min\": "
                      "12345.67, \"strategic_min\": 999999999999.99}, \"fit_score\": "
                      "{\"mid_market_min\": 1, \"strategic_min\": 2}}, \"free_mail_domains\": "
                      "[], \"handoff\": {\"acv_min\": 0.01, \"employee_count_min\": 3}, "
                      "\"pricing_floor_acv\": 0.1, \"mid_market_commission_rate_bp\": 1, "
                      "\"finder_credit_rate_bp\": 9999, \"finder_credit_cap\": 0, "
                      "\"no_poaching\": false}";
    json_t *errors = json_array();
    ck_assert_int_eq(lr_rules_parse(odd, strlen(odd), &r, errors), 0);
    ck_assert_uint_eq(r.freemail_count, 0);
    ck_assert_int_eq(r.bands[LR_SIG_ACV].mid_market_min, 1234567);
    ck_assert_int_eq(r.floor_acv_cents, 10);
    assert_round_trip(&r);
    lr_rules_free(&r);
    json_decref(errors);
}
END_TEST

START_TEST(test_is_freemail)
{
    struct lr_rules r;
    ck_assert_int_eq(lr_rules_defaults(&r), 0);
    for (size_t i = 0; i < 8; i++)
        ck_assert(lr_rules_is_freemail(&r, DEFAULT_FREEMAIL[i]));
    ck_assert(!lr_rules_is_freemail(&r, "acme.io"));
    ck_assert(!lr_rules_is_freemail(&r, "gmail.co"));
    ck_assert(!lr_rules_is_freemail(&r, "mail.gmail.com"));
    ck_assert(!lr_rules_is_freemail(&r, ""));
    lr_rules_free(&r);

    /* A configured list replaces the default one. */
    const char *doc = "{\"bands\": {\"employee_count\": {\"mid_market_min\": 51, "
                      "\"strategic_min\": 1001}, \"expected_acv\": {\"mid_market_min\": 50000, "
                      "\"strategic_min\": 500000}, \"fit_score\": {\"mid_market_min\": 40, "
                      "\"strategic_min\": 80}}, \"free_mail_domains\": [\"web.de\", "
                      "\"mail.ru\"], \"handoff\": {\"acv_min\": 50000, \"employee_count_min\": "
                      "51}, \"pricing_floor_acv\": 50000, \"mid_market_commission_rate_bp\": "
                      "1000, \"finder_credit_rate_bp\": 2000, \"finder_credit_cap\": 5000, "
                      "\"no_poaching\": true}";
    json_t *errors = json_array();
    ck_assert_int_eq(lr_rules_parse(doc, strlen(doc), &r, errors), 0);
    ck_assert(lr_rules_is_freemail(&r, "web.de"));
    ck_assert(lr_rules_is_freemail(&r, "mail.ru"));
    ck_assert(!lr_rules_is_freemail(&r, "gmail.com"));
    ck_assert_int_eq(r.bands[LR_SIG_ACV].strategic_min, 50000000);
    lr_rules_free(&r);
    json_decref(errors);
}
END_TEST

Suite *rules_suite(void)
{
    Suite *s = suite_create("routing/rules");
    TCase *tc = tcase_create("defaults");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_parse_v1_equals_defaults);
    tcase_add_test(tc, test_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("invalid");
    tcase_add_test(tc, test_invalid_field_named);
    tcase_add_test(tc, test_invalid_free_mail_list);
    tcase_add_test(tc, test_every_error_listed);
    tcase_add_test(tc, test_not_an_object);
    tcase_add_test(tc, test_valid_edges);
    tcase_add_test(tc, test_unknown_keys_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("serialise");
    tcase_add_test(tc, test_to_json_round_trip);
    tcase_add_test(tc, test_is_freemail);
    suite_add_tcase(s, tc);
    return s;
}
