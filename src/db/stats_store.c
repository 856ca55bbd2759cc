/* Every figure is a query over the stored decisions, assignments, review items,
 * opportunities, handoffs and deliveries: there are no counters to drift, and a replica
 * that restarts loses nothing. One statement per answer, so all its figures come from
 * one snapshot. */
#include "db/stats_store.h"

#define NAMED "('named_account', 'named_owner_inactive')"
/* The lead reasons that took a round-robin turn (SPEC 2.5, 2.6). */
#define TURNS "('composite', 'named_owner_inactive')"

static const struct lr_db_stmt STATS = {
    "stats",
    "WITH win AS (SELECT coalesce($1::timestamptz, '-infinity') AS lo,"
    "                    coalesce($2::timestamptz, 'infinity') AS hi),"
    " seg (s, ord) AS (VALUES ('smb', 1), ('mid_market', 2), ('strategic', 3)),"
    /* Lead decisions as made, in one pass over the window's leads: only review
     * resolution rewrites a lead's queue, rep and reason, and only for a lead that went
     * to review (it has a review item), so these columns are the decision's own
     * without reading the decision document. Grouped by queue and rep: a few dozen
     * rows, from which the per-segment and per-rep figures are summed. */
    " lg AS (SELECT CASE WHEN l.review_id IS NOT NULL THEN 'review' ELSE l.queue END AS s,"
    "          CASE WHEN l.review_id IS NULL THEN l.rep_id END AS rep, count(*) AS routed,"
    "          count(*) FILTER (WHERE l.reason IN " NAMED ") AS named,"
    "          count(*) FILTER (WHERE l.reason IN " NAMED " AND l.composite_queue = 'smb')"
    "            AS named_smb,"
    "          count(*) FILTER (WHERE l.review_id IS NULL AND l.reason IN " TURNS ") AS turns"
    "        FROM leads l, win WHERE l.decided_at >= win.lo AND l.decided_at < win.hi"
    "        GROUP BY 1, 2),"
    " lf AS (SELECT s, sum(routed) AS routed, sum(named) AS named, sum(named_smb) AS named_smb,"
    "          sum(turns) AS turns FROM lg GROUP BY s),"
    " rl AS (SELECT rep, sum(routed) AS leads, sum(turns) AS turns FROM lg"
    "        WHERE rep IS NOT NULL GROUP BY rep),"
    /* A review item counts for the segment its subject's signals pointed to. */
    " ro AS (SELECT r.reason, coalesce(l.composite_queue, o.composite_queue, 'review') AS s"
    "        FROM reviews r CROSS JOIN win"
    "        LEFT JOIN leads l ON r.subject = 'lead' AND l.id = r.subject_id"
    "        LEFT JOIN opportunities o ON r.subject = 'opportunity' AND o.id = r.subject_id"
    "        WHERE r.opened_at >= win.lo AND r.opened_at < win.hi),"
    " rr AS (SELECT r.resolved_queue AS s, count(*) AS n FROM reviews r, win"
    "        WHERE r.status = 'resolved' AND r.resolved_at >= win.lo AND r.resolved_at < win.hi"
    "        GROUP BY 1),"
    " fl AS (SELECT a.queue AS s, count(*) AS n FROM assignments a, win"
    "        WHERE a.reason = 'below_floor' AND a.at >= win.lo AND a.at < win.hi GROUP BY 1),"
    " hin AS (SELECT h.to_queue AS s, count(*) AS n FROM handoffs h, win"
    "         WHERE h.at >= win.lo AND h.at < win.hi GROUP BY 1),"
    " hout AS (SELECT h.from_queue AS s, count(*) AS n FROM handoffs h, win"
    "          WHERE h.at >= win.lo AND h.at < win.hi GROUP BY 1),"
    /* Credits belong to the finder's segment, in the window they were settled. */
    " cr AS (SELECT h.from_queue AS s,"
    "          count(*) FILTER (WHERE h.credit_status = 'earned') AS n,"
    "          coalesce(sum(h.credit_cents) FILTER (WHERE h.credit_status = 'earned'), 0)"
    "            AS cents,"
    "          count(*) FILTER (WHERE h.credit_status = 'forfeited') AS forfeited"
    "        FROM handoffs h, win WHERE h.settled_at >= win.lo AND h.settled_at < win.hi"
    "        GROUP BY 1),"
    /* Open pipeline is the present state; the win rate is over deals closed in the window. */
    " pipe AS (SELECT o.queue AS s, count(*) AS n, coalesce(sum(o.acv_cents), 0) AS cents"
    "          FROM opportunities o WHERE NOT o.is_closed GROUP BY 1),"
    " wr AS (SELECT o.queue AS s, count(*) FILTER (WHERE o.outcome = 'won') AS won,"
    "          count(*) FILTER (WHERE o.outcome = 'lost') AS lost"
    "        FROM opportunities o, win"
    "        WHERE o.is_closed AND o.closed_at >= win.lo AND o.closed_at < win.hi GROUP BY 1),"
    /* A rep's fair share is the segment's round-robin turns split by the weights of the
     * reps active now: a rep paused or re-weighted inside the window is measured against
     * today's cycle (docs/dashboard.md). */
    " aw AS (SELECT segment AS s, sum(weight) AS w FROM reps WHERE active GROUP BY 1)"
    "SELECT json_build_object("
    " 'since', lr_rfc3339($1::timestamptz), 'until', lr_rfc3339($2::timestamptz),"
    " 'segments', (SELECT json_object_agg(seg.s, json_build_object("
    "    'leads_routed', coalesce(lf.routed, 0),"
    "    'review_items_opened', (SELECT count(*) FROM ro WHERE ro.s = seg.s),"
    "    'review_items_resolved', coalesce(rr.n, 0),"
    "    'named_overrides', coalesce(lf.named, 0),"
    "    'named_overrides_from_smb', coalesce(lf.named_smb, 0),"
    "    'round_robin_turns', coalesce(lf.turns, 0),"
    "    'handoffs', coalesce(hin.n, 0), 'handoffs_out', coalesce(hout.n, 0),"
    "    'floor_reassignments', coalesce(fl.n, 0),"
    "    'finder_credits', json_build_object('count', coalesce(cr.n, 0),"
    "        'sum', lr_money(coalesce(cr.cents, 0)::bigint),"
    "        'forfeited', coalesce(cr.forfeited, 0)),"
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
    "    FROM reviews WHERE status = 'open'),"
    " 'reps', (SELECT coalesce(json_agg(json_build_object("
    "    'id', r.id, 'name', r.name, 'segment', r.segment, 'active', r.active,"
    "    'weight', r.weight, 'leads', coalesce(rl.leads, 0),"
    "    'round_robin_turns', coalesce(rl.turns, 0),"
    "    'fair_share', CASE WHEN r.active THEN round(coalesce(lf.turns, 0)::numeric * r.weight"
    "        / aw.w, 2)::text ELSE '0.00' END)"
    "    ORDER BY seg.ord, r.id COLLATE \"C\"), '[]')"
    "    FROM reps r JOIN seg ON seg.s = r.segment LEFT JOIN rl ON rl.rep = r.id"
    "    LEFT JOIN lf ON lf.s = r.segment LEFT JOIN aw ON aw.s = r.segment),"
    /* Write-back (SPEC 3.6) now: what waits, and what an operator must look at. One
     * count per status, so that each reads its own partial index (outbox_due,
     * outbox_status_final) and never the delivered rows, most of the table. */
    " 'deliveries', json_build_object("
    "    'pending', (SELECT count(*) FROM outbox WHERE status = 'pending'),"
    "    'dead', (SELECT count(*) FROM outbox WHERE status = 'dead'),"
    "    'oldest_pending_age_seconds', (SELECT floor(extract(epoch FROM now() -"
    "        min(created_at)))::bigint FROM outbox WHERE status = 'pending')))::text",
    2};

