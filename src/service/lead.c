/* lead.created: read what routing needs, decide with the pure rules, commit once.
 *
 * Leads go through two stages of batches (service/batcher.c, docs/performance.md): the read
 * stage loads the context of every lead of its batch in one round trip and decides each
 * one here; the write stage commits its batch in one transaction. Each stage has its own
 * lane (thread and connection), so a batch is read and decided while the one before it
 * commits. Without a batcher both stages run for one lead on a pool connection. Either
 * way each lead gets the answer it would get alone. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/lead.h"

#include "db/leads_store.h"
#include "service/decision_json.h"
#include "service/routing_cache.h"
#include "service/rules.h"
#include "service/writeback.h"
#include "routing/lead.h"
#include "routing/period.h"
#include "routing/redecide.h"
#include "util/json.h"
#include "util/log.h"
#include "util/time.h"

/* Reads and writes have a lane each. One writer, not one per queue: two writers
 * commit twice as often, and their WAL flushes queue behind each other (measured in
 * docs/performance.md). The writer never waits for a queue's turn lock that another
 * transaction holds (a rep change, a review resolution, another replica): such leads
 * come back busy and wait on their queue's own lane, so leads of the other queues go on. */
enum { LANE_READ, LANE_WRITE, LANE_WAIT_SMB, LANE_WAIT_MID_MARKET, LANE_WAIT_STRATEGIC, LANES };

/* One lead on its way through the stages; on the request thread's stack. */
struct lead_job {
    struct lr_batch_item item; /* first: the stages get &item */
    const struct lr_envelope *env;
    struct lr_histogram *batch_sizes;
    struct lr_writeback *writeback;         /* takes the outbox rows a commit hands over */
    struct lr_routing_cache *routing_cache; /* NULL: decided from a read of the tables */
    /* between the stages */
    struct lr_decision d;
    int64_t rules_version;
    int64_t routing_v; /* the routing cache's version it was decided at; 0: read */
    unsigned stale;    /* times its batch was refused as decided on a stale cache */
    char decided_at[40];
    char *decision_json; /* owned */
    struct lr_lead_write w;
    /* outcome */
    enum lr_db_status s;
    int status;
    char *body;        /* owned; for a 201, built by the request's thread from: */
    char *rep_id;      /* owned: the rep the database gave it (NULL: review) */
    int64_t review_id; /* the review item it opened (0: none) */
};

unsigned lr_lead_lanes(void)
{
    return LANES;
}

static struct lead_job *job_of(struct lr_batch_item *it)
{
    return (struct lead_job *)it;
}

static void finish(struct lead_job *job, enum lr_db_status s, int status, char *body)
{
    job->s = s;
    job->status = status;
    job->body = body;
    job->item.fn = NULL;
}

static void read_stage(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n);
static void write_stage(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n);
static void wait_stage(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n);

/* Builds the write, with the decision's inputs, then passes the job to the write stage. */
static void to_write(struct lead_job *job)
{
    const struct lr_event *ev = &job->env->ev;
    json_t *dj = lr_lead_decision_inputs(&job->d, job->decided_at);
    free(job->decision_json);
    job->decision_json = dj ? lr_json_dumps(dj) : NULL;
    json_decref(dj);
    if (job->decision_json == NULL) {
        finish(job, LR_DB_ERROR, 0, NULL);
        return;
    }
    job->w = (struct lr_lead_write){
        .webhook_id = job->env->webhook_id,
        .body_sha256 = job->env->body_sha256,
        .lead_id = ev->id,
        .domain = ev->has_domain ? ev->domain : NULL,
        .event_ts = ev->ts_utc,
        .body_json = job->env->body_json,
        .decision = &job->d,
        .rules_version = job->rules_version,
        .decision_json = job->decision_json,
        .actor = job->env->actor,
    };
    job->item.fn = write_stage;
    job->item.lane = LANE_WRITE;
}

/* Back to the first stage, to be decided again. */
static void to_read(struct lead_job *job)
{
    job->item.fn = read_stage;
    job->item.lane = LANE_READ;
}

static void fail_all(struct lr_batch_item *const *items, size_t n, enum lr_db_status s)
{
    for (size_t i = 0; i < n; i++)
        finish(job_of(items[i]), s, 0, NULL);
}

