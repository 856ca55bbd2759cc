/* The outbox for the delivery workers: claim under a lease, outcomes, LISTEN. */
#include "db/outbox_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/assignments_store.h"
#include "db/pgarray.h"

/* Due rows, leased (sql/functions/lr_claim_outbox.sql). */
static const struct lr_db_stmt CLAIM = {"outbox_claim",
                                        "SELECT lr_claim_outbox($1, $2::int, $3::int)", 3};

/* After publication, so that every assignment has its public id. One probe by key per
 * row (LATERAL ... OFFSET 0 keeps each a parameterised index scan): a join planned
 * while the outbox was young scanned outbox and assignments whole for every claim once
 * they had grown, which made this the busiest statement of the bench with write-back. */
static const struct lr_db_stmt CLAIMED = {
    "outbox_claimed",
    "SELECT o.id, a.id, o.attempts, o.subject, o.subject_id, a.queue, a.rep_id,"
    "       a.previous_rep_id, a.reason, lr_rfc3339(a.at),"
    "       CASE WHEN a.rep_id IS NOT NULL THEN coalesce(r.crm_owner_id, a.rep_id) END"
    "  FROM unnest($1::bigint[]) AS u(id)"
    "  CROSS JOIN LATERAL (SELECT o.id, o.attempts, o.subject, o.subject_id, o.assignment_seq"
    "                      FROM outbox o WHERE o.id = u.id OFFSET 0) o"
    "  CROSS JOIN LATERAL (SELECT a.id, a.queue, a.rep_id, a.previous_rep_id, a.reason, a.at"
    "                      FROM assignments a WHERE a.seq = o.assignment_seq OFFSET 0) a"
    "  LEFT JOIN LATERAL (SELECT r.crm_owner_id FROM reps r WHERE r.id = a.rep_id OFFSET 0) r"
    "    ON true"
    " ORDER BY o.id",
    1};

/* Every delivery of a round (sql/functions/lr_outbox_delivered.sql): the ids recorded. */
static const struct lr_db_stmt DELIVERED = {
    "outbox_delivered", "SELECT lr_outbox_delivered($1::bigint[], $2::int[], $3::int[])", 3};

/* $2: the attempt that was claimed; a row claimed again since is not this attempt's.
 * RETRY and DEAD find their row by id with "not final" rather than status = 'pending':
 * with the latter, the plan a worker's session kept from a young outbox walked a whole
 * partial index of pending rows for each outcome, 3.6-4.7 ms at 100,000 pending rows, as
 * a CRM outage makes them, and more with each. RETRY's newer row of the subject is found
 * through the subject's assignments (migrations/0019). */
static const struct lr_db_stmt RETRY = {
    "outbox_retry",
    "UPDATE outbox o SET"
    "       status = CASE WHEN EXISTS ("
    "                          SELECT 1 FROM assignments a"
    "                          CROSS JOIN LATERAL (SELECT n.id FROM outbox n"
    "                                              WHERE n.assignment_seq = a.seq"
    "                                                AND n.status = 'pending'"
    "                                                AND n.destination = o.destination"
    "                                                AND n.id > o.id OFFSET 0) n"
    "                          WHERE a.subject = o.subject AND a.subject_id = o.subject_id)"
    "                     THEN 'superseded' ELSE 'pending' END,"
    "       next_attempt_at = greatest("
    "           coalesce(o.first_attempt_at, now()) + make_interval(secs => $5::float8),"
    "           now() + make_interval(secs => $6::float8)),"
    "       last_status = $3::int, last_error = $4, lease_until = NULL, updated_at = now()"
    " WHERE o.id = $1::bigint AND o.attempts = $2::int"
    "   AND o.status NOT IN ('delivered', 'dead', 'superseded')",
    6};

