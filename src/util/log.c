/* JSON lines on stdout, one write per line so concurrent threads never interleave. */
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/json.h"

/* Set once at start-up, before threads exist; read-only afterwards. */
static enum lr_log_level min_level = LR_LOG_INFO;

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

void lr_log_set_level(enum lr_log_level level)
{
    min_level = level;
}

int lr_log_level_parse(const char *s, enum lr_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, LEVEL_NAMES[i]) == 0) {
            *out = (enum lr_log_level)i;
            return 0;
        }
    }
    return -1;
}

void lr_log(enum lr_log_level level, const char *msg, json_t *fields)
{
    if (level < min_level) {
        json_decref(fields);
        return;
    }
    char ts[40];
    lr_rfc3339_now(ts);
    json_t *line = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", LEVEL_NAMES[level], "msg", msg);
    if (line != NULL && fields != NULL)
        json_object_update(line, fields);
    json_decref(fields);
    char *text = line ? lr_json_dumps(line) : NULL;
    json_decref(line);
    if (text == NULL)
        return;
    size_t n = strlen(text);
    text[n] = '\n';
    fwrite(text, 1, n + 1, stdout);
    fflush(stdout);
    free(text);
}

void lr_log_limiter_init(struct lr_log_limiter *l, unsigned per_second)
{
    pthread_mutex_init(&l->mu, NULL);
    l->window = -1;
    l->per_second = per_second;
    l->used = l->suppressed = 0;
}

bool lr_log_limiter_allow_at(struct lr_log_limiter *l, long long now_sec, unsigned *suppressed)
{
    pthread_mutex_lock(&l->mu);
    if (now_sec != l->window) {
        l->window = now_sec;
        l->used = 0;
    }
    bool ok = l->used < l->per_second;
    if (ok) {
        l->used++;
        *suppressed = l->suppressed;
        l->suppressed = 0;
    } else {
        l->suppressed++;
        *suppressed = 0;
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

bool lr_log_limiter_allow(struct lr_log_limiter *l, unsigned *suppressed)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return lr_log_limiter_allow_at(l, (long long)now.tv_sec, suppressed);
}
