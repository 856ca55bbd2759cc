/* The replay's read side: one cursor over the window, only the columns the rule needs,
 * extracted in SQL, so that 100,000 leads stream in a few round trips. */
#include "db/simulate_store.h"

#include <stdio.h>
#include <string.h>

#define SIM_BATCH "5000"

/* Event values come from the event as stored; enrichment values are the ones the
 * decision recorded with source "enrichment" (the accounts table may have changed
 * since); the named owner is the one the decision saw. A decision that went to the
 * owner's segment names it in its queue; otherwise the owner's segment is read from
 * the rep. Amounts become cents with numeric arithmetic, never a double. The decision
 * (d.v) is the one the lead's first delivery was answered with (lr_lead_decision),
 * built once per lead: without OFFSET 0 the planner would copy the call into each of
 * the eight places that read it (100,000 leads took 13.8 s instead of 2.1). */
#define EVENT_INT(k)                                                                               \
    "CASE WHEN jsonb_typeof(l.data -> '" k "') = 'number'"                                         \
    " THEN (l.data ->> '" k "')::numeric::bigint END"
#define RECORDED(k, scale)                                                                         \
    "CASE WHEN d.v #>> '{signals," k ",source}' = 'enrichment'"                                    \
    " THEN round((d.v #>> '{signals," k ",value}')::numeric * " scale ")::bigint END"

#define EVENT_VALUES                                                                               \
    EVENT_INT("employee_count")                                                                    \
    ","                                                                                            \
    " CASE WHEN jsonb_typeof(l.data -> 'expected_acv') = 'number'"                                 \
    " THEN round((l.data ->> 'expected_acv')::numeric * 100)::bigint END," EVENT_INT("fit_score")

#define RECORDED_VALUES                                                                            \
    RECORDED("employee_count", "1")                                                                \
    "," RECORDED("expected_acv", "100") "," RECORDED("fit_score", "1")

static const struct lr_db_stmt OPEN = {
    "sim_open",
    "DECLARE lr_sim NO SCROLL CURSOR FOR"
    " SELECT l.id, l.queue, l.reason, l.domain, " EVENT_VALUES ","
    "  coalesce((d.v #>> '{account,matched}')::boolean, false), " RECORDED_VALUES ","
    "  d.v #>> '{account,named_owner}',"
    "  CASE WHEN d.v ->> 'reason' IN ('named_account', 'named_owner_inactive')"
    "   THEN d.v ->> 'queue' ELSE o.segment END,"
    "  d.v ->> 'reason' = 'named_account'"
    " FROM leads l CROSS JOIN LATERAL (SELECT lr_lead_decision(l) AS v OFFSET 0) d"
    " LEFT JOIN reps o ON o.id = d.v #>> '{account,named_owner}'"
    " WHERE l.decided_at >= coalesce($1::timestamptz, '-infinity')"
    "   AND l.decided_at < coalesce($2::timestamptz, 'infinity')"
    " ORDER BY l.decided_at, l.id",
    2};
static const struct lr_db_stmt FETCH = {"sim_fetch", "FETCH FORWARD " SIM_BATCH " FROM lr_sim", 0};
static const struct lr_db_stmt VERSION = {"sim_version", "SELECT max(version) FROM rules", 0};

static struct lr_opt_i64 opt(const PGresult *r, int row, int col)
{
    struct lr_opt_i64 o = {!PQgetisnull(r, row, col), lr_db_int(r, row, col)};
    return o;
}

static void visit_rows(const PGresult *r, lr_sim_visit visit, void *arg)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct lr_sim_lead lead;
        memset(&lead, 0, sizeof lead);
        lead.id = PQgetvalue(r, i, 0);
        if (!lr_segment_parse(lr_db_text(r, i, 1), true, &lead.current))
            lead.current = LR_SEG_NONE;
        if (!lr_reason_parse(lr_db_text(r, i, 2), &lead.current_reason))
            lead.current_reason = LR_REASON_COUNT_;
        struct lr_recorded_lead *rec = &lead.recorded;
        rec->domain = lr_db_text(r, i, 3);
        rec->event.employees = opt(r, i, 4);
        rec->event.acv_cents = opt(r, i, 5);
        rec->event.fit = opt(r, i, 6);
        rec->account.found = lr_db_bool(r, i, 7);
        rec->account.employees = opt(r, i, 8);
        rec->account.acv_cents = opt(r, i, 9);
        rec->account.fit = opt(r, i, 10);
        const char *owner = lr_db_text(r, i, 11);
        if (owner != NULL) {
            rec->named.found = true;
            snprintf(rec->named.owner_id, sizeof rec->named.owner_id, "%s", owner);
            if (!lr_segment_parse(lr_db_text(r, i, 12), false, &rec->named.owner_segment))
                rec->named.owner_segment = LR_SEG_NONE;
            rec->named.owner_active = lr_db_bool(r, i, 13);
        }
        visit(arg, &lead);
    }
}

enum lr_db_status lr_simulate_scan(struct lr_db_conn *c, const char *since, const char *until,
                                   int64_t *rules_version, lr_sim_visit visit, void *arg)
{
    const char *p[] = {since, until};
    PGresult *r = NULL;
    enum lr_db_status s = lr_db_simple(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (s != LR_DB_OK)
        return s;
    if ((s = lr_db_exec(c, &VERSION, NULL, &r)) != LR_DB_OK)
        goto out;
    *rules_version = lr_db_int(r, 0, 0);
    PQclear(r);
    r = NULL;
    if ((s = lr_db_exec(c, &OPEN, p, NULL)) != LR_DB_OK)
        goto out;
    for (;;) {
        if ((s = lr_db_exec(c, &FETCH, NULL, &r)) != LR_DB_OK)
            goto out;
        if (PQntuples(r) == 0)
            break;
        visit_rows(r, visit, arg);
        PQclear(r);
        r = NULL;
    }
    PQclear(r);
    r = NULL;
    /* Read-only: ending the transaction also closes the cursor. */
    s = lr_db_commit(c);
out:
    PQclear(r);
    if (s != LR_DB_OK)
        lr_db_rollback(c);
    return s;
}
