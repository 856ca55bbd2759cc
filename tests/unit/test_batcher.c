/* service/batcher.c without PostgreSQL: every lane connects to a port where nothing
 * listens, so each batch function gets a NULL connection and the batcher's queueing,
 * batching and hand-over between lanes are seen on their own. The batch functions run on
 * the batcher's threads, where a failed check cannot end the test: they record what
 * they saw and the test thread checks it once every thread is joined. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "service/batcher.h"
#include "suites.h"

/* Port 1 refuses at once: a connect attempt per batch costs no time. */
#define UNREACHABLE                                                                                \
    "host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2 sslmode=disable gssencmode=disable"
static const struct lr_db_limits LIMITS = {100, 100, 2, 0};

enum { LANES = 3, BATCH_MAX = 4, MAX_BATCHES = 1024 };
/* Only keeps a broken batcher from hanging the run; a working one never comes near it. */
enum { SAFETY_SEC = 3 };

#define NO_NEXT UINT_MAX

/* One work item and what became of it; on the submitting thread's stack. */
struct job {
    struct lr_batch_item item; /* first: the batch functions get &item */
    unsigned next_lane;        /* where stage_two runs it; NO_NEXT: done after stage_one */
    unsigned first, second;    /* runs of each stage (under LOG.mu) */
    unsigned first_at_return, second_at_return;
    bool run_ok;
};

struct batch_rec {
    lr_batch_fn fn;
    unsigned lane; /* the lane of its first item */
    size_t n;
    pthread_t thread;
    bool conn_null;
    bool mixed; /* an item of another lane or stage */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch_rec batches[MAX_BATCHES];
    size_t nbatches;
    bool overflow;
    size_t first_total; /* stage_one runs so far */
    size_t held;        /* 1 once hold runs */
    size_t released;    /* 1 once release runs */
    bool hold_timed_out;
} LOG;

static void log_setup(void)
{
    memset(&LOG, 0, sizeof LOG);
    pthread_mutex_init(&LOG.mu, NULL);
    pthread_cond_init(&LOG.cv, NULL);
}

static void log_teardown(void)
{
    pthread_cond_destroy(&LOG.cv);
    pthread_mutex_destroy(&LOG.mu);
}

/* With LOG.mu held: waits for *v to reach want; false when the safety deadline passed. */
static bool await_count(const size_t *v, size_t want)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += SAFETY_SEC;
    while (*v < want)
        if (pthread_cond_timedwait(&LOG.cv, &LOG.mu, &dl) == ETIMEDOUT)
            return *v >= want;
    return true;
}

static struct job *job_of(struct lr_batch_item *it)
{
    return (struct job *)it;
}

/* Before the function changes anything: the batch as the lane handed it over. */
static void record(lr_batch_fn fn, struct lr_db_conn *c, struct lr_batch_item *const *items,
                   size_t n)
{
    pthread_mutex_lock(&LOG.mu);
    if (LOG.nbatches == MAX_BATCHES) {
        LOG.overflow = true;
    } else {
        struct batch_rec *r = &LOG.batches[LOG.nbatches++];
        *r = (struct batch_rec){
            fn, n > 0 ? items[0]->lane : UINT_MAX, n, pthread_self(), c == NULL, false};
        for (size_t i = 0; i < n; i++)
            if (items[i]->fn != fn || items[i]->lane != r->lane)
                r->mixed = true;
    }
    pthread_mutex_unlock(&LOG.mu);
}

static void stage_two(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    record(stage_two, c, items, n);
    pthread_mutex_lock(&LOG.mu);
    for (size_t i = 0; i < n; i++) {
        job_of(items[i])->second++;
        items[i]->fn = NULL;
    }
    pthread_mutex_unlock(&LOG.mu);
}

/* Passes an item on to stage_two on its next lane, as service/lead.c passes a lead from
 * the read lane to the write lane. */
