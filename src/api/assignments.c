/* GET /v1/assignments: keyset polling over published assignment ids. Publication
 * numbers committed rows in order under one lock, so resuming after the last id seen
 * never skips a row that committed late (see migrations/0001_core.sql). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "routing/types.h"
#include "util/json.h"

static const struct lr_db_stmt PUBLISH = {
    "assignments_publish", "SELECT lr_publish_assignments()", 0};

/* next_after: the last id returned; when the page is not full, every published id up
 * to the newest was examined, so the poller may resume from there. */
static const struct lr_db_stmt LIST = {
    "assignments_list",
    "WITH page AS ("
    "  SELECT id, subject, subject_id, queue, rep_id, previous_rep_id, reason, at"
    "    FROM assignments"
    "   WHERE id > $1::bigint AND ($2::text IS NULL OR queue = $2)"
    "     AND ($3::text IS NULL OR rep_id = $3) AND ($4::text IS NULL OR subject = $4)"
    "   ORDER BY id LIMIT $5::int)"
    "SELECT json_build_object("
    "  'items', coalesce((SELECT json_agg(json_build_object("
    "      'id', id, 'subject', subject, 'subject_id', subject_id, 'queue', queue,"
    "      'rep_id', rep_id, 'previous_rep_id', previous_rep_id, 'reason', reason,"
    "      'at', lr_rfc3339(at)) ORDER BY id) FROM page), '[]'::json),"
    "  'next_after', CASE WHEN (SELECT count(*) FROM page) < $5::int"
    "       THEN greatest($1::bigint, coalesce((SELECT max(id) FROM assignments), 0))"
    "       ELSE (SELECT max(id) FROM page) END)::text",
    5};

static bool parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

void lr_api_assignments_list(struct lr_app *app, struct lr_request *req, struct lr_response *resp)
{
    json_t *errors = json_array();
    int64_t after = 0, limit = 100;
    const char *a = lr_req_query(req, "after"), *l = lr_req_query(req, "limit");
    const char *queue = lr_req_query(req, "queue"), *rep = lr_req_query(req, "rep_id");
    const char *subject = lr_req_query(req, "subject");
    enum lr_segment seg;
    if (a != NULL && *a != '\0' && !parse_i64(a, 0, INT64_MAX, &after))
        lr_json_field_error(errors, "after", "must be a non-negative integer");
    if (l != NULL && !parse_i64(l, 1, 1000, &limit))
        lr_json_field_error(errors, "limit", "must be an integer from 1 to 1000");
    if (queue != NULL && !lr_segment_parse(queue, true, &seg))
        lr_json_field_error(errors, "queue", "must be smb, mid_market, strategic or review");
    if (rep != NULL && !lr_id_valid(rep))
        lr_json_field_error(errors, "rep_id", "must be 1-128 printable characters");
    if (subject != NULL && strcmp(subject, "lead") != 0 && strcmp(subject, "opportunity") != 0)
        lr_json_field_error(errors, "subject", "must be lead or opportunity");
    if (json_array_size(errors) > 0) {
        lr_problem(resp, 422, "validation", "Invalid query", "one or more parameters are invalid",
                   errors);
        return;
    }
    json_decref(errors);

    char after_s[32], limit_s[32];
    snprintf(after_s, sizeof after_s, "%lld", (long long)after);
    snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit);
    const char *p[] = {after_s, queue, rep, subject, limit_s};
    struct lr_db_conn *c;
    PGresult *r = NULL;
    enum lr_db_status s = lr_db_acquire(app->pool, &c);
    if (s == LR_DB_OK) {
        s = lr_db_exec(c, &PUBLISH, NULL, NULL);
        if (s == LR_DB_OK)
            s = lr_db_exec(c, &LIST, p, &r);
        lr_db_release(app->pool, c);
    }
    if (s != LR_DB_OK) {
        lr_problem_db(resp, app, s);
        return;
    }
    const char *text = PQgetvalue(r, 0, 0);
    lr_resp_json_text(resp, 200, text, strlen(text));
    PQclear(r);
}
