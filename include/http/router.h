/* The route table: method + path pattern -> handler and the role it needs. */
#ifndef LR_HTTP_ROUTER_H
#define LR_HTTP_ROUTER_H

#include "http/app.h"
#include "http/http.h"

typedef void (*lr_handler)(struct lr_app *app, struct lr_request *req, struct lr_response *resp);

struct lr_route {
    const char *method;
    const char *pattern; /* "/v1/leads/{}": {} matches one non-empty segment */
    lr_handler handler;
    enum lr_role role; /* LR_ROLE_NONE: no bearer token (health, signed events) */
};

/* Finds the route; fills req->params. Returns NULL and sets *path_known when the path
 * exists with another method (405) or not at all (404). */
const struct lr_route *lr_route_find(const char *method, const char *path, struct lr_request *req,
                                     bool *path_known);

#endif
