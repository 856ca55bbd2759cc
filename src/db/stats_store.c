/* Every figure is a query over the stored decisions, assignments, review items,
 * opportunities and handoffs: there are no counters to drift, and a replica that
 * restarts loses nothing. One statement, so all figures come from one snapshot. */
#include "db/stats_store.h"

#include <stdlib.h>
#include <string.h>

#define IN_WINDOW(col) col " >= win.lo AND " col " < win.hi"
#define NAMED "('named_account', 'named_owner_inactive')"

static const struct lr_db_stmt STATS =
    {
        "stats",
        "WITH win AS (SELECT coalesce($1::timestamptz, '-infinity') AS lo,"
        "                    coalesce($2::timestamptz, 'infinity') AS hi),"
        " seg (s, ord) AS (VALUES ('smb', 1), ('mid_market', 2), ('strategic', 3)),"
        /* Lead decisions as made: a later review resolution does not rewrite them. */
        " lf AS (SELECT l.decision ->> 'queue' AS s, count(*) AS routed,"
        "          count(*) FILTER (WHERE l.decision ->> 'reason' IN " NAMED ") AS named,"
        "          count(*) FILTER (WHERE l.decision ->> 'reason' IN " NAMED
        "                             AND l.composite_queue = 'smb') AS named_smb"
        "        FROM leads l, win WHERE " IN_WINDOW(
            "l.decided_at") " GROUP BY 1),"
                            /* A review item counts for the segment its subject's signals pointed
                               to. */
                            " ro AS (SELECT r.reason, coalesce(l.composite_queue, "
                            "o.composite_queue, 'review') AS s"
                            "        FROM reviews r CROSS JOIN win"
                            "        LEFT JOIN leads l ON r.subject = 'lead' AND l.id = "
                            "r.subject_id"
                            "        LEFT JOIN opportunities o ON r.subject = 'opportunity' AND "
                            "o.id = r.subject_id"
                            "        WHERE " IN_WINDOW(
                                "r.opened_at") "),"
                                               " rr AS (SELECT r.resolved_queue AS s, count(*) AS "
                                               "n FROM reviews r, win"
                                               "        WHERE r.status = 'resolved' AND " IN_WINDOW(
                                                   "r.resolved_at") " GROUP BY 1),"
                                                                    " fl AS (SELECT a.queue AS s, "
                                                                    "count(*) AS n FROM "
                                                                    "assignments a, win"
                                                                    "        WHERE a.reason = "
                                                                    "'below_floor' AND " IN_WINDOW(
                                                                        "a.at") " GROUP BY 1),"
                                                                                " hin AS (SELECT "
                                                                                "h.to_queue AS s, "
                                                                                "count(*) AS n "
                                                                                "FROM handoffs h, "
                                                                                "win"
                                                                                "         "
                                                                                "WHERE " IN_WINDOW("h.at") " GROUP BY 1),"
                                                                                                           " hout AS (SELECT h.from_queue AS s, count(*) AS n FROM handoffs h, win"
                                                                                                           "          WHERE " IN_WINDOW("h.at") " GROUP BY 1),"
                                                                                                                                                /* Credits belong to the finder's segment, in the window they were settled. */
                                                                                                                                                " cr AS (SELECT h.from_queue AS s,"
                                                                                                                                                "          count(*) FILTER (WHERE h.credit_status = 'earned') AS n,"
                                                                                                                                                "          coalesce(sum(h.credit_cents) FILTER (WHERE h.credit_status = 'earned'), 0) AS cents,"
                                                                                                                                                "          count(*) FILTER (WHERE h.credit_status = 'forfeited') AS forfeited"
                                                                                                                                                "        FROM handoffs h, win WHERE " IN_WINDOW("h.settled_at") " GROUP BY 1),"
                                                                                                                                                                                                                /* Open pipeline is the present state; the win rate is over deals closed in the window. */
                                                                                                                                                                                                                " pipe AS (SELECT o.queue AS s, count(*) AS n, coalesce(sum(o.acv_cents), 0) AS cents"
                                                                                                                                                                                                                "          FROM opportunities o WHERE NOT o.is_closed GROUP BY 1),"
                                                                                                                                                                                                                " wr AS (SELECT o.queue AS s, count(*) FILTER (WHERE o.outcome = 'won') AS won,"
                                                                                                                                                                                                                "          count(*) FILTER (WHERE o.outcome = 'lost') AS lost"
                                                                                                                                                                                                                "        FROM opportunities o, win WHERE o.is_closed AND " IN_WINDOW("o.closed_at") "        GROUP BY 1)"
                                                                                                                                                                                                                                                                                                    "SELECT json_build_object("
                                                                                                                                                                                                                                                                                                    " 'since', lr_rfc3339($1::timestamptz), 'until', lr_rfc3339($2::timestamptz),"
                                                                                                                                                                                                                                                                                                    " 'segments', (SELECT json_object_agg(seg.s, json_build_object("
                                                                                                                                                                                                                                                                                                    "    'leads_routed', coalesce(lf.routed, 0),"
                                                                                                                                                                                                                                                                                                    "    'review_items_opened', (SELECT count(*) FROM ro WHERE ro.s = seg.s),"
                                                                                                                                                                                                                                                                                                    "    'review_items_resolved', coalesce(rr.n, 0),"
                                                                                                                                                                                                                                                                                                    "    'named_overrides', coalesce(lf.named, 0),"
                                                                                                                                                                                                                                                                                                    "    'named_overrides_from_smb', coalesce(lf.named_smb, 0),"
                                                                                                                                                                                                                                                                                                    "    'handoffs', coalesce(hin.n, 0), 'handoffs_out', coalesce(hout.n, 0),"
                                                                                                                                                                                                                                                                                                    "    'floor_reassignments', coalesce(fl.n, 0),"
                                                                                                                                                                                                                                                                                                    "    'finder_credits', json_build_object('count', coalesce(cr.n, 0),"
                                                                                                                                                                                                                                                                                                    "        'sum', lr_money(coalesce(cr.cents, 0)::bigint), 'forfeited', coalesce(cr.forfeited, 0)),"
                                                                                                                                                                                                                                                                                                    "    'open_pipeline', lr_money(coalesce(pipe.cents, 0)::bigint),"
                                                                                                                                                                                                                                                                                                    "    'open_opportunities', coalesce(pipe.n, 0),"
                                                                                                                                                                                                                                                                                                    "    'won', coalesce(wr.won, 0), 'lost', coalesce(wr.lost, 0),"
                                                                                                                                                                                                                                                                                                    "    'win_rate', CASE WHEN coalesce(wr.won, 0) + coalesce(wr.lost, 0) > 0"
                                                                                                                                                                                                                                                                                                    "        THEN round(wr.won::numeric / (wr.won + wr.lost), 4)::text END)"
                                                                                                                                                                                                                                                                                                    "    ORDER BY seg.ord)"
                                                                                                                                                                                                                                                                                                    "   FROM seg LEFT JOIN lf ON lf.s = seg.s LEFT JOIN rr ON rr.s = seg.s"
                                                                                                                                                                                                                                                                                                    "   LEFT JOIN fl ON fl.s = seg.s LEFT JOIN hin ON hin.s = seg.s"
                                                                                                                                                                                                                                                                                                    "   LEFT JOIN hout ON hout.s = seg.s LEFT JOIN cr ON cr.s = seg.s"
                                                                                                                                                                                                                                                                                                    "   LEFT JOIN pipe ON pipe.s = seg.s LEFT JOIN wr ON wr.s = seg.s),"
                                                                                                                                                                                                                                                                                                    " 'review', json_build_object("
                                                                                                                                                                                                                                                                                                    "    'leads_routed', coalesce((SELECT routed FROM lf WHERE s = 'review'), 0),"
                                                                                                                                                                                                                                                                                                    "    'items_opened', (SELECT count(*) FROM ro),"
                                                                                                                                                                                                                                                                                                    "    'items_resolved', (SELECT coalesce(sum(n), 0) FROM rr),"
                                                                                                                                                                                                                                                                                                    "    'opened_by_reason', (SELECT coalesce(json_object_agg(reason, n ORDER BY reason), '{}')"
                                                                                                                                                                                                                                                                                                    "        FROM (SELECT reason, count(*) AS n FROM ro GROUP BY reason) x)),"
                                                                                                                                                                                                                                                                                                    " 'named_override_leakage', (SELECT coalesce(sum(named_smb), 0) FROM lf),"
                                                                                                                                                                                                                                                                                                    " 'review_backlog', (SELECT json_build_object('size', count(*), 'oldest_age_seconds',"
                                                                                                                                                                                                                                                                                                    "    floor(extract(epoch FROM now() - min(opened_at)))::bigint)"
                                                                                                                                                                                                                                                                                                    "    FROM reviews WHERE status = 'open'))::text",
        2};

enum lr_db_status lr_stats_json(struct lr_db_conn *c, const char *since, const char *until,
                                char **json)
{
    const char *p[] = {since, until};
    PGresult *r;
    *json = NULL;
    enum lr_db_status s = lr_db_exec(c, &STATS, p, &r);
    if (s != LR_DB_OK)
        return s;
    *json = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *json ? LR_DB_OK : LR_DB_ERROR;
}
