/* api/stats_query.c: the parameters of /v1/stats and /v1/stats/series. What a query
 * accepts is what PostgreSQL is given, and the bucket cap is what keeps a chart's
 * answer bounded, so the edges are pinned here: required and optional bounds, the
 * default until, bucket names, alignment on UTC hours and days before 1970 too, and
 * the cap. */
#include <jansson.h>
#include <string.h>

#include "api/stats_query.h"
#include "suites.h"

static const int64_t H = LR_USEC_PER_HOUR, D = LR_USEC_PER_DAY;
/* 2026-11-23T10:15:00Z */
static const int64_t T0 = INT64_C(1795428900) * 1000000;

/* Whether errors names field. */
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

START_TEST(test_bucket_count)
{
    ck_assert_int_eq(lr_series_bucket_count(0, H, H), 1);
    ck_assert_int_eq(lr_series_bucket_count(0, H + 1, H), 2);
    ck_assert_int_eq(lr_series_bucket_count(1, H, H), 1);
    ck_assert_int_eq(lr_series_bucket_count(H - 1, H + 1, H), 2); /* two buckets, two usec */
    ck_assert_int_eq(lr_series_bucket_count(0, 0, H), 0);
    ck_assert_int_eq(lr_series_bucket_count(H, 0, H), 0);
    ck_assert_int_eq(lr_series_bucket_count(0, 365 * D, D), 365);
    ck_assert_int_eq(lr_series_bucket_count(0, 366 * D, H), 366 * 24);
    /* Before 1970 the bucket still starts on the hour below, not above. */
    ck_assert_int_eq(lr_series_bucket_count(-1, 1, H), 2);
    ck_assert_int_eq(lr_series_bucket_count(-H - 1, -H, H), 1);
    ck_assert_int_eq(lr_series_bucket_count(-H - 1, -H + 1, H), 2);
    /* The whole range the parser takes, in days: no overflow. */
    ck_assert_int_eq(lr_series_bucket_count(INT64_C(-62135596800) * 1000000,
                                            INT64_C(253402300799) * 1000000 + 999999, D),
                     3652059);
}
END_TEST

START_TEST(test_stats_window)
{
    struct lr_stats_window w;
    json_t *errors = json_array();
    lr_stats_window_parse(NULL, "", &w, errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert(!w.has_since && !w.has_until);
    lr_stats_window_parse("2026-11-23T12:15:00+02:00", "2026-11-24T00:00:00Z", &w, errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert(w.has_since && w.has_until);
    ck_assert_int_eq(w.since, T0);
    ck_assert_str_eq(w.since_utc, "2026-11-23T10:15:00.000000Z");
    lr_stats_window_parse("2026-11-24T00:00:00Z", "2026-11-24T00:00:00Z", &w, errors);
    ck_assert(names(errors, "until"));
    json_decref(errors);
    errors = json_array();
    lr_stats_window_parse("yesterday", "10000-01-01T00:00:00Z", &w, errors);
    ck_assert_uint_eq(json_array_size(errors), 2);
    ck_assert(names(errors, "since") && names(errors, "until"));
    json_decref(errors);
}
END_TEST

START_TEST(test_series_defaults)
{
    struct lr_series_query q;
    json_t *errors = json_array();
    lr_series_query_parse("2026-11-20T10:15:00Z", NULL, NULL, T0, &q, errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_str_eq(q.bucket, "day");
    ck_assert_int_eq(q.width, D);
    ck_assert(q.window.has_until);
    ck_assert_int_eq(q.window.until, T0);
    ck_assert_str_eq(q.window.until_utc, "2026-11-23T10:15:00.000000Z");
    ck_assert_int_eq(q.buckets, 4); /* the 20th (from 10:15), 21st, 22nd, 23rd */
    lr_series_query_parse("2026-11-23T08:30:00Z", "", "hour", T0, &q, errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_str_eq(q.bucket, "hour");
    ck_assert_int_eq(q.buckets, 3); /* 08, 09, 10 */
    json_decref(errors);
}
END_TEST

static const struct {
    const char *since, *until, *bucket, *field;
} BAD[] = {
    {NULL, NULL, NULL, "since"},
    {"", "2026-11-23T00:00:00Z", "day", "since"},
    {"2026-11-23", NULL, NULL, "since"},
    {"2026-11-22T00:00:00Z", "2026-11-22T00:00:00Z", NULL, "until"},
    {"2026-11-22T00:00:00Z", "2026-11-21T00:00:00Z", NULL, "until"},
    {"2026-11-22T00:00:00Z", NULL, "week", "bucket"},
    {"2026-11-22T00:00:00Z", NULL, "Hour", "bucket"},
    {"2026-11-22T00:00:00Z", NULL, "hours", "bucket"},
    {"2026-11-24T00:00:00Z", NULL, NULL, "since"}, /* after now, with until left out */
    {"2026-11-23T10:15:00Z", NULL, NULL, "since"}, /* equal to now */
    /* 10,001 hours; 10,001 days. */
    {"2026-01-01T00:00:00Z", "2027-02-21T17:00:00Z", "hour", "bucket"},
    {"2000-01-01T00:00:00Z", "2027-05-20T00:00:00Z", "day", "bucket"},
};

START_TEST(test_series_rejects)
{
    struct lr_series_query q;
    json_t *errors = json_array();
    lr_series_query_parse(BAD[_i].since, BAD[_i].until, BAD[_i].bucket, T0, &q, errors);
    ck_assert_msg(names(errors, BAD[_i].field), "case %d: %s not named", _i, BAD[_i].field);
    json_decref(errors);
}
END_TEST

START_TEST(test_series_cap_edge)
{
    struct lr_series_query q;
    json_t *errors = json_array();
    /* Exactly 10,000 hour buckets; a leap year of hours (8,784). */
    lr_series_query_parse("2026-01-01T00:00:00Z", "2027-02-21T16:00:00Z", "hour", T0, &q, errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_int_eq(q.buckets, LR_SERIES_MAX_BUCKETS);
    lr_series_query_parse("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "hour", T0, &q, errors);
    ck_assert_uint_eq(json_array_size(errors), 0);
    ck_assert_int_eq(q.buckets, 8784);
    /* A start inside an hour counts its hour: 10,000 buckets end one hour earlier. */
    lr_series_query_parse("2026-01-01T00:30:00Z", "2027-02-21T16:00:01Z", "hour", T0, &q, errors);
    ck_assert(names(errors, "bucket"));
    json_decref(errors);
}
END_TEST

Suite *stats_query_suite(void)
{
    Suite *s = suite_create("stats_query");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bucket_count);
    tcase_add_test(tc, test_stats_window);
    tcase_add_test(tc, test_series_defaults);
    tcase_add_loop_test(tc, test_series_rejects, 0, (int)(sizeof BAD / sizeof *BAD));
    tcase_add_test(tc, test_series_cap_edge);
    suite_add_tcase(s, tc);
    return s;
}