static void stage_one(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    record(stage_one, c, items, n);
    pthread_mutex_lock(&LOG.mu);
    for (size_t i = 0; i < n; i++) {
        struct job *j = job_of(items[i]);
        j->first++;
        LOG.first_total++;
        items[i]->fn = j->next_lane == NO_NEXT ? NULL : stage_two;
        if (j->next_lane != NO_NEXT)
            items[i]->lane = j->next_lane;
    }
    pthread_cond_broadcast(&LOG.cv);
    pthread_mutex_unlock(&LOG.mu);
}

/* Keeps its lane's thread busy until release runs, so that what is queued on that lane
 * meanwhile is all there when the lane takes its next batch. */
static void hold(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    record(hold, c, items, n);
    pthread_mutex_lock(&LOG.mu);
    LOG.held = 1;
    pthread_cond_broadcast(&LOG.cv);
    if (!await_count(&LOG.released, 1))
        LOG.hold_timed_out = true;
    pthread_mutex_unlock(&LOG.mu);
    for (size_t i = 0; i < n; i++)
        items[i]->fn = NULL;
}

static void release(struct lr_db_conn *c, struct lr_batch_item *const *items, size_t n)
{
    record(release, c, items, n);
    pthread_mutex_lock(&LOG.mu);
    LOG.released = 1;
    pthread_cond_broadcast(&LOG.cv);
    pthread_mutex_unlock(&LOG.mu);
    for (size_t i = 0; i < n; i++)
        items[i]->fn = NULL;
}

static void job_init(struct job *j, lr_batch_fn fn, unsigned lane, unsigned next_lane)
{
    memset(j, 0, sizeof *j);
    j->item.fn = fn;
    j->item.lane = lane;
    j->next_lane = next_lane;
}

struct submitter {
    struct lr_batcher *b;
    struct job *jobs;
    size_t n;
    pthread_t thread;
};

/* Runs its jobs one after another, noting what each had been through on return. */
static void *submit_all(void *arg)
{
    struct submitter *s = arg;
    for (size_t i = 0; i < s->n; i++) {
        struct job *j = &s->jobs[i];
        j->run_ok = lr_batcher_run(s->b, &j->item);
        pthread_mutex_lock(&LOG.mu);
        j->first_at_return = j->first;
        j->second_at_return = j->second;
        pthread_mutex_unlock(&LOG.mu);
    }
    return NULL;
}

static void start(struct submitter *s, struct lr_batcher *b, struct job *jobs, size_t n)
{
    *s = (struct submitter){.b = b, .jobs = jobs, .n = n};
    ck_assert_int_eq(pthread_create(&s->thread, NULL, submit_all, s), 0);
}

/* Ran once, and its last stage had run when lr_batcher_run returned. */
static void check_job(const struct job *j, const char *what, size_t i)
{
    unsigned want_second = j->next_lane == NO_NEXT ? 0 : 1;
    ck_assert_msg(j->run_ok, "%s %zu: lr_batcher_run refused it", what, i);
    ck_assert_msg(j->item.fn == NULL, "%s %zu: not done", what, i);
    ck_assert_msg(j->first_at_return == 1 && j->second_at_return == want_second,
                  "%s %zu: stages run %u and %u times on return, want 1 and %u", what, i,
                  j->first_at_return, j->second_at_return, want_second);
    ck_assert_msg(j->first == 1 && j->second == want_second,
                  "%s %zu: stages run %u and %u times, want 1 and %u", what, i, j->first, j->second,
                  want_second);
}

/* Every batch is 1..BATCH_MAX items of one lane and one stage, got a NULL connection
 * and ran on its lane's thread, a thread of that lane alone. Returns how many items
 * fn's batches held. */
