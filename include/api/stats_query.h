/* The query parameters of GET /v1/stats and GET /v1/stats/series (SPEC 3.2, 3.7), as
 * pure functions: what they accept is what the unit tests pin down. */
#ifndef LR_API_STATS_QUERY_H
#define LR_API_STATS_QUERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/time.h"

/* A leap year of hour buckets fits; a longer answer is no chart anyone reads. */
#define LR_SERIES_MAX_BUCKETS 10000

#define LR_USEC_PER_HOUR INT64_C(3600000000)
#define LR_USEC_PER_DAY (24 * LR_USEC_PER_HOUR)

/* [since, until) as microseconds and as the UTC texts PostgreSQL gets (never the
 * client's own text: what the parser accepts is then exactly what a query can take). */
struct lr_stats_window {
    bool has_since, has_until;
    int64_t since, until;
    char since_utc[LR_RFC3339_UTC_SIZE], until_utc[LR_RFC3339_UTC_SIZE];
};

/* since and until of /v1/stats, each optional (NULL or empty: an open end). Appends a
 * {"field", "message"} to errors for each bad one. */
void lr_stats_window_parse(const char *since, const char *until, struct lr_stats_window *w,
                           json_t *errors);

struct lr_series_query {
    struct lr_stats_window window; /* both ends set once parsed */
    const char *bucket;            /* "hour" or "day" */
    const char *interval;          /* the bucket as a PostgreSQL interval */
    int64_t width;                 /* the bucket's length in microseconds */
    int64_t buckets;               /* how many the answer holds */
};

/* since (required), until (default now_usec) and bucket (hour or day, default day) of
 * /v1/stats/series; at most LR_SERIES_MAX_BUCKETS buckets. Appends errors as above. */
void lr_series_query_parse(const char *since, const char *until, const char *bucket,
                           int64_t now_usec, struct lr_series_query *q, json_t *errors);

/* How many buckets of width (aligned on the epoch, so on UTC hours and days) [lo, hi)
 * touches; 0 when hi <= lo. */
int64_t lr_series_bucket_count(int64_t lo, int64_t hi, int64_t width);

#endif
