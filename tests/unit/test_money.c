/* util/money.c: exact cents from JSON literals, half-up division, formatting. */
#include <stdint.h>
#include <string.h>

#include "util/json.h"
#include "util/money.h"
#include "suites.h"

#define NO_VALUE (-777) /* what *cents holds when the parser must not write it */

static const struct {
    const char *literal;
    enum lr_money_err err;
    int64_t cents;
} LITERALS[] = {
    {"50000", LR_MONEY_OK, 5000000},
    {"50000.25", LR_MONEY_OK, 5000025},
    {"0.05", LR_MONEY_OK, 5},
    {"0.5", LR_MONEY_OK, 50},
    {"1.230", LR_MONEY_OK, 123},
    {"1.2300000000", LR_MONEY_OK, 123},
    {"0", LR_MONEY_OK, 0},
    {"0.00", LR_MONEY_OK, 0},
    {"-0", LR_MONEY_OK, 0},
    {"-0.0", LR_MONEY_OK, 0},
    {"0.000", LR_MONEY_OK, 0},
    {"5e4", LR_MONEY_OK, 5000000},
    {"1.5E+2", LR_MONEY_OK, 15000},
    {"1e-2", LR_MONEY_OK, 1},
    {"1E0", LR_MONEY_OK, 100},
    {"12345e-2", LR_MONEY_OK, 12345},
    {"1.0e-2", LR_MONEY_OK, 1},
    {"0.001e3", LR_MONEY_OK, 100},
    {"999999999999.99", LR_MONEY_OK, 99999999999999},
    {"999999999999", LR_MONEY_OK, 99999999999900},
    {"9.9999999999999e11", LR_MONEY_OK, 99999999999999},
    {"1.234", LR_MONEY_TOO_PRECISE, NO_VALUE},
    {"0.001", LR_MONEY_TOO_PRECISE, NO_VALUE},
    {"1e-3", LR_MONEY_TOO_PRECISE, NO_VALUE},
    {"50000.001", LR_MONEY_TOO_PRECISE, NO_VALUE},
    {"-1", LR_MONEY_NEGATIVE, NO_VALUE},
    {"-0.01", LR_MONEY_NEGATIVE, NO_VALUE},
    {"-5e4", LR_MONEY_NEGATIVE, NO_VALUE},
    {"1000000000000", LR_MONEY_TOO_LARGE, NO_VALUE},
    {"1e12", LR_MONEY_TOO_LARGE, NO_VALUE},
    {"999999999999.995", LR_MONEY_TOO_PRECISE, NO_VALUE},
    {"1000000000000.00", LR_MONEY_TOO_LARGE, NO_VALUE},
    {"99999999999999999999999", LR_MONEY_TOO_LARGE, NO_VALUE},
    {"1e400", LR_MONEY_TOO_LARGE, NO_VALUE},
    {"abc", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"-", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {".", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"1e", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"1e+", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"12a", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"1.5 ", LR_MONEY_NOT_NUMBER, NO_VALUE},
    {"$5", LR_MONEY_NOT_NUMBER, NO_VALUE},
};
#define N_LITERALS (sizeof LITERALS / sizeof *LITERALS)

START_TEST(test_parse_literal)
{
    for (size_t i = 0; i < N_LITERALS; i++) {
        int64_t cents = NO_VALUE;
        enum lr_money_err e = lr_money_parse_literal(LITERALS[i].literal, &cents);
        ck_assert_msg(e == LITERALS[i].err, "'%s': error %d, want %d", LITERALS[i].literal, (int)e,
                      (int)LITERALS[i].err);
        ck_assert_msg(cents == LITERALS[i].cents, "'%s': %lld cents, want %lld",
                      LITERALS[i].literal, (long long)cents, (long long)LITERALS[i].cents);
    }
}
END_TEST

/* Reads /data/acv of a real document the way the API does. */
static enum lr_money_err from_doc(const char *text, const char *pointer, int64_t *cents)
{
    json_error_t err;
    json_t *doc = lr_json_parse(text, strlen(text), &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    json_t *lits = lr_json_number_literals(text, strlen(text));
    ck_assert_ptr_nonnull(lits);
    const json_t *v = json_object_get(json_object_get(doc, "data"), "acv");
    enum lr_money_err e = lr_money_from_json(v, lits, pointer, cents);
    json_decref(lits);
    json_decref(doc);
    return e;
}

START_TEST(test_from_json)
{
    int64_t c = NO_VALUE;
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":50000.25}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 5000025);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":50000}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 5000000);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":0}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 0);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":0.1}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 10);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":5E4}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 5000000);
    /* A double would make 0.29 * 100 = 28.999999999999996. */
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":0.29}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 29);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":999999999999.99}}", "/data/acv", &c),
                     LR_MONEY_OK);
    ck_assert_int_eq(c, 99999999999999);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":999999999999}}", "/data/acv", &c), LR_MONEY_OK);
    ck_assert_int_eq(c, 99999999999900);

    c = NO_VALUE;
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":1000000000000}}", "/data/acv", &c),
                     LR_MONEY_TOO_LARGE);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":-5}}", "/data/acv", &c), LR_MONEY_NEGATIVE);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":-5.5}}", "/data/acv", &c), LR_MONEY_NEGATIVE);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":1.234}}", "/data/acv", &c), LR_MONEY_TOO_PRECISE);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":\"5\"}}", "/data/acv", &c), LR_MONEY_NOT_NUMBER);
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":true}}", "/data/acv", &c), LR_MONEY_NOT_NUMBER);
    ck_assert_int_eq(from_doc("{\"data\":{}}", "/data/acv", &c), LR_MONEY_NOT_NUMBER);
    /* A real whose literal is not found at the pointer is refused, never guessed. */
    ck_assert_int_eq(from_doc("{\"data\":{\"acv\":12.5}}", "/data/other", &c), LR_MONEY_NOT_NUMBER);
    ck_assert_int_eq(c, NO_VALUE);
}
END_TEST

