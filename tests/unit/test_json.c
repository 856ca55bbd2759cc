/* util/json.c: number literals by JSON pointer, money output, RFC 3339. */
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "suites.h"

static json_t *literals(const char *text)
{
    json_error_t err;
    json_t *doc = json_loadb(text, strlen(text), JSON_DECODE_ANY, &err);
    ck_assert_msg(doc != NULL, "test document must be valid JSON: %s", err.text);
    json_decref(doc);
    json_t *lits = lr_json_number_literals(text, strlen(text));
    ck_assert_ptr_nonnull(lits);
    return lits;
}

static void assert_literal(const json_t *lits, const char *pointer, const char *want)
{
    const char *got = json_string_value(json_object_get(lits, pointer));
    ck_assert_msg(got != NULL, "no literal at '%s'", pointer);
    ck_assert_str_eq(got, want);
}

START_TEST(test_literals_nested)
{
    json_t *l = literals("{\"a\": {\"b\": [1, 2.5, {\"c\": 3e2, \"d\": -0.75}], \"e\": 7},"
                         " \"f\": 1.50, \"g\": [[1.25E-1]], \"h\": 42, \"i\": -3,"
                         " \"s\": \"1.5 in a string\", \"t\": true, \"n\": null}");
    assert_literal(l, "/a/b/1", "2.5");
    assert_literal(l, "/a/b/2/c", "3e2");
    assert_literal(l, "/a/b/2/d", "-0.75");
    assert_literal(l, "/f", "1.50");
    assert_literal(l, "/g/0/0", "1.25E-1");
    ck_assert_uint_eq(json_object_size(l), 5); /* plain integers and strings are not kept */
    json_decref(l);

    l = literals("[0.5, {\"x\": [null, false, \"]\", 9.99]}]");
    assert_literal(l, "/0", "0.5");
    assert_literal(l, "/1/x/3", "9.99");
    ck_assert_uint_eq(json_object_size(l), 2);
    json_decref(l);

    l = literals("  12.75 ");
    assert_literal(l, "", "12.75");
    json_decref(l);

    l = literals("{\"a\": 1, \"b\": [1, 2], \"c\": {}}");
    ck_assert_uint_eq(json_object_size(l), 0);
    json_decref(l);
}
END_TEST

START_TEST(test_literals_escaped_keys)
{
    /* RFC 6901: '~' is written ~0 and '/' is written ~1 in a pointer. */
    json_t *l = literals("{\"a/b\": 1.5, \"m~n\": 2.5, \"~/\": {\"x\": 3.5},"
                         " \"q\\\"r\": 4.5, \"s\\/t\": 5.5, \"\\u007e\": 6.5, \"\": 7.5,"
                         " \"caf\\u00e9\": 8.5, \"tab\\tkey\": 9.5, \"back\\\\slash\": 10.5,"
                         " \"\\ud83d\\ude00\": 11.5}");
    assert_literal(l, "/a~1b", "1.5");
    assert_literal(l, "/m~0n", "2.5");
    assert_literal(l, "/~0~1/x", "3.5");
    assert_literal(l, "/q\"r", "4.5");
    assert_literal(l, "/s~1t", "5.5");
    assert_literal(l, "/~0", "6.5");
    assert_literal(l, "/", "7.5");
    assert_literal(l, "/caf\xc3\xa9", "8.5");
    assert_literal(l, "/tab\tkey", "9.5");
    assert_literal(l, "/back\\slash", "10.5");
    assert_literal(l, "/\xf0\x9f\x98\x80", "11.5");
    json_decref(l);
}
END_TEST

START_TEST(test_literals_strings_do_not_confuse)
{
    json_t *l = literals("{\"s\": \"a \\\"quoted\\\" 1.5, {\\\"k\\\": 2.5}\","
                         " \"u\": \"\\u0031.5\", \"v\": 3.25, \"w\": \"\\\\\", \"x\": 4.75}");
    assert_literal(l, "/v", "3.25");
    assert_literal(l, "/x", "4.75");
    ck_assert_uint_eq(json_object_size(l), 2);
    json_decref(l);
}
END_TEST

