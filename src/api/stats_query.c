/* Query parameters of the stats endpoints (see stats_query.h). */
#include "api/stats_query.h"

#include <stdio.h>
#include <string.h>

#include "util/json.h"

#define BOUND_MESSAGE                                                                              \
    "must be an RFC 3339 timestamp from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"

static bool instant(const char *text, const char *field, int64_t *usec, char *utc, json_t *errors)
{
    if (text == NULL || *text == '\0')
        return false;
    if (lr_rfc3339_parse(text, usec) != 0 || lr_rfc3339_format_usec(*usec, utc) != 0) {
        lr_json_field_error(errors, field, BOUND_MESSAGE);
        return false;
    }
    return true;
}

void lr_stats_window_parse(const char *since, const char *until, struct lr_stats_window *w,
                           json_t *errors)
{
    memset(w, 0, sizeof *w);
    size_t before = json_array_size(errors);
    w->has_since = instant(since, "since", &w->since, w->since_utc, errors);
    w->has_until = instant(until, "until", &w->until, w->until_utc, errors);
    if (json_array_size(errors) == before && w->has_since && w->has_until && w->since >= w->until)
        lr_json_field_error(errors, "until", "must be later than since");
}

/* Floor division: instants before 1970 are negative, and their bucket starts earlier. */
static int64_t floor_to(int64_t t, int64_t width)
{
    int64_t q = t / width;
    if (t % width != 0 && t < 0)
        q--;
    return q * width;
}

int64_t lr_series_bucket_count(int64_t lo, int64_t hi, int64_t width)
{
    if (hi <= lo || width <= 0)
        return 0;
    int64_t start = floor_to(lo, width);
    /* Both ends lie within 0001..9999, so the span cannot overflow. */
    return (hi - start + width - 1) / width;
}

void lr_series_query_parse(const char *since, const char *until, const char *bucket,
                           int64_t now_usec, struct lr_series_query *q, json_t *errors)
{
    memset(q, 0, sizeof *q);
    size_t before = json_array_size(errors);
    struct lr_stats_window *w = &q->window;
    lr_stats_window_parse(since, until, w, errors);
    if (since == NULL || *since == '\0')
        lr_json_field_error(errors, "since", "is required: the start of the series (RFC 3339)");
    if (bucket == NULL || *bucket == '\0' || strcmp(bucket, "day") == 0) {
        q->bucket = "day";
        q->interval = "24 hours";
        q->width = LR_USEC_PER_DAY;
    } else if (strcmp(bucket, "hour") == 0) {
        q->bucket = "hour";
        q->interval = "1 hour";
        q->width = LR_USEC_PER_HOUR;
    } else {
        lr_json_field_error(errors, "bucket", "must be hour or day");
    }
    if (json_array_size(errors) != before)
        return;
    if (!w->has_until) {
        w->until = now_usec;
        w->has_until = true;
        if (lr_rfc3339_format_usec(now_usec, w->until_utc) != 0 || w->since >= now_usec) {
            lr_json_field_error(errors, "since",
                                "must be earlier than until, which is now when left out");
            return;
        }
    }
    q->buckets = lr_series_bucket_count(w->since, w->until, q->width);
    if (q->buckets > LR_SERIES_MAX_BUCKETS) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "the window holds %lld %s buckets, more than %d: shorten it or use a longer "
                 "bucket",
                 (long long)q->buckets, q->bucket, LR_SERIES_MAX_BUCKETS);
        lr_json_field_error(errors, "bucket", msg);
    }
}
