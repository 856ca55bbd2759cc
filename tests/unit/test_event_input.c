/* api/event_input.c: CRM event validation (SPEC 3.1 field rules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/event_input.h"
#include "suites.h"

#define TS "\"2026-11-23T10:15:00Z\""
#define T0_USEC ((int64_t)1795428900 * 1000000)

static struct lr_event EV;
static json_t *ERRORS;
static char DETAIL[256];

static void setup(void)
{
    memset(&EV, 0, sizeof EV);
    ERRORS = json_array();
    DETAIL[0] = '\0';
}

static void teardown(void)
{
    lr_event_free(&EV);
    json_decref(ERRORS);
}

static int parse(const char *body)
{
    lr_event_free(&EV);
    json_array_clear(ERRORS);
    DETAIL[0] = '\0';
    return lr_event_parse(body, strlen(body), &EV, ERRORS, DETAIL, sizeof DETAIL);
}

/* A body from its parts; a NULL part is left out. */
static int parse_parts(const char *type, const char *ts, const char *data)
{
    char body[4096];
    int n = snprintf(body, sizeof body, "{\"unknown\": [1, 2.5]");
    if (type != NULL)
        n += snprintf(body + n, sizeof body - (size_t)n, ", \"type\": %s", type);
    if (ts != NULL)
        n += snprintf(body + n, sizeof body - (size_t)n, ", \"timestamp\": %s", ts);
    if (data != NULL)
        n += snprintf(body + n, sizeof body - (size_t)n, ", \"data\": %s", data);
    ck_assert_int_lt(n, (int)sizeof body - 2);
    snprintf(body + n, sizeof body - (size_t)n, "}");
    return parse(body);
}

static int parse_lead(const char *data)
{
    return parse_parts("\"lead.created\"", TS, data);
}

static char *errors_text(void)
{
    return json_dumps(ERRORS, JSON_COMPACT);
}

/* 422 and exactly one error, on field. */
static void assert_only_error(int rc, const char *field)
{
    char *text = errors_text();
    ck_assert_msg(rc == 422, "rc %d, errors %s", rc, text);
    ck_assert_msg(json_array_size(ERRORS) == 1, "want one error on %s: %s", field, text);
    json_t *e = json_array_get(ERRORS, 0);
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), field);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(e, "message")));
    free(text);
}

static bool has_error(const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(ERRORS, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
            return true;
    }
    return false;
}

static void assert_ok(int rc)
{
    char *text = errors_text();
    ck_assert_msg(rc == 0, "rc %d, detail '%s', errors %s", rc, DETAIL, text);
    ck_assert_uint_eq(json_array_size(ERRORS), 0);
    free(text);
}

START_TEST(test_valid_lead)
{
    assert_ok(parse("{\"type\": \"lead.created\", \"timestamp\": \"2026-11-23T10:15:00Z\",\n"
                    " \"data\": {\"id\": \"00Q5e00000ABCDE\", \"email\": \"jane@acme.io\","
                    " \"domain\": \"Acme.io\", \"company\": \"Acme\", \"employee_count\": 120,"
                    " \"expected_acv\": 60000, \"fit_score\": 72, \"source\": \"webinar\"}}"));
    ck_assert_int_eq(EV.type, LR_EVENT_LEAD_CREATED);
    ck_assert_str_eq(EV.type_name, "lead.created");
    ck_assert_str_eq(EV.timestamp, "2026-11-23T10:15:00Z");
    ck_assert_int_eq(EV.ts_usec, T0_USEC);
    ck_assert_str_eq(EV.id, "00Q5e00000ABCDE");
    ck_assert(!EV.has_lead_id);
    ck_assert(EV.has_domain);
    ck_assert_str_eq(EV.domain, "acme.io");
    ck_assert(EV.employees.present);
    ck_assert_int_eq(EV.employees.v, 120);
    ck_assert(EV.acv_cents.present);
    ck_assert_int_eq(EV.acv_cents.v, 6000000);
    ck_assert(EV.fit.present);
    ck_assert_int_eq(EV.fit.v, 72);
    ck_assert(!EV.has_stage);
    /* The document is kept whole, unknown fields included. */
    ck_assert_ptr_nonnull(EV.doc);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(EV.doc, "data"), "source")),
                     "webinar");
}
END_TEST

