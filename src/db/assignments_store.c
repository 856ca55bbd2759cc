/* Assignments are numbered at publication, in commit order, so that keyset polling
 * that resumes after the last id seen never skips a row that committed late. */
#include "db/assignments_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lr_db_stmt PUBLISH = {"assignments_publish", "SELECT lr_publish_assignments()",
                                          0};

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

enum lr_db_status lr_assignments_publish(struct lr_db_conn *c)
{
    return lr_db_exec(c, &PUBLISH, NULL, NULL);
}

enum lr_db_status lr_assignments_page_json(struct lr_db_conn *c, int64_t after, int64_t limit,
                                           const char *queue, const char *rep_id,
                                           const char *subject, char **json)
{
    char after_s[32], limit_s[32];
    snprintf(after_s, sizeof after_s, "%lld", (long long)after);
    snprintf(limit_s, sizeof limit_s, "%lld", (long long)limit);
    const char *p[] = {after_s, queue, rep_id, subject, limit_s};
    PGresult *r;
    *json = NULL;
    enum lr_db_status s = lr_assignments_publish(c);
    if (s == LR_DB_OK)
        s = lr_db_exec(c, &LIST, p, &r);
    if (s != LR_DB_OK)
        return s;
    *json = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return *json ? LR_DB_OK : LR_DB_ERROR;
}
