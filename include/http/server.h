/* The libmicrohttpd server: accepts, reads heads and bodies within their deadlines,
 * hands requests to the layer above through lr_http_handler, drains on SIGTERM. It
 * knows nothing of routes, tokens or problem bodies: those are the handler's. */
#ifndef LR_HTTP_SERVER_H
#define LR_HTTP_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "http/http.h"

/* What the handler decided from a request's head. */
struct lr_http_admission {
    size_t body_limit; /* bytes; a longer body is refused (LR_HTTP_TOO_LARGE) */
    bool spool;        /* keep the body in an unlinked temporary file, not in memory */
    bool bulk;         /* the body deadline is bulk_request_timeout_seconds */
};

/* Why the server itself refuses a request that the handler admitted. */
enum lr_http_refusal {
    LR_HTTP_TOO_LARGE, /* the body passed body_limit */
    LR_HTTP_NO_SPOOL,  /* the temporary file could not be made or written */
};

struct lr_http_handler {
    void *ctx;
    /* From the head alone: routes the request and checks whatever can be checked
     * before its body is read (fills req->params, role, actor, route). Setting resp
     * answers now, and the body is never read. */
    void (*admit)(void *ctx, struct lr_request *req, struct lr_http_admission *adm,
                  struct lr_response *resp);
    /* The whole body has arrived: answers it. */
    void (*handle)(void *ctx, struct lr_request *req, struct lr_response *resp);
    /* The answer to a refusal. */
    void (*refuse)(void *ctx, struct lr_request *req, enum lr_http_refusal why,
                   struct lr_response *resp);
    /* The request is over, answered or not (whatever admit reserved is given back):
     * status is what was answered (0: nothing), seconds since its head. */
    void (*done)(void *ctx, struct lr_request *req, unsigned status, double seconds);
};

/* Blocks SIGTERM and SIGINT in the calling thread and so in every thread it creates
 * afterwards: call it before starting any thread, so that only lr_serve's own wait
 * ever receives them. */
void lr_serve_block_signals(void);

/* Serves until SIGTERM or SIGINT, then drains: *draining is set at once (readiness
 * reads it), requests are served for shutdown_delay_seconds, then the listener
 * closes and requests in flight get drain_seconds. Returns 0 on a clean stop, -1
 * when the server could not start. */
int lr_serve(const struct lr_config *cfg, const struct lr_http_handler *handler,
             atomic_bool *draining);

#endif
