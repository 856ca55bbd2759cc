/* Admission from the request head (see admit.h). Nothing without a token may make the
 * server hold a body: 401, 403, 404, 405, 413, 415 and 429 are answered before a
 * byte of it is read. */
#include "api/admit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/auth.h"
#include "api/observe.h"
#include "api/problem.h"
#include "api/routes.h"
#include "util/json.h"

/* handler_marks */
#define HOLDS_BULK_SLOT 1u

static bool bulk_type_ok(const char *ct)
{
    if (ct == NULL)
        return false;
    while (*ct == ' ')
        ct++;
    static const char *const TYPES[] = {"text/csv", "application/json"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(TYPES[i]);
        if (strncasecmp(ct, TYPES[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

static bool query_text_ok(void *arg, const char *key, const char *value)
{
    const char **bad = arg;
    if (!lr_utf8_printable(key, 1, 1024) || (value != NULL && !lr_utf8_printable(value, 0, 4096))) {
        *bad = key;
        return false;
    }
    return true;
}

/* Path segments and query parameters are compared with and stored as text: bytes
 * that are not printable UTF-8 can name nothing, and PostgreSQL would refuse them. */
static bool url_text_ok(const struct lr_request *req, struct lr_response *resp)
{
    /* A read of a name that cannot exist finds nothing; a write names the bad field
     * itself (its handler validates the id it would store). */
    bool read = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    for (size_t i = 0; read && i < req->nparams; i++) {
        if (!lr_utf8_printable(req->params[i], 1, sizeof req->params[i])) {
            lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND,
                              "no such resource: the path is not printable UTF-8", NULL);
            return false;
        }
    }
    const char *bad = NULL;
    lr_req_each_query(req, query_text_ok, &bad);
    if (bad != NULL) {
        json_t *errors = json_array();
        lr_json_field_error(errors, lr_utf8_printable(bad, 1, 1024) ? bad : "query",
                            "must be printable UTF-8");
        lr_problem_answer(resp, LR_PROBLEM_VALIDATION, "a query parameter is not text", errors);
        return false;
    }
    return true;
}

static void too_large(struct lr_response *resp, size_t limit)
{
    char detail[128];
    snprintf(detail, sizeof detail, "the body is over the limit of %zu bytes", limit);
    lr_problem_answer(resp, LR_PROBLEM_BODY_TOO_LARGE, detail, NULL);
}

static void admit(void *ctx, struct lr_request *req, struct lr_http_admission *adm,
                  struct lr_response *resp)
{
    struct lr_app *app = ctx;
    snprintf(req->actor, sizeof req->actor, "anonymous");
    if (app->observe != NULL)
        atomic_fetch_add(&app->observe->in_flight, 1);
    adm->body_limit = app->cfg.max_body_bytes;
    /* HEAD is GET without the body; libmicrohttpd leaves the body out. */
    const char *lookup = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    bool known = false;
    const struct lr_route *route = lr_route_find(lookup, req->path, req, &known);
    if (route == NULL) {
        if (known)
            lr_problem_answer(resp, LR_PROBLEM_METHOD_NOT_ALLOWED,
                              "this path does not take that method", NULL);
        else
            lr_problem_answer(resp, LR_PROBLEM_NOT_FOUND, "no such endpoint", NULL);
        return;
    }
    req->route = route;
    req->route_name = route->pattern;
    if (!url_text_ok(req, resp))
        return;
    bool bulk = route->body == LR_BODY_BULK;
    adm->body_limit = bulk                         ? app->cfg.max_bulk_bytes
                      : route->body == LR_BODY_CRM ? app->cfg.crm_max_body_bytes
                                                   : app->cfg.max_body_bytes;
    if (route->role != LR_ROLE_NONE) {
        lr_authenticate(app, req, resp, route->role);
        if (resp->status != 0)
            return;
    }
    const char *cl = lr_req_header(req, "Content-Length");
    if (cl != NULL && strtoull(cl, NULL, 10) > adm->body_limit) {
        too_large(resp, adm->body_limit);
        return;
    }
    if (!bulk)
        return;
    if (!bulk_type_ok(lr_req_header(req, "Content-Type"))) {
        lr_problem_answer(resp, LR_PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                          "send text/csv or application/json", NULL);
        return;
    }
    if (atomic_fetch_add(&app->bulk_loads, 1) >= (int)app->cfg.max_bulk_loads) {
        atomic_fetch_sub(&app->bulk_loads, 1);
        lr_problem_answer_retry(resp, app, LR_PROBLEM_BUSY,
                                "another bulk load is in progress on this server; retry after it");
        return;
    }
    req->handler_marks |= HOLDS_BULK_SLOT;
    adm->spool = true;
    adm->bulk = true;
}

static void handle(void *ctx, struct lr_request *req, struct lr_response *resp)
{
    const struct lr_route *route = req->route;
    route->handler(ctx, req, resp);
    if (resp->status == 0)
        lr_problem_answer(resp, LR_PROBLEM_INTERNAL, "no response was produced", NULL);
    else if (resp->status == 500 && resp->body == NULL)
        lr_problem_answer(resp, LR_PROBLEM_INTERNAL, "could not encode the response", NULL);
}

static void refuse(void *ctx, struct lr_request *req, enum lr_http_refusal why,
                   struct lr_response *resp)
{
    struct lr_app *app = ctx;
    const struct lr_route *route = req->route;
    if (why == LR_HTTP_TOO_LARGE)
        too_large(resp, route != NULL && route->body == LR_BODY_BULK ? app->cfg.max_bulk_bytes
                                                                     : app->cfg.max_body_bytes);
    else
        lr_problem_answer_retry(resp, app, LR_PROBLEM_UNAVAILABLE,
                                "the server cannot store the body now");
}

static void done(void *ctx, struct lr_request *req, unsigned status, double seconds)
{
    struct lr_app *app = ctx;
    if (app->observe != NULL) {
        size_t n;
        const struct lr_route *table = lr_routes(&n);
        const struct lr_route *route = req->route;
        atomic_fetch_sub(&app->observe->in_flight, 1);
        lr_observe_request(app->observe, route ? (int)(route - table) : -1, req->method, status,
                           seconds);
    }
    if (req->handler_marks & HOLDS_BULK_SLOT) {
        req->handler_marks &= ~HOLDS_BULK_SLOT;
        atomic_fetch_sub(&app->bulk_loads, 1);
    }
}

struct lr_http_handler lr_api_http_handler(struct lr_app *app)
{
    struct lr_http_handler h = {
        .ctx = app, .admit = admit, .handle = handle, .refuse = refuse, .done = done};
    return h;
}
