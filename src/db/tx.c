/* The transaction runner: every write's BEGIN, COMMIT, ROLLBACK and retry. */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "db/pool.h"
#include "util/log.h"

/* 2, 4, 8 ... ms, with jitter so that two transactions that deadlocked do not meet
 * again at the same instant. */
static void backoff(unsigned attempt)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long base_ms = 1L << (attempt + 1);
    long jitter_us = (long)((uint64_t)now.tv_nsec % (uint64_t)(base_ms * 1000));
    struct timespec pause = {.tv_sec = 0, .tv_nsec = (base_ms * 1000 + jitter_us) * 1000};
    nanosleep(&pause, NULL);
}

static enum lr_db_status run(struct lr_db_conn *c, lr_db_tx_fn work, void *arg, bool explicit)
{
    enum lr_db_status s = LR_DB_RETRY;
    for (unsigned attempt = 0; attempt < LR_DB_TX_ATTEMPTS && s == LR_DB_RETRY; attempt++) {
        if (attempt > 0)
            backoff(attempt);
        if (explicit && (s = lr_db_begin(c)) != LR_DB_OK)
            break;
        s = work(c, arg);
        if (explicit && s == LR_DB_OK)
            s = lr_db_commit(c);
        if (explicit && s != LR_DB_OK)
            lr_db_rollback(c);
    }
    if (s == LR_DB_RETRY) {
        lr_log(LR_LOG_WARN, "transaction still conflicting after retries",
               json_pack("{s:i, s:s}", "attempts", LR_DB_TX_ATTEMPTS, "error", c->last_error));
        s = LR_DB_UNAVAILABLE;
    }
    return s;
}

enum lr_db_status lr_db_run_tx(struct lr_db_conn *c, lr_db_tx_fn work, void *arg)
{
    return run(c, work, arg, true);
}

enum lr_db_status lr_db_run_statement(struct lr_db_conn *c, lr_db_tx_fn work, void *arg)
{
    return run(c, work, arg, false);
}
