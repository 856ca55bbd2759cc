/* Reps: changes are audited, and the round-robin cycle follows them in the same
 * transaction, so a replica never takes a turn from a stale cycle. */
#include "db/reps_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "db/pgarray.h"
#include "routing/roundrobin.h"

static const struct lr_db_stmt RR_LOCK = {
    "rr_lock",
    "SELECT segment FROM rr_state WHERE segment = ANY($1::text[]) ORDER BY segment FOR UPDATE", 1};
static const struct lr_db_stmt REP_ROW = {
    "rep_row",
    "SELECT name, segment, active, weight, row_to_json(r)::text FROM reps r WHERE id = $1 FOR "
    "UPDATE",
    1};
static const struct lr_db_stmt REP_UPSERT = {
    "rep_upsert",
    "INSERT INTO reps AS r (id, name, segment, active, weight) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, segment = EXCLUDED.segment,"
    " active = EXCLUDED.active, weight = EXCLUDED.weight, updated_at = now()"
    " RETURNING row_to_json(r)::text,"
    " json_build_object('id', r.id, 'name', r.name, 'segment', r.segment, 'active', r.active,"
    "   'weight', r.weight, 'created_at', lr_rfc3339(r.created_at),"
    "   'updated_at', lr_rfc3339(r.updated_at))::text",
    5};
static const struct lr_db_stmt REP_NAMED_COUNT = {
    "rep_named_count",
    "SELECT count(*), min(period) FROM named_accounts WHERE owner_rep_id = $1"
    " AND period >= to_char(now() AT TIME ZONE 'UTC', 'YYYY-\"Q\"Q')",
    1};
static const struct lr_db_stmt NO_POACHING = {
    "rules_no_poaching",
    "SELECT (document ->> 'no_poaching')::boolean FROM rules ORDER BY version DESC LIMIT 1", 0};
static const struct lr_db_stmt REPS_LIST = {
    "reps_list",
    "SELECT json_build_object('items', coalesce(json_agg(json_build_object("
    "  'id', id, 'name', name, 'segment', segment, 'active', active, 'weight', weight,"
    "  'created_at', lr_rfc3339(created_at), 'updated_at', lr_rfc3339(updated_at))"
    "  ORDER BY id), '[]'::json))::text FROM reps",
    0};
static const struct lr_db_stmt RR_MEMBERS = {
    "rr_members",
    "SELECT id, weight FROM reps WHERE segment = $1 AND active ORDER BY id COLLATE \"C\"", 1};
static const struct lr_db_stmt RR_CLEAR = {"rr_clear", "DELETE FROM rr_schedule WHERE segment = $1",
                                           1};
static const struct lr_db_stmt RR_FILL = {
    "rr_fill",
    "INSERT INTO rr_schedule (segment, slot, rep_id)"
    " SELECT $1, s.slot - 1, s.rep FROM unnest($2::text[]) WITH ORDINALITY AS s(rep, slot)",
    2};
static const struct lr_db_stmt RR_RESET = {
    "rr_reset", "UPDATE rr_state SET turn = 0, cycle_len = $2::int WHERE segment = $1", 2};

enum lr_db_status lr_rr_rebuild(struct lr_db_conn *c, enum lr_segment seg)
{
    const char *p[] = {lr_segment_name(seg)};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &RR_MEMBERS, p, &r);
    if (s != LR_DB_OK)
        return s;
    int n = PQntuples(r);
    int *weights = calloc((size_t)n + 1, sizeof *weights);
    size_t total = 0;
    for (int i = 0; weights && i < n; i++) {
        weights[i] = (int)lr_db_int(r, i, 1);
        total += (size_t)weights[i];
    }
    size_t *slots = calloc(total + 1, sizeof *slots);
    const char **ids = calloc(total + 1, sizeof *ids);
    char *array = NULL;
    if (weights == NULL || slots == NULL || ids == NULL) {
        s = LR_DB_ERROR;
        goto out;
    }
    size_t len = lr_rr_cycle(weights, (size_t)n, slots, total);
    for (size_t i = 0; i < len; i++)
        ids[i] = PQgetvalue(r, (int)slots[i], 0);
    array = lr_pg_text_array(ids, len);
    char len_s[32];
    snprintf(len_s, sizeof len_s, "%zu", len);
    const char *fill[] = {lr_segment_name(seg), array};
    const char *reset[] = {lr_segment_name(seg), len_s};
    if (array == NULL)
        s = LR_DB_ERROR;
    else if ((s = lr_db_exec(c, &RR_CLEAR, p, NULL)) == LR_DB_OK &&
             (s = lr_db_exec(c, &RR_FILL, fill, NULL)) == LR_DB_OK)
        s = lr_db_exec(c, &RR_RESET, reset, NULL);
out:
    free(array);
    free(ids);
    free(slots);
    free(weights);
    PQclear(r);
    return s;
}

