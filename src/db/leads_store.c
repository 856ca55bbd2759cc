/* The lead path against PostgreSQL: one read before the decision, one call after (for
 * a batch of leads at once when the server groups them, db/batcher.c). */
#include "db/leads_store.h"

#include "db/assignments_store.h"
#include "db/pgarray.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per lead, in the order given; max(version) is computed once. Every lookup is a
 * probe of one key (LATERAL ... OFFSET 0 keeps each a parameterised index scan), so
 * that the plan is the same on the empty tables of a new deployment and on full ones:
 * a join planned while webhook_events was empty scanned it whole for every batch once
 * it had grown (docs/performance.md). A lead's stored answer is its decision. */
static const struct lr_db_stmt LEAD_CONTEXTS = {
    "lead_contexts",
    "SELECT (SELECT max(version) FROM rules),"
    "       coalesce(a.found, false), a.employee_count, a.expected_acv_cents, a.fit_score,"
    "       n.owner_rep_id, n.segment, n.active,"
    "       w.body_sha256 IS NOT NULL, w.body_sha256 = u.sha, w.response_body"
    "  FROM unnest($1::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(domain, wid, sha, o)"
    "  LEFT JOIN LATERAL (SELECT true AS found, a.employee_count, a.expected_acv_cents,"
    "                            a.fit_score FROM accounts a WHERE a.domain = u.domain"
    "                     OFFSET 0) a ON true"
    "  LEFT JOIN LATERAL (SELECT n.owner_rep_id, r.segment, r.active FROM named_accounts n"
    "                     LEFT JOIN reps r ON r.id = n.owner_rep_id"
    "                     WHERE n.period = $2 AND n.domain = u.domain OFFSET 0) n ON true"
    "  LEFT JOIN LATERAL (SELECT w.body_sha256,"
    "                            coalesce(w.response_body,"
    "                                     (SELECT lr_lead_decision(l)::text FROM leads l"
    "                                      WHERE l.id = w.subject_id))"
    "                            AS response_body"
    "                     FROM webhook_events w"
    "                     WHERE w.webhook_id = u.wid AND w.response_status IS NOT NULL"
    "                     OFFSET 0) w ON true"
    " ORDER BY u.o",
    4};

/* One transaction for a whole batch; each event's data object is stored. */
#define LEADS_COMMIT_ARGS                                                                          \
    "$1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],"                           \
    " (SELECT array_agg(u.b -> 'data' ORDER BY u.o)"                                               \
    "    FROM unnest($6::jsonb[]) WITH ORDINALITY AS u(b, o)),"                                    \
    " $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[],"                \
    " $13::jsonb[], $14::text[]"
/* Settings for this transaction come first (the LATERAL reference orders them): $16,
 * the routing cache version the batch was decided at ('' for none), which
 * lr_commit_leads checks; while the worker has enough waiting ($17 false), the session's
 * hand-off setting cleared, so that the batch hands nothing over; and the answers of
 * leads routed now as only what the database decided (the service builds the text). */
static const struct lr_db_stmt LEADS_COMMIT = {
    "leads_commit",
    "SELECT c.ord, c.status, c.body"
    "  FROM (SELECT set_config('leadrouter.decided_at_routing_v', $16, true),"
    "               set_config('leadrouter.writeback_handoff',"
    "                          CASE WHEN $17::boolean"
    "                               THEN coalesce(current_setting("
    "                                        'leadrouter.writeback_handoff', true), '')"
    "                               ELSE '' END, true),"
    "               set_config('leadrouter.answer', 'owner', true)) AS h(v, handoff, answer)"
    "  CROSS JOIN LATERAL lr_commit_leads(" LEADS_COMMIT_ARGS ","
    "                                     $15::boolean AND h.v IS NOT NULL"
    "                                     AND h.handoff IS NOT NULL"
    "                                     AND h.answer IS NOT NULL) AS c",
    17};

static const struct lr_db_stmt LEAD_GET = {
    "lead_get",
    "SELECT json_build_object("
    "  'id', l.id, 'queue', l.queue, 'rep_id', l.rep_id, 'reason', l.reason,"
    "  'composite_queue', l.composite_queue, 'review_id', l.review_id, 'domain', l.domain,"
    "  'rules_version', l.rules_version, 'data', l.data, 'decision', lr_lead_decision(l),"
    "  'created_at', lr_rfc3339(l.created_at),"
    "  'history', coalesce((SELECT json_agg(json_build_object("
    "      'id', a.id, 'subject', a.subject, 'subject_id', a.subject_id,"
    "      'queue', a.queue, 'rep_id', a.rep_id,"
    "      'previous_rep_id', a.previous_rep_id, 'reason', a.reason,"
    "      'at', lr_rfc3339(a.at)) ORDER BY a.seq)"
    "    FROM assignments a WHERE a.subject = 'lead' AND a.subject_id = l.id), '[]'::json)"
    ")::text FROM leads l WHERE l.id = $1",
    1};

static void opt(const PGresult *r, int row, int col, struct lr_opt_i64 *o)
{
    o->present = !PQgetisnull(r, row, col);
    o->v = lr_db_int(r, row, col);
}

