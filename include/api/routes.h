/* The route table: method + path pattern -> handler, the role it needs and the kind
 * of body it takes (which sets the body limit). */
#ifndef LR_API_ROUTES_H
#define LR_API_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "api/app.h"
#include "http/http.h"

typedef void (*lr_handler)(struct lr_app *app, struct lr_request *req, struct lr_response *resp);

enum lr_body_kind {
    LR_BODY_JSON, /* up to max_body_bytes, held in memory */
    LR_BODY_BULK, /* up to max_bulk_bytes, spooled to disk; one bulk load at a time */
    LR_BODY_CRM,  /* a CRM adapter's request: up to crm_max_body_bytes, held in memory */
};

struct lr_route {
    const char *method;
    const char *pattern; /* "/v1/leads/{}": {} matches one non-empty segment */
    lr_handler handler;
    enum lr_role role; /* LR_ROLE_NONE: no bearer token (health, signed events) */
    enum lr_body_kind body;
};

/* Finds the route; fills req->params. Returns NULL and sets *path_known when the path
 * exists with another method (405) or not at all (404). */
const struct lr_route *lr_route_find(const char *method, const char *path, struct lr_request *req,
                                     bool *path_known);
/* The whole table (for tests and documentation). */
const struct lr_route *lr_routes(size_t *count);

#endif
