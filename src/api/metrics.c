/* GET /metrics: Prometheus text format 0.0.4, written by hand (SPEC 3.4). Counters are
 * per process and never go down; gauges read from PostgreSQL are answered from one
 * short query at scrape time, and leadrouter_db_up says whether it worked. */
#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "api/crm.h"
#include "api/problem.h"
#include "api/observe.h"
#include "config/version.h"
#include "db/deliveries_store.h"
#include "db/reviews_store.h"
#include "service/routing_cache.h"
#include "service/writeback.h"
#include "service/writeback_request.h"
#include "util/buf.h"
#include "util/metrics.h"

/* Deliveries by destination and outcome: every outcome of the configured destination
 * is written from the start, so that rate() sees a counter from zero. */
static void metrics_writeback(const struct lr_app *app, struct lr_buf *b)
{
    lr_metrics_printf(b, "# HELP leadrouter_deliveries_total Write-back delivery attempts by "
                         "destination and outcome.\n"
                         "# TYPE leadrouter_deliveries_total counter\n");
    if (app->writeback == NULL)
        return;
    uint64_t counts[LR_WB_DESTINATIONS][LR_WB_OUTCOMES];
    lr_writeback_counts(app->writeback, counts);
    enum lr_wb_destination d;
    if (lr_wb_destination_parse(lr_writeback_destination(app->writeback), &d) != 0)
        return;
    for (int o = 0; o < LR_WB_OUTCOMES; o++)
        lr_metrics_printf(
            b, "leadrouter_deliveries_total{destination=\"%s\",outcome=\"%s\"} %" PRIu64 "\n",
            lr_wb_destination_name(d), lr_wb_outcome_name((enum lr_wb_outcome)o), counts[d][o]);
}

/* The routing cache of the lead lanes (docs/performance.md). A replica without one
 * (batch_max 1, routing_cache_accounts 0) shows zeros. */
static void metrics_routing_cache(const struct lr_app *app, struct lr_buf *b)
{
    struct lr_routing_cache_figures f = {0};
    if (app->routing_cache != NULL)
        lr_routing_cache_figures(app->routing_cache, &f);
    /* One call per family: lr_metrics_printf writes at most a line's worth. */
    lr_metrics_printf(b,
                      "# HELP leadrouter_routing_cache_accounts Accounts this replica holds in "
                      "memory to route leads without a read.\n"
                      "# TYPE leadrouter_routing_cache_accounts gauge\n"
                      "leadrouter_routing_cache_accounts %" PRIu64 "\n",
                      f.accounts);
    lr_metrics_printf(b,
                      "# HELP leadrouter_routing_cache_off Whether the routing cache turned "
                      "itself off (more accounts than routing_cache_accounts).\n"
                      "# TYPE leadrouter_routing_cache_off gauge\n"
                      "leadrouter_routing_cache_off %d\n",
                      f.off ? 1 : 0);
    lr_metrics_printf(b,
                      "# HELP leadrouter_routing_cache_reads_total Reads of what changed in "
                      "accounts, named accounts, reps and rules.\n"
                      "# TYPE leadrouter_routing_cache_reads_total counter\n"
                      "leadrouter_routing_cache_reads_total %" PRIu64 "\n",
                      f.reads);
    lr_metrics_printf(b,
                      "# HELP leadrouter_routing_cache_stale_batches_total Lead batches refused "
                      "because what they were decided on changed; decided again.\n"
                      "# TYPE leadrouter_routing_cache_stale_batches_total counter\n"
                      "leadrouter_routing_cache_stale_batches_total %" PRIu64 "\n",
                      f.stale_batches);
}

void lr_api_metrics(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    /* Not an API token: a scraper holds one static secret, and a database that is down
     * must not take the page that says so down with it. */
    if (app->cfg.metrics_token[0] != '\0') {
        const char *token = lr_req_bearer(req);
        if (token == NULL || !lr_crm_secret_equal(token, app->cfg.metrics_token)) {
            lr_problem_answer(resp, LR_PROBLEM_UNAUTHORIZED,
                              "send Authorization: Bearer <metrics_token>", NULL);
            return;
        }
    }
    struct lr_buf b = {0};
    lr_metrics_printf(&b,
                      "# HELP leadrouter_build_info The running build.\n"
                      "# TYPE leadrouter_build_info gauge\n"
                      "leadrouter_build_info{version=\"%s\"} 1\n",
                      LR_VERSION);
    metrics_writeback(app, &b);
    metrics_routing_cache(app, &b);
    if (app->observe != NULL)
        lr_observe_write(app->observe, &b);
    int64_t pending = 0, open = 0;
    double oldest = 0, review_age = 0;
    struct lr_db_conn *c;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        if ((s = lr_outbox_figures(c, &pending, &oldest)) == LR_DB_OK)
            s = lr_review_backlog(c, &open, &review_age);
        lr_db_release(app->pool, c);
    }
    lr_metrics_printf(&b,
                      "# HELP leadrouter_db_up Whether PostgreSQL answered this scrape.\n"
                      "# TYPE leadrouter_db_up gauge\n"
                      "leadrouter_db_up %d\n",
                      s == LR_DB_OK ? 1 : 0);
    if (s == LR_DB_OK)
        lr_metrics_printf(
            &b,
            "# HELP leadrouter_outbox_pending Write-back deliveries not yet delivered.\n"
            "# TYPE leadrouter_outbox_pending gauge\n"
            "leadrouter_outbox_pending %" PRId64 "\n"
            "# HELP leadrouter_outbox_oldest_age_seconds Age of the oldest pending "
            "delivery.\n"
            "# TYPE leadrouter_outbox_oldest_age_seconds gauge\n"
            "leadrouter_outbox_oldest_age_seconds %.3f\n",
            pending, oldest);
    if (s == LR_DB_OK)
        lr_metrics_printf(
            &b,
            "# HELP leadrouter_review_open Review items waiting for sales-ops.\n"
            "# TYPE leadrouter_review_open gauge\n"
            "leadrouter_review_open %" PRId64 "\n"
            "# HELP leadrouter_review_oldest_age_seconds Age of the oldest open review "
            "item.\n"
            "# TYPE leadrouter_review_oldest_age_seconds gauge\n"
            "leadrouter_review_oldest_age_seconds %.3f\n",
            open, review_age);
    if (b.failed) {
        lr_buf_free(&b);
        resp->status = 500;
        return;
    }
    resp->status = 200;
    resp->body = b.data;
    resp->body_len = b.len;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
