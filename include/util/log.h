/* JSON-lines logging on stdout. */
#ifndef LR_UTIL_LOG_H
#define LR_UTIL_LOG_H

#include <jansson.h>

enum lr_log_level { LR_LOG_DEBUG = 0, LR_LOG_INFO, LR_LOG_WARN, LR_LOG_ERROR };

/* Writes {"ts":...,"level":...,"msg":msg, ...fields} as one line; steals fields
 * (may be NULL). Lines below the configured level are dropped. */
void lr_log(enum lr_log_level level, const char *msg, json_t *fields);
/* Set once at start, before any thread starts. */
void lr_log_set_level(enum lr_log_level level);
int lr_log_level_parse(const char *s, enum lr_log_level *out);

#endif
