/* Requests and responses as the handlers see them, independent of libmicrohttpd. */
#ifndef LR_HTTP_HTTP_H
#define LR_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
    enum lr_role role;      /* of the bearer token, once authenticated */
    char actor[1100];       /* who: "token:<name>" or "webhook:<id>" (255 characters of UTF-8) */
    const void *route;      /* the handler's route, set when the request is admitted */
    const char *route_name; /* its template ("/v1/leads/{}"), for logs and metrics */
    char request_id[72];    /* from X-Request-Id when sent and plain, else made up */
    unsigned handler_marks; /* the handler's own notes on this request (e.g. a slot held) */
    void *conn;             /* transport handle for header and query look-ups */
};

struct lr_response {
    unsigned status;
    char *body; /* owned; malloc'd */
    size_t body_len;
    /* A body in static storage (the page's embedded files): sent without a copy. body
     * wins when both are set; body_len is its length. */
    const void *static_body;
    /* More headers, in static storage: name, value, name, value, ..., NULL. */
    const char *const *headers;
    const char *content_type;
    unsigned retry_after; /* seconds; 0 = no header */
    char location[512];
    const char *problem; /* the problem type's slug of an error answer, for the log */
};

/* Sets req->request_id (req->conn set): the caller's X-Request-Id when it is a plain
 * token, else a random one. The server calls it once a head is read. */
void lr_req_assign_id(struct lr_request *req);
/* Header and query parameter look-ups; NULL when absent. */
const char *lr_req_header(const struct lr_request *req, const char *name);
const char *lr_req_query(const struct lr_request *req, const char *name);
/* The credentials of "Authorization: Bearer <token>" (scheme case-insensitive); NULL
 * without that header or scheme, "" for an empty token. */
const char *lr_req_bearer(const struct lr_request *req);
/* Whether a Content-Type value names the media type `type` (case-insensitive, parameters
 * such as charset allowed); false for NULL. */
bool lr_media_type_is(const char *content_type, const char *type);
/* Calls fn for each query parameter (value NULL for a bare key) until it returns false. */
void lr_req_each_query(const struct lr_request *req,
                       bool (*fn)(void *arg, const char *key, const char *value), void *arg);

/* Sets a JSON body (steals v; money markers are replaced). */
void lr_resp_json(struct lr_response *resp, unsigned status, json_t *v);
/* Takes an already serialised JSON text (copied). */
void lr_resp_json_text(struct lr_response *resp, unsigned status, const char *text, size_t len);
/* Answers bytes that live as long as the process, with their type and extra headers
 * (both static too), without copying them. */
void lr_resp_static(struct lr_response *resp, unsigned status, const char *content_type,
                    const void *data, size_t len, const char *const *headers);

#endif
