/* RFC 9457 problem details: the one registry of the problem types this service answers
 * (status, slug, title) and the one place their JSON is built. docs/api-contract.md
 * lists the same table with when each type is answered. */
#ifndef LR_API_PROBLEM_H
#define LR_API_PROBLEM_H

#include <jansson.h>

#include "db/pool.h"
#include "http/http.h"

struct lr_app;

/* The type URI of a problem is this prefix followed by the slug. */
#define LR_PROBLEM_URN_PREFIX "urn:leadrouter:problem:"

/* Every problem type, by status. */
enum lr_problem_type {
    LR_PROBLEM_MALFORMED_JSON,             /* 400 */
    LR_PROBLEM_MISSING_WEBHOOK_ID,         /* 400 */
    LR_PROBLEM_UNAUTHORIZED,               /* 401 */
    LR_PROBLEM_BAD_SIGNATURE,              /* 401 */
    LR_PROBLEM_FORBIDDEN,                  /* 403 */
    LR_PROBLEM_NOT_FOUND,                  /* 404 */
    LR_PROBLEM_METHOD_NOT_ALLOWED,         /* 405 */
    LR_PROBLEM_WEBHOOK_ID_REUSED,          /* 409 */
    LR_PROBLEM_NO_POACHING,                /* 409 */
    LR_PROBLEM_NAMED_OWNER_SEGMENT,        /* 409 */
    LR_PROBLEM_REVIEW_ALREADY_RESOLVED,    /* 409 */
    LR_PROBLEM_DELIVERY_NOT_DEAD,          /* 409 */
    LR_PROBLEM_NO_ACTIVE_REP,              /* 409 */
    LR_PROBLEM_BODY_TOO_LARGE,             /* 413 */
    LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE,     /* 415 */
    LR_PROBLEM_VALIDATION,                 /* 422 */
    LR_PROBLEM_NO_MANUAL_CLAIMING,         /* 422 */
    LR_PROBLEM_REVIEW_SUBJECT_UNSUPPORTED, /* 422 */
    LR_PROBLEM_BUSY,                       /* 429, Retry-After */
    LR_PROBLEM_INTERNAL,                   /* 500 */
    LR_PROBLEM_UNAVAILABLE,                /* 503, Retry-After */
    LR_PROBLEM_DATABASE_UNAVAILABLE,       /* 503, Retry-After */
    LR_PROBLEM_NOT_READY,                  /* 503, Retry-After */
    LR_PROBLEM_DRAINING,                   /* 503, Retry-After */
    LR_PROBLEM_SCHEMA_BEHIND,              /* 503, Retry-After: run leadrouter migrate */
    LR_PROBLEM_COUNT
};

/* One row of the registry. */
struct lr_problem_def {
    unsigned status;
    const char *slug;  /* the type URI is LR_PROBLEM_URN_PREFIX slug */
    const char *title; /* the same for every answer of the type */
};

/* The registry row of t; NULL when t is not a type. */
const struct lr_problem_def *lr_problem_def(enum lr_problem_type t);

/* Answers problem t: {"type", "title", "status", "detail"[, "errors"]} as
 * application/problem+json with t's status. detail says what went wrong this time
 * (NULL: the title); errors (stolen, may be NULL) lists bad fields or rows. */
void lr_problem_answer(struct lr_response *resp, enum lr_problem_type t, const char *detail,
                       json_t *errors);
/* 400 malformed-json naming where the parser stopped. */
void lr_problem_malformed_json(struct lr_response *resp, const json_error_t *err);
/* The same with Retry-After set to the configured seconds: every 429 and 503 answer. */
void lr_problem_answer_retry(struct lr_response *resp, const struct lr_app *app,
                             enum lr_problem_type t, const char *detail);

/* 503 database-unavailable with Retry-After, for an unreachable database. */
void lr_problem_unavailable(struct lr_response *resp, const struct lr_app *app);
/* Maps a database status other than LR_DB_OK to a problem (503 or 500). */
void lr_problem_db(struct lr_response *resp, const struct lr_app *app, enum lr_db_status st);

#endif
