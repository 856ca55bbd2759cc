/* Reps and round-robin cycles as rows; the service decides (service/reps.c). */
#include "db/reps_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pgarray.h"

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
    "INSERT INTO reps AS r (id, name, segment, active, weight, crm_owner_id)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, segment = EXCLUDED.segment,"
    " active = EXCLUDED.active, weight = EXCLUDED.weight,"
    " crm_owner_id = CASE WHEN $7::boolean THEN EXCLUDED.crm_owner_id ELSE r.crm_owner_id END,"
    " updated_at = now()"
    " RETURNING row_to_json(r)::text,"
    " json_build_object('id', r.id, 'name', r.name, 'segment', r.segment, 'active', r.active,"
    "   'weight', r.weight, 'crm_owner_id', r.crm_owner_id,"
    "   'created_at', lr_rfc3339(r.created_at), 'updated_at', lr_rfc3339(r.updated_at))::text",
    7};
static const struct lr_db_stmt REP_NAMED_COUNT = {
    "rep_named_count",
    "SELECT count(*), min(period) FROM named_accounts WHERE owner_rep_id = $1"
    " AND period >= to_char(now() AT TIME ZONE 'UTC', 'YYYY-\"Q\"Q')",
    1};
static const struct lr_db_stmt REPS_LIST = {
    "reps_list",
    "SELECT json_build_object('items', coalesce(json_agg(json_build_object("
    "  'id', id, 'name', name, 'segment', segment, 'active', active, 'weight', weight,"
    "  'crm_owner_id', crm_owner_id,"
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

enum lr_db_status lr_reps_lock_turns(struct lr_db_conn *c)
{
    const char *all[] = {"{smb,mid_market,strategic}"};
    return lr_db_exec(c, &RR_LOCK, all, NULL);
}

enum lr_db_status lr_rep_load_for_update(struct lr_db_conn *c, const char *id, bool *found,
                                         struct lr_rep *out, char **row_json)
{
    const char *p[] = {id};
    PGresult *r;
    *row_json = NULL;
    enum lr_db_status s = lr_db_exec(c, &REP_ROW, p, &r);
    if (s != LR_DB_OK)
        return s;
    *found = PQntuples(r) == 1;
    if (*found) {
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", id);
        snprintf(out->name, sizeof out->name, "%s", PQgetvalue(r, 0, 0));
        out->segment = LR_SEG_NONE;
        lr_segment_parse(PQgetvalue(r, 0, 1), false, &out->segment);
        out->active = lr_db_bool(r, 0, 2);
        out->weight = (int)lr_db_int(r, 0, 3);
        if ((*row_json = strdup(PQgetvalue(r, 0, 4))) == NULL)
            s = LR_DB_ERROR;
    }
    PQclear(r);
    return s;
}

enum lr_db_status lr_rep_named_owned(struct lr_db_conn *c, const char *id, long long *count,
                                     char *period, size_t period_len)
{
    const char *p[] = {id};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &REP_NAMED_COUNT, p, &r);
    if (s != LR_DB_OK)
        return s;
    *count = (long long)lr_db_int(r, 0, 0);
    snprintf(period, period_len, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_rep_upsert(struct lr_db_conn *c, const struct lr_rep *rep, char **row_json,
                                char **api_json)
{
    char weight[16];
    snprintf(weight, sizeof weight, "%d", rep->weight);
    const char *p[] = {rep->id,
                       rep->name,
                       lr_segment_name(rep->segment),
                       rep->active ? "true" : "false",
                       weight,
                       rep->has_crm_owner_id && rep->crm_owner_id[0] ? rep->crm_owner_id : NULL,
                       rep->has_crm_owner_id ? "true" : "false"};
    PGresult *r;
    *row_json = *api_json = NULL;
    enum lr_db_status s = lr_db_exec(c, &REP_UPSERT, p, &r);
    if (s != LR_DB_OK)
        return s;
    *row_json = strdup(PQgetvalue(r, 0, 0));
    *api_json = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (*row_json == NULL || *api_json == NULL) {
        free(*row_json);
        free(*api_json);
        *row_json = *api_json = NULL;
        return LR_DB_ERROR;
    }
    return LR_DB_OK;
}

enum lr_db_status lr_rr_members(struct lr_db_conn *c, enum lr_segment seg, char ***ids,
                                int **weights, size_t *n)
{
    const char *p[] = {lr_segment_name(seg)};
    PGresult *r;
    *ids = NULL;
    *weights = NULL;
    *n = 0;
    enum lr_db_status s = lr_db_exec(c, &RR_MEMBERS, p, &r);
    if (s != LR_DB_OK)
        return s;
    size_t rows = (size_t)PQntuples(r), bytes = 0;
    for (size_t i = 0; i < rows; i++)
        bytes += strlen(PQgetvalue(r, (int)i, 0)) + 1;
    /* The pointers and the strings they point at in one block: one free. */
    char **out = malloc(rows * sizeof *out + bytes + 1);
    int *w = calloc(rows + 1, sizeof *w);
    if (out == NULL || w == NULL) {
        free(out);
        free(w);
        PQclear(r);
        return LR_DB_ERROR;
    }
    char *text = (char *)(out + rows);
    for (size_t i = 0; i < rows; i++) {
        size_t len = strlen(PQgetvalue(r, (int)i, 0)) + 1;
        memcpy(text, PQgetvalue(r, (int)i, 0), len);
        out[i] = text;
        text += len;
        w[i] = (int)lr_db_int(r, (int)i, 1);
    }
    PQclear(r);
    *ids = out;
    *weights = w;
    *n = rows;
    return LR_DB_OK;
}

enum lr_db_status lr_rr_store(struct lr_db_conn *c, enum lr_segment seg, const char *const *ids,
                              size_t len)
{
    char *array = lr_pg_text_array(ids, len);
    if (array == NULL)
        return LR_DB_ERROR;
    char len_s[32];
    snprintf(len_s, sizeof len_s, "%zu", len);
    const char *p[] = {lr_segment_name(seg)};
    const char *fill[] = {lr_segment_name(seg), array};
    const char *reset[] = {lr_segment_name(seg), len_s};
    enum lr_db_status s;
    if ((s = lr_db_exec(c, &RR_CLEAR, p, NULL)) == LR_DB_OK &&
        (s = lr_db_exec(c, &RR_FILL, fill, NULL)) == LR_DB_OK)
        s = lr_db_exec(c, &RR_RESET, reset, NULL);
    free(array);
    return s;
}

enum lr_db_status lr_reps_list_json(struct lr_db_conn *c, char **json)
{
    return lr_db_one_text(c, &REPS_LIST, NULL, json);
}