START_TEST(test_literals_duplicate_keys)
{
    /* Later duplicates win, as in jansson's default parsing. */
    json_t *l = literals("{\"a\": 1.5, \"a\": 2.25, \"b\": {\"c\": 0.1}, \"b\": {\"c\": 0.2}}");
    assert_literal(l, "/a", "2.25");
    assert_literal(l, "/b/c", "0.2");
    json_decref(l);

    /* lr_json_parse itself refuses duplicate keys. */
    json_error_t err;
    const char *dup = "{\"a\": 1, \"a\": 2}";
    ck_assert_ptr_null(lr_json_parse(dup, strlen(dup), &err));
    const char *ok = "{\"a\": 1, \"b\": {\"a\": 2}}";
    json_t *doc = lr_json_parse(ok, strlen(ok), &err);
    ck_assert_ptr_nonnull(doc);
    json_decref(doc);
    ck_assert_ptr_null(lr_json_parse("{\"a\":", 5, &err));
}
END_TEST

START_TEST(test_dumps_money)
{
    json_t *v = json_pack("[o, o, o, o, o, s, s, s, s, i]", lr_json_money(123456), lr_json_money(0),
                          lr_json_money(5), lr_json_money(99999999999999),
                          lr_json_opt_money(false, 1), "$5", "a$b\"$", "\\u0000$12", "$", 7);
    ck_assert_ptr_nonnull(v);
    char *s = lr_json_dumps(v);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "[1234.56,0.00,0.05,999999999999.99,null,\"$5\",\"a$b\\\"$\","
                        "\"\\\\u0000$12\",\"$\",7]");
    free(s);
    json_decref(v);

    v = json_pack("{s:o}", "acv", lr_json_opt_money(true, 6000000));
    s = lr_json_dumps(v);
    ck_assert_str_eq(s, "{\"acv\":60000.00}");
    free(s);
    json_decref(v);

    /* A bare money value and a bare string. */
    v = lr_json_money(-250);
    s = lr_json_dumps(v);
    ck_assert_str_eq(s, "-2.50");
    free(s);
    json_decref(v);
    v = json_string("$1.00");
    s = lr_json_dumps(v);
    ck_assert_str_eq(s, "\"$1.00\"");
    free(s);
    json_decref(v);

    /* A money key name stays a string; only values are markers. */
    v = json_pack("{s:s}", "$", "$");
    s = lr_json_dumps(v);
    ck_assert_str_eq(s, "{\"$\":\"$\"}");
    free(s);
    json_decref(v);
}
END_TEST

START_TEST(test_dumps_output_parses_back)
{
    json_t *v = json_pack("{s:o, s:[o, s]}", "m", lr_json_money(1), "l", lr_json_money(1000), "x$");
    char *s = lr_json_dumps(v);
    json_error_t err;
    json_t *back = json_loads(s, 0, &err);
    ck_assert_msg(back != NULL, "%s: %s", s, err.text);
    ck_assert(json_is_real(json_object_get(back, "m")));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(back, "l"), 1)), "x$");
    json_t *lits = lr_json_number_literals(s, strlen(s));
    assert_literal(lits, "/m", "0.01");
    assert_literal(lits, "/l/0", "10.00");
    json_decref(lits);
    json_decref(back);
    free(s);
    json_decref(v);
}
END_TEST

START_TEST(test_field_error)
{
    json_t *errors = json_array();
    lr_json_field_error(errors, "data.id", "is required");
    ck_assert_uint_eq(json_array_size(errors), 1);
    json_t *e = json_array_get(errors, 0);
    ck_assert_str_eq(json_string_value(json_object_get(e, "field")), "data.id");
    ck_assert_str_eq(json_string_value(json_object_get(e, "message")), "is required");
    json_decref(errors);
}
END_TEST

/* --- RFC 3339 ---------------------------------------------------------------------- */

static const int64_t T0 = 1795428900; /* 2026-11-23T10:15:00Z */

