/* PostgreSQL connections: a fixed pool, lazy (re)connects, lazily prepared statements. */
#include "db/pool.h"

#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lr_db_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *conninfo;
    struct lr_db_conn *conns;
    struct lr_db_conn **idle;
    unsigned size, nidle;
};

/* Server notices (e.g. "already exists, skipping") are not errors; keep them off stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void forget_prepared(struct lr_db_conn *c)
{
    c->nprepared = 0;
}

enum lr_db_status lr_db_connect(const char *conninfo, struct lr_db_conn *c)
{
    static const char *const keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *const vals[] = {conninfo, "3", "leadrouter", NULL};
    if (c->pg != NULL)
        PQfinish(c->pg);
    forget_prepared(c);
    c->conninfo = conninfo;
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        snprintf(c->last_error, sizeof c->last_error, "%s",
                 c->pg ? PQerrorMessage(c->pg) : "out of memory");
        if (c->pg != NULL)
            PQfinish(c->pg);
        c->pg = NULL;
        return LR_DB_UNAVAILABLE;
    }
    PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
    /* Timestamps come back in UTC; the schema's own functions format them. */
    PGresult *r = PQexec(c->pg, "SET TIME ZONE 'UTC'");
    PQclear(r);
    return LR_DB_OK;
}

void lr_db_disconnect(struct lr_db_conn *c)
{
    if (c->pg != NULL)
        PQfinish(c->pg);
    c->pg = NULL;
    forget_prepared(c);
    if (c->has_rules)
        lr_rules_free(&c->rules);
    c->has_rules = false;
}

struct lr_db_pool *lr_db_pool_new(const char *conninfo, unsigned size)
{
    struct lr_db_pool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->conninfo = strdup(conninfo);
    p->conns = calloc(size, sizeof *p->conns);
    p->idle = calloc(size, sizeof *p->idle);
    if (p->conninfo == NULL || p->conns == NULL || p->idle == NULL) {
        free(p->conninfo);
        free(p->conns);
        free(p->idle);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->size = size;
    for (unsigned i = 0; i < size; i++)
        p->idle[p->nidle++] = &p->conns[i];
    return p;
}

void lr_db_pool_free(struct lr_db_pool *p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < p->size; i++)
        lr_db_disconnect(&p->conns[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->conninfo);
    free(p->conns);
    free(p->idle);
    free(p);
}

enum lr_db_status lr_db_acquire(struct lr_db_pool *p, struct lr_db_conn **out)
{
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    struct lr_db_conn *c = p->idle[--p->nidle];
    pthread_mutex_unlock(&p->mu);

    /* An idle connection learns that its server went away only when it reads: a
     * restarted PostgreSQL has sent it a termination notice or closed the socket. */
    if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
        PQconsumeInput(c->pg);
    /* Reconnect outside the lock: a dead server must not stall the other threads. */
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK ||
        PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        if (lr_db_connect(p->conninfo, c) != LR_DB_OK) {
            lr_db_release(p, c);
            return LR_DB_UNAVAILABLE;
        }
    }
    *out = c;
    return LR_DB_OK;
}