static enum lr_db_status context_row(const PGresult *r, int row, struct lr_lead_context *out)
{
    out->rules_version = lr_db_int(r, row, 0);
    out->account.found = lr_db_bool(r, row, 1);
    opt(r, row, 2, &out->account.employees);
    opt(r, row, 3, &out->account.acv_cents);
    opt(r, row, 4, &out->account.fit);
    const char *owner = lr_db_text(r, row, 5);
    if (owner != NULL) {
        out->named.found = true;
        snprintf(out->named.owner_id, sizeof out->named.owner_id, "%s", owner);
        lr_segment_parse(lr_db_text(r, row, 6), false, &out->named.owner_segment);
        out->named.owner_active = lr_db_bool(r, row, 7);
    }
    out->seen = lr_db_bool(r, row, 8);
    out->same_body = lr_db_bool(r, row, 9);
    if (out->seen && out->same_body && (out->stored_body = strdup(PQgetvalue(r, row, 10))) == NULL)
        return LR_DB_ERROR;
    return LR_DB_OK;
}

enum lr_db_status lr_lead_contexts_load(struct lr_db_conn *c, size_t n, const char *const *domains,
                                        const char *period, const char *const *webhook_ids,
                                        const char *const *body_sha256s,
                                        struct lr_lead_context *out)
{
    memset(out, 0, n * sizeof *out);
    char *arrays[3] = {lr_pg_text_array(domains, n), lr_pg_text_array(webhook_ids, n),
                       lr_pg_text_array(body_sha256s, n)};
    enum lr_db_status s = LR_DB_ERROR;
    PGresult *r = NULL;
    if (arrays[0] != NULL && arrays[1] != NULL && arrays[2] != NULL) {
        const char *p[] = {arrays[0], period, arrays[1], arrays[2]};
        s = lr_db_exec(c, &LEAD_CONTEXTS, p, &r);
    }
    for (int k = 0; k < 3; k++)
        free(arrays[k]);
    if (s != LR_DB_OK)
        return s;
    if ((size_t)PQntuples(r) != n) {
        snprintf(c->last_error, sizeof c->last_error, "lead_contexts answered %d rows for %zu",
                 PQntuples(r), n);
        s = LR_DB_ERROR;
    }
    for (size_t i = 0; s == LR_DB_OK && i < n; i++)
        s = context_row(r, (int)i, &out[i]);
    PQclear(r);
    if (s != LR_DB_OK)
        for (size_t i = 0; i < n; i++)
            lr_lead_context_free(&out[i]);
    return s;
}

enum lr_db_status lr_lead_context_load(struct lr_db_conn *c, const char *domain, const char *period,
                                       const char *webhook_id, const char *body_sha256,
                                       struct lr_lead_context *out)
{
    return lr_lead_contexts_load(c, 1, &domain, period, &webhook_id, &body_sha256, out);
}

void lr_lead_context_free(struct lr_lead_context *ctx)
{
    free(ctx->stored_body);
    ctx->stored_body = NULL;
}

static const char *mode_name(enum lr_assign_mode m)
{
    return m == LR_ASSIGN_REP ? "rep" : m == LR_ASSIGN_ROUND_ROBIN ? "round_robin" : "none";
}

enum {
    COL_WEBHOOK,
    COL_SHA,
    COL_LEAD,
    COL_DOMAIN,
    COL_TS,
    COL_BODY,
    COL_QUEUE,
    COL_MODE,
    COL_REP,
    COL_REASON,
    COL_COMPOSITE,
    COL_VERSION,
    COL_DECISION,
    COL_ACTOR,
    NCOLS
};

/* The column values of one lead, as text; version points into the caller's buffer. */
static void lead_columns(const struct lr_lead_write *w, char *version, size_t vlen,
                         const char *col[NCOLS])
{
    const struct lr_decision *d = w->decision;
    snprintf(version, vlen, "%lld", (long long)w->rules_version);
    col[COL_WEBHOOK] = w->webhook_id;
    col[COL_SHA] = w->body_sha256;
    col[COL_LEAD] = w->lead_id;
    col[COL_DOMAIN] = w->domain;
    col[COL_TS] = w->event_ts;
    col[COL_BODY] = w->body_json;
    col[COL_QUEUE] = lr_segment_name(d->queue);
    col[COL_MODE] = mode_name(d->mode);
    col[COL_REP] = d->mode == LR_ASSIGN_REP ? d->rep_id : NULL;
    col[COL_REASON] = lr_reason_name(d->reason);
    col[COL_COMPOSITE] = lr_segment_name(d->composite);
    col[COL_VERSION] = version;
    col[COL_DECISION] = w->decision_json;
    col[COL_ACTOR] = w->actor;
}

/* A lead routed now: '<review_id>/<rep_id>', either side empty for none (rep ids are
 * never empty). */