static const struct {
    const char *text;
    int64_t usec;
} GOOD_TIMES[] = {
    {"2026-11-23T10:15:00Z", T0 * 1000000},
    {"2026-11-23t10:15:00z", T0 * 1000000},
    {"2026-11-23T10:15:00.123Z", T0 * 1000000 + 123000},
    {"2026-11-23T10:15:00.1Z", T0 * 1000000 + 100000},
    {"2026-11-23T10:15:00.123456Z", T0 * 1000000 + 123456},
    {"2026-11-23T10:15:00.1234569Z", T0 * 1000000 + 123456}, /* beyond microseconds dropped */
    {"2026-11-23T10:15:00.000000Z", T0 * 1000000},
    {"2026-11-23T12:15:00+02:00", T0 * 1000000},
    {"2026-11-23T04:45:00-05:30", T0 * 1000000},
    {"2026-11-23T10:15:00+00:00", T0 * 1000000},
    {"2026-11-23T10:15:00-00:00", T0 * 1000000},
    {"2026-11-24T00:15:00.5+14:00", T0 * 1000000 + 500000},
    {"1970-01-01T00:00:00Z", 0},
    {"2028-02-29T00:00:00Z", (int64_t)1835395200 * 1000000},
    {"2000-02-29T00:00:00Z", (int64_t)951782400 * 1000000},
    {"2026-12-31T23:59:59Z", (int64_t)1798761599 * 1000000},
    /* The edges of what PostgreSQL's timestamptz takes, checked against PostgreSQL 15. */
    {"0001-01-01T00:00:00Z", (int64_t)-62135596800 * 1000000},
    {"0001-01-01T01:00:00+01:00", (int64_t)-62135596800 * 1000000},
    {"9999-12-31T23:59:59Z", (int64_t)253402300799 * 1000000},
    {"9999-12-31T23:59:59.999999Z", (int64_t)253402300799999999},
    {"9999-12-31T22:59:59.999999-01:00", (int64_t)253402300799999999},
    {"2024-02-29T00:00:00Z", (int64_t)1709164800 * 1000000},
    {"2026-01-01T00:00:00+15:59", (int64_t)1767168060 * 1000000},
    {"2026-01-01T00:00:00-15:59", (int64_t)1767283140 * 1000000},
    /* A leap second is the next minute's first, as PostgreSQL reads it. */
    {"2026-12-31T23:59:60Z", (int64_t)1798761600 * 1000000},
    {"2026-12-31T23:59:60.000Z", (int64_t)1798761600 * 1000000},
    {"2026-11-23T10:15:60Z", (int64_t)1795428960 * 1000000},
    {"1969-12-31T23:59:59.5Z", -500000},
};
#define N_GOOD_TIMES (sizeof GOOD_TIMES / sizeof *GOOD_TIMES)

START_TEST(test_rfc3339_valid)
{
    for (size_t i = 0; i < N_GOOD_TIMES; i++) {
        int64_t usec = -1;
        ck_assert_msg(lr_rfc3339_parse(GOOD_TIMES[i].text, &usec) == 0, "'%s' refused",
                      GOOD_TIMES[i].text);
        ck_assert_int_eq(usec, GOOD_TIMES[i].usec);
    }
}
END_TEST

static const char *const BAD_TIMES[] = {
    "",
    "garbage",
    "2026-11-23",
    "2026-11-23T10:15:00", /* no zone */
    "2026-11-23T10:15Z",   /* no seconds */
    "2026-11-23X10:15:00Z",
    "2026/11/23T10:15:00Z",
    "26-11-23T10:15:00Z",
    "2026-1-23T10:15:00Z",
    "2026-00-23T10:15:00Z",
    "2026-13-01T00:00:00Z",
    "2026-11-00T10:15:00Z",
    "2026-11-32T10:15:00Z",
    "2026-11-23T24:00:00Z",
    "2026-11-23T10:60:00Z",
    "2026-11-23T10:15:61Z",
    "2026-11-23T10:15:00.Z",
    "2026-11-23T10:15:00,5Z",
    "2026-11-23T10:15:00+0200",
    "2026-11-23T10:15:00+02",
    "2026-11-23T10:15:00+24:00",
    "2026-11-23T10:15:00+02:60",
    "2026-11-23T10:15:00Zjunk",
    "2026-11-23T10:15:00Z ",
    " 2026-11-23T10:15:00Z",
    "2026-11-23T10:15:00+02:00x",
    "2026-11-23T1a:15:00Z",
    "2026-02-30T00:00:00Z", /* no such day */
    "2026-02-29T00:00:00Z", /* 2026 is not a leap year */
    "2100-02-29T00:00:00Z", /* nor is 2100 */
    "2026-04-31T00:00:00Z",
    "2026-06-31T00:00:00Z",
    "2026-09-31T00:00:00Z",
    "2026-11-31T00:00:00Z",
    /* What PostgreSQL refuses. */
    "0000-01-01T00:00:00Z", /* there is no year zero */
    "0000-12-31T23:59:59Z",
    "2023-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2026-01-01T00:00:00+16:00", /* offsets stop at 15:59 */
    "2026-01-01T00:00:00-16:00",
    "2026-01-01T00:00:00+23:59",
    "2026-12-31T23:59:60.5Z", /* no fraction of a leap second */
    "2026-12-31T23:59:60.000001Z",
    /* Instants that UTC cannot write in years 0001-9999. */
    "0001-01-01T00:00:00+00:01",
    "0001-01-01T00:59:59.999999+01:00",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T23:59:60Z",
};
#define N_BAD_TIMES (sizeof BAD_TIMES / sizeof *BAD_TIMES)

