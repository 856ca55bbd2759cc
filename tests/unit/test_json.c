/* util/json.c: number literals by JSON pointer, money output, what PostgreSQL's numeric
 * can hold, and unknown keys. */
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

    tc = tcase_create("input limits");
    tcase_add_test(tc, test_number_storable);
    tcase_add_test(tc, test_storable_errors_name_fields);
    tcase_add_test(tc, test_unknown_keys);
    suite_add_tcase(s, tc);
    return s;
}
