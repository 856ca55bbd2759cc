/* Query and path parameters, and answers read from the database. */
#ifndef LR_API_PARAMS_H
#define LR_API_PARAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/app.h"
#include "db/pool.h"
#include "http/http.h"

/* Answers a JSON text read from the database: 200 with it, 404 (not_found says what
 * was missing) or the database problem. Frees json in every case. */
void lr_resp_stored_json(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st,
                         char *json, const char *not_found);

/* A decimal integer in [lo, hi], the whole string; for query and path parameters. */
bool lr_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);

/* The keyset paging parameters: after (>= 0, default 0; empty means 0) and limit
 * (1..1000, default 100); a bad one is appended to errors. */
void lr_query_page(const struct lr_request *req, json_t *errors, int64_t *after, int64_t *limit);

/* Takes errors (the bad query parameters found): when there are any, answers 422
 * naming them and returns true; else frees it and returns false. */
bool lr_query_rejected(struct lr_response *resp, json_t *errors);

#endif
