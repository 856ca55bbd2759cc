/* The API's counters for /metrics (see observe.h). */
#include "api/observe.h"

#include <string.h>

#include "api/routes.h"

static const char *const METHODS[LR_OBS_METHODS] = {"GET", "HEAD", "POST", "PUT", "other"};
static const unsigned CODES[LR_OBS_CODES - 1] = {200, 201, 204, 400, 401, 403, 404, 405, 409,
                                                 413, 415, 422, 429, 431, 500, 503, 505};
/* Seconds: the lead path answers in milliseconds, bulk loads in seconds. */
static const double DURATION_BOUNDS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10,   30};
static const double BATCH_BOUNDS[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000};

void lr_observe_init(struct lr_observe *o)
{
    memset(o, 0, sizeof *o);
    for (size_t r = 0; r < LR_OBS_ROUTES; r++)
        lr_histogram_init(&o->duration[r], DURATION_BOUNDS,
                          sizeof DURATION_BOUNDS / sizeof *DURATION_BOUNDS);
    lr_histogram_init(&o->lead_batch, BATCH_BOUNDS, sizeof BATCH_BOUNDS / sizeof *BATCH_BOUNDS);
    atomic_init(&o->in_flight, 0);
}

static size_t route_slot(int route)
{
    return route >= 0 && route < LR_OBS_ROUTES - 1 ? (size_t)route : LR_OBS_ROUTES - 1;
}

void lr_observe_request(struct lr_observe *o, int route, const char *method, unsigned status,
                        double seconds)
{
    size_t m = LR_OBS_METHODS - 1, c = LR_OBS_CODES - 1, r = route_slot(route);
    for (size_t i = 0; method != NULL && i < LR_OBS_METHODS - 1; i++)
        if (strcmp(method, METHODS[i]) == 0)
            m = i;
    for (size_t i = 0; i < LR_OBS_CODES - 1; i++)
        if (status == CODES[i])
            c = i;
    atomic_fetch_add(&o->requests[r][m][c], 1);
    lr_histogram_observe(&o->duration[r], seconds);
}

void lr_observe_decision(struct lr_observe *o, bool opportunity, enum lr_segment queue,
                         enum lr_reason reason)
{
    if (queue >= LR_SEG_NONE || reason >= LR_REASON_COUNT_)
        return;
    atomic_fetch_add(&o->decisions[opportunity][queue][reason], 1);
}

void lr_observe_write(struct lr_observe *o, struct lr_buf *out)
{
    size_t nroutes;
    const struct lr_route *routes = lr_routes(&nroutes);
    lr_metrics_printf(out, "# HELP leadrouter_http_requests_total HTTP requests by route "
                           "template, method and status.\n"
                           "# TYPE leadrouter_http_requests_total counter\n");
    for (size_t r = 0; r < LR_OBS_ROUTES; r++) {
        const char *name = r < nroutes ? routes[r].pattern : "unmatched";
        if (r >= nroutes && r != LR_OBS_ROUTES - 1)
            continue;
        for (size_t m = 0; m < LR_OBS_METHODS; m++)
            for (size_t c = 0; c < LR_OBS_CODES; c++) {
                uint64_t n = atomic_load(&o->requests[r][m][c]);
                if (n == 0)
                    continue;
                char code[16];
                if (c < LR_OBS_CODES - 1)
                    snprintf(code, sizeof code, "%u", CODES[c]);
                else
                    snprintf(code, sizeof code, "other");
                lr_metrics_printf(out,
                                  "leadrouter_http_requests_total{route=\"%s\",method=\"%s\","
                                  "code=\"%s\"} %llu\n",
                                  name, METHODS[m], code, (unsigned long long)n);
            }
    }
    lr_metrics_printf(out, "# HELP leadrouter_http_request_duration_seconds Time from a "
                           "request's head to its answer, by route template.\n"
                           "# TYPE leadrouter_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < LR_OBS_ROUTES; r++) {
        if ((r >= nroutes && r != LR_OBS_ROUTES - 1) || atomic_load(&o->duration[r].count) == 0)
            continue;
        char labels[160];
        snprintf(labels, sizeof labels, "route=\"%s\"",
                 r < nroutes ? routes[r].pattern : "unmatched");
        lr_histogram_write(&o->duration[r], out, "leadrouter_http_request_duration_seconds",
                           labels);
    }
    lr_metrics_printf(out,
                      "# HELP leadrouter_http_requests_in_flight Requests being answered.\n"
                      "# TYPE leadrouter_http_requests_in_flight gauge\n"
                      "leadrouter_http_requests_in_flight %d\n",
                      atomic_load(&o->in_flight));
    lr_metrics_printf(out, "# HELP leadrouter_decisions_total Routing decisions by subject, "
                           "queue and reason.\n"
                           "# TYPE leadrouter_decisions_total counter\n");
    for (int s = 0; s < 2; s++)
        for (int q = 0; q < LR_SEG_NONE; q++)
            for (int k = 0; k < LR_REASON_COUNT_; k++) {
                uint64_t n = atomic_load(&o->decisions[s][q][k]);
                if (n > 0)
                    lr_metrics_printf(
                        out,
                        "leadrouter_decisions_total{subject=\"%s\",queue=\"%s\",reason=\"%s\"} "
                        "%llu\n",
                        s ? "opportunity" : "lead", lr_segment_name((enum lr_segment)q),
                        lr_reason_name((enum lr_reason)k), (unsigned long long)n);
            }
    lr_metrics_printf(out, "# HELP leadrouter_lead_batch_size Leads committed together in one "
                           "transaction.\n"
                           "# TYPE leadrouter_lead_batch_size histogram\n");
    lr_histogram_write(&o->lead_batch, out, "leadrouter_lead_batch_size", "");
}
