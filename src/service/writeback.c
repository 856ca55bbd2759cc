/* The write-back delivery worker: one thread, libcurl's multi interface. */
#include "service/writeback.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/outbox_store.h"
#include "service/writeback_attempt.h"
#include "service/writeback_handoff.h"
#include "util/log.h"
#include "util/time.h"

/* The poll that finds rows whose retry came due, or that a missed NOTIFY left. */
#define POLL_MS 1000
#define MAX_SCHEDULE 32
/* Rows handed over that may wait for a slot (more wait out their lease); from
 * HANDOFF_WAITING rounds waiting on, the lanes leave rows to claims (handoff_room). */
#define HANDOFF_CAP 65536
#define HANDOFF_WAITING 4

struct flight {
    bool busy, handed; /* handed: the write lane leased it, no claim did */
    CURL *easy;
    struct curl_slist *headers;
    struct lr_wb_request req;
    struct lr_outbox_row row;
    struct lr_wb_answer answer;
    char curl_error[CURL_ERROR_SIZE];
};

struct lr_writeback {
    struct lr_wb_target target;
    struct lr_webhook_key key;
    char url[sizeof((struct lr_config *)0)->writeback_url];
    char token[sizeof((struct lr_config *)0)->writeback_token];
    unsigned schedule[MAX_SCHEDULE];
    size_t nschedule;
    unsigned timeout_sec, lease_sec, concurrency;
    char *conninfo;
    struct lr_db_limits limits;
    struct lr_db_conn conn; /* claims and outcomes: short transactions only */
    int64_t db_retry_at;    /* monotonic ms: no reconnect before */
    struct lr_outbox_listener *listener;
    CURLM *multi;
    struct flight *flights;
    unsigned inflight;
    struct lr_outbox_row *claimed; /* scratch for one claim */
    struct lr_wb_handoff *handoff; /* rows the lead lanes leased to this worker */
    int64_t *handed;               /* scratch: ids taken from it */
    int64_t handoff_keep_ms;       /* a handed row older than this is left to its lease */
    struct lr_outbox_batch done;   /* outcomes waiting to be recorded together */
    uint64_t rng;
    struct lr_log_limiter db_log;
    pthread_t thread;
    atomic_bool stop;
    _Atomic uint64_t counts[LR_WB_DESTINATIONS][LR_WB_OUTCOMES];
};

static int64_t now_ms(void)
{
    return lr_now_mono_usec() / 1000;
}

static void count(struct lr_writeback *wb, enum lr_wb_outcome o)
{
    atomic_fetch_add_explicit(&wb->counts[wb->target.destination][o], 1, memory_order_relaxed);
}

static void log_db(struct lr_writeback *wb, const char *msg, enum lr_db_status s)
{
    unsigned suppressed;
    if (lr_log_limiter_allow(&wb->db_log, &suppressed))
        lr_log(LR_LOG_WARN, msg,
               json_pack("{s:i, s:s, s:i}", "status", (int)s, "error", wb->conn.last_error,
                         "suppressed", (int)suppressed));
}

/* The worker's own connection, (re)opened when it is gone, at most once a second: with
 * PostgreSQL unreachable, each of many finished requests would otherwise wait out a
 * connect timeout of its own (their rows keep their leases). */
static bool db_ready(struct lr_writeback *wb)
{
    if (wb->conn.pg != NULL && PQstatus(wb->conn.pg) == CONNECTION_OK)
        return true;
    int64_t now = now_ms();
    if (now < wb->db_retry_at)
        return false;
    if (lr_db_connect_with(wb->conninfo, &wb->limits, &wb->conn) == LR_DB_OK &&
        lr_outbox_session(&wb->conn) == LR_DB_OK)
        return true;
    wb->db_retry_at = now_ms() + POLL_MS;
    return false;
}

/* Records every outcome noted since the last call, in one transaction. When they cannot
 * be recorded the rows keep their leases and are tried again after them: at least
 * once, never lost. */