/* Decides one lead from what was found for its domain, then passes it to the writer. */
static void decide(struct lr_db_conn *c, struct lead_job *job, int64_t rules_version,
                   const struct lr_account_facts *account, const struct lr_named_facts *named,
                   const char *decided_at)
{
    const struct lr_rules *rules;
    enum lr_db_status s = lr_rules_at(c, rules_version, &rules);
    if (s != LR_DB_OK) {
        finish(job, s, 0, NULL);
        return;
    }
    /* The free-mail list belongs to the rules, so the domain was looked up anyway;
     * lr_route_lead_at discards the match when the rules call it free mail. */
    const struct lr_event *ev = &job->env->ev;
    struct lr_lead_facts facts = {ev->employees, ev->acv_cents, ev->fit};
    lr_route_lead_at(rules, ev->has_domain ? ev->domain : NULL, &facts, account, named, &job->d);
    job->rules_version = rules->version;
    snprintf(job->decided_at, sizeof job->decided_at, "%s", decided_at);
    to_write(job);
}

/* A lead whose batch was refused this often as stale (the tables keep changing, say
 * during an import) is decided from a read instead, which the writer does not check. */
enum { STALE_TRIES = 2 };

/* From the routing cache, without a round trip. A webhook-id answered before is found
 * by the writer, which answers it from what it stored. */
static void read_cached(struct lr_db_conn *c, struct lr_routing_cache *rc,
                        struct lr_batch_item *const *items, size_t n)
{
    char decided_at[40];
    lr_rfc3339_now(decided_at);
    for (size_t i = 0; i < n; i++) {
        struct lead_job *job = job_of(items[i]);
        const struct lr_event *ev = &job->env->ev;
        struct lr_account_facts account;
        struct lr_named_facts named;
        lr_routing_cache_lookup(rc, ev->has_domain ? ev->domain : NULL, &account, &named);
        job->routing_v = lr_routing_cache_current(rc);
        decide(c, job, lr_routing_cache_rules_version(rc), &account, &named, decided_at);
    }
}

/* lr_batch_fn: the routing cache when it can be used, else one round trip for the
 * contexts; then the decisions. A webhook-id that was answered before gets its stored
 * answer from that round trip, without a write. */
static void read_stage(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    if (c == NULL) {
        fail_all(items, n, LR_DB_UNAVAILABLE);
        return;
    }
    char period[LR_PERIOD_LEN + 1];
    lr_period_of(time(NULL), period);
    struct lr_routing_cache *rc = job_of(items[0])->routing_cache;
    bool read = false;
    for (size_t i = 0; i < n; i++)
        read |= job_of(items[i])->stale >= STALE_TRIES;
    bool usable = false;
    /* A failed read of the cache leaves these leads to the read below. */
    if (rc != NULL && !read && lr_routing_cache_refresh(rc, c, period, &usable) == LR_DB_OK &&
        usable) {
        read_cached(c, rc, items, n);
        return;
    }
    struct lr_lead_context *ctx = calloc(n, sizeof *ctx);
    const char **domains = calloc(n, sizeof *domains), **ids = calloc(n, sizeof *ids),
               **shas = calloc(n, sizeof *shas);
    enum lr_db_status s = LR_DB_ERROR;
    if (ctx != NULL && domains != NULL && ids != NULL && shas != NULL) {
        for (size_t i = 0; i < n; i++) {
            const struct lr_envelope *env = job_of(items[i])->env;
            domains[i] = env->ev.has_domain ? env->ev.domain : NULL;
            ids[i] = env->webhook_id;
            shas[i] = env->body_sha256;
        }
        s = lr_lead_contexts_load(c, n, domains, period, ids, shas, ctx);
    }
    free(domains);
    free(ids);
    free(shas);
    if (s != LR_DB_OK) {
        free(ctx);
        fail_all(items, n, s);
        return;
    }
    char decided_at[40];
    lr_rfc3339_now(decided_at);
    for (size_t i = 0; i < n; i++) {
        struct lead_job *job = job_of(items[i]);
        if (ctx[i].seen) {
            finish(job, LR_DB_OK, ctx[i].same_body ? 200 : 409, ctx[i].stored_body);
            ctx[i].stored_body = NULL;
            continue;
        }
        job->routing_v = 0;
        decide(c, job, ctx[i].rules_version, &ctx[i].account, &ctx[i].named, decided_at);
    }
    for (size_t i = 0; i < n; i++)
        lr_lead_context_free(&ctx[i]);
    free(ctx);
}