static size_t check_batches(lr_batch_fn fn)
{
    ck_assert(!LOG.overflow);
    pthread_t lane_thread[LANES];
    bool seen[LANES] = {false};
    size_t items = 0;
    for (size_t i = 0; i < LOG.nbatches; i++) {
        const struct batch_rec *r = &LOG.batches[i];
        ck_assert_msg(r->n >= 1 && r->n <= BATCH_MAX, "batch %zu has %zu items", i, r->n);
        ck_assert_msg(!r->mixed, "batch %zu mixes lanes or stages", i);
        ck_assert_msg(r->conn_null, "batch %zu got a connection", i);
        ck_assert_uint_lt(r->lane, LANES);
        if (!seen[r->lane]) {
            for (unsigned l = 0; l < LANES; l++)
                ck_assert_msg(!seen[l] || !pthread_equal(lane_thread[l], r->thread),
                              "lanes %u and %u share a thread", l, r->lane);
            seen[r->lane] = true;
            lane_thread[r->lane] = r->thread;
        }
        ck_assert_msg(pthread_equal(lane_thread[r->lane], r->thread),
                      "batch %zu of lane %u ran on another lane's thread", i, r->lane);
        if (r->fn == fn)
            items += r->n;
    }
    return items;
}

enum { SUBMITTERS = 6, PER_SUBMITTER = 40 };

/* Several threads on every lane at once, a third of the items done in one stage, the
 * rest passed on to a second stage on the same lane or another. */
START_TEST(test_items_run_once_in_bounded_batches)
{
    struct lr_batcher *b = lr_batcher_new(UNREACHABLE, &LIMITS, BATCH_MAX, LANES);
    ck_assert_ptr_nonnull(b);
    struct job jobs[SUBMITTERS][PER_SUBMITTER];
    size_t two_stage = 0;
    for (unsigned t = 0; t < SUBMITTERS; t++)
        for (unsigned k = 0; k < PER_SUBMITTER; k++) {
            unsigned lane = (t + k) % LANES;
            unsigned next = k % 3 == 0 ? NO_NEXT : (lane + k % 4) % LANES;
            job_init(&jobs[t][k], stage_one, lane, next);
            two_stage += next != NO_NEXT;
        }
    struct submitter subs[SUBMITTERS];
    for (unsigned t = 0; t < SUBMITTERS; t++)
        start(&subs[t], b, jobs[t], PER_SUBMITTER);
    for (unsigned t = 0; t < SUBMITTERS; t++)
        pthread_join(subs[t].thread, NULL);
    lr_batcher_free(b);

    for (unsigned t = 0; t < SUBMITTERS; t++)
        for (unsigned k = 0; k < PER_SUBMITTER; k++)
            check_job(&jobs[t][k], "job", (size_t)t * PER_SUBMITTER + k);
    ck_assert_uint_eq(check_batches(stage_one), SUBMITTERS * PER_SUBMITTER);
    ck_assert_uint_eq(check_batches(stage_two), two_stage);
    ck_assert_uint_eq(LOG.first_total, SUBMITTERS * PER_SUBMITTER);
}
END_TEST

enum { HELD = 10 };

/* Lane 0 is held while HELD items pass through stage_one on lane 1 and are passed on to
 * lane 0; release runs on lane 1 after the last of them is queued there. Lane 0 then
 * finds all HELD queued at once and takes them in full batches, in order. */
