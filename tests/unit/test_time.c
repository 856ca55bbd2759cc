/* util/time.c: RFC 3339 instants, parsed to and written from microseconds within the
 * range PostgreSQL's timestamptz takes. */
#include <stdint.h>
#include <string.h>

#include "util/time.h"
#include "suites.h"

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

Suite *time_suite(void)
{
    Suite *s = suite_create("util/time");
    TCase *tc = tcase_create("rfc3339");
    tcase_add_test(tc, test_rfc3339_valid);
    tcase_add_test(tc, test_rfc3339_invalid);
    tcase_add_test(tc, test_rfc3339_null_and_now);
    tcase_add_test(tc, test_rfc3339_format);
    suite_add_tcase(s, tc);
    return s;
}