START_TEST(test_rfc3339_invalid)
{
    for (size_t i = 0; i < N_BAD_TIMES; i++) {
        int64_t usec = 12345;
        ck_assert_msg(lr_rfc3339_parse(BAD_TIMES[i], &usec) == -1, "'%s' accepted", BAD_TIMES[i]);
        ck_assert_int_eq(usec, 12345);
    }
}
END_TEST

START_TEST(test_rfc3339_null_and_now)
{
    int64_t usec = 0;
    ck_assert_int_eq(lr_rfc3339_parse(NULL, &usec), -1);
    char now[32];
    lr_rfc3339_now(now);
    ck_assert_uint_eq(strlen(now), 24); /* 2026-11-23T10:15:00.123Z */
    ck_assert_int_eq(now[23], 'Z');
    ck_assert_int_eq(now[19], '.');
    ck_assert_int_eq(lr_rfc3339_parse(now, &usec), 0);
    ck_assert_int_eq(usec % 1000, 0);
    ck_assert_int_gt(usec, T0 * 1000000 - (int64_t)366 * 86400 * 1000000);
}
END_TEST

START_TEST(test_rfc3339_format)
{
    static const struct {
        int64_t usec;
        const char *text;
    } CASES[] = {
        {0, "1970-01-01T00:00:00.000000Z"},
        {-500000, "1969-12-31T23:59:59.500000Z"},
        {-1, "1969-12-31T23:59:59.999999Z"},
        {T0 * 1000000 + 123456, "2026-11-23T10:15:00.123456Z"},
        {(int64_t)1709164800 * 1000000, "2024-02-29T00:00:00.000000Z"},
        {(int64_t)-62135596800 * 1000000, "0001-01-01T00:00:00.000000Z"},
        {(int64_t)253402300799999999, "9999-12-31T23:59:59.999999Z"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        char out[LR_RFC3339_UTC_SIZE];
        ck_assert_int_eq(lr_rfc3339_format_usec(CASES[i].usec, out), 0);
        ck_assert_str_eq(out, CASES[i].text);
        int64_t back = 0;
        ck_assert_int_eq(lr_rfc3339_parse(out, &back), 0);
        ck_assert_int_eq(back, CASES[i].usec);
    }
    /* Offsets are gone from what the database is given. */
    char out[LR_RFC3339_UTC_SIZE];
    int64_t usec = 0;
    ck_assert_int_eq(lr_rfc3339_parse("2026-01-01T00:00:00+15:59", &usec), 0);
    ck_assert_int_eq(lr_rfc3339_format_usec(usec, out), 0);
    ck_assert_str_eq(out, "2025-12-31T08:01:00.000000Z");
    ck_assert_int_eq(lr_rfc3339_parse("2026-12-31T23:59:60Z", &usec), 0);
    ck_assert_int_eq(lr_rfc3339_format_usec(usec, out), 0);
    ck_assert_str_eq(out, "2027-01-01T00:00:00.000000Z");
    /* Outside 0001-9999: refused, out untouched. */
    strcpy(out, "untouched");
    ck_assert_int_eq(lr_rfc3339_format_usec((int64_t)-62135596800 * 1000000 - 1, out), -1);
    ck_assert_int_eq(lr_rfc3339_format_usec((int64_t)253402300800 * 1000000, out), -1);
    ck_assert_int_eq(lr_rfc3339_format_usec(INT64_MIN, out), -1);
    ck_assert_int_eq(lr_rfc3339_format_usec(INT64_MAX, out), -1);
    ck_assert_str_eq(out, "untouched");
}
END_TEST

/* --- what PostgreSQL's numeric can hold ------------------------------------------- */

START_TEST(test_number_storable)
{
    /* Each checked against PostgreSQL 15 with SELECT 'literal'::jsonb. */
    static const char *const OK[] = {
        "1.5",
        "1e-16383",
        "0.5e-16382",
        "1e131071",
        "9.99e131070",
        "0.0e999999",
        "-0.0",
        "0e5",
        "1E+5",
        "1.000e3",
        "0e1073741822",
        "0e-16383",
        "10e131070",
        "0.01e131073",
        "-123.456e-7",
        "0.1e131072",
        "5e-324",
        "0",
        "12345678901234567890.5",
    };
    static const char *const BAD[] = {
        "1e-16384",
        "1e-400000",
        "0e-400000",
        "1.5e-16383",
        "1e131072",
        "1e2147483648",
        "0e1073741823",
        "0e-1073741823",
        "0e-1073741822",
        "100e-16385",
        "0e-16384",
        "-1e-400000",
        "1e99999999999999999999",
    };
    for (size_t i = 0; i < sizeof OK / sizeof *OK; i++)
        ck_assert_msg(lr_json_number_storable(OK[i]), "'%s' refused", OK[i]);
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++)
        ck_assert_msg(!lr_json_number_storable(BAD[i]), "'%s' accepted", BAD[i]);
    /* Digits after the point count, zeros included: 16383 fit, 16384 do not. */
    char lit[16400];
    memcpy(lit, "1.", 2);
    memset(lit + 2, '0', 16383);
    lit[2 + 16383] = '\0';
    ck_assert(lr_json_number_storable(lit));
    lit[2 + 16383] = '0';
    lit[2 + 16384] = '\0';
    ck_assert(!lr_json_number_storable(lit));
    /* Not a number literal at all. */
    ck_assert(!lr_json_number_storable(""));
    ck_assert(!lr_json_number_storable(".5"));
    ck_assert(!lr_json_number_storable("1.5x"));
}
END_TEST