START_TEST(test_valid_lead_minimal_and_edges)
{
    assert_ok(parse_lead("{\"id\": \"L\"}"));
    ck_assert_str_eq(EV.id, "L");
    ck_assert(!EV.has_domain);
    ck_assert_str_eq(EV.domain, "");
    ck_assert(!EV.employees.present);
    ck_assert(!EV.acv_cents.present);
    ck_assert(!EV.fit.present);

    assert_ok(parse_lead("{\"id\": \"L\", \"employee_count\": 0, \"fit_score\": 0,"
                         " \"expected_acv\": 0}"));
    ck_assert(EV.employees.present && EV.employees.v == 0);
    ck_assert(EV.fit.present && EV.fit.v == 0);
    ck_assert(EV.acv_cents.present && EV.acv_cents.v == 0);

    assert_ok(parse_lead("{\"id\": \"L\", \"employee_count\": 10000000, \"fit_score\": 100,"
                         " \"expected_acv\": 999999999999.99, \"email\": \"Jane@WWW.Acme.IO\"}"));
    ck_assert_int_eq(EV.employees.v, 10000000);
    ck_assert_int_eq(EV.fit.v, 100);
    ck_assert_int_eq(EV.acv_cents.v, 99999999999999);
    ck_assert_str_eq(EV.domain, "acme.io");

    assert_ok(parse_lead("{\"id\": \"L\", \"expected_acv\": 50000.25}"));
    ck_assert_int_eq(EV.acv_cents.v, 5000025);
    assert_ok(parse_lead("{\"id\": \"L\", \"expected_acv\": 5e4}"));
    ck_assert_int_eq(EV.acv_cents.v, 5000000);

    /* 128 printable characters is the longest id. */
    char data[300];
    char id[LR_ID_MAX + 1];
    memset(id, 'i', LR_ID_MAX);
    id[LR_ID_MAX] = '\0';
    id[5] = ' ';
    id[6] = '~';
    snprintf(data, sizeof data, "{\"id\": \"%s\"}", id);
    assert_ok(parse_lead(data));
    ck_assert_str_eq(EV.id, id);

    /* Offsets and fractions in the timestamp. */
    assert_ok(
        parse_parts("\"lead.created\"", "\"2026-11-23T12:15:00.250+02:00\"", "{\"id\": \"L\"}"));
    ck_assert_int_eq(EV.ts_usec, T0_USEC + 250000);
    ck_assert_str_eq(EV.timestamp, "2026-11-23T12:15:00.250+02:00");
    /* What the database gets: the same instant in UTC, not the sender's text. */
    ck_assert_str_eq(EV.ts_utc, "2026-11-23T10:15:00.250000Z");
}
END_TEST

START_TEST(test_malformed_json)
{
    static const char *const bodies[] = {
        "",
        "{",
        "not json",
        "{\"type\": \"lead.created\",}",
        "{\"a\": 1, \"a\": 2}",
        "{\"data\": {\"id\": \"a\\u0000b\"}}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        ck_assert_int_eq(parse(bodies[i]), 400);
        ck_assert_uint_eq(json_array_size(ERRORS), 0);
        ck_assert_msg(strncmp(DETAIL, "malformed JSON", 14) == 0, "detail '%s'", DETAIL);
        ck_assert_ptr_null(EV.doc);
    }
}
END_TEST

START_TEST(test_not_an_object)
{
    assert_only_error(parse("[1, 2]"), "");
    assert_only_error(parse("[]"), "");
}
END_TEST

START_TEST(test_type_rules)
{
    assert_only_error(parse_parts("\"lead.deleted\"", TS, "{\"id\": \"L\"}"), "type");
    assert_only_error(parse_parts("\"Lead.Created\"", TS, "{\"id\": \"L\"}"), "type");
    assert_only_error(parse_parts(NULL, TS, "{\"id\": \"L\"}"), "type");
    assert_only_error(parse_parts("null", TS, "{\"id\": \"L\"}"), "type");
    assert_only_error(parse_parts("1", TS, "{\"id\": \"L\"}"), "type");
}
END_TEST