static void flush(struct lr_writeback *wb)
{
    size_t n = wb->done.n;
    wb->done.n = 0;
    if (n == 0)
        return;
    struct lr_outbox_outcome *o = wb->done.o;
    enum lr_db_status s = db_ready(wb) ? lr_outbox_record(&wb->conn, o, n) : LR_DB_UNAVAILABLE;
    if (s != LR_DB_OK) {
        log_db(wb, "delivery outcomes not recorded; the rows are tried again after their lease", s);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (o[i].result == LR_DB_NOT_FOUND)
            lr_log(LR_LOG_INFO, "delivery outcome dropped: the row was claimed again or changed",
                   json_pack("{s:I, s:i}", "outbox_id", (json_int_t)o[i].id, "attempts",
                             o[i].attempts));
}

/* Counts and logs an attempt's outcome and notes it for flush. */
static void record(struct lr_writeback *wb, const struct lr_outbox_row *row,
                   const struct lr_wb_verdict *v, int status, const char *error)
{
    count(wb, v->outcome);
    if (v->outcome == LR_WB_DEAD)
        lr_wb_log_dead(wb->target.destination, row, status, error);
    else if (v->outcome == LR_WB_RETRY)
        lr_log(LR_LOG_DEBUG, "delivery to retry",
               json_pack("{s:I, s:i, s:i, s:s, s:f}", "outbox_id", (json_int_t)row->id, "status",
                         status, "attempts", row->attempts, "error", error, "after_first_sec",
                         v->after_first_sec));
    struct lr_outbox_outcome o = {
        LR_OUTBOX_DEAD,     row->id,           row->attempts, status, error,
        v->after_first_sec, v->not_before_sec, LR_DB_OK};
    if (v->outcome != LR_WB_DEAD)
        o.verdict = v->outcome == LR_WB_DELIVERED ? LR_OUTBOX_DELIVERED : LR_OUTBOX_RETRY;
    if (!lr_outbox_batch_add(&wb->done, &o)) {
        flush(wb);
        lr_outbox_batch_add(&wb->done, &o);
    }
}

static void flight_clear(struct lr_writeback *wb, struct flight *f)
{
    if (f->easy != NULL) {
        curl_multi_remove_handle(wb->multi, f->easy);
        curl_easy_cleanup(f->easy);
    }
    curl_slist_free_all(f->headers);
    lr_wb_request_free(&f->req);
    lr_outbox_row_clear(&f->row);
    memset(f, 0, sizeof *f);
    wb->inflight--;
}

/* Puts a claimed row on the wire; takes the row. */
static void send_row(struct lr_writeback *wb, struct flight *f, struct lr_outbox_row *row)
{
    memset(f, 0, sizeof *f);
    f->busy = true;
    f->row = *row;
    memset(row, 0, sizeof *row);
    wb->inflight++;
    char err[512];
    enum lr_wb_build b =
        lr_wb_request_build(&wb->target, &f->row, (int64_t)time(NULL), &f->req, err, sizeof err);
    if (b == LR_WB_BUILD_UNDELIVERABLE) {
        struct lr_wb_verdict dead = {LR_WB_DEAD, 0, 0};
        record(wb, &f->row, &dead, 0, err);
        flight_clear(wb, f);
        return;
    }
    bool ok = b == LR_WB_BUILD_OK &&
              (f->easy = lr_wb_easy_new(&f->req, wb->timeout_sec, &f->answer, f->curl_error, f,
                                        &f->headers)) != NULL &&
              curl_multi_add_handle(wb->multi, f->easy) == CURLM_OK;
    if (!ok) {
        /* Out of memory: the row keeps its lease and is tried after it. */
        lr_log(LR_LOG_ERROR, "delivery not started",
               json_pack("{s:I, s:s}", "outbox_id", (json_int_t)f->row.id, "error",
                         b == LR_WB_BUILD_OK ? "curl setup failed" : err));
        if (f->easy != NULL) {
            curl_easy_cleanup(f->easy);
            f->easy = NULL;
        }
        flight_clear(wb, f);
    }
}

static struct flight *free_flight(struct lr_writeback *wb)
{
    for (unsigned i = 0; i < wb->concurrency; i++)
        if (!wb->flights[i].busy)
            return &wb->flights[i];
    return NULL;
}

/* Sends wb->claimed[0..n), n being at most the free slots. */
static void send_claimed(struct lr_writeback *wb, size_t n, bool handed)
{
    for (size_t i = 0; i < n; i++) {
        struct flight *f = free_flight(wb);
        if (f == NULL) { /* cannot happen: n <= room */
            lr_outbox_row_clear(&wb->claimed[i]);
            continue;
        }
        send_row(wb, f, &wb->claimed[i]);
        f->handed = handed;
    }
    flush(wb); /* rows that could not be sent (dead at once) */
}

/* A claim costs a transaction and a walk of the due rows, more than a delivery. So it
 * waits until a quarter of the slots are free, or none is busy, or the poll is due (a
 * new row still starts within a second); claiming 50 ms after the last claim as well
 * made the worker fall behind (docs/performance.md). -1 no room, 0 now, else ms. */
#define CLAIM_GAP_MS POLL_MS
static int claim_wait_ms(const struct lr_writeback *wb, int64_t since_last)
{
    unsigned room = wb->concurrency - wb->inflight;
    if (room == 0)
        return -1;
    bool now = wb->inflight == 0 || room >= (wb->concurrency + 3) / 4 || since_last >= CLAIM_GAP_MS;
    return now ? 0 : (int)(CLAIM_GAP_MS - since_last);
}

/* Sends the handed-over rows that have a free slot. A row is sent only while its lease
 * still covers the whole request; an older one, and one the database cannot be asked
 * about now, waits out its lease and is claimed then. */
static void take_handed(struct lr_writeback *wb)
{
    size_t dropped = lr_wb_handoff_dropped(wb->handoff);
    if (dropped > 0)
        lr_log(LR_LOG_WARN, "handed-over deliveries left to their lease (the worker is behind)",
               json_pack("{s:I}", "rows", (json_int_t)dropped));
    /* Like a claim, a read is worth a round of rows, not one. */
    size_t k = claim_wait_ms(wb, 0) != 0
                   ? 0
                   : lr_wb_handoff_take(wb->handoff, wb->handed, wb->concurrency - wb->inflight,
                                        now_ms() - wb->handoff_keep_ms);
    if (k == 0)
        return;
    size_t n = 0;
    const char *dest = lr_wb_destination_name(wb->target.destination);
    enum lr_db_status s = db_ready(wb)
                              ? lr_outbox_load(&wb->conn, dest, wb->handed, k, wb->claimed, &n)
                              : LR_DB_UNAVAILABLE;
    if (s != LR_DB_OK) {
        log_db(wb, "handed-over deliveries not read; they are claimed after their lease", s);
        return;
    }
    send_claimed(wb, n, true);
}

/* Claims as many rows as there are free slots and sends them: whether every free slot
 * was filled (more rows may be due). */
static bool claim(struct lr_writeback *wb)
{
    unsigned room = wb->concurrency - wb->inflight;
    if (room == 0)
        return false;
    if (!db_ready(wb)) {
        log_db(wb, "write-back cannot reach postgresql", LR_DB_UNAVAILABLE);
        return false;
    }
    size_t n = 0;
    enum lr_db_status s = lr_outbox_claim(&wb->conn, lr_wb_destination_name(wb->target.destination),
                                          room, wb->lease_sec, wb->claimed, &n);
    if (s != LR_DB_OK) {
        log_db(wb, "write-back claim failed", s);
        return false;
    }
    send_claimed(wb, n, false);
    return n == room;
}

/* Records every finished request: how many finished; *claimed_done: how many of them
 * a claim had taken. */
static unsigned harvest(struct lr_writeback *wb, unsigned *claimed_done)
{
    unsigned done = 0;
    *claimed_done = 0;
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(wb->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct flight *f = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        if (f == NULL)
            continue;
        char error[LR_OUTBOX_ERROR_KEEP + 1];
        long status = lr_wb_easy_result(f->easy, m->data.result, f->curl_error, &f->answer,
                                        wb->timeout_sec, error, sizeof error);
        struct lr_wb_verdict v = lr_wb_verdict_of(
            (int)status, f->answer.retry_after[0] ? f->answer.retry_after : NULL, f->row.attempts,
            wb->schedule, wb->nschedule, (int64_t)time(NULL), lr_wb_jitter(&wb->rng));
        record(wb, &f->row, &v, (int)status, v.outcome == LR_WB_DELIVERED ? NULL : error);
        *claimed_done += !f->handed;
        flight_clear(wb, f);
        done++;
    }
    flush(wb);
    return done;
}

/* One wait of at most ms: on curl's sockets, the LISTEN socket, or a wakeup (stop). */
static void wait_for(struct lr_writeback *wb, int ms)
{
    struct curl_waitfd extra = {.fd = lr_outbox_listener_socket(wb->listener),
                                .events = CURL_WAIT_POLLIN};
    int n;
    curl_multi_poll(wb->multi, extra.fd >= 0 ? &extra : NULL, extra.fd >= 0 ? 1 : 0, ms, &n);
}

static void *run(void *arg)
{
    struct lr_writeback *wb = arg;
    int64_t last_claim = now_ms() - POLL_MS, last_listen = now_ms() - POLL_MS;
    bool want = true, notified = false; /* notified: since the last claim */
    unsigned done, claimed_done;
    int running = 0;
    while (!atomic_load(&wb->stop)) {
        int64_t now = now_ms();
        if (lr_outbox_listener_socket(wb->listener) < 0 && now - last_listen >= POLL_MS) {
            last_listen = now;
            /* While it is down, the 1 s poll still finds every row. */
            if (lr_outbox_listen(wb->listener) == LR_DB_OK)
                want = notified = true;
        }
        if (lr_outbox_listener_socket(wb->listener) >= 0 &&
            lr_outbox_listener_consume(wb->listener) != 0)
            want = notified = true;
        if (now - last_claim >= POLL_MS)
            want = true;
        take_handed(wb);
        if (want && claim_wait_ms(wb, now - last_claim) == 0) {
            last_claim = now;
            notified = false;
            want = claim(wb);
        }
        curl_multi_perform(wb->multi, &running);
        /* A finished row may let the next row of its subject go: one a claim took, or a
         * handed-over one while rows came that were not handed over (its next owner, if
         * written while it was on the wire, is one of them). */
        done = harvest(wb, &claimed_done);
        if (claimed_done > 0 || (done > 0 && notified))
            want = true;
        /* With every slot busy (gap < 0) there is nothing to claim until a request ends,
         * which wakes the wait: the poll's deadline counts only while a slot is free, or an
         * overdue poll would make the wait return at once, and the worker spun a core for
         * as long as a CRM held its requests. */
        int gap = claim_wait_ms(wb, now_ms() - last_claim);
        int ms = gap < 0 ? POLL_MS : (int)(last_claim + POLL_MS - now_ms());
        if (want && gap >= 0 && gap < ms)
            ms = gap;
        wait_for(wb, ms < 0 ? 0 : ms > POLL_MS ? POLL_MS : ms);
    }
    /* Stopping: no new claims; what is on the wire may finish within its timeout. */
    int64_t deadline = now_ms() + (int64_t)wb->timeout_sec * 1000 + 1000;
    for (;;) {
        /* What the drained requests' leads handed over goes out with them. */
        take_handed(wb);
        if (wb->inflight == 0 || now_ms() >= deadline)
            break;
        curl_multi_perform(wb->multi, &running);
        harvest(wb, &claimed_done);
        int ms = (int)(deadline - now_ms());
        if (wb->inflight > 0 && ms > 0)
            wait_for(wb, ms > 100 ? 100 : ms);
    }
    for (unsigned i = 0; i < wb->concurrency; i++)
        if (wb->flights[i].busy)
            flight_clear(wb, &wb->flights[i]);
    return NULL;
}

static void destroy(struct lr_writeback *wb)
{
    if (wb == NULL)
        return;
    if (wb->multi != NULL)
        curl_multi_cleanup(wb->multi);
    lr_outbox_listener_free(wb->listener);
    lr_db_disconnect(&wb->conn);
    free(wb->flights);
    free(wb->claimed);
    lr_wb_handoff_free(wb->handoff);
    free(wb->handed);
    lr_outbox_batch_free(&wb->done);
    free(wb->conninfo);
    free(wb);
    curl_global_cleanup();
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int lr_writeback_start(const struct lr_config *cfg, const char *conninfo,
                       const struct lr_db_limits *limits, struct lr_writeback **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    enum lr_wb_destination dest;
    int checked = lr_wb_settings_check(cfg, &dest, err, errlen);
    if (checked != 0)
        return checked > 0 ? 0 : -1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return fail(err, errlen, "libcurl did not initialise");
    struct lr_writeback *wb = calloc(1, sizeof *wb);
    if (wb == NULL) {
        curl_global_cleanup();
        return fail(err, errlen, "out of memory");
    }
    int n = lr_config_retry_schedule(cfg, wb->schedule, MAX_SCHEDULE);
    if (n < 1) {
        destroy(wb);
        return fail(err, errlen, "writeback_retry_schedule is not valid");
    }
    wb->nschedule = (size_t)n;
    if (dest == LR_WB_WEBHOOK && lr_webhook_key_from_secret(cfg->writeback_secret, &wb->key)) {
        destroy(wb);
        return fail(err, errlen, "writeback_secret is not valid (whsec_<base64> or text)");
    }
    snprintf(wb->url, sizeof wb->url, "%s", cfg->writeback_url);
    snprintf(wb->token, sizeof wb->token, "%s", cfg->writeback_token);
    wb->target = (struct lr_wb_target){dest, wb->url, wb->token, &wb->key};
    wb->timeout_sec = cfg->writeback_timeout_sec;
    wb->lease_sec = cfg->writeback_lease_sec;
    wb->concurrency = cfg->writeback_concurrency;
    wb->limits = *limits;
    wb->rng =
        (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)wb;
    if (wb->rng == 0)
        wb->rng = 1;
    lr_log_limiter_init(&wb->db_log, 1);
    atomic_init(&wb->stop, false);
    for (int d = 0; d < LR_WB_DESTINATIONS; d++)
        for (int o = 0; o < LR_WB_OUTCOMES; o++)
            atomic_init(&wb->counts[d][o], 0);
    wb->conninfo = strdup(conninfo);
    wb->flights = calloc(wb->concurrency, sizeof *wb->flights);
    wb->claimed = calloc(wb->concurrency, sizeof *wb->claimed);
    wb->handed = calloc(wb->concurrency, sizeof *wb->handed);
    wb->handoff = lr_wb_handoff_new(HANDOFF_CAP);
    wb->handoff_keep_ms = ((int64_t)wb->lease_sec - wb->timeout_sec - 1) * 1000;
    wb->listener = wb->conninfo ? lr_outbox_listener_new(conninfo, limits) : NULL;
    wb->multi = curl_multi_init();
    if (wb->conninfo == NULL || wb->flights == NULL || wb->claimed == NULL || wb->handed == NULL ||
        wb->handoff == NULL || lr_outbox_batch_init(&wb->done, wb->concurrency) != 0 ||
        wb->listener == NULL || wb->multi == NULL) {
        destroy(wb);
        return fail(err, errlen, "out of memory");
    }
    if (pthread_create(&wb->thread, NULL, run, wb) != 0) {
        destroy(wb);
        return fail(err, errlen, "cannot start the write-back thread");
    }
    *out = wb;
    return 0;
}

void lr_writeback_stop(struct lr_writeback *wb)
{
    if (wb == NULL)
        return;
    atomic_store(&wb->stop, true);
    curl_multi_wakeup(wb->multi);
    pthread_join(wb->thread, NULL);
    destroy(wb);
}

const char *lr_writeback_destination(const struct lr_writeback *wb)
{
    return wb ? lr_wb_destination_name(wb->target.destination) : "none";
}

void lr_writeback_counts(const struct lr_writeback *wb,
                         uint64_t out[LR_WB_DESTINATIONS][LR_WB_OUTCOMES])
{
    for (int d = 0; d < LR_WB_DESTINATIONS; d++)
        for (int o = 0; o < LR_WB_OUTCOMES; o++)
            out[d][o] = wb ? atomic_load_explicit(&wb->counts[d][o], memory_order_relaxed) : 0;
}

bool lr_writeback_handoff_room(const struct lr_writeback *wb)
{
    return wb == NULL || lr_wb_handoff_waiting(wb->handoff) < HANDOFF_WAITING * wb->concurrency;
}

void lr_writeback_handoff(struct lr_writeback *wb, const int64_t *ids, size_t n, int64_t started_ms)
{
    if (wb == NULL || n == 0)
        return;
    lr_wb_handoff_push(wb->handoff, ids, n, started_ms);
    curl_multi_wakeup(wb->multi);
}
