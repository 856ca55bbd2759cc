/* CRM mapping versions: rows are never updated (a trigger refuses it). Every CRM
 * request reads the newest version, so a new one is in force on every replica from its
 * commit on. */
#include "db/crm_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pgarray.h"

#define MAPPING_JSON(t)                                                                            \
    "json_build_object('crm', " t ".crm, 'version', " t ".version, 'created_at',"                  \
    " lr_rfc3339(" t ".created_at), 'created_by', " t ".created_by, 'document', " t                \
    ".document)::text"

static const struct lr_db_stmt GET = {
    "crm_mapping_get",
    "SELECT " MAPPING_JSON("m") " FROM crm_mappings m"
                                " WHERE m.crm = $1 AND m.version = CASE WHEN $2::bigint = 0"
                                "   THEN (SELECT max(version) FROM crm_mappings WHERE crm = $1)"
                                "   ELSE $2::bigint END",
    2};

static const struct lr_db_stmt NEWEST = {
    "crm_mapping_newest",
    "SELECT version, document::text FROM crm_mappings WHERE crm = $1"
    " ORDER BY version DESC LIMIT 1",
    1};

/* Serialises mapping changes of one CRM (any number of replicas) so that max + 1 is
 * free. */
static const struct lr_db_stmt LOCK = {
    "crm_mapping_lock", "SELECT pg_advisory_xact_lock(hashtextextended('crm_mapping:' || $1, 0))",
    1};

static const struct lr_db_stmt PUT = {
    "crm_mapping_put",
    "WITH prev AS (SELECT max(version) AS version FROM crm_mappings WHERE crm = $1),"
    " prev_doc AS (SELECT m.document FROM crm_mappings m, prev"
    "              WHERE m.crm = $1 AND m.version = prev.version),"
    " ins AS (INSERT INTO crm_mappings (crm, version, document, created_by)"
    "         SELECT $1, coalesce(prev.version, 0) + 1, $2::jsonb, $3 FROM prev RETURNING *),"
    " aud AS (INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after)"
    "         SELECT $3, 'crm_mapping.changed', 'crm_mapping', ins.crm,"
    "                jsonb_build_object('version', coalesce(prev.version, 0),"
    "                                   'document', (SELECT document FROM prev_doc)),"
    "                jsonb_build_object('version', ins.version, 'document', ins.document)"
    "           FROM ins, prev)"
    "SELECT " MAPPING_JSON("ins") " FROM ins",
    3};

static const struct lr_db_stmt KNOWN = {
    "crm_opps_known",
    "SELECT EXISTS (SELECT 1 FROM opportunities o WHERE o.id = u.id)"
    " FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n) ORDER BY u.n",
    1};

enum lr_db_status lr_crm_mapping_get_json(struct lr_db_conn *c, const char *crm, int64_t version,
                                          char **json)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    const char *p[] = {crm, v};
    return lr_db_one_text(c, &GET, p, json);
}

enum lr_db_status lr_crm_mapping_newest(struct lr_db_conn *c, const char *crm, int64_t *version,
                                        char **document)
{
    const char *p[] = {crm};
    PGresult *r = NULL;
    *document = NULL;
    enum lr_db_status s = lr_db_exec(c, &NEWEST, p, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return LR_DB_NOT_FOUND;
    }
    *version = lr_db_int(r, 0, 0);
    *document = strdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    return *document != NULL ? LR_DB_OK : LR_DB_ERROR;
}

enum lr_db_status lr_crm_mapping_append(struct lr_db_conn *c, const char *crm, const char *document,
                                        const char *actor, char **json)
{
    const char *lp[] = {crm};
    const char *p[] = {crm, document, actor};
    *json = NULL;
    enum lr_db_status s = lr_db_exec(c, &LOCK, lp, NULL);
    return s != LR_DB_OK ? s : lr_db_one_text(c, &PUT, p, json);
}

enum lr_db_status lr_crm_opportunities_known(struct lr_db_conn *c, const char *const *ids, size_t n,
                                             bool *known)
{
    char *arr = lr_pg_text_array(ids, n);
    if (arr == NULL)
        return LR_DB_ERROR;
    const char *p[] = {arr};
    PGresult *r = NULL;
    enum lr_db_status s = lr_db_exec(c, &KNOWN, p, &r);
    free(arr);
    if (s != LR_DB_OK)
        return s;
    if ((size_t)PQntuples(r) != n) {
        PQclear(r);
        return LR_DB_ERROR;
    }
    for (size_t i = 0; i < n; i++)
        known[i] = lr_db_bool(r, (int)i, 0);
    PQclear(r);
    return LR_DB_OK;
}
