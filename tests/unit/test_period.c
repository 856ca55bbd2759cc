/* routing/period.c: named-account periods are UTC calendar quarters. */
#include <time.h>

#include "routing/period.h"
#include "suites.h"

static const char *period_at(int y, int mon, int d, int h, int mi, int s)
{
    static char out[LR_PERIOD_LEN + 1];
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mon - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    lr_period_of(timegm(&tm), out);
    return out;
}

START_TEST(test_quarter_boundaries)
{
    ck_assert_str_eq(period_at(2026, 1, 1, 0, 0, 0), "2026-Q1");
    ck_assert_str_eq(period_at(2026, 3, 31, 23, 59, 59), "2026-Q1");
    ck_assert_str_eq(period_at(2026, 4, 1, 0, 0, 0), "2026-Q2");
    ck_assert_str_eq(period_at(2026, 6, 30, 23, 59, 59), "2026-Q2");
    ck_assert_str_eq(period_at(2026, 7, 1, 0, 0, 0), "2026-Q3");
    ck_assert_str_eq(period_at(2026, 9, 30, 23, 59, 59), "2026-Q3");
    ck_assert_str_eq(period_at(2026, 10, 1, 0, 0, 0), "2026-Q4");
    ck_assert_str_eq(period_at(2026, 12, 31, 23, 59, 59), "2026-Q4");
    ck_assert_str_eq(period_at(2027, 1, 1, 0, 0, 0), "2027-Q1");
    ck_assert_str_eq(period_at(2028, 2, 29, 12, 0, 0), "2028-Q1");
}
END_TEST

START_TEST(test_epoch_values)
{
    char out[LR_PERIOD_LEN + 1];
    lr_period_of((time_t)1775001599, out); /* 2026-03-31T23:59:59Z */
    ck_assert_str_eq(out, "2026-Q1");
    lr_period_of((time_t)1775001600, out); /* 2026-04-01T00:00:00Z */
    ck_assert_str_eq(out, "2026-Q2");
    lr_period_of((time_t)0, out);
    ck_assert_str_eq(out, "1970-Q1");
}
END_TEST

START_TEST(test_period_valid)
{
    ck_assert(lr_period_valid("2026-Q1"));
    ck_assert(lr_period_valid("2026-Q4"));
    ck_assert(lr_period_valid("0000-Q2"));
    ck_assert(!lr_period_valid(NULL));
    ck_assert(!lr_period_valid(""));
    ck_assert(!lr_period_valid("2026-Q0"));
    ck_assert(!lr_period_valid("2026-Q5"));
    ck_assert(!lr_period_valid("2026-q1"));
    ck_assert(!lr_period_valid("2026Q1"));
    ck_assert(!lr_period_valid("26-Q1"));
    ck_assert(!lr_period_valid("2026-Q1 "));
    ck_assert(!lr_period_valid("2026-Q12"));
    ck_assert(!lr_period_valid("20a6-Q1"));
    ck_assert(!lr_period_valid("2026_Q1"));
}
END_TEST

Suite *period_suite(void)
{
    Suite *s = suite_create("routing/period");
    TCase *tc = tcase_create("period");
    tcase_add_test(tc, test_quarter_boundaries);
    tcase_add_test(tc, test_epoch_values);
    tcase_add_test(tc, test_period_valid);
    suite_add_tcase(s, tc);
    return s;
}