START_TEST(test_storable_errors_name_fields)
{
    const char *text = "{\"data\": {\"ok\": 1.5, \"foo\": 1e-400000, \"a/b~c\": [1, 0e-99999]},"
                       " \"top\": 1e-16384, \"fine\": 2.0}";
    json_t *lits = lr_json_number_literals(text, strlen(text));
    ck_assert_ptr_nonnull(lits);
    json_t *errors = json_array();
    lr_json_storable_errors(lits, errors);
    ck_assert_uint_eq(json_array_size(errors), 3);
    const char *want[] = {"data.foo", "data.a/b~c.1", "top"};
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(errors, i);
        ck_assert_str_eq(json_string_value(json_object_get(e, "field")), want[i]);
        ck_assert_ptr_nonnull(
            strstr(json_string_value(json_object_get(e, "message")), "PostgreSQL can store"));
    }
    json_decref(errors);
    json_decref(lits);
}
END_TEST

/* --- header text ------------------------------------------------------------------- */

START_TEST(test_utf8_printable)
{
    ck_assert(lr_utf8_printable("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1, 255));
    ck_assert(lr_utf8_printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1, 255));
    ck_assert(!lr_utf8_printable("", 1, 255));
    ck_assert(!lr_utf8_printable("\xff\xfe", 1, 255));         /* not UTF-8 */
    ck_assert(!lr_utf8_printable("abc\xc3", 1, 255));          /* cut short */
    ck_assert(!lr_utf8_printable("\xc3\x28", 1, 255));         /* bad continuation */
    ck_assert(!lr_utf8_printable("\xc0\xaf", 1, 255));         /* overlong '/' */
    ck_assert(!lr_utf8_printable("\xed\xa0\x80", 1, 255));     /* a surrogate */
    ck_assert(!lr_utf8_printable("\xf4\x90\x80\x80", 1, 255)); /* past U+10FFFF */
    ck_assert(!lr_utf8_printable("\x80", 1, 255));             /* lone continuation */
    ck_assert(!lr_utf8_printable("a\tb", 1, 255));
    ck_assert(!lr_utf8_printable("a\x01b", 1, 255));
    ck_assert(!lr_utf8_printable("a\x7f", 1, 255));
    ck_assert(!lr_utf8_printable("a\xc2\x85", 1, 255)); /* C1 NEL */
    /* Characters are counted, not bytes. */
    char s[2 * 256 + 1];
    for (int i = 0; i < 255; i++)
        memcpy(s + 2 * i, "\xc3\xa9", 2);
    s[2 * 255] = '\0';
    ck_assert(lr_utf8_printable(s, 1, 255));
    memcpy(s + 2 * 255, "\xc3\xa9", 2);
    s[2 * 256] = '\0';
    ck_assert(!lr_utf8_printable(s, 1, 255));
    ck_assert(!lr_utf8_printable("ab", 3, 255));
}
END_TEST

/* --- unknown keys ------------------------------------------------------------------ */

START_TEST(test_unknown_keys)
{
    static const char *const KNOWN[] = {"name", "segment", NULL};
    json_t *obj = json_pack("{s:s, s:s, s:i, s:n}", "name", "x", "segmnet", "smb", "crm_owner_id",
                            7, "segment");
    json_t *errors = json_array();
    lr_json_unknown_keys(obj, KNOWN, "bands.", errors);
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
                     "bands.segmnet");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "field")),
                     "bands.crm_owner_id");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                     "unknown key; known keys: name, segment");
    json_decref(errors);
    /* Nothing unknown: nothing appended. */
    errors = json_array();
    json_object_del(obj, "segmnet");
    json_object_del(obj, "crm_owner_id");
    lr_json_unknown_keys(obj, KNOWN, "", errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    json_decref(errors);
    json_decref(obj);
}
END_TEST