static enum lr_db_status check_rules(struct lr_db_conn *c, const struct lr_rep *rep,
                                     const PGresult *old, enum lr_rep_outcome *outcome,
                                     char *detail, size_t dlen)
{
    PGresult *r;
    enum lr_db_status s;
    enum lr_segment old_seg = LR_SEG_NONE;
    if (old != NULL)
        lr_segment_parse(PQgetvalue(old, 0, 1), false, &old_seg);
    if (old_seg == LR_SEG_SMB && rep->segment != LR_SEG_SMB) {
        if ((s = lr_db_exec(c, &NO_POACHING, NULL, &r)) != LR_DB_OK)
            return s;
        bool on = lr_db_bool(r, 0, 0);
        PQclear(r);
        if (on) {
            *outcome = LR_REP_POACHING;
            snprintf(detail, dlen,
                     "rule no_poaching: an smb rep cannot be moved to %s while no_poaching is on",
                     lr_segment_name(rep->segment));
            return LR_DB_OK;
        }
    }
    if (old != NULL && rep->segment == LR_SEG_SMB && old_seg != LR_SEG_SMB) {
        const char *p[] = {rep->id};
        if ((s = lr_db_exec(c, &REP_NAMED_COUNT, p, &r)) != LR_DB_OK)
            return s;
        long long owned = (long long)lr_db_int(r, 0, 0);
        if (owned > 0) {
            *outcome = LR_REP_OWNS_NAMED;
            snprintf(
                detail, dlen,
                "the rep owns %lld named accounts (from period %s); named owners cannot be smb "
                "reps: replace those lists first",
                owned, PQgetvalue(r, 0, 1));
        }
        PQclear(r);
    }
    return LR_DB_OK;
}

enum lr_db_status lr_rep_put(struct lr_db_conn *c, const struct lr_rep *rep, const char *actor,
                             enum lr_rep_outcome *outcome, char **rep_json, char *detail,
                             size_t detail_len)
{
    *rep_json = NULL;
    enum lr_db_status s = lr_db_begin(c);
    if (s != LR_DB_OK)
        return s;
    PGresult *old = NULL, *neu = NULL, *locked = NULL;
    const char *ids[] = {rep->id};
    /* Lock every segment's turn state in one fixed order before reading the rep, so
     * that two changes can never wait on each other in opposite orders. */
    const char *all[] = {"{smb,mid_market,strategic}"};
    if ((s = lr_db_exec(c, &RR_LOCK, all, &locked)) != LR_DB_OK ||
        (s = lr_db_exec(c, &REP_ROW, ids, &old)) != LR_DB_OK)
        goto fail;
    bool exists = PQntuples(old) == 1;
    *outcome = exists ? LR_REP_UPDATED : LR_REP_CREATED;
    if ((s = check_rules(c, rep, exists ? old : NULL, outcome, detail, detail_len)) != LR_DB_OK)
        goto fail;
    if (*outcome == LR_REP_POACHING || *outcome == LR_REP_OWNS_NAMED) {
        lr_db_rollback(c);
        PQclear(old);
        PQclear(locked);
        return LR_DB_OK;
    }
    char weight[16];
    snprintf(weight, sizeof weight, "%d", rep->weight);
    const char *p[] = {rep->id, rep->name, lr_segment_name(rep->segment),
                       rep->active ? "true" : "false", weight};
    if ((s = lr_db_exec(c, &REP_UPSERT, p, &neu)) != LR_DB_OK)
        goto fail;

    /* Rebuild the cycles the change touches: its old and new segment, when
     * membership, activity or weight changed. A rename keeps the turn. */
    enum lr_segment old_seg = LR_SEG_NONE;
    bool old_active = false;
    int old_weight = 0;
    if (exists) {
        lr_segment_parse(PQgetvalue(old, 0, 1), false, &old_seg);
        old_active = lr_db_bool(old, 0, 2);
        old_weight = (int)lr_db_int(old, 0, 3);
    }
    bool changed = !exists || old_seg != rep->segment || old_active != rep->active ||
                   old_weight != rep->weight;
    if (changed && (old_seg != LR_SEG_NONE && old_seg != rep->segment) &&
        (s = lr_rr_rebuild(c, old_seg)) != LR_DB_OK)
        goto fail;
    if (changed && (s = lr_rr_rebuild(c, rep->segment)) != LR_DB_OK)
        goto fail;
    if ((s = lr_audit(c, actor, exists ? "rep.updated" : "rep.created", "rep", rep->id,
                      exists ? PQgetvalue(old, 0, 4) : NULL, PQgetvalue(neu, 0, 0))) != LR_DB_OK)
        goto fail;
    if ((s = lr_db_commit(c)) != LR_DB_OK)
        goto fail;
    *rep_json = strdup(PQgetvalue(neu, 0, 1));
    PQclear(old);
    PQclear(neu);
    PQclear(locked);
    return *rep_json ? LR_DB_OK : LR_DB_ERROR;
fail:
    lr_db_rollback(c);
    PQclear(old);
    PQclear(neu);
    PQclear(locked);
    return s;
}

enum lr_db_status lr_reps_list_json(struct lr_db_conn *c, char **json)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &REPS_LIST, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    *json = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *json ? LR_DB_OK : LR_DB_ERROR;
}