START_TEST(test_err_message)
{
    ck_assert_str_eq(lr_money_err_message(LR_MONEY_NOT_NUMBER), "must be a number");
    ck_assert_str_eq(lr_money_err_message(LR_MONEY_NEGATIVE), "must not be negative");
    ck_assert_str_eq(lr_money_err_message(LR_MONEY_TOO_PRECISE), "must have at most two decimals");
    ck_assert_str_eq(lr_money_err_message(LR_MONEY_TOO_LARGE), "must be below 1000000000000");
}
END_TEST

START_TEST(test_div_round_half_up)
{
    ck_assert_int_eq(lr_div_round_half_up(0, 7), 0);
    ck_assert_int_eq(lr_div_round_half_up(10, 5), 2);
    ck_assert_int_eq(lr_div_round_half_up(5, 10), 1);    /* 0.5 up */
    ck_assert_int_eq(lr_div_round_half_up(4, 10), 0);    /* 0.4 down */
    ck_assert_int_eq(lr_div_round_half_up(150, 100), 2); /* 1.50 up */
    ck_assert_int_eq(lr_div_round_half_up(149, 100), 1); /* 1.49 down */
    ck_assert_int_eq(lr_div_round_half_up(151, 100), 2);
    ck_assert_int_eq(lr_div_round_half_up(250, 100), 3); /* half up, not to even */
    ck_assert_int_eq(lr_div_round_half_up(1, 3), 0);
    ck_assert_int_eq(lr_div_round_half_up(2, 3), 1);
    ck_assert_int_eq(lr_div_round_half_up(7, 1), 7);
    ck_assert_int_eq(lr_div_round_half_up(15, 2), 8);
    ck_assert_int_eq(lr_div_round_half_up(9999, 10000), 1);
    ck_assert_int_eq(lr_div_round_half_up(4999, 10000), 0);
    ck_assert_int_eq(lr_div_round_half_up(5000, 10000), 1);
    /* The finder credit of SPEC 2.8 in cents: acv x 10% x 20%. */
    ck_assert_int_eq(lr_div_round_half_up((int64_t)9000000 * 1000 * 2000, 100000000), 180000);
    ck_assert_int_eq(lr_div_round_half_up((int64_t)12345 * 1000 * 2000, 100000000), 247);
    ck_assert_int_eq(lr_div_round_half_up((int64_t)12375 * 1000 * 2000, 100000000), 248);
    /* Near the documented bound num < 2^62. */
    const int64_t big = ((int64_t)1 << 62) - 1;
    ck_assert_int_eq(lr_div_round_half_up(big, 2), ((int64_t)1 << 61));
    ck_assert_int_eq(lr_div_round_half_up(big, big), 1);
    ck_assert_int_eq(lr_div_round_half_up(big / 2, big), 0);
    ck_assert_int_eq(lr_div_round_half_up(big / 2 + 1, big), 1);
}
END_TEST

START_TEST(test_format)
{
    char out[32];
    lr_money_format(0, out);
    ck_assert_str_eq(out, "0.00");
    lr_money_format(5, out);
    ck_assert_str_eq(out, "0.05");
    lr_money_format(50, out);
    ck_assert_str_eq(out, "0.50");
    lr_money_format(123450, out);
    ck_assert_str_eq(out, "1234.50");
    lr_money_format(5000025, out);
    ck_assert_str_eq(out, "50000.25");
    lr_money_format(99999999999999, out);
    ck_assert_str_eq(out, "999999999999.99");
    lr_money_format(-1, out);
    ck_assert_str_eq(out, "-0.01");
    lr_money_format(-123456, out);
    ck_assert_str_eq(out, "-1234.56");
    lr_money_format(INT64_MAX, out);
    ck_assert_str_eq(out, "92233720368547758.07");
    lr_money_format(INT64_MIN, out);
    ck_assert_str_eq(out, "-92233720368547758.08");
}
END_TEST

/* Every amount of a sample survives format -> parse unchanged. */
START_TEST(test_format_parse_round_trip)
{
    static const int64_t samples[] = {0,   1,   9,         10,      99,
                                      100, 101, 123456789, 5000000, 99999999999999};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char out[32];
        lr_money_format(samples[i], out);
        int64_t back = NO_VALUE;
        ck_assert_int_eq(lr_money_parse_literal(out, &back), LR_MONEY_OK);
        ck_assert_int_eq(back, samples[i]);
    }
}
END_TEST

Suite *money_suite(void)
{
    Suite *s = suite_create("util/money");
    TCase *tc = tcase_create("money");
    tcase_add_test(tc, test_parse_literal);
    tcase_add_test(tc, test_from_json);
    tcase_add_test(tc, test_err_message);
    tcase_add_test(tc, test_div_round_half_up);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_format_parse_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