START_TEST(test_utf8_sanitize)
{
    char cut[] = "caf\xc3"; /* a name cut short mid-character */
    ck_assert_uint_eq(lr_utf8_sanitize(cut), 1);
    ck_assert_str_eq(cut, "caf?");
    char latin1[] = "caf\xe9 \xff";
    ck_assert_uint_eq(lr_utf8_sanitize(latin1), 2);
    ck_assert_str_eq(latin1, "caf? ?");
    char fine[] = "caf\xc3\xa9 \xf0\x9f\x98\x80";
    ck_assert_uint_eq(lr_utf8_sanitize(fine), 0);
    ck_assert_str_eq(fine, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    char surrogate[] = "\xed\xa0\x80";
    ck_assert_uint_eq(lr_utf8_sanitize(surrogate), 3);
    ck_assert(lr_utf8_printable(surrogate, 1, 10));
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("util/json");
    TCase *tc = tcase_create("literals");
    tcase_add_test(tc, test_literals_nested);
    tcase_add_test(tc, test_literals_escaped_keys);
    tcase_add_test(tc, test_literals_strings_do_not_confuse);
    tcase_add_test(tc, test_literals_duplicate_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("dumps");
    tcase_add_test(tc, test_dumps_money);
    tcase_add_test(tc, test_dumps_output_parses_back);
    tcase_add_test(tc, test_field_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("rfc3339");
    tcase_add_test(tc, test_rfc3339_valid);
    tcase_add_test(tc, test_rfc3339_invalid);
    tcase_add_test(tc, test_rfc3339_null_and_now);
    tcase_add_test(tc, test_rfc3339_format);
    suite_add_tcase(s, tc);

    tc = tcase_create("input limits");
    tcase_add_test(tc, test_number_storable);
    tcase_add_test(tc, test_storable_errors_name_fields);
    tcase_add_test(tc, test_utf8_printable);
    tcase_add_test(tc, test_unknown_keys);
    tcase_add_test(tc, test_utf8_sanitize);
    suite_add_tcase(s, tc);
    return s;
}