static const struct lr_db_stmt DEAD = {
    "outbox_dead",
    "UPDATE outbox SET status = 'dead', last_status = $3::int, last_error = $4,"
    "       lease_until = NULL, updated_at = now()"
    " WHERE id = $1::bigint AND attempts = $2::int"
    "   AND status NOT IN ('delivered', 'dead', 'superseded')",
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

/* Reads the rows whose ids are in the array literal. Only the webhook's request carries
 * the assignment's public id (webhook-id asg_<id>, data.id), so only for it are the ids
 * published first: publication rewrites every new assignment row, which would double
 * what a CRM's delivery costs the database. */
static enum lr_db_status read_rows(struct lr_db_conn *c, const char *ids, struct claim_job *job)
{
    enum lr_db_status s =
        strcmp(job->destination, "webhook") == 0 ? lr_assignments_publish(c) : LR_DB_OK;
    const char *q[] = {ids};
    PGresult *r;
    if (s == LR_DB_OK)
        s = lr_db_exec(c, &CLAIMED, q, &r);
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
    size_t claimed = (size_t)PQntuples(r);
    int64_t *ids = claimed > 0 ? malloc(claimed * sizeof *ids) : NULL;
    for (size_t i = 0; ids != NULL && i < claimed; i++)
        ids[i] = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
    PQclear(r);
    if (claimed == 0)
        return LR_DB_OK;
    char *literal = ids != NULL ? lr_pg_id_array(ids, claimed) : NULL;
    free(ids);
    s = literal != NULL ? read_rows(c, literal, job) : LR_DB_ERROR;
    free(literal);
    return s;
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

/* No transaction: the rows are leased already, and the read after the publication
 * sees what it published. */
enum lr_db_status lr_outbox_load(struct lr_db_conn *c, const char *destination, const int64_t *ids,
                                 size_t nids, struct lr_outbox_row *rows, size_t *n)
{
    struct claim_job job = {destination, (unsigned)nids, 0, rows, 0};
    char *literal = lr_pg_id_array(ids, nids);
    enum lr_db_status s = literal == NULL ? LR_DB_ERROR : read_rows(c, literal, &job);
    free(literal);
    if (s != LR_DB_OK)
        claim_reset(&job);
    *n = job.n;
    return s;
}

struct record_job {
    struct lr_outbox_outcome *o;
    size_t n;
    char *arrays[3]; /* the deliveries' ids, attempts and statuses, as array literals */
};

static enum lr_db_status record_one(struct lr_db_conn *c, struct lr_outbox_outcome *o)
{
    char id_s[32], att_s[16], status_s[16], after_s[32], before_s[32];
    snprintf(id_s, sizeof id_s, "%lld", (long long)o->id);
    snprintf(att_s, sizeof att_s, "%d", o->attempts);
    snprintf(status_s, sizeof status_s, "%d", o->status);
    snprintf(after_s, sizeof after_s, "%.3f", o->after_first_sec);
    snprintf(before_s, sizeof before_s, "%.3f", o->not_before_sec);
    const char *p[] = {id_s, att_s, o->status > 0 ? status_s : NULL, o->error, after_s, before_s};
    PGresult *r;
    enum lr_db_status s = lr_db_exec(c, o->verdict == LR_OUTBOX_RETRY ? &RETRY : &DEAD, p, &r);
    if (s != LR_DB_OK)
        return s;
    if (strcmp(PQcmdTuples(r), "1") == 0)
        o->result = LR_DB_OK;
    PQclear(r);
    return LR_DB_OK;
}

static enum lr_db_status record_tx(struct lr_db_conn *c, void *arg)
{
    struct record_job *job = arg;
    /* A transaction run again after a serialization failure starts from nothing. */
    for (size_t i = 0; i < job->n; i++)
        job->o[i].result = LR_DB_NOT_FOUND;
    if (job->arrays[0] != NULL) {
        PGresult *r;
        enum lr_db_status s = lr_db_exec(c, &DELIVERED, (const char *const *)job->arrays, &r);
        if (s != LR_DB_OK)
            return s;
        for (int k = 0; k < PQntuples(r); k++) {
            long long id = strtoll(PQgetvalue(r, k, 0), NULL, 10);
            for (size_t i = 0; i < job->n; i++)
                if (job->o[i].verdict == LR_OUTBOX_DELIVERED && job->o[i].id == id)
                    job->o[i].result = LR_DB_OK;
        }
        PQclear(r);
    }
    for (size_t i = 0; i < job->n; i++) {
        if (job->o[i].verdict == LR_OUTBOX_DELIVERED)
            continue;
        enum lr_db_status s = record_one(c, &job->o[i]);
        if (s != LR_DB_OK)
            return s;
    }
    return LR_DB_OK;
}

/* The deliveries' three array literals: integers and NULLs only, no quoting needed. */
static int delivered_arrays(struct record_job *job, size_t ndelivered)
{
    for (int k = 0; k < 3; k++)
        if ((job->arrays[k] = malloc(ndelivered * 22 + 3)) == NULL)
            return -1;
    size_t len[3] = {0, 0, 0};
    for (size_t i = 0; i < job->n; i++) {
        const struct lr_outbox_outcome *o = &job->o[i];
        if (o->verdict != LR_OUTBOX_DELIVERED)
            continue;
        const char *sep = len[0] ? "," : "{";
        len[0] += (size_t)sprintf(job->arrays[0] + len[0], "%s%lld", sep, (long long)o->id);
        len[1] += (size_t)sprintf(job->arrays[1] + len[1], "%s%d", sep, o->attempts);
        len[2] += o->status > 0 ? (size_t)sprintf(job->arrays[2] + len[2], "%s%d", sep, o->status)
                                : (size_t)sprintf(job->arrays[2] + len[2], "%sNULL", sep);
    }
    for (int k = 0; k < 3; k++)
        strcpy(job->arrays[k] + len[k], "}");
    return 0;
}

enum lr_db_status lr_outbox_record(struct lr_db_conn *c, struct lr_outbox_outcome *o, size_t n)
{
    struct record_job job = {o, n, {NULL, NULL, NULL}};
    size_t ndelivered = 0;
    for (size_t i = 0; i < n; i++)
        ndelivered += o[i].verdict == LR_OUTBOX_DELIVERED;
    enum lr_db_status s = LR_DB_OK;
    if (ndelivered > 0 && delivered_arrays(&job, ndelivered) != 0)
        s = LR_DB_ERROR;
    else if (n > 0)
        /* One statement is a transaction of its own: no BEGIN and COMMIT round trips. */
        s = n - ndelivered + (ndelivered > 0) == 1 ? lr_db_run_statement(c, record_tx, &job)
                                                   : lr_db_run_tx(c, record_tx, &job);
    for (int k = 0; k < 3; k++)
        free(job.arrays[k]);
    return s;
}

int lr_outbox_batch_init(struct lr_outbox_batch *b, size_t cap)
{
    b->n = 0;
    b->cap = cap;
    b->o = calloc(cap, sizeof *b->o);
    b->error = calloc(cap, sizeof *b->error);
    return b->o != NULL && b->error != NULL ? 0 : -1;
}

void lr_outbox_batch_free(struct lr_outbox_batch *b)
{
    free(b->o);
    free(b->error);
    memset(b, 0, sizeof *b);
}

bool lr_outbox_batch_add(struct lr_outbox_batch *b, const struct lr_outbox_outcome *o)
{
    if (b->n == b->cap)
        return false;
    b->o[b->n] = *o;
    if (o->error != NULL)
        b->o[b->n].error = strncpy(b->error[b->n], o->error, LR_OUTBOX_ERROR_KEEP);
    b->n++;
    return true;
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
