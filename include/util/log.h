/* JSON-lines logging on stdout. */
#ifndef LR_UTIL_LOG_H
#define LR_UTIL_LOG_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

enum lr_log_level { LR_LOG_DEBUG = 0, LR_LOG_INFO, LR_LOG_WARN, LR_LOG_ERROR };

/* Writes {"ts":...,"level":...,"msg":msg, ...fields} as one line; steals fields
 * (may be NULL). Lines below the configured level are dropped. */
void lr_log(enum lr_log_level level, const char *msg, json_t *fields);
/* Set once at start, before any thread starts. */
void lr_log_set_level(enum lr_log_level level);
int lr_log_level_parse(const char *s, enum lr_log_level *out);

/* At most per_second lines a second for one kind of message; the lines refused are
 * counted and reported with the next line allowed. */
struct lr_log_limiter {
    pthread_mutex_t mu;
    long long window; /* the second being counted */
    unsigned per_second, used, suppressed;
};

void lr_log_limiter_init(struct lr_log_limiter *l, unsigned per_second);
/* True when a line may be written now; *suppressed is then the number refused since
 * the last line allowed (0 if none). */
bool lr_log_limiter_allow(struct lr_log_limiter *l, unsigned *suppressed);
/* The same at a given second (monotonic), for tests. */
bool lr_log_limiter_allow_at(struct lr_log_limiter *l, long long now_sec, unsigned *suppressed);

#endif
