/* Prometheus counters and histograms, lock-free, written in the text format 0.0.4.
 * Every metric lives in a struct owned by whoever serves it (no global registry). */
#ifndef LR_UTIL_METRICS_H
#define LR_UTIL_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define LR_HIST_MAX_BOUNDS 16

struct lr_histogram {
    size_t nbounds;
    double bounds[LR_HIST_MAX_BOUNDS];                    /* upper bounds, increasing */
    atomic_uint_fast64_t buckets[LR_HIST_MAX_BOUNDS + 1]; /* the last is +Inf */
    atomic_uint_fast64_t count;
    atomic_uint_fast64_t sum_micro; /* the sum of observations, in millionths */
};

void lr_histogram_init(struct lr_histogram *h, const double *bounds, size_t n);
void lr_histogram_observe(struct lr_histogram *h, double v);
/* name_bucket{labels,le="..."} lines, then _sum and _count; labels may be "" (else
 * `key="value",...` without braces). */
void lr_histogram_write(struct lr_histogram *h, struct lr_buf *out, const char *name,
                        const char *labels);

/* printf into a buffer (one line of metrics). */
void lr_metrics_printf(struct lr_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
