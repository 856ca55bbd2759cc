/* Counters and histograms for /metrics (see metrics.h). */
#include "util/metrics.h"

#include <stdarg.h>
#include <stdio.h>

void lr_histogram_init(struct lr_histogram *h, const double *bounds, size_t n)
{
    h->nbounds = n < LR_HIST_MAX_BOUNDS ? n : LR_HIST_MAX_BOUNDS;
    for (size_t i = 0; i < h->nbounds; i++)
        h->bounds[i] = bounds[i];
    for (size_t i = 0; i <= LR_HIST_MAX_BOUNDS; i++)
        atomic_init(&h->buckets[i], 0);
    atomic_init(&h->count, 0);
    atomic_init(&h->sum_micro, 0);
}

void lr_histogram_observe(struct lr_histogram *h, double v)
{
    size_t i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    atomic_fetch_add(&h->buckets[i], 1);
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_micro, (uint_fast64_t)(v > 0 ? v * 1e6 + 0.5 : 0));
}

void lr_metrics_printf(struct lr_buf *out, const char *fmt, ...)
{
    char line[640];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        lr_buf_append(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void lr_histogram_write(struct lr_histogram *h, struct lr_buf *out, const char *name,
                        const char *labels)
{
    const char *sep = labels[0] ? "," : "";
    /* Buckets are cumulative in the text format. */
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h->nbounds; i++) {
        cumulative += atomic_load(&h->buckets[i]);
        lr_metrics_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, h->bounds[i],
                          (unsigned long long)cumulative);
    }
    cumulative += atomic_load(&h->buckets[h->nbounds]);
    lr_metrics_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                      (unsigned long long)cumulative);
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    lr_metrics_printf(out, "%s_sum%s%s%s %.6f\n", name, open, labels, close,
                      (double)atomic_load(&h->sum_micro) / 1e6);
    lr_metrics_printf(out, "%s_count%s%s%s %llu\n", name, open, labels, close,
                      (unsigned long long)cumulative);
}