/* Leads routed per bucket and per queue as decided: a lead in review has a review item
 * (review_id), and only review resolution rewrites queue, for those leads only, so
 * these columns give the decision's queue without reading the decision document.
 * Buckets are bins of $4 from the epoch, hence UTC hours and days; the first and last
 * count only the part inside [since, until), so the series adds up to /v1/stats. */
static const struct lr_db_stmt SERIES = {
    "stats_series",
    "WITH b AS (SELECT t FROM generate_series("
    "             date_bin($4::interval, $1::timestamptz, timestamptz '1970-01-01 00:00+00'),"
    "             $2::timestamptz - interval '1 microsecond', $4::interval) AS t),"
    " seg (s, ord) AS (VALUES ('smb', 1), ('mid_market', 2), ('strategic', 3), ('review', 4)),"
    /* The bounds are compared with the parameters themselves, not through a CTE, so
     * that the planner sees how much of the table the window takes. */
    " c AS (SELECT date_bin($4::interval, l.decided_at, timestamptz '1970-01-01 00:00+00') AS t,"
    "         CASE WHEN l.review_id IS NOT NULL THEN 'review' ELSE l.queue END AS s,"
    "         count(*) AS n"
    "       FROM leads l WHERE l.decided_at >= $1::timestamptz AND l.decided_at < $2::timestamptz"
    "       GROUP BY 1, 2),"
    " x AS (SELECT seg.s, seg.ord, json_agg(coalesce(c.n, 0) ORDER BY b.t) AS counts"
    "       FROM seg CROSS JOIN b LEFT JOIN c ON c.s = seg.s AND c.t = b.t"
    "       GROUP BY seg.s, seg.ord)"
    "SELECT json_build_object("
    " 'since', lr_rfc3339($1::timestamptz), 'until', lr_rfc3339($2::timestamptz),"
    " 'bucket', $3::text,"
    " 'buckets', (SELECT coalesce(json_agg(lr_rfc3339(t) ORDER BY t), '[]') FROM b),"
    " 'segments', (SELECT json_object_agg(x.s, x.counts ORDER BY x.ord) FROM x))::text",
    4};

enum lr_db_status lr_stats_json(struct lr_db_conn *c, const char *since, const char *until,
                                char **json)
{
    const char *p[] = {since, until};
    return lr_db_one_text(c, &STATS, p, json);
}

enum lr_db_status lr_stats_series_json(struct lr_db_conn *c, const char *since, const char *until,
                                       const char *bucket, const char *width, char **json)
{
    const char *p[] = {since, until, bucket, width};
    return lr_db_one_text(c, &SERIES, p, json);
}