START_TEST(test_timestamp_rules)
{
    const char *data = "{\"id\": \"L\"}";
    assert_only_error(parse_parts("\"lead.created\"", NULL, data), "timestamp");
    assert_only_error(parse_parts("\"lead.created\"", "null", data), "timestamp");
    assert_only_error(parse_parts("\"lead.created\"", "1763892900", data), "timestamp");
    assert_only_error(parse_parts("\"lead.created\"", "\"yesterday\"", data), "timestamp");
    assert_only_error(parse_parts("\"lead.created\"", "\"2026-11-23T10:15:00\"", data),
                      "timestamp");
    assert_only_error(parse_parts("\"lead.created\"", "\"2026-11-23\"", data), "timestamp");
    assert_only_error(parse_parts("\"lead.created\"", "\"2026-13-23T10:15:00Z\"", data),
                      "timestamp");
    assert_only_error(
        parse_parts("\"lead.created\"",
                    "\"2026-11-23T10:15:00.000000000000000000000000000000000000000000000Z\"", data),
        "timestamp"); /* longer than the 63 characters kept */
    /* What PostgreSQL's timestamptz refuses is the sender's fault, never a 500. */
    static const char *const REFUSED[] = {
        "\"0000-01-01T00:00:00Z\"",      "\"2026-02-29T00:00:00Z\"",
        "\"2026-01-01T00:00:00+16:00\"", "\"2026-01-01T00:00:00-16:00\"",
        "\"2026-01-01T24:00:00Z\"",      "\"2026-12-31T23:59:60.5Z\"",
        "\"9999-12-31T23:59:59-01:00\"", "\"0001-01-01T00:00:00+01:00\"",
    };
    for (size_t i = 0; i < sizeof REFUSED / sizeof *REFUSED; i++)
        assert_only_error(parse_parts("\"lead.created\"", REFUSED[i], data), "timestamp");
    static const struct {
        const char *sent, *utc;
    } EDGES[] = {
        {"\"0001-01-01T00:00:00Z\"", "0001-01-01T00:00:00.000000Z"},
        {"\"9999-12-31T23:59:59.999999Z\"", "9999-12-31T23:59:59.999999Z"},
        {"\"2028-02-29T12:00:00-15:59\"", "2028-03-01T03:59:00.000000Z"},
        {"\"2026-12-31T23:59:60Z\"", "2027-01-01T00:00:00.000000Z"},
    };
    for (size_t i = 0; i < sizeof EDGES / sizeof *EDGES; i++) {
        assert_ok(parse_parts("\"lead.created\"", EDGES[i].sent, data));
        ck_assert_str_eq(EV.ts_utc, EDGES[i].utc);
    }
}
END_TEST

/* The body is stored as jsonb: numbers PostgreSQL's numeric cannot hold are named, in
 * known and unknown fields alike; every other number, however odd, passes. */
START_TEST(test_numbers_postgresql_cannot_store)
{
    assert_only_error(parse_lead("{\"id\": \"L\", \"foo\": 1e-400000}"), "data.foo");
    assert_only_error(parse_lead("{\"id\": \"L\", \"x\": {\"y\": [0, 0e-16384]}}"), "data.x.y.1");
    assert_only_error(parse_lead("{\"id\": \"L\", \"big\": 0e1073741823}"), "data.big");
    assert_only_error(parse_parts("\"lead.created\"", TS, "{\"id\": \"L\"}, \"extra\": 1e-99999"),
                      "extra");
    /* expected_acv is refused as money first, and named once. */
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": 1e-400000}"),
                      "data.expected_acv");
    assert_ok(
        parse_lead("{\"id\": \"L\", \"tiny\": 1e-16383, \"huge\": 1e300, \"z\": 0.0e999999}"));
}
END_TEST

START_TEST(test_data_rules)
{
    assert_only_error(parse_parts("\"lead.created\"", TS, NULL), "data");
    assert_only_error(parse_parts("\"lead.created\"", TS, "null"), "data");
    assert_only_error(parse_parts("\"lead.created\"", TS, "\"x\""), "data");
    assert_only_error(parse_parts("\"lead.created\"", TS, "[]"), "data");
    assert_only_error(parse_parts("\"lead.created\"", TS, "7"), "data");
}
END_TEST

START_TEST(test_id_rules)
{
    assert_only_error(parse_lead("{}"), "data.id");
    assert_only_error(parse_lead("{\"id\": null}"), "data.id");
    assert_only_error(parse_lead("{\"id\": \"\"}"), "data.id");
    assert_only_error(parse_lead("{\"id\": 42}"), "data.id");
    assert_only_error(parse_lead("{\"id\": [\"L\"]}"), "data.id");
    assert_only_error(parse_lead("{\"id\": \"a\\u0001b\"}"), "data.id");
    assert_only_error(parse_lead("{\"id\": \"tab\\there\"}"), "data.id");
    assert_only_error(parse_lead("{\"id\": \"del\\u007f\"}"), "data.id");
    char data[300];
    char id[LR_ID_MAX + 2];
    memset(id, 'i', LR_ID_MAX + 1);
    id[LR_ID_MAX + 1] = '\0'; /* 129 characters */
    snprintf(data, sizeof data, "{\"id\": \"%s\"}", id);
    assert_only_error(parse_lead(data), "data.id");
}
END_TEST

