/* Rules versions: rows are never updated (a trigger refuses it), so the version a
 * decision cites always means the same document. Every decision reads max(version),
 * so a new row is in force on every replica from its commit on. */
#include "db/rules_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_JSON(t)                                                                              \
    "json_build_object('version', " t ".version, 'created_at', lr_rfc3339(" t ".created_at),"      \
    " 'created_by', " t ".created_by, 'document', " t ".document)::text"

static const struct lr_db_stmt GET = {
    "rules_get",
    "SELECT " RULES_JSON(
        "r") " FROM rules r"
             " WHERE r.version = CASE WHEN $1::bigint = 0 THEN (SELECT max(version) FROM rules)"
             "                        ELSE $1::bigint END",
    1};

/* Serialises rule changes (any number of replicas) so that max + 1 is free. */
static const struct lr_db_stmt LOCK = {
    "rules_put_lock", "SELECT pg_advisory_xact_lock(hashtextextended('rules:put', 0))", 0};

static const struct lr_db_stmt PUT = {
    "rules_put",
    "WITH prev AS (SELECT version, document FROM rules ORDER BY version DESC LIMIT 1),"
    " ins AS (INSERT INTO rules (version, document, created_by)"
    "         SELECT prev.version + 1, $1::jsonb, $2 FROM prev RETURNING *),"
    " aud AS (INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after)"
    "         SELECT $2, 'rules.changed', 'rules', ins.version::text,"
    "                jsonb_build_object('version', prev.version, 'document', prev.document),"
    "                jsonb_build_object('version', ins.version, 'document', ins.document)"
    "           FROM ins, prev)"
    "SELECT " RULES_JSON("ins") " FROM ins",
    2};

enum lr_db_status lr_rules_get_json(struct lr_db_conn *c, int64_t version, char **json)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    const char *p[] = {v};
    return lr_db_one_text(c, &GET, p, json);
}

enum lr_db_status lr_rules_append(struct lr_db_conn *c, const char *document, const char *actor,
                                  char **json)
{
    const char *p[] = {document, actor};
    *json = NULL;
    enum lr_db_status s = lr_db_exec(c, &LOCK, NULL, NULL);
    return s != LR_DB_OK ? s : lr_db_one_text(c, &PUT, p, json);
}

static const struct lr_db_stmt NEWEST = {"rules_newest", "SELECT max(version) FROM rules", 0};
static const struct lr_db_stmt DOCUMENT = {
    "rules_document", "SELECT document::text FROM rules WHERE version = $1", 1};

enum lr_db_status lr_rules_newest_version(struct lr_db_conn *c, int64_t *version)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &NEWEST, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    *version = lr_db_int(r, 0, 0);
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_rules_document(struct lr_db_conn *c, int64_t version, char **text)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    const char *p[] = {v};
    return lr_db_one_text(c, &DOCUMENT, p, text);
}
