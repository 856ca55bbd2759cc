/* Requests and responses as the handlers see them, independent of libmicrohttpd. */
#ifndef LR_HTTP_HTTP_H
#define LR_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/pool.h"

enum lr_role { LR_ROLE_NONE = 0, LR_ROLE_READER = 1, LR_ROLE_OPS = 2, LR_ROLE_ADMIN = 3 };

struct lr_app; /* the server: configuration, pool */

struct lr_request {
    const char *method;
    const char *path;
    const char *body; /* NUL-terminated; "" for a bulk route, whose body is in body_file */
    size_t body_len;
    /* Bulk routes only: the body spooled to an unlinked temporary file, positioned at
     * its start, so that a large load never sits in memory. Owned by the server. */
    FILE *body_file;
    char params[4][512]; /* {} segments of the route, in order (URL-decoded) */
    size_t nparams;
    enum lr_role role; /* of the bearer token, once authenticated */
    char actor[1100];  /* who: "token:<name>" or "webhook:<id>" (255 characters of UTF-8) */
    void *conn;        /* transport handle for header and query look-ups */
};

struct lr_response {
    unsigned status;
    char *body; /* owned; malloc'd */
    size_t body_len;
    const char *content_type;
    unsigned retry_after; /* seconds; 0 = no header */
    char location[512];
};

/* Header and query parameter look-ups; NULL when absent. */
const char *lr_req_header(const struct lr_request *req, const char *name);
const char *lr_req_query(const struct lr_request *req, const char *name);

/* Sets a JSON body (steals v; money markers are replaced). */
void lr_resp_json(struct lr_response *resp, unsigned status, json_t *v);
/* Takes an already serialised JSON text (copied). */
void lr_resp_json_text(struct lr_response *resp, unsigned status, const char *text, size_t len);

/* Answers a JSON text read from the database: 200 with it, 404 (not_found says what
 * was missing) or the database problem. Frees json in every case. */
void lr_resp_stored_json(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st,
                         char *json, const char *not_found);

/* A decimal integer in [lo, hi], the whole string; for query and path parameters. */
bool lr_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);

/* The keyset paging parameters: after (>= 0, default 0; empty means 0) and limit
 * (1..1000, default 100); a bad one is appended to errors. */
void lr_query_page(const struct lr_request *req, json_t *errors, int64_t *after, int64_t *limit);

/* RFC 9457 problem details. errors (stolen, may be NULL) lists bad fields or rows. */
void lr_problem(struct lr_response *resp, unsigned status, const char *type_slug, const char *title,
                const char *detail, json_t *errors);
/* 503 with Retry-After for an unreachable database. */
void lr_problem_unavailable(struct lr_response *resp, const struct lr_app *app);
/* Maps a database status other than LR_DB_OK to a problem (503 or 500). */
void lr_problem_db(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st);

#endif