START_TEST(test_employee_count_rules)
{
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": \"abc\"}"),
                      "data.employee_count");
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": \"120\"}"),
                      "data.employee_count");
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": -1}"), "data.employee_count");
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": 10000001}"),
                      "data.employee_count");
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": 12.5}"),
                      "data.employee_count");
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": 1e2}"),
                      "data.employee_count");
    assert_only_error(parse_lead("{\"id\": \"L\", \"employee_count\": true}"),
                      "data.employee_count");
}
END_TEST

START_TEST(test_fit_score_rules)
{
    assert_only_error(parse_lead("{\"id\": \"L\", \"fit_score\": 101}"), "data.fit_score");
    assert_only_error(parse_lead("{\"id\": \"L\", \"fit_score\": -1}"), "data.fit_score");
    assert_only_error(parse_lead("{\"id\": \"L\", \"fit_score\": 50.5}"), "data.fit_score");
    assert_only_error(parse_lead("{\"id\": \"L\", \"fit_score\": \"50\"}"), "data.fit_score");
}
END_TEST

START_TEST(test_expected_acv_rules)
{
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": 1.234}"), "data.expected_acv");
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": -5}"), "data.expected_acv");
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": -0.5}"), "data.expected_acv");
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": 1e12}"), "data.expected_acv");
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": 1000000000000}"),
                      "data.expected_acv");
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": \"60000\"}"),
                      "data.expected_acv");
    assert_only_error(parse_lead("{\"id\": \"L\", \"expected_acv\": {}}"), "data.expected_acv");
}
END_TEST

START_TEST(test_email_and_domain_rules)
{
    char data[700];
    char local[256];
    /* 254 characters in all is fine, 255 is not. */
    memset(local, 'j', sizeof local);
    local[254 - 8] = '\0';
    snprintf(data, sizeof data, "{\"id\": \"L\", \"email\": \"%s@acme.io\"}", local);
    assert_ok(parse_lead(data));
    ck_assert_str_eq(EV.domain, "acme.io");
    local[254 - 8] = 'j';
    local[255 - 8] = '\0';
    snprintf(data, sizeof data, "{\"id\": \"L\", \"email\": \"%s@acme.io\"}", local);
    assert_only_error(parse_lead(data), "data.email");

    char dom[256];
    memset(dom, 'd', sizeof dom);
    memcpy(dom + 255 - 4, ".com", 5); /* 255 characters */
    snprintf(data, sizeof data, "{\"id\": \"L\", \"domain\": \"%s\"}", dom);
    assert_only_error(parse_lead(data), "data.domain");

    assert_only_error(parse_lead("{\"id\": \"L\", \"email\": 5}"), "data.email");
    assert_only_error(parse_lead("{\"id\": \"L\", \"domain\": [\"acme.io\"]}"), "data.domain");
}
END_TEST

START_TEST(test_every_bad_field_named)
{
    int rc = parse_parts("\"nope\"", "\"later\"",
                         "{\"id\": \"\", \"employee_count\": -1, \"fit_score\": 101,"
                         " \"expected_acv\": 1.234, \"email\": 1}");
    ck_assert_int_eq(rc, 422);
    ck_assert(has_error("type"));
    ck_assert(has_error("timestamp"));
    ck_assert(has_error("data.id"));
    ck_assert(has_error("data.employee_count"));
    ck_assert(has_error("data.fit_score"));
    ck_assert(has_error("data.expected_acv"));
    ck_assert(has_error("data.email"));
    ck_assert_uint_eq(json_array_size(ERRORS), 7);
}
END_TEST

START_TEST(test_nulls_are_missing)
{
    assert_ok(parse_lead("{\"id\": \"L\", \"lead_id\": null, \"email\": null, \"domain\": null,"
                         " \"employee_count\": null, \"fit_score\": null, \"expected_acv\": null,"
                         " \"stage\": null, \"source\": null}"));
    ck_assert(!EV.has_lead_id);
    ck_assert(!EV.has_domain);
    ck_assert(!EV.employees.present);
    ck_assert(!EV.fit.present);
    ck_assert(!EV.acv_cents.present);

    /* A null domain falls back to the email. */
    assert_ok(parse_lead("{\"id\": \"L\", \"domain\": null, \"email\": \"x@Beta.com\"}"));
    ck_assert(EV.has_domain);
    ck_assert_str_eq(EV.domain, "beta.com");
}
END_TEST