static int routed_now(const char *b, struct lr_lead_result *o)
{
    const char *slash = b != NULL ? strchr(b, '/') : NULL;
    if (slash == NULL)
        return -1;
    o->review_id = 0;
    for (const char *p = b; p < slash; p++) {
        if (*p < '0' || *p > '9' || o->review_id > (INT64_MAX - 9) / 10)
            return -1;
        o->review_id = o->review_id * 10 + (*p - '0');
    }
    if (slash > b && o->review_id == 0)
        return -1;
    o->rep_id = NULL;
    return slash[1] != '\0' && (o->rep_id = strdup(slash + 1)) == NULL ? -1 : 0;
}

void lr_lead_handoff_clear(struct lr_lead_handoff *h)
{
    free(h->ids);
    h->ids = NULL;
    h->n = 0;
}

enum lr_db_status lr_leads_commit(struct lr_db_conn *c, const struct lr_lead_write *const *w,
                                  size_t n, bool wait, bool hand_off, int64_t routing_v,
                                  struct lr_lead_result *out, struct lr_lead_handoff *handoff)
{
    memset(out, 0, n * sizeof *out);
    lr_lead_handoff_clear(handoff);
    if (n == 0)
        return LR_DB_OK;
    /* Column-major: one text array per parameter. */
    const char **cells = calloc(n * NCOLS, sizeof *cells);
    char(*versions)[24] = calloc(n, sizeof *versions);
    const char *params[NCOLS + 3] = {0};
    char routing_text[24] = "";
    char *arrays[NCOLS] = {0};
    enum lr_db_status s = LR_DB_OK;
    if (cells == NULL || versions == NULL) {
        s = LR_DB_ERROR;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *col[NCOLS];
        lead_columns(w[i], versions[i], sizeof versions[i], col);
        for (int k = 0; k < NCOLS; k++)
            cells[(size_t)k * n + i] = col[k];
    }
    /* The event and the decision, most of the input, go in binary (no array literal for
     * the server to un-escape first); the rest as text. */
    int lengths[NCOLS + 3] = {0}, formats[NCOLS + 3] = {0};
    for (int k = 0; k < NCOLS; k++) {
        const char *const *list = cells + (size_t)k * n;
        formats[k] = k == COL_BODY || k == COL_DECISION;
        arrays[k] =
            formats[k] ? lr_pg_jsonb_array_binary(list, n, &lengths[k]) : lr_pg_text_array(list, n);
        if ((params[k] = arrays[k]) == NULL) {
            s = LR_DB_ERROR;
            goto out;
        }
    }
    params[NCOLS] = wait ? "true" : "false";
    if (routing_v > 0)
        snprintf(routing_text, sizeof routing_text, "%lld", (long long)routing_v);
    params[NCOLS + 1] = routing_text;
    params[NCOLS + 2] = hand_off ? "true" : "false";
    PGresult *r;
    if ((s = lr_db_exec_formats(c, &LEADS_COMMIT, params, lengths, formats, &r)) != LR_DB_OK)
        goto out;
    /* n answers, then the hand-off when there is one. */
    size_t rows = (size_t)PQntuples(r);
    if (rows != n && !(rows == n + 1 && lr_db_int(r, (int)n, 0) == 0)) {
        snprintf(c->last_error, sizeof c->last_error, "lr_commit_leads answered %d rows for %zu",
                 PQntuples(r), n);
        PQclear(r);
        s = LR_DB_ERROR;
        goto out;
    }
    /* '{id,id,...}' as lr_write_assignments writes it; anything else hands nothing. */
    if (rows == n + 1)
        lr_pg_id_array_parse(lr_db_text(r, (int)n, 2), &handoff->ids, &handoff->n);
    for (size_t i = 0; i < n; i++) {
        size_t ord = (size_t)lr_db_int(r, (int)i, 0);
        int status = (int)lr_db_int(r, (int)i, 1);
        const char *b = lr_db_text(r, (int)i, 2);
        if (ord < 1 || ord > n) {
            s = LR_DB_ERROR;
            break;
        }
        struct lr_lead_result *o = &out[ord - 1];
        o->s = status == -1 ? LR_DB_NO_ACTIVE_REP : LR_DB_OK;
        o->busy = status == -2;
        o->status = status < 0 ? 0 : status;
        o->body = NULL;
        if (status == 201) {
            if (routed_now(b, o) != 0)
                s = LR_DB_ERROR;
        } else if (b != NULL && status > 0 && (o->body = strdup(b)) == NULL) {
            s = LR_DB_ERROR;
        }
    }
    PQclear(r);
    /* Committed already: on a failure here the leads are written, so a retry of any of
     * them (the caller's, lead by lead, or its sender's) gets its stored answer. */
    if (s != LR_DB_OK)
        for (size_t i = 0; i < n; i++) {
            free(out[i].body);
            out[i].body = NULL;
            free(out[i].rep_id);
            out[i].rep_id = NULL;
        }
out:
    for (int k = 0; k < NCOLS; k++)
        free(arrays[k]);
    free(versions);
    free(cells);
    return s;
}

enum lr_db_status lr_lead_get_json(struct lr_db_conn *c, const char *id, char **json)
{
    const char *p[] = {id};
    *json = NULL;
    enum lr_db_status s = lr_assignments_publish(c);
    return s != LR_DB_OK ? s : lr_db_one_text(c, &LEAD_GET, p, json);
}
