/* The outbox for the delivery workers: claim under a lease, outcomes, LISTEN. */
#include "db/outbox_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/assignments_store.h"

/* Due rows, leased (sql/functions/lr_claim_outbox.sql). */
static const struct lr_db_stmt CLAIM = {"outbox_claim",
                                        "SELECT lr_claim_outbox($1, $2::int, $3::int)", 3};

/* After publication, so that every assignment has its public id. */
static const struct lr_db_stmt CLAIMED = {
    "outbox_claimed",
    "SELECT o.id, a.id, o.attempts, o.subject, o.subject_id, a.queue, a.rep_id,"
    "       a.previous_rep_id, a.reason, lr_rfc3339(a.at),"
    "       CASE WHEN a.rep_id IS NOT NULL THEN coalesce(r.crm_owner_id, a.rep_id) END"
    "  FROM outbox o JOIN assignments a ON a.seq = o.assignment_seq"
    "  LEFT JOIN reps r ON r.id = a.rep_id"
    " WHERE o.id = ANY ($1::bigint[])"
    " ORDER BY o.id",
    1};

/* $2: the attempt that was claimed; a row claimed again since is not this attempt's. */
static const struct lr_db_stmt DELIVERED = {
    "outbox_delivered",
    "UPDATE outbox SET status = 'delivered', delivered_at = now(), last_status = $3::int,"
    "       last_error = NULL, lease_until = NULL, updated_at = now()"
    " WHERE id = $1::bigint AND attempts = $2::int AND status = 'pending'",
    3};

static const struct lr_db_stmt RETRY = {
    "outbox_retry",
    "UPDATE outbox o SET"
    "       status = CASE WHEN EXISTS (SELECT 1 FROM outbox n"
    "                                   WHERE n.subject = o.subject"
    "                                     AND n.subject_id = o.subject_id"
    "                                     AND n.destination = o.destination"
    "                                     AND n.status = 'pending' AND n.id > o.id)"
    "                     THEN 'superseded' ELSE 'pending' END,"
    "       next_attempt_at = greatest("
    "           coalesce(o.first_attempt_at, now()) + make_interval(secs => $5::float8),"
    "           now() + make_interval(secs => $6::float8)),"
    "       last_status = $3::int, last_error = $4, lease_until = NULL, updated_at = now()"
    " WHERE o.id = $1::bigint AND o.attempts = $2::int AND o.status = 'pending'",
    6};

static const struct lr_db_stmt DEAD = {
    "outbox_dead",
    "UPDATE outbox SET status = 'dead', last_status = $3::int, last_error = $4,"
    "       lease_until = NULL, updated_at = now()"
    " WHERE id = $1::bigint AND attempts = $2::int AND status = 'pending'",
    4};

void lr_outbox_row_clear(struct lr_outbox_row *row)
{
    free(row->buf);
    memset(row, 0, sizeof *row);
}

/* Copies the strings of result row i into one allocation that the row owns. */
static int row_from(const PGresult *r, int i, struct lr_outbox_row *row)
{
    enum { FIRST_TEXT = 3, NCOLS = 11 };
    size_t total = 0;
    for (int col = FIRST_TEXT; col < NCOLS; col++)
        total += PQgetisnull(r, i, col) ? 0 : (size_t)PQgetlength(r, i, col) + 1;
    memset(row, 0, sizeof *row);
    if ((row->buf = malloc(total + 1)) == NULL)
        return -1;
    const char **fields[NCOLS - FIRST_TEXT] = {&row->subject, &row->subject_id,      &row->queue,
                                               &row->rep_id,  &row->previous_rep_id, &row->reason,
                                               &row->at,      &row->crm_owner_id};
    char *p = row->buf;
    for (int col = FIRST_TEXT; col < NCOLS; col++) {
        if (PQgetisnull(r, i, col))
            continue;
        size_t len = (size_t)PQgetlength(r, i, col);
        memcpy(p, PQgetvalue(r, i, col), len + 1);
        *fields[col - FIRST_TEXT] = p;
        p += len + 1;
    }
    row->id = lr_db_int(r, i, 0);
    row->assignment_id = lr_db_int(r, i, 1);
    row->attempts = (int)lr_db_int(r, i, 2);
    return 0;
}

struct claim_job {
    const char *destination;
    unsigned max, lease_sec;
    struct lr_outbox_row *rows;
    size_t n;
};

static void claim_reset(struct claim_job *job)
{
    for (size_t i = 0; i < job->n; i++)
        lr_outbox_row_clear(&job->rows[i]);
    job->n = 0;
}

static enum lr_db_status claim_tx(struct lr_db_conn *c, void *arg)
{
    struct claim_job *job = arg;
    /* A transaction run again after a serialization failure starts from nothing. */
    claim_reset(job);
    char max_s[16], lease_s[16];
    snprintf(max_s, sizeof max_s, "%u", job->max);
    snprintf(lease_s, sizeof lease_s, "%u", job->lease_sec);
    const char *p[] = {job->destination, max_s, lease_s};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, &CLAIM, p, &r);
    if (s != LR_DB_OK)
        return s;
    int claimed = PQntuples(r);
    if (claimed == 0) {
        PQclear(r);
        return LR_DB_OK;
    }
    /* {id,id,...}: bigints only, no quoting needed. */
    size_t cap = (size_t)claimed * 21 + 3, len = 0;
    char *ids = malloc(cap);
    if (ids == NULL) {
        PQclear(r);
        return LR_DB_ERROR;
    }
    ids[len++] = '{';
    for (int i = 0; i < claimed; i++)
        len += (size_t)snprintf(ids + len, cap - len, "%s%s", i ? "," : "", PQgetvalue(r, i, 0));
    snprintf(ids + len, cap - len, "}");
    PQclear(r);
    s = lr_assignments_publish(c);
    const char *q[] = {ids};
    if (s == LR_DB_OK)
        s = lr_db_exec(c, &CLAIMED, q, &r);
    free(ids);
    if (s != LR_DB_OK)
        return s;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && (size_t)i < job->max; i++) {
        if (row_from(r, i, &job->rows[job->n]) != 0) {
            PQclear(r);
            return LR_DB_ERROR;
        }
        job->n++;
    }
    PQclear(r);
    return LR_DB_OK;
}