START_TEST(test_passed_on_items_batch_on_their_new_lane)
{
    struct lr_batcher *b = lr_batcher_new(UNREACHABLE, &LIMITS, BATCH_MAX, LANES);
    ck_assert_ptr_nonnull(b);
    struct job holder, releaser, jobs[HELD];
    struct submitter hold_sub, subs[HELD];
    job_init(&holder, hold, 0, NO_NEXT);
    start(&hold_sub, b, &holder, 1);
    pthread_mutex_lock(&LOG.mu);
    bool held = await_count(&LOG.held, 1);
    pthread_mutex_unlock(&LOG.mu);
    for (unsigned i = 0; i < HELD; i++) {
        job_init(&jobs[i], stage_one, 1, 0);
        start(&subs[i], b, &jobs[i], 1);
    }
    pthread_mutex_lock(&LOG.mu);
    bool passed_on = await_count(&LOG.first_total, HELD);
    pthread_mutex_unlock(&LOG.mu);
    job_init(&releaser, release, 1, NO_NEXT);
    bool released = held && passed_on && lr_batcher_run(b, &releaser.item);
    if (!released) { /* let hold go, so that the threads can be joined */
        pthread_mutex_lock(&LOG.mu);
        LOG.released = 1;
        pthread_cond_broadcast(&LOG.cv);
        pthread_mutex_unlock(&LOG.mu);
    }
    pthread_join(hold_sub.thread, NULL);
    for (unsigned i = 0; i < HELD; i++)
        pthread_join(subs[i].thread, NULL);
    lr_batcher_free(b);

    ck_assert_msg(held, "hold never ran");
    ck_assert_msg(passed_on, "stage_one ran %zu times, want %d", LOG.first_total, HELD);
    ck_assert(released);
    ck_assert(!LOG.hold_timed_out);
    ck_assert(holder.run_ok);
    ck_assert_ptr_null(holder.item.fn);
    for (size_t i = 0; i < HELD; i++)
        check_job(&jobs[i], "job", i);
    ck_assert_uint_eq(check_batches(stage_two), HELD);

    /* stage_two ran on lane 0's thread (hold's) in batches of 4, 4 and 2; stage_one and
     * release on lane 1's. */
    static const size_t WANT[] = {BATCH_MAX, BATCH_MAX, HELD - 2 * BATCH_MAX};
    size_t k = 0;
    const struct batch_rec *hold_rec = NULL, *release_rec = NULL;
    for (size_t i = 0; i < LOG.nbatches; i++) {
        const struct batch_rec *r = &LOG.batches[i];
        if (r->fn == hold)
            hold_rec = r;
        if (r->fn == release)
            release_rec = r;
        if (r->fn == stage_one)
            ck_assert_uint_eq(r->lane, 1);
        if (r->fn != stage_two)
            continue;
        ck_assert_uint_eq(r->lane, 0);
        ck_assert_uint_lt(k, sizeof WANT / sizeof *WANT);
        ck_assert_msg(r->n == WANT[k], "stage_two batch %zu has %zu items, want %zu", k, r->n,
                      WANT[k]);
        k++;
    }
    ck_assert_uint_eq(k, sizeof WANT / sizeof *WANT);
    ck_assert_ptr_nonnull(hold_rec);
    ck_assert_ptr_nonnull(release_rec);
    ck_assert_uint_eq(hold_rec->n, 1);
    ck_assert_uint_eq(hold_rec->lane, 0);
    ck_assert_uint_eq(release_rec->lane, 1);
}
END_TEST

/* Stopping a batcher that has nothing queued: its lanes' threads, asleep waiting for
 * work, wake and end (a hang here fails on the test's timeout). */
START_TEST(test_free_with_nothing_queued)
{
    struct lr_batcher *b = lr_batcher_new(UNREACHABLE, &LIMITS, BATCH_MAX, LANES);
    ck_assert_ptr_nonnull(b);
    lr_batcher_free(b);
    b = lr_batcher_new(UNREACHABLE, &LIMITS, 1, 1);
    ck_assert_ptr_nonnull(b);
    lr_batcher_free(b);
    lr_batcher_free(NULL);
    ck_assert_uint_eq(LOG.nbatches, 0);
}
END_TEST

Suite *batcher_suite(void)
{
    Suite *s = suite_create("service/batcher");
    TCase *tc = tcase_create("no database");
    tcase_set_timeout(tc, 10);
    tcase_add_checked_fixture(tc, log_setup, log_teardown);
    tcase_add_test(tc, test_items_run_once_in_bounded_batches);
    tcase_add_test(tc, test_passed_on_items_batch_on_their_new_lane);
    tcase_add_test(tc, test_free_with_nothing_queued);
    suite_add_tcase(s, tc);
    return s;
}
