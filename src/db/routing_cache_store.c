#include "db/routing_cache_store.h"

#include <stdio.h>
#include <string.h>

/* Every row carries the version (columns 0-2), so that whichever comes first starts the
 * read; kind 0 is there for when nothing else is. kind 1: an account; 2: a named one. */
static const struct lr_db_stmt ROUTING_CACHE_READ = {
    "routing_cache_read",
    "WITH h AS (SELECT r.v, r.accounts_reset, (SELECT max(version) FROM rules)::bigint AS rv,"
    "                  CASE WHEN r.accounts_reset > $1::bigint THEN 0 ELSE $1::bigint END"
    "                      AS since"
    "             FROM routing_version r)"
    "SELECT h.v, h.accounts_reset, h.rv, x.*"
    "  FROM h CROSS JOIN LATERAL ("
    "       SELECT 0 AS kind, NULL::text AS domain, NULL::integer AS employee_count,"
    "              NULL::bigint AS expected_acv_cents, NULL::smallint AS fit_score,"
    "              NULL::text AS owner_rep_id, NULL::text AS segment, NULL::boolean AS active"
    "        UNION ALL "
    "       SELECT 1, a.domain, a.employee_count, a.expected_acv_cents, a.fit_score,"
    "              NULL, NULL, NULL"
    "         FROM accounts a WHERE a.routing_v > h.since"
    "        UNION ALL "
    "       SELECT 2, n.domain, NULL, NULL, NULL, n.owner_rep_id, r.segment, r.active"
    "         FROM named_accounts n LEFT JOIN reps r ON r.id = n.owner_rep_id"
    "        WHERE n.period = $2) AS x",
    2};

struct read {
    const struct lr_routing_sink *sink;
    bool begun, failed;
};

static void opt(const PGresult *r, int col, struct lr_opt_i64 *o)
{
    o->present = !PQgetisnull(r, 0, col);
    o->v = lr_db_int(r, 0, col);
}

static int take(struct read *rd, const PGresult *r)
{
    const struct lr_routing_sink *sink = rd->sink;
    if (!rd->begun) {
        struct lr_routing_head head = {lr_db_int(r, 0, 0), lr_db_int(r, 0, 1), lr_db_int(r, 0, 2)};
        rd->begun = true;
        if (sink->begin(sink->arg, &head) != 0)
            return -1;
    }
    const char *domain = lr_db_text(r, 0, 4);
    switch (lr_db_int(r, 0, 3)) {
    case 1: {
        struct lr_account_facts a = {.found = true};
        opt(r, 5, &a.employees);
        opt(r, 6, &a.acv_cents);
        opt(r, 7, &a.fit);
        return sink->account(sink->arg, domain, &a);
    }
    case 2: {
        struct lr_named_facts n = {.found = true};
        snprintf(n.owner_id, sizeof n.owner_id, "%s", lr_db_text(r, 0, 8));
        lr_segment_parse(lr_db_text(r, 0, 9), false, &n.owner_segment);
        n.owner_active = lr_db_bool(r, 0, 10);
        return sink->named(sink->arg, domain, &n);
    }
    default:
        return 0;
    }
}

static int on_row(void *arg, const PGresult *r)
{
    struct read *rd = arg;
    rd->failed = take(rd, r) != 0;
    return rd->failed; /* no more rows once one failed */
}

enum lr_db_status lr_routing_cache_read(struct lr_db_conn *c, int64_t since_v, const char *period,
                                        const struct lr_routing_sink *sink)
{
    char since[24];
    snprintf(since, sizeof since, "%lld", (long long)since_v);
    const char *p[] = {since, period};
    struct read rd = {sink, false, false};
    enum lr_db_status s = lr_db_exec_rows(c, &ROUTING_CACHE_READ, p, on_row, &rd);
    if (s == LR_DB_OK && (rd.failed || !rd.begun)) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 rd.failed ? "out of memory reading the routing cache"
                           : "routing_version has no row");
        s = LR_DB_ERROR;
    }
    return s;
}