enum lr_db_status lr_outbox_claim(struct lr_db_conn *c, const char *destination, unsigned max,
                                  unsigned lease_sec, struct lr_outbox_row *rows, size_t *n)
{
    struct claim_job job = {destination, max, lease_sec, rows, 0};
    enum lr_db_status s = max == 0 ? LR_DB_OK : lr_db_run_tx(c, claim_tx, &job);
    /* Rolled back: the rows are not leased, so the caller must not send them. */
    if (s != LR_DB_OK)
        claim_reset(&job);
    *n = job.n;
    return s;
}

struct outcome_job {
    const struct lr_db_stmt *st;
    const char *const *params;
};

static enum lr_db_status outcome_stmt(struct lr_db_conn *c, void *arg)
{
    struct outcome_job *job = arg;
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, job->st, job->params, &r);
    if (s != LR_DB_OK)
        return s;
    s = strcmp(PQcmdTuples(r), "1") == 0 ? LR_DB_OK : LR_DB_NOT_FOUND;
    PQclear(r);
    return s;
}

static enum lr_db_status outcome(struct lr_db_conn *c, const struct lr_db_stmt *st, int64_t id,
                                 int attempts, int status, const char *error, double after_first,
                                 double not_before)
{
    char id_s[32], att_s[16], status_s[16], after_s[32], before_s[32];
    snprintf(id_s, sizeof id_s, "%lld", (long long)id);
    snprintf(att_s, sizeof att_s, "%d", attempts);
    snprintf(status_s, sizeof status_s, "%d", status);
    snprintf(after_s, sizeof after_s, "%.3f", after_first);
    snprintf(before_s, sizeof before_s, "%.3f", not_before);
    const char *p[] = {id_s, att_s, status > 0 ? status_s : NULL, error, after_s, before_s};
    struct outcome_job job = {st, p};
    return lr_db_run_statement(c, outcome_stmt, &job);
}

enum lr_db_status lr_outbox_delivered(struct lr_db_conn *c, int64_t id, int attempts, int status)
{
    return outcome(c, &DELIVERED, id, attempts, status, NULL, 0, 0);
}

enum lr_db_status lr_outbox_retry(struct lr_db_conn *c, int64_t id, int attempts, int status,
                                  const char *error, double after_first_sec, double not_before_sec)
{
    return outcome(c, &RETRY, id, attempts, status, error, after_first_sec, not_before_sec);
}

enum lr_db_status lr_outbox_dead(struct lr_db_conn *c, int64_t id, int attempts, int status,
                                 const char *error)
{
    return outcome(c, &DEAD, id, attempts, status, error, 0, 0);
}

struct lr_outbox_listener {
    char *conninfo;
    struct lr_db_limits limits;
    struct lr_db_conn conn;
    bool listening;
};

struct lr_outbox_listener *lr_outbox_listener_new(const char *conninfo,
                                                  const struct lr_db_limits *limits)
{
    struct lr_outbox_listener *l = calloc(1, sizeof *l);
    if (l == NULL || (l->conninfo = strdup(conninfo)) == NULL) {
        free(l);
        return NULL;
    }
    l->limits = *limits;
    return l;
}

void lr_outbox_listener_free(struct lr_outbox_listener *l)
{
    if (l == NULL)
        return;
    lr_db_disconnect(&l->conn);
    free(l->conninfo);
    free(l);
}

enum lr_db_status lr_outbox_listen(struct lr_outbox_listener *l)
{
    if (l->listening && l->conn.pg != NULL && PQstatus(l->conn.pg) == CONNECTION_OK)
        return LR_DB_OK;
    l->listening = false;
    enum lr_db_status s = lr_db_connect_with(l->conninfo, &l->limits, &l->conn);
    if (s == LR_DB_OK)
        s = lr_db_simple(&l->conn, "LISTEN " LR_OUTBOX_CHANNEL);
    if (s != LR_DB_OK) {
        lr_db_disconnect(&l->conn);
        return s == LR_DB_ERROR ? s : LR_DB_UNAVAILABLE;
    }
    l->listening = true;
    return LR_DB_OK;
}

int lr_outbox_listener_socket(const struct lr_outbox_listener *l)
{
    return l->listening && l->conn.pg != NULL ? PQsocket(l->conn.pg) : -1;
}

int lr_outbox_listener_consume(struct lr_outbox_listener *l)
{
    if (!l->listening || l->conn.pg == NULL)
        return -1;
    /* Reads only what has arrived: libpq does not wait here. */
    if (!PQconsumeInput(l->conn.pg) || PQstatus(l->conn.pg) != CONNECTION_OK) {
        lr_db_disconnect(&l->conn);
        l->listening = false;
        return -1;
    }
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(l->conn.pg)) != NULL) {
        PQfreemem(note);
        n++;
    }
    return n;
}

enum lr_db_status lr_outbox_session(struct lr_db_conn *c)
{
    return lr_db_simple(c, "SET synchronous_commit = off");
}