struct commit_job {
    const struct lr_lead_write **writes;
    size_t n;
    bool wait, hand_off;
    int64_t routing_v;
    struct lr_lead_result *res;
    struct lr_lead_handoff handoff;
};

/* lr_commit_leads is one statement, so the batch is a transaction of its own. */
static enum lr_db_status commit_tx(struct lr_db_conn *c, void *arg)
{
    struct commit_job *job = arg;
    return lr_leads_commit(c, job->writes, job->n, job->wait, job->hand_off, job->routing_v,
                           job->res, &job->handoff);
}

/* Commits jobs[0..n) in one transaction. When the database refuses the batch as a whole
 * (a deadlock with another writer, or one lead it rejects), nothing of it was written:
 * each lead is then committed alone, so that only the lead at fault fails. */
static void commit(struct lr_db_conn *c, struct lead_job **jobs, size_t n, bool wait,
                   int64_t routing_v, struct lr_lead_result *res)
{
    const struct lr_lead_write **writes = calloc(n, sizeof *writes);
    enum lr_db_status s = LR_DB_ERROR;
    if (writes != NULL) {
        for (size_t i = 0; i < n; i++)
            writes[i] = &jobs[i]->w;
        bool hand_off = lr_writeback_handoff_room(jobs[0]->writeback);
        struct commit_job job = {writes, n, wait, hand_off, routing_v, res, {NULL, 0}};
        /* Before the transaction starts: its rows' leases count from then. */
        int64_t started_ms = lr_now_mono_usec() / 1000;
        s = lr_db_run_statement(c, commit_tx, &job);
        /* Committed: its deliveries go to this replica's worker at once. */
        if (s == LR_DB_OK)
            lr_writeback_handoff(jobs[0]->writeback, job.handoff.ids, job.handoff.n, started_ms);
        lr_lead_handoff_clear(&job.handoff);
        free(writes);
    }
    if (s == LR_DB_OK)
        return;
    if (n > 1 && (s == LR_DB_ERROR || s == LR_DB_CONFLICT)) {
        lr_log(LR_LOG_WARN, "lead batch refused; committing its leads one by one",
               json_pack("{s:i, s:s}", "leads", (int)n, "error", c->last_error));
        for (size_t i = 0; i < n; i++)
            commit(c, &jobs[i], 1, wait, routing_v, &res[i]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        res[i] = (struct lr_lead_result){.s = s};
}

/* One transaction for jobs[0..n), decided at routing version routing_v (0: from a read,
 * not checked). A lead whose queue has no active rep was not written: it is decided
 * again (review) and goes round once more; a busy one goes to its queue's lane; a stale
 * one goes back to be decided again. */
static void write_group(struct lr_db_conn *c, struct lead_job **jobs, size_t n, bool wait,
                        int64_t routing_v)
{
    if (n == 0)
        return;
    struct lr_lead_result *res = calloc(n, sizeof *res);
    if (res == NULL) {
        for (size_t i = 0; i < n; i++)
            finish(jobs[i], LR_DB_ERROR, 0, NULL);
        return;
    }
    if (jobs[0]->batch_sizes != NULL)
        lr_histogram_observe(jobs[0]->batch_sizes, (double)n);
    commit(c, jobs, n, wait, routing_v, res);
    bool stale = false;
    for (size_t i = 0; i < n; i++) {
        struct lead_job *job = jobs[i];
        if (res[i].s == LR_DB_STALE) {
            /* Nothing was written: the tables moved on since the cache was read. */
            stale = true;
            job->stale++;
            to_read(job);
            continue;
        }
        if (res[i].s == LR_DB_OK && res[i].busy) {
            job->item.fn = wait_stage;
            job->item.lane = job->d.queue == LR_SEG_SMB          ? LANE_WAIT_SMB
                             : job->d.queue == LR_SEG_MID_MARKET ? LANE_WAIT_MID_MARKET
                                                                 : LANE_WAIT_STRATEGIC;
            continue;
        }
        if (res[i].s == LR_DB_NO_ACTIVE_REP && job->d.mode == LR_ASSIGN_ROUND_ROBIN) {
            /* Nothing was written: the queue is empty, so a human decides (SPEC 2.6). */
            lr_decision_no_active_rep(&job->d);
            to_write(job);
            continue;
        }
        finish(job, res[i].s, res[i].status, res[i].body);
        job->rep_id = res[i].rep_id;
        job->review_id = res[i].review_id;
    }
    if (stale && jobs[0]->routing_cache != NULL)
        lr_routing_cache_mark_stale(jobs[0]->routing_cache, routing_v);
    free(res);
}

/* A batch is checked at one routing version, the newest of its leads'. A lead decided at
 * an older one than that, or than the cache holds by now, would be refused: it goes back
 * at once (a refusal all the same). Leads decided from a read are committed apart,
 * unchecked, so that nothing can refuse them again and again. */
static void write_batch(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n,
                        bool wait)
{
    if (c == NULL) {
        fail_all(items, n, LR_DB_UNAVAILABLE);
        return;
    }
    struct lead_job **jobs = calloc(n, sizeof *jobs);
    if (jobs == NULL) {
        fail_all(items, n, LR_DB_ERROR);
        return;
    }
    struct lr_routing_cache *rc = job_of(items[0])->routing_cache;
    int64_t newest = 0, current = rc != NULL ? lr_routing_cache_current(rc) : 0;
    for (size_t i = 0; i < n; i++)
        if (job_of(items[i])->routing_v > newest)
            newest = job_of(items[i])->routing_v;
    /* jobs[0..nread): decided from a read; then those from the cache; each in the order
     * they came (the order their turns are taken in). */
    size_t nread = 0, ncached = 0;
    for (size_t i = 0; i < n; i++)
        if (job_of(items[i])->routing_v == 0)
            jobs[nread++] = job_of(items[i]);
    for (size_t i = 0; i < n; i++) {
        struct lead_job *job = job_of(items[i]);
        if (job->routing_v == 0)
            continue;
        if (job->routing_v < newest || job->routing_v < current) {
            job->stale++;
            to_read(job);
            continue;
        }
        jobs[nread + ncached++] = job;
    }
    write_group(c, jobs, nread, wait, 0);
    write_group(c, jobs + nread, ncached, wait, newest);
    free(jobs);
}

/* lr_batch_fn of the writer: never waits for a turn lock. */
static void write_stage(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    write_batch(c, items, n, false);
}

/* lr_batch_fn of a queue's own lane: waits for the turn lock. */
static void wait_stage(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    write_batch(c, items, n, true);
}

void lr_service_lead(const struct lr_lead_path *path, const struct lr_envelope *env,
                     struct lr_event_outcome *out)
{
    struct lr_db_pool *pool = path->pool;
    struct lr_batcher *batcher = path->batcher;
    /* The cache belongs to the read lane's thread: without lanes, no cache. */
    struct lead_job job = {.env = env,
                           .batch_sizes = path->batch_sizes,
                           .writeback = path->writeback,
                           .routing_cache = batcher != NULL ? path->routing_cache : NULL,
                           .s = LR_DB_UNAVAILABLE};
    job.item.fn = read_stage;
    job.item.lane = LANE_READ;
    if (batcher != NULL) {
        lr_batcher_run(batcher, &job.item);
    } else {
        struct lr_db_conn *c;
        if ((job.s = lr_db_acquire(pool, &c)) == LR_DB_OK) {
            struct lr_batch_item *one = &job.item;
            while (job.item.fn != NULL)
                job.item.fn(c, &one, 1);
            lr_db_release(pool, c);
        }
    }
    free(job.decision_json);
    if (job.item.fn != NULL) /* the server is stopping */
        job.s = LR_DB_UNAVAILABLE;
    /* Here, on the request's own thread, rather than on the lanes that every lead waits
     * for. Out of memory, the lead is written all the same: its sender gets an error now
     * and the stored answer on a retry. */
    if (job.s == LR_DB_OK && job.status == 201 && job.body == NULL) {
        const struct lr_event *ev = &env->ev;
        job.body =
            lr_lead_answer_text(&job.d, env->webhook_id, ev->id, ev->has_domain ? ev->domain : NULL,
                                job.rules_version, job.decided_at, job.rep_id, job.review_id);
        if (job.body == NULL)
            job.s = LR_DB_ERROR;
    }
    free(job.rep_id);
    out->s = job.s;
    out->status = job.s == LR_DB_OK ? job.status : 0;
    out->decided = job.s == LR_DB_OK && job.status == 201;
    out->queue = job.d.queue;
    out->reason = job.d.reason;
    out->body = job.s == LR_DB_OK && job.status != 409 ? job.body : NULL;
    if (out->body != job.body)
        free(job.body);
}