START_TEST(test_opportunities)
{
    assert_ok(parse_parts("\"opportunity.created\"", TS,
                          "{\"id\": \"006A\", \"lead_id\": \"00Q5e00000ABCDE\", \"domain\": "
                          "\"www.acme.io\", \"acv\": 90000.50, \"employee_count\": 60, "
                          "\"stage\": \"negotiation\"}"));
    ck_assert_int_eq(EV.type, LR_EVENT_OPPORTUNITY_CREATED);
    ck_assert_str_eq(EV.type_name, "opportunity.created");
    ck_assert_str_eq(EV.id, "006A");
    ck_assert(EV.has_lead_id);
    ck_assert_str_eq(EV.lead_id, "00Q5e00000ABCDE");
    ck_assert_str_eq(EV.domain, "acme.io");
    ck_assert(EV.acv_cents.present);
    ck_assert_int_eq(EV.acv_cents.v, 9000050);
    ck_assert_int_eq(EV.employees.v, 60);
    ck_assert(EV.has_stage);
    ck_assert_str_eq(EV.stage, "negotiation");
    ck_assert(!EV.fit.present);

    /* Opportunities read acv, not the lead fields, which are ignored unchecked. */
    assert_ok(parse_parts("\"opportunity.updated\"", TS,
                          "{\"id\": \"006A\", \"expected_acv\": 1.234, \"fit_score\": 500,"
                          " \"stage\": \"closed_won\"}"));
    ck_assert_int_eq(EV.type, LR_EVENT_OPPORTUNITY_UPDATED);
    ck_assert(!EV.acv_cents.present);
    ck_assert(!EV.fit.present);
    ck_assert_str_eq(EV.stage, "closed_won");

    assert_only_error(
        parse_parts("\"opportunity.updated\"", TS, "{\"id\": \"006A\", \"acv\": 1.234}"),
        "data.acv");
    assert_only_error(parse_parts("\"opportunity.created\"", TS, "{\"id\": \"006A\", \"acv\": -1}"),
                      "data.acv");
    assert_only_error(
        parse_parts("\"opportunity.created\"", TS, "{\"id\": \"006A\", \"stage\": 3}"),
        "data.stage");
    assert_only_error(
        parse_parts("\"opportunity.created\"", TS, "{\"id\": \"006A\", \"lead_id\": \"\"}"),
        "data.lead_id");
    assert_only_error(parse_parts("\"opportunity.created\"", TS,
                                  "{\"id\": \"006A\", \"employee_count\": 10000001}"),
                      "data.employee_count");

    char data[400];
    char stage[LR_STAGE_MAX + 2];
    memset(stage, 's', LR_STAGE_MAX);
    stage[LR_STAGE_MAX] = '\0';
    snprintf(data, sizeof data, "{\"id\": \"006A\", \"stage\": \"%s\"}", stage);
    assert_ok(parse_parts("\"opportunity.updated\"", TS, data));
    ck_assert_str_eq(EV.stage, stage);
    stage[LR_STAGE_MAX] = 's';
    stage[LR_STAGE_MAX + 1] = '\0';
    snprintf(data, sizeof data, "{\"id\": \"006A\", \"stage\": \"%s\"}", stage);
    assert_only_error(parse_parts("\"opportunity.updated\"", TS, data), "data.stage");

    /* A lead ignores acv and stage. */
    assert_ok(parse_lead("{\"id\": \"L\", \"acv\": 1.234, \"stage\": 5}"));
    ck_assert(!EV.acv_cents.present);
    ck_assert(!EV.has_stage);
}
END_TEST

Suite *event_input_suite(void)
{
    Suite *s = suite_create("api/event_input");
    TCase *tc = tcase_create("event_input");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_valid_lead);
    tcase_add_test(tc, test_valid_lead_minimal_and_edges);
    tcase_add_test(tc, test_malformed_json);
    tcase_add_test(tc, test_not_an_object);
    tcase_add_test(tc, test_type_rules);
    tcase_add_test(tc, test_timestamp_rules);
    tcase_add_test(tc, test_numbers_postgresql_cannot_store);
    tcase_add_test(tc, test_data_rules);
    tcase_add_test(tc, test_id_rules);
    tcase_add_test(tc, test_employee_count_rules);
    tcase_add_test(tc, test_fit_score_rules);
    tcase_add_test(tc, test_expected_acv_rules);
    tcase_add_test(tc, test_email_and_domain_rules);
    tcase_add_test(tc, test_every_bad_field_named);
    tcase_add_test(tc, test_nulls_are_missing);
    tcase_add_test(tc, test_opportunities);
    suite_add_tcase(s, tc);
    return s;
}