void lr_db_release(struct lr_db_pool *p, struct lr_db_conn *c)
{
    pthread_mutex_lock(&p->mu);
    p->idle[p->nidle++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Connection-level failures map to 503; everything else is the request's fault or ours. */
static enum lr_db_status classify(struct lr_db_conn *c, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->last_error, sizeof c->last_error, "%s",
             r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK || state == NULL)
        return LR_DB_UNAVAILABLE;
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
        strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
        return LR_DB_UNAVAILABLE;
    if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
        return LR_DB_CONFLICT;
    if (strcmp(state, "LR001") == 0)
        return LR_DB_NO_ACTIVE_REP;
    lr_log(LR_LOG_ERROR, "sql error",
           json_pack("{s:s, s:s}", "sqlstate", state, "error", c->last_error));
    return LR_DB_ERROR;
}

static bool ok_status(ExecStatusType s)
{
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static enum lr_db_status ensure_prepared(struct lr_db_conn *c, const struct lr_db_stmt *st)
{
    for (size_t i = 0; i < c->nprepared; i++)
        if (c->prepared[i] == st)
            return LR_DB_OK;
    if (c->nprepared == LR_DB_MAX_PREPARED) {
        snprintf(c->last_error, sizeof c->last_error, "too many prepared statements");
        return LR_DB_ERROR;
    }
    PGresult *r = PQprepare(c->pg, st->name, st->sql, st->nparams, NULL);
    enum lr_db_status s = LR_DB_OK;
    if (r == NULL || !ok_status(PQresultStatus(r))) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        /* Prepared earlier on this session but forgotten by us (after a reset). */
        if (state != NULL && strcmp(state, "42P05") == 0)
            s = LR_DB_OK;
        else
            s = classify(c, r);
    }
    PQclear(r);
    if (s == LR_DB_OK)
        c->prepared[c->nprepared++] = st;
    return s;
}

/* A connection that sat idle while PostgreSQL restarted fails its next statement.
 * Outside a transaction nothing can have been written by that statement, so one
 * reconnect and retry is safe and saves the caller a spurious 503. */
static bool reconnect_for_retry(struct lr_db_conn *c, bool was_idle, enum lr_db_status s)
{
    if (s != LR_DB_UNAVAILABLE || !was_idle || c->conninfo == NULL ||
        (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK))
        return false;
    return lr_db_connect(c->conninfo, c) == LR_DB_OK;
}

static enum lr_db_status exec_once(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                   const char *const *values, PGresult **res)
{
    enum lr_db_status s = ensure_prepared(c, st);
    if (s != LR_DB_OK)
        return s;
    PGresult *r = PQexecPrepared(c->pg, st->name, st->nparams, values, NULL, NULL, 0);
    if (r == NULL || !ok_status(PQresultStatus(r))) {
        s = classify(c, r);
        PQclear(r);
        return s;
    }
    if (res != NULL)
        *res = r;
    else
        PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_db_exec(struct lr_db_conn *c, const struct lr_db_stmt *st,
                             const char *const *values, PGresult **res)
{
    if (res != NULL)
        *res = NULL;
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    enum lr_db_status s = exec_once(c, st, values, res);
    if (reconnect_for_retry(c, idle, s))
        s = exec_once(c, st, values, res);
    return s;
}

static enum lr_db_status simple_once(struct lr_db_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->pg, sql);
    enum lr_db_status s = (r != NULL && ok_status(PQresultStatus(r))) ? LR_DB_OK : classify(c, r);
    PQclear(r);
    return s;
}

enum lr_db_status lr_db_simple(struct lr_db_conn *c, const char *sql)
{
    if (c->pg == NULL)
        return LR_DB_UNAVAILABLE;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    enum lr_db_status s = simple_once(c, sql);
    if (reconnect_for_retry(c, idle, s))
        s = simple_once(c, sql);
    return s;
}

enum lr_db_status lr_db_begin(struct lr_db_conn *c)
{
    return lr_db_simple(c, "BEGIN");
}

enum lr_db_status lr_db_commit(struct lr_db_conn *c)
{
    return lr_db_simple(c, "COMMIT");
}

void lr_db_rollback(struct lr_db_conn *c)
{
    if (c->pg != NULL && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
}

enum lr_db_status lr_db_one_text(struct lr_db_conn *c, const struct lr_db_stmt *st,
                                 const char *const *values, char **out)
{
    PGresult *r;
    *out = NULL;
    enum lr_db_status s = lr_db_exec(c, st, values, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) == 0)
        s = LR_DB_NOT_FOUND;
    else if ((*out = strdup(PQgetvalue(r, 0, 0))) == NULL)
        s = LR_DB_ERROR;
    PQclear(r);
    return s;
}

const char *lr_db_text(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t lr_db_int(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool lr_db_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static const struct lr_db_stmt RULES_MAX = {"rules_max", "SELECT max(version) FROM rules", 0};
static const struct lr_db_stmt RULES_AT = {
    "rules_at", "SELECT document::text FROM rules WHERE version = $1", 1};

enum lr_db_status lr_db_rules_at(struct lr_db_conn *c, int64_t version, const struct lr_rules **out)
{
    if (c->has_rules && c->rules.version == version) {
        *out = &c->rules;
        return LR_DB_OK;
    }
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    const char *params[] = {v};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &RULES_AT, params, &r);
    if (s != LR_DB_OK)
        return s;
    if (PQntuples(r) != 1) {
        PQclear(r);
        snprintf(c->last_error, sizeof c->last_error, "rules version %lld missing",
                 (long long)version);
        return LR_DB_ERROR;
    }
    struct lr_rules rules;
    json_t *errors = json_array();
    const char *doc = PQgetvalue(r, 0, 0);
    int rc = lr_rules_parse(doc, strlen(doc), &rules, errors);
    PQclear(r);
    json_decref(errors);
    if (rc != 0) {
        snprintf(c->last_error, sizeof c->last_error, "stored rules version %lld is invalid",
                 (long long)version);
        return LR_DB_ERROR;
    }
    rules.version = version;
    if (c->has_rules)
        lr_rules_free(&c->rules);
    c->rules = rules;
    c->has_rules = true;
    *out = &c->rules;
    return LR_DB_OK;
}

enum lr_db_status lr_db_current_rules(struct lr_db_conn *c, const struct lr_rules **out)
{
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &RULES_MAX, NULL, &r);
    if (s != LR_DB_OK)
        return s;
    int64_t version = lr_db_int(r, 0, 0);
    PQclear(r);
    return lr_db_rules_at(c, version, out);
}
